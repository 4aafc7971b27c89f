"""The workflows `zzxt init` writes, run step by step against the sandbox, as a runner would.

For each forge: `zzxt init --apply` deploys a tracker (its policy installs zzxt
from a wheel of this checkout), the tracker's files are taken back out of the
sandbox into a temporary repository, and every `run:` step of the generated
workflows runs in bash with the variables the forge's runner sets. Gitea's
checkout is its own `git` step, fetching from that repository (git's
`url.<base>.insteadOf` points the forge's address at it); GitHub's marketplace
actions are stood in for. pip runs with PIP_REQUIRE_VIRTUALENV, so an install
outside the step's virtual environment fails, and with a local wheelhouse,
so no package index is needed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support.actions import Runner, Step
from tests.support.paths import ROOT, Invoke
from tests.support.pii import make_id
from tests.support.sandbox import forge_args, state
from tracker.bots.dashboard import DASHBOARD_MARK
from tracker.bots.sla_run import ESCALATION_MARK
from tracker.forge.kinds import KIND_NAMES, forge_kind
from tracker.policy import default_policy_text, load_policy
from tracker.sandbox import Sandbox, parse_seed
from tracker.templates.deployment import FAQ_DIR, POLICY_FILE
from tracker.templates.form_body import render_body
from tracker.templates.forms import build_forms
from tracker.templates.workflows import NO_FONT, NO_GIT, NO_PYTHON

BOT = "t-bot-7c1d"
REPO = "gdzz/support"
STUDENT_ID = make_id("440106", date(2006, 3, 1), 57)
FAQ = sorted(path.name for path in (ROOT / "docs" / "faq").glob("*.md"))
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


# Once per session: a wheel of this checkout, its dependencies as wheels, one venv.


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this checkout, built from a copy so the worktree stays clean."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "tracker", source / "tracker", ignore=shutil.ignore_patterns("__pycache__")
    )
    out = tmp_path_factory.mktemp("wheel")
    pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(source))
    return next(out.glob("zzxt-*.whl"))


@pytest.fixture(scope="session")
def wheelhouse(wheel: Path) -> Path:
    """zzxt's dependencies (with the site extra) as wheels, cached by their requirements."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    wanted = json.dumps([project["dependencies"], project["optional-dependencies"]["site"]])
    folder = ROOT / ".cache" / "wheelhouse" / hashlib.sha256(wanted.encode()).hexdigest()[:16]
    if not (folder / ".complete").is_file():
        pip("wheel", "-w", str(folder), f"zzxt[site] @ {wheel.as_uri()}")
        for own in folder.glob("zzxt-*.whl"):
            own.unlink()  # this checkout's wheel changes with every edit; the tests bring it
        (folder / ".complete").write_text(wanted, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def runner_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared by the runs, so the install step's venv is built once and then found complete."""
    return tmp_path_factory.mktemp("runner-temp")


@pytest.fixture(scope="session")
def python_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose python3 is this interpreter: setup-python's result, or the runner's own."""
    folder = tmp_path_factory.mktemp("python-bin")
    (folder / "python3").symlink_to(sys.executable)
    return folder


def pip(*args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]


# The tracker: a seed with two issues and two FAQ pages, deployed by `zzxt init`.


def seed(forge: str) -> str:
    policy = load_policy()
    forms = {f.category: f for f in build_forms(policy)}
    common = {
        "city": "广州市",
        "stage": "高等教育（本专科）",
        "unit": "华南示范大学学生资助管理中心",
        "unit_type": "普通高校",
        "reporter": "李老师",
        "role": "学校资助系统管理员",
        "phone": "13912345678",
        "urgent": "否",
    }
    late = render_body(
        forms["application"], {**common, "summary": "无法登录", "subcategory": "系统登录类"}
    )
    fresh = render_body(
        forms["application"],
        {
            **common,
            "summary": f"学生 {STUDENT_ID} 的密码忘记了，无法登录",
            "subcategory": "系统登录类",
        },
    )
    files = {f"{FAQ_DIR}/{name}": (ROOT / "docs" / "faq" / name).read_text("utf-8") for name in FAQ}
    data = {
        "users": [
            {"login": "zzxt-bot", "token": BOT, "type": "Bot"},
            {"login": "alice", "token": "t-alice"},
        ],
        "repos": [
            {
                "name": REPO,
                "private": True,
                "writers": ["zzxt-bot"],
                "issues": [
                    {
                        "number": 1,
                        "title": "广州市-高等教育-应用类问题：无法登录",
                        "body": late,
                        "user": "alice",
                        "created_at": "2026-11-02T10:00:00+08:00",
                    },
                    {
                        "number": 2,
                        "title": "广州市-高等教育-应用类问题：忘记密码",
                        "body": fresh,
                        "user": "alice",
                    },
                ],
                "files": files,
            }
        ],
    }
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@pytest.fixture(params=KIND_NAMES)
def tracker(
    request: pytest.FixtureRequest, invoke: Invoke, wheel: Path, tmp_path: Path
) -> Iterator[tuple[str, Sandbox]]:
    forge = request.param
    policy = tmp_path / "policy.yml"
    policy.write_text(
        default_policy_text() + f"\ndeploy:\n  zzxt: {wheel.as_uri()}\n  pages: true\n", "utf-8"
    )
    with Sandbox(seed=parse_seed(seed(forge), "workflows-run"), record_bodies=True) as sb:
        result = invoke(
            "init",
            *forge_args(sb.url, forge),
            "--policy",
            str(policy),
            "--apply",
            "--now",
            "2026-11-30T09:00:00+08:00",
            env={"ZZXT_TOKEN": BOT},
        )
        assert result.exit_code == 0, result.stderr
        yield forge, sb


def checkout(sb: Sandbox, into: Path) -> str:
    """The tracker's files as the sandbox holds them, committed to a git repository."""
    for path, text in state(sb.url)["repos"][REPO]["files"].items():
        target = into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    identity = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.cn",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.cn",
        "PATH": "/usr/bin:/bin",
        "HOME": str(into),
    }
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "tracker"]):
        subprocess.run(["git", *args], cwd=into, env=identity, check=True)
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        cwd=into,
        env=identity,
        capture_output=True,
        text=True,
        check=True,
    )
    return sha.stdout.strip()


def runner(
    forge: str,
    sb: Sandbox,
    tmp: Path,
    origin: Path,
    sha: str,
    event_name: str,
    event: dict[str, Any],
    env: dict[str, str],
) -> Runner:
    """The variables a runner of this forge sets, pointing at the sandbox."""
    (tmp / "home").mkdir(exist_ok=True)
    event_path = tmp / "event.json"
    event_path.write_text(json.dumps(event, ensure_ascii=False), "utf-8")
    variables = {
        "HOME": str(tmp / "home"),
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_SERVER_URL": sb.url,
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_REF_NAME": "main",
        "GITHUB_SHA": sha,
        "GITHUB_WORKSPACE": str(tmp / "workspace"),
        "GITHUB_PATH": str(tmp / "github_path"),
        "GITHUB_ENV": str(tmp / "github_env"),
        # The forge's address is the test repository, for git only.
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{origin.as_uri()}.insteadOf",
        "GIT_CONFIG_VALUE_0": f"{sb.url}/{REPO}.git",
        **env,
    }
    secrets = {forge_kind(forge).token_secret: BOT, "GITHUB_TOKEN": BOT}
    if not forge_kind(forge).uses_marketplace_actions:
        variables["GITEA_ACTIONS"] = "true"
        variables["GITHUB_SERVER_URL"] = sb.url + "/"  # Gitea's ROOT_URL, with its slash
    return Runner(variables, secrets, event)


@pytest.fixture
def base_env(wheelhouse: Path, runner_temp: Path, python_bin: Path) -> dict[str, str]:
    return {
        "PATH": f"{python_bin}:/usr/local/bin:/usr/bin:/bin",
        "RUNNER_TEMP": str(runner_temp),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_REQUIRE_VIRTUALENV": "1",
        "ZZXT_RETRY_BACKOFF": "0.01",
    }


def workflow(origin: Path, forge: str, name: str) -> dict[str, Any]:
    path = origin / forge_kind(forge).workflow_dir / name
    data: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def stand_ins(origin: Path, python: str, uploaded: list[Path]) -> dict[str, Any]:
    def checkout_action(given: dict[str, Any], workspace: Path, env: dict[str, str]) -> None:
        assert given == {"persist-credentials": False}
        shutil.copytree(
            origin, workspace, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".git")
        )

    def setup_python(given: dict[str, Any], workspace: Path, env: dict[str, str]) -> None:
        assert given == {"python-version": python}  # python3 on PATH is this interpreter

    def upload(given: dict[str, Any], workspace: Path, env: dict[str, str]) -> None:
        uploaded.append(workspace / given["path"])

    return {
        "actions/checkout": checkout_action,
        "actions/setup-python": setup_python,
        "actions/upload-pages-artifact": upload,
    }


def succeeded(steps: list[Step]) -> None:
    failed = [s for s in steps if s.returncode != 0]
    assert steps and not failed, "\n\n".join(f"{s.name}:\n{s.output[-3000:]}" for s in failed)


def writes(sb: Sandbox) -> list[str]:
    return [
        f"{r['method']} {r['path']}"
        for r in sb.requests()
        if r["method"] in WRITES and r["path"].startswith("/api/")
    ]


def test_every_workflow_runs_against_the_sandbox(
    tracker: tuple[str, Sandbox], tmp_path: Path, base_env: dict[str, str]
) -> None:
    forge, sb = tracker
    origin = tmp_path / "origin"
    origin.mkdir()
    sha = checkout(sb, origin)
    uploaded: list[Path] = []
    actions = stand_ins(origin, load_policy().deploy.python, uploaded)
    repository = {"full_name": REPO, "default_branch": "main", "private": True}

    def run(name: str, job: str, event_name: str, event: dict[str, Any]) -> list[Step]:
        tmp = tmp_path / f"{name}-{len(list(tmp_path.iterdir()))}"
        (tmp / "workspace").mkdir(parents=True)
        box = runner(forge, sb, tmp, origin, sha, event_name, event, base_env)
        box.actions = actions
        return box.run_job(workflow(origin, forge, name), job, tmp / "workspace")

    # The SLA bot: the overdue issue is labelled and reminded, the progress list filled in.
    httpx.delete(sb.url + "/_sandbox/requests").raise_for_status()
    steps = run(
        "sla.yml", "sla", "schedule", {"schedule": "0 0-12 * * *", "repository": repository}
    )
    succeeded(steps)
    assert "zzxt 版本" in steps[-2].output  # the install step printed the installed version
    issues = {i["number"]: i for i in state(sb.url)["repos"][REPO]["issues"]}
    dashboard = next(i for i in issues.values() if DASHBOARD_MARK in i["body"])
    assert "#1" in dashboard["body"] and "#2" in dashboard["body"]
    late = issues[1]
    assert any(ESCALATION_MARK in c["body"] and c["user"] == "zzxt-bot" for c in late["comments"])
    assert load_policy().label_book().fixed("overdue") in late["labels"]
    # Every write came from the bot's own token; a second run has nothing left to do.
    httpx.delete(sb.url + "/_sandbox/requests").raise_for_status()
    succeeded(
        run("sla.yml", "sla", "schedule", {"schedule": "0 0-12 * * *", "repository": repository})
    )
    assert writes(sb) == []

    # The triage bot, on the opened issue: labels, a comment without the full ID number,
    # and links to the tracker's own FAQ pages at the policy's site address.
    issue = issues[2]
    event = {
        "action": "opened",
        "issue": {"number": 2, "title": issue["title"]},
        "repository": repository,
    }
    succeeded(run("triage.yml", "triage", "issues", event))
    after = next(i for i in state(sb.url)["repos"][REPO]["issues"] if i["number"] == 2)
    book = load_policy().label_book()
    assert book.fixed("sensitive") in after["labels"]
    assert any(name.endswith("广州市") for name in after["labels"])
    comments = [c["body"] for c in after["comments"] if c["user"] == "zzxt-bot"]
    assert comments and STUDENT_ID not in "".join(comments)
    site = load_policy().site.url
    assert f"{site}faq/pwd-forgot-reset" in "".join(comments)

    # A pull request's event does not run the triage job at all.
    event["issue"]["pull_request"] = {"url": "x"}
    assert run("triage.yml", "triage", "issues", event) == []

    # The knowledge base, on GitHub only: built from the policy and the FAQ pages, uploaded.
    pages = origin / forge_kind(forge).workflow_dir / "pages.yml"
    assert pages.is_file() == forge_kind(forge).publishes_pages
    if pages.is_file():
        push = {"ref": "refs/heads/main", "repository": repository}
        succeeded(run("pages.yml", "build", "push", push))
        (built,) = uploaded
        assert (built / "index.html").is_file()
        assert {p.stem for p in (built / "faq").glob("*.html")} >= {n[:-3] for n in FAQ}


def test_policy_file_reaches_the_checkout(tracker: tuple[str, Sandbox], tmp_path: Path) -> None:
    """What the bots read with ZZXT_POLICY is the file init wrote, in the workflow's env."""
    forge, sb = tracker
    origin = tmp_path / "origin"
    origin.mkdir()
    checkout(sb, origin)
    for name in ("sla.yml", "triage.yml"):
        assert workflow(origin, forge, name)["env"] == {"ZZXT_POLICY": POLICY_FILE}
    assert (origin / POLICY_FILE).read_text("utf-8").endswith("  pages: true\n")


# A runner without what zzxt needs fails at once, with one Chinese line.


def gitea_step(name: str, bot: str = "sla") -> str:
    from tracker.templates.deployment import for_tracker
    from tracker.templates.workflows import render_workflows

    text = render_workflows(for_tracker(load_policy(), "gitea", "0.1.0"))[f"{bot}.yml"]
    steps = yaml.safe_load(text)["jobs"][bot]["steps"]
    return next(s["run"] for s in steps if s.get("name") == name)


def run_alone(script: str, tmp: Path, path: str, **env: str) -> subprocess.CompletedProcess[str]:
    file = tmp / "step.sh"
    file.write_text(script, "utf-8")
    return subprocess.run(
        ["/bin/bash", "--noprofile", "--norc", "-eo", "pipefail", str(file)],
        cwd=tmp,
        env={"PATH": path, "RUNNER_TEMP": str(tmp), "GITHUB_PATH": str(tmp / "p"), **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_runner_without_python(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    result = run_alone(gitea_step("安装 zzxt"), tmp_path, str(empty), ZZXT_PACKAGE="zzxt==0.1.0")
    assert result.returncode == 1
    assert (result.stdout + result.stderr).splitlines() == [f"::error::{NO_PYTHON}"]


def test_runner_python_without_venv(tmp_path: Path, python_bin: Path) -> None:
    """Debian's python3 without python3-venv has no ensurepip: shadow it the same way."""
    shadow = tmp_path / "shadow" / "ensurepip"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('python3-venv is not installed')\n")
    result = run_alone(
        gitea_step("安装 zzxt"),
        tmp_path,
        f"{python_bin}:/usr/bin:/bin",
        ZZXT_PACKAGE="zzxt==0.1.0",
        PYTHONPATH=str(shadow.parent),
    )
    assert result.returncode == 1
    assert (result.stdout + result.stderr).splitlines() == [f"::error::{NO_PYTHON}"]
    assert not (tmp_path / "zzxt-venv").exists()


def test_runner_without_git(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    result = run_alone(gitea_step("取出台账仓库"), tmp_path, str(empty))
    assert result.returncode == 1
    assert (result.stdout + result.stderr).splitlines() == [f"::error::{NO_GIT}"]


def test_runner_without_a_chinese_font(tmp_path: Path) -> None:
    """No fontconfig, no apt-get: the font step stops the monthly report with one line."""
    empty = tmp_path / "bin"
    empty.mkdir()
    result = run_alone(gitea_step("准备中文字体", "report"), tmp_path, str(empty))
    assert result.returncode == 1
    assert (result.stdout + result.stderr).splitlines() == [f"::error::{NO_FONT}"]


def test_runner_with_a_chinese_font_installs_nothing(tmp_path: Path) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "fc-list").write_text("#!/bin/sh\necho 'Noto Sans CJK SC'\n", "utf-8")
    (tools / "apt-get").write_text("#!/bin/sh\necho apt-get ran\nexit 1\n", "utf-8")
    for tool in tools.iterdir():
        tool.chmod(0o755)
    result = run_alone(gitea_step("准备中文字体", "report"), tmp_path, f"{tools}:/usr/bin:/bin")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "apt-get ran" not in result.stdout + result.stderr


def test_the_monthly_report_workflow_publishes(
    tracker: tuple[str, Sandbox], tmp_path: Path, base_env: dict[str, str]
) -> None:
    """report.yml by hand for a month, then on schedule: files, one issue, a no-op rerun."""
    forge, sb = tracker
    origin = tmp_path / "origin"
    origin.mkdir()
    sha = checkout(sb, origin)
    actions = stand_ins(origin, load_policy().deploy.python, [])
    repository = {"full_name": REPO, "default_branch": "main", "private": True}

    def run(event_name: str, event: dict[str, Any]) -> list[Step]:
        tmp = tmp_path / f"report-{len(list(tmp_path.iterdir()))}"
        (tmp / "workspace").mkdir(parents=True)
        box = runner(forge, sb, tmp, origin, sha, event_name, event, base_env)
        box.actions = actions
        return box.run_job(workflow(origin, forge, "report.yml"), "report", tmp / "workspace")

    # October 2026 has ended whenever this runs; the seed's issues are from November.
    dispatch = {"inputs": {"month": "2026-10"}, "repository": repository}
    steps = run("workflow_dispatch", dispatch)
    succeeded(steps)
    assert "已写入" in steps[-1].output
    files = state(sb.url)["repos"][REPO]["files"]
    assert {"reports/2026-10/通报.docx", "reports/2026-10/report.md"} <= set(files)
    marked = [
        i
        for i in state(sb.url)["repos"][REPO]["issues"]
        if "<!-- zzxt:report 2026-10 -->" in i["body"]
    ]
    assert len(marked) == 1 and marked[0]["user"] == "zzxt-bot"
    # Run again by hand: nothing changed, nothing written.
    httpx.delete(sb.url + "/_sandbox/requests").raise_for_status()
    succeeded(run("workflow_dispatch", dispatch))
    assert writes(sb) == []
    # On schedule, without a month: zzxt decides by today's date (the real one here).
    from datetime import datetime

    from tracker.bots.report_publish import due_month
    from tracker.bots.rules import Rules

    rules = Rules.build(load_policy())
    today = datetime.now(rules.policy.calendar.zone).date()
    steps = run("schedule", {"schedule": "0 1 1-10 * *", "repository": repository})
    succeeded(steps)
    if due_month(rules.calendar, today) is None:
        assert "不是本月第一个工作日" in steps[-1].output
        assert writes(sb) == []

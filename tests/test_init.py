"""`zzxt init` and `zzxt sync` on a deployed tracker, end to end against the sandbox, both forges."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.paths import Invoke
from tests.support.sandbox import forge_args, state
from tracker import __version__
from tracker.bots import sync as syncing
from tracker.bots.dashboard import DASHBOARD_MARK
from tracker.bots.rules import Rules
from tracker.forge import connect, resolve_settings
from tracker.forge.kinds import KIND_NAMES, forge_kind
from tracker.forge.model import FileChange, FileContent
from tracker.policy import default_policy_text, load_policy
from tracker.sandbox import Sandbox, parse_seed
from tracker.templates.deployment import POLICY_FILE, for_tracker
from tracker.templates.forms import render_templates
from tracker.templates.workflows import render_workflows

BOT = "t-bot-42e1"
VIEWER = "t-viewer-9a"
NOW = "2026-11-30T09:00:00+08:00"
HAND_WRITTEN = "name: 自建检查\non: push\njobs: {}\n"
SEED = f"""\
users:
  - {{login: zzxt-bot, token: {BOT}, type: Bot}}
  - {{login: viewer, token: {VIEWER}}}
repos:
  - name: gdzz/support
    private: true
    writers: [zzxt-bot]
    files:
      .gitea/workflows/ci.yml: "{HAND_WRITTEN.encode("unicode_escape").decode()}"
      .github/workflows/ci.yml: "{HAND_WRITTEN.encode("unicode_escape").decode()}"
  - name: gdzz/open
    private: false
    writers: [zzxt-bot]
"""
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=parse_seed(SEED, "test_init"), record_bodies=True) as sb:
        yield sb


def run(
    invoke: Invoke,
    sb: Sandbox,
    forge: str,
    command: str,
    *args: str,
    token: str = BOT,
    repo: str = "gdzz/support",
    policy: str | None = None,
) -> Any:
    """Run `zzxt [--policy P] <command> --forge … --url … --repo … <args>` with a token."""
    head = ["--policy", policy] if policy else []
    return invoke(
        *head,
        *command.split(),
        *forge_args(sb.url, forge, repo=repo),
        *args,
        env={"ZZXT_TOKEN": token, "ZZXT_RETRY_BACKOFF": "0.01"},
    )


def writes(sb: Sandbox) -> list[str]:
    return [
        f"{r['method']} {r['path']}"
        for r in sb.requests()
        if r["method"] in WRITES and r["path"].startswith("/api/")
    ]


def clear_log(sb: Sandbox) -> None:
    httpx.delete(sb.url + "/_sandbox/requests").raise_for_status()


def repo(sb: Sandbox, name: str = "gdzz/support") -> dict[str, Any]:
    return dict(state(sb.url)["repos"][name])


def dashboards(sb: Sandbox) -> list[dict[str, Any]]:
    return [i for i in repo(sb)["issues"] if DASHBOARD_MARK in i["body"]]


def edit_file(sb: Sandbox, forge: str, path: str, text: str) -> None:
    """Change a file the way an administrator does in the web interface."""
    client = connect(
        resolve_settings(
            {"ZZXT_TOKEN": BOT}, kind=forge, url=sb.url, repo="gdzz/support", write_interval=0
        )
    )
    try:
        current = client.read_file(path)
        assert current is not None
        client.write_files([FileChange("update", path, text, current.sha)], "网页上修改")
    finally:
        client.close()


@pytest.mark.parametrize("forge", KIND_NAMES)
def test_plan_only_writes_nothing(invoke: Invoke, sandbox: Sandbox, forge: str) -> None:
    result = run(invoke, sandbox, forge, "init", "--now", NOW)
    assert result.exit_code == 0, result.stderr
    record = forge_kind(forge)
    assert "（私有，可写）" in result.stdout
    for path in (
        POLICY_FILE,
        f"{record.workflow_dir}/sla.yml",
        f"{record.template_dir}/config.yml",
    ):
        assert f"+ 文件 {path}" in result.stdout
    assert "+ 问题 问题处理进度清单" in result.stdout
    assert "加 --apply 执行" in result.stdout
    assert "后续步骤" not in result.stdout
    assert writes(sandbox) == []


@pytest.mark.parametrize("forge", KIND_NAMES)
def test_apply_deploys_everything_then_a_rerun_writes_nothing(
    invoke: Invoke, sandbox: Sandbox, forge: str
) -> None:
    result = run(invoke, sandbox, forge, "init", "--apply", "--now", NOW)
    assert result.exit_code == 0, result.stderr
    record = forge_kind(forge)
    policy = load_policy()
    files = repo(sandbox)["files"]
    assert files[POLICY_FILE] == default_policy_text()
    for name, text in render_templates(policy, forge).items():  # type: ignore[arg-type]
        assert files[f"{record.template_dir}/{name}"] == text
    for name, text in render_workflows(for_tracker(policy, forge, __version__)).items():  # type: ignore[arg-type]
        assert files[f"{record.workflow_dir}/{name}"] == text
    assert files[f"{record.workflow_dir}/ci.yml"] == HAND_WRITTEN  # not ours: untouched
    labels = {label["name"] for label in repo(sandbox)["labels"]}
    assert {spec.name for spec in policy.label_book().specs()} <= labels
    (dashboard,) = dashboards(sandbox)
    assert dashboard["title"] == policy.sla.dashboard_title and dashboard["user"] == "zzxt-bot"
    # Gitea's API pins issues; GitHub's REST API cannot (tracker.forge.github).
    assert any(w.endswith("/pin") for w in writes(sandbox)) == (forge == "gitea")
    assert "后续步骤：" in result.stdout and "ZZXT_TOKEN" in result.stdout
    assert record.secrets_path in result.stdout

    clear_log(sandbox)
    again = run(invoke, sandbox, forge, "init", "--apply", "--now", NOW, "--json")
    assert again.exit_code == 0, again.stderr
    data = json.loads(again.stdout)
    assert data["writes"] == 0 and data["dashboard"] is None
    assert data["policy"] == f"台账仓库的 {POLICY_FILE}"
    assert writes(sandbox) == []
    assert len(dashboards(sandbox)) == 1


@pytest.mark.parametrize("forge", KIND_NAMES)
def test_the_sla_bot_takes_over_the_progress_list(
    invoke: Invoke, sandbox: Sandbox, forge: str
) -> None:
    assert run(invoke, sandbox, forge, "init", "--apply", "--now", NOW).exit_code == 0
    (created,) = dashboards(sandbox)
    clear_log(sandbox)
    result = run(invoke, sandbox, forge, "sla check", "--apply", "--now", NOW)
    assert result.exit_code == 0, result.stderr
    assert dashboards(sandbox) == [created]  # the same issue, unchanged
    assert writes(sandbox) == []


@pytest.mark.parametrize("forge", KIND_NAMES)
@pytest.mark.parametrize(
    ("token", "name", "code", "words"),
    [
        (BOT, "gdzz/open", 9, "公开仓库"),
        (VIEWER, "gdzz/support", 5, "没有写权限"),
    ],
    ids=["公开仓库", "无写权限"],
)
def test_refusals_write_nothing(
    invoke: Invoke, sandbox: Sandbox, forge: str, token: str, name: str, code: int, words: str
) -> None:
    result = run(invoke, sandbox, forge, "init", "--apply", token=token, repo=name)
    assert result.exit_code == code, result.stderr
    assert result.stderr.startswith("错误：") and words in result.stderr
    assert "Traceback" not in result.stderr and token not in result.stdout + result.stderr
    assert writes(sandbox) == []
    assert POLICY_FILE not in repo(sandbox, name)["files"]


def test_no_write_access_names_the_token_scopes(invoke: Invoke, sandbox: Sandbox) -> None:
    result = run(invoke, sandbox, "gitea", "init", token=VIEWER)
    assert forge_kind("gitea").token_scopes in result.stderr


@pytest.mark.parametrize("forge", KIND_NAMES)
def test_without_dashboard(invoke: Invoke, sandbox: Sandbox, forge: str) -> None:
    result = run(invoke, sandbox, forge, "init", "--apply", "--no-dashboard")
    assert result.exit_code == 0, result.stderr
    assert dashboards(sandbox) == []
    assert "进度清单由" not in result.stdout


@pytest.mark.parametrize("forge", KIND_NAMES)
def test_the_trackers_policy_file_rules_sync(invoke: Invoke, sandbox: Sandbox, forge: str) -> None:
    """After init, the administrator edits .zzxt/policy.yml; sync follows it, and only it."""
    assert run(invoke, sandbox, forge, "init", "--apply", "--now", NOW).exit_code == 0
    edited = default_policy_text().replace("020-87777742", "020-12345678")
    assert edited != default_policy_text()
    edit_file(sandbox, forge, POLICY_FILE, edited)
    clear_log(sandbox)
    result = run(invoke, sandbox, forge, "sync", "--apply", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["policy"] == f"台账仓库的 {POLICY_FILE}" and data["deployed"] is True
    record = forge_kind(forge)
    # The phone is in every form's intro and in config.yml; workflows and policy unchanged.
    assert all(p.startswith(record.template_dir) for p in data["files"]["update"])
    assert len(data["files"]["update"]) == 5
    assert repo(sandbox)["files"][POLICY_FILE] == edited
    again = run(invoke, sandbox, forge, "sync", "--apply", "--json")
    assert json.loads(again.stdout)["writes"] == 0


@pytest.mark.parametrize("forge", KIND_NAMES)
def test_an_explicit_policy_replaces_the_trackers_and_moves_the_workflows(
    invoke: Invoke, sandbox: Sandbox, forge: str, write_policy
) -> None:
    assert run(invoke, sandbox, forge, "init", "--apply", "--now", NOW).exit_code == 0
    git = "git+https://gitea.example.cn/gdzz/zzxt.git@v0.2.0"
    policy = write_policy(default_policy_text() + f"\ndeploy:\n  zzxt: {git}\n  pages: true\n")
    result = run(invoke, sandbox, forge, "sync", "--apply", "--json", policy=str(policy))
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    record = forge_kind(forge)
    flows = f"{record.workflow_dir}/"
    assert POLICY_FILE in data["files"]["update"]
    assert sorted(p for p in data["files"]["update"] if p.startswith(flows)) == [
        f"{flows}report.yml",
        f"{flows}sla.yml",
        f"{flows}triage.yml",
    ]
    assert data["files"]["create"] == ([f"{flows}pages.yml"] if record.publishes_pages else [])
    files = repo(sandbox)["files"]
    assert f"zzxt @ {git}" in files[f"{flows}sla.yml"]
    # Pages off again: our pages.yml goes (a stale bot must not keep running), ci.yml stays.
    plain = write_policy(default_policy_text() + f"\ndeploy:\n  zzxt: {git}\n", "plain.yml")
    back = json.loads(
        run(invoke, sandbox, forge, "sync", "--apply", "--json", policy=str(plain)).stdout
    )
    assert back["files"]["delete"] == ([f"{flows}pages.yml"] if record.publishes_pages else [])
    assert repo(sandbox)["files"][f"{flows}ci.yml"] == HAND_WRITTEN


def test_an_upgrade_reaches_the_workflows() -> None:
    """sync renders the workflows for the zzxt running it: after an upgrade, they follow."""
    policy = load_policy()
    rules = Rules.build(policy)
    record = forge_kind("gitea")
    old = render_workflows(for_tracker(policy, "gitea", "0.1.0"))
    current = syncing.Current(
        labels=[],
        files={
            f"{record.workflow_dir}/{n}": FileContent(f"{record.workflow_dir}/{n}", t, "s")
            for n, t in old.items()
        },
        policy=FileContent(POLICY_FILE, default_policy_text(), "p"),
    )
    plan = syncing.plan(
        current, rules, "gitea", False, deployment=for_tracker(policy, "gitea", "0.2.0")
    )
    flows = [f for f in plan.files if f.path.startswith(record.workflow_dir)]
    assert [f.operation for f in flows] == ["update"] * len(old)
    assert len(old) == 3 and all("zzxt==0.2.0" in f.text for f in flows)


def test_an_invalid_policy_in_the_tracker_is_a_clear_error(
    invoke: Invoke, sandbox: Sandbox
) -> None:
    assert run(invoke, sandbox, "gitea", "init", "--apply", "--now", NOW).exit_code == 0
    edit_file(
        sandbox, "gitea", POLICY_FILE, default_policy_text() + "\ndeploy:\n  zzxt: zzxt>=0.1\n"
    )
    clear_log(sandbox)
    result = run(invoke, sandbox, "gitea", "sync", "--apply")
    assert result.exit_code == 2
    assert f"台账仓库的 {POLICY_FILE}" in result.stderr and "deploy.zzxt" in result.stderr
    assert "第 " in result.stderr  # the line
    assert writes(sandbox) == []


def test_sync_without_deployment_leaves_workflows_alone(invoke: Invoke, sandbox: Sandbox) -> None:
    result = run(invoke, sandbox, "gitea", "sync", "--apply", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["deployed"] is False
    assert not any("/workflows/" in p or p == POLICY_FILE for p in data["files"]["create"])

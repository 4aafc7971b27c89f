"""The bots' workflows as rendered: triggers, permissions, serialisation, how zzxt is installed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.paths import ROOT, Invoke
from tracker.forge.kinds import KIND_NAMES, forge_kind
from tracker.policy import Policy, load_policy
from tracker.templates.deployment import POLICY_FILE, Deployment, for_project, for_tracker
from tracker.templates.generated import MARK, stale_files
from tracker.templates.workflows import (
    BOTS,
    CHECKOUT,
    SETUP_PYTHON,
    render_workflows,
    scheduled,
)

WHEEL = "https://mirrors.example.cn/zzxt/zzxt-0.2.0-py3-none-any.whl"
GIT = "git+https://gitea.example.cn/gdzz/zzxt.git@v0.2.0"


def deployed(**deploy: Any) -> Policy:
    policy = load_policy()
    return policy.model_copy(update={"deploy": policy.deploy.model_copy(update=deploy)})


def parse(text: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(text)
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def every_workflow(deployment: Deployment) -> dict[str, dict[str, Any]]:
    return {name: parse(text) for name, text in render_workflows(deployment).items()}


def all_steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in doc["jobs"].values() for step in job["steps"]]


DEPLOYMENTS = {
    **{f"本项目-{k}": for_project(k) for k in KIND_NAMES},
    **{f"台账-{k}": for_tracker(deployed(pages=True), k, "0.1.0") for k in KIND_NAMES},
}


@pytest.mark.parametrize("flavor", KIND_NAMES)
def test_committed_workflows_are_in_sync(flavor: str) -> None:
    directory = ROOT / forge_kind(flavor).workflow_dir
    assert stale_files(render_workflows(for_project(flavor)), directory) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("deployment", DEPLOYMENTS.values(), ids=DEPLOYMENTS.keys())
def test_sla_runs_hourly_in_working_hours_and_never_twice_at_once(deployment: Deployment) -> None:
    doc = every_workflow(deployment)["sla.yml"]
    # 08:00-20:00 Beijing time is 00:00-12:00 UTC, every day.
    assert doc["on"] == {"schedule": [{"cron": "0 0-12 * * *"}], "workflow_dispatch": {}}
    assert doc["permissions"] == {"contents": "read", "issues": "write"}
    assert doc["concurrency"] == {"group": "zzxt-sla", "cancel-in-progress": False}
    job = doc["jobs"]["sla"]
    assert job["timeout-minutes"] < 60  # a run ends before the next one is due
    assert job["steps"][-1]["run"] == "zzxt sla check --apply"
    token = job["steps"][-1]["env"]["ZZXT_TOKEN"]
    secret = forge_kind(deployment.kind).token_secret
    assert token == f"${{{{ secrets.ZZXT_TOKEN || secrets.{secret} }}}}"


@pytest.mark.parametrize("deployment", DEPLOYMENTS.values(), ids=DEPLOYMENTS.keys())
def test_triage_runs_once_per_issue_and_never_for_pull_requests(deployment: Deployment) -> None:
    doc = every_workflow(deployment)["triage.yml"]
    assert doc["on"] == {"issues": {"types": ["opened", "edited"]}}
    assert doc["concurrency"]["group"] == "zzxt-triage-${{ github.event.issue.number }}"
    job = doc["jobs"]["triage"]
    assert job["if"] == "${{ !github.event.issue.pull_request }}"
    step = job["steps"][-1]
    # The issue number reaches the shell as a variable, never pasted into the script.
    assert "${{" not in step["run"]
    assert step["env"]["ZZXT_ISSUE"] == "${{ github.event.issue.number }}"
    assert f"--faq-dir {deployment.faq_dir}" in step["run"]


@pytest.mark.parametrize("deployment", DEPLOYMENTS.values(), ids=DEPLOYMENTS.keys())
def test_every_workflow_is_serialised_and_least_privileged(deployment: Deployment) -> None:
    wanted = {
        "pages.yml": {"contents": "read"},
        # The monthly report commits its files under reports/: the only bot writing contents.
        "report.yml": {"contents": "write", "issues": "write"},
    }
    for name, doc in every_workflow(deployment).items():
        assert doc["concurrency"]["cancel-in-progress"] is False, name
        assert doc["permissions"] == wanted.get(name, {"contents": "read", "issues": "write"})
        for step in all_steps(doc):
            assert "${{" not in step.get("run", ""), f"{name}: expression inside a script"


@pytest.mark.parametrize("deployment", DEPLOYMENTS.values(), ids=DEPLOYMENTS.keys())
def test_zzxt_is_installed_into_a_virtual_environment_only(deployment: Deployment) -> None:
    for name, doc in every_workflow(deployment).items():
        for step in all_steps(doc):
            for line in step.get("run", "").splitlines():
                if re.search(r"\bpip\b", line):
                    assert line.startswith('"$venv/bin/python" -m pip install '), f"{name}: {line}"
            if "pip install" in step.get("run", ""):
                assert 'python3 -m venv "$venv"' in step["run"]


def test_github_uses_actions_on_a_supported_runtime() -> None:
    doc = every_workflow(for_tracker(load_policy(), "github", "0.1.0"))["sla.yml"]
    uses = [step["uses"] for step in all_steps(doc) if "uses" in step]
    assert uses == [CHECKOUT, SETUP_PYTHON]
    assert CHECKOUT.split("@v")[1] >= "5" and SETUP_PYTHON.split("@v")[1] >= "6"  # node24


GITEA = {k: d for k, d in DEPLOYMENTS.items() if not forge_kind(d.kind).uses_marketplace_actions}


@pytest.mark.parametrize("deployment", GITEA.values(), ids=GITEA.keys())
def test_gitea_fetches_nothing_from_the_internet(deployment: Deployment) -> None:
    for doc in every_workflow(deployment).values():
        assert all("uses" not in step for step in all_steps(doc))
    monthly = {"report.yml"} if deployment.report else set()
    assert set(render_workflows(deployment)) == {"sla.yml", "triage.yml"} | monthly  # no Pages


def test_gitea_set_is_complete_because_gitea_reads_only_it() -> None:
    assert set(render_workflows(for_project("gitea"))) == set(
        render_workflows(for_project("github"))
    )


@pytest.mark.parametrize(
    ("source", "bots", "site"),
    [
        ("", "zzxt==0.1.0", "zzxt[site]==0.1.0"),
        ("zzxt==0.2.0", "zzxt==0.2.0", "zzxt[site]==0.2.0"),
        (WHEEL, f"zzxt @ {WHEEL}", f"zzxt[site] @ {WHEEL}"),
        (GIT, f"zzxt @ {GIT}", f"zzxt[site] @ {GIT}"),
    ],
    ids=["默认为本机版本", "软件源版本", "wheel 地址", "git 地址"],
)
def test_install_source_comes_from_the_policy(source: str, bots: str, site: str) -> None:
    docs = every_workflow(for_tracker(deployed(zzxt=source, pages=True), "github", "0.1.0"))
    install = [s for s in all_steps(docs["sla.yml"]) if s.get("name") == "安装 zzxt"]
    assert install[0]["env"] == {"ZZXT_PACKAGE": bots}
    pages = [s for s in all_steps(docs["pages.yml"]) if s.get("name") == "安装 zzxt"]
    assert pages[0]["env"]["ZZXT_PACKAGE"] == site


@pytest.mark.parametrize(
    ("index", "trusted"),
    [
        ("https://mirrors.example.cn/pypi/simple", None),
        ("http://10.1.2.3:8080/simple", "10.1.2.3"),
    ],
    ids=["https", "内网 http"],
)
def test_an_intranet_index_reaches_pip(index: str, trusted: str | None) -> None:
    doc = every_workflow(for_tracker(deployed(index_url=index), "gitea", "0.1.0"))["sla.yml"]
    env = next(s for s in all_steps(doc) if s.get("name") == "安装 zzxt")["env"]
    assert env["PIP_INDEX_URL"] == index
    assert env.get("PIP_TRUSTED_HOST") == trusted


def test_tracker_workflows_read_the_policy_from_the_checkout() -> None:
    deployment = for_tracker(deployed(runs_on="linux-intranet", python="3.12"), "github", "0.1.0")
    for name, text in render_workflows(deployment).items():
        assert text.startswith(MARK), name
        doc = parse(text)
        assert doc["env"] == {"ZZXT_POLICY": POLICY_FILE}
        assert {job["runs-on"] for job in doc["jobs"].values()} == {"linux-intranet"}
    setup = next(
        s
        for s in all_steps(parse(render_workflows(deployment)["sla.yml"]))
        if "with" in s and "python-version" in s["with"]
    )
    assert setup["with"]["python-version"] == "3.12"
    # This project's own workflows use the built-in policy and install the checkout.
    assert "env" not in parse(render_workflows(for_project("github"))["sla.yml"])


def test_pages_only_when_asked_for() -> None:
    assert "pages.yml" not in render_workflows(for_tracker(load_policy(), "github", "0.1.0"))
    doc = every_workflow(for_tracker(deployed(pages=True), "github", "0.1.0"))["pages.yml"]
    assert doc["on"] == {"push": {"paths": [".zzxt/**"]}, "workflow_dispatch": {}}
    assert doc["permissions"] == {"contents": "read"}
    assert doc["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    build = doc["jobs"]["build"]["steps"]
    assert any("zzxt site build --faq-dir .zzxt/faq" in s.get("run", "") for s in build)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_report_runs_at_nine_on_days_1_to_10_and_takes_a_month_by_hand(kind: str) -> None:
    doc = every_workflow(for_tracker(load_policy(), kind, "0.1.0"))["report.yml"]  # type: ignore[arg-type]
    # 09:00 Beijing time is 01:00 UTC; days 1-10 hold every month's first working day.
    assert doc["on"]["schedule"] == [{"cron": "0 1 1-10 * *"}]
    month = doc["on"]["workflow_dispatch"]["inputs"]["month"]
    assert month["required"] is False and month["type"] == "string"
    assert doc["concurrency"] == {"group": "zzxt-report", "cancel-in-progress": False}
    steps = doc["jobs"]["report"]["steps"]
    step = steps[-1]
    assert step["env"]["ZZXT_MONTH"] == "${{ github.event.inputs.month }}"
    assert 'zzxt report publish --apply --month "$ZZXT_MONTH"' in step["run"]
    assert "zzxt report publish --apply\n" in step["run"]
    secret = forge_kind(kind).token_secret
    assert step["env"]["ZZXT_TOKEN"] == f"${{{{ secrets.ZZXT_TOKEN || secrets.{secret} }}}}"
    # The charts need a CJK font, made sure of after zzxt is installed and before it runs.
    assert steps[-2]["name"] == "准备中文字体" and "fonts-noto-cjk" in steps[-2]["run"]
    assert steps[-3]["name"] == "安装 zzxt"


def test_report_only_for_a_tracker_that_wants_it() -> None:
    for kind in KIND_NAMES:
        assert "report.yml" in render_workflows(for_tracker(load_policy(), kind, "0.1.0"))
        off = for_tracker(deployed(report=False), kind, "0.1.0")
        assert "report.yml" not in render_workflows(off)
        # This project's own repository holds code, not a tracker's monthly reports.
        assert "report.yml" not in render_workflows(for_project(kind))


def test_a_new_scheduled_bot_is_one_function() -> None:
    """What another engineer adds for, say, mail intake every 15 minutes in working hours."""

    def mail_bot(deployment: Deployment) -> Any:
        return scheduled(
            "mail.yml",
            "邮件受理",
            "*/15 0-10 * * 1-5",
            "工作日北京时间 8-18 点每 15 分钟。",
            "读取报送邮件",
            "zzxt mail fetch --apply",
            timeout=10,
        )

    deployment = for_tracker(load_policy(), "gitea", "0.1.0")
    bot = mail_bot(deployment)
    from tracker.templates.workflows import bot_workflow

    doc = bot_workflow(bot, deployment)
    assert doc["concurrency"] == {"group": "zzxt-mail", "cancel-in-progress": False}
    assert doc["jobs"]["mail"]["steps"][-1]["run"] == "zzxt mail fetch --apply"
    assert len(BOTS) == len(render_workflows(deployment))


def test_check_fails_after_a_hand_edit(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("workflows", "render").exit_code == 0
    assert invoke("workflows", "render", "--check").exit_code == 0
    path = tmp_path / ".gitea/workflows/sla.yml"
    path.write_text(path.read_text("utf-8").replace("0 0-12", "0 1-12"), "utf-8")
    result = invoke("workflows", "render", "--check")
    assert result.exit_code == 1
    assert ".gitea/workflows/sla.yml" in result.stderr


def test_render_for_a_tracker(
    invoke: Invoke, tmp_path: Path, write_policy, policy_text: str
) -> None:
    policy = write_policy(policy_text + f"\ndeploy:\n  zzxt: {GIT}\n")
    out = tmp_path / "flows"
    result = invoke(
        "--policy", str(policy), "workflows", "render", "--flavor", "gitea", "--out", str(out)
    )
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["report.yml", "sla.yml", "triage.yml"]
    assert f"zzxt @ {GIT}" in (out / "sla.yml").read_text("utf-8")
    lonely = invoke("workflows", "render", "--out", str(out))
    assert lonely.exit_code == 2 and "--flavor" in lonely.stderr

"""The bots' CI workflows, rendered for GitHub Actions and Gitea Actions.

Each bot is a `Bot`: when it runs, the command it runs once zzxt is installed,
and its concurrency group. Every workflow then has the same shape:

    check out the tracker repository  (GitHub: actions/checkout; Gitea: plain git)
    get a Python                      (GitHub: actions/setup-python; Gitea: the runner's python3)
    install zzxt into a virtual environment, never into the system Python
    run the bot's command, with ZZXT_POLICY pointing at the checkout's policy file

Gitea runners on an intranet often cannot fetch actions from github.com, so
Gitea's workflows use no `uses:` at all. Gitea reads only `.gitea/workflows`
once that folder exists, so each forge gets a complete set.

A new scheduled bot is one function returning `scheduled(...)`, added to `BOTS`;
one the deployment may leave out returns None (the monthly report, `deploy.report`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tracker.forge.kinds import forge_kind
from tracker.templates.deployment import SITE_OUT, Deployment
from tracker.templates.generated import dump_yaml

# Marketplace actions (GitHub only), each on a supported runtime (node24).
CHECKOUT = "actions/checkout@v5"
SETUP_PYTHON = "actions/setup-python@v6"
UPLOAD_PAGES = "actions/upload-pages-artifact@v5"
DEPLOY_PAGES = "actions/deploy-pages@v5"

MIN_PYTHON = (3, 11)
DOCS = "docs/admin/deploy.md"
REPORT_DOCS = "docs/admin/report.md"
# Bots read the repository and write issues; the monthly report also commits its files.
READ_CONTENTS = {"contents": "read", "issues": "write"}
WRITE_CONTENTS = {"contents": "write", "issues": "write"}

# The one line a runner without what zzxt needs prints before failing.
NO_PYTHON = (
    f"运行器缺少 Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} 及以上版本或其 venv 模块"
    f"（Debian、Ubuntu 镜像请安装 python3-venv），无法安装 zzxt，见 {DOCS}。"
)
NO_GIT = f"运行器缺少 git，无法取出台账仓库，见 {DOCS}。"
NO_FONT = (
    "运行器没有中文字体，也无法用 apt-get 安装 fonts-noto-cjk，通报图表中的汉字会显示为方框："
    f"请在运行器上安装中文字体，见 {REPORT_DOCS}。"
)


@dataclass(frozen=True)
class Bot:
    """One bot's workflow: when it runs and what it runs."""

    file: str  # e.g. "sla.yml"
    title: str  # the workflow's name in the Actions list
    on: dict[str, Any]  # the triggers
    step: str  # the name of the step that runs the bot
    command: str  # shell; runs in the checkout with zzxt on PATH
    group: str  # concurrency group: at most one run at a time in it
    timeout: int = 10  # minutes
    env: dict[str, str] = field(default_factory=dict)  # more variables for the command
    condition: str | None = None  # the job's `if:`
    note: str = ""  # a comment under the header, e.g. what the cron means
    permissions: dict[str, str] = field(default_factory=lambda: dict(READ_CONTENTS))
    before: tuple[dict[str, Any], ...] = ()  # steps between installing zzxt and the bot's

    @property
    def job(self) -> str:
        return self.file.removesuffix(".yml")


def scheduled(
    file: str, title: str, cron: str, note: str, step: str, command: str, timeout: int = 20
) -> Bot:
    """A bot that runs on a schedule (`cron` in UTC) and by hand, one run at a time."""
    return Bot(
        file=file,
        title=title,
        on={"schedule": [{"cron": cron}], "workflow_dispatch": {}},
        step=step,
        command=command,
        group=f"zzxt-{file.removesuffix('.yml')}",
        timeout=timeout,
        note=note,
    )


def sla_bot(deployment: Deployment) -> Bot:
    """Hourly from 08:00 to 20:00 Beijing time, every day: zzxt decides what a working day is.

    The timeout stays below the interval, so a run ends before the next one is due.
    """
    return scheduled(
        "sla.yml",
        "答复时限检查",
        "0 0-12 * * *",
        "定时 cron 按 UTC：0-12 点每小时，即北京时间 8-20 点。",
        "检查答复时限并更新进度清单",
        "zzxt sla check --apply",
        timeout=20,
    )


def triage_bot(deployment: Deployment) -> Bot:
    """On every opened or edited issue (pull requests excluded), one run per issue at a time."""
    return Bot(
        file="triage.yml",
        title="问题分诊",
        on={"issues": {"types": ["opened", "edited"]}},
        step="检查信息是否完整、个人信息和知识库匹配",
        command=f'zzxt triage --issue "$ZZXT_ISSUE" --faq-dir {deployment.faq_dir} --apply',
        group="zzxt-triage-${{ github.event.issue.number }}",
        env={"ZZXT_ISSUE": "${{ github.event.issue.number }}"},
        condition="${{ !github.event.issue.pull_request }}",
    )


def report_bot(deployment: Deployment) -> Bot | None:
    """The monthly 督查通报: at 09:00 Beijing time on days 1-10, by hand for a chosen month.

    Days 1-10 cover every month's first working day (National Day can push October's
    to the 9th); zzxt itself decides whether today is that day and does nothing otherwise.
    """
    if not deployment.report:
        return None
    return Bot(
        file="report.yml",
        title="每月督查通报",
        on={
            "schedule": [{"cron": "0 1 1-10 * *"}],
            "workflow_dispatch": {
                "inputs": {
                    "month": {
                        "description": "发布哪个月的通报，如 2026-10；留空则按当天判断（每月第一个工作日发布上月的）",
                        "required": False,
                        "type": "string",
                        "default": "",
                    }
                }
            },
        },
        step="生成并发布上月的督查通报",
        command=_PUBLISH,
        group="zzxt-report",
        timeout=30,
        env={"ZZXT_MONTH": "${{ github.event.inputs.month }}"},  # empty on schedule
        note="定时 cron 按 UTC：每月 1-10 日 1 点，即北京时间 9 点；只有每月第一个工作日才发布。",
        permissions=dict(WRITE_CONTENTS),
        before=({"name": "准备中文字体", "run": _FONTS},),
    )


BOTS: tuple[Callable[[Deployment], Bot | None], ...] = (sla_bot, triage_bot, report_bot)


def render_workflows(deployment: Deployment) -> dict[str, str]:
    """Return {file name: content} of every workflow of one deployment."""
    files = {}
    for make in BOTS:
        bot = make(deployment)
        if bot is None:
            continue
        note = f"# {bot.note}\n" if bot.note else ""
        files[bot.file] = deployment.header + note + dump_yaml(bot_workflow(bot, deployment))
    if deployment.pages and forge_kind(deployment.kind).publishes_pages:
        note = "# 政策或常见问题有改动时重新构建知识库并发布到 GitHub Pages。\n"
        files["pages.yml"] = deployment.header + note + dump_yaml(pages_workflow(deployment))
    return files


def bot_workflow(bot: Bot, deployment: Deployment) -> dict[str, Any]:
    job: dict[str, Any] = {}
    if bot.condition:
        job["if"] = bot.condition
    job |= {
        "runs-on": deployment.runs_on,
        "timeout-minutes": bot.timeout,
        "steps": [
            *setup_steps(deployment),
            *bot.before,
            {
                "name": bot.step,
                "env": {"ZZXT_TOKEN": _token(deployment), **bot.env},
                "run": bot.command,
            },
        ],
    }
    return {
        "name": bot.title,
        "on": bot.on,
        "permissions": bot.permissions,
        "concurrency": {"group": bot.group, "cancel-in-progress": False},
        **_policy_env(deployment),
        "jobs": {bot.job: job},
    }


def pages_workflow(deployment: Deployment) -> dict[str, Any]:
    """Build the knowledge base when the policy or the FAQ pages change; publish it to Pages."""
    build = {
        "if": "${{ github.ref_name == github.event.repository.default_branch }}",
        "runs-on": deployment.runs_on,
        "timeout-minutes": 30,
        "steps": [
            *setup_steps(deployment, extra="site"),
            {
                "name": "构建知识库",
                "run": f"zzxt site build --faq-dir {deployment.faq_dir} --out {SITE_OUT}",
            },
            {"uses": UPLOAD_PAGES, "with": {"path": SITE_OUT}},
        ],
    }
    publish = {
        "needs": "build",
        "runs-on": deployment.runs_on,
        "timeout-minutes": 10,
        "permissions": {"pages": "write", "id-token": "write"},
        "environment": {
            "name": "github-pages",
            "url": "${{ steps.deployment.outputs.page_url }}",
        },
        "steps": [{"id": "deployment", "uses": DEPLOY_PAGES}],
    }
    return {
        "name": "知识库站点",
        "on": {"push": {"paths": [".zzxt/**"]}, "workflow_dispatch": {}},
        "permissions": {"contents": "read"},
        "concurrency": {"group": "zzxt-pages", "cancel-in-progress": False},
        **_policy_env(deployment),
        "jobs": {"build": build, "deploy": publish},
    }


def setup_steps(deployment: Deployment, extra: str = "") -> list[dict[str, Any]]:
    """Check out the repository, get a Python and install zzxt into a virtual environment."""
    steps: list[dict[str, Any]]
    if forge_kind(deployment.kind).uses_marketplace_actions:
        steps = [
            {"uses": CHECKOUT, "with": {"persist-credentials": False}},
            {"uses": SETUP_PYTHON, "with": {"python-version": deployment.python}},
        ]
    else:
        steps = [{"name": "取出台账仓库", "env": {"ZZXT_TOKEN": _token(deployment)}, "run": _GIT}]
    env = {"ZZXT_PACKAGE": deployment.requirement(extra)}
    if deployment.index_url:
        env["PIP_INDEX_URL"] = deployment.index_url
        if deployment.index_url.startswith("http://"):
            # pip refuses a plain-http index unless its host is trusted; intranet mirrors often are.
            host = deployment.index_url.split("://", 1)[1].split("/", 1)[0].split("@")[-1]
            env["PIP_TRUSTED_HOST"] = host.split(":")[0]
    steps.append({"name": "安装 zzxt", "env": env, "run": _INSTALL})
    return steps


def _token(deployment: Deployment) -> str:
    fallback = forge_kind(deployment.kind).token_secret
    return f"${{{{ secrets.ZZXT_TOKEN || secrets.{fallback} }}}}"


def _policy_env(deployment: Deployment) -> dict[str, Any]:
    if deployment.policy_file is None:
        return {}
    return {"env": {"ZZXT_POLICY": deployment.policy_file}}


# Plain shell, so that it runs under bash (the runners' default) and under sh alike.

_INSTALL = f"""\
venv="${{RUNNER_TEMP:-/tmp}}/zzxt-venv"
if ! python3 -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < {MIN_PYTHON})' >/dev/null 2>&1; then
  echo "::error::{NO_PYTHON}"
  exit 1
fi
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$ZZXT_PACKAGE"
echo "$venv/bin" >> "$GITHUB_PATH"
"$venv/bin/zzxt" --version
"""

# The workflow's own commit, fetched with the token in a header (never in a URL or on disk).
_GIT = f"""\
if ! command -v git >/dev/null 2>&1; then
  echo "::error::{NO_GIT}"
  exit 1
fi
export GIT_TERMINAL_PROMPT=0
server="${{GITHUB_SERVER_URL%/}}"  # Gitea 给出的地址以 / 结尾
git init -q .
git -c http.extraHeader="Authorization: token $ZZXT_TOKEN" fetch -q --depth 1 "$server/$GITHUB_REPOSITORY.git" "$GITHUB_SHA"
git checkout -q FETCH_HEAD
"""

# A month chosen by hand reaches zzxt as a variable, never pasted into the script.
_PUBLISH = """\
if [ -n "$ZZXT_MONTH" ]; then
  zzxt report publish --apply --month "$ZZXT_MONTH"
else
  zzxt report publish --apply
fi
"""

# The charts need a CJK font: GitHub's Ubuntu runners have none, so it is installed there.
_FONTS = f"""\
if command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family)" ]; then
  exit 0
fi
as_root() {{ if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }}
if command -v apt-get >/dev/null 2>&1 \\
  && as_root apt-get update -qq \\
  && as_root apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null; then
  exit 0
fi
echo "::error::{NO_FONT}"
exit 1
"""

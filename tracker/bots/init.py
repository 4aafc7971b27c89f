"""Deploy zzxt into a tracker repository: policy file, labels, forms, workflows, progress list.

    check(repository)                     private, and the token may write
    read: sync.read(forge, kind), sla_run.read(forge, rules)
    plan(current, snapshot, rules, deployment, policy_text, now) -> InitPlan
    apply(plan, writer, can_pin) -> write requests
    next_steps(...) -> the lines an administrator reads afterwards

`init` is `zzxt sync` for a tracker that is to be deployed, plus the progress
list (问题处理进度清单). The progress list is planned and written by the SLA
bot's own `plan` and `apply`, with its per-issue work left out: there is one
implementation of the dashboard, and the hourly run takes it over.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from tracker.bots import sla_run
from tracker.bots import sync as syncing
from tracker.bots.rules import Rules
from tracker.bots.writer import Writer
from tracker.errors import PermissionDenied, PublicRepoRefused
from tracker.forge.kinds import forge_kind
from tracker.forge.model import Repository
from tracker.templates.deployment import FAQ_DIR, POLICY_FILE, Deployment

COMMIT_MESSAGE = "zzxt init：部署政策文件、问题表单和机器人工作流"
DOCS = "docs/admin/deploy.md"


@dataclass
class InitPlan:
    sync: syncing.Plan
    # The SLA bot's plan with its per-issue work left out; None when the list exists already.
    dashboard: sla_run.SlaPlan | None

    @property
    def empty(self) -> bool:
        return self.sync.empty and self.dashboard is None

    def lines(self) -> list[str]:
        out = self.sync.lines()
        if self.dashboard is not None:
            out.append(f"+ 问题 {self.dashboard.dashboard_title}（进度清单，置顶）")
        return out

    def as_dict(self) -> dict[str, object]:
        return {
            **self.sync.as_dict(),
            "dashboard": None if self.dashboard is None else self.dashboard.dashboard_title,
        }


def check(repository: Repository, token_scopes: str) -> None:
    """Refuse a public repository, or one the token may not write to."""
    if not repository.private:
        raise PublicRepoRefused(
            f"仓库 {repository.full_name} 是公开仓库。报告须写明联系人姓名和电话，放在公开仓库会泄露"
            "个人信息，zzxt init 不部署到公开仓库。请新建私有仓库，或在平台上把该仓库改为私有后重试。"
        )
    if not repository.can_write:
        raise PermissionDenied(
            f"令牌对仓库 {repository.full_name} 没有写权限：zzxt init 要创建标签、写入文件和问题。"
            f"请用有写权限的账号生成令牌（{token_scopes}）。"
        )


def plan(
    current: syncing.Current,
    snapshot: sla_run.Snapshot | None,
    rules: Rules,
    deployment: Deployment,
    policy_text: str | None,
    now: datetime,
) -> InitPlan:
    """Everything to write; pure. `snapshot` None: leave the progress list out."""
    files = syncing.plan(
        current, rules, deployment.kind, False, deployment=deployment, policy_text=policy_text
    )
    dashboard = None
    if snapshot is not None:
        sla = sla_run.plan(snapshot, rules, now)
        if sla.dashboard_number is None:
            dashboard = replace(sla, issues=[])  # labels and reminders stay the hourly run's
    return InitPlan(files, dashboard)


def apply(result: InitPlan, writer: Writer, can_pin: bool) -> int:
    """Labels and files first (one commit on Gitea), then the progress list."""
    syncing.apply(result.sync, writer, COMMIT_MESSAGE)
    if result.dashboard is not None:
        sla_run.apply(result.dashboard, writer, can_pin)
    return writer.writes


def next_steps(
    deployment: Deployment, site_url: str, author: str | None, dashboard: bool
) -> list[str]:
    """What the administrator does after `zzxt init --apply`, in order."""
    record = forge_kind(deployment.kind)
    steps = [
        f"在{record.secrets_path}中添加密钥 ZZXT_TOKEN：机器人账号的访问令牌"
        f"（{record.token_scopes}）。不设时机器人使用 {record.ci_title} 自带的令牌 "
        f"{record.token_secret}。",
        f"{record.runner_setup}每个任务都在标签为 {deployment.runs_on} 的运行器上运行。",
        f"工作流从{'软件源 ' + deployment.index_url if deployment.index_url else '默认软件源'}"
        f"安装 {deployment.requirement()}；软件源上没有时，请在 {POLICY_FILE} 的 deploy.zzxt "
        "填写 wheel 文件地址或 git 地址，再运行 zzxt sync --apply。",
    ]
    if dashboard:
        who = f"账号 {author} " if author else "当前令牌的账号"
        steps.append(
            f"进度清单由{who}创建。答复时限机器人只认自己写的进度清单：ZZXT_TOKEN 请用同一账号的令牌。"
            f"若不设 ZZXT_TOKEN、改用 {record.ci_title} 自带的令牌，请关闭这个问题，"
            "由机器人第一次运行时自己创建（以后部署可加 --no-dashboard）。"
        )
    if deployment.pages and record.publishes_pages:
        steps.append(
            f"知识库：在 Settings → Pages 把 Source 设为 GitHub Actions；{FAQ_DIR}/ 或政策改动后"
            f"自动发布。发布地址须与政策的 site.url（{site_url}）一致，机器人的链接都指向它。"
        )
    else:
        steps.append(
            f"知识库：在内网 Web 服务器上运行 zzxt site build --faq-dir {FAQ_DIR} --out 目录 发布到 "
            f"{site_url}（政策的 site.url，机器人的链接都指向它）。"
        )
    steps.append(
        f"在 {record.ci_title} 中手动运行一次“答复时限检查”，确认机器人能写入。以后修改 "
        f"{POLICY_FILE} 后运行 zzxt sync --apply，表单、标签和工作流随之更新。详见 {DOCS}。"
    )
    return steps

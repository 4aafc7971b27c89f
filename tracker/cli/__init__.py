"""The `zzxt` command line: parses options, calls the package, prints the result.

The outside world (environment, files, the clock) is read here and passed
down; library errors become Chinese messages with their exit codes.
"""

from __future__ import annotations

from pathlib import Path

import click

from tracker import __version__
from tracker.cli import (
    accounts_cmd,
    attachments_cmd,
    calendar_cmd,
    escalate_cmd,
    faq_cmd,
    filing_cmd,
    forms_cmd,
    init_cmd,
    labels_cmd,
    mail_cmd,
    mirror_cmd,
    pii_cmd,
    policy_cmd,
    report_cmd,
    sandbox_cmd,
    site_cmd,
    sla_cmd,
    sync_cmd,
    triage_cmd,
    workflows_cmd,
    zh,
)
from tracker.cli.base import CONTEXT_SETTINGS, Group, State

zh.install()


@click.group("zzxt", cls=Group, context_settings=CONTEXT_SETTINGS)
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="ZZXT_POLICY",
    help="政策文件路径；不指定时使用环境变量 ZZXT_POLICY，再不指定则用随程序提供的内置政策。",
)
@click.version_option(__version__, "-V", "--version", prog_name="zzxt")
@click.pass_context
def cli(ctx: click.Context, policy_path: Path | None) -> None:
    """全国学生资助管理信息系统技术支持工具。

    按《全国学生资助管理信息系统技术支持服务实施细则》把 Gitea 或 GitHub 仓库变成问题受理台账：
    各类问题的表单、标签、工作日答复时限。所有规则都来自一个政策文件。

    \b
    示例：
      zzxt policy show
      zzxt calendar deadline --start 2025-09-30T16:00:00+08:00 --days 3
      zzxt --policy 我省政策.yml forms render --flavor gitea --out .gitea/ISSUE_TEMPLATE
    """
    ctx.obj = State(policy_path=policy_path)


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="zzxt")


for _group in (
    policy_cmd.policy,
    calendar_cmd.calendar,
    forms_cmd.forms,
    labels_cmd.labels,
    faq_cmd.faq,
    init_cmd.init,
    sync_cmd.sync,
    sla_cmd.sla,
    workflows_cmd.workflows,
    sandbox_cmd.sandbox,
    pii_cmd.pii,
    triage_cmd.triage,
    mail_cmd.mail,
    attachments_cmd.attachments,
    escalate_cmd.escalate,
    mirror_cmd.mirror,
    accounts_cmd.accounts,
    filing_cmd.filing,
    site_cmd.site,
    report_cmd.report,
):
    cli.add_command(_group)

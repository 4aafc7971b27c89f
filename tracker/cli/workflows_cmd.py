"""`zzxt workflows`: the CI workflows that run the bots."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli.base import Group, warn
from tracker.errors import ZzxtError
from tracker.forge.kinds import KINDS
from tracker.templates.generated import stale_files, write_generated
from tracker.templates.workflows import render_workflows


@click.group(cls=Group)
def workflows() -> None:
    """工作流：生成在 GitHub Actions 和 Gitea Actions 中定时运行机器人的工作流文件。

    \b
    示例：
      zzxt workflows render
      zzxt workflows render --check
    """


@workflows.command()
@click.option("--check", is_flag=True, help="只比较，不写入：与生成结果不一致时退出码为 1。")
def render(check: bool) -> None:
    """生成 .github/workflows/ 和 .gitea/workflows/ 下的工作流文件（两处内容须完整）。

    Gitea 只要存在 .gitea/workflows 就不再读取 .github/workflows，所以两个目录都生成完整的一套。
    答复时限检查在北京时间每天 8 点到 20 点每小时运行一次，是否工作日由 zzxt 判断。

    \b
    示例：
      zzxt workflows render
      zzxt workflows render --check
    """
    jobs = [(Path(k.workflow_dir), render_workflows(k.name)) for k in KINDS.values()]
    if check:
        stale = [d / name for d, files in jobs for name in stale_files(files, d)]
        for path in stale:
            warn(f"与生成结果不一致：{path}")
        if stale:
            raise ZzxtError("工作流文件与生成结果不一致，请运行 zzxt workflows render 后提交。")
        click.echo("工作流文件与生成结果一致。")
        return
    for directory, files in jobs:
        written = write_generated(files, directory)
        click.echo(f"已生成 {len(written)} 个文件到 {directory}")

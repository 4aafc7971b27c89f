"""`zzxt workflows`: the CI workflows that run the bots."""

from __future__ import annotations

from pathlib import Path

import click

from tracker import __version__
from tracker.cli.base import Group, State, pass_state, warn
from tracker.errors import InputError, ZzxtError
from tracker.forge.kinds import KIND_NAMES, KINDS, Kind
from tracker.templates.deployment import for_project, for_tracker
from tracker.templates.generated import stale_files, write_generated
from tracker.templates.workflows import render_workflows


@click.group(cls=Group)
def workflows() -> None:
    """工作流：生成在 GitHub Actions 和 Gitea Actions 中定时运行机器人的工作流文件。

    \b
    示例：
      zzxt workflows render
      zzxt workflows render --check
      zzxt --policy 我省政策.yml workflows render --flavor gitea --out 台账仓库/.gitea/workflows
    """


@workflows.command()
@click.option(
    "--flavor",
    type=click.Choice(KIND_NAMES),
    help="为问题台账仓库生成哪种平台的工作流（与 --out 一起使用）。",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="输出目录：按政策文件的 deploy 部分生成问题台账仓库的工作流，写到这里。",
)
@click.option("--check", is_flag=True, help="只比较，不写入：与生成结果不一致时退出码为 1。")
@pass_state
def render(state: State, flavor: Kind | None, out: Path | None, check: bool) -> None:
    """生成运行机器人的工作流文件。

    不加 --out 时生成本项目自己的 .github/workflows/ 和 .gitea/workflows/（安装本项目的源码，
    使用内置政策）；Gitea 只要存在 .gitea/workflows 就不再读取 .github/workflows，所以两处都生成完整的一套。

    加 --flavor 和 --out 时按政策文件的 deploy 部分生成问题台账仓库的工作流（与 zzxt init、
    zzxt sync 写入台账仓库的相同），供手工部署时使用。

    答复时限检查在北京时间每天 8 点到 20 点每小时运行一次，是否工作日由 zzxt 判断。

    \b
    示例：
      zzxt workflows render
      zzxt workflows render --check
      zzxt --policy 我省政策.yml workflows render --flavor gitea --out 台账仓库/.gitea/workflows
    """
    if (flavor is None) != (out is None):
        raise InputError("--flavor 和 --out 须同时使用：为哪种平台生成，写到哪个目录。")
    if flavor is not None and out is not None:
        deployment = for_tracker(state.policy(), flavor, __version__)
        jobs = [(out, render_workflows(deployment))]
    else:
        jobs = [
            (Path(k.workflow_dir), render_workflows(for_project(k.name))) for k in KINDS.values()
        ]
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

"""`zzxt mirror`: bring the province's replies back to the city's escalated issues."""

from __future__ import annotations

import click

from tracker.bots import mirror as mirroring
from tracker.bots.writer import Writer
from tracker.cli.base import Command, State, pass_state, print_json, warn
from tracker.cli.forge_opts import forge_options
from tracker.cli.tier_opts import open_tiers


@click.command(cls=Command)
@forge_options
@click.option("--apply", "do_apply", is_flag=True, help="执行：发表同步评论、加标签、关闭问题。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.option(
    "--max-writes",
    type=click.IntRange(min=0),
    metavar="次数",
    help="本次最多写入多少次（0 为不限）；其余留待下次运行。",
)
@pass_state
def mirror(
    state: State,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
    do_apply: bool,
    as_json: bool,
    max_writes: int | None,
) -> None:
    """把上级（省级）问题台账的答复和办结情况同步到本级已报上级的问题。

    检查本级所有带“层级/已报省”标签的未关闭问题：上级工作人员的每条答复在本级问题下发一条机器人评论（引用原文并链接到上级的评论），并加“层级/省已答复”标签；上级问题办结时发一条评论、加“层级/省已办结”标签，政策 tiers.close_on_upstream_close 为 true 时同时关闭本级问题；账号申请的状态标签随上级更新。上级答复修改后，同步的评论也随之修改。重复运行不会重复评论。供地市台账的定时工作流每小时运行一次。

    \b
    示例：
      zzxt --policy 佛山市.yml mirror --forge gitea --url https://git.fs.example.cn --repo fs/support
      ZZXT_POLICY=佛山市.yml zzxt mirror --repo fs/support --apply
    """
    tiers = open_tiers(state, forge, url, repo, write_interval, verbose)
    city, upstream = tiers.city, tiers.upstream
    plans = mirroring.plan(mirroring.read(city, upstream), city, upstream)
    report = mirroring.apply(plans, Writer(city.forge, do_apply, max_writes or None))
    if as_json:
        print_json(report.as_dict())
        return
    for item in report.issues:
        for line in item.warnings:
            warn(f"提示：{line}")
    changed = [i for i in report.issues if i.changes]
    click.echo(
        f"已报上级的未关闭问题 {len(report.issues)} 个，需要同步的 {len(changed)} 个"
        f"（上级台账 {upstream.repo}）。"
    )
    for item in changed:
        parts = []
        if item.comments:
            parts.append(f"评论 {len(item.comments)} 条")
        if item.edits:
            parts.append(f"修改评论 {len(item.edits)} 条")
        if item.add_labels:
            parts.append("加标签 " + "、".join(item.add_labels))
        if item.remove_labels:
            parts.append("去标签 " + "、".join(item.remove_labels))
        if item.close:
            parts.append("关闭")
        click.echo(f"  #{item.number} ← 上级 #{item.upstream_number}：{'，'.join(parts)}")
    if do_apply:
        click.echo(f"已写入 {report.writes} 次。")
        if report.deferred:
            click.echo(f"本次写入已达上限，另有 {report.deferred} 项留待下次运行。")
    else:
        click.echo("以上为计划，未做任何修改；加 --apply 执行。")

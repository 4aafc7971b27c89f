"""`zzxt escalate`: send a city's issue up to the province's tracker."""

from __future__ import annotations

import time

import click

from tracker.bots import escalate as escalating
from tracker.bots import intake
from tracker.bots.upstream import escalation_fingerprint
from tracker.bots.writer import Writer
from tracker.cli.base import Command, State, pass_state, print_json, warn
from tracker.cli.forge_opts import forge_options
from tracker.cli.tier_opts import open_tiers


@click.command(cls=Command)
@forge_options
@click.option(
    "--issue", "number", type=click.IntRange(min=1), required=True, help="要报上级的问题编号。"
)
@click.option("--apply", "do_apply", is_flag=True, help="执行：建上级问题、互相链接、加标签。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@pass_state
def escalate(
    state: State,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
    number: int,
    do_apply: bool,
    as_json: bool,
) -> None:
    """把本级无法解决的问题报到上级（省级）问题台账，答复由 zzxt mirror 同步回来。

    在上级台账新建一个同类别的问题：按上级的表单填写，报送单位为本市教育局（政策 upstream.reporting），其余内容取自原问题（身份证号、银行卡号等部分隐藏）；上级问题注明原问题的链接，原问题下由机器人评论上级问题的链接，并加“层级/已报省”标签。上级台账的地址取自政策 upstream，令牌取自环境变量 ZZXT_UPSTREAM_TOKEN。重复运行不会重复报送；网络中断后重试也只有一个上级问题。

    \b
    示例：
      zzxt --policy 佛山市.yml escalate --forge gitea --url https://git.fs.example.cn --repo fs/support --issue 12
      ZZXT_POLICY=佛山市.yml zzxt escalate --repo fs/support --issue 12 --apply
    """
    tiers = open_tiers(state, forge, url, repo, write_interval, verbose)
    city, upstream = tiers.city, tiers.upstream
    snapshot = escalating.read(city, upstream, number)
    plan = escalating.plan(snapshot, city, upstream)
    fingerprint = escalation_fingerprint(city, number)

    def find() -> int | None:
        return intake.read(upstream.forge, upstream.identity).get(fingerprint)

    result = escalating.apply(
        plan,
        city,
        upstream,
        Writer(city.forge, do_apply),
        Writer(tiers.upstream_once, do_apply),
        find,
        pause=time.sleep,
    )
    if as_json:
        print_json(result.as_dict())
        return
    for line in result.warnings:
        warn(f"提示：{line}")
    where = f"上级台账 {upstream.repo}"
    if plan.new_issue is None:
        click.echo(f"问题 #{number} 已报{where}：#{result.upstream_number} {result.upstream_url}")
    elif do_apply:
        click.echo(
            f"问题 #{number} 已报{where}，新建上级问题 #{result.upstream_number}：{result.upstream_url}"
        )
    else:
        click.echo(f"问题 #{number} 将报{where}，新建上级问题：{plan.new_issue.title}")
    if do_apply:
        click.echo(f"已写入 {result.writes} 次。")
    else:
        click.echo(
            f"计划 {len(result.actions)} 项修改；以上为计划，未做任何修改，加 --apply 执行。"
        )

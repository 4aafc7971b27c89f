"""`zzxt accounts`: account requests in batches up the levels, approvals back down."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.attachments import Meta, export_workbook, read_workbook
from tracker.bots import accounts as flows
from tracker.bots.writer import Writer
from tracker.cli.base import Group, State, now_option, pass_state, print_json, warn
from tracker.cli.forge_opts import forge_options, open_forge, settings_from
from tracker.errors import ZzxtError

XLSX = click.Path(dir_okay=False, path_type=Path)


@click.group(cls=Group)
def accounts() -> None:
    """账号申请：按状态汇总成批次（附件3）报上一级，登记批复后关闭（第十五、十六条）。

    每个账号申请的状态是一个标签（政策 accounts.states，按顺序），例如 账号/市级已汇总 → 账号/已报省 → 账号/已报国家 → 账号/已开通。

    \b
    示例：
      zzxt accounts batch --state account_province --out 附件3-报省.xlsx --repo fs/support --apply
      zzxt accounts approve --batch 附件3-批复.xlsx --repo gdzz/support --apply
    """


@accounts.command()
@forge_options
@click.option(
    "--state",
    "state_key",
    required=True,
    metavar="状态",
    help="批次要进入的状态（政策 accounts.states 的 key）。",
)
@click.option("--out", required=True, type=XLSX, metavar="文件.xlsx", help="写出的批次表格。")
@click.option("--unit", default=None, help="填报单位，默认为政策中的受理部门。")
@click.option("--apply", "do_apply", is_flag=True, help="执行：把列入批次的申请改为该状态并评论。")
@click.option("--now", "now_text", metavar="时间", help="按此时间确定填报日期（ISO 8601）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@pass_state
def batch(
    state: State,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
    state_key: str,
    out: Path,
    unit: str | None,
    do_apply: bool,
    now_text: str | None,
    as_json: bool,
) -> None:
    """把尚未到达某一状态的未关闭账号申请汇总成一个批次：写出账号申请表（如附件3），按学段分工作表。

    加 --apply 时，列入批次的每个申请改为该状态（换标签），并评论批次文件名和日期；不加时只写出表格、列出计划。已到达或超过该状态的申请不再列入，所以重复运行不会重复汇总。

    \b
    示例：
      zzxt accounts batch --state account_gathered --out 附件3-本市汇总.xlsx --repo fs/support
      zzxt accounts batch --state account_national --out 附件3-报国家.xlsx --repo gdzz/support --apply
    """
    rules = state.rules()
    policy = rules.policy
    now = now_option(policy.calendar.zone, now_text)
    settings = settings_from(forge, url, repo, write_interval, verbose)
    client = open_forge(settings)
    base = settings.url.rstrip("/")
    plan = flows.plan_batch(
        client.list_issues("open"),
        rules,
        state_key,
        out.name,
        now.date(),
        lambda n: f"{base}/{settings.repo}/issues/{n}",
    )
    result: dict[str, object] = {
        "state": plan.state.key,
        "label": plan.state.name,
        "rows": 0,
        "out": None,
    }
    if plan.rows:
        written = export_workbook(
            policy,
            plan.form,
            plan.rows,
            Meta(unit or policy.document.receiver, "", now.date()),
            out,
        )
        result.update(rows=written["rows"], sheets=written["sheets"], out=str(out))
        for line in written["warnings"]:
            warn(f"提示：{line}")
    writer = Writer(client, do_apply)
    flows.apply_moves(plan.moves, writer)
    result.update(issues=[m.number for m in plan.moves], writes=writer.writes)
    if as_json:
        print_json(result)
        return
    if not plan.rows:
        click.echo(f"没有尚未到达“{plan.state.name}”的账号申请，未写出表格。")
        return
    numbers = "、".join(f"#{m.number}" for m in plan.moves)
    click.echo(f"已写出批次 {out}：{len(plan.rows)} 项账号申请（{numbers}）。")
    if do_apply:
        click.echo(f"已改为“{plan.state.name}”，写入 {writer.writes} 次。")
    else:
        click.echo(f"将改为“{plan.state.name}”；以上为计划，问题未做任何修改，加 --apply 执行。")


@accounts.command()
@forge_options
@click.option(
    "--batch",
    "batch_file",
    required=True,
    type=XLSX,
    metavar="文件.xlsx",
    help="已批复的批次表格（问题编号列对应台账中的申请）。",
)
@click.option("--apply", "do_apply", is_flag=True, help="执行：改为最后一个状态、评论并关闭。")
@click.option("--now", "now_text", metavar="时间", help="按此时间确定批复登记日期（ISO 8601）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@pass_state
def approve(
    state: State,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
    batch_file: Path,
    do_apply: bool,
    now_text: str | None,
    as_json: bool,
) -> None:
    """登记一个批次的批复：表格中列出的每个账号申请改为最后一个状态（如“账号/已开通”），评论后关闭。

    按表格的“问题编号”列找到台账中的申请；表格有错误时一项也不登记。评论只说明批复日期和批次文件名，不抄录表格内容，也从不写入密码。已登记的申请跳过，重复运行不会重复评论。

    \b
    示例：
      zzxt accounts approve --batch 附件3-报国家.xlsx --repo gdzz/support
      zzxt accounts approve --batch 附件3-报国家.xlsx --repo gdzz/support --apply
    """
    rules = state.rules()
    policy = rules.policy
    now = now_option(policy.calendar.zone, now_text)
    result = read_workbook(policy, batch_file, flows.account_form(rules))
    if result.errors:
        for line in result.errors:
            click.echo(f"错误：{line}", err=True)
        raise ZzxtError(f"{batch_file.name} 有 {len(result.errors)} 处错误，未登记任何批复。")
    settings = settings_from(forge, url, repo, write_interval, verbose)
    client = open_forge(settings)
    base = settings.url.rstrip("/")
    plan = flows.plan_approval(
        client.list_issues("all"),
        result.rows,
        rules,
        batch_file.name,
        now.date(),
        lambda n: f"{base}/{settings.repo}/issues/{n}",
    )
    writer = Writer(client, do_apply)
    flows.apply_moves(plan.moves, writer)
    if as_json:
        print_json(
            {
                "state": plan.state.key,
                "approved": [m.number for m in plan.moves],
                "already": plan.done,
                "problems": plan.problems,
                "writes": writer.writes,
            }
        )
        return
    for line in plan.problems:
        warn(f"提示：{line}")
    numbers = "、".join(f"#{m.number}" for m in plan.moves) or "无"
    verb = "已登记" if do_apply else "将登记"
    click.echo(
        f"{verb}批复 {len(plan.moves)} 项（{numbers}），改为“{plan.state.name}”并关闭；此前已登记 {len(plan.done)} 项。"
    )
    if do_apply:
        click.echo(f"写入 {writer.writes} 次。")
    else:
        click.echo("以上为计划，未做任何修改；加 --apply 执行。")

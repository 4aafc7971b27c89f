"""`zzxt report`: the 督查通报 of a period (figures, Word notice, spreadsheet, charts).

`zzxt report --since … --until …` makes a period's report, as it always did;
`zzxt report publish` publishes the month's report on the tracker itself.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from tracker.bots.report_publish import Month, check_ended, due_month
from tracker.bots.writer import Writer
from tracker.cli import table
from tracker.cli.base import Group, State, now_option, pass_state, print_json
from tracker.cli.forge_opts import bot_identity, forge_options, open_forge, settings_from
from tracker.errors import InputError
from tracker.report.figures import GROUP_BYS, GROUP_NAMES, GroupBy, Report, compute
from tracker.report.period import Period
from tracker.report.read import read_period
from tracker.report.text import number, percent, summary, title


@click.group(cls=Group, invoke_without_command=True, subcommand_metavar="[publish [选项]]")
@forge_options
@click.option("--since", "since_text", metavar="日期", help="统计期第一天，如 2026-07-01（必填）。")
@click.option(
    "--until",
    "until_text",
    metavar="日期",
    help="统计期最后一天（含），如 2026-09-30（必填）。",
)
@click.option(
    "--by",
    type=click.Choice(GROUP_BYS),
    default="city",
    show_default=True,
    help="终端表格按什么分组：city 地市、unit 报送单位、unit_type 单位类型、stage 学段、"
    "category 类别、responder 首位答复人。文件中各种分组都有。",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="目录",
    help="把通报.docx、数据.xlsx、图表和 report.md 写到此目录；不指定则只输出统计结果。",
)
@click.option(
    "--now", "now_text", metavar="时间", help="按此时间统计（ISO 8601，默认为当前时间）。"
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出统计结果。")
@click.pass_context
@pass_state
def report(
    state: State,
    ctx: click.Context,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
    since_text: str | None,
    until_text: str | None,
    by: GroupBy,
    out: Path | None,
    now_text: str | None,
    as_json: bool,
) -> None:
    """督查通报：统计一个时期内各地市、各单位问题的受理和答复情况，生成通报文件。

    统计期内创建的问题（含已关闭的）都计入；答复是否按时与答复时限机器人的判断一致，
    按统计期结束时（统计期未结束时按当前时间）的情况判断，之后的答复不改变结果。
    加 --out 时生成通报.docx、数据.xlsx、三张图表（PNG 和 SVG）和 report.md，
    全部生成成功才替换目录中的旧文件。学生个人信息（身份证号、银行卡号、手机号）一律打码。

    每月第一个工作日把上月通报发布到台账仓库，用 zzxt report publish（见其 --help）。

    \b
    示例：
      zzxt report --repo gdzz/support --since 2026-07-01 --until 2026-09-30 --out 通报/2026Q3
      zzxt report --repo gdzz/support --since 2026-10-01 --until 2026-10-31 --by unit --json
      zzxt report publish --repo gdzz/support --month 2026-10 --apply
    """
    if ctx.invoked_subcommand is not None:
        given = [
            p
            for p in ctx.command.params
            if ctx.get_parameter_source(p.name or "") is click.core.ParameterSource.COMMANDLINE
        ]
        if given:
            raise click.UsageError(
                f"{given[0].opts[0]} 是 zzxt report 本身的选项，请写在子命令 "
                f"{ctx.invoked_subcommand} 之后（如果该子命令有这个选项）。",
                ctx,
            )
        return
    for name, value in (("since_text", since_text), ("until_text", until_text)):
        if value is None:
            param = next(p for p in ctx.command.params if p.name == name)
            raise click.MissingParameter(ctx=ctx, param=param)
    assert since_text is not None and until_text is not None
    rules = state.rules()
    policy = rules.policy
    zone = policy.calendar.zone
    period = Period(_day(since_text, "--since"), _day(until_text, "--until"), zone)
    now = now_option(policy.calendar.zone, now_text)
    period.as_of(now)  # a period still to come is an input error, before any request
    client = open_forge(settings_from(forge, url, repo, write_interval, verbose))
    identity = bot_identity(client, policy)
    issues, comments, responders = read_period(client, rules, identity, period)
    result = compute(issues, comments, rules, responders, period, now)
    written = []
    if out is not None:
        # matplotlib, python-docx and openpyxl take seconds to import: only when writing,
        # so every other zzxt command (the hourly SLA bot among them) starts as fast as before.
        from tracker.report.write import write_report

        written = write_report(result, policy, out)
    if as_json:
        print_json(result.as_json())
        return
    _print(result, by)
    for path in written:
        click.echo(f"已写入 {path}")


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{option} 的日期 {text!r} 无法识别，请写成 2026-07-01 这样的格式。"
        ) from None


def _print(result: Report, by: GroupBy) -> None:
    click.echo(title(result))
    click.echo(summary(result))
    header = [GROUP_NAMES[by], "受理", "到期应答复", "按时", "超期答复", "超期未答复", "不计时限"]
    header += ["按时答复率", "用时中位数（工作小时）"]
    body = [
        [
            table.clip(g.name, 24),
            str(g.figures.received),
            str(g.figures.judged),
            str(g.figures.on_time),
            str(g.figures.late),
            str(g.figures.overdue),
            str(g.figures.exempt),
            percent(g.figures.on_time_rate),
            number(g.figures.median_hours),
        ]
        for g in result.groups[by]
    ]
    if body:
        click.echo("")
        click.echo(table.render(header, body))


@report.command("publish")
@forge_options
@click.option(
    "--month",
    "month_text",
    metavar="月份",
    help="发布哪个月的通报，如 2026-10（须已结束）。不指定时：每月第一个工作日发布上月的通报，"
    "其他日子什么也不做。",
)
@click.option("--apply", "do_apply", is_flag=True, help="提交文件并新建或更新通报问题。")
@click.option(
    "--now", "now_text", metavar="时间", help="按此时间判断（ISO 8601，默认为当前时间）。"
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出计划和结果。")
@click.option(
    "--max-writes",
    type=click.IntRange(min=0),
    metavar="次数",
    help="本次最多写入多少次（0 为不限；GitHub 默认 500，Gitea 默认不限）。",
)
@pass_state
def publish(
    state: State,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
    month_text: str | None,
    do_apply: bool,
    now_text: str | None,
    as_json: bool,
    max_writes: int | None,
) -> None:
    """每月通报：把一个月的通报文件提交到台账仓库，并用一个问题公布数字和文件链接。

    文件（通报.docx、数据.xlsx、report.md 和图表）提交到 reports/年-月/ 目录；
    每月一个由机器人新建的问题，正文是统计结果和每个文件的链接，重新运行时原地更新，
    内容没有变化则不写入。文件落款日期为次月第一个工作日，
    统计口径与 zzxt report --since 月初 --until 月末 相同。通报.docx 是初稿，须审核后按程序印发。
    不加 --apply 时只显示将要做的修改。

    \b
    示例：
      zzxt report publish --repo gdzz/support --apply
      zzxt report publish --repo gdzz/support --month 2026-10 --apply
    """
    rules = state.rules()
    policy = rules.policy
    now = now_option(policy.calendar.zone, now_text)
    if month_text is not None:
        month = Month.parse(month_text)
    else:
        due = due_month(rules.calendar, now.date())
        if due is None:
            message = (
                f"今天（{now:%Y-%m-%d}）不是本月第一个工作日，没有到期要发布的通报；"
                "要发布或重新发布某个月的通报，请加 --month 年-月。"
            )
            if as_json:
                print_json({"month": None, "message": message})
            else:
                click.echo(message)
            return
        month = due
    check_ended(month, now)  # before any request
    settings = settings_from(forge, url, repo, write_interval, verbose)
    client = open_forge(settings)
    if max_writes is None:
        max_writes = settings.forge.write_budget or 0
    identity = bot_identity(client, policy)
    if do_apply:
        identity.check_can_write()
    # The documents' libraries take seconds to import: only here (see `report` above).
    from tracker.report.publication import publish as run_publish

    kind = settings.forge

    def file_url(branch: str, path: str) -> str:
        return kind.blob_url(settings.url, settings.repo, branch, path)

    writer = Writer(client, do_apply, max_writes or None, identity)
    outcome = run_publish(client, rules, identity, month, writer, file_url)
    if as_json:
        print_json(outcome.as_dict())
        return
    plan = outcome.plan
    click.echo(f"{outcome.plan.title}（{month.directory}/）")
    verbs = {"create": "新增", "update": "更新"}
    for change in plan.changes:
        click.echo(f"  {verbs.get(change.operation, change.operation)} {change.path}")
    if plan.unchanged:
        click.echo(f"  未变化的文件 {len(plan.unchanged)} 个")
    if plan.issue is None:
        click.echo("  新建通报问题")
    elif plan.issue_changed:
        click.echo(f"  更新通报问题 #{plan.issue}")
    for extra in plan.duplicates:
        click.echo(f"  关闭重复的通报问题 #{extra}（保留 #{plan.issue}）")
    if outcome.report.provisional_years:
        years = "、".join(f"{y}年" for y in outcome.report.provisional_years)
        click.echo(f"注意：{years}的放假安排尚未录入，涉及该年的答复期限是暂定的。")
    if plan.nothing_to_do:
        click.echo("文件和通报问题都已是最新，无需写入。")
    elif not do_apply:
        click.echo("以上为预览，加 --apply 才会写入。")
    else:
        click.echo(f"已写入 {outcome.published.writes} 次；通报问题为 #{outcome.published.issue}。")
        if outcome.deferred:
            click.echo(f"本次写入已达上限，另有 {outcome.deferred} 项修改留待下次运行。")

"""`zzxt report`: the 督查通报 of a period (figures, Word notice, spreadsheet, charts)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from tracker.cli import table
from tracker.cli.base import Command, State, now_option, pass_state, print_json
from tracker.cli.forge_opts import bot_identity, forge_options, open_forge, settings_from
from tracker.errors import InputError
from tracker.report.figures import GROUP_BYS, GROUP_NAMES, GroupBy, Report, compute
from tracker.report.period import Period
from tracker.report.read import read_period
from tracker.report.settings import ReportSettings
from tracker.report.text import number, percent, summary, title


@click.command(cls=Command)
@forge_options
@click.option(
    "--since", "since_text", required=True, metavar="日期", help="统计期第一天，如 2026-07-01。"
)
@click.option(
    "--until",
    "until_text",
    required=True,
    metavar="日期",
    help="统计期最后一天（含），如 2026-09-30。",
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
@pass_state
def report(
    state: State,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
    since_text: str,
    until_text: str,
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

    \b
    示例：
      zzxt report --repo gdzz/support --since 2026-07-01 --until 2026-09-30 --out 通报/2026Q3
      zzxt report --repo gdzz/support --since 2026-10-01 --until 2026-10-31 --by unit --json
    """
    rules = state.rules()
    policy = rules.policy
    zone = policy.calendar.zone
    period = Period(_day(since_text, "--since"), _day(until_text, "--until"), zone)
    now = now_option(policy.calendar.zone, now_text)
    period.as_of(now)  # a period still to come is an input error, before any request
    client = open_forge(settings_from(forge, url, repo, write_interval, verbose))
    identity = bot_identity(client, policy)
    issues, comments, responders = read_period(client, rules, identity, period)
    result = compute(issues, comments, rules, responders, period, now, ReportSettings())
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

"""`zzxt calendar`: working days and reply deadlines."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TextIO

import click

from tracker.calendar import WorkCalendar
from tracker.calendar_notice import (
    fragment_data,
    parse_notice,
    render_fragment,
    write_notice,
)
from tracker.cli.base import Group, State, parse_moment, pass_state, print_json, read_text, warn
from tracker.errors import InputError

WEEKDAYS = "一二三四五六日"


@click.group(cls=Group)
def calendar() -> None:
    """工作日日历：判断某天是否上班，计算答复期限。

    按国务院办公厅的节假日安排计算：法定节假日不上班，调休的周末上班。尚未录入安排的年份暂按《全国年节及纪念日放假办法》的法定节假日推算，结果标为“暂定”；收到当年的通知后用 import-notice 录入政策文件。

    \b
    示例：
      zzxt calendar is-workday 2025-10-11
      zzxt calendar deadline --start 2025-09-30T16:00:00+08:00 --days 3
      zzxt calendar import-notice 通知.txt --write 我省政策.yml
    """


def _calendar(state: State) -> WorkCalendar:
    return WorkCalendar(state.policy().calendar, warn=warn)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"日期 {text!r} 无法识别，请写成 YYYY-MM-DD，例如 2025-10-11。") from None


@calendar.command("is-workday")
@click.argument("day", metavar="日期")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='以 JSON 输出：{"date": ..., "workday": ..., "provisional": ...}。',
)
@pass_state
def is_workday(state: State, day: str, as_json: bool) -> None:
    """判断某天是否为工作日（调休上班的周末算工作日）。

    该年放假安排尚未录入时按法定节假日推算，并标为暂定（provisional）；政策设置 calendar.strict: true 时改为报错，退出码为 3。

    \b
    示例：
      zzxt calendar is-workday 2025-10-11
      zzxt calendar is-workday 2026-02-16 --json
    """
    info = _calendar(state).explain(_parse_date(day))
    if as_json:
        print_json(
            {
                "date": info.day.isoformat(),
                "workday": info.workday,
                "provisional": info.provisional,
            }
        )
        return
    verdict = "工作日" if info.workday else "休息日"
    if info.provisional:
        verdict += "（暂定）"
    click.echo(
        f"{info.day.isoformat()}（星期{WEEKDAYS[info.day.weekday()]}）：{verdict}，{info.reason}"
    )


@calendar.command()
@click.option("--start", required=True, metavar="时间", help="收到问题的时间，ISO 8601 格式。")
@click.option("--days", required=True, type=click.IntRange(min=0), help="答复时限（工作日数）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@pass_state
def deadline(state: State, start: str, days: int, as_json: bool) -> None:
    """计算答复期限：收到当天不计，第 N 个工作日的 23:59:59（北京时间）截止。

    收到的日期按北京时间计算，无论时间写成哪个时区。期限跨入放假安排尚未录入的年份时，按法定节假日推算，结果标为暂定（JSON 中 provisional 为 true，provisional_years 列出这些年份），并在标准错误输出提示；政策设置 calendar.strict: true 时改为报错，退出码为 3。

    \b
    示例：
      zzxt calendar deadline --start 2025-09-30T16:00:00+08:00 --days 3
      zzxt calendar deadline --start 2026-02-13T09:30:00+08:00 --days 2 --json
    """
    result = _calendar(state).deadline(parse_moment(start, "--start"), days)
    if as_json:
        print_json(
            {
                "start": result.start.isoformat(),
                "days": result.days,
                "due_date": result.due_date.isoformat(),
                "due": result.due.isoformat(),
                "provisional": result.provisional,
                "provisional_years": list(result.provisional_years),
            }
        )
        return
    weekday = WEEKDAYS[result.due_date.weekday()]
    note = ""
    if result.provisional:
        years = "、".join(str(year) for year in result.provisional_years)
        note = f"（暂定：{years} 年的放假安排尚未录入，按法定节假日推算）"
    click.echo(
        f"收到时间：{result.start.isoformat()}（北京时间）\n"
        f"答复时限：{days} 个工作日（收到当天不计）\n"
        f"截止时间：{result.due_date.isoformat()}（星期{weekday}）23:59:59{note}"
    )


@calendar.command("import-notice")
@click.argument("file", type=click.File("r", encoding="utf-8"), metavar="文件|-")
@click.option(
    "--year",
    type=click.IntRange(2000, 2099),
    metavar="年份",
    help="通知所属年份；通知标题中有年份时可不写，写了须与标题一致。",
)
@click.option(
    "--write",
    "policy_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="政策文件",
    help="写入该政策文件的 calendar.years（已有该年时替换），文件其余内容和注释不变。",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出，结构与 YAML 相同。")
def import_notice(file: TextIO, year: int | None, policy_file: Path | None, as_json: bool) -> None:
    """读取国务院办公厅的年度节假日安排通知，生成政策文件 calendar.years 中该年的安排。

    把通知全文（从网页复制，带标题）存为文本文件，或用 - 从标准输入读入。全角、半角标点，“星期”“周”，多余的空格和空行，转载网页的页头，以及 2025 年以前的写法（“1月1日放假，1月2日（星期一）补休”“与周末连休”）都能识别。日期后写的星期几会与日历核对，“共N天”会与日期区间核对，法定节假日须全部有着落；任何一行看起来是放假安排却无法识别时报错，指出行号，退出码为 2，不写入任何内容。

    不加 --write 时只输出该年的安排（YAML，或加 --json 输出 JSON），可手工粘贴到政策文件。加 --write 时写入政策文件：只替换 calendar.years 下该年的内容，其余内容和注释原样保留；写入前后都校验政策文件，原文件有误时拒绝写入。通知跨年安排的日期（如元旦从上年 12 月 30 日起放假）一并写入上一年的安排。

    \b
    示例：
      zzxt calendar import-notice 2027年节假日通知.txt
      zzxt calendar import-notice 通知.txt --write 我省政策.yml
      zzxt calendar import-notice - --year 2027 --json < 通知.txt
    """
    text = read_text(file, "通知文件")
    notice = parse_notice(text, year)
    blocks = notice.blocks()
    if policy_file is not None:
        blocks = write_notice(policy_file, notice)
    if as_json:
        print_json(fragment_data(blocks))
    else:
        click.echo(render_fragment(blocks), nl=False)
    if policy_file is not None:
        years = "、".join(str(y) for y in sorted(blocks))
        warn(f"已写入政策文件 {policy_file} 的 calendar.years（{years} 年）。")

"""`zzxt attachments`: the rules' forms 附件1-4 as Excel workbooks, out and in."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

import click

from tracker.attachments import (
    Meta,
    export_register,
    export_workbook,
    load_register,
    parse_rows,
    read_workbook,
    write_template,
)
from tracker.attachments.layout import layout
from tracker.attachments.register import STATUS_NAMES, register_summary
from tracker.cli.base import Group, State, parse_moment, pass_state, print_json, read_text, warn
from tracker.errors import InputError, ZzxtError
from tracker.policy import Policy

FORM_CHOICE = click.Choice(["1", "2", "3", "4"])
PROBLEM_CHOICE = click.Choice(["2", "3", "4"])
XLSX = click.Path(dir_okay=False, path_type=Path)


@click.group(cls=Group)
def attachments() -> None:
    """报送附件：实施细则附件1-4 的 Excel 表格（空白模板、按学段导出、检查地市填报的表格）。

    附件2 应用类及技术类问题反馈表、附件3 用户申请表、附件4 需求建议表按学段整理汇总（第八至十条），
    附件1 备案表每年9月报送（第七条）。各表的列在政策文件 attachments 部分设置。

    \b
    示例：
      zzxt attachments template --form 2 --out 附件2.xlsx
      zzxt attachments check 广州市-附件2.xlsx
      zzxt attachments export --form 2 --from-json rows.json --out 附件2-汇总.xlsx
      zzxt attachments register 备案登记.yml --year 2025 --out 附件1-2025.xlsx
    """


def _now(policy: Policy, text: str | None) -> datetime:
    zone = policy.calendar.zone
    if text is None:
        return datetime.now(zone)
    moment = parse_moment(text, "--now")
    return moment.astimezone(zone) if moment.tzinfo else moment.replace(tzinfo=zone)


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} 的日期 {text!r} 无法识别，请写成 2025-09-30。") from None


def _warnings(lines: list[str]) -> None:
    for line in lines:
        warn(f"提示：{line}")


@attachments.command()
@click.option("--form", "form_no", type=FORM_CHOICE, required=True, help="附件编号：1、2、3 或 4。")
@click.option("--out", required=True, type=XLSX, metavar="文件.xlsx", help="输出文件。")
@pass_state
def template(state: State, form_no: str, out: Path) -> None:
    """生成空白的附件表格，供地市下载填写。

    附件2-4 每个学段一个工作表，另有汇总工作表（按类别自动计数）；地市、学段、类别等列带下拉选项。
    附件1 为备案表，填写受理电话、受理邮箱、负责人和技术联系人。

    \b
    示例：
      zzxt attachments template --form 2 --out 附件2.xlsx
      zzxt attachments template --form 1 --out 附件1-备案表.xlsx
    """
    policy = state.policy()
    write_template(policy, int(form_no), out)
    form = layout(policy, int(form_no))
    click.echo(f"已生成 {form.mark} {form.title}：{out}")


@attachments.command()
@click.argument("file", type=XLSX, metavar="文件.xlsx")
@click.option(
    "--form", "form_no", type=PROBLEM_CHOICE, help="附件编号 2、3 或 4；不指定时按标题和表头判断。"
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出读取到的行、错误和提示。")
@pass_state
def check(state: State, file: Path, form_no: str | None, as_json: bool) -> None:
    """检查地市填报的附件2、3、4：逐行校验，列出每处错误的工作表、行、列和原因。

    表头可以改写（全角、空格、常见的其他叫法）、调换列的顺序，可以有标题行、空行、空列和填表说明；
    日期可写成 2025-9-30、2025/09/30、2025年9月30日，或 Excel 日期。学段取自“学段”列或工作表名称。
    只读取 .xlsx；旧版 .xls 请先另存为 .xlsx。身份证号、银行卡号不会原样显示。

    退出码：全部通过为 0，有错误为 1，文件无法读取为 2。

    \b
    示例：
      zzxt attachments check 广州市-附件2.xlsx
      zzxt attachments check 附件3.xlsx --form 3 --json
    """
    policy = state.policy()
    result = read_workbook(policy, file, int(form_no) if form_no else None)
    if as_json:
        print_json(result.as_dict())
    else:
        form = layout(policy, result.form)
        counts = "、".join(f"{sheet} {n}" for sheet, n in result.sheets.items() if n)
        click.echo(
            f"{form.mark} {form.title}：读取 {len(result.rows)} 行"
            + (f"（{counts}）" if counts else "")
        )
        names = {c.key: c.name for c in policy.categories}
        for row in result.rows:
            where = f"{row.source.sheet} 第 {row.source.row} 行" if row.source else ""
            parts = [row.fields.get("city", ""), row.fields.get("unit", ""), names[row.category]]
            summary = row.fields.get("summary", "")
            click.echo(f"  {where}：{' · '.join(p for p in parts if p)}：{summary}")
        for line in result.warnings:
            click.echo(f"提示：{line}")
        for line in result.errors:
            click.echo(f"错误：{line}")
    if result.errors:
        raise ZzxtError(f"发现 {len(result.errors)} 处错误，请修改后重新检查。")


@attachments.command()
@click.option("--form", "form_no", type=PROBLEM_CHOICE, required=True, help="附件编号 2、3 或 4。")
@click.option(
    "--from-json",
    "source",
    type=click.File("r", encoding="utf-8"),
    required=True,
    metavar="文件.json|-",
    help="问题列表（JSON），- 为标准输入。",
)
@click.option("--out", required=True, type=XLSX, metavar="文件.xlsx", help="输出文件。")
@click.option(
    "--unit", default="", help="填报单位，写在标题下方，如“广东省教育厅学生资助工作管理办公室”。"
)
@click.option("--period", default="", help="报送期间，如“2025年9月”。")
@click.option("--date", "day_text", metavar="日期", help="填报日期，默认为今天。")
@click.option("--now", "now_text", metavar="时间", help="按此时间确定“今天”（ISO 8601）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@pass_state
def export(
    state: State,
    form_no: str,
    source: TextIO,
    out: Path,
    unit: str,
    period: str,
    day_text: str | None,
    now_text: str | None,
    as_json: bool,
) -> None:
    """把问题列表按学段导出为附件2、3 或 4（离线入口：问题取自 JSON 文件）。

    每个学段一个工作表（按政策中的学段顺序），另有汇总工作表；带标题、表头冻结、下拉选项，
    打印为 A4 横向、每页重复表头。身份证号、银行卡号和联系电话以外的手机号部分隐藏。
    全部写成功才替换输出文件。

    JSON 为问题列表，每项如
    {"number": 12, "url": "…", "created": "2025-09-30T16:00:00+08:00", "state": "open",
    "category": "application", "fields": {"city": "广州市", "stage": "义务教育", …}}。

    \b
    示例：
      zzxt attachments export --form 2 --from-json rows.json --out 附件2.xlsx --period 2025年9月
      zzxt attachments export --form 4 --from-json - --out 附件4.xlsx --json < rows.json
    """
    policy = state.policy()
    name = getattr(source, "name", "-")
    text = read_text(source, name)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{name} 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）。"
        ) from None
    rows = parse_rows(data, name)
    day = _day(day_text, "--date") or _now(policy, now_text).date()
    result = export_workbook(policy, int(form_no), rows, Meta(unit, period, day), out)
    if as_json:
        print_json(result)
        return
    _warnings(result["warnings"])
    form = layout(policy, int(form_no))
    counts = "、".join(f"{stage} {n}" for stage, n in result["sheets"].items() if n)
    click.echo(
        f"已导出 {form.mark} {result['rows']} 个问题"
        + (f"（{counts}）" if counts else "")
        + f"：{out}"
    )


@attachments.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), metavar="备案登记.yml")
@click.option("--year", type=click.IntRange(2018, 2100), help="年份，默认为今年。")
@click.option("--out", type=XLSX, metavar="文件.xlsx", help="写出该年度的附件1 汇总表。")
@click.option("--unit", default="", help="填报单位，写在汇总表标题下方。")
@click.option(
    "--now", "now_text", metavar="时间", help="按此时间确定“今年”和填报日期（ISO 8601）。"
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@pass_state
def register(
    state: State,
    file: Path,
    year: int | None,
    out: Path | None,
    unit: str,
    now_text: str | None,
    as_json: bool,
) -> None:
    """校验附件1 备案登记文件，列出某年各地市的备案情况，可写出全省汇总表。

    备案登记文件为 YAML，每个地市每年一条：受理电话、受理邮箱、负责人、技术联系人、报送日期。
    第七条要求每年9月报送：9月30日以后报送的记为“逾期报送”，没有记录的记为“未报送”。

    \b
    示例：
      zzxt attachments register 备案登记.yml --year 2025
      zzxt attachments register 备案登记.yml --year 2025 --out 附件1-2025年汇总.xlsx
    """
    policy = state.policy()
    data = load_register(policy, file)
    now = _now(policy, now_text)
    year = year or now.year
    if out is not None:
        result = export_register(policy, data, year, Meta(unit, f"{year}年", now.date()), out)
    else:
        result = register_summary(policy, data, year)
    if as_json:
        print_json(result)
        return
    click.echo(
        f"{year} 年附件1 备案：{result['cities']} 个地市，已报送 {result['filed']}，"
        f"逾期报送 {result['late']}，未报送 {len(result['missing'])}"
    )
    for entry in result["statuses"]:
        when = f"（{entry['filed']}）" if entry["filed"] else ""
        click.echo(f"  {entry['city']}：{STATUS_NAMES[entry['status']]}{when}")
    if out is not None:
        click.echo(f"已写出汇总表：{out}")

"""`zzxt attachments`: the rules' forms 附件1-4 as Excel workbooks, out and in."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TextIO

import click

from tracker.attachments import (
    Meta,
    ReadResult,
    export_register,
    export_workbook,
    load_register,
    parse_rows,
    read_workbook,
    write_template,
)
from tracker.attachments.layout import layout
from tracker.attachments.register import STATUS_NAMES, register_summary
from tracker.bots import intake
from tracker.bots.sheets import (
    Filters,
    ImportPlan,
    apply_import,
    export_rows,
    filter_rows,
    import_plan,
)
from tracker.bots.writer import Writer
from tracker.cli.base import (
    Group,
    State,
    now_option,
    pass_state,
    print_json,
    read_text,
    warn,
)
from tracker.cli.forge_opts import forge_options, open_forge, settings_from
from tracker.cli.tier_opts import bot_identity
from tracker.errors import InputError, ZzxtError

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
      zzxt attachments export --form 2 --repo gdzz/support --city 佛山市 --out 附件2.xlsx
      zzxt attachments import 佛山市-附件2.xlsx --repo gdzz/support --apply
      zzxt attachments register 备案登记.yml --year 2025 --out 附件1-2025.xlsx
    """


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
    metavar="文件.json|-",
    help="离线：问题列表（JSON），- 为标准输入。不指定时从问题台账读取（--forge、--url、--repo）。",
)
@forge_options
@click.option("--city", metavar="地市", help="只导出该地市的问题。")
@click.option("--stage", metavar="学段", help="只导出该学段的问题（仍按学段分工作表）。")
@click.option("--since", "since_text", metavar="日期", help="只导出该日及以后提交的问题。")
@click.option("--until", "until_text", metavar="日期", help="只导出该日及以前提交的问题。")
@click.option("--out", required=True, type=XLSX, metavar="文件.xlsx", help="输出文件。")
@click.option(
    "--unit",
    default=None,
    help="填报单位，写在标题下方；从问题台账导出时默认为政策中的受理部门。",
)
@click.option("--period", default=None, help="报送期间，如“2025年9月”；默认按 --since、--until。")
@click.option("--date", "day_text", metavar="日期", help="填报日期，默认为今天。")
@click.option("--now", "now_text", metavar="时间", help="按此时间确定“今天”（ISO 8601）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@pass_state
def export(
    state: State,
    form_no: str,
    source: TextIO | None,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
    city: str | None,
    stage: str | None,
    since_text: str | None,
    until_text: str | None,
    out: Path,
    unit: str | None,
    period: str | None,
    day_text: str | None,
    now_text: str | None,
    as_json: bool,
) -> None:
    """把问题按学段导出为附件2、3 或 4：从问题台账读取，或离线读取 JSON 文件。

    从问题台账读取时，取该附件所报类别的问题（不含“不予受理”的），答案取自问题正文的表单字段，可按地市、学段、提交日期筛选。每个学段一个工作表（按政策中的学段顺序），另有汇总工作表；带标题、表头冻结、下拉选项，打印为 A4 横向、每页重复表头。身份证号、银行卡号和联系电话以外的手机号部分隐藏。全部写成功才替换输出文件。--json 输出{"form": 2, "rows": 问题数, "sheets": {"学段": 问题数}, "out": "文件", "warnings": [...]}。

    离线 JSON 为问题列表，每项如{"number": 12, "url": "…", "created": "2025-09-30T16:00:00+08:00", "state": "open", "category": "application", "fields": {"city": "广州市", "stage": "义务教育", …}}。

    \b
    示例：
      zzxt attachments export --form 2 --forge gitea --url https://git.example.cn --repo gdzz/support \\
        --city 佛山市 --since 2025-09-01 --until 2025-09-30 --out 附件2.xlsx
      zzxt attachments export --form 2 --from-json rows.json --out 附件2.xlsx --period 2025年9月
    """
    rules = state.rules()
    policy = rules.policy
    filters = Filters(
        city=_choice(city, policy.cities, "--city", "地市"),
        stage=_choice(stage, [s.name for s in policy.stages], "--stage", "学段"),
        since=_day(since_text, "--since"),
        until=_day(until_text, "--until"),
    )
    if filters.since and filters.until and filters.since > filters.until:
        raise InputError("--since 的日期晚于 --until，没有可导出的问题。")
    if source is not None:
        if repo is not None or url is not None or forge is not None:
            raise InputError(
                "--from-json 与 --forge、--url、--repo 不能同时使用：问题只能有一个来源。"
            )
        name = getattr(source, "name", "-")
        text = read_text(source, name)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{name} 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）。"
            ) from None
        rows = filter_rows(parse_rows(data, name), filters, rules)
        default_unit = ""
    else:
        layout(policy, int(form_no))  # a policy without the form says so before connecting
        settings = settings_from(forge, url, repo, write_interval, verbose)
        client = open_forge(settings)
        base = settings.url.rstrip("/")
        rows = export_rows(
            client.list_issues("all"),
            rules,
            int(form_no),
            filters,
            lambda n: f"{base}/{settings.repo}/issues/{n}",
        )
        default_unit = policy.document.receiver
    day = _day(day_text, "--date") or now_option(policy.calendar.zone, now_text).date()
    meta = Meta(
        default_unit if unit is None else unit,
        filters.period() if period is None else period,
        day,
    )
    result = export_workbook(policy, int(form_no), rows, meta, out)
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


def _choice(value: str | None, options: list[str], option: str, what: str) -> str | None:
    if value is None or value in options:
        return value
    shown = "、".join(options[:8]) + ("等" if len(options) > 8 else "")
    raise InputError(f"{option} 的{what} {value!r} 不在政策中；可用：{shown}。")


@attachments.command("import")
@click.argument("file", type=XLSX, metavar="文件.xlsx")
@forge_options
@click.option(
    "--form", "form_no", type=PROBLEM_CHOICE, help="附件编号 2、3 或 4；不指定时按标题和表头判断。"
)
@click.option("--apply", "do_apply", is_flag=True, help="执行：在问题台账中新建问题。")
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="有错误的行跳过，只导入无误的行（默认有错误时一行也不导入）。",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@pass_state
def import_(
    state: State,
    file: Path,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
    form_no: str | None,
    do_apply: bool,
    skip_invalid: bool,
    as_json: bool,
) -> None:
    """把地市填报的附件2、3、4 导入问题台账：每行一个问题。

    先逐行校验（与 zzxt attachments check 相同）：有错误时列出每一处（文件、工作表、行、列、原因），一个问题也不建，退出码 1；加 --skip-invalid 则跳过有错误的行。每行建一个对应类别的问题，按该类别的表单填写，注明来源文件、工作表和行号，身份证号、银行卡号部分隐藏。每行内容的指纹记在问题中：同一文件（或调换了行序的副本）再次导入不会重复建问题。--json 输出 {"file", "form", "rows", "created": [...], "existing": [...], "errors": [...], "writes"}。

    \b
    示例：
      zzxt attachments import 佛山市-附件2.xlsx --forge gitea --url https://git.example.cn --repo gdzz/support
      zzxt attachments import 佛山市-附件2.xlsx --repo gdzz/support --apply
    """
    rules = state.rules()
    policy = rules.policy
    result = read_workbook(policy, file, int(form_no) if form_no else None)
    if result.errors and not skip_invalid:
        if as_json:
            print_json({**_import_json(result, None, {}, 0), "errors": result.errors})
        else:
            for line in result.errors:
                click.echo(f"错误：{line}", err=True)
        raise ZzxtError(
            f"{file.name} 有 {len(result.errors)} 处错误，未导入任何问题。"
            "请修改后重试，或加 --skip-invalid 只导入无误的行。"
        )
    client = open_forge(settings_from(forge, url, repo, write_interval, verbose))
    identity = bot_identity(client, policy)
    existing = intake.read(client, identity)
    present = [label.name for label in client.list_labels()]
    plan = import_plan(result, existing, rules, present)
    writer = Writer(client, do_apply)
    opened = apply_import(plan, writer)
    writes = writer.writes
    if as_json:
        print_json(_import_json(result, plan, opened, writes))
        return
    _warnings([*result.warnings, *plan.warnings])
    for line in result.errors:
        click.echo(f"跳过：{line}")
    form = layout(policy, result.form)
    click.echo(
        f"{form.mark} {file.name}：读取 {len(result.rows)} 行，已在台账中 {len(plan.existing)} 行，"
        f"{'新建' if do_apply else '将新建'} {len(plan.new)} 个问题。"
    )
    for issue in plan.new:
        number = opened.get(issue.fingerprint)
        row = plan.rows[issue.fingerprint]
        where = f"{row.source.sheet} 第 {row.source.row} 行" if row.source else ""
        click.echo(f"  {where} → {'#' + str(number) if number else '新问题'}：{issue.title}")
    if not do_apply:
        click.echo("以上为计划，未做任何修改；加 --apply 执行。")


def _import_json(
    result: ReadResult, plan: ImportPlan | None, opened: dict[str, int | None], writes: int
) -> dict[str, object]:
    def where(fingerprint: str) -> dict[str, object] | None:
        row = plan.rows[fingerprint] if plan else None
        return row.source.as_dict() if row and row.source else None

    return {
        "file": result.file,
        "form": result.form,
        "rows": len(result.rows),
        "created": [
            {
                "source": where(f),
                "number": n,
                "title": next(i.title for i in plan.new if i.fingerprint == f),
            }
            for f, n in opened.items()
        ]
        if plan
        else [],
        "existing": [{"source": where(f), "number": n} for f, n in plan.existing.items()]
        if plan
        else [],
        "skipped": len(result.errors) if plan else 0,
        "errors": result.errors,
        "warnings": [*result.warnings, *(plan.warnings if plan else [])],
        "writes": writes,
    }


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
    now = now_option(policy.calendar.zone, now_text)
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

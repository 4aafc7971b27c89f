"""Export reported problems as 附件2-4, gathered by school stage (第八至十条).

`build_workbook` is pure (problems in, an openpyxl workbook and a summary out);
`export_workbook` also writes it atomically. One sheet per stage in the
policy's order, named after the stage, then a 汇总 sheet counting each stage's
problems by category with formulas, so a city that adds rows sees it update.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from pydantic import ValidationError

from tracker.attachments.layout import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    PROBLEM_FORMS,
    Layout,
    layout,
)
from tracker.attachments.rows import (
    Cell,
    ExportRow,
    Prepared,
    category_names,
    display_cells,
    read_cells,
)
from tracker.attachments.sheet import (
    BODY_FONT,
    BORDER,
    FORMULA_REACH,
    SPARE_ROWS,
    Meta,
    Options,
    SheetColumn,
    add_dropdowns,
    save_atomic,
    start_sheet,
    write_rows,
)
from tracker.errors import InputError
from tracker.policy import Policy

MAX_SHOWN_ERRORS = 20


def problem_form(policy: Policy, number: int) -> Layout:
    """Return 附件2, 3 or 4; 附件1 is the register and has its own export."""
    if number not in PROBLEM_FORMS:
        raise InputError(
            f"附件{number} 不是问题反馈表：问题按附件2、3、4 导出，附件1 备案表请用 zzxt attachments register。"
        )
    return layout(policy, number)


def sheet_columns(policy: Policy, form: Layout) -> list[SheetColumn]:
    """Return the columns as drawn, each with the drop-down choices the policy gives it."""
    columns = []
    for column in form.columns:
        options: list[str] = []
        if column.source == "category":
            options = list(category_names(policy, form))
        elif column.field_ids:
            for key in form.categories:
                element = form.element(column, key)
                if element is not None and element.type == "dropdown":
                    options += [o for o in element.options if o not in options]
        columns.append(
            SheetColumn(
                header=column.header,
                width=column.width,
                options=tuple(options),
                is_date=column.source == "created" or column.kind == "date",
            )
        )
    return columns


def parse_rows(data: Any, source: str) -> list[ExportRow]:
    """Validate problems given as JSON: a list, or an object with `rows`; Chinese errors."""
    if isinstance(data, dict) and "rows" in data:
        data = data["rows"]
    if not isinstance(data, list):
        raise InputError(f"{source}：应为问题列表（JSON 数组），或带 rows 键的对象。")
    rows: list[ExportRow] = []
    problems: list[str] = []
    for i, item in enumerate(data, start=1):
        try:
            rows.append(ExportRow.model_validate(item))
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(part) for part in err["loc"]) or "（整条）"
                problems.append(f"  {source} 第 {i} 条，字段 {where}：{_reason(err)}")
    if problems:
        raise InputError(_listing(f"{source} 中有 {len(problems)} 处错误：", problems))
    return rows


def _reason(err: Mapping[str, Any]) -> str:
    kind = err["type"]
    if kind == "missing":
        return "缺少必填字段"
    if kind == "literal_error":
        return f"取值应为 {err.get('ctx', {}).get('expected', '')}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "应为整数"
    if kind in ("string_type",):
        return "应为文字"
    if kind in ("dict_type", "model_type"):
        return "应为对象（键值对）"
    return f"取值无效（{err['msg']}）"


def _listing(head: str, lines: Sequence[str]) -> str:
    more = f"\n  ……另有 {len(lines) - MAX_SHOWN_ERRORS} 处" if len(lines) > MAX_SHOWN_ERRORS else ""
    return head + "\n" + "\n".join(lines[:MAX_SHOWN_ERRORS]) + more


def prepare(
    policy: Policy, form: Layout, rows: Sequence[ExportRow | Mapping[str, Any]]
) -> tuple[dict[str, list[Prepared]], list[str]]:
    """Place each problem on its stage's sheet; raise if any has no place on this form.

    Returns the rows by stage (every stage of the policy, in order, numbered) and
    warnings for values a reader of the sheet would reject (unknown city, missing phone…).
    """
    checked = [r if isinstance(r, ExportRow) else ExportRow.model_validate(r) for r in rows]
    by_stage: dict[str, list[Prepared]] = {s.name: [] for s in policy.stages}
    errors: list[str] = []
    zone = policy.calendar.zone
    for i, row in enumerate(checked, start=1):
        placed = display_cells(policy, form, row, i, zone)
        if isinstance(placed, str):
            errors.append("  " + placed)
        else:
            by_stage[placed.stage].append(placed)
    if errors:
        raise InputError(_listing(f"有 {len(errors)} 个问题无法放入附件{form.number}：", errors))
    seq = form.column("seq")
    warnings: list[str] = []
    for stage, placed_rows in by_stage.items():
        for n, placed in enumerate(placed_rows, start=1):
            if seq is not None:
                placed.cells[seq.position] = Cell(n)
            _, problems = read_cells(policy, form, placed.cells, sheet_stage=stage)
            for column, reason in problems:
                what = f"{column.header}：" if column else "："
                warnings.append(f"{placed.label} {what}{reason}")
    return by_stage, warnings


def build_workbook(
    policy: Policy,
    form_no: int,
    rows: Sequence[ExportRow | Mapping[str, Any]],
    meta: Meta,
    *,
    blank: bool = False,
) -> tuple[Workbook, dict[str, Any]]:
    """Return the workbook of one form and what it holds: `{"form", "rows", "sheets", "warnings"}`."""
    form = problem_form(policy, form_no)
    by_stage, warnings = prepare(policy, form, rows)
    columns = sheet_columns(policy, form)
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    options = Options(wb)
    for stage, placed in by_stage.items():
        ws = wb.create_sheet(stage, index=len(wb.sheetnames) - 1)
        start_sheet(ws, form.mark, form.title, meta.line(stage), columns)
        write_rows(
            ws,
            columns,
            [p.cells for p in placed],
            spare=SPARE_ROWS if blank else 0,
            print_spare=blank,
        )
        add_dropdowns(ws, columns, options, len(placed))
        last = f"{get_column_letter(len(columns))}{FIRST_DATA_ROW + len(placed) - 1}"
        if placed:
            ws.auto_filter.ref = f"A{HEADER_ROW}:{last}"
    _summary_sheet(wb, policy, form, meta, {s: len(p) for s, p in by_stage.items()})
    wb.active = 0
    wb.properties.title = form.title
    wb.properties.creator = "zzxt"
    wb.calculation.fullCalcOnLoad = True
    total = sum(len(p) for p in by_stage.values())
    summary = {
        "form": form.number,
        "rows": total,
        "sheets": {stage: len(p) for stage, p in by_stage.items()},
        "warnings": warnings,
    }
    return wb, summary


def _summary_sheet(
    wb: Workbook, policy: Policy, form: Layout, meta: Meta, counts: Mapping[str, int]
) -> None:
    """Count each stage's problems by category, with formulas over the stage sheets."""
    assert policy.attachments is not None
    names = list(category_names(policy, form))
    multi = len(names) > 1
    headers = ["学段", *names, "合计"] if multi else ["学段", "件数"]
    columns = [SheetColumn(h, 22 if i == 0 else 12) for i, h in enumerate(headers)]
    ws = wb.create_sheet(policy.attachments.summary_sheet, index=len(wb.sheetnames) - 1)
    start_sheet(ws, form.mark, f"{form.title}（汇总）", meta.line(), columns)
    category = form.column("category")
    counted = category or next(
        (c for c in form.columns if form.required_everywhere(c)), form.columns[0]
    )
    letter = counted.letter
    font = Font(name=BODY_FONT, size=11)
    for r, stage in enumerate(counts, start=FIRST_DATA_ROW):
        end = FIRST_DATA_ROW + counts[stage] + FORMULA_REACH
        area = f"{quote_sheetname(stage)}!${letter}${FIRST_DATA_ROW}:${letter}${end}"
        values: list[Any] = [stage]
        if multi:
            values += [f'=COUNTIF({area},"{name}")' for name in names]
            values.append(f"=SUM(B{r}:{get_column_letter(len(names) + 1)}{r})")
        else:
            values.append(f"=COUNTA({area})")
        for c, value in enumerate(values, start=1):
            cell = ws.cell(r, c, value)
            cell.font, cell.border = font, BORDER
            cell.alignment = Alignment(horizontal="left" if c == 1 else "center", vertical="center")
    total_row = FIRST_DATA_ROW + len(counts)
    ws.cell(total_row, 1, "合计")
    for c in range(2, len(headers) + 1):
        col = get_column_letter(c)
        ws.cell(total_row, c, f"=SUM({col}{FIRST_DATA_ROW}:{col}{total_row - 1})")
    for c in range(1, len(headers) + 1):
        cell = ws.cell(total_row, c)
        cell.font = Font(name=BODY_FONT, size=11, bold=True)
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="left" if c == 1 else "center", vertical="center")
    ws.print_area = f"A1:{get_column_letter(len(headers))}{total_row}"


def export_workbook(
    policy: Policy,
    form_no: int,
    rows: Sequence[ExportRow | Mapping[str, Any]],
    meta: Meta,
    out: Path,
) -> dict[str, Any]:
    """Write one form's workbook to `out`; return `{"form", "rows", "sheets", "out", "warnings"}`."""
    wb, summary = build_workbook(policy, form_no, rows, meta)
    save_atomic(wb, out)
    return {**summary, "out": str(out)}

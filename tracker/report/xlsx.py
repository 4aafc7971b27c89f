"""数据.xlsx: every table of the report on its own sheet, and the per-issue rows behind them.

Text from issues is written as text, never as a formula (a title may start
with `=`), and personal numbers are already masked in the `Report`. Times are
local (Beijing) time without a zone, which is what spreadsheets can hold.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from tracker.report import text
from tracker.report.figures import (
    GROUP_NAMES,
    OUTCOME_NAMES,
    Figures,
    Group,
    GroupBy,
    IssueRow,
    Report,
)
from tracker.report.output import Staging, settle_zip

Cell = str | int | float | datetime | None
# A write-only worksheet: its stubs lack column_dimensions and freeze_panes, which it has.
Worksheet = Any
PERCENT = "0.0%"
DECIMAL = "0.0"
SHEETS: dict[GroupBy, str] = {
    "city": "按地市",
    "unit": "按报送单位",
    "unit_type": "按单位类型",
    "stage": "按学段",
    "category": "按类别",
    "responder": "按首位答复人",
}


def figure_columns(report: Report) -> list[str]:
    """Headers of the figures of one group, in `figure_values` order."""
    return [
        "受理",
        *(f"受理：{name}" for name in report.categories),
        *(f"学段：{name}" for name in report.stages),
        "到期应答复",
        *OUTCOME_NAMES.values(),
        "按时答复率",
        "首次答复中位数（工作小时）",
        "首次答复90%分位数（工作小时）",
        "首次答复中位数（工作日）",
        "首次答复90%分位数（工作日）",
        "报省处理",
        "不予受理",
        "已培训（含疑似）",
        "含敏感信息",
        "期末未关闭",
    ]


def figure_values(f: Figures) -> list[Cell]:
    return [
        f.received,
        *f.by_category.values(),
        *f.by_stage.values(),
        f.judged,
        *f.outcomes().values(),
        f.on_time_rate,
        f.median_hours,
        f.p90_hours,
        f.median_days,
        f.p90_days,
        f.escalated,
        f.rejected,
        f.trained,
        f.sensitive,
        f.open_at_end,
    ]


def write_xlsx(report: Report, stage: Staging) -> Path:
    """Write 数据.xlsx into the staging area and return its temp path."""
    # Write-only mode streams rows to disk: several times faster for 10,000 issues.
    book = Workbook(write_only=True)
    _summary(book.create_sheet("汇总"), report)
    columns = figure_columns(report)
    for by, title in SHEETS.items():
        extra = ["地市", "单位类型"] if by == "unit" else []
        rows: list[list[Cell]] = []
        for group in report.groups[by]:
            rows.append([group.name, *_unit_extra(by, group), *figure_values(group.figures)])
        _fill(book.create_sheet(title), [GROUP_NAMES[by], *extra, *columns], rows)
    for ranking in report.rankings:
        header = ["排名", GROUP_NAMES[ranking.by], "受理", "到期应答复", "按时答复", "超期答复"]
        header += ["超期未答复", "按时答复率", "首次答复中位数（工作小时）"]
        ranked: list[list[Cell]] = []
        for place, g in ranking.rows:
            f = g.figures
            row: list[Cell] = [place, g.name, f.received, f.judged, f.on_time, f.late]
            ranked.append([*row, f.overdue, f.on_time_rate, f.median_hours])
        _fill(book.create_sheet(_sheet_name(f"排名-{ranking.title}")), header, ranked)
    _fill(
        book.create_sheet("按周"),
        ["起始日", "截止日", *report.categories, "合计"],
        [
            [w.start.isoformat(), w.end.isoformat(), *w.counts.values(), sum(w.counts.values())]
            for w in report.weeks
        ],
    )
    _issues(book.create_sheet("超期清单"), report.missed())
    _issues(book.create_sheet("问题明细"), report.issues)
    path = stage.path("数据.xlsx")
    # What Workbook.save does, but dated by the report rather than the clock (core
    # properties in UTC, as the format expects): the same report gives the same bytes.
    moment = report.generated_at.astimezone(UTC).replace(tzinfo=None)
    book.properties.created = book.properties.modified = moment
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(book, archive).save()
    settle_zip(path, report.generated_at)
    return path


def _unit_extra(by: GroupBy, group: Group) -> list[Cell]:
    return [group.city, group.unit_type] if by == "unit" else []


def _sheet_name(name: str) -> str:
    for char in "[]:*?/\\":
        name = name.replace(char, "_")
    return name[:31]


def _summary(sheet: Worksheet, report: Report) -> None:
    rows: list[list[Cell]] = [
        ["标题", text.title(report)],
        ["统计期", f"{report.period.since.isoformat()} 至 {report.period.until.isoformat()}"],
        ["统计截至", report.as_of.replace(tzinfo=None)],
        ["办公时段（工作小时的计算口径）", "、".join(report.settings.office_hours)],
        ["概述", text.summary(report)],
    ]
    rows += [
        [name, value]
        for name, value in zip(figure_columns(report), figure_values(report.total), strict=True)
    ]
    # A figure's format follows its own name (a rate is a percentage), not the column's.
    formats = [[DECIMAL, PERCENT if "率" in str(name) else DECIMAL] for name, _ in rows]
    _fill(sheet, ["项目", "数值"], rows, formats, widths=[30, 80])


def _issues(sheet: Worksheet, issues: Sequence[IssueRow]) -> None:
    header = [
        "编号",
        "标题",
        "地市",
        "报送单位",
        "单位类型",
        "学段",
        "类别",
        "受理时间",
        "答复期限",
        "首次答复时间",
        "首位答复人",
        "结果",
        "首次答复用时（工作小时）",
        "首次答复用时（工作日）",
        "期末未关闭",
        "报省处理",
        "不予受理",
        "已培训（含疑似）",
        "含敏感信息",
    ]
    rows: list[list[Cell]] = []
    for r in issues:
        rows.append(
            [
                r.number,
                r.title,
                r.city,
                r.unit,
                r.unit_type,
                r.stage,
                r.category,
                _naive(r.created_at),
                _naive(r.due),
                _naive(r.responded_at),
                r.responder,
                OUTCOME_NAMES[r.outcome],
                r.hours,
                r.days,
                _yes(r.open_at_end),
                _yes(r.escalated),
                _yes(r.rejected),
                _yes(r.trained),
                _yes(r.sensitive),
            ]
        )
    _fill(sheet, header, rows)


def _fill(
    sheet: Worksheet,
    header: list[str],
    rows: list[list[Cell]],
    formats: list[list[str]] | None = None,
    widths: list[int] | None = None,
) -> None:
    """Write a header and rows; floats are shown as percentages in columns about a rate."""
    widths = widths or [max(10, min(40, len(name) * 2 + 2)) for name in header]
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "B2"
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    head = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font, cell.alignment = bold, wrap
        head.append(cell)
    sheet.append(head)
    by_column = [PERCENT if "率" in name else DECIMAL for name in header]
    for i, values in enumerate(rows):
        numbers = formats[i] if formats else by_column
        sheet.append([_cell(sheet, value, numbers[j]) for j, value in enumerate(values)])


def _cell(sheet: Worksheet, value: Cell, decimal: str) -> XlCell | Cell:
    """One cell; plain values where openpyxl keeps them as they are (twice as fast).

    Text is always text: openpyxl would read a string starting with "=" as a
    formula and "#N/A" as an error, so those get a cell typed as a string.
    Floats get the column's format (a rate is a percentage); times keep
    openpyxl's default date-time format.
    """
    if isinstance(value, str):
        value = _clean(value)
        if not value.startswith(("=", "#")):
            return value
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    if isinstance(value, float):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = decimal
        return cell
    return value


def _clean(value: str) -> str:
    """Drop the control characters a spreadsheet cannot hold."""
    cleaned: str = ILLEGAL_CHARACTERS_RE.sub("", value)
    return cleaned


def _yes(flag: bool) -> str | None:
    return "是" if flag else None  # an empty cell costs nothing to write


def _naive(moment: datetime | None) -> datetime | None:
    # Already local time; spreadsheets have no time zones.
    return moment.replace(tzinfo=None) if moment else None

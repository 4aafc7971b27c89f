"""How an attachment sheet looks: title rows, header, borders, drop-downs, print setup.

Shared by the problem forms (附件2-4), the register summary (附件1) and the blank
templates, so that every workbook this tool hands out looks the same on screen
and on paper (A4 landscape, header repeated on each page, fitted to the width).
"""

from __future__ import annotations

import math
import os
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.header_footer import _HeaderFooterPart
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from tracker.attachments.layout import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    INFO_ROW,
    MARK_ROW,
    OPTIONS_SHEET,
    TITLE_ROW,
)
from tracker.attachments.rows import Cell
from tracker.errors import InputError

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
DATE_FORMAT = "yyyy-mm-dd"
LINE_HEIGHT = 15.0  # points per wrapped line at 11 pt
SPARE_ROW_HEIGHT = 22.0  # blank rows tall enough to write in by hand
TITLE_SCALE = 1.6  # a 16 pt bold title character against an 11 pt column unit
MAX_ROW_HEIGHT = 409.0  # a spreadsheet's limit
# Rows below the data that keep borders and drop-downs, ready to be filled in.
SPARE_ROWS = 20
# Rows the drop-downs and the summary's formulas reach beyond the last one written.
FORMULA_REACH = 1000


@dataclass(frozen=True)
class Meta:
    """Who hands the form in and for when: the line under the title."""

    unit: str = ""
    period: str = ""
    day: date | None = None

    def line(self, stage: str | None = None) -> str:
        unit = self.unit or "　" * 8
        parts = [f"填报单位（盖章）：{unit}"]
        if stage:
            parts.append(f"学段：{stage}")
        if self.period:
            parts.append(f"报送期间：{self.period}")
        when = (
            f"{self.day.year}年{self.day.month}月{self.day.day}日"
            if self.day
            else "　　年　　月　　日"
        )
        parts.append(f"填报日期：{when}")
        return "　　".join(parts)


@dataclass(frozen=True)
class SheetColumn:
    """A column as drawn: header, width, and its drop-down choices if any."""

    header: str
    width: float
    options: tuple[str, ...] = ()
    is_date: bool = False


def text_width(text: str) -> int:
    """Return how many narrow characters wide a text is (CJK characters count two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(text: str, width: float) -> int:
    room = max(1.0, width - 1)
    return sum(max(1, math.ceil(text_width(line) / room)) for line in text.split("\n"))


def start_sheet(
    ws: Worksheet, mark: str, title: str, info: str, columns: Sequence[SheetColumn]
) -> None:
    """Write the mark, merged title, info line and header; set widths, freeze and print setup."""
    last = get_column_letter(len(columns))
    # A narrow sheet (the summary) widens its columns until the title and info line fit.
    needed = max(text_width(title) * TITLE_SCALE, text_width(info) + 2)
    total = sum(c.width for c in columns)
    scale = max(1.0, needed / total) if total else 1.0
    ws.cell(MARK_ROW, 1, mark).font = Font(name=TITLE_FONT, size=12)
    title_cell = ws.cell(TITLE_ROW, 1, title)
    title_cell.font = Font(name=TITLE_FONT, size=16, bold=True)
    title_cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    ws.row_dimensions[TITLE_ROW].height = 32
    info_cell = ws.cell(INFO_ROW, 1, info)
    info_cell.font = Font(name=BODY_FONT, size=11)
    info_cell.alignment = Alignment(horizontal="left", vertical="center")
    ws.merge_cells(f"A{INFO_ROW}:{last}{INFO_ROW}")
    ws.row_dimensions[INFO_ROW].height = 22
    header_lines = 1
    for i, column in enumerate(columns, start=1):
        cell = ws.cell(HEADER_ROW, i, column.header)
        cell.font = Font(name=BODY_FONT, size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
        cell.fill = HEADER_FILL
        width = round(column.width * scale, 1)
        ws.column_dimensions[get_column_letter(i)].width = width
        header_lines = max(header_lines, _lines(column.header, width))
    ws.row_dimensions[HEADER_ROW].height = LINE_HEIGHT * header_lines + 6
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    footer = ws.oddFooter
    if footer is not None:
        footer.center = _HeaderFooterPart(text="第 &P 页，共 &N 页")


def _style(ws: Worksheet, kind: str) -> str:
    """Return the name of one of the workbook's data-cell styles, adding it on first use.

    One named style per kind, rather than fonts and borders set cell by cell: a
    sheet of a thousand cells then carries three styles, and writes ten times faster.
    """
    name = f"zzxt_{kind}"
    wb = ws.parent
    assert wb is not None  # a sheet made by create_sheet belongs to its workbook
    if name not in wb.named_styles:
        style = NamedStyle(name=name)
        style.font = Font(
            name=BODY_FONT,
            size=11,
            color="0563C1" if kind == "link" else None,
            underline="single" if kind == "link" else None,
        )
        style.alignment = Alignment(vertical="center", wrap_text=True)
        style.border = BORDER
        if kind == "date":
            style.number_format = DATE_FORMAT
        wb.add_named_style(style)
    return name


def write_rows(
    ws: Worksheet,
    columns: Sequence[SheetColumn],
    rows: Sequence[dict[int, Cell]],
    *,
    spare: int = SPARE_ROWS,
    print_spare: bool = False,
) -> None:
    """Write data rows under the header, bordered and wrapped, plus spare bordered rows.

    A blank form (`print_spare`) prints its spare rows too, to be filled in by hand.
    """
    for offset, cells in enumerate([*rows, *([{}] * spare)]):
        r = FIRST_DATA_ROW + offset
        lines = 1
        for i, column in enumerate(columns):
            cell = ws.cell(r, i + 1)
            value = cells.get(i, Cell(None))
            if isinstance(value.value, str):
                cell.value = value.value
                # Text is text: never let `=…` become a formula or `001` a number.
                cell.data_type = "s"
                lines = max(lines, _lines(value.value, column.width))
            elif isinstance(value.value, int | float | date):
                cell.value = value.value
            if value.link:
                cell.hyperlink = value.link
            cell.style = _style(ws, "link" if value.link else "date" if column.is_date else "cell")
        if cells:
            ws.row_dimensions[r].height = min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines + 4)
        elif print_spare:
            ws.row_dimensions[r].height = SPARE_ROW_HEIGHT
    printed = len(rows) + spare if print_spare else max(len(rows), 1)
    ws.print_area = f"A{MARK_ROW}:{get_column_letter(len(columns))}{FIRST_DATA_ROW + printed - 1}"


class Options:
    """The hidden sheet holding every drop-down list, one list per column of it."""

    def __init__(self, wb: Workbook) -> None:
        self.ws = wb.create_sheet(OPTIONS_SHEET)
        self.ws.sheet_state = "hidden"
        self.lists: dict[tuple[str, ...], str] = {}

    def reference(self, options: Sequence[str]) -> str:
        """Return the range holding these choices, adding them once."""
        key = tuple(options)
        if key not in self.lists:
            col = len(self.lists) + 1
            for i, option in enumerate(key, start=1):
                cell = self.ws.cell(i, col, option)
                cell.data_type = "s"
            letter = get_column_letter(col)
            name = f"zzxt_list{col}"
            ref = f"{quote_sheetname(self.ws.title)}!${letter}$1:${letter}${len(key)}"
            self.ws.parent.defined_names.add(DefinedName(name, attr_text=ref))
            self.lists[key] = name
        return self.lists[key]


def add_dropdowns(
    ws: Worksheet, columns: Sequence[SheetColumn], options: Options, rows: int
) -> None:
    """Restrict the columns with choices to their drop-down lists."""
    end = FIRST_DATA_ROW + rows + FORMULA_REACH
    for i, column in enumerate(columns, start=1):
        if not column.options:
            continue
        letter = get_column_letter(i)
        check = DataValidation(
            type="list",
            formula1=options.reference(column.options),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="输入有误",
            error=f"“{column.header}”请从下拉列表中选择。",
            showInputMessage=True,
            promptTitle=column.header,
            prompt="请从下拉列表中选择。",
        )
        check.add(f"{letter}{FIRST_DATA_ROW}:{letter}{end}")
        ws.add_data_validation(check)


def save_atomic(wb: Workbook, out: Path) -> None:
    """Write the workbook to a temp file beside `out`, then rename: all or nothing."""
    if out.suffix.lower() != ".xlsx":
        raise InputError(f"输出文件 {out} 的扩展名应为 .xlsx。")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".xlsx", dir=out.parent)
    except OSError as exc:
        raise InputError(
            f"无法在 {out.parent} 写入（{exc.strerror}），请检查路径和权限。"
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            wb.save(handle)
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(
            f"无法写入 {out}（{exc.strerror}）；文件是否正在 Excel 或 WPS 中打开？请关闭后重试。"
        ) from None

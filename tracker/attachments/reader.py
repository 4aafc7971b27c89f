"""Read a filled 附件2-4 back: our own export and what cities make of it.

Cities retype headers, add title rows and notes, move columns, type dates as
text and save from Excel or WPS. The reader finds the header row by its
words, maps columns by header (synonyms, full-width and spaces forgiven),
takes the stage from a 学段 column or the sheet's name, and checks every
cell. It never stops half-way: every unusable cell is reported as
`文件 工作表“X” 第 N 行 第 C 列（列名）：原因`, and only clean rows are returned.
"""

from __future__ import annotations

import dataclasses
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from tracker.attachments.layout import PROBLEM_FORMS, Column, Layout, layout, match_header
from tracker.attachments.rows import Cell, SheetRow, Source, read_cells
from tracker.attachments.values import Bad, cell_text, read_choice, squeeze
from tracker.errors import InputError
from tracker.policy import Policy

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .et and password-protected files
OLD_SUFFIXES = (".xls", ".xlt", ".et", ".ett")
SUFFIXES = (".xlsx", ".xlsm")
HEADER_SCAN_ROWS = 30  # the header is somewhere near the top
MIN_HEADER_MATCHES = 3  # cells that must read as known headers for a row to be the header
TITLE_SCAN_ROWS = 6
NOTE_MIN_SPAN = 3  # a single merged cell this wide under the data is a note, not a row
SAVE_AS_XLSX = (
    "请在 Excel 或 WPS 中打开，选择“文件 → 另存为”，保存类型选“Excel 工作簿（*.xlsx）”"
    "（如设置了打开密码，请先取消密码），然后重试。"
)


@dataclass
class ReadResult:
    """What a workbook held: the clean rows, and every error and warning, in sheet order."""

    file: str
    form: int
    rows: list[SheetRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sheets: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "form": self.form,
            "rows": [row.as_dict() for row in self.rows],
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "sheets": dict(self.sheets),
        }


@dataclass(frozen=True)
class _Header:
    row: int
    columns: dict[int, Column]  # 1-based sheet column -> form column
    texts: dict[int, str]  # 1-based sheet column -> the header as written
    unknown: list[str]


def open_workbook(path: Path) -> Workbook:
    """Open an .xlsx for reading, or explain in Chinese why it cannot be read."""
    name = path.name
    if not path.is_file():
        raise InputError(f"找不到文件 {path}，请检查路径。")
    try:
        with path.open("rb") as handle:
            head = handle.read(len(OLE_MAGIC))
    except OSError as exc:
        raise InputError(f"无法读取 {path}（{exc.strerror}）。") from None
    if path.suffix.lower() in OLD_SUFFIXES or head == OLE_MAGIC:
        raise InputError(
            f"{name} 不是 .xlsx 格式（旧版 .xls、WPS 的 .et 或加密的文件），无法读取。{SAVE_AS_XLSX}"
        )
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(f"{name}：只能读取 Excel 工作簿（.xlsx）。{SAVE_AS_XLSX}")
    if not zipfile.is_zipfile(path):
        raise InputError(
            f"{name} 不是有效的 .xlsx 文件（可能已损坏，或只是改了扩展名）。{SAVE_AS_XLSX}"
        )
    try:
        with warnings.catch_warnings():
            # openpyxl warns about parts it skips (WPS extensions, slicers); they hold no data we read.
            warnings.simplefilter("ignore")
            return load_workbook(path, data_only=True)
    except Exception:  # openpyxl raises many kinds on damaged files; all mean the same here
        raise InputError(f"{name} 无法作为 .xlsx 打开，文件可能已损坏。{SAVE_AS_XLSX}") from None


def read_workbook(policy: Policy, path: Path, form_no: int | None = None) -> ReadResult:
    """Read a filled 附件2, 3 or 4 (`form_no`, or guessed from its title and headers)."""
    if form_no is not None and form_no not in PROBLEM_FORMS:
        raise InputError(f"只能读取附件2、3、4（问题反馈表），不能读取附件{form_no}。")
    wb = open_workbook(path)
    sheets: list[Worksheet] = []
    for candidate in wb.worksheets:
        if isinstance(candidate, Worksheet) and candidate.sheet_state == "visible":
            sheets.append(candidate)
    candidates = (
        [form_no] if form_no is not None else [n for n in PROBLEM_FORMS if _defined(policy, n)]
    )
    forms = [layout(policy, n) for n in candidates]
    form = _choose_form(path.name, forms, sheets)
    result = ReadResult(file=path.name, form=form.number)
    summary = policy.attachments.summary_sheet if policy.attachments else ""
    for ws in sheets:
        header = _find_header(ws, form)
        if header is None:
            if ws.title != summary:
                result.warnings.append(
                    f"{path.name} 工作表“{ws.title}”：没有找到附件{form.number}的表头，已跳过。"
                )
            continue
        _read_sheet(policy, form, ws, header, result, wb.epoch)
    _flag_duplicates(result)
    return result


def _defined(policy: Policy, number: int) -> bool:
    return policy.attachments is not None and any(
        f.number == number for f in policy.attachments.forms
    )


def _choose_form(name: str, forms: list[Layout], sheets: list[Worksheet]) -> Layout:
    if not forms:
        raise InputError("政策文件的 attachments 部分没有定义附件2、3、4。")
    scores: list[tuple[int, int, Layout]] = []
    for form in forms:
        titled = 0
        matched = 0
        for ws in sheets:
            header = _find_header(ws, form)
            if header is not None:
                matched = max(matched, len(header.columns))
            titled = max(titled, _title_score(ws, form))
        scores.append((titled, matched, form))
    scores.sort(key=lambda s: (s[0], s[1]), reverse=True)
    best = scores[0]
    if best[1] == 0:
        which = "、".join(f"附件{f.number}" for f in forms)
        raise InputError(
            f"{name} 中没有找到{which}的表头（如“地市”“报送单位”“联系人”“联系电话”），"
            "请检查是否选错了文件，或表头是否被改动。"
        )
    if len(scores) > 1 and scores[1][:2] == best[:2]:
        raise InputError(f"无法判断 {name} 是附件几，请用 --form 指定（2、3 或 4）。")
    return best[2]


def _title_score(ws: Worksheet, form: Layout) -> int:
    """2 when the sheet carries the form's title, 1 for its mark `附件N` alone."""
    score = 0
    title = squeeze(form.title)
    for row in ws.iter_rows(min_row=1, max_row=TITLE_SCAN_ROWS, values_only=True):
        for value in row:
            text = squeeze(cell_text(value)) if value is not None else ""
            if title and title in text:
                score = max(score, 2)
            elif text == squeeze(form.mark):
                score = max(score, 1)
    return score


def _find_header(ws: Worksheet, form: Layout) -> _Header | None:
    best: _Header | None = None
    last = min(ws.max_row, HEADER_SCAN_ROWS)
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=last), start=1):
        columns: dict[int, Column] = {}
        texts: dict[int, str] = {}
        unknown: list[str] = []
        for cell in row:
            if not isinstance(cell.value, str) or not cell.value.strip():
                continue
            index = int(cell.column)
            column = match_header(form, cell.value)
            if column is None:
                unknown.append(cell.value.strip())
            else:
                columns[index] = column
                texts[index] = " ".join(cell.value.split())
        distinct = len({c.position for c in columns.values()})
        if distinct >= MIN_HEADER_MATCHES and (best is None or distinct > len(best.columns)):
            best = _Header(r, columns, texts, unknown)
    return best


def _read_sheet(
    policy: Policy, form: Layout, ws: Worksheet, header: _Header, result: ReadResult, epoch: Any
) -> None:
    file, sheet = result.file, ws.title
    at_header = f"{file} 工作表“{sheet}” 第 {header.row} 行（表头）"
    errors: list[str] = []
    seen: dict[int, int] = {}
    for index, column in sorted(header.columns.items()):
        if column.position in seen:
            first = seen[column.position]
            errors.append(
                f"{at_header}：第 {get_column_letter(first)} 列“{header.texts[first]}”和"
                f"第 {get_column_letter(index)} 列“{header.texts[index]}”都是“{column.header}”列，"
                "请删除或改名其中一列"
            )
        seen[column.position] = index
    present = {c.position for c in header.columns.values()}
    stage_column = form.field_column("stage")
    for column in form.columns:
        if column is stage_column:
            continue  # the sheet's name may give the stage; checked below
        if column.position not in present and form.required_everywhere(column):
            errors.append(f"{at_header}：缺少“{column.header}”列（必填）")
    category = form.column("category")
    if len(form.categories) > 1 and category is not None and category.position not in present:
        errors.append(f"{at_header}：缺少“{category.header}”列，无法判断每行属于哪类问题")
    stages = [s.name for s in policy.stages]
    named = read_choice(sheet, stages)
    sheet_stage = None if isinstance(named, Bad) else named
    if sheet_stage is None and (stage_column is None or stage_column.position not in present):
        errors.append(f"{at_header}：没有“学段”列，工作表名称也不是学段，无法判断学段")
    if header.unknown:
        result.warnings.append(f"{at_header}：未识别的列已忽略：{'、'.join(header.unknown)}")
    if errors:
        result.errors += errors
        result.sheets[sheet] = 0
        return
    by_position = {column.position: index for index, column in header.columns.items()}
    filled = _merged_down(ws, header.row)
    notes = _note_rows(ws, header.row)
    issue = form.column("issue")
    count = 0
    for r in range(header.row + 1, ws.max_row + 1):
        if r in notes:
            continue
        cells: dict[int, Cell] = {}
        for position, index in by_position.items():
            sheet_cell = ws.cell(r, index)
            value = filled.get((r, index), sheet_cell.value)
            link = ""
            if (
                issue is not None
                and position == issue.position
                and sheet_cell.hyperlink is not None
            ):
                link = str(sheet_cell.hyperlink.target or "")
            cells[position] = Cell(value, link)
        seq = form.column("seq")
        if all(c.blank for p, c in cells.items() if seq is None or p != seq.position):
            continue
        row, problems = read_cells(policy, form, cells, sheet_stage=sheet_stage, epoch=epoch)
        for bad, reason in problems:
            if bad is not None and bad.position in by_position:
                index = by_position[bad.position]
                where = f"第 {get_column_letter(index)} 列（{header.texts[index]}）"
                result.errors.append(f"{file} 工作表“{sheet}” 第 {r} 行 {where}：{reason}")
            else:
                result.errors.append(f"{file} 工作表“{sheet}” 第 {r} 行：{reason}")
        if row is not None:
            result.rows.append(dataclasses.replace(row, source=Source(file, sheet, r)))
            count += 1
    result.sheets[sheet] = count


def _merged_down(ws: Worksheet, header_row: int) -> dict[tuple[int, int], Any]:
    """Values of cells under a vertical merge (one 地市 for many rows) taken from its top."""
    filled: dict[tuple[int, int], Any] = {}
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= header_row or merged.min_col != merged.max_col:
            continue
        top = ws.cell(merged.min_row, merged.min_col).value
        for r in range(merged.min_row + 1, merged.max_row + 1):
            filled[(r, merged.min_col)] = top
    return filled


def _note_rows(ws: Worksheet, header_row: int) -> set[int]:
    """Rows that are one wide merged cell, such as `填表说明：…` under the data."""
    notes: set[int] = set()
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= header_row or merged.max_col - merged.min_col + 1 < NOTE_MIN_SPAN:
            continue
        for r in range(merged.min_row, merged.max_row + 1):
            others = [
                cell.value
                for cell in ws[r]
                if cell.value not in (None, "")
                and not (merged.min_col <= int(cell.column) <= merged.max_col)
            ]
            if not others:
                notes.add(r)
    return notes


def _flag_duplicates(result: ReadResult) -> None:
    counts = Counter(row.fingerprint for row in result.rows)
    first: dict[str, SheetRow] = {}
    for row in result.rows:
        if counts[row.fingerprint] < 2:
            continue
        if row.fingerprint in first:
            earlier = first[row.fingerprint].source
            assert earlier is not None and row.source is not None
            result.warnings.append(
                f"{row.source.file} 工作表“{row.source.sheet}” 第 {row.source.row} 行："
                f"与工作表“{earlier.sheet}”第 {earlier.row} 行内容相同，可能重复填报"
            )
        else:
            first[row.fingerprint] = row

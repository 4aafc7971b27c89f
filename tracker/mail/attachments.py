"""What an attached file is: one of the policy's report forms (附件2/3/4) or something else.

`describe_attachment` is the one entry point. It recognises a form by the
title in the first rows of an `.xlsx` workbook or by the file name (its number,
e.g. `附件2`, or its title), and counts the filled rows below the header. A
full importer of the rows will replace the counting; keep callers on this
function.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

import openpyxl

from tracker.mail.names import key
from tracker.policy import Policy

XLSX_TYPES = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
XLS_TYPES = {"application/vnd.ms-excel"}
MAX_BYTES = 20 * 1024 * 1024  # larger workbooks are named, not opened
MAX_ROWS = 5000
MAX_COLUMNS = 60
TITLE_ROWS = 5  # rows searched for the form's title
HEADER_ROWS = 10  # rows searched for the column headings
_CHINESE_DIGITS = "零一二三四五六七八九"
_NOTE = re.compile(r"^[^:：\d]{1,12}[:：]")  # `填表人：…`, `说明：…` below the table


@dataclass(frozen=True)
class Attachment:
    """An attached file: `kind` is `form2`…, or `other`; `rows` None when not counted."""

    filename: str
    kind: str
    rows: int | None
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"filename": self.filename, "kind": self.kind, "rows": self.rows}
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True)
class FormName:
    kind: str
    number: str  # e.g. 附件2
    title: str  # e.g. 全国学生资助管理信息系统需求建议表
    short: str  # the title without what all titles share, e.g. 需求建议表


def form_names(policy: Policy) -> list[FormName]:
    """Return the policy's report forms: `report_form` is `<label><number> <title>`."""
    texts = list(dict.fromkeys(c.report_form for c in policy.categories if c.report_form))
    parsed: list[tuple[str, str, str]] = []
    for i, text in enumerate(texts):
        found = re.match(r"^(\D*?(\d+))\s*(.*)$", text.strip())
        if found:
            parsed.append((f"form{found.group(2)}", found.group(1), found.group(3)))
        else:
            parsed.append((f"form{i + 1}", "", text.strip()))
    titles = [title for _, _, title in parsed]
    shared = _common_prefix(titles) if len(titles) > 1 else ""
    return [
        FormName(kind, number, title, title[len(shared) :] or title)
        for kind, number, title in parsed
    ]


def _common_prefix(texts: list[str]) -> str:
    prefix = texts[0]
    for text in texts[1:]:
        while not text.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


def _number_forms(number: str) -> list[str]:
    """`附件2` and `附件二`: the number as digits and as a Chinese numeral (1-9)."""
    found = re.match(r"^(\D*)(\d)$", number)
    forms = [number]
    if found:
        forms.append(found.group(1) + _CHINESE_DIGITS[int(found.group(2))])
    return forms


def kind_of(text: str, forms: list[FormName]) -> str | None:
    """Return the form a text (file name or title rows) names, if exactly one."""
    typed = key(text)
    matches = []
    for form in forms:
        numbers = [key(n) for n in _number_forms(form.number) if n]
        by_number = any(re.search(re.escape(n) + r"(?!\d)", typed) for n in numbers)
        by_title = any(key(t) in typed for t in (form.title, form.short) if key(t))
        if by_number or by_title:
            matches.append(form.kind)
    return matches[0] if len(set(matches)) == 1 else None


def describe_attachment(
    policy: Policy, filename: str, content_type: str, data: bytes
) -> Attachment:
    """Return what an attached file is and, for an `.xlsx` workbook, how many rows it fills."""
    forms = form_names(policy)
    by_name = kind_of(filename, forms)
    lower = filename.lower()
    if lower.endswith((".xlsx", ".xlsm")) or content_type in XLSX_TYPES:
        if len(data) > MAX_BYTES:
            return Attachment(filename, by_name or "other", None, "文件过大，未读取行数")
        try:
            rows = _read_rows(data)
        except Exception:  # any failure of a third-party reader on hostile bytes
            return Attachment(
                filename, by_name or "other", None, "无法读取：文件已损坏或不是 xlsx 格式"
            )
        title = "".join("".join(row) for row in rows[:TITLE_ROWS])
        kind = kind_of(title, forms) or by_name or "other"
        return Attachment(filename, kind, _filled_rows(rows))
    if lower.endswith((".xls", ".et")) or content_type in XLS_TYPES:
        note = "旧版 Excel 格式无法读取行数，请另存为 .xlsx"
        return Attachment(filename, by_name or "other", None, note)
    return Attachment(filename, by_name or "other", None)


def _read_rows(data: bytes) -> list[list[str]]:
    """Return the first sheet's cells as text, up to MAX_ROWS x MAX_COLUMNS."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            rows: list[list[str]] = []
            for row in sheet.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLUMNS, values_only=True):
                rows.append(["" if v is None else str(v).strip() for v in row])
            return rows
        finally:
            book.close()


def _filled_rows(rows: list[list[str]]) -> int:
    """Count the rows below the header that carry data (a serial number alone is not data)."""
    header = next(
        (i for i, row in enumerate(rows[:HEADER_ROWS]) if sum(1 for v in row if v) >= 3), None
    )
    if header is None:
        return 0
    count = 0
    for row in rows[header + 1 :]:
        cells = [v for v in row if v]
        if not cells:
            continue
        if all(_NOTE.match(v) for v in cells):
            continue  # 填表人：…, 说明：…
        data = [v for j, v in enumerate(row) if v and not (j == 0 and re.fullmatch(r"\d+", v))]
        if data:
            count += 1
    return count

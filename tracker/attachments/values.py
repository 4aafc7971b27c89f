"""Cell values as people type them, read back as the values the forms hold.

Every reader here takes what a spreadsheet cell may hold (text, a number, a
date) and returns either the normalised value or a Chinese reason, never
raising: the caller collects the reasons of a whole file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900, from_excel

from tracker.pii import Kind, mask_text, scan

# Excel's cell limit; longer text is cut by Excel and refused by openpyxl's callers.
MAX_CELL_TEXT = 32767
# Dates before or after these are typing mistakes, not problem reports.
FIRST_YEAR = 2000
LAST_YEAR = 2099
DATE_HINT = "请写成 2025-09-30 或 2025年9月30日"

_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_INTEGER_TEXT = re.compile(r"[+]?(\d+)(?:\.0+)?")

# Whatever openpyxl puts in a cell: text, numbers, dates, times, or an object shown as text.
CellValue = object
# Characters XML 1.0 cannot hold (besides the control characters openpyxl already refuses).
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Bad:
    """Why a cell value cannot be used."""

    reason: str


def squeeze(text: str) -> str:
    """Return text as compared, not as kept: half-width, no spaces at all."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def clean_text(text: str) -> str:
    """Return text as a cell keeps it: only characters XML allows, LF line ends, no outer spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub("", ILLEGAL_CHARACTERS_RE.sub("", text)).strip()


def cell_text(value: CellValue) -> str:
    """Return any cell value as the text a person sees in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(str(value))


def quote(text: str, limit: int = 40) -> str:
    """Return a cell's text fit to quote in a message: personal numbers hidden, long text cut."""
    masked, _ = mask_personal(text, contact=False)
    masked = " ".join(masked.split())
    return masked if len(masked) <= limit else masked[: limit - 1] + "…"


def read_choice(
    value: CellValue, options: Iterable[str], aliases: dict[str, str] | None = None
) -> str | Bad:
    """Return the option a cell names, forgiving width, spaces and case."""
    text = cell_text(value)
    wanted = squeeze(text)
    choices = list(options)
    for option in choices:
        if squeeze(option) == wanted:
            return option
    for alias, option in (aliases or {}).items():
        if squeeze(alias) == wanted:
            return option
    shown = "、".join(choices[:8]) + ("等" if len(choices) > 8 else "")
    return Bad(f"“{quote(text)}”不是可选值，应为：{shown}")


def read_integer(value: CellValue) -> int | Bad:
    """Return a whole number typed as a number or as text (full-width digits too)."""
    if isinstance(value, bool):
        return Bad("应为整数")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else Bad(f"“{quote(cell_text(value))}”不是整数")
    text = cell_text(value)
    match = _INTEGER_TEXT.fullmatch(squeeze(text))
    if match is None:
        return Bad(f"“{quote(text)}”不是整数，请只填阿拉伯数字")
    return int(match.group(1))


def read_date(value: CellValue, epoch: datetime = CALENDAR_WINDOWS_1900) -> date | Bad:
    """Return a date from a date cell, an Excel serial number or a date typed as text."""
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value < 2958466:
            return Bad(f"“{quote(cell_text(value))}”不是日期，{DATE_HINT}")
        converted = from_excel(value, epoch)
        if not isinstance(converted, datetime):
            return Bad(f"“{quote(cell_text(value))}”不是日期，{DATE_HINT}")
        day = converted.date()
    else:
        text = cell_text(value)
        normal = unicodedata.normalize("NFKC", text).strip()
        match = _DATE_TEXT.fullmatch(normal) or _COMPACT_DATE.fullmatch(normal)
        if match is None:
            return Bad(f"“{quote(text)}”不是日期，{DATE_HINT}")
        try:
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return Bad(f"“{quote(text)}”不是真实的日期，{DATE_HINT}")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return Bad(f"日期 {day.isoformat()} 超出 {FIRST_YEAR}-{LAST_YEAR} 年，请检查年份")
    return day


def mask_personal(text: str, *, contact: bool) -> tuple[str, list[Kind]]:
    """Hide ID, bank card and mobile numbers; a contact column keeps its mobiles.

    Returns the masked text and the kinds of number hidden, in order.
    """
    findings = [f for f in scan(text) if not (contact and f.kind == "mobile")]
    if not findings:
        return text, []
    return mask_text(text, findings), [f.kind for f in findings]

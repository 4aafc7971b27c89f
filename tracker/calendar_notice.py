"""Read the State Council's yearly holiday notice into the policy's calendar.

The notice (国务院办公厅关于20XX年部分节假日安排的通知) gives, one holiday a
line, the days off and the weekend days worked instead, e.g.

    二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。
    1月26日（周日）、2月8日（周六）上班。

or in the style used before 2025: `1月1日放假，1月2日（星期一）补休。`,
`5月1日放假，与周末连休。`. Pasted text varies (full-width or ASCII
punctuation, 星期 or 周, stray spaces, a reprint header); it is normalised
first. Text that looks like an arrangement but is not understood is an error
naming its line, never skipped: a deadline computed from a half-read notice
would be silently wrong. The result is checked against itself (the weekday
each date is given, the 共N天 counts) and against the 办法 (every statutory
holiday must be accounted for).

`insert_years` puts the result into a policy file as text, so every other byte
of the file, comments included, stays as it was.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml

from tracker.calendar import statutory_year
from tracker.errors import InputError, PolicyError, ZzxtError
from tracker.policy import Policy, YearOverride, parse_policy

WEEKDAY_NAMES = "一二三四五六日"

_TITLE = re.compile(r"国务院办公厅关于(\d{4})年部分节假日安排的通知")
_NUMBER = re.compile(r"国办发(?:明电)?〔\d{4}〕\d+号")
_ENUM = r"(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十]+\)|\d{1,2}[、.])"
_KNOWN = r"(?:元旦|新年|春节|清明节?|劳动节|五一|端午节?|中秋节?|国庆节?)"
_NAMES = rf"{_KNOWN}(?:[、和与及]{_KNOWN})*"
# A line opening a holiday's arrangement: "一、元旦：…", or "元旦：…" without the number.
_HEADER = re.compile(rf"^(?:{_ENUM}(?P<any>[^:]{{1,30}})|(?P<known>{_NAMES})):(?P<body>.*)$")
_LOOKS_NUMBERED = re.compile(rf"^{_ENUM}")
_LOOKS_NAMED = re.compile(rf"^{_NAMES}")
_ONLY_NAMES = re.compile(rf"^{_NAMES}$")
_MONTH_DAY = re.compile(r"\d{1,2}月\d{1,2}日")
_VERBS = re.compile(r"放假|上班|补休|补假|补班|调休|连休|休息")
_SIGNATURE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
# Where one pasted paragraph holds several holidays: "。二、春节：".
_NEXT_SECTION = re.compile(rf"(?<=。)(?={_ENUM}[^:。]{{1,30}}:)")

_DATE = r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?:\((?P<note>[^()]*)\))?"
_END = r"(?:(?:(?P<y2>\d{4})年)?(?P<m2>\d{1,2})月)?(?P<d2>\d{1,2})日(?:\((?P<note2>[^()]*)\))?"
_RANGE = re.compile(
    rf"^{_DATE}(?:(?:至|到|-|~|—|–){_END})?"
    r"(?:放假调休|放假公休|调休放假|放假|休息|休假)(?:(?P<count>\d+)天)?$"
)
_LIST_ITEM = re.compile(rf"^{_DATE}$")
_WORK = re.compile(r"^(?P<list>.+?)(?:正常上班|上班|补班)$")
_MAKE_UP = re.compile(r"^(?P<list>.+?)(?:补休|补假)(?:\d+天)?$")
_COUNT = re.compile(r"^共(?P<count>\d+)天$")
_NOTHING = re.compile(r"^(?:不调休|不补休|不补假|与周末连休|连休)$")
_LUNAR = (
    r"(?:农历[^、,]{1,8}|除夕|[正腊冬十一二三四五六七八九]+月[^、,]{1,4}|初[一二三四五六七八九十])"
)
_NOTE = re.compile(rf"^(?:{_LUNAR}[、,]?)?(?:(?:星期|周|礼拜)(?P<w>[一二三四五六日天]))?$")

MAX_SPAN = 15


@dataclass(frozen=True)
class Notice:
    """One year's arrangement as read from its notice."""

    year: int
    source: str
    holidays: tuple[date, ...]
    workdays: tuple[date, ...]
    # Days the notice fixes in a neighbouring year (元旦 starting on 30 December).
    other_years: Mapping[int, YearOverride] = field(default_factory=dict)

    def blocks(self) -> dict[int, YearOverride]:
        """Return the policy's `calendar.years` entries: the year, and any neighbour."""
        main = YearOverride(
            complete=True,
            source=self.source,
            holidays=list(self.holidays),
            workdays=list(self.workdays),
        )
        return {self.year: main, **self.other_years}


@dataclass
class _Section:
    line: int
    text: str
    holidays: set[date] = field(default_factory=set)
    workdays: set[date] = field(default_factory=set)
    ranges: list[tuple[date, date, int | None]] = field(default_factory=list)


class _LineError(Exception):
    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def normalise(line: str) -> str:
    """Return a pasted line with full-width forms made ASCII and all spaces removed."""
    line = unicodedata.normalize("NFKC", line)
    return "".join(ch for ch in line if not ch.isspace() and unicodedata.category(ch) != "Cf")


def parse_notice(text: str, year: int | None = None, name: str = "通知") -> Notice:
    """Read a pasted notice; raise InputError naming the line of anything not understood."""
    raw_lines = text.splitlines()
    lines = [normalise(raw) for raw in raw_lines]
    titled = _title_year(lines)
    if year is None:
        if titled is None:
            raise InputError(
                f"{name}中没有找到标题“国务院办公厅关于20XX年部分节假日安排的通知”，无法确定年份。"
                "请连同标题一起粘贴，或用 --year 指定年份。"
            )
        year = titled
    elif titled is not None and titled != year:
        raise InputError(
            f"{name}的标题是 {titled} 年的通知，与 --year {year} 不一致。请核对年份或通知。"
        )
    sections = _sections(lines, raw_lines, year, name)
    if not sections:
        raise InputError(
            f"{name}中没有找到放假安排（形如“一、元旦：1月1日放假……”的行）。请粘贴通知全文后重试。"
        )
    holidays: set[date] = set()
    workdays: set[date] = set()
    for section in sections:
        holidays |= section.holidays
        workdays |= section.workdays
    clash = sorted(holidays & workdays)
    if clash:
        raise InputError(f"{name}中 {_cn(clash[0])} 既是放假日又是上班日，请核对通知原文。")
    _check_statutory(year, holidays, workdays, name)
    return Notice(
        year=year,
        source=_source(lines, year),
        holidays=tuple(sorted(d for d in holidays if d.year == year)),
        workdays=tuple(sorted(d for d in workdays if d.year == year)),
        other_years=_neighbours(year, holidays, workdays, name),
    )


def _title_year(lines: list[str]) -> int | None:
    for line in lines:
        found = _TITLE.search(line)
        if found:
            return int(found.group(1))
    return None


def _source(lines: list[str], year: int) -> str:
    title = f"国务院办公厅关于{year}年部分节假日安排的通知"
    for line in lines:
        number = _NUMBER.search(line)
        if number:
            return f"{title}（{number.group(0)}）"
    return title


def _sections(lines: list[str], raw_lines: list[str], year: int, name: str) -> list[_Section]:
    sections: list[_Section] = []
    for number, line in enumerate(lines, start=1):
        for part in _NEXT_SECTION.split(line):
            try:
                section = _read_line(part, year, sections)
            except _LineError as error:
                raise InputError(
                    f"{name}第 {number} 行无法识别：“{raw_lines[number - 1].strip()}”——{error.problem}。"
                    "请对照通知原文修改这一行（或删除与放假安排无关的内容）后重试，未写入任何内容。"
                ) from None
            if section is not None:
                section.line = number
                sections.append(section)
    for section in sections:
        try:
            _check_counts(section)
        except _LineError as error:
            raise InputError(
                f"{name}第 {section.line} 行有误：“{raw_lines[section.line - 1].strip()}”——"
                f"{error.problem}。请对照通知原文核对，未写入任何内容。"
            ) from None
    return sections


def _read_line(line: str, year: int, sections: list[_Section]) -> _Section | None:
    """Read one line: a new holiday, more of the last one, or text to pass over."""
    header = _HEADER.match(line)
    has_date = _MONTH_DAY.search(line) is not None
    named = header is not None and _ONLY_NAMES.match(header.group("any") or header.group("known"))
    if header and (named or has_date):
        section = _Section(line=0, text=line)
        _read_body(header.group("body"), year, section)
        if not section.holidays:
            raise _LineError("没有找到放假日期")
        return section
    if has_date and (_LOOKS_NUMBERED.match(line) or _LOOKS_NAMED.match(line)):
        raise _LineError("看起来是放假安排，但不是“一、节日名：日期放假……”的格式")
    if sections and has_date and _VERBS.search(line) and not _SIGNATURE.match(line):
        # The rest of the previous holiday, wrapped onto a line of its own.
        _read_body(line, year, sections[-1])
    return None


def _read_body(body: str, year: int, section: _Section) -> None:
    for sentence in re.split(r"[。;]", body):
        for clause in _clauses(sentence):
            _read_clause(clause, year, section)


def _clauses(sentence: str) -> list[str]:
    return [part for part in _split_outside(sentence, ",") if part]


def _split_outside(text: str, separators: str) -> list[str]:
    """Split on any of `separators` where it is not inside parentheses."""
    parts: list[str] = []
    depth = 0
    current = ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        if ch in separators and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def _read_clause(clause: str, year: int, section: _Section) -> None:
    if _NOTHING.match(clause):
        return
    found = _COUNT.match(clause)
    if found:
        if not section.ranges:
            raise _LineError(f"“{clause}”之前没有放假日期")
        first, last, count = section.ranges[-1]
        if count is not None and count != int(found.group("count")):
            raise _LineError(f"“{clause}”与前面的天数不一致")
        section.ranges[-1] = (first, last, int(found.group("count")))
        return
    found = _RANGE.match(clause)
    if found:
        first, last = _range(found, year)
        count = int(found.group("count")) if found.group("count") else None
        section.ranges.append((first, last, count))
        day = first
        while day <= last:
            section.holidays.add(day)
            day += timedelta(days=1)
        return
    found = _MAKE_UP.match(clause)
    if found:
        for day in _date_list(found.group("list"), year):
            section.holidays.add(day)
        return
    found = _WORK.match(clause)
    if found:
        for day in _date_list(found.group("list"), year):
            if day.weekday() < 5:
                raise _LineError(f"上班日 {_cn(day)} 本来就是工作日，调休上班日应是周六或周日")
            section.workdays.add(day)
        return
    raise _LineError(f"不理解“{clause}”")


def _range(found: re.Match[str], year: int) -> tuple[date, date]:
    """Resolve a range's dates; one written 12月31日至1月2日 starts in the year before."""
    y1, y2 = found.group("y"), found.group("y2")
    m1, d1 = int(found.group("m")), int(found.group("d"))
    m2 = int(found.group("m2")) if found.group("m2") else m1
    d2 = int(found.group("d2")) if found.group("d2") else d1
    if found.group("d2") is None:
        first = _make_date(int(y1) if y1 else year, m1, d1, year)
        _check_note(first, found.group("note"))
        return first, first
    backwards = (m2, d2) < (m1, d1)
    if y1 and y2:
        start_year, end_year = int(y1), int(y2)
    elif y1:
        start_year = int(y1)
        end_year = start_year + 1 if backwards else start_year
    elif y2:
        end_year = int(y2)
        start_year = end_year - 1 if backwards else end_year
    else:
        end_year = year
        start_year = year - 1 if backwards else year
    first = _make_date(start_year, m1, d1, year)
    last = _make_date(end_year, m2, d2, year)
    _check_note(first, found.group("note"))
    _check_note(last, found.group("note2"))
    if last < first:
        raise _LineError(f"放假区间的结束日 {_cn(last)} 早于开始日 {_cn(first)}")
    if (last - first).days >= MAX_SPAN:
        raise _LineError(f"放假区间 {_cn(first)} 至 {_cn(last)} 超过 {MAX_SPAN} 天，不像节假日安排")
    return first, last


def _date_list(text: str, year: int) -> list[date]:
    days = []
    for item in _split_outside(text, "、和及,"):
        found = _LIST_ITEM.match(item)
        if not found:
            raise _LineError(f"“{item}”不是日期（应写作“1月26日（周日）”）")
        written = int(found.group("y")) if found.group("y") else year
        day = _make_date(written, int(found.group("m")), int(found.group("d")), year)
        _check_note(day, found.group("note"))
        days.append(day)
    return days


def _make_date(year: int, month: int, day: int, notice_year: int) -> date:
    """Make a date the notice for `notice_year` can arrange: that year or a neighbour."""
    if abs(year - notice_year) > 1:
        raise _LineError(f"{notice_year} 年的通知不会安排 {year} 年的日期，请核对年份")
    try:
        return date(year, month, day)
    except ValueError:
        raise _LineError(f"{year}年{month}月{day}日不是有效日期") from None


def _check_note(day: date, note: str | None) -> None:
    """Check the weekday written after a date: a mismatch means a typo or the wrong year."""
    if not note:
        return
    found = _NOTE.match(note)
    if not found:
        raise _LineError(f"括号中的“{note}”无法识别（应为星期几，可带农历日期）")
    written = found.group("w")
    if written is None:
        return
    index = 6 if written == "天" else WEEKDAY_NAMES.index(written)
    if index != day.weekday():
        raise _LineError(
            f"{_cn(day)} 是星期{WEEKDAY_NAMES[day.weekday()]}，通知中写的是星期{written}；"
            "请核对年份（--year）或日期"
        )


def _check_counts(section: _Section) -> None:
    """Check each 共N天 against its range, counted alone or with the weekend it joins."""
    for first, last, count in section.ranges:
        if count is None:
            continue
        alone = (last - first).days + 1
        joined = _run_length(first, last, section)
        if count not in (alone, joined):
            raise _LineError(
                f"{_cn(first)} 至 {_cn(last)} 共 {alone} 天，连同相邻周末共 {joined} 天，"
                f"但通知中写的是共 {count} 天"
            )


def _run_length(first: date, last: date, section: _Section) -> int:
    def off(day: date) -> bool:
        if day in section.workdays:
            return False
        return day in section.holidays or day.weekday() >= 5

    while off(first - timedelta(days=1)):
        first -= timedelta(days=1)
    while off(last + timedelta(days=1)):
        last += timedelta(days=1)
    return (last - first).days + 1


def _check_statutory(year: int, holidays: set[date], workdays: set[date], name: str) -> None:
    """Every holiday the 办法 grants must be off: otherwise a line is missing."""
    statutory = statutory_year(year)
    if statutory is None:
        return
    for day, holiday in sorted(statutory.holidays.items()):
        if day in holidays or (day.weekday() >= 5 and day not in workdays):
            continue
        raise InputError(
            f"{name}中没有{holiday}（{_cn(day)}）的放假安排：这一天是法定节假日，"
            "却既未列为放假日，也不是休息的周末。可能漏粘贴了一行，或某行写法未被识别；"
            "请粘贴通知全文后重试，未写入任何内容。"
        )


def _neighbours(
    year: int, holidays: set[date], workdays: set[date], name: str
) -> dict[int, YearOverride]:
    others: dict[int, YearOverride] = {}
    for other in sorted({d.year for d in holidays | workdays} - {year}):
        if abs(other - year) > 1:
            raise InputError(f"{name}是 {year} 年的通知，却安排了 {other} 年的日期，请核对年份。")
        others[other] = YearOverride(
            source=f"国务院办公厅关于{year}年部分节假日安排的通知（跨年部分）",
            holidays=sorted(d for d in holidays if d.year == other),
            workdays=sorted(d for d in workdays if d.year == other),
        )
    return others


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# Writing the policy.


def render_blocks(blocks: Mapping[int, YearOverride], indent: int = 4, step: int = 2) -> list[str]:
    """Return `calendar.years` entries as YAML lines (without line ends)."""
    lines: list[str] = []
    for year in sorted(blocks):
        block = blocks[year]
        pad = " " * indent
        inner = " " * (indent + step)
        lines.append(f"{pad}{year}:")
        lines.append(f"{inner}complete: {'true' if block.complete else 'false'}")
        if block.source:
            lines.append(f"{inner}source: {_scalar(block.source)}")
        lines += _flow_list(inner, "holidays", block.holidays, step)
        lines += _flow_list(inner, "workdays", block.workdays, step)
    return lines


def render_fragment(blocks: Mapping[int, YearOverride]) -> str:
    """Return the entries as a YAML document with their place in the policy."""
    return "\n".join(["calendar:", "  years:", *render_blocks(blocks)]) + "\n"


def fragment_data(blocks: Mapping[int, YearOverride]) -> dict[str, object]:
    """Return the entries as plain data (for JSON), shaped like the YAML fragment."""
    years = {
        str(year): {
            "complete": block.complete,
            "source": block.source,
            "holidays": [d.isoformat() for d in block.holidays],
            "workdays": [d.isoformat() for d in block.workdays],
        }
        for year, block in sorted(blocks.items())
    }
    return {"calendar": {"years": years}}


def _scalar(text: str) -> str:
    try:
        if yaml.safe_load(f"k: {text}") == {"k": text}:
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(text, ensure_ascii=False)


def _flow_list(pad: str, key: str, days: Iterable[date], step: int, width: int = 96) -> list[str]:
    items = [d.isoformat() for d in days]
    lines: list[str] = []
    current = f"{pad}{key}: ["
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else "")
        if current.endswith(("[", ",")) and len(current) + 1 + len(piece) > width and i > 0:
            lines.append(current)
            current = pad + " " * step + piece
        else:
            current += ("" if current.endswith("[") else " ") + piece
    lines.append(current + "]")
    return lines


def merge_neighbours(notice: Notice, policy: Policy) -> dict[int, YearOverride]:
    """Return the blocks to write: the year as read, neighbours merged into what is there."""
    blocks = notice.blocks()
    for year, extra in notice.other_years.items():
        old = policy.calendar.years.get(year)
        if old is None:
            continue
        holidays = (set(old.holidays) - set(extra.workdays)) | set(extra.holidays)
        workdays = (set(old.workdays) - set(extra.holidays)) | set(extra.workdays)
        blocks[year] = YearOverride(
            complete=old.complete,
            source=old.source or extra.source,
            holidays=sorted(holidays),
            workdays=sorted(workdays),
        )
    return blocks


def insert_years(
    text: str, blocks: Mapping[int, YearOverride], existing: Mapping[int, YearOverride]
) -> str:
    """Return the policy text with `calendar.years.<year>` set to each block.

    `existing` is the policy's `calendar.years` as parsed from `text`. Only the
    lines of the entries replaced change, or the whole `years` mapping when it
    is written in flow style (`years: {}`); every other byte, comments
    included, is kept.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        raise PolicyError("政策文件的顶层应为键值对。")
    step = _indent_step(root)
    calendar = _child(root, "calendar")
    if calendar is None:
        added = ["calendar:", " " * step + "years:", *render_blocks(blocks, 2 * step, step)]
        return "".join(lines) + "".join(line + newline for line in added)
    key, value = calendar
    if not isinstance(value, yaml.MappingNode) or value.flow_style:
        raise PolicyError(
            "政策文件的 calendar 不是多行的键值对写法，无法自动写入。请改为多行写法后重试。"
        )
    years = _child(value, "years")
    child_indent = (
        value.value[0][0].start_mark.column if value.value else key.start_mark.column + step
    )
    if years is None:
        at = _last_line(value) + 1
        added = [" " * child_indent + "years:", *render_blocks(blocks, child_indent + step, step)]
        lines[at:at] = [line + newline for line in added]
        return "".join(lines)
    years_key, years_value = years
    entry_indent = years_key.start_mark.column + step
    if isinstance(years_value, yaml.MappingNode) and not years_value.flow_style:
        return _edit_block_years(lines, years_value, blocks, newline, step)
    # Flow style, e.g. `years: {}`: rewrite the whole mapping as block entries.
    merged = dict(existing)
    merged.update(blocks)
    start, end = years_value.start_mark, years_value.end_mark
    head = lines[start.line][: start.column].rstrip()
    tail = lines[end.line][end.column :]
    rest = tail.strip()
    if rest and not rest.startswith("#"):
        raise PolicyError("政策文件中 years 后面还有其他内容，无法自动写入。")
    first_line = head + (tail.rstrip("\r\n") if rest else "") + newline
    added = [line + newline for line in render_blocks(merged, entry_indent, step)]
    lines[start.line : end.line + 1] = [first_line, *added]
    return "".join(lines)


def _edit_block_years(
    lines: list[str],
    years_value: yaml.MappingNode,
    blocks: Mapping[int, YearOverride],
    newline: str,
    step: int,
) -> str:
    entries: list[tuple[int, yaml.Node, yaml.Node]] = []
    for key_node, value_node in years_value.value:
        try:
            entries.append((int(key_node.value), key_node, value_node))
        except (TypeError, ValueError):
            raise PolicyError(
                f"政策文件第 {key_node.start_mark.line + 1} 行：calendar.years 的键应为年份。"
            ) from None
    indent = entries[0][1].start_mark.column
    # Work from the bottom up so that earlier line numbers stay valid.
    edits: list[tuple[int, int, list[str]]] = []
    for year in sorted(blocks):
        rendered = [line + newline for line in render_blocks({year: blocks[year]}, indent, step)]
        same = [e for e in entries if e[0] == year]
        if len(same) > 1:
            raise PolicyError(
                f"政策文件的 calendar.years 中 {year} 出现了不止一次，请先删除重复的一项。"
            )
        if same:
            _, key_node, value_node = same[0]
            edits.append((key_node.start_mark.line, _last_line(value_node) + 1, rendered))
            continue
        before = [e for e in entries if e[0] < year]
        if before:
            at = _last_line(max(before, key=lambda e: e[0])[2]) + 1
        else:
            at = _first_entry_line(lines, entries)
        edits.append((at, at, rendered))
    for start, stop, rendered in sorted(edits, key=lambda e: e[0], reverse=True):
        lines[start:stop] = rendered
    return "".join(lines)


def _first_entry_line(lines: list[str], entries: list[tuple[int, yaml.Node, yaml.Node]]) -> int:
    """Return the line above the first entry and the comments written right above it."""
    at: int = min(e[1].start_mark.line for e in entries)
    while at > 0 and lines[at - 1].lstrip().startswith("#"):
        at -= 1
    return at


def _child(node: yaml.MappingNode, name: str) -> tuple[yaml.Node, yaml.Node] | None:
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == name:
            return key_node, value_node
    return None


def _last_line(node: yaml.Node) -> int:
    """Return the 0-based line of the node's last character (not of what follows it)."""
    if isinstance(node, yaml.MappingNode) and not node.flow_style:
        return max(_last_line(n) for pair in node.value for n in pair)
    if isinstance(node, yaml.SequenceNode) and not node.flow_style:
        return max(_last_line(n) for n in node.value)
    end = node.end_mark
    line: int = end.line if end.column > 0 else end.line - 1
    return max(line, node.start_mark.line)


def _indent_step(root: yaml.MappingNode) -> int:
    for key_node, value_node in root.value:
        if (
            isinstance(value_node, yaml.MappingNode)
            and not value_node.flow_style
            and value_node.value
        ):
            step: int = value_node.value[0][0].start_mark.column - key_node.start_mark.column
            if step > 0:
                return step
    return 2


def read_policy_text(path: Path) -> str:
    """Read a policy file as is (line ends kept); errors as PolicyError."""
    try:
        with path.open(encoding="utf-8", newline="") as file:
            return file.read()
    except FileNotFoundError:
        raise PolicyError(f"找不到政策文件 {path}，请检查 --write 的路径。") from None
    except UnicodeDecodeError:
        raise PolicyError(f"政策文件 {path} 不是 UTF-8 编码，请另存为 UTF-8 后重试。") from None
    except OSError as exc:
        raise PolicyError(f"无法读取政策文件 {path}：{exc.strerror}") from None


def write_notice(path: Path, notice: Notice) -> dict[int, YearOverride]:
    """Put the notice's years into the policy file at `path`, atomically; return what was written.

    The file must be a valid policy before and after; otherwise nothing is written.
    """
    text = read_policy_text(path)
    current = parse_policy(text, str(path))
    blocks = merge_neighbours(notice, current)
    updated = insert_years(text, blocks, current.calendar.years)
    try:
        result = parse_policy(updated, str(path))
    except PolicyError as error:
        raise ZzxtError(
            f"写入后的政策文件未通过校验，已放弃写入，原文件未改动：\n{error.message}"
        ) from None
    for year, block in blocks.items():
        written = result.calendar.years.get(year)
        if written is None or _as_sets(written) != _as_sets(block):
            raise ZzxtError(f"写入后读出的 {year} 年安排与导入的不一致，已放弃写入，原文件未改动。")
    _replace(path, updated)
    return blocks


def _as_sets(block: YearOverride) -> tuple[bool, str, frozenset[date], frozenset[date]]:
    return block.complete, block.source, frozenset(block.holidays), frozenset(block.workdays)


def _replace(path: Path, text: str) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        shutil.copymode(path, temp)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise

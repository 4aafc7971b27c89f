"""One reported problem as a row of 附件2-4, both ways.

`display_cells` turns a problem read from the tracker into the cells a sheet
shows; `read_cells` turns the cells of a sheet (ours or a city's) back into a
`SheetRow`, collecting every reason a cell cannot be used. Export and import
share `read_cells`, so what one writes the other reads.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900
from pydantic import BaseModel, ConfigDict

from tracker.attachments.layout import Column, Layout
from tracker.attachments.values import (
    MAX_CELL_TEXT,
    Bad,
    CellValue,
    cell_text,
    clean_text,
    mask_personal,
    quote,
    read_choice,
    read_date,
    read_integer,
)
from tracker.pii import Kind
from tracker.policy import Policy

_ISSUE_NUMBER = re.compile(r"#?\s*(\d+)")
_ISSUE_URL = re.compile(r"https?://\S+?/(?:issues|pull|pulls)/(\d+)/?(?:[#?]\S*)?")

Problem = tuple[Column | None, str]


@dataclass(frozen=True)
class Cell:
    """A cell as read or written: its value and, for the issue column, its link."""

    value: CellValue
    link: str = ""

    @property
    def blank(self) -> bool:
        return cell_text(self.value) == "" and not self.link


@dataclass(frozen=True)
class Source:
    """Where an imported row was found."""

    file: str
    sheet: str
    row: int

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "sheet": self.sheet, "row": self.row}


@dataclass(frozen=True)
class PiiHit:
    """A personal number hidden in a cell on the way in."""

    column: str
    kind: Kind

    def as_dict(self) -> dict[str, str]:
        return {"column": self.column, "kind": self.kind}


@dataclass(frozen=True)
class SheetRow:
    """A problem as 附件2-4 hold it: the form's field values plus the tracker's columns."""

    form: int
    category: str
    stage: str
    fields: dict[str, str]
    created: str = ""  # ISO date, or "" when the sheet has none
    number: int | None = None
    url: str = ""
    progress: str = ""
    seq: int | None = None
    pii: tuple[PiiHit, ...] = ()
    source: Source | None = field(default=None, compare=False)

    @property
    def fingerprint(self) -> str:
        """Return a stable hash of what was reported (not of numbering, progress or place)."""
        payload = [
            self.form,
            self.category,
            self.stage,
            sorted((key, " ".join(value.split())) for key, value in self.fields.items()),
            self.created,
        ]
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]

    def as_dict(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "category": self.category,
            "stage": self.stage,
            "fields": dict(self.fields),
            "created": self.created or None,
            "number": self.number,
            "url": self.url or None,
            "progress": self.progress,
            "seq": self.seq,
            "pii": [hit.as_dict() for hit in self.pii],
            "source": self.source.as_dict() if self.source else None,
            "fingerprint": self.fingerprint,
        }


class ExportRow(BaseModel):
    """A problem read from the tracker, as handed to the exporter (extra keys are ignored)."""

    model_config = ConfigDict(extra="ignore")

    number: int | None = None
    url: str = ""
    created: str | None = None  # ISO date or date-time
    state: Literal["open", "closed"] | None = None
    progress: str = ""
    category: str
    subcategory: str = ""
    fields: dict[str, str | int | float | list[str] | None] = {}


def category_names(policy: Policy, layout: Layout) -> dict[str, str]:
    return {policy.category(key).name: key for key in layout.categories}


def _category_aliases(policy: Policy, layout: Layout) -> dict[str, str]:
    """Keys and names without their trailing 问题 (`应用类`) name a category too."""
    aliases: dict[str, str] = {}
    for key in layout.categories:
        name = policy.category(key).name
        aliases[key] = name
        if name.endswith("问题") and len(name) > 2:
            aliases[name[:-2]] = name
    return aliases


# Reading.


def read_cells(
    policy: Policy,
    layout: Layout,
    cells: Mapping[int, Cell],
    *,
    sheet_stage: str | None,
    epoch: datetime = CALENDAR_WINDOWS_1900,
) -> tuple[SheetRow | None, list[Problem]]:
    """Read one row: a `SheetRow`, or None and every reason the row cannot be used."""
    problems: list[Problem] = []

    def cell(column: Column | None) -> Cell:
        return cells.get(column.position, Cell(None)) if column else Cell(None)

    category = _read_category(policy, layout, cell(layout.column("category")), problems)
    stage = _read_stage(policy, layout, cells, sheet_stage, problems)
    fields: dict[str, str] = {}
    hits: list[PiiHit] = []
    for column in layout.columns:
        if not column.field_ids or column.field_ids == ("stage",):
            continue
        value = _read_field(policy, layout, column, category, cell(column), problems, hits, epoch)
        if value is not None:
            fields[value[0]] = value[1]
    if stage and any("stage" in layout.elements[key] for key in layout.categories):
        fields["stage"] = stage
    created = ""
    created_column = layout.column("created")
    if created_column and not cell(created_column).blank:
        day = read_date(cell(created_column).value, epoch)
        if isinstance(day, Bad):
            problems.append((created_column, day.reason))
        else:
            created = day.isoformat()
    number, url = _read_issue(layout.column("issue"), cell(layout.column("issue")), problems)
    progress = ""
    progress_column = layout.column("progress")
    if progress_column:
        progress, kinds = mask_personal(cell_text(cell(progress_column).value), contact=False)
        hits += [PiiHit(progress_column.header, kind) for kind in kinds]
    seq_column = layout.column("seq")
    seq = (
        read_integer(cell(seq_column).value) if seq_column and not cell(seq_column).blank else None
    )
    if problems or category is None or stage is None:
        return None, problems
    row = SheetRow(
        form=layout.number,
        category=category,
        stage=stage,
        fields=fields,
        created=created,
        number=number,
        url=url,
        progress=progress,
        seq=seq if isinstance(seq, int) else None,
        pii=tuple(hits),
    )
    return row, []


def _read_category(
    policy: Policy, layout: Layout, cell: Cell, problems: list[Problem]
) -> str | None:
    column = layout.column("category")
    names = category_names(policy, layout)
    if column is None or cell.blank:
        if len(layout.categories) == 1:
            return layout.categories[0]
        problems.append((column, f"不能为空，应为：{'、'.join(names)}"))
        return None
    choice = read_choice(cell.value, names, _category_aliases(policy, layout))
    if isinstance(choice, Bad):
        problems.append((column, choice.reason))
        return None
    return names[choice]


def _read_stage(
    policy: Policy,
    layout: Layout,
    cells: Mapping[int, Cell],
    sheet_stage: str | None,
    problems: list[Problem],
) -> str | None:
    column = layout.field_column("stage")
    stages = [s.name for s in policy.stages]
    value = cells.get(column.position, Cell(None)) if column else Cell(None)
    if column is None or value.blank:
        if sheet_stage is not None:
            return sheet_stage
        problems.append((column, "不能为空：请填写学段，或把工作表命名为学段名称（如“义务教育”）"))
        return None
    choice = read_choice(value.value, stages)
    if isinstance(choice, Bad):
        problems.append((column, choice.reason))
        return None
    if sheet_stage is not None and choice != sheet_stage:
        problems.append((column, f"“{choice}”与所在工作表“{sheet_stage}”的学段不一致"))
        return None
    return choice


def _read_field(
    policy: Policy,
    layout: Layout,
    column: Column,
    category: str | None,
    cell: Cell,
    problems: list[Problem],
    hits: list[PiiHit],
    epoch: datetime,
) -> tuple[str, str] | None:
    if category is not None:
        element = layout.element(column, category)
    else:
        # The category is unreadable: still check what every category's form shares.
        common = {f.id for f in policy.forms.common}
        shared = [f for f in column.field_ids if f in common]
        element = layout.element(column, layout.categories[0]) if shared else None
        if element is None:
            return None
    if element is None:
        if not cell.blank:
            name = policy.category(category).name if category else ""
            problems.append((column, f"{name}不填写此列，请留空或检查问题类别"))
        return None
    if cell.blank:
        if element.required:
            problems.append((column, "不能为空"))
        return element.id, ""
    if element.type == "dropdown":
        choice = read_choice(cell.value, element.options)
        if isinstance(choice, Bad):
            problems.append((column, choice.reason))
            return None
        return element.id, choice
    if column.kind == "integer":
        number = read_integer(cell.value)
        if isinstance(number, Bad):
            problems.append((column, number.reason))
            return None
        if number < 1:
            problems.append((column, f"“{number}”应为正整数"))
            return None
        return element.id, str(number)
    if column.kind == "date":
        day = read_date(cell.value, epoch)
        if isinstance(day, Bad):
            problems.append((column, day.reason))
            return None
        return element.id, day.isoformat()
    text, kinds = mask_personal(cell_text(cell.value), contact=column.contact)
    hits += [PiiHit(column.header, kind) for kind in kinds]
    return element.id, text


def _read_issue(
    column: Column | None, cell: Cell, problems: list[Problem]
) -> tuple[int | None, str]:
    if column is None or cell.blank:
        return None, ""
    text = cell_text(cell.value)
    link = cell.link.strip()
    if link and not link.lower().startswith(("http://", "https://")):
        link = ""
    url_match = _ISSUE_URL.fullmatch(text)
    if url_match:
        return int(url_match.group(1)), link or text
    number_match = _ISSUE_NUMBER.fullmatch(text)
    if number_match:
        return int(number_match.group(1)), link
    if not text and link:
        found = _ISSUE_URL.fullmatch(link)
        return (int(found.group(1)) if found else None), link
    problems.append((column, f"“{quote(text)}”不是问题编号，应写作 #12 或问题的链接"))
    return None, ""


# Writing.


@dataclass(frozen=True)
class Prepared:
    """A problem ready for a sheet: which stage sheet it goes on and its cells by column."""

    stage: str
    category: str
    cells: dict[int, Cell]
    label: str  # how warnings name it: "第 3 条（#12）"


def display_cells(
    policy: Policy, layout: Layout, row: ExportRow, index: int, zone: ZoneInfo
) -> Prepared | str:
    """Return the cells a sheet shows for one problem, or why it has no place on this form."""
    label = f"第 {index} 条" + (f"（#{row.number}）" if row.number is not None else "")
    names = category_names(policy, layout)
    category = row.category if row.category in layout.categories else None
    if category is None:
        choice = read_choice(row.category, list(names), _category_aliases(policy, layout))
        category = None if isinstance(choice, Bad) else names[choice]
    if category is None:
        served = "、".join(names)
        return f"{label}：类别“{quote(row.category)}”不由附件{layout.number} 报送（附件{layout.number} 报送{served}）"
    if row.created and _day(row.created, zone) is None:
        return f"{label}：提交时间“{quote(row.created)}”无法识别，应为 ISO 8601 格式，如 2025-09-30T16:00:00+08:00"
    values = dict(row.fields)
    if row.subcategory and not values.get("subcategory"):
        values["subcategory"] = row.subcategory
    stage = read_choice(_flat(values.get("stage")), [s.name for s in policy.stages])
    if isinstance(stage, Bad):
        return f"{label}：学段{stage.reason}；附件按学段汇总，每个问题须有学段"
    cells: dict[int, Cell] = {}
    for column in layout.columns:
        cell = _display(policy, layout, column, category, stage, values, row, zone)
        if not cell.blank:
            cells[column.position] = cell
    return Prepared(stage=stage, category=category, cells=cells, label=label)


def _display(
    policy: Policy,
    layout: Layout,
    column: Column,
    category: str,
    stage: str,
    values: Mapping[str, Any],
    row: ExportRow,
    zone: ZoneInfo,
) -> Cell:
    source = column.source
    if source == "category":
        return Cell(policy.category(category).name)
    if source == "created":
        return Cell(_day(row.created, zone))
    if source == "issue":
        text = f"#{row.number}" if row.number is not None else clean_text(row.url)
        return Cell(text, row.url.strip())
    if source == "progress":
        states = policy.attachments.progress if policy.attachments else {}
        text = row.progress or (states.get(row.state, "") if row.state else "")
        return Cell(_text(text, contact=False))
    if source is not None:  # seq: numbered by the writer, sheet by sheet
        return Cell(None)
    if column.field_ids == ("stage",):
        return Cell(stage)
    element = layout.element(column, category)
    if element is None:
        return Cell(None)
    raw = values.get(element.id)
    if raw is None or raw == "":
        return Cell(None)
    if column.kind == "integer":
        number = read_integer(raw)
        return Cell(number if isinstance(number, int) else _flat(raw))
    if column.kind == "date":
        day = read_date(raw)
        return Cell(day if isinstance(day, date) else _flat(raw))
    if element.type == "dropdown":
        return Cell(_flat(raw))
    return Cell(_text(_flat(raw), contact=column.contact))


def _flat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(clean_text(str(v)) for v in value)
    return cell_text(value)


def _text(text: str, *, contact: bool) -> str:
    masked, _ = mask_personal(clean_text(text), contact=contact)
    return masked[:MAX_CELL_TEXT]


def _day(text: str | None, zone: ZoneInfo) -> date | None:
    """Return the day (in the policy's time zone) of an ISO date or date-time."""
    if not text:
        return None
    text = text.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone)
    return moment.date()

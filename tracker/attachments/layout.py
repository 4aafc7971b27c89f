"""An attachment form as laid out on a sheet: its columns, resolved against the policy."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from tracker.errors import InputError
from tracker.policy import (
    ColumnKind,
    ColumnSource,
    Policy,
    header_key,
)
from tracker.templates.forms import Element, build_forms

FORM_NUMBERS = (1, 2, 3, 4)
PROBLEM_FORMS = (2, 3, 4)
# Rows of every sheet: the "附件N" mark, the merged title, the unit/period line, the header.
MARK_ROW, TITLE_ROW, INFO_ROW, HEADER_ROW = 1, 2, 3, 4
FIRST_DATA_ROW = HEADER_ROW + 1
OPTIONS_SHEET = "下拉选项"


@dataclass(frozen=True)
class Column:
    """One column of a form: where it sits, what it is called, where its values come from."""

    position: int  # 0-based, in policy order
    header: str
    keys: tuple[str, ...]  # header_key of the header and each synonym
    field_ids: tuple[str, ...]
    source: ColumnSource | None
    kind: ColumnKind
    width: float
    contact: bool

    @property
    def letter(self) -> str:
        return get_column_letter(self.position + 1)


@dataclass(frozen=True)
class Layout:
    """A form of the policy's `attachments` section, ready to write or read."""

    number: int
    title: str
    categories: tuple[str, ...]
    columns: tuple[Column, ...]
    # Per category: field id -> form element (its label, options, required flag).
    elements: Mapping[str, Mapping[str, Element]] = field(default_factory=dict)

    @property
    def mark(self) -> str:
        return f"附件{self.number}"

    def element(self, column: Column, category: str) -> Element | None:
        """Return the form element a column shows for rows of one category."""
        own = self.elements.get(category, {})
        for field_id in column.field_ids:
            if field_id in own:
                return own[field_id]
        return None

    def column(self, source: ColumnSource) -> Column | None:
        return next((c for c in self.columns if c.source == source), None)

    def field_column(self, field_id: str) -> Column | None:
        return next((c for c in self.columns if field_id in c.field_ids), None)

    def required_everywhere(self, column: Column) -> bool:
        """Tell whether every category served needs this column filled."""
        if column.source is not None or not self.categories:
            return False
        found = [self.element(column, key) for key in self.categories]
        return all(e is not None and e.required for e in found)


def layout(policy: Policy, number: int) -> Layout:
    """Return form `number` (1-4) of the policy, or say in Chinese why there is none."""
    if policy.attachments is None:
        raise InputError(
            "政策文件没有 attachments 部分，无法生成或读取附件表格。"
            "请参照内置广东省政策的 attachments 部分补充（zzxt policy show --json 可查看）。"
        )
    try:
        form = policy.attachments.form(number)
    except KeyError:
        have = "、".join(f"附件{f.number}" for f in policy.attachments.forms)
        raise InputError(f"政策文件没有定义附件{number}；已定义：{have}。") from None
    forms = {f.category: f for f in build_forms(policy)}
    elements = {key: {e.id: e for e in forms[key].elements} for key in form.categories}
    columns = tuple(
        Column(
            position=i,
            header=c.header,
            keys=tuple(dict.fromkeys(header_key(h) for h in c.headers)),
            field_ids=c.field_ids,
            source=c.source,
            kind=c.kind,
            width=c.width,
            contact=c.contact,
        )
        for i, c in enumerate(form.columns)
    )
    return Layout(form.number, form.title, tuple(form.categories), columns, elements)


_ANNOTATION = re.compile(r"[(（\[【][^()（）\[\]【】]*[)）\]】]$")


def match_header(layout: Layout, text: str) -> Column | None:
    """Return the column a header cell names: exact, or once a trailing note `（必填）` is dropped."""
    key = header_key(text)
    if not key:
        return None
    for candidate in (key, header_key(_ANNOTATION.sub("", text.strip()))):
        for column in layout.columns:
            if candidate and candidate in column.keys:
                return column
    return None

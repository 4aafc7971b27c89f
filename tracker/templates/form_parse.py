"""Read a submitted issue form back from the issue body.

Both forges write one `### <label>` block per field, in form order (see
`../shared/specs/README.md`). People edit bodies afterwards, so the parser
accepts CRLF, extra blank lines, reordered or missing sections and headings it
does not know; only headings that are labels of our forms start a section, and
nothing inside a fenced code block does. A body it cannot read gives empty
fields and a warning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from tracker.templates.forms import Element, Form

NO_RESPONSE = "_No response_"
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_CHECKBOX = re.compile(r"^\s*[-*+]\s+\[([ xX])\]\s+(.*?)\s*$")
_LIST_ITEM = re.compile(r"^\s*[-*+]\s+(.*?)\s*$")

Value = str | list[str]


@dataclass
class ParsedForm:
    """What a body says: which template, the answers by field id, what is missing."""

    template: str | None
    fields: dict[str, Value]
    missing: list[str]
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"template": self.template, "fields": self.fields, "missing": self.missing}


def normalize_label(text: str) -> str:
    """Compare labels the way a person would: ignore spacing and a trailing colon."""
    text = re.sub(r"\s+", " ", text).strip()
    return text.rstrip(":：").strip()


def split_sections(body: str, known: set[str]) -> list[tuple[str, str]]:
    """Return (label, raw text) for each known heading, in body order.

    A heading inside a closed fenced code block is content, not a section; an
    unclosed fence is plain text, so one stray ``` cannot swallow the rest.
    """
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    fenced = _fenced_lines(lines)
    sections: list[tuple[str, list[str]]] = []
    for i, line in enumerate(lines):
        heading = None if i in fenced else _HEADING.match(line)
        if heading and normalize_label(heading.group(1)) in known:
            sections.append((normalize_label(heading.group(1)), []))
        elif sections:
            sections[-1][1].append(line)
    return [(label, "\n".join(text)) for label, text in sections]


def _fenced_lines(lines: list[str]) -> set[int]:
    fenced: set[int] = set()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening:
            fence = opening.group(1)
            for j in range(i + 1, len(lines)):
                closing = _FENCE.match(lines[j])
                if closing and closing.group(1).startswith(fence) and not closing.group(2).strip():
                    fenced.update(range(i, j + 1))
                    i = j
                    break
        i += 1
    return fenced


def parse_body(forms: Sequence[Form], body: str) -> ParsedForm:
    """Parse an issue body written from one of `forms`."""
    by_label: dict[str, list[tuple[Form, Element]]] = {}
    for form in forms:
        for element in form.elements:
            by_label.setdefault(normalize_label(element.label), []).append((form, element))
    sections = split_sections(body or "", set(by_label))
    if not sections:
        return ParsedForm(
            template=None,
            fields={},
            missing=_common_required(forms),
            warnings=["无法识别正文中的表单字段（没有找到表单的字段标题），已按空表单处理。"],
        )
    template = _guess_template(forms, [label for label, _ in sections], by_label)
    elements: dict[str, Element] = {}
    for label in by_label:
        candidates = by_label[label]
        chosen = [e for f, e in candidates if template is not None and f is template]
        if (
            not chosen
            and len({e.id for _, e in candidates}) == 1
            and _in_all(forms, label, by_label)
        ):
            chosen = [candidates[0][1]]
        if chosen:
            elements[label] = chosen[0]
    values: dict[str, Value] = {}
    for label, raw in sections:
        target = elements.get(label)
        if target is None or target.id in values:
            continue
        values[target.id] = _value(target, raw)
    wanted = template.elements if template else _common_elements(forms)
    fields: dict[str, Value] = {}
    for element in wanted:
        fields[element.id] = values.get(element.id, [] if _is_list(element) else "")
    missing = [e.id for e in wanted if _is_missing(e, fields[e.id])]
    return ParsedForm(
        template=template.category if template else None, fields=fields, missing=missing
    )


def _guess_template(
    forms: Sequence[Form], labels: list[str], by_label: dict[str, list[tuple[Form, Element]]]
) -> Form | None:
    """Pick the form whose own labels (found in no other form) the body uses most."""
    scores = {form.category: 0 for form in forms}
    for label in set(labels):
        owners = {f.category for f, _ in by_label[label]}
        if len(owners) == 1:
            scores[owners.pop()] += 1
    best = max(scores.values(), default=0)
    winners = [f for f in forms if scores[f.category] == best]
    if best == 0 or len(winners) != 1:
        return None
    return winners[0]


def _in_all(
    forms: Sequence[Form], label: str, by_label: dict[str, list[tuple[Form, Element]]]
) -> bool:
    return {f.category for f, _ in by_label[label]} == {f.category for f in forms}


def _common_elements(forms: Sequence[Form]) -> list[Element]:
    if not forms:
        return []
    others = [{e.id for e in f.elements} for f in forms[1:]]
    return [e for e in forms[0].elements if all(e.id in ids for ids in others)]


def _common_required(forms: Sequence[Form]) -> list[str]:
    return [e.id for e in _common_elements(forms) if e.required]


def _is_list(element: Element) -> bool:
    return element.type == "checkboxes"


def _value(element: Element, raw: str) -> Value:
    if element.type in ("input", "dropdown"):
        # A one-line answer cannot hold a heading: one there starts someone's addition.
        raw = _before_first_heading(raw)
    text = raw.strip("\n").strip()
    if element.type == "checkboxes":
        checked = []
        for line in text.split("\n"):
            match = _CHECKBOX.match(line)
            if match and match.group(1) in "xX":
                checked.append(match.group(2))
        return checked
    if text == NO_RESPONSE:
        return ""
    if element.type == "dropdown":
        if text == "None":
            return ""
        items = [m.group(1) for line in text.split("\n") if (m := _LIST_ITEM.match(line))]
        if items and len(items) == len(text.split("\n")):
            return ", ".join(items)  # Gitea's `list: true` rendering
        return text
    if element.type == "textarea" and element.render:
        return _unfence(text)
    return text


def _before_first_heading(raw: str) -> str:
    lines = raw.split("\n")
    for i, line in enumerate(lines):
        if _HEADING.match(line):
            return "\n".join(lines[:i])
    return raw


def _unfence(text: str) -> str:
    """Return the inside of a fenced code block that spans the whole answer."""
    lines = text.split("\n")
    if len(lines) < 2:
        return text
    opening = _FENCE.match(lines[0])
    if opening is None:
        return text
    fence = opening.group(1)
    if lines[-1].strip() == fence:
        return "\n".join(lines[1:-1])
    return text


def _is_missing(element: Element, value: Value) -> bool:
    if element.type == "checkboxes":
        return any(option not in value for option in element.required_options)
    return element.required and not value

"""The body of a report mail: what the sender wrote, and the items of 第十一条 in it.

`split_quote` separates the sender's own text from quoted replies, forwarded
mail and the signature. `read_fields` picks `标签：值` lines out of it: the
form's own labels and the policy's synonyms (`mail.field_labels`), full- or
half-width colons, labels spaced out for alignment (`姓    名：`), several items
on one line, and a value on the line after its label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.mail.names import key
from tracker.policy import Policy

# A line that opens quoted or forwarded mail, as the common clients write it.
_MARKER = re.compile(
    r"^\s*[-_=*—]{2,}\s*(?:原始邮件|原始郵件|原邮件|转发邮件信息|转发的邮件|轉寄郵件|邮件原文|"
    r"Original Message|Forwarded message|Forwarded Message|Replied Message|Reply Message)"
    r"\s*[-_=*—]{2,}\s*$",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{8,}\s*$")  # Outlook draws a line of underscores above the quote
_HEADER_FIRST = re.compile(r"^\s*\**\s*(?:发件人|發件人|寄件者|From)\s*\**\s*[:：]", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\**\s*(?:发送时间|发送日期|發送時間|时间|日期|Date|Sent|收件人|收件者|To|抄送|副本|Cc|"
    r"主题|主旨|Subject)\s*\**\s*[:：]",
    re.IGNORECASE,
)
_WROTE = re.compile(r"(?:写道|寫道|wrote)\s*[:：]?\s*$", re.IGNORECASE)
_WROTE_START = re.compile(r"^\s*(?:在|于|On)\b|^\s*(?:在|于)", re.IGNORECASE)
_SIGNATURE = re.compile(r"^--\s?$")
# One-line tags mail apps append; dropped wherever they stand.
_CLIENT_TAG = re.compile(
    r"^\s*(?:发自我的|發自我的|来自我的|发自|Sent from my|Sent from|Get Outlook|获取 Outlook|"
    r"从我的\S*发送)[^\n]{0,40}$",
    re.IGNORECASE,
)
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060\ufeff]")


@dataclass(frozen=True)
class Body:
    """The sender's own text, and the first quoted or forwarded message below it."""

    own: str
    quoted: str


def normalize_text(text: str) -> str:
    """Unify line ends and spaces; drop zero-width characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    text = text.replace("\u3000", " ")
    return _ZERO_WIDTH.sub("", text)


def _quote_start(lines: list[str], i: int) -> int | None:
    """Return where quoted mail starts if it starts at line `i` (may be `i - 1`)."""
    line = lines[i]
    if _MARKER.match(line):
        return i
    if _HEADER_FIRST.match(line):
        following = lines[i + 1 : i + 7]
        if sum(1 for x in following if _HEADER_NEXT.match(x)) >= 2:
            above = i - 1 if i and _RULE.match(lines[i - 1]) else i
            return above
    if _WROTE.search(line):
        if _WROTE_START.match(line):
            return i
        if i and _WROTE_START.match(lines[i - 1]) and len(lines[i - 1]) < 200:
            return i - 1
    return None


def split_quote(text: str) -> Body:
    """Separate the sender's own text from what it quotes, forwards and signs off with."""
    lines = normalize_text(text).split("\n")
    own, quote_at = _own_lines(lines)
    quoted = _forwarded_text(lines[quote_at:]) if quote_at is not None else ""
    return Body(tidy("\n".join(own)), quoted)


def _own_lines(lines: list[str], first: int = 0) -> tuple[list[str], int | None]:
    """Return the lines before any quote or signature (from line `first` on), and the quote's start."""
    cut = len(lines)
    quote_at: int | None = None
    for i in range(first, len(lines)):
        start = _quote_start(lines, i)
        if start is not None and start >= first:
            quote_at = start
            cut = min(cut, start)
            break
        if _SIGNATURE.match(lines[i]) and cut == len(lines):
            cut = i
    own = [
        line
        for line in lines[:cut]
        if not line.lstrip().startswith((">", "＞")) and not _CLIENT_TAG.match(line)
    ]
    return own, quote_at


def _forwarded_text(lines: list[str]) -> str:
    """Return the quoted message's own text: its header block and `>` marks removed."""
    rest = list(lines)
    if rest and (_MARKER.match(rest[0]) or _RULE.match(rest[0])):
        rest = rest[1:]
    while rest and not rest[0].strip():
        rest = rest[1:]
    if rest and (_HEADER_FIRST.match(rest[0]) or _WROTE.search(rest[0])):
        rest = rest[1:]
        while rest and (_HEADER_NEXT.match(rest[0]) or _WROTE.search(rest[0])):
            rest = rest[1:]
    unquoted = [re.sub(r"^\s*(?:[>＞]\s?)+", "", line) for line in rest]
    # Only the first quoted message counts; whatever it quotes in turn is cut off.
    own, _ = _own_lines(unquoted, first=1) if unquoted else ([], None)
    return tidy("\n".join(own))


def tidy(text: str) -> str:
    """Strip trailing spaces and runs of blank lines."""
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n").strip()


# Fields.


@dataclass(frozen=True)
class Labels:
    """Which written label means which form field; `multiline` fields take following lines."""

    by_key: dict[str, str]
    multiline: frozenset[str]
    pattern: re.Pattern[str]


def labels_for(policy: Policy, category: str | None) -> Labels:
    """Return the labels to look for: the form's own first, then the policy's synonyms."""
    fields = list(policy.forms.common)
    if category is not None:
        fields += policy.forms.categories[category].fields
    ids = {f.id for f in fields}
    entries = [(f.label, f.id) for f in fields]
    entries += [
        (label, field_id)
        for field_id, labels in policy.mail.field_labels.items()
        if field_id in ids
        for label in labels
    ]
    by_key: dict[str, str] = {}
    for label, field_id in entries:
        by_key.setdefault(key(label), field_id)
    words = sorted({label for label, _ in entries}, key=lambda w: len(key(w)), reverse=True)
    alternation = "|".join(
        r"\s*".join(re.escape(ch) for ch in w if not ch.isspace()) for w in words
    )
    pattern = re.compile(
        r"(?:^|(?<=[\s,，;；、|/]))[\s*【\[]*(" + alternation + r")[\s*】\]]*(?:[:：]|\t)"
    )
    multiline = frozenset(f.id for f in fields if f.type == "textarea")
    return Labels(by_key, multiline, pattern)


_LINE_START = re.compile(
    r"^\s*(?:[-*•·●◆■]\s*|\d{1,2}\s*[.、．)）]\s*|[一二三四五六七八九十]{1,2}\s*、\s*|"
    r"[(（]\s*\d{1,2}\s*[)）]\s*|[①-⑳]\s*)?"
)
_VALUE_END = re.compile(r"[\s,，;；。]+$")


def _item_text(line: str) -> str:
    """Return a line without its list mark (`1.`, `一、`, `（2）`, `-`)."""
    start = _LINE_START.match(line)
    return line[start.end() :] if start else line


def read_fields(text: str, labels: Labels) -> dict[str, str]:
    """Return the answers written as `标签：值`, by form field id; the first answer counts."""
    lines = text.split("\n")
    found: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = _item_text(lines[i])
        hits = list(labels.pattern.finditer(line))
        if not hits:
            i += 1
            continue
        for n, hit in enumerate(hits):
            field_id = labels.by_key.get(key(hit.group(1)))
            end = hits[n + 1].start() if n + 1 < len(hits) else len(line)
            value = _VALUE_END.sub("", line[hit.end() : end].strip())
            last = n + 1 == len(hits)
            if last and field_id in labels.multiline:
                more, skip = _continuation(lines, i + 1, labels, until_blank=bool(value))
                value = "\n".join([value, *more]).strip() if value else "\n".join(more)
                i += skip
            elif last and not value:
                more, skip = _continuation(lines, i + 1, labels, single=True)
                value = more[0] if more else ""
                i += skip
            if field_id is not None and value and field_id not in found:
                found[field_id] = value
        i += 1
    return found


def _continuation(
    lines: list[str], start: int, labels: Labels, *, until_blank: bool = True, single: bool = False
) -> tuple[list[str], int]:
    """Return the lines that continue a value, and how many lines were consumed."""
    taken: list[str] = []
    i = start
    while i < len(lines):
        line = lines[i]
        if labels.pattern.search(_item_text(line)):
            break
        if not line.strip():
            if taken or until_blank or single:
                break
            i += 1
            continue
        taken.append(line.strip())
        i += 1
        if single:
            break
    return taken, i - start

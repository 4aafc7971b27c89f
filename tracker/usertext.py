"""User text as data, never markup: what the bots copy from an issue into what they write.

Everything a reporter typed (titles, units, stages, answers) that a bot puts into
a comment, the dashboard, a terminal table, JSON or a log goes through one of
these functions. Each first masks personal numbers with the rules of
`tracker.pii` (ID, bank card, mobile), then:

- `inline`: one line of Markdown that renders as the literal text: no table
  break, heading, list, link, image, HTML, HTML comment, emphasis or code; no
  @mention of a user or team and no auto-linked URL, e-mail or issue reference
  (a zero-width joiner after `@`, inside `://`, `www.` and after `#`).
- `plain`: the same text for a terminal, JSON or a log: masked, one line,
  without control characters.
- `defang`: multi-line text kept readable as Markdown (an answer copied into an
  issue the bot opens) but without what would act: no @mention, HTML (comments
  and so forged markers included), image, link or heading line.
"""

from __future__ import annotations

import re
import unicodedata

from tracker.pii import mask_text, scan

ZWJ = "\u200d"
# Characters CommonMark lets a backslash escape; escaping them all keeps any of
# them from opening a construct, wherever it stands in the line.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~\"'=$:&^])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")


def masked(text: str) -> str:
    """Return `text` with every ID, bank card and mobile number partly hidden."""
    return mask_text(text, scan(text))


def plain(text: str, limit: int | None = None) -> str:
    """Masked, one line, no control characters: for terminals, JSON and logs."""
    text = _CONTROL.sub("", masked(text).replace("\r\n", "\n"))
    text = _SPACE.sub(" ", text).strip()
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text


def defang(text: str) -> str:
    """Masked multi-line text whose Markdown cannot mention, link, embed, mark or head."""
    text = _CONTROL.sub("", masked(text).replace("\r\n", "\n"))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = (
        text.replace("@", "@" + ZWJ).replace("![", "!" + ZWJ + "[").replace("](", "]" + ZWJ + "(")
    )
    text = re.sub(r"(?i)(\w):(?=//)", r"\1" + ZWJ + ":", text)
    text = re.sub(r"(?m)^([ \t]*)([#=]|-{3,}|`{3,}|~{3,})", r"\1\\\2", text)
    return text


def inline(text: str, limit: int | None = None) -> str:
    """Masked user text as one line of Markdown that shows exactly that text."""
    text = plain(unicodedata.normalize("NFC", text), limit)
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
    # Mentions and auto-links are recognised in spite of escapes: break them visibly nowhere.
    text = text.replace("@", "@" + ZWJ)
    text = re.sub(r"(?i)(\w)\\:(?=//)", r"\1" + ZWJ + r"\\:", text)
    text = re.sub(r"(?i)\bwww\\\.", "www" + ZWJ + r"\\.", text)
    text = text.replace(r"\#", r"\#" + ZWJ)
    return text

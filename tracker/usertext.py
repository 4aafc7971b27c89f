"""User text as data, never markup: what the bots copy from an issue into what they write.

Everything a reporter typed (titles, units, stages, answers) that a bot puts into
a comment, the dashboard, a terminal table, JSON or a log goes through one of
these functions. Each first drops invisible characters (controls, zero-width
and direction marks, which could hide a number from the scanner or reorder a
line), then masks personal numbers with the rules of `tracker.pii` (ID, bank
card, mobile), then:

- `inline`: one line of Markdown that renders as the literal text: no table
  break, heading, list, link, image, HTML, HTML comment, emphasis or code; no
  @mention of a user or team and no auto-linked URL, e-mail or issue reference
  (a zero-width joiner after `@`, inside `://`, `www.` and after `#`).
- `plain`: the same text for a terminal, JSON or a log: masked, one line,
  without control characters.
- `block`: several lines of user text (an answer the bot writes into an issue
  body it opens) with the line breaks kept and only what could reach beyond the
  page defused: no HTML or HTML comment (so no forged zzxt marker), no link or
  image, no entity, no mention or auto-link, no heading that would start a new
  form section. Ordinary punctuation stays as typed, so the form reads back
  almost unchanged.

`tests/test_usertext.py` renders `inline` output with a CommonMark + GFM-tables
parser (markdown-it-py) and checks these promises on arbitrary text.
"""

from __future__ import annotations

import re
import unicodedata

from tracker.pii import mask_text, scan

ZWJ = "\u200d"
# The ASCII punctuation that can open a construct anywhere in a line (code, emphasis,
# links and images, HTML and autolinks, entities, table cells, strikethrough, math,
# headings and issue references): each gets a backslash.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]#<>~|!&$^])")
# What opens a block only at the start of a line: a list item or a thematic break.
_LIST_START = re.compile(r"^(\d{1,9}(?=[.)])|(?=[-+]))")
_SPACE = re.compile(r"\s+")
# Whitespace that is not a plain space collapses to one; other invisible
# characters (C0/C1 controls, format characters such as U+200B..U+200F,
# U+202A..U+202E, U+2060..U+2064, U+FEFF) are dropped.
_INVISIBLE = ("Cc", "Cf", "Co", "Cs", "Cn")


def _visible(text: str) -> str:
    out = []
    for ch in text:
        if ch.isspace():
            out.append(" ")
        elif unicodedata.category(ch) not in _INVISIBLE:
            out.append(ch)
    return "".join(out)


def masked(text: str) -> str:
    """Return `text` with every ID, bank card and mobile number partly hidden."""
    return mask_text(text, scan(text))


def plain(text: str, limit: int | None = None) -> str:
    """Masked, one line, no invisible characters: for terminals, JSON and logs."""
    text = masked(_visible(unicodedata.normalize("NFC", text)))
    text = _SPACE.sub(" ", text).strip()
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text


# In `block`: what opens HTML, links, images or entities anywhere in a line.
_BLOCK_PUNCTUATION = re.compile(r"([\\<>\[\]&])")


def _unlinked(text: str) -> str:
    """Break mentions, auto-links and issue references with an invisible joiner.

    The joiner after an escaped `<` also keeps the raw text from holding `<!--`,
    so no one can forge a zzxt marker inside what the bot writes.
    """
    text = text.replace("@", "@" + ZWJ).replace("\\<", "\\<" + ZWJ)
    text = re.sub(r"(\w):(?=//)", r"\1" + ZWJ + ":", text)
    return re.sub(r"(?i)(www)\.", r"\1" + ZWJ + ".", text)


def block(text: str) -> str:
    """Masked user text as Markdown lines that cannot mention, link, embed or forge markers."""
    lines = []
    for raw in unicodedata.normalize("NFC", text).replace("\r\n", "\n").split("\n"):
        line = masked(_SPACE.sub(" ", _visible(raw)).rstrip())
        line = _BLOCK_PUNCTUATION.sub(r"\\\1", line)
        line = re.sub(r"^(\s*)#", r"\1\\#", line)  # never a heading: the form's sections are
        line = re.sub(r"^(\s*)([-=])(?=[-=\s]*$)", r"\1\\\2", line)  # nor a setext underline
        lines.append(_unlinked(line).replace("#", "#" + ZWJ))
    return "\n".join(lines).strip("\n")


def inline(text: str, limit: int | None = None) -> str:
    """Masked user text as one line of Markdown that shows exactly that text."""
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", plain(text, limit))
    text = _LIST_START.sub(lambda m: m.group(1) + "\\", text, count=1)
    # Mentions and auto-links are recognised in the text GitHub renders, after
    # escapes are resolved (@user, @org/team, a@b.cn, #12, www. and http://): a
    # zero-width joiner, invisible on the page, keeps each from forming.
    return _unlinked(text).replace(r"\#", r"\#" + ZWJ)

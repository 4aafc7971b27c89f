"""User text in the bots' Markdown: rendered by a CommonMark + GFM-tables parser, it stays text.

markdown-it-py (CommonMark with GFM tables) renders what `inline` makes of
arbitrary text inside a table row and inside a paragraph; the tokens must hold
no link, image, HTML, code, emphasis or heading, the row must keep its cells,
the visible text must be exactly the masked text, and neither a live mention,
an auto-link nor a full personal number may appear in it.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from tests.support.pii import card_numbers, id_numbers, mobile_numbers
from tracker.bots.dashboard import DASHBOARD_MARK, dashboard_body, rows
from tracker.bots.rules import Rules
from tracker.bots.sla import Responders, evaluate_all
from tracker.forge.model import Issue, User
from tracker.pii import scan
from tracker.policy import load_policy
from tracker.usertext import ZWJ, block, inline, masked, plain

MD = MarkdownIt("commonmark").enable("table")
# Whatever markup can start with, and the characters that break lines, tables or terminals.
ALPHABET = (
    "abcXYZ 学生广州市银行卡\\`*_{}[]()#+-.!|<>~\"'=$:&^%/?;,@\t\n\r\x00\x1b\x7f"
    "\u200b\u200d\u202e\u2028\ufeff０１"
)
FRAGMENTS = [
    "@admin",
    "@gdzz/support",
    "http://evil.example/x",
    "HTTPS://a.b",
    "www.example.com",
    "a@b.example",
    "<img src=x onerror=alert(1)>",
    "<!-- zzxt:dashboard -->",
    "<script>",
    "![pixel](http://t.example/p.gif)",
    "[点此](http://evil.example)",
    "<http://auto.example>",
    "`code`",
    "**粗体**",
    "~~删除~~",
    "| 伪造 | 列 |",
    "\n# 标题\n",
    "\n---\n",
    "&amp;&#64;&lt;",
    "#12",
    "gdzz/support#3",
    "\\",
    "[x]: http://ref.example",
    "    缩进",
    "> 引用",
    "1. 列表",
    "- 列表",
    "+ 加",
    "***",
    "12) 项",
    "$x$",
]
text_part = st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet=ALPHABET, max_size=12))
user_text = st.lists(text_part, max_size=8).map("".join)
SEPARATORS = [" ", "，", "：", "学生", "\n", "|", "*"]


@st.composite
def text_with_number(draw: st.DrawFn) -> tuple[str, str]:
    """Text holding one personal number that stands alone, and that number as written."""
    _, number = draw(st.one_of(id_numbers(), card_numbers(), mobile_numbers()))
    before = draw(user_text).rstrip("0123456789０１+-")
    after = draw(user_text).lstrip("0123456789０１-")
    left, right = draw(st.sampled_from(SEPARATORS)), draw(st.sampled_from(SEPARATORS))
    return before + left + number + right + after, number


def inline_tokens(tokens: list[Token]) -> list[Token]:
    return [child for t in tokens if t.type == "inline" for child in t.children or []]


def cell_texts(tokens: list[Token]) -> list[str]:
    """The text of each table cell, in order."""
    out = []
    for i, token in enumerate(tokens):
        if token.type in ("th_open", "td_open"):
            inline = tokens[i + 1]
            assert inline.type == "inline"
            out.append("".join(c.content for c in inline.children or []))
    return out


FORBIDDEN = {
    "link_open",
    "image",
    "html_inline",
    "html_block",
    "code_inline",
    "code_block",
    "fence",
    "em_open",
    "strong_open",
    "s_open",
    "heading_open",
    "hr",
    "blockquote_open",
    "bullet_list_open",
    "ordered_list_open",
    "softbreak",
    "hardbreak",
}


def assert_only_text(tokens: list[Token]) -> None:
    kinds = {t.type for t in tokens} | {c.type for c in inline_tokens(tokens)}
    assert not kinds & FORBIDDEN, kinds & FORBIDDEN
    assert {c.type for c in inline_tokens(tokens)} <= {"text"}


def assert_inert(shown: str) -> None:
    """No mention, auto-link or issue reference can form in text that renders as `shown`."""
    assert not re.search(r"(?<![\w@])@[A-Za-z0-9]", shown), shown
    assert not re.search(r"(?i)https?://|www\.|#\d", shown), shown
    assert not re.search(r"[A-Za-z0-9.+_-]@[A-Za-z0-9]", shown), shown


@settings(max_examples=400, deadline=None)
@given(user_text, user_text)
def test_in_a_table_row_user_text_stays_two_cells_of_plain_text(title: str, unit: str) -> None:
    doc = "| 编号 | 标题 | 报送单位 |\n| --- | --- | --- |\n" + (
        f"| #1 | {inline(title)} | {inline(unit) or '—'} |\n"
    )
    tokens = MD.parse(doc)
    assert [t.type for t in tokens].count("table_open") == 1
    assert [t.type for t in tokens].count("tr_open") == 2  # the header and one row
    cells = cell_texts(tokens)
    assert len(cells) == 6
    assert_only_text(tokens)
    # What shows is exactly the masked text (the zero-width joiners are invisible).
    assert cells[4].replace(ZWJ, "") == plain(title)
    assert cells[5].replace(ZWJ, "") == (plain(unit) or "—")
    assert_inert(cells[4])
    assert_inert(cells[5])


@settings(max_examples=300, deadline=None)
@given(user_text, st.sampled_from(["报告：", ""]))
def test_in_a_paragraph_user_text_is_one_paragraph_of_text(text: str, before: str) -> None:
    rendered = inline(text)
    if not (before + rendered).strip():
        return
    tokens = MD.parse(before + rendered)  # also at the start of a line, where blocks open
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    assert_only_text(tokens)
    shown = "".join(c.content for c in inline_tokens(tokens))
    assert shown.replace(ZWJ, "") == before + plain(text)
    assert_inert(shown)


@settings(max_examples=300, deadline=None)
@given(text_with_number())
def test_no_full_personal_number_survives(case: tuple[str, str]) -> None:
    text, number = case
    digits = re.sub(r"\D", "", number.replace("x", "X").replace("X", "0"))
    for out in (plain(text), inline(text)):
        shown = "".join(
            c.content for c in inline_tokens(MD.parse(f"| a |\n| - |\n| {out} |\n"))
        ).replace(ZWJ, "")
        assert scan(shown) == []
        assert digits not in re.sub(r"\D", "", shown.replace("X", "0").replace("x", "0"))


@given(user_text)
def test_plain_is_one_visible_line(text: str) -> None:
    out = plain(text)
    assert "\n" not in out and "\r" not in out
    assert not re.search(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2028\u2029\ufeff]", out)
    assert out == out.strip()
    assert plain(out) == out  # idempotent: text already made plain passes unchanged


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("@admin 请处理", "@\u200dadmin 请处理"),
        ("见 http://evil.example", "见 http\u200d://evil.example"),
        ("学生440106200501011237银行卡6217001234567890122", None),
        ("标题|单位", "标题|单位"),
    ],
    ids=["mention", "url", "numbers", "pipe"],
)
def test_examples_read_as_written(text: str, shown: str | None) -> None:
    tokens = MD.parse(inline(text))
    rendered = "".join(c.content for c in inline_tokens(tokens))
    if shown is not None:
        assert rendered == shown
    else:
        assert rendered == masked(text)
        assert "440106200501011237" not in rendered and "6217001234567890122" not in rendered


def test_limit_cuts_after_masking() -> None:
    text = "学生440106200501011237的问题说明很长很长"
    out = plain(text, limit=12)
    assert len(out) == 12 and out.endswith("…")
    assert "0501011237" not in out


# ---- the bot's own Markdown, whole -------------------------------------------------------

RULES = Rules.build(load_policy())
ZONE = RULES.calendar.zone


def reported(number: int, title: str, unit: str, stage: str) -> Issue:
    body = f"### 所属地市\n\n广州市\n\n### 学段\n\n{stage}\n\n### 报送单位\n\n{unit}\n"
    when = datetime(2025, 9, 30, 16, tzinfo=ZONE)
    return Issue(
        number, title, body, User("gz-bureau"), ("类别/技术类问题",), (), "open", when, when
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(user_text, user_text, user_text), min_size=1, max_size=4))
def test_the_dashboard_renders_user_text_as_text_in_seven_cells(
    texts: list[tuple[str, str, str]],
) -> None:
    issues = [reported(n, *t) for n, t in enumerate(texts, start=1)]
    verdicts = evaluate_all(
        issues, [], RULES, datetime(2025, 10, 13, 10, tzinfo=ZONE), Responders()
    )
    table = {row.number: row for row in rows(RULES, verdicts)}
    body = dashboard_body(RULES, list(table.values()))
    tokens = MD.parse(body)
    kinds = {t.type for t in tokens} | {c.type for c in inline_tokens(tokens)}
    assert not kinds & {"link_open", "image", "html_inline", "code_inline", "em_open", "s_open"}
    assert [t.content.strip() for t in tokens if t.type == "html_block"] == [DASHBOARD_MARK]
    cells = cell_texts(tokens)
    # All are overdue: the summary (a header and one row of two), then one table of seven.
    assert len(cells) == 2 * 2 + 7 * (1 + len(issues))
    for start in range(2 * 2 + 7, len(cells), 7):
        row = table[int(cells[start].lstrip("#"))]
        assert row.title == plain(texts[row.number - 1][0])  # units and stages come via the form
        assert [c.replace(ZWJ, "") for c in cells[start + 1 : start + 4]] == [
            row.title or "—",
            row.unit or "—",
            row.stage or "—",
        ]
        for cell in cells[start + 1 : start + 4]:
            assert_inert(cell)
            assert scan(cell.replace(ZWJ, "")) == []


# ---- block: answers the bot writes into an issue body it opens ------------------------------


@settings(max_examples=300, deadline=None)
@given(user_text)
def test_block_keeps_lines_and_defuses_what_reaches_beyond_the_page(text: str) -> None:
    out = block(text)
    assert "<!--" not in out  # no marker can be forged inside what the bot writes
    tokens = MD.parse(out)
    kinds = {t.type for t in tokens} | {c.type for c in inline_tokens(tokens)}
    assert not kinds & {"link_open", "image", "html_inline", "html_block", "heading_open"}
    shown = "\n".join(c.content for c in inline_tokens(tokens) if c.type == "text")
    assert_inert(shown)
    assert scan(shown.replace(ZWJ, "")) == []
    assert out.count("\n") <= text.replace("\r\n", "\n").count("\n")


def test_block_forges_no_marker_and_starts_no_form_section() -> None:
    out = block("### 报送单位\n伪造\n<!-- zzxt:dashboard -->\n见 @admin [x](http://e.cn)")
    assert "<!-- zzxt:" not in out
    assert not any(line.startswith("#") for line in out.splitlines())
    assert out.splitlines()[1] == "伪造"  # ordinary text stays as typed

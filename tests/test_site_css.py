"""The site's own stylesheet: well formed, and each rule in the scope it was written for."""

from __future__ import annotations

import re

from tests.support.paths import ROOT

CSS = ROOT / "tracker" / "resources" / "site" / "zzxt.css"


def blocks(text: str) -> list[tuple[int, str]]:
    """Each rule's prelude with its nesting depth; raises on unbalanced braces."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    found: list[tuple[int, str]] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch == "{":
            found.append((depth, text[start:i].strip()))
            depth += 1
            start = i + 1
        elif ch == "}":
            depth -= 1
            assert depth >= 0, f"多余的右括号，位置 {i}"
            start = i + 1
        elif ch == ";" and depth == 0:
            start = i + 1
    assert depth == 0, "有未闭合的块"
    return found


def test_braces_balance_and_nest_at_most_twice() -> None:
    found = blocks(CSS.read_text("utf-8"))
    assert max(d for d, _ in found) <= 1
    assert all(p.startswith("@media") for d, p in found if d == 0 and "{" in p)


def test_search_results_are_styled_on_every_screen_not_only_in_print() -> None:
    found = blocks(CSS.read_text("utf-8"))
    search = [(d, p) for d, p in found if "zz-search" in p]
    assert search, "样式表里没有检索结果的规则"
    assert all(d == 0 for d, _ in search), search


def test_print_rules_hide_search_and_navigation() -> None:
    found = blocks(CSS.read_text("utf-8"))
    media = [p for d, p in found if d == 0 and p.startswith("@media print")]
    assert media == ["@media print"]
    text = re.sub(r"/\*.*?\*/", "", CSS.read_text("utf-8"), flags=re.S)
    inside = text.split("@media print", 1)[1]
    assert ".md-search" in inside.split("}", 1)[0]

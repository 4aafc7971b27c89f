"""The guide and the answers on paper and on a 390 px phone, in a real browser.

Staff print the guide and FAQ answers to hand out, and read the guide's tables on
phones. Same browser and rules as tests/test_site_browser.py (its fixtures are
reused): headless Debian chromium, skipped without it unless ZZXT_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

from typing import Any

from tests.test_site_browser import (  # noqa: F401  (pytest fixtures)
    browser,
    entries,
    phone,
    policy,
    server,
)
from tracker.policy import Policy

# An answer with a table, an admonition, sources and the report box.
ENTRY = "faq/template-field-colors.html"


def test_guide_tables_fit_a_390px_phone(phone: Any, server: str, policy: Policy) -> None:  # noqa: F811
    phone.goto(server + policy.site.guide_path)
    tables = phone.locator("article table")
    assert tables.count() >= 3  # categories, mailboxes, deadlines (and the worked example)
    overflowing = phone.evaluate(
        """() => [...document.querySelectorAll('article table')]
            .map((t, i) => [i, Math.round(t.getBoundingClientRect().right), t.scrollWidth - t.clientWidth])
            .filter(([, right, extra]) => right > window.innerWidth || extra > 1)"""
    )
    assert overflowing == [], f"这些表格在 390px 宽的手机上需要横向滚动：{overflowing}"
    smallest = phone.evaluate(
        """() => Math.min(...[...document.querySelectorAll('article td')]
            .map(td => parseFloat(getComputedStyle(td).fontSize)))"""
    )
    assert smallest >= 10, f"表格文字只有 {smallest}px，手机上看不清"


def test_print_keeps_the_answer_and_drops_the_screen_furniture(
    browser: Any,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.emulate_media(media="print")
        page.goto(server + ENTRY)
        for selector in (
            ".md-header",
            ".md-sidebar--primary",
            ".md-footer",
            ".zz-report .md-button",
        ):
            assert not page.locator(selector).first.is_visible(), selector
        for selector in ("article h1", ".zz-meta", "article table", ".zz-sources", ".zz-report"):
            assert page.locator(selector).first.is_visible(), selector
        # The report box still says where to send the report, without its buttons.
        assert "邮件发送至" in page.locator(".zz-report").inner_text()
        # Links of the sources are spelled out on paper.
        after = page.evaluate(
            """() => getComputedStyle(document.querySelector('.zz-sources a[href^="http"]'), '::after').content"""
        )
        assert "http" in after
        left = page.evaluate("() => document.querySelector('article').getBoundingClientRect().left")
        assert left < 40, "打印时正文左侧仍留着导航栏的位置"
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
    finally:
        context.close()

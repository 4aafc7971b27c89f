"""The built site in a real browser: Chinese search, navigation, phones, no outside requests.

Headless Debian chromium (/usr/bin/chromium) driven by playwright. Without a
browser these tests are skipped, unless ZZXT_REQUIRE_BROWSER=1 (set by
.ci/run), which makes a missing browser a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote, urlsplit

import pytest

from tests.support.site import ROOT, SHIM
from tracker.kb.entries import Entry, load_entries
from tracker.policy import Policy, load_policy

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOP = 5  # "among the first results"
QUERIES = ["密码", "身份证号 导入", "困难认定"]


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("ZZXT_REQUIRE_BROWSER"):
        pytest.fail(f"{reason}（ZZXT_REQUIRE_BROWSER 已设置）")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


@pytest.fixture(scope="module")
def entries(policy: Policy) -> list[Entry]:
    return load_entries(ROOT / "docs" / "faq", policy)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("未安装 playwright（pip install -e '.[dev]'）")
    if not CHROMIUM.is_file():
        unavailable(f"没有 {CHROMIUM}（apt-get install chromium fonts-noto-cjk）")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(built_site: Path) -> Iterator[str]:
    """Serve the built site on 127.0.0.1 and return its address."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=built_site,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("本地 http.server 未能启动")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=10)


class Recorder:
    """Every request a browser context made, and those it must not have made."""

    def __init__(self, allowed: tuple[str, ...]) -> None:
        self.allowed = allowed
        self.urls: list[str] = []
        self.failed: list[str] = []

    def local(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return True
        if parts.scheme == "file":
            return "file" in self.allowed
        return parts.scheme == "http" and parts.hostname in self.allowed

    def foreign(self) -> list[str]:
        return [url for url in self.urls if not self.local(url)]

    def attach(self, context: Any) -> None:
        def on_request(request: Any) -> None:
            self.urls.append(request.url)

        def on_response(response: Any) -> None:
            if response.status >= 400:
                self.failed.append(f"{response.status} {response.url}")

        def route(route: Any) -> None:
            if self.local(route.request.url):
                route.continue_()
            else:
                route.abort()

        context.on("request", on_request)
        context.on("response", on_response)
        context.route("**/*", route)

    def check(self) -> None:
        assert self.urls, "没有记录到任何请求"
        assert not self.foreign(), f"站点向外部发出了请求：{self.foreign()[:5]}"
        assert not self.failed, f"请求失败：{self.failed[:5]}"


def open_context(browser: Any, allowed: tuple[str, ...] = ("127.0.0.1",), **options: Any) -> Any:
    recorder = Recorder(allowed)
    context = browser.new_context(locale="zh-CN", **options)
    recorder.attach(context)
    context.recorder = recorder
    return context


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    context = open_context(browser, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.recorder.check()
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = open_context(
        browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.recorder.check()
    context.close()


def expected_pages(entries: list[Entry], query: str) -> set[str]:
    """Return the FAQ pages whose title, keywords or aliases contain every query word."""

    def matches(entry: Entry, word: str) -> bool:
        meta = entry.meta
        return word in meta.title or any(word in k for k in [*meta.keywords, *meta.aliases])

    found = {f"faq/{e.id}.html" for e in entries if all(matches(e, w) for w in query.split())}
    if not found:
        pytest.fail(f"没有常见问题的标题或关键词包含“{query}”：相应的页面还没写？")
    return found


def results(page: Any) -> list[str]:
    """Return the pages in the search results, best first, as site-relative paths."""
    page.wait_for_selector(".md-search-result__item", timeout=15_000)
    page.wait_for_timeout(300)  # let the result list settle on the final query
    links = page.locator(".md-search-result__item > a").evaluate_all("els => els.map(e => e.href)")
    out: list[str] = []
    for href in links:
        path = urlsplit(href).path
        path = path[path.find("/faq/") + 1 :] if "/faq/" in path else path.rsplit("/", 1)[-1]
        if path not in out:
            out.append(path)
    return out


def type_query(page: Any, query: str) -> None:
    box = page.locator("input.md-search__input")
    box.click()
    box.type(query)
    # Material reads the query on key-up, and typed CJK text sends no key events.
    box.press("End")


@pytest.mark.parametrize("query", QUERIES)
def test_chinese_search_finds_the_right_page(
    desktop: Any, server: str, entries: list[Entry], query: str
) -> None:
    expected = expected_pages(entries, query)
    desktop.goto(server)
    type_query(desktop, query)
    top = results(desktop)[:TOP]
    assert expected & set(top), f"“{query}”的前 {TOP} 个结果 {top} 中没有 {sorted(expected)}"


def test_category_navigation(
    desktop: Any, server: str, policy: Policy, entries: list[Entry]
) -> None:
    category = max(policy.categories, key=lambda c: sum(e.meta.category == c.key for e in entries))
    members = [e for e in entries if e.meta.category == category.key]
    desktop.goto(server)
    desktop.locator(".grid.cards").get_by_role("link", name=category.name, exact=True).click()
    desktop.wait_for_url(f"**/faq/category/{category.key}.html")
    article = desktop.locator("article")
    listed = article.locator("a[href$='.html']").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert {f"../{e.id}.html" for e in members} <= set(listed)
    first = members[0]
    article.get_by_role("link", name=first.meta.title, exact=True).first.click()
    desktop.wait_for_url(f"**/faq/{first.id}.html")
    assert desktop.locator("article h1").inner_text().strip().rstrip("¶") == first.meta.title
    # The page links back to its category.
    assert desktop.locator(".zz-meta").get_by_role("link", name=category.name).count() == 1


def test_stage_navigation(desktop: Any, server: str, policy: Policy, entries: list[Entry]) -> None:
    stage = max(policy.stages, key=lambda s: sum(s.key in e.meta.stages for e in entries))
    expected = {
        f"../{e.id}.html" for e in entries if not e.meta.stages or stage.key in e.meta.stages
    }
    desktop.goto(server)
    desktop.locator(".md-tabs").get_by_role("link", name="常见问题").click()
    desktop.wait_for_url("**/faq/index.html")
    desktop.locator("nav.md-nav--primary").get_by_role("link", name="按学段").first.click()
    desktop.wait_for_url("**/faq/stage/index.html")
    desktop.locator("article").get_by_role("link", name=stage.name, exact=True).click()
    desktop.wait_for_url(f"**/faq/stage/{stage.key}.html")
    listed = desktop.locator("article a[href$='.html']").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert {h for h in listed if h.count("/") == 1 and "category" not in h} == expected


def test_phone_home_page_and_search(
    phone: Any, server: str, policy: Policy, entries: list[Entry]
) -> None:
    phone.goto(server)
    for category in policy.categories:
        assert phone.locator(".grid.cards").get_by_role("link", name=category.name).is_visible()
    assert phone.get_by_text(policy.service.phone).first.is_visible()
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"页面在手机上横向溢出 {overflow}px"
    phone.locator("label.md-header__button[for='__search']").click()
    type_query(phone, QUERIES[0])
    assert expected_pages(entries, QUERIES[0]) & set(results(phone)[:TOP])
    phone.goto(server + policy.site.guide_path)
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"服务指南在手机上横向溢出 {overflow}px"


def test_pages_make_no_request_outside_the_site(desktop: Any, server: str, policy: Policy) -> None:
    for path in (
        "",
        policy.site.guide_path,
        "faq/index.html",
        "faq/keywords.html",
        "faq/stage/index.html",
        "faq/pwd-forgot-reset.html",
        "admin/policy.html",
    ):
        desktop.goto(server + path)
        desktop.wait_for_load_state("networkidle")
    desktop.goto(server + "?q=" + quote("密码"))
    results(desktop)
    recorder = desktop.context.recorder
    assert any(url.endswith("search_index.json") for url in recorder.urls)
    # The fixture then fails the test on any request not to 127.0.0.1 or any 4xx/5xx.


def test_search_works_from_file_urls(browser: Any, built_site: Path, entries: list[Entry]) -> None:
    if not (built_site / SHIM).is_file():
        unavailable("缺少 iframe-worker（scripts/fetch_site_assets.py 未能从 npm 获取）")
    context = open_context(browser, allowed=("file",), viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto((built_site / "index.html").as_uri() + "?q=" + quote("密码"))
        top = results(page)[:TOP]
        assert expected_pages(entries, "密码") & set(top)
        assert not context.recorder.foreign(), context.recorder.foreign()[:5]
    finally:
        context.close()

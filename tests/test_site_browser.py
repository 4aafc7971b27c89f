"""The built site in a real browser: search, navigation, phones, no outside requests.

Headless Debian chromium (/usr/bin/chromium) driven by playwright. Without a
browser these tests are skipped, unless ZZXT_REQUIRE_BROWSER=1 (set by
.ci/run), which makes a missing browser a failure.

The site's search (tracker/resources/site/zzxt-search.js) must rank as
`zzxt faq search` does: the development queries of ../shared/faq are typed into
the search box and their results compared with the command line's.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote, urlsplit

import pytest
import yaml

from tests.support.paths import SHARED, shared_file
from tests.support.site import INDEX, ROOT, SHIM
from tests.support.site_search import ExportedIndex, read_index
from tracker.kb.entries import Entry, load_entries
from tracker.kb.search import FaqIndex, markdown_text, normalise
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
def cli(policy: Policy, entries: list[Entry]) -> FaqIndex:
    """The ranking of `zzxt faq search`: what the site must show."""
    return FaqIndex.build(entries, policy)


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


def results(page: Any, query: str, where: str = ".zz-search-results") -> list[str]:
    """Return the FAQ ids shown for `query`, best first (the folded weaker ones too)."""
    page.wait_for_function(
        "([where, q]) => { const el = document.querySelector(where);"
        " return el && el.dataset.zzQuery === q && el.hasAttribute('data-zz-state'); }",
        arg=[where, query],
        timeout=15_000,
    )
    ids: list[str] = page.locator(f"{where} .md-search-result__link[data-zz-id]").evaluate_all(
        "els => els.map(e => e.dataset.zzId)"
    )
    return ids


def type_query(page: Any, query: str) -> list[str]:
    """Open the search dialog in the header, type `query`; return the ids it shows."""
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("")
    box.press_sequentially(query)
    return results(page, query)


def type_home(page: Any, query: str) -> list[str]:
    """Type `query` into the home page's search box; return the ids it shows."""
    box = page.locator("input.zz-search__input")
    box.fill("")
    box.press_sequentially(query)
    return results(page, query, ".zz-search-inline")


def dev_queries() -> list[tuple[str, str]]:
    rows = yaml.safe_load(shared_file("faq/dev-queries.yaml").read_text("utf-8"))
    return [(row["query"], row["slug"]) for row in rows]


def own_queries() -> list[str]:
    """Our committed colloquial questions (tests/data), there in every clone."""
    rows = yaml.safe_load((ROOT / "tests" / "data" / "colloquial-queries.yaml").read_text("utf-8"))
    return [str(row["query"]) for row in rows]


@pytest.fixture
def dev_pairs() -> list[tuple[str, str]]:
    """The development questions; without ../shared the test skips before a page opens."""
    return dev_queries()


# Search: the same ranking as the command line.


def test_dev_queries_typed_into_the_search_box_rank_as_the_cli(
    dev_pairs: list[tuple[str, str]], desktop: Any, server: str, cli: FaqIndex
) -> None:
    pairs = dev_pairs
    desktop.goto(server)
    same = found_site = found_cli = 0
    differ = []
    for query, slug in pairs:
        shown = type_home(desktop, query)[:3]
        expected = [h.id for h in cli.search(query, 3)]
        same += shown == expected
        if shown != expected:
            differ.append((query, shown, expected))
        found_site += slug in shown
        found_cli += slug in expected
    assert same >= 57, f"前 3 名与命令行不同：{differ}"
    assert abs(found_site - found_cli) / len(pairs) <= 0.03
    assert found_cli / len(pairs) >= 0.9


def test_the_browser_scores_every_query_as_the_cli(
    desktop: Any, server: str, cli: FaqIndex, entries: list[Entry]
) -> None:
    rng = random.Random(13)
    text = normalise("\n".join(e.meta.title + "\n" + markdown_text(e.body) for e in entries))
    lines = [line for line in text.splitlines() if line.strip()]
    queries = own_queries()
    if (SHARED / "faq" / "dev-queries.yaml").is_file():
        queries += [q for q, _ in dev_queries()]
    for _ in range(300):
        line = rng.choice(lines)
        start = rng.randrange(len(line))
        piece = line[start : start + rng.randint(1, 24)] + rng.choice(["", "吗", " ie", "怎么办？"])
        queries.append(piece.strip() or "密码")
    desktop.goto(server)
    desktop.evaluate("zzxtSearch.load()")
    ranked = desktop.evaluate("qs => qs.map(q => zzxtSearch.search(q, 10))", queries)
    for query, hits in zip(queries, ranked, strict=True):
        expected = cli.search(query, 10)
        assert [h["id"] for h in hits] == [h.id for h in expected], query
        for mine, theirs in zip(hits, expected, strict=True):
            assert mine["score"] == pytest.approx(theirs.score, abs=1e-4), query


# Short queries: an answer first, or "没有找到？".
SHORT = {
    "怎么申请账号": {"new-school-account", "add-or-change-operator", "college-department-accounts"},
    # No page is about exporting this list: pages on paying 助学金 and on exporting answer.
    "助学金发放名单导出": {
        "aid-list-entry-steps",
        "disbursement-record-entry",
        "zhongzhi-aid-card",
        "export-security-confirm",
        "popup-blocked-download",
    },
    "数据上报截止": {"deadline-lock-and-late-entry", "work-schedule-division"},
    "手机号变更": {"add-or-change-operator"},
    "忘记密码": {"pwd-forgot-reset"},
}


@pytest.mark.parametrize("query", list(SHORT), ids=list(SHORT))
def test_short_queries_find_an_answer_first_or_say_nothing_was_found(
    desktop: Any, server: str, policy: Policy, query: str
) -> None:
    desktop.goto(server)
    shown = type_home(desktop, query)
    state = desktop.locator(".zz-search-inline").get_attribute("data-zz-state")
    if state == "none":
        box = desktop.locator(".zz-search-inline .zz-notfound")
        assert box.is_visible()
        assert box.inner_text().startswith("没有找到？")
        report = box.get_by_role("link", name="报送问题")
        assert report.get_attribute("href").endswith(f"{policy.site.guide_path}index.html#channels")
    else:
        assert shown and shown[0] in SHORT[query], f"“{query}”的第一个结果是 {shown[:3]}"


@pytest.mark.parametrize(
    ("query", "anchor"),
    [("答复时限", "deadlines"), ("邮件主题格式", "subject"), ("首接负责制", "first-contact")],
    ids=["答复时限", "邮件主题", "首接负责制"],
)
def test_the_service_guide_answers_what_it_covers(
    desktop: Any, server: str, policy: Policy, query: str, anchor: str
) -> None:
    desktop.goto(server)
    type_home(desktop, query)
    inline = desktop.locator(".zz-search-inline")
    assert inline.get_attribute("data-zz-state") == "found"
    section = inline.locator(f".md-search-result__link[data-zz-section='{anchor}']")
    assert section.count() == 1
    section.click()
    desktop.wait_for_url(f"**/{policy.site.guide_path}index.html?h=*#{anchor}")


def test_guide_sections_rank_as_in_python(desktop: Any, server: str, built_site: Path) -> None:
    data = read_index(built_site / INDEX)["sections"]
    python = ExportedIndex(data)
    queries = ["答复时限", "邮件主题格式", "账号申请", "几个工作日答复", "身份证号 导入", "培训"]
    desktop.goto(server)
    desktop.evaluate("zzxtSearch.load()")
    shown = desktop.evaluate("qs => qs.map(q => zzxtSearch.sections(q, 5))", queries)
    for query, hits in zip(queries, shown, strict=True):
        expected = python.search(query, 5)
        assert [h["id"] for h in hits] == [i for i, _ in expected], query
        assert [h["score"] for h in hits] == pytest.approx([s for _, s in expected]), query


def test_phone_number_change_says_nothing_was_found(desktop: Any, server: str) -> None:
    desktop.goto(server)
    type_home(desktop, "手机号变更")
    assert desktop.locator(".zz-search-inline").get_attribute("data-zz-state") == "none"
    desktop.locator(".zz-search-inline").get_by_role("link", name="报送问题").click()
    desktop.wait_for_url("**/index.html#channels")


@pytest.mark.parametrize("query", QUERIES)
def test_chinese_search_finds_the_right_page(
    desktop: Any, server: str, entries: list[Entry], query: str
) -> None:
    expected = expected_pages(entries, query)
    desktop.goto(server + "faq/index.html")
    top = [f"faq/{i}.html" for i in type_query(desktop, query)[:TOP]]
    assert expected & set(top), f"“{query}”的前 {TOP} 个结果 {top} 中没有 {sorted(expected)}"


def test_result_titles_are_the_pages_titles_and_highlight_the_query(
    desktop: Any, server: str, entries: list[Entry]
) -> None:
    titles = {e.id: e.meta.title for e in entries}
    desktop.goto(server + "faq/index.html")
    shown = type_query(desktop, "忘记密码")
    headings = desktop.locator(".zz-search-results .md-search-result__link h1").evaluate_all(
        "els => els.map(e => e.textContent)"
    )
    assert headings == [titles[i] for i in shown]
    assert not any("\u200b" in h for h in headings)
    copied = desktop.locator(".zz-search-results h1").first.evaluate(
        "el => { const s = getSelection(); s.selectAllChildren(el); return s.toString(); }"
    )
    assert copied == titles[shown[0]]
    marks = desktop.locator(".zz-search-results h1 mark").all_inner_texts()
    assert "密码" in marks


def test_keyboard_opens_search_moves_through_results_and_highlights_the_page(
    desktop: Any, server: str
) -> None:
    desktop.goto(server + "faq/index.html")
    desktop.keyboard.press("/")  # the theme's shortcut
    assert desktop.evaluate("document.activeElement.classList.contains('md-search__input')")
    desktop.keyboard.insert_text("导出没有反应")
    first = results(desktop, "导出没有反应")[0]
    desktop.keyboard.press("ArrowDown")
    focused = desktop.evaluate("document.activeElement.dataset.zzId")
    assert focused == first
    desktop.keyboard.press("ArrowDown")
    assert desktop.evaluate("document.activeElement.dataset.zzId") != first
    desktop.keyboard.press("ArrowUp")
    desktop.keyboard.press("Enter")
    desktop.wait_for_url(f"**/faq/{first}.html?h=*")
    desktop.wait_for_selector("article mark[data-md-highlight]")
    marked = desktop.locator("article mark[data-md-highlight]").all_inner_texts()
    assert "导出" in marked


def test_enter_in_the_search_box_opens_the_best_result(desktop: Any, server: str) -> None:
    desktop.goto(server)
    best = type_home(desktop, "忘记密码")[0]
    desktop.locator("input.zz-search__input").press("Enter")
    desktop.wait_for_url(f"**/faq/{best}.html?h=*")


def test_home_search_box_is_a_real_field_keyboard_and_pointer_reach(
    desktop: Any, server: str
) -> None:
    desktop.goto(server)
    box = desktop.locator("input.zz-search__input")
    assert box.get_attribute("type") == "search"
    box.click()
    assert desktop.evaluate("document.activeElement.classList.contains('zz-search__input')")
    desktop.goto(server)
    for _ in range(20):
        desktop.keyboard.press("Tab")
        if desktop.evaluate("document.activeElement.classList.contains('zz-search__input')"):
            break
    else:
        pytest.fail("按 Tab 到不了首页的搜索框")
    assert type_home(desktop, "困难认定")
    desktop.keyboard.press("ArrowDown")
    assert desktop.evaluate("document.activeElement.classList.contains('md-search-result__link')")
    desktop.keyboard.press("Tab")  # results are ordinary links on the page
    assert desktop.evaluate("document.activeElement.tagName") in ("A", "SUMMARY")


def test_home_search_chips_fill_the_box(desktop: Any, server: str) -> None:
    desktop.goto(server)
    chip = desktop.locator(".zz-hero a.zz-chip").first
    word = chip.inner_text()
    chip.click()
    assert desktop.locator("input.zz-search__input").input_value() == word
    assert results(desktop, word, ".zz-search-inline")


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
    top = {f"faq/{i}.html" for i in type_query(phone, QUERIES[0])[:TOP]}
    assert expected_pages(entries, QUERIES[0]) & top
    phone.goto(server)
    phone.locator("input.zz-search__input").tap()
    # A real field: the tap focuses it, so a phone's keyboard comes up.
    assert phone.evaluate("document.activeElement.classList.contains('zz-search__input')")
    assert type_home(phone, QUERIES[0])
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
    ):
        desktop.goto(server + path)
        desktop.wait_for_load_state("networkidle")
    desktop.goto(server + "?q=" + quote("密码"))
    results(desktop, "密码")
    recorder = desktop.context.recorder
    assert any(url.endswith(INDEX.as_posix()) for url in recorder.urls)
    # The fixture then fails the test on any request not to 127.0.0.1 or any 4xx/5xx.


def test_search_works_from_file_urls(browser: Any, built_site: Path, entries: list[Entry]) -> None:
    if not (built_site / SHIM).is_file():
        unavailable("缺少 iframe-worker（scripts/fetch_site_assets.py 未能从 npm 获取）")
    context = open_context(browser, allowed=("file",), viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto((built_site / "index.html").as_uri() + "?q=" + quote("密码"))
        top = {f"faq/{i}.html" for i in results(page, "密码")[:TOP]}
        assert expected_pages(entries, "密码") & top
        page.goto((built_site / "faq" / "index.html").as_uri())
        assert type_query(page, "导出没有反应")[0] == "popup-blocked-download"
        assert not context.recorder.foreign(), context.recorder.foreign()[:5]
    finally:
        context.close()

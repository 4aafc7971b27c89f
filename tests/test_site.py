"""The generated pages follow the policy and list every FAQ entry where it belongs."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from tests.support.paths import ROOT
from tests.support.trainings import with_example_training
from tracker.kb import site
from tracker.kb.entries import Entry, FrontMatter, load_entries
from tracker.policy import Policy, load_policy, parse_policy


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


@pytest.fixture(scope="module")
def entries(policy: Policy) -> list[Entry]:
    found = load_entries(ROOT / "docs" / "faq", policy)
    assert found, "docs/faq 下没有常见问题页面"
    return found


@pytest.fixture(scope="module")
def pages(policy: Policy, entries: list[Entry]) -> dict[str, str]:
    return site.pages(policy, entries)


def make_entry(id: str, **meta: object) -> Entry:
    fields: dict[str, object] = {
        "id": id,
        "title": f"问题 {id}",
        "category": "application",
        "subcategory": "login",
        "trained": False,
        "keywords": ["登录"],
        "updated": date(2026, 1, 1),
        **meta,
    }
    return Entry(FrontMatter.model_validate(fields), f"# 问题 {id}\n\n正文。\n", Path(id))


def links_in(markdown: str) -> set[str]:
    return set(re.findall(r"\]\(([^)#\s]+)", markdown))


def test_every_entry_is_listed_on_its_category_page_and_the_faq_index(
    policy: Policy, entries: list[Entry], pages: dict[str, str]
) -> None:
    for entry in entries:
        category = site.category_page(entry.meta.category)
        assert site.link(category, site.entry_page(entry)) in links_in(pages[category]), entry.id
        assert site.link(site.FAQ_INDEX, site.entry_page(entry)) in links_in(pages[site.FAQ_INDEX])


def test_stage_pages_list_their_own_and_the_general_entries(
    policy: Policy, entries: list[Entry], pages: dict[str, str]
) -> None:
    for stage in policy.stages:
        path = site.stage_page(stage.key)
        listed = links_in(pages[path])
        for entry in entries:
            expected = not entry.meta.stages or stage.key in entry.meta.stages
            assert (site.link(path, site.entry_page(entry)) in listed) == expected, (
                stage.key,
                entry.id,
            )


def test_trained_page_lists_exactly_the_trained_entries(policy_text: str) -> None:
    # Only the training register makes an entry trained; an example record covers two.
    policy = parse_policy(with_example_training(policy_text), "example.yml")
    entries = load_entries(ROOT / "docs" / "faq", policy)
    listed = links_in(site.pages(policy, entries)[site.TRAINED])
    assert sum(e.meta.trained for e in entries) == 2
    for entry in entries:
        assert (site.link(site.TRAINED, site.entry_page(entry)) in listed) == entry.meta.trained


def test_keyword_page_has_an_anchor_for_every_keyword(
    policy: Policy, entries: list[Entry], pages: dict[str, str]
) -> None:
    page = pages[site.KEYWORDS]
    for entry in entries:
        header = site.entry_header(policy, entry)
        for word in entry.meta.keywords:
            anchor = site.keyword_anchor(word)
            assert f"{{#{anchor}}}" in page, word
            assert f"keywords.md#{anchor})" in header


def test_recent_page_is_newest_first_and_limited() -> None:
    policy = load_policy()
    many = [make_entry(f"q{i:02d}", updated=date(2026, 1, 1 + i % 28)) for i in range(40)]
    page = site.recent(policy, many)
    dates = re.findall(r"<small>(\d{4}-\d\d-\d\d)", page)
    assert len(dates) == site.RECENT_LIMIT
    assert dates == sorted(dates, reverse=True)


def test_guide_states_the_policy(policy: Policy, pages: dict[str, str]) -> None:
    guide = pages["guide/index.md"]
    assert policy.service.phone in guide
    for unit in policy.accepted_units:
        assert unit in guide
    for item in policy.report.required_items:
        assert f". {item}\n" in guide
    for i, category in enumerate(policy.categories):
        # Which mailbox for which category, and a worked subject line for each.
        line = next(
            line for line in guide.splitlines() if line.startswith(f"- **{category.name}**")
        )
        for address in policy.mailboxes_for(category.key):
            assert address in line
        city = policy.cities[i % len(policy.cities)]
        stage = policy.stages[i % len(policy.stages)].name
        assert f"`{policy.subject(city, stage, category.key)}`" in guide
        assert f"| {category.name} | {category.deadline.breach} 个工作日 |" in guide
    for article in (
        "第十一条",
        "第十二条",
        "第十三条",
        "第十五条",
        "第十六条",
        "第十七条",
        "第十九条",
    ):
        assert article in guide
    assert 'class="zz-flow"' in guide


def test_worked_deadline_example_counts_make_up_saturday_not_receipt_day(
    pages: dict[str, str],
) -> None:
    guide = pages["guide/index.md"]
    # Received 2025-09-30: the National Day holiday is skipped, Saturday 10-11 is worked.
    assert "| 技术类问题 | 3 个工作日 | 2025年10月11日（星期六） |" in guide
    assert "| 应用类问题 | 2 个工作日 | 2025年10月10日（星期五） |" in guide
    assert "| 2025年10月11日（星期六） | 调休上班" in guide
    assert "| 2025年9月30日" not in guide


def test_a_policy_change_reaches_the_site(policy_text: str, entries: list[Entry]) -> None:
    changed = (
        policy_text.replace("phone: 020-87777742", "phone: 020-12345678")
        .replace("deadline: {warn: 2, breach: 3}", "deadline: {warn: 2, breach: 4}")
        .replace("guide_path: guide/", "guide_path: help/")
    )
    policy = parse_policy(changed, "changed.yml")
    pages = site.pages(policy, entries)
    assert "guide/index.md" not in pages
    guide = pages["help/index.md"]
    assert "020-12345678" in guide and "020-87777742" not in guide
    assert "| 技术类问题 | 4 个工作日 | 2025年10月13日（星期一） |" in guide
    assert "020-12345678" in pages[site.HOME]
    assert {"服务指南": "help/index.md"} in site.nav(policy)


def test_empty_guide_path_is_refused(policy_text: str) -> None:
    policy = parse_policy(policy_text.replace("guide_path: guide/", 'guide_path: ""'), "p.yml")
    with pytest.raises(site.SiteError, match="guide_path"):
        site.pages(policy, [])


def test_an_entry_may_not_take_an_index_page_name(policy: Policy) -> None:
    with pytest.raises(site.SiteError, match=r"docs/faq/trained\.md"):
        site.pages(policy, [make_entry("trained")])


def test_pages_build_without_entries(policy: Policy) -> None:
    pages = site.pages(policy, [])
    assert "暂无" in pages[site.TRAINED]
    assert "常见问题 0 篇" in pages[site.HOME]


def test_nav_points_at_generated_pages_only(policy: Policy, pages: dict[str, str]) -> None:
    def paths(node: object) -> list[str]:
        if isinstance(node, str):
            return [node]
        if isinstance(node, dict):
            return [p for value in node.values() for p in paths(value)]
        if isinstance(node, list):
            return [p for item in node for p in paths(item)]
        return []

    targets = paths(site.nav(policy))
    assert targets and all(t in pages for t in targets)
    assert set(pages) - set(targets) == {site.HOME}


def test_decorate_puts_the_header_under_the_title(policy: Policy) -> None:
    entry = make_entry("x1", stages=["compulsory"], trained=True, aliases=["另一种问法"])
    text = site.decorate(policy, entry, entry.body)
    title, rest = text.split("\n", 1)
    assert title == "# 问题 x1"
    assert rest.index('class="zz-meta"') < rest.index("正文。")
    assert "[义务教育](stage/compulsory.md)" in rest
    assert "[系统登录类](category/application.md#login)" in rest
    assert "[已培训要求掌握](trained.md)" in rest
    assert "另一种问法" in rest


def test_home_leads_with_search_then_categories_reporting_and_contacts(
    policy: Policy, pages: dict[str, str]
) -> None:
    home = pages[site.HOME]
    order = [
        home.index('<input type="search"'),
        home.index("## 问题类别"),
        home.index("## 如何报送问题"),
        home.index("## 服务联系方式"),
    ]
    assert order == sorted(order)
    for category in policy.categories:
        assert f"]({site.category_page(category.key)})" in home
    for box in policy.service.mailboxes:
        assert box.address in home

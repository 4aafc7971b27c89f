"""The built site: strict, one search over the FAQ, self-contained, driven by the policy."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.paths import shared_file
from tests.support.site import INDEX, ROOT, SHIM, mkdocs_build, small_site
from tests.support.site_search import ExportedIndex, read_index
from tracker.kb import site
from tracker.kb.entries import Entry, load_entries
from tracker.kb.search import FaqIndex, default_analyzer, page_sections
from tracker.policy import load_policy

USER_DICT = ROOT / "tracker" / "resources" / "jieba_userdict.txt"
# A page that links to no other FAQ page, so a site of it alone builds strictly.
EXAMPLE_NAME = "username-format.md"
EXAMPLE = (ROOT / "docs" / "faq" / EXAMPLE_NAME).read_text("utf-8")


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return load_entries(ROOT / "docs" / "faq", load_policy())


@pytest.fixture(scope="module")
def index(built_site: Path) -> dict[str, Any]:
    """The site's search index, as the browser reads it."""
    return read_index(built_site / INDEX)


def hrefs(path: Path) -> set[str]:
    """Return the pages a built page links to, as paths relative to the site root."""
    html = path.read_text("utf-8")
    base = path.parent
    out = set()
    for href in re.findall(r'href="([^"#?]+)', html):
        if "://" not in href:
            out.add((base / href).resolve().as_posix())
    return out


def page(site: Path, src: str) -> Path:
    return (site / src).with_suffix(".html")


def terms(index: dict[str, Any]) -> set[str]:
    return {t for f in index["fields"] if not f["grams"] for t in f["terms"]}


def test_search_index_holds_every_faq_and_nothing_else(
    index: dict[str, Any], entries: list[Entry], built_site: Path
) -> None:
    assert [d[0] for d in index["docs"]] == [e.id for e in entries]
    for doc in index["docs"]:
        assert (built_site / doc[2]).is_file(), doc[2]
        assert "\u200b" not in doc[1] + doc[4]
    # The theme's own engine indexes nothing: one search on the site.
    theirs = json.loads((built_site / "search" / "search_index.json").read_text("utf-8"))
    assert theirs["docs"] == []


def test_search_index_ranks_as_the_command_line(
    index: dict[str, Any], entries: list[Entry]
) -> None:
    policy = load_policy()
    cli = FaqIndex.build(entries, policy)
    site = ExportedIndex(index)
    rows = yaml.safe_load(shared_file("faq/dev-queries.yaml").read_text("utf-8"))
    for query in [row["query"] for row in rows] + ["忘记密码", "数据上报截止"]:
        mine = [(h.id, h.score) for h in cli.search(query, 10)]
        assert [(i, round(s, 4)) for i, s in site.search(query, 10)] == mine, query
    assert index["min_score"] == policy.triage.faq_min_score


def test_the_service_guide_is_a_second_index_of_its_sections(
    index: dict[str, Any], entries: list[Entry]
) -> None:
    policy = load_policy()
    guide = site.guide(policy, entries)
    sections = page_sections(guide)
    data = index["sections"]
    assert [d[0] for d in data["docs"]] == [s.anchor for s in sections]
    assert all(d[2] == f"{policy.site.guide_path}index.html#{d[0]}" for d in data["docs"])
    assert data["min_score"] == policy.triage.faq_min_score / 2
    expected = FaqIndex.build_sections(
        f"{policy.site.guide_path}index.html", sections, policy.site.url
    )
    for query in ["答复时限", "邮件主题格式", "首接负责制", "忘记密码"]:
        mine = [(h.id, h.score) for h in expected.search(query, 5)]
        got = [(i, round(s, 4)) for i, s in ExportedIndex(data).search(query, 5)]
        assert got == mine, query
    assert ExportedIndex(data).search("答复时限", 1)[0][0] == "deadlines"


def test_not_found_links_to_where_problems_are_reported(
    index: dict[str, Any], built_site: Path
) -> None:
    path, _, anchor = index["report"].partition("#")
    html = (built_site / path).read_text("utf-8")
    assert f'id="{anchor}"' in html
    assert "服务电话" in html.split(f'id="{anchor}"', 1)[1][:2000]


def test_user_dictionary_keeps_domain_words_whole(
    index: dict[str, Any], entries: list[Entry]
) -> None:
    known = terms(index)
    text = " ".join(e.meta.title + e.body for e in entries)
    whole = [
        line.split()[0]
        for line in USER_DICT.read_text("utf-8").splitlines()
        if line.strip() and len(line.split()) == 1
    ]
    present = [w for w in whole if w in text]
    assert present, "词典中的词没有出现在任何页面中，无法检验"
    assert set(present) <= known
    # Frequency-0 entries split a compound so its last word can be searched alone.
    assert "初始密码" not in known and "密码" in known
    assert default_analyzer().tokens("初始密码") == ["初始", "密码"]


def test_the_users_site_has_no_administrators_pages(built_site: Path) -> None:
    assert not (built_site / "admin").exists()
    for path in built_site.rglob("*.html"):
        html = path.read_text("utf-8")
        assert "admin/" not in html, path.relative_to(built_site)
        assert "管理员文档" not in html and ">管理员<" not in html


def test_home_page_search_is_a_search_field(built_site: Path) -> None:
    html = (built_site / "index.html").read_text("utf-8")
    form = re.search(r'<form[^>]*class="zz-search".*?</form>', html, re.S)
    assert form is not None
    assert '<input type="search"' in form.group(0)
    assert '<label class="zz-search"' not in html
    assert 'src="javascripts/zzxt-search.js"' in html


def test_generated_pages_are_built(built_site: Path, entries: list[Entry]) -> None:
    policy = load_policy()
    assert (built_site / policy.site.guide_path / "index.html").is_file()
    home = built_site / "index.html"
    category_pages = [page(built_site, f"faq/category/{c.key}") for c in policy.categories]
    reachable = set().union(*(hrefs(p) for p in category_pages))
    for entry in entries:
        assert page(built_site, f"faq/{entry.id}").resolve().as_posix() in reachable, entry.id
    assert {p.resolve().as_posix() for p in category_pages} <= hrefs(home)


def test_nothing_is_loaded_from_other_hosts(built_site: Path) -> None:
    pattern = re.compile(
        r"<(?:script|img|iframe|source)[^>]+src=\"(?:https?:)?//"
        r"|<link[^>]+href=\"(?:https?:)?//[^\"]+\"[^>]*>"
        r"|url\(\s*['\"]?(?:https?:)?//"
        r"|@import\s+['\"]?(?:url\()?['\"]?(?:https?:)?//"
    )
    checked = 0
    for path in built_site.rglob("*"):
        if path.suffix in (".html", ".css") or path.name.startswith("zzxt"):
            text = path.read_text("utf-8")
            links = [m for m in pattern.findall(text) if 'rel="canonical"' not in m]
            assert not links, f"{path.relative_to(built_site)}: {links[:3]}"
            assert "unpkg.com" not in text and "fonts.googleapis" not in text
            if path.suffix == ".js":  # the search script and its index name no address at all
                assert not re.search(r"https?://", text), path.name
            checked += 1
    assert checked > 60


def test_offline_search_shim_is_local(built_site: Path) -> None:
    shim = built_site / SHIM
    if not shim.is_file():
        if os.environ.get("ZZXT_REQUIRE_BROWSER"):
            pytest.fail("缺少 iframe-worker：scripts/fetch_site_assets.py 未能从 npm 获取")
        pytest.skip("未能从 npm 获取 iframe-worker（无网络或无 npm）；CI 中为必需")
    html = (built_site / "index.html").read_text("utf-8")
    assert f'src="{SHIM.as_posix()}"' in html
    assert (built_site / "search" / "search_index.js").is_file()
    assert (built_site / INDEX).is_file()


def test_invalid_faq_fails_the_build_naming_file_and_field(tmp_path: Path) -> None:
    bad = EXAMPLE.replace("subcategory: login", "subcategory: logon")
    config = small_site(tmp_path, {EXAMPLE_NAME: bad})
    result = mkdocs_build(tmp_path / "site", config)
    assert result.returncode != 0
    assert f"{EXAMPLE_NAME} 第 5 行，字段 subcategory" in result.stderr
    assert "应为 operation, login, training 之一" in result.stderr


def test_zzxt_policy_changes_the_site_on_the_next_build(tmp_path: Path, policy_text: str) -> None:
    policy = tmp_path / "province.yml"
    policy.write_text(
        policy_text.replace("phone: 020-87777742", "phone: 0755-1234567").replace(
            "deadline: {warn: 1, breach: 2}", "deadline: {warn: 1, breach: 3}"
        ),
        encoding="utf-8",
    )
    config = small_site(tmp_path, {EXAMPLE_NAME: EXAMPLE})
    result = mkdocs_build(tmp_path / "site", config, ZZXT_POLICY=str(policy))
    assert result.returncode == 0, result.stderr
    guide = (tmp_path / "site" / "guide" / "index.html").read_text("utf-8")
    assert "0755-1234567" in guide and "020-87777742" not in guide
    assert "<td>应用类问题</td>\n<td>3 个工作日</td>" in guide
    home = (tmp_path / "site" / "index.html").read_text("utf-8")
    assert "0755-1234567" in home


def test_invalid_policy_fails_the_build(tmp_path: Path, policy_text: str) -> None:
    policy = tmp_path / "bad.yml"
    policy.write_text(policy_text.replace("breach: 3}", "breach: soon}"), encoding="utf-8")
    config = small_site(tmp_path, {EXAMPLE_NAME: EXAMPLE})
    result = mkdocs_build(tmp_path / "site", config, ZZXT_POLICY=str(policy))
    assert result.returncode != 0
    assert "字段 categories[1].deadline.breach：应为整数" in result.stderr

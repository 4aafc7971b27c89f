"""The built site: strict, searchable in Chinese, self-contained, driven by the policy."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.site import ROOT, SHIM, mkdocs_build, small_site
from tracker.kb.entries import Entry, load_entries
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
    data: dict[str, Any] = json.loads((built_site / "search" / "search_index.json").read_text())
    return data


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


def test_search_index_is_segmented_and_has_every_faq(
    index: dict[str, Any], entries: list[Entry]
) -> None:
    texts = " ".join(doc["title"] + doc["text"] for doc in index["docs"])
    assert "\u200b" in texts, "没有 jieba 分词：检查 jieba 是否已安装"
    locations = {doc["location"] for doc in index["docs"]}
    for entry in entries:
        assert f"faq/{entry.id}.html" in locations, entry.id
    assert "\u200b" in index["config"]["separator"] or "u200b" in index["config"]["separator"]


def test_user_dictionary_keeps_domain_words_whole(index: dict[str, Any]) -> None:
    # The FAQ pages are what people search; administrators' pages use words in other senses.
    texts = "\u200b".join(
        doc["title"] + "\u200b" + doc["text"]
        for doc in index["docs"]
        if doc["location"].startswith("faq/")
    )
    whole = [
        line.split()[0]
        for line in USER_DICT.read_text("utf-8").splitlines()
        if line.strip() and len(line.split()) == 1
    ]
    present = [w for w in whole if w in texts.replace("\u200b", "")]
    assert present, "词典中的词没有出现在任何页面中，无法检验"
    for word in present:
        for i in range(1, len(word)):
            assert word[:i] + "\u200b" + word[i:] not in texts, f"{word} 被切开了"
    # Frequency-0 entries split a compound so its last word can be searched alone.
    assert "初始密码" not in texts.split("\u200b")


def test_generated_pages_are_built(built_site: Path, entries: list[Entry]) -> None:
    policy = load_policy()
    assert (built_site / policy.site.guide_path / "index.html").is_file()
    home = built_site / "index.html"
    category_pages = [page(built_site, f"faq/category/{c.key}") for c in policy.categories]
    reachable = set().union(*(hrefs(p) for p in category_pages))
    for entry in entries:
        assert page(built_site, f"faq/{entry.id}").resolve().as_posix() in reachable, entry.id
    assert {p.resolve().as_posix() for p in category_pages} <= hrefs(home)


def test_index_pages_are_not_search_results(index: dict[str, Any]) -> None:
    locations = {doc["location"].split("#")[0] for doc in index["docs"]}
    assert "guide/index.html" in locations
    for generated in ("index.html", "faq/trained.html", "faq/keywords.html", "faq/recent.html"):
        assert generated not in locations


def test_nothing_is_loaded_from_other_hosts(built_site: Path) -> None:
    pattern = re.compile(
        r"<(?:script|img|iframe|source)[^>]+src=\"(?:https?:)?//"
        r"|<link[^>]+href=\"(?:https?:)?//[^\"]+\"[^>]*>"
        r"|url\(\s*['\"]?(?:https?:)?//"
        r"|@import\s+['\"]?(?:url\()?['\"]?(?:https?:)?//"
    )
    checked = 0
    for path in built_site.rglob("*"):
        if path.suffix in (".html", ".css"):
            text = path.read_text("utf-8")
            links = [m for m in pattern.findall(text) if 'rel="canonical"' not in m]
            assert not links, f"{path.relative_to(built_site)}: {links[:3]}"
            assert "unpkg.com" not in text and "fonts.googleapis" not in text
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

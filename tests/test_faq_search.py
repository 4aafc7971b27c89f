"""FAQ search: the real pages, synonyms, the cache and the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.paths import ROOT, Invoke
from tests.support.trainings import with_example_training
from tracker.kb.entries import Entry, load_entries
from tracker.kb.search import (
    FaqIndex,
    Hit,
    SearchError,
    default_analyzer,
    default_cache_dir,
    entry_url,
)
from tracker.policy import Policy, default_policy_text, load_policy, parse_policy

FAQ = ROOT / "docs" / "faq"


@pytest.fixture(autouse=True)
def no_real_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the developer's own index cache out of the command-line tests."""
    monkeypatch.delenv("ZZXT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


@pytest.fixture(scope="module")
def entries(policy: Policy) -> list[Entry]:
    return load_entries(FAQ, policy)


@pytest.fixture(scope="module")
def index(entries: list[Entry], policy: Policy) -> FaqIndex:
    return FaqIndex.build(entries, policy)


def ids(hits: list[Hit]) -> list[str]:
    return [h.id for h in hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("忘记密码", "pwd-forgot-reset"),
        ("身份证号 导入", "excel-text-format"),
        ("困难认定", "difficulty-level-options"),
        ("首次登录 修改密码", "first-login-change-password"),
        ("中职 免学费", "zhongzhi-free-tuition"),
        ("导出没有反应", "popup-blocked-download"),
    ],
    ids=["忘记密码", "身份证号导入", "困难认定", "首次登录", "中职免学费", "导出没反应"],
)
def test_typical_queries_find_the_page_in_the_top_three(
    index: FaqIndex, entries: list[Entry], query: str, expected: str
) -> None:
    assert expected in {e.id for e in entries}
    assert expected in ids(index.search(query, 3))


@pytest.mark.parametrize(
    ("colloquial", "standard"),
    [("登不上", "登录"), ("登陆", "登录"), ("忘记口令", "忘记密码"), ("下载模版", "下载模板")],
    ids=["登不上", "登陆", "口令", "模版"],
)
def test_colloquial_words_find_what_the_standard_words_find(
    index: FaqIndex, colloquial: str, standard: str
) -> None:
    found = index.search(colloquial, 3)
    assert found
    assert found[0].id == index.search(standard, 3)[0].id


def test_synonyms_map_to_the_standard_word() -> None:
    analyzer = default_analyzer()
    assert "登录" in analyzer.tokens("资助平台登不上")
    assert "资助系统" in analyzer.tokens("资助平台登不上")
    assert "密码" in analyzer.tokens("口令忘了")


def test_full_width_and_case_are_normalised(index: FaqIndex) -> None:
    assert index.search("ＥＸＣＥＬ　身份证号", 5) == index.search("excel 身份证号", 5)
    assert index.search("IE", 5) == index.search("ie", 5)


def test_scores_descend_and_limit_holds(index: FaqIndex) -> None:
    hits = index.search("学生名单 导入 报错", 7)
    assert len(hits) == 7
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(s > 0 for s in scores)
    assert index.search("学生名单 导入 报错", 2) == hits[:2]


def test_hit_carries_trained_and_the_site_url(index: FaqIndex, policy: Policy) -> None:
    hit = index.search("忘记密码", 1)[0]
    assert hit.trained is False  # the shipped policy registers no training
    assert hit.url == "https://zzxt.example.com/faq/pwd-forgot-reset.html"
    assert hit.url == entry_url(policy, hit.id)
    trained = parse_policy(with_example_training(default_policy_text()), "example.yml")
    again = FaqIndex.build(load_entries(FAQ, trained), trained).search("忘记密码", 1)[0]
    assert (again.id, again.trained) == ("pwd-forgot-reset", True)


def test_every_url_is_a_page_of_the_built_site(
    built_site: Path, entries: list[Entry], policy: Policy
) -> None:
    base = policy.site.url.rstrip("/") + "/"
    for entry in entries:
        url = entry_url(policy, entry.id)
        assert url.startswith(base)
        assert (built_site / url.removeprefix(base)).is_file(), url


@pytest.mark.parametrize("query", ["", "   ", "\u3000\n"], ids=["空", "空格", "全角空格"])
def test_blank_query_is_refused(index: FaqIndex, query: str) -> None:
    with pytest.raises(SearchError, match="搜索内容不能为空"):
        index.search(query)


@pytest.mark.parametrize("query", ["xyzzy", "的了吗", "？！"], ids=["无匹配", "只有虚词", "标点"])
def test_no_match_gives_an_empty_list(index: FaqIndex, query: str) -> None:
    assert index.search(query) == []


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=60).filter(str.strip))
def test_any_text_searches_without_error(index: FaqIndex, query: str) -> None:
    hits = index.search(query, 5)
    assert len(hits) <= 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_a_field_no_entry_uses_is_skipped(entries: list[Entry], policy: Policy) -> None:
    bare = [Entry(e.meta.model_copy(update={"aliases": []}), e.body, e.path) for e in entries]
    index = FaqIndex.build(bare, policy)
    assert "aliases" not in index.fields
    assert "pwd-forgot-reset" in ids(index.search("忘记密码", 3))


def test_no_entries_find_nothing(policy: Policy) -> None:
    assert FaqIndex.build([], policy).search("忘记密码") == []


# The cache.


@pytest.fixture
def faq_copy(tmp_path: Path) -> Path:
    target = tmp_path / "faq"
    shutil.copytree(FAQ, target)
    return target


def test_cache_is_reused_and_only_a_changed_page_is_segmented_again(
    faq_copy: Path, tmp_path: Path, policy: Policy
) -> None:
    cache = tmp_path / "cache"
    first = FaqIndex.build(load_entries(faq_copy, policy), policy, cache_dir=cache)
    assert first.tokenised == 60
    second = FaqIndex.build(load_entries(faq_copy, policy), policy, cache_dir=cache)
    assert second.tokenised == 0
    assert second.key == first.key
    assert second.search("忘记密码", 5) == first.search("忘记密码", 5)

    page = faq_copy / "pwd-forgot-reset.md"
    page.write_text(page.read_text("utf-8") + "\n遇到独角兽报警时也按本页处理。\n", "utf-8")
    third = FaqIndex.build(load_entries(faq_copy, policy), policy, cache_dir=cache)
    assert third.tokenised == 1
    assert third.key != first.key
    assert ids(third.search("独角兽", 3)) == ["pwd-forgot-reset"]
    assert first.search("独角兽", 3) == []


def test_a_broken_cache_is_rebuilt(faq_copy: Path, tmp_path: Path, policy: Policy) -> None:
    cache = tmp_path / "cache"
    entries = load_entries(faq_copy, policy)
    FaqIndex.build(entries, policy, cache_dir=cache)
    (stored,) = cache.glob("faq-tokens-*.json")
    stored.write_text("{", "utf-8")
    again = FaqIndex.build(entries, policy, cache_dir=cache)
    assert again.tokenised == 60
    assert "pwd-forgot-reset" in ids(again.search("忘记密码", 3))
    assert json.loads(stored.read_text("utf-8"))["entries"]


def test_an_unwritable_cache_only_costs_time(
    entries: list[Entry], policy: Policy, tmp_path: Path
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", "utf-8")
    index = FaqIndex.build(entries, policy, cache_dir=blocked / "cache")
    assert index.tokenised == 60
    assert "pwd-forgot-reset" in ids(index.search("忘记密码", 3))


def test_cache_of_an_earlier_version_is_removed(
    entries: list[Entry], policy: Policy, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    legacy = cache / "faq-index-0123456789abcdef"
    legacy.mkdir(parents=True)
    (legacy / "meta.json").write_text("{}", "utf-8")
    FaqIndex.build(entries, policy, cache_dir=cache)
    assert not legacy.exists()
    assert len(list(cache.glob("faq-tokens-*.json"))) == 1


# The command line.


def search(invoke: Invoke, cache: Path, *args: str, input: str | None = None) -> Any:
    result = invoke(
        "faq", "search", "--dir", str(FAQ), "--cache-dir", str(cache), *args, input=input
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_cli_json_shape_is_exact(invoke: Invoke, tmp_path: Path, index: FaqIndex) -> None:
    data = search(invoke, tmp_path, "忘记密码", "--limit", "3", "--json")
    assert isinstance(data, list)
    assert len(data) == 3
    for item in data:
        assert list(item) == ["id", "title", "score", "url"]
        assert isinstance(item["score"], float)
    assert data[0] == {
        "id": "pwd-forgot-reset",
        "title": "忘记登录密码，或登录时一直提示“密码错误”怎么办？",
        "score": index.search("忘记密码", 1)[0].score,
        "url": "https://zzxt.example.com/faq/pwd-forgot-reset.html",
    }
    scores = [item["score"] for item in data]
    assert scores == sorted(scores, reverse=True)


def test_cli_limit(invoke: Invoke, tmp_path: Path) -> None:
    assert len(search(invoke, tmp_path, "学生名单 导入", "--limit", "1", "--json")) == 1
    assert len(search(invoke, tmp_path, "学生名单 导入", "--json")) == 5


def test_cli_batch_returns_one_list_per_line_in_order(invoke: Invoke, tmp_path: Path) -> None:
    queries = ["忘记密码", "xyzzy", "困难认定", "身份证号 导入"]
    batch = search(
        invoke,
        tmp_path,
        "--queries",
        "-",
        "--limit",
        "3",
        "--json",
        input="\n".join(queries) + "\n",
    )
    single = [search(invoke, tmp_path, q, "--limit", "3", "--json") for q in queries]
    assert batch == single
    assert batch[1] == []


def test_cli_batch_from_a_file(invoke: Invoke, tmp_path: Path) -> None:
    file = tmp_path / "问题.txt"
    file.write_text("\ufeff口令忘了\r\n登不上\r\n", "utf-8")
    batch = search(invoke, tmp_path, "--queries", str(file), "--limit", "2", "--json")
    assert isinstance(batch, list)
    assert len(batch) == 2
    assert batch[0][0]["id"] == "pwd-forgot-reset"


def test_cli_text_output(invoke: Invoke, tmp_path: Path) -> None:
    (hit,) = search(invoke, tmp_path, "忘记密码", "--limit", "1", "--json")
    result = invoke(
        "faq", "search", "忘记密码", "--limit", "1", "--dir", str(FAQ), "--cache-dir", str(tmp_path)
    )
    assert result.exit_code == 0
    assert result.stdout == (
        "与“忘记密码”最相关的 1 篇常见问题：\n"
        "  1. 忘记登录密码，或登录时一直提示“密码错误”怎么办？\n"
        f"     得分 {hit['score']:.2f}  https://zzxt.example.com/faq/pwd-forgot-reset.html\n"
    )


def test_cli_no_match_is_an_empty_list(invoke: Invoke, tmp_path: Path) -> None:
    assert search(invoke, tmp_path, "xyzzy", "--json") == []
    result = invoke("faq", "search", "xyzzy", "--dir", str(FAQ), "--cache-dir", str(tmp_path))
    assert result.exit_code == 0
    assert result.stdout == "没有找到与“xyzzy”相关的常见问题。\n"


@pytest.mark.parametrize(
    ("args", "input", "words"),
    [
        (["   "], None, "搜索内容不能为空"),
        ([""], None, "搜索内容不能为空"),
        (["--queries", "-"], "忘记密码\n\n困难认定\n", "查询文件第 2 行为空"),
        (["--queries", "-"], "\n\n", "查询文件中没有查询"),
        ([], None, "请给出一个查询"),
        (["忘记密码", "--queries", "-"], "困难认定\n", "二者选一"),
        (["忘记密码", "--limit", "0"], None, "--limit"),
    ],
    ids=["空格", "空", "批量空行", "批量无查询", "无查询", "两者都有", "limit为0"],
)
def test_cli_mistakes_are_chinese_with_exit_2(
    invoke: Invoke, tmp_path: Path, args: list[str], input: str | None, words: str
) -> None:
    result = invoke(
        "faq", "search", *args, "--dir", str(FAQ), "--cache-dir", str(tmp_path), input=input
    )
    assert result.exit_code == 2
    assert "错误：" in result.stderr
    assert words in result.stderr
    assert result.stdout == ""


def test_cli_reuses_the_cache_until_a_page_changes(
    invoke: Invoke, faq_copy: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    args = (
        "faq",
        "search",
        "忘记密码",
        "--json",
        "--dir",
        str(faq_copy),
        "--cache-dir",
        str(cache),
    )
    assert invoke(*args).exit_code == 0
    (built,) = cache.glob("faq-tokens-*.json")
    stamp = built.stat().st_mtime_ns
    assert invoke(*args).exit_code == 0
    assert list(cache.glob("faq-tokens-*.json")) == [built]
    assert built.stat().st_mtime_ns == stamp  # nothing new: not written again

    page = faq_copy / "username-format.md"
    page.write_text(page.read_text("utf-8").replace("用户名", "登录名"), "utf-8")
    assert invoke(*args).exit_code == 0
    assert list(cache.glob("faq-tokens-*.json")) == [built]
    assert built.stat().st_mtime_ns != stamp


def test_cli_default_cache_is_the_user_cache_dir(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("faq", "search", "忘记密码", "--json", "--dir", str(FAQ))
    assert result.exit_code == 0
    assert list((tmp_path / "xdg-cache" / "zzxt").glob("faq-tokens-*.json"))


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"ZZXT_CACHE_DIR": "/c/zz", "XDG_CACHE_HOME": "/x"}, Path("/c/zz")),
        ({"XDG_CACHE_HOME": "/x"}, Path("/x/zzxt")),
        ({}, None),
    ],
    ids=["ZZXT_CACHE_DIR", "XDG_CACHE_HOME", "家目录"],
)
def test_default_cache_dir(env: dict[str, str], expected: Path | None) -> None:
    home = Path.home() / ".cache" / "zzxt"  # HOME is a temporary folder in tests
    assert default_cache_dir(env) == (expected or home)

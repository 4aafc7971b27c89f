"""FAQ ranking: query segmentation, the postings codec, BM25, reports and the site's export."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.paths import ROOT, shared_file
from tests.support.site_search import ExportedIndex
from tracker.kb import ranking
from tracker.kb.entries import Entry, load_entries
from tracker.kb.search import FaqIndex, default_analyzer, markdown_text, page_sections
from tracker.policy import Policy, load_policy

FAQ = ROOT / "docs" / "faq"


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


@pytest.fixture(scope="module")
def entries(policy: Policy) -> list[Entry]:
    return load_entries(FAQ, policy)


@pytest.fixture(scope="module")
def index(
    entries: list[Entry], policy: Policy, tmp_path_factory: pytest.TempPathFactory
) -> FaqIndex:
    return FaqIndex.build(entries, policy, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def lines(entries: list[Entry]) -> list[str]:
    """Every line of the FAQ pages' text, normalised as queries are."""
    text = "\n".join(
        "\n".join([e.meta.title, *e.meta.aliases, markdown_text(e.body)]) for e in entries
    )
    return [line for line in ranking.normalise(text).splitlines() if line.strip()]


def dev_queries() -> list[tuple[str, str]]:
    rows = yaml.safe_load(shared_file("faq/dev-queries.yaml").read_text("utf-8"))
    return [(row["query"], row["slug"]) for row in rows]


# Segmentation.


@pytest.fixture(scope="module")
def jieba_segmenter() -> ranking.Segmenter:
    """The segmenter given jieba's whole dictionary instead of an index's words."""
    tokenizer = default_analyzer()._jieba
    costs = {w: ranking.cost(f, tokenizer.total) for w, f in tokenizer.FREQ.items() if f}
    return ranking.Segmenter(costs, [], ranking.cost(None, tokenizer.total), [], {})


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_with_jiebas_dictionary_the_segmenter_cuts_exactly_as_jieba(
    jieba_segmenter: ranking.Segmenter, lines: list[str], data: st.DataObject
) -> None:
    line = data.draw(st.sampled_from(lines))
    start = data.draw(st.integers(0, len(line)))
    noise = data.draw(st.text(alphabet="ab1 ，。-.%", max_size=4))
    text = line[start : start + 40] + noise + line[:10]
    tokenizer = default_analyzer()._jieba
    expected = [w for w in tokenizer.cut_for_search(text, HMM=False) if w.strip()]
    assert [w for w in jieba_segmenter.cut(text) if w.strip()] == expected


def test_the_segmenter_cuts_every_faq_line_as_jieba(
    jieba_segmenter: ranking.Segmenter, lines: list[str]
) -> None:
    tokenizer = default_analyzer()._jieba
    for line in lines:
        expected = [w for w in tokenizer.cut_for_search(line, HMM=False) if w.strip()]
        assert [w for w in jieba_segmenter.cut(line) if w.strip()] == expected, line


TOY = ranking.Segmenter(
    costs={"申请": 10, "账号": 10, "申请账号": 15, "怎么": 5, "学生": 12, "名单": 12},
    extra=["ie11"],
    unknown=40,
    stopwords=["怎么"],
    synonyms={"帐号": ["账号"]},
)


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        ("申请账号", ["申请", "账号", "申请账号"]),  # the cheaper whole word, then its parts
        ("学生名单", ["学生", "名单"]),  # no word "学生名单": the two words
        ("怎么申请", ["怎么", "申请"]),
        ("去申请", ["去", "申请"]),  # an unknown character stands alone
        ("ie11闪退", ["ie11", "闪", "退"]),
        ("abc申请", ["abc", "申请"]),  # letters in a row stay together
        ("申请, 账号", ["申请", ",", " ", "账号"]),
    ],
    ids=["整词", "两词", "停用词", "生字", "英文词", "字母串", "标点"],
)
def test_segmenter_takes_the_cheapest_cut(text: str, cut: list[str]) -> None:
    assert list(TOY.cut(text)) == cut


def test_equal_costs_prefer_the_longer_first_word() -> None:
    segmenter = ranking.Segmenter({"ab": 10, "a": 5, "b": 5}, [], 40, [], {})
    assert list(segmenter.cut("ab")) == ["ab"]


def test_query_tokens_drop_stop_words_and_add_standard_words() -> None:
    assert TOY.tokens("怎么申请帐号") == ["申请", "帐", "号"]  # 帐号 is no word of this index
    assert TOY.tokens("怎么申请ＩＥ11") == ["申请", "ie11"]
    synonyms = ranking.Segmenter({"帐号": 20, "账号": 20}, [], 40, [], {"帐号": ["账号"]})
    assert synonyms.tokens("帐号") == ["帐号", "账号"]


def test_real_queries_keep_only_words_that_matter(index: FaqIndex) -> None:
    assert index.segmenter.tokens("怎么申请账号") == ["申请", "账号"]
    assert "密码" in index.segmenter.tokens("口令忘了")
    assert "登录" in index.segmenter.tokens("资助平台登不上")


# The postings codec.


@given(
    st.lists(st.tuples(st.integers(0, 5000), st.integers(1, 3000)), max_size=60).map(
        lambda pairs: sorted(dict(pairs).items())
    )
)
def test_postings_survive_encoding(postings: list[tuple[int, int]]) -> None:
    text = ranking.encode_postings(postings)
    assert re.fullmatch(r"[0-9A-Za-z_-]*", text)
    assert ranking.decode_postings(text) == postings


def test_postings_are_short() -> None:
    # Neighbouring entries with a term once each: one character per entry.
    assert ranking.encode_postings([(i, 1) for i in range(10)]) == "0" * 10


# BM25.


def test_bm25_weights_follow_lucenes_formula() -> None:
    field = ranking.FieldIndex("f", 2.0, False, [2, 4, 0], {"x": [(0, 1), (1, 3)], "y": [(1, 1)]})
    k1, b = 1.2, 0.5
    idf_x = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))
    average = 2.0
    expected = [
        (0, idf_x * 1 / (k1 * (0.5 + 0.5 * 2 / average) + 1)),
        (1, idf_x * 3 / (k1 * (0.5 + 0.5 * 4 / average) + 3)),
    ]
    weights = field.weights("x", k1, b)
    assert [d for d, _ in weights] == [0, 1]
    assert [w for _, w in weights] == pytest.approx([w for _, w in expected])
    assert field.weights("absent", k1, b) == []
    total = ranking.score([field], 3, {"x": 1.0, "y": 0.5}, {}, k1, b)
    idf_y = math.log(1 + (3 - 1 + 0.5) / (1 + 0.5))
    y = idf_y * 1 / (k1 * (0.5 + 0.5 * 4 / average) + 1)
    assert total == pytest.approx([2 * expected[0][1], 2 * expected[1][1] + 2 * 0.5 * y, 0.0])
    assert ranking.best(total, 5) == [1, 0]


def test_equal_scores_keep_entry_order() -> None:
    assert ranking.best([1.0, 2.0, 1.0, 0.0, 2.0], 4) == [1, 4, 0, 2]


# Reports: the title leads.

ID_LOOKUP = (
    "上周在系统里查询一名学生的身份证号，提示查无此人，身份证号 44010620080101123X "
    "核对过没有输错，学籍号也查不到。"
)


def test_a_report_title_outweighs_what_the_body_says_in_passing(index: FaqIndex) -> None:
    hits = index.search_report("密码忘了", "登录不了 " + ID_LOOKUP, 3, confident=15)
    assert "pwd-forgot-reset" in [h.id for h in hits]
    # As one query, the many words about the ID number would have won.
    assert "pwd-forgot-reset" not in [
        h.id for h in index.search("密码忘了 登录不了 " + ID_LOOKUP, 3)
    ]


def test_a_report_title_alone_scores_as_a_search(index: FaqIndex) -> None:
    assert index.search_report("忘记密码", "", 5) == index.search("忘记密码", 5)


def test_a_title_that_says_nothing_leaves_the_report_to_decide(index: FaqIndex) -> None:
    body = "学校管理员账号忘记密码，输入多次后提示密码错误。"
    hits = index.search_report("求助", body, 3, confident=15)
    assert hits == index.search("求助\n" + body, 3)
    assert hits[0].id == "pwd-forgot-reset"
    assert index.search_report("", body, 3) == index.search(body, 3)


def test_the_body_adds_to_the_titles_entries(index: FaqIndex) -> None:
    body = "学校管理员账号忘记密码，输入多次后提示密码错误。"
    plain = {h.id: h.score for h in index.search("忘记密码", 60)}
    report = index.search_report("忘记密码", body, 60, confident=15)
    assert report[0].id == "pwd-forgot-reset"
    # The body's best counts at most half of the title's best.
    assert report[0].score <= plain["pwd-forgot-reset"] * 1.5 + 1e-6
    assert all(h.score >= plain.get(h.id, 0.0) for h in report)


# The site's export.


def exported(index: FaqIndex) -> ExportedIndex:
    data: dict[str, Any] = json.loads(
        json.dumps(index.export(min_score=15.0, report="guide/index.html#channels"))
    )
    return ExportedIndex(data)


def ranks_alike(index: FaqIndex, site: ExportedIndex, query: str) -> None:
    mine = [(h.id, h.score) for h in index.search(query, 10)]
    theirs = site.search(query, 10)
    assert [i for i, _ in theirs] == [i for i, _ in mine], query
    assert [round(s, 4) for _, s in theirs] == [s for _, s in mine], query


def test_the_export_ranks_the_dev_queries_as_the_index(index: FaqIndex) -> None:
    site = exported(index)
    for query, _slug in dev_queries():
        ranks_alike(index, site, query)


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_the_export_ranks_any_query_as_the_index(
    index: FaqIndex, lines: list[str], data: st.DataObject
) -> None:
    line = data.draw(st.sampled_from(lines))
    start = data.draw(st.integers(0, len(line)))
    size = data.draw(st.integers(1, 20))
    extra = data.draw(st.text(alphabet="的吗怎么 UＵ盘ie，?", max_size=5))
    query = (line[start : start + size] + extra).strip() or "密码"
    ranks_alike(index, exported(index), query)


def test_the_export_is_plain_json_and_lists_the_entries(
    index: FaqIndex, entries: list[Entry]
) -> None:
    data = index.export(min_score=15.0, report="guide/index.html#channels")
    assert json.loads(json.dumps(data)) == data
    assert [d[0] for d in data["docs"]] == [e.id for e in entries]
    assert all(d[2] == f"faq/{d[0]}.html" for d in data["docs"])
    assert not any("\u200b" in d[1] or "\u200b" in d[4] for d in data["docs"])
    assert data["min_score"] == 15.0


def test_snippets_are_the_answers_opening_words(index: FaqIndex) -> None:
    doc = next(d for d in index.docs if d.id == "pwd-forgot-reset")
    page = (FAQ / "pwd-forgot-reset.md").read_text("utf-8")
    opening = page.split("\n# ", 1)[1].split("\n\n", 2)[1]  # the paragraph under the heading
    plain = opening.replace("**", "")
    assert doc.snippet.startswith(plain[:12])
    assert len(doc.snippet) <= 60
    assert "**" not in doc.snippet and "#" not in doc.snippet


def test_exported_entries_load_from_paths_in_the_index(tmp_path: Path) -> None:
    # The browser resolves every entry's address against the site's root.
    page = FAQ / "pwd-forgot-reset.md"
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / page.name).write_text(page.read_text("utf-8"), "utf-8")
    policy = load_policy()
    small = FaqIndex.build(load_entries(tmp_path / "faq", policy), policy)
    data = small.export(min_score=1.0, report="guide/index.html#channels")
    assert data["docs"][0][:3] == [
        "pwd-forgot-reset",
        small.docs[0].title,
        "faq/pwd-forgot-reset.html",
    ]
    assert ExportedIndex(data).search("忘记密码", 3)[0][0] == "pwd-forgot-reset"


# Sections of a page.


def test_a_page_splits_at_anchored_second_level_headings() -> None:
    page = "# 指南\n\n开头。\n\n## 谁可以报送 {#who}\n\n市教育局。\n\n### 细节\n\n略。\n\n## 时限 {#deadlines}\n\n两天。\n"
    sections = page_sections(page)
    assert [(s.anchor, s.title) for s in sections] == [("who", "谁可以报送"), ("deadlines", "时限")]
    assert "### 细节" in sections[0].markdown and "两天" not in sections[0].markdown
    index = FaqIndex.build_sections("guide/index.html", sections, "https://kb.example/")
    hit = index.search("时限", 1)[0]
    assert (hit.id, hit.url) == ("deadlines", "https://kb.example/guide/index.html#deadlines")
    assert index.export(min_score=1.0, report="x")["docs"][1][2] == "guide/index.html#deadlines"

"""FAQ pages: front matter validation and `zzxt faq check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.paths import ROOT, Invoke
from tracker.kb.entries import FaqError, load_entries, parse_entry
from tracker.policy import load_policy

EXAMPLE_NAME = "username-format.md"
EXAMPLE = (ROOT / "docs" / "faq" / EXAMPLE_NAME).read_text("utf-8")


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_check_passes_on_the_project_pages(invoke: Invoke) -> None:
    entries = load_entries(ROOT / "docs" / "faq", load_policy())
    result = invoke("faq", "check", str(ROOT / "docs" / "faq"))
    assert result.exit_code == 0, result.stderr
    assert f"共 {len(entries)} 篇" in result.stdout
    trained = sum(e.meta.trained for e in entries)
    assert f"其中已培训问题 {trained} 篇" in result.stdout
    assert "草稿 0 篇" in result.stdout


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("category: application", "category: app", "第 4 行，字段 category：未知类别 app"),
        ("subcategory: login", "subcategory: logon", "第 5 行，字段 subcategory"),
        ("stages: []", "stages: [primary]", "第 6 行，字段 stages[0]：未知学段 primary"),
        (
            "stages: []",
            "stages: []\ntrained: true",
            "第 7 行，字段 trained：是否已培训由政策文件的培训登记",
        ),
        (
            "basis: [local, other_province]",
            "basis: [other_province, local]",
            "第 7 行，字段 basis：参考外省做法不能作为首要依据",
        ),
        (
            "basis: [local, other_province]",
            "basis: [local]",
            "第 7 行，字段 basis：引用外省资料的页面须在依据中写明 other_province",
        ),
        (
            "articles: [第十五条, 第十六条]\n",
            "",
            "第 7 行，字段 basis：依据为本省规定（local）时，须在 articles 注明条款",
        ),
        (
            "region: 浙江省",
            "region: ''",
            "第 17 行，字段 sources[0]：外省资料（scope: other_province）须用 region 注明省份",
        ),
        ("kind: sharing", "kind: wiki", "第 19 行，字段 sources[0].kind"),
        ("updated: 2026-11-30", "updated: 30/11/2026", "第 15 行，字段 updated：应为日期"),
        ("keywords: [", "keyword: [", "第 9 行，字段 keyword：未知字段"),
    ],
    ids=[
        "category",
        "subcategory",
        "stage",
        "trained",
        "other-province-first",
        "other-province-undeclared",
        "local-without-articles",
        "region",
        "source-kind",
        "updated",
        "typo",
    ],
)
def test_check_names_file_line_and_field(
    invoke: Invoke, tmp_path: Path, old: str, new: str, where: str
) -> None:
    assert old in EXAMPLE
    path = write(tmp_path / "faq", EXAMPLE_NAME, EXAMPLE.replace(old, new, 1))
    result = invoke("faq", "check", str(tmp_path / "faq"))
    assert result.exit_code == 2
    assert f"{path} {where}" in result.stderr
    assert "zzxt faq check" in result.stderr


def test_id_must_match_the_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, "other-name.md", EXAMPLE)
    with pytest.raises(FaqError, match="应与文件名 other-name 一致"):
        parse_entry(EXAMPLE, path, load_policy())


def test_page_without_front_matter_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "x.md", "# 没有 front matter\n")
    with pytest.raises(FaqError, match="缺少开头的 --- front matter"):
        parse_entry(path.read_text("utf-8"), path, load_policy())


def test_missing_directory_is_an_input_error(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("faq", "check", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "找不到常见问题目录" in result.stderr


PLACEHOLDER_PAGE = (
    EXAMPLE
    + "\n服务电话 {{phone}}，技术类问题发送到 {{mailboxes:technical}}，{{deadline:technical}} 个工作日内答复。\n"
)


def test_placeholders_take_policy_facts(tmp_path: Path, policy_text: str, write_policy) -> None:
    from tracker.kb.entries import fill_policy_facts

    path = write(tmp_path / "faq", EXAMPLE_NAME, PLACEHOLDER_PAGE)
    policy = load_policy()
    text = fill_policy_facts(policy, parse_entry(PLACEHOLDER_PAGE, path, policy))
    assert (
        "服务电话 020-87777742，技术类问题发送到 3448874014@qq.com 和 gdzzxt@gdedu.gov.cn，3 个工作日内答复"
        in text
    )
    edited = load_policy(
        write_policy(
            policy_text.replace("020-87777742", "020-55555555").replace(
                "deadline: {warn: 2, breach: 3}", "deadline: {warn: 3, breach: 4}"
            )
        )
    )
    text = fill_policy_facts(edited, parse_entry(PLACEHOLDER_PAGE, path, edited))
    assert "服务电话 020-55555555" in text and "4 个工作日内答复" in text
    assert "{{" not in text


@pytest.mark.parametrize(
    "bad",
    ["{{fax}}", "{{mailboxes:other}}", "{{deadline}}"],
    ids=["未知名称", "未知类别", "缺类别"],
)
def test_unknown_placeholder_is_an_error(tmp_path: Path, bad: str) -> None:
    text = EXAMPLE + f"\n电话 {bad}\n"
    path = write(tmp_path / "faq", EXAMPLE_NAME, text)
    with pytest.raises(FaqError) as caught:
        parse_entry(text, path, load_policy())
    assert bad in caught.value.message and "可用的有" in caught.value.message

"""Reading a submitted issue form back from its body."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.forge_bodies import gitea_body, github_body
from tracker.policy import load_policy
from tracker.templates.form_parse import Value, normalize_label, parse_body
from tracker.templates.forms import Element, Form, build_forms

FORMS = build_forms(load_policy())
BY_KEY = {form.category: form for form in FORMS}
CONFIRM = list(BY_KEY["application"].element("confirmations").options)
HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
KNOWN_LABELS = {normalize_label(e.label) for form in FORMS for e in form.elements}

APPLICATION = {
    "city": "广州市",
    "stage": "高等教育（本专科）",
    "unit": "华南示范大学学生资助管理中心",
    "unit_type": "普通高校",
    "reporter": "李老师",
    "role": "学校资助系统管理员",
    "phone": "020-12345678",
    "urgent": "是",
    "summary": "登录时提示账号已锁定",
    "subcategory": "系统登录类",
    "menu": "",
    "detail": "输入账号密码后提示“账号已锁定”。\n\n换了浏览器也一样。",
    "tried": "已按知识库重置密码，仍提示锁定。",
    "confirmations": CONFIRM,
}


def test_github_body() -> None:
    parsed = parse_body(FORMS, github_body(BY_KEY["application"], APPLICATION))
    assert parsed.template == "application"
    assert parsed.fields == APPLICATION
    assert parsed.missing == []
    assert parsed.warnings == []


def test_gitea_body_with_fenced_error_text() -> None:
    error = "```\n### 学段\n报错：ORA-00001 唯一约束冲突\n````"
    answers = {
        "city": "省直属",
        "stage": "高等教育（研究生）",
        "unit": "广东示范学院",
        "unit_type": "普通高校",
        "reporter": "王工",
        "role": "资助系统管理员",
        "phone": "13800138000",
        "urgent": "否",
        "summary": "审核通过的名单在报表中缺失",
        "subcategory": "数据问题",
        "module": "资助业务管理 > 国家助学金 > 名单审核",
        "steps": "1. 进入名单审核\n2. 点击导出",
        "error": error,
        "affected": "约 120 条记录",
        "confirmations": CONFIRM[:1],
    }
    body = gitea_body(BY_KEY["technical"], answers)
    assert "`````text" in body
    parsed = parse_body(FORMS, body)
    assert parsed.template == "technical"
    assert parsed.fields == answers
    assert parsed.missing == ["confirmations"]  # the personal-data box was not ticked


def test_edited_body_crlf_reordered_and_extra_headings() -> None:
    body = github_body(BY_KEY["application"], APPLICATION)
    sections = body.split("### ")[1:]
    phone = next(s for s in sections if s.startswith("联系电话"))
    sections.remove(phone)
    sections.reverse()
    edited = "补充：昨天下午开始出现。\n\n" + "\n\n\n".join(
        "#### " + s.replace("\n\n", "\n\n\n", 1) for s in sections
    )
    edited = edited.replace("#### 所属地市", "### 所属地市：")
    edited += "\n### 补充说明\n\n今天上午再次尝试仍失败。\n"
    parsed = parse_body(FORMS, edited.replace("\n", "\r\n"))
    assert parsed.template == "application"
    expected = dict(APPLICATION, phone="")
    # Text under a heading we do not know stays with the section before it.
    assert parsed.fields.pop("detail") == APPLICATION["detail"]
    expected.pop("detail")
    assert parsed.fields == expected
    assert parsed.missing == ["phone"]


def test_unknown_heading_after_a_text_answer_is_kept_with_it() -> None:
    body = github_body(BY_KEY["requirement"], {"current": "人工汇总", "proposal": "增加导出"})
    body = body.replace("人工汇总\n", "人工汇总\n\n### 补充\n\n每月一次\n")
    parsed = parse_body(FORMS, body)
    assert parsed.fields["current"] == "人工汇总\n\n### 补充\n\n每月一次"
    assert parsed.fields["proposal"] == "增加导出"


@pytest.mark.parametrize("empty", ["_No response_", "None", ""], ids=["无回答", "None", "空白"])
def test_unanswered_dropdown(empty: str) -> None:
    body = github_body(BY_KEY["application"], APPLICATION).replace("\n是\n", f"\n{empty}\n")
    parsed = parse_body(FORMS, body)
    assert parsed.fields["urgent"] == ""
    assert parsed.missing == ["urgent"]


def test_gitea_list_dropdown() -> None:
    body = github_body(BY_KEY["application"], APPLICATION).replace(
        "\n系统登录类\n", "\n- 系统登录类\n- 操作类\n"
    )
    assert parse_body(FORMS, body).fields["subcategory"] == "系统登录类, 操作类"


def test_unclosed_fence_does_not_swallow_the_rest() -> None:
    answers = dict(APPLICATION, detail="```\n复制的报错没有结尾")
    parsed = parse_body(FORMS, github_body(BY_KEY["application"], answers))
    assert parsed.fields == answers


def test_only_common_sections_give_no_template() -> None:
    body = "### 所属地市\n\n珠海市\n\n### 联系电话\n\n0756-1234567\n"
    parsed = parse_body(FORMS, body)
    assert parsed.template is None
    assert parsed.fields["city"] == "珠海市"
    assert parsed.fields["phone"] == "0756-1234567"
    assert "subcategory" not in parsed.fields
    assert "unit" in parsed.missing and "city" not in parsed.missing


@pytest.mark.parametrize(
    "body",
    ["", "系统登录不了，请帮忙看看。", "## 问题\n\n登录失败\n"],
    ids=["空", "随手写", "未知标题"],
)
def test_unreadable_body(body: str) -> None:
    parsed = parse_body(FORMS, body)
    assert parsed.template is None
    assert parsed.fields == {}
    assert parsed.warnings


def test_cli_json(invoke, tmp_path) -> None:
    path = tmp_path / "body.md"
    path.write_text(gitea_body(BY_KEY["account"], {"request_type": "重置密码"}), "utf-8")
    result = invoke("forms", "parse", str(path), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == {"template", "fields", "missing"}
    assert data["template"] == "account"
    assert data["fields"]["request_type"] == "重置密码"
    assert data["fields"]["confirmations"] == []
    assert "reporter" in data["missing"] and "confirmations" in data["missing"]
    assert "request_type" not in data["missing"]


def test_cli_reads_stdin_and_warns_on_unreadable(invoke) -> None:
    result = invoke("forms", "parse", "-", "--json", input="随便写的内容")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["template"] is None and data["fields"] == {}
    assert "警告" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_text_uses_labels(invoke) -> None:
    body = github_body(BY_KEY["application"], dict(APPLICATION, phone=""))
    result = invoke("forms", "parse", "-", input=body)
    assert result.exit_code == 0
    assert "类别：应用类问题" in result.stdout
    assert "所属地市（city）：广州市" in result.stdout
    assert "缺少必填项：联系电话（phone）" in result.stdout


def test_cli_non_utf8(invoke, tmp_path) -> None:
    path = tmp_path / "body.md"
    path.write_bytes("### 所属地市\n\n广州市".encode("gbk"))
    result = invoke("forms", "parse", str(path))
    assert result.exit_code == 2
    assert "UTF-8" in result.stderr


# Round trip: random answers -> the body a forge writes -> the same answers.

LINE_CHARS = st.characters(
    codec="utf-8",
    categories=("L", "N", "P", "S", "Zs"),
    exclude_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
)
TRICKY_LINES = [
    "### 学段",
    "#### 复现步骤",
    "```",
    "````text",
    "- [x] 已完成",
    "_No response_",
    "None",
    "# 标题",
    "",
]


def _is_heading_of_ours(line: str) -> bool:
    stripped = line.lstrip(" ")
    return stripped.startswith("#") and normalize_label(stripped.lstrip("#")) in KNOWN_LABELS


def _is_fence(line: str) -> bool:
    stripped = line.lstrip(" ")
    return stripped.startswith("```") or stripped.startswith("~~~")


def _answer(element: Element, flavor: str) -> st.SearchStrategy[Value]:
    if element.type == "checkboxes":
        return st.lists(st.sampled_from(element.options), unique=True).map(
            lambda picked: [o for o in element.options if o in picked]
        )
    if element.type == "dropdown":
        return st.sampled_from(["", *element.options])
    line = st.text(LINE_CHARS, max_size=20)
    if element.type == "input":
        text = line
    else:
        text = st.lists(st.one_of(line, st.sampled_from(TRICKY_LINES)), max_size=6).map("\n".join)
    fenced = element.type == "textarea" and element.render is not None and flavor == "gitea"

    def readable(value: str) -> bool:
        if value == "_No response_":
            return False
        if element.type == "input":  # one line; a heading there is not an answer
            return not HEADING.match(value)
        if fenced:  # Gitea's longer fence keeps anything inside unambiguous
            return True
        return not any(_is_heading_of_ours(x) or _is_fence(x) for x in value.split("\n"))

    return text.map(str.strip).filter(readable)


@st.composite
def submissions(draw: st.DrawFn, flavor: str) -> tuple[Form, dict[str, Value]]:
    form = draw(st.sampled_from(FORMS))
    answers = {e.id: draw(_answer(e, flavor)) for e in form.elements}
    return form, answers


@pytest.mark.parametrize("flavor", ["github", "gitea"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data())
def test_round_trip(flavor: str, data: st.DataObject) -> None:
    form, answers = data.draw(submissions(flavor))
    body = (github_body if flavor == "github" else gitea_body)(form, answers)
    parsed = parse_body(FORMS, body)
    assert parsed.template == form.category
    assert parsed.fields == answers
    expected_missing = [
        e.id
        for e in form.elements
        if (e.type == "checkboxes" and any(o not in answers[e.id] for o in e.required_options))
        or (e.type != "checkboxes" and e.required and not answers[e.id])
    ]
    assert parsed.missing == expected_missing

"""The triage bot's FAQ query: the report's title leads, its body adds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.forge_bodies import github_body
from tests.support.paths import ROOT, Invoke
from tracker.policy import load_policy
from tracker.templates.forms import build_forms

FORM = next(f for f in build_forms(load_policy()) if f.category == "application")
ANSWERS: dict[str, Any] = {
    "city": "佛山市",
    "stage": "义务教育",
    "unit": "佛山市南海区教育局",
    "unit_type": "地级以上市教育局",
    "reporter": "陈老师",
    "role": "区资助中心系统管理员",
    "phone": "13912345678",
    "urgent": "否",
    "subcategory": "系统登录类",
    "tried": "已查阅知识库。",
    "confirmations": list(FORM.element("confirmations").options),
}


def plan(invoke: Invoke, tmp_path: Path, title: str, summary: str, detail: str) -> Any:
    body = tmp_path / "body.md"
    body.write_text(github_body(FORM, dict(ANSWERS, summary=summary, detail=detail)), "utf-8")
    result = invoke(
        "triage",
        "--title",
        title,
        "--body-file",
        str(body),
        "--faq-dir",
        str(ROOT / "docs" / "faq"),
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_forgotten_password_is_found_though_the_body_dwells_on_an_id_number(
    invoke: Invoke, tmp_path: Path
) -> None:
    detail = (
        "上周在系统里查询一名学生的身份证号，提示查无此人，身份证号核对过没有输错，"
        "学籍号也查不到，当时就想再登录查一次。"
    )
    found = plan(invoke, tmp_path, "佛山市-义务教育-应用类问题：密码忘了", "登录不了", detail)
    assert "pwd-forgot-reset" in [hit["id"] for hit in found["faq"]][:3]


@pytest.mark.parametrize(
    "title", ["佛山市-义务教育-应用类问题：求助", "求助"], ids=["有前缀", "无前缀"]
)
def test_a_title_that_says_nothing_leaves_the_body_to_decide(
    invoke: Invoke, tmp_path: Path, title: str
) -> None:
    found = plan(
        invoke, tmp_path, title, "忘记密码", "学校管理员账号忘记密码，输入多次后提示密码错误。"
    )
    assert found["faq"][0]["id"] == "pwd-forgot-reset"
    # The built-in policy records no training, so nothing is flagged as trained.
    assert "标记/疑似已培训问题" not in found["labels_add"]

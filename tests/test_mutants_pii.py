"""Personal data typed with a Chinese input method: full-width Ｘ, ｘ and ＋ (docs/admin/cli.md).

A deliberate bug that stopped folding these three characters once went unnoticed:
an ID number ending in a full-width Ｘ was then not found at all. Each test names
the mutant it kills (scripts/mutate.py applies it).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.forge_bodies import github_body
from tests.support.paths import Invoke
from tracker.pii import scan
from tracker.policy import load_policy
from tracker.templates.forms import build_forms

FULL = str.maketrans("0123456789", "０１２３４５６７８９")
ID_X = "11010519491231002X"  # a valid ID whose check character is X


def full_width(text: str) -> str:
    return text.translate(FULL)


@pytest.mark.parametrize(
    ("written", "masked"),
    [
        (full_width(ID_X[:-1]) + "Ｘ", "１１０１**********００２Ｘ"),
        (full_width(ID_X[:-1]) + "ｘ", "１１０１**********００２ｘ"),
        (ID_X[:-1] + "Ｘ", "1101**********002Ｘ"),
    ],
    ids=["全角数字和Ｘ", "全角ｘ", "半角数字全角Ｘ"],
)
def test_an_id_number_ending_in_a_full_width_x_is_found(
    invoke: Invoke, tmp_path: Path, written: str, masked: str
) -> None:
    """Mutant: full-width Ｘ and ｘ are not folded, so such an ID number goes undetected."""
    text = f"学生身份证号{written}，请核实"
    [finding] = scan(text)
    assert (finding.kind, finding.masked) == ("id_card", masked)
    assert text[finding.start : finding.end] == written

    path = tmp_path / "正文.md"
    path.write_text(text, "utf-8")
    result = invoke("pii", "scan", str(path), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [finding.as_dict()]
    assert written not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("written", "masked"),
    [
        ("＋８６１３８００１３８０００", "＋８６１３８****８０００"),
        ("＋86 138 0013 8000", "＋86 138 **** 8000"),
    ],
    ids=["全角", "全角加号"],
)
def test_a_full_width_plus_86_belongs_to_the_mobile_number(written: str, masked: str) -> None:
    """Mutant: a full-width ＋ is not folded, so the finding starts after it and `86` is left."""
    text = f"联系{written}。"
    [finding] = scan(text)
    assert finding.kind == "mobile"
    assert text[finding.start : finding.end] == written
    assert finding.masked == masked


POLICY = load_policy()
FORM = {form.category: form for form in build_forms(POLICY)}["application"]
ANSWERS = {
    "city": "佛山市",
    "stage": "义务教育",
    "unit": "佛山市教育局",
    "unit_type": "地级以上市教育局",
    "reporter": "陈老师",
    "role": "市资助中心系统管理员",
    "urgent": "否",
    "summary": "学生信息无法保存",
    "subcategory": "操作类",
    "tried": "已查阅知识库。",
    "confirmations": list(FORM.element("confirmations").options),
}


def triage_pii(invoke: Invoke, tmp_path: Path, answers: dict[str, object]) -> list[str]:
    body = tmp_path / "正文.md"
    body.write_text(github_body(FORM, answers), "utf-8")
    result = invoke(
        "triage",
        "--title",
        "佛山市-义务教育-应用类问题：学生信息无法保存",
        "--body-file",
        str(body),
        "--faq-dir",
        str(tmp_path / "no-faq"),
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    return [f"{p['kind']} {p['masked']}" for p in json.loads(result.stdout)["pii"]]


def test_a_student_mobile_is_flagged_when_no_contact_phone_is_given(
    invoke: Invoke, tmp_path: Path
) -> None:
    """Mutant: with the phone field empty every mobile number counts as the contact's own."""
    detail = "学生家长电话 13912345678，保存时报错。"
    assert triage_pii(invoke, tmp_path, dict(ANSWERS, phone="", detail=detail)) == [
        "mobile 139****5678"
    ]
    # The reporter's own number in the phone field is not flagged, in the body or elsewhere.
    assert triage_pii(invoke, tmp_path, dict(ANSWERS, phone="13912345678", detail=detail)) == []

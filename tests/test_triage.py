"""`zzxt triage`: offline plans, and end to end against `zzxt sandbox` on both forges."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.forge_bodies import github_body
from tests.support.paths import ROOT, Invoke
from tests.support.pii import make_id
from tests.support.sandbox import forge_args
from tests.support.trainings import EXAMPLE_TITLE, with_example_training
from tracker.bots.triage import MARKS
from tracker.policy import load_policy
from tracker.sandbox import Sandbox, parse_seed
from tracker.templates.forms import build_forms
from tracker.usertext import inline

BOT = "t-triage-bot-41aa"
REPORTER = "t-triage-reporter-0c9d"
FORMS = {form.category: form for form in build_forms(load_policy())}
CONFIRM = list(FORMS["application"].element("confirmations").options)
COMPLETE = {
    "city": "佛山市",
    "stage": "义务教育",
    "unit": "佛山市教育局",
    "unit_type": "地级以上市教育局",
    "reporter": "陈老师",
    "role": "市资助中心系统管理员",
    "phone": "13912345678",
    "urgent": "是",
    "summary": "忘记密码，登录时一直提示密码错误",
    "subcategory": "系统登录类",
    "detail": "学校管理员账号忘记密码，输入多次后提示密码错误。",
    "tried": "已查阅知识库，联系上级初始化未果。",
    "confirmations": CONFIRM,
}
TITLE = "佛山市-义务教育-应用类问题：忘记密码"
FORGES = ["gitea", "github"]
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def seed_text() -> str:
    policy = load_policy()
    labels = "\n".join(
        f'      - {{name: "{name}", color: "ededed"}}' for name in policy.label_book().names()
    )
    return f"""\
users:
  - {{login: zzxt-bot, token: {BOT}, type: Bot}}
  - {{login: fs-bureau, token: {REPORTER}}}
repos:
  - name: gdzz/support
    private: true
    labels:
{labels}
"""


@pytest.fixture(params=FORGES)
def forge(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=parse_seed(seed_text(), "test_triage")) as sb:
        yield sb


def api(sb: Sandbox, forge: str) -> str:
    return f"{sb.url}/api/v1" if forge == "gitea" else f"{sb.url}/api/v3"


def file_issue(sb: Sandbox, forge: str, body: str, title: str = TITLE) -> int:
    response = httpx.post(
        f"{api(sb, forge)}/repos/gdzz/support/issues",
        headers={"Authorization": f"token {REPORTER}"},
        json={"title": title, "body": body},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["number"])


def edit_body(sb: Sandbox, forge: str, number: int, body: str) -> None:
    response = httpx.patch(
        f"{api(sb, forge)}/repos/gdzz/support/issues/{number}",
        headers={"Authorization": f"token {REPORTER}"},
        json={"body": body},
    )
    assert response.status_code in (200, 201), response.text


def triage(
    invoke: Invoke, sb: Sandbox, forge: str, number: int, *args: str, policy: Path | None = None
) -> Any:
    head = ["--policy", str(policy)] if policy else []
    return invoke(
        *head,
        "triage",
        *forge_args(sb.url, forge),
        "--issue",
        str(number),
        "--faq-dir",
        str(ROOT / "docs" / "faq"),
        *args,
        env={"ZZXT_TOKEN": BOT},
    )


def issue(sb: Sandbox, number: int) -> dict[str, Any]:
    issues = httpx.get(sb.url + "/_sandbox/state").json()["repos"]["gdzz/support"]["issues"]
    return dict(next(i for i in issues if i["number"] == number))


def bot_comments(sb: Sandbox, number: int, mark: str) -> list[str]:
    return [c["body"] for c in issue(sb, number)["comments"] if MARKS[mark] in c["body"]]


def writes(sb: Sandbox) -> list[dict[str, Any]]:
    return [r for r in sb.requests() if r["method"] in WRITES and r["path"].startswith("/api/")]


def test_complete_report_gets_labels_and_faq_links(
    invoke: Invoke, sandbox: Sandbox, forge: str, policy_text: str, write_policy
) -> None:
    # "Trained" comes from the training register: an example record covers the answer.
    trained = write_policy(with_example_training(policy_text))
    number = file_issue(sandbox, forge, github_body(FORMS["application"], COMPLETE))
    result = triage(invoke, sandbox, forge, number, "--apply", "--json", policy=trained)
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert set(plan) == {"labels_add", "labels_remove", "missing", "pii", "faq", "comments"}
    labels = set(issue(sandbox, number)["labels"])
    assert labels == {
        "地市/佛山市",
        "学段/义务教育",
        "子类/系统登录类",
        "标记/紧急",
        "类别/应用类问题",
        "标记/疑似已培训问题",
    }
    assert plan["missing"] == [] and plan["pii"] == []
    assert plan["faq"][0]["id"] == "pwd-forgot-reset"
    assert "标记/疑似已培训问题" in labels  # a trained question, for staff to confirm
    links = bot_comments(sandbox, number, "faq")
    assert len(links) == 1
    assert "https://zzxt.example.com/faq/pwd-forgot-reset.html" in links[0]
    assert f"《{EXAMPLE_TITLE}》（示例记录）" in links[0]  # the training that covered it
    assert issue(sandbox, number)["state"] == "open"  # never closed automatically

    sandbox.log.clear()
    again = triage(invoke, sandbox, forge, number, "--apply", policy=trained)
    assert again.exit_code == 0, again.stderr
    assert writes(sandbox) == []  # a rerun changes nothing


def test_missing_information_is_listed_then_settled_after_an_edit(
    invoke: Invoke, sandbox: Sandbox, forge: str
) -> None:
    incomplete = dict(COMPLETE, phone="", reporter="")
    number = file_issue(sandbox, forge, github_body(FORMS["application"], incomplete))
    first = triage(invoke, sandbox, forge, number, "--apply", "--json")
    assert json.loads(first.stdout)["missing"] == ["reporter", "phone"]
    assert "状态/信息不全" in issue(sandbox, number)["labels"]
    [notice] = bot_comments(sandbox, number, "missing")
    assert "- 联系人姓名" in notice and "- 联系电话" in notice

    # The reporter fills in the name only: the same comment is edited, not a new one posted.
    edit_body(sandbox, forge, number, github_body(FORMS["application"], dict(COMPLETE, phone="")))
    assert triage(invoke, sandbox, forge, number, "--apply").exit_code == 0
    [notice] = bot_comments(sandbox, number, "missing")
    assert "- 联系电话" in notice and "联系人姓名" not in notice

    edit_body(sandbox, forge, number, github_body(FORMS["application"], COMPLETE))
    assert triage(invoke, sandbox, forge, number, "--apply").exit_code == 0
    assert "状态/信息不全" not in issue(sandbox, number)["labels"]
    [notice] = bot_comments(sandbox, number, "missing")
    assert "信息已补全" in notice and "联系电话" not in notice


def test_id_number_is_flagged_and_never_echoed(
    invoke: Invoke, sandbox: Sandbox, forge: str
) -> None:
    number_text = make_id("440106", date(2007, 3, 15), 123)
    answers = dict(COMPLETE, detail=f"学生身份证号 {number_text} 导入时报错")
    number = file_issue(sandbox, forge, github_body(FORMS["application"], answers))
    result = triage(invoke, sandbox, forge, number, "--apply", "--json")
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert [p["kind"] for p in plan["pii"]] == ["id_card"]
    assert plan["pii"][0]["masked"] == number_text[:4] + "*" * 10 + number_text[-4:]
    assert "标记/含敏感信息" in issue(sandbox, number)["labels"]
    assert number_text in issue(sandbox, number)["body"]  # the reporter edits it, not the bot
    [warning] = bot_comments(sandbox, number, "pii")
    # Shown as text: the asterisks are escaped so they are not read as emphasis.
    assert number_text not in warning and inline(plan["pii"][0]["masked"]) in warning
    assert number_text not in result.stdout + result.stderr
    # The reporter's own contact mobile in the phone field is not personal data of a student.
    assert all(p["kind"] != "mobile" for p in plan["pii"])

    edit_body(sandbox, forge, number, github_body(FORMS["application"], COMPLETE))
    assert triage(invoke, sandbox, forge, number, "--apply").exit_code == 0
    # The label stays for an administrator: the number is still in the edit history.
    assert "标记/含敏感信息" in issue(sandbox, number)["labels"]
    [warning] = bot_comments(sandbox, number, "pii")
    assert "已不含" in warning and "编辑历史" in warning


def test_policy_can_let_the_bot_mask_the_body(
    invoke: Invoke, sandbox: Sandbox, forge: str, policy_text: str, write_policy
) -> None:
    policy = write_policy(policy_text.replace("mask_pii: false", "mask_pii: true"))
    number_text = make_id("440106", date(2007, 3, 15), 456)
    number = file_issue(
        sandbox,
        forge,
        github_body(FORMS["application"], dict(COMPLETE, detail=f"证件号{number_text}")),
    )
    assert triage(invoke, sandbox, forge, number, "--apply", policy=policy).exit_code == 0
    body = issue(sandbox, number)["body"]
    assert number_text not in body
    assert number_text[:4] + "*" * 10 + number_text[-4:] in body
    # The bot's own edit triggers another run: it settles its comment once, then rests.
    assert triage(invoke, sandbox, forge, number, "--apply", policy=policy).exit_code == 0
    sandbox.log.clear()
    assert triage(invoke, sandbox, forge, number, "--apply", policy=policy).exit_code == 0
    assert writes(sandbox) == []
    assert len(bot_comments(sandbox, number, "pii")) == 1
    assert "标记/含敏感信息" in issue(sandbox, number)["labels"]


def test_offline_plan(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "body.md"
    path.write_text(github_body(FORMS["application"], dict(COMPLETE, unit="")), "utf-8")
    result = invoke(
        "triage",
        "--title",
        TITLE,
        "--body-file",
        str(path),
        "--faq-dir",
        str(ROOT / "docs" / "faq"),
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["missing"] == ["unit"]
    assert "状态/信息不全" in plan["labels_add"]
    assert any(MARKS["missing"] in c for c in plan["comments"])


@pytest.mark.parametrize(
    "args",
    [[], ["--title", "只有标题"], ["--issue", "1", "--title", "x"]],
    ids=["无参数", "缺正文", "在线离线混用"],
)
def test_usage_errors(invoke: Invoke, args: list[str]) -> None:
    result = invoke("triage", *args)
    assert result.exit_code == 2
    assert "--issue" in result.stderr

"""`zzxt faq harvest`: the plan table-driven, then end to end against the sandbox on both forges."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.forge_bodies import github_body
from tests.support.paths import Invoke
from tests.support.pii import make_id
from tests.support.sandbox import forge_args
from tracker.bots import harvest
from tracker.bots.identity import BotIdentity
from tracker.bots.rules import Rules
from tracker.bots.sla import Responders
from tracker.forge.model import Comment, Issue, User
from tracker.kb.entries import load_entries, parse_entry
from tracker.policy import load_policy
from tracker.sandbox import Sandbox, parse_seed
from tracker.templates.forms import build_forms

POLICY = load_policy()
RULES = Rules.build(POLICY)
FORMS = {form.category: form for form in build_forms(POLICY)}
LABEL = harvest.DEFAULT_LABEL
BASE = ("https://git.example.com", "gdzz/support")
TODAY = date(2026, 11, 30)
BOT = User("zzxt-bot", is_bot=True)
STAFF = User("staff1")
REPORTER = User("fs-bureau")
ID_NUMBER = make_id("440106", date(2010, 5, 17), 123)
ANSWERS = {
    "city": "佛山市",
    "stage": "义务教育",
    "unit": "佛山市教育局",
    "unit_type": "地级以上市教育局",
    "reporter": "陈老师",
    "role": "市资助中心系统管理员",
    "phone": "13912345678",
    "urgent": "否",
    "summary": "导入名单时身份证号末位变成 0",
    "subcategory": "数据问题",
    "module": "资助业务管理 > 名单导入",
    "steps": "1. 打开模板\n2. 粘贴名单\n3. 导入报错",
    "affected": "约 120 条",
    "confirmations": list(FORMS["technical"].element("confirmations").options),
}
TITLE = "佛山市-义务教育-技术类问题：导入 Excel 后身份证号末位变成 0"
REPLY = (
    f"{harvest.REPLY_MARK}把身份证号一列设为文本格式后重新粘贴，再导入即可。"
    f"例如学生 {ID_NUMBER} 的号码末位已经变 0，须按原件重新录入。"
)
T0 = datetime(2026, 10, 9, 9, 0, tzinfo=UTC)


def make_issue(number: int = 12, **changes: Any) -> Issue:
    fields: dict[str, Any] = {
        "number": number,
        "title": TITLE,
        "body": github_body(FORMS["technical"], ANSWERS),
        "author": REPORTER,
        "labels": (LABEL, "类别/技术类问题"),
        "assignees": (),
        "state": "closed",
        "created_at": T0,
        "updated_at": T0 + timedelta(days=2),
        "closed_at": T0 + timedelta(days=2),
        **changes,
    }
    return Issue(**fields)


def comment(
    body: str, author: User = STAFF, at: timedelta = timedelta(days=1), id: int = 1
) -> Comment:
    return Comment(id, 12, author, body, T0 + at, T0 + at)


def snapshot(issue: Issue, comments: list[Comment]) -> harvest.Snapshot:
    return harvest.Snapshot(
        [issue],
        {issue.number: comments},
        Responders(BotIdentity(BOT.login), writers=frozenset({STAFF.login})),
        BotIdentity(BOT.login),
    )


def run_plan(
    issue: Issue,
    comments: list[Comment],
    known: tuple[str, ...] = (),
    taken: tuple[str, ...] = (),
) -> harvest.HarvestPlan:
    return harvest.plan(
        snapshot(issue, comments), RULES, known=known, taken=taken, issue_base=BASE, today=TODAY
    )


def test_a_closed_issue_with_an_accepted_reply_becomes_one_masked_draft(tmp_path: Path) -> None:
    plan = run_plan(make_issue(), [comment("已收到，正在核查。", id=1), comment(REPLY, id=2)])
    assert plan.skipped == []
    (draft,) = plan.drafts
    assert draft.issue_url == "https://git.example.com/gdzz/support/issues/12"
    assert draft.entry_id == "issue-gdzz-support-12"
    path = tmp_path / draft.file_name
    path.write_text(draft.text, encoding="utf-8")
    entry = parse_entry(draft.text, path, POLICY)  # a valid page, but not published
    meta = entry.meta
    assert meta.draft is True and meta.source_issue == draft.issue_url
    assert meta.title == "导入 Excel 后身份证号末位变成 0"  # no 地市-学段-类别 prefix
    assert (meta.category, meta.subcategory, meta.stages) == ("technical", "data", ["compulsory"])
    assert meta.updated == TODAY and meta.basis == ["howto"]
    assert "身份证号" in meta.keywords and len(meta.keywords) <= harvest.KEYWORD_LIMIT
    assert "\n\n把身份证号一列设为文本格式后重新粘贴" in entry.body  # the mark is gone
    assert "已收到" not in entry.body
    assert ID_NUMBER not in draft.text and ID_NUMBER[:4] + "*" in draft.text  # masked, not dropped
    assert "13912345678" not in draft.text  # the reporter's phone stays in the tracker


@pytest.mark.parametrize(
    ("comments", "issue", "reason"),
    [
        ([comment("把身份证号一列设为文本格式。")], {}, "没有以“【答复】”开头"),
        ([comment(REPLY, author=REPORTER)], {}, "没有以“【答复】”开头"),
        ([comment(REPLY, author=BOT)], {}, "没有以“【答复】”开头"),
        ([comment(REPLY, at=timedelta(days=3))], {}, "没有以“【答复】”开头"),
        ([comment(harvest.REPLY_MARK + "  ")], {}, "之后没有答复内容"),
        ([comment(REPLY)], {"body": "随手写的", "labels": (LABEL,)}, "无法确定类别"),
        (
            [comment(REPLY)],
            {"title": "佛山市-义务教育-技术类问题：", "body": "随手写的"},
            "标题中没有问题内容",
        ),
    ],
    ids=[
        "unmarked",
        "by-reporter",
        "by-a-bot",
        "after-closing",
        "empty",
        "no-category",
        "no-question",
    ],
)
def test_issues_without_a_usable_answer_are_skipped_with_a_reason(
    comments: list[Comment], issue: dict[str, Any], reason: str
) -> None:
    plan = run_plan(make_issue(**issue), comments)
    assert plan.drafts == []
    ((number, why),) = plan.skipped
    assert number == 12 and reason in why


def test_the_last_accepted_reply_wins_and_labels_stand_in_for_the_form() -> None:
    issue = make_issue(
        body="邮件转来的问题，没有表单。",
        labels=(LABEL, "类别/技术类问题", "子类/系统漏洞", "学段/普通高中"),
    )
    later = f"{harvest.REPLY_MARK}以这条为准：换用推荐的浏览器后重新导入。"
    plan = run_plan(
        issue, [comment(REPLY, id=1), comment(later, at=timedelta(days=1, hours=2), id=2)]
    )
    (draft,) = plan.drafts
    assert "以这条为准" in draft.text and "设为文本格式" not in draft.text
    assert "subcategory: bug" in draft.text and "stages: [senior_high]" in draft.text


def test_a_missing_subcategory_is_guessed_and_the_draft_says_so() -> None:
    issue = make_issue(body="邮件转来的问题，没有表单。", labels=(LABEL, "类别/应用类问题"))
    (draft,) = run_plan(issue, [comment(REPLY)]).drafts
    assert "subcategory: operation" in draft.text
    assert "子类是猜的" in draft.text


@pytest.mark.parametrize(
    ("comments", "known", "reason"),
    [
        (
            [comment(REPLY), comment(f"{harvest.HARVEST_MARK}\n已整理", author=BOT, id=9)],
            (),
            "机器人已在问题中留言",
        ),
        ([comment(REPLY)], ("https://git.example.com/gdzz/support/issues/12",), "已有页面"),
    ],
    ids=["marker", "page"],
)
def test_an_issue_is_harvested_once(
    comments: list[Comment], known: tuple[str, ...], reason: str
) -> None:
    plan = run_plan(make_issue(), comments, known=known)
    assert plan.drafts == [] and reason in plan.skipped[0][1]


def test_a_marker_written_by_someone_else_does_not_count() -> None:
    forged = comment(f"{harvest.HARVEST_MARK}\n已整理", author=REPORTER, id=9)
    assert len(run_plan(make_issue(), [comment(REPLY), forged]).drafts) == 1


def test_a_taken_id_gets_a_suffix() -> None:
    taken = ("issue-gdzz-support-12", "issue-gdzz-support-12-2")
    (draft,) = run_plan(make_issue(), [comment(REPLY)], taken=taken).drafts
    assert draft.entry_id == "issue-gdzz-support-12-3"


@settings(max_examples=40, deadline=None)
@given(
    before=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40),
    after=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40),
)
def test_any_answer_becomes_a_valid_page_without_the_number(
    tmp_path_factory: pytest.TempPathFactory, before: str, after: str
) -> None:
    text = f"{harvest.REPLY_MARK}{before} {ID_NUMBER} {after}x"
    title = f"佛山市-义务教育-技术类问题：{before}问题{after}"
    plan = run_plan(make_issue(title=title), [comment(text)])
    (draft,) = plan.drafts
    assert ID_NUMBER not in draft.text
    path = tmp_path_factory.mktemp("h") / draft.file_name
    entry = parse_entry(draft.text, path, POLICY)
    assert entry.meta.draft and entry.meta.title.strip()


# End to end, both forges.

FORGES = ["gitea", "github"]
BOT_TOKEN = "t-harvest-bot-5e1f"


def seed_text() -> str:
    labels = "\n".join(
        f'      - {{name: "{name}", color: "ededed"}}'
        for name in [*POLICY.label_book().names(), LABEL]
    )
    body = json.dumps(github_body(FORMS["technical"], ANSWERS), ensure_ascii=False)
    reply = json.dumps(REPLY, ensure_ascii=False)
    return f"""\
users:
  - {{login: zzxt-bot, token: {BOT_TOKEN}, type: Bot}}
  - {{login: staff1, token: t-staff-77}}
  - {{login: fs-bureau, token: t-fs-12}}
repos:
  - name: gdzz/support
    private: true
    labels:
{labels}
    issues:
      - number: 12
        title: "{TITLE}"
        body: {body}
        user: fs-bureau
        labels: ["{LABEL}", 类别/技术类问题]
        state: closed
        created_at: 2026-10-09T09:00:00+08:00
        closed_at: 2026-10-11T09:00:00+08:00
        comments:
          - {{user: staff1, body: 已收到, created_at: 2026-10-09T10:00:00+08:00}}
          - {{user: staff1, body: {reply}, created_at: 2026-10-10T10:00:00+08:00}}
      - number: 13
        title: 佛山市-义务教育-技术类问题：没有标注答复
        body: {body}
        user: fs-bureau
        labels: ["{LABEL}", 类别/技术类问题]
        state: closed
        created_at: 2026-10-09T09:00:00+08:00
        closed_at: 2026-10-11T09:00:00+08:00
        comments:
          - {{user: staff1, body: 已处理, created_at: 2026-10-10T10:00:00+08:00}}
      - number: 14
        title: 佛山市-义务教育-技术类问题：没有加标签
        body: {body}
        user: fs-bureau
        labels: [类别/技术类问题]
        state: closed
        created_at: 2026-10-09T09:00:00+08:00
        closed_at: 2026-10-11T09:00:00+08:00
        comments:
          - {{user: staff1, body: {reply}, created_at: 2026-10-10T10:00:00+08:00}}
      - number: 15
        title: 佛山市-义务教育-技术类问题：还没有关闭
        body: {body}
        user: fs-bureau
        labels: ["{LABEL}", 类别/技术类问题]
        comments:
          - {{user: staff1, body: {reply}}}
"""


@pytest.fixture(params=FORGES)
def forge(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=parse_seed(seed_text(), "test_harvest")) as sb:
        yield sb


def writes(sb: Sandbox) -> list[dict[str, Any]]:
    return [
        r
        for r in sb.requests()
        if r["method"] in {"POST", "PUT", "PATCH", "DELETE"} and r["path"].startswith("/api/")
    ]


def comments_on(sb: Sandbox, number: int) -> list[dict[str, Any]]:
    issues = httpx.get(sb.url + "/_sandbox/state").json()["repos"]["gdzz/support"]["issues"]
    return list(next(i for i in issues if i["number"] == number)["comments"])


def run(invoke: Invoke, sb: Sandbox, forge: str, faq: Path, *args: str) -> Any:
    return invoke(
        "faq",
        "harvest",
        *forge_args(sb.url, forge),
        "--dir",
        str(faq),
        "--now",
        "2026-11-30T10:00:00+08:00",
        *args,
        env={"ZZXT_TOKEN": BOT_TOKEN},
    )


def test_harvest_writes_one_masked_draft_and_a_rerun_writes_nothing(
    invoke: Invoke, sandbox: Sandbox, forge: str, tmp_path: Path
) -> None:
    faq = tmp_path / "faq"
    faq.mkdir()
    dry = run(invoke, sandbox, forge, faq, "--json")
    assert dry.exit_code == 0, dry.stderr
    assert [d["issue"] for d in json.loads(dry.stdout)["drafts"]] == [12]
    assert list(faq.iterdir()) == [] and writes(sandbox) == []  # a dry run writes nothing

    result = run(invoke, sandbox, forge, faq, "--apply")
    assert result.exit_code == 0, result.stderr
    (path,) = faq.iterdir()
    assert path.name == "issue-gdzz-support-12.md"
    assert f"已写入 {path}：#12 导入 Excel 后身份证号末位变成 0" in result.stdout
    assert "跳过 #13：没有以“【答复】”开头的工作人员答复" in result.stdout
    text = path.read_text("utf-8")
    assert ID_NUMBER not in text and "draft: true" in text
    assert f"source_issue: {sandbox.url}/gdzz/support/issues/12" in text
    (entry,) = load_entries(faq, POLICY, drafts=True)
    assert entry.meta.draft and load_entries(faq, POLICY) == []  # drafts are not published
    markers = [c for c in comments_on(sandbox, 12) if harvest.HARVEST_MARK in c["body"]]
    assert len(markers) == 1
    assert all(
        harvest.HARVEST_MARK not in c["body"] for n in (13, 14, 15) for c in comments_on(sandbox, n)
    )

    sandbox.log.clear()
    again = run(invoke, sandbox, forge, faq, "--apply")
    assert again.exit_code == 0, again.stderr
    assert [p.name for p in faq.iterdir()] == [path.name] and writes(sandbox) == []
    assert "跳过 #12：已转为草稿" in again.stdout

    # An editor deletes the draft: the bot's marker still keeps the issue from coming back.
    path.unlink()
    third = run(invoke, sandbox, forge, faq, "--apply")
    assert third.exit_code == 0 and list(faq.iterdir()) == [] and writes(sandbox) == []

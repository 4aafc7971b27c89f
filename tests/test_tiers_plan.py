"""The pure parts of escalation and mirroring: field mapping, plans, quoted replies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tests.support.tiers import EXAMPLE
from tracker.attachments import ReadResult, SheetRow
from tracker.attachments.rows import Source
from tracker.bots import escalate, mirror, sheets
from tracker.bots.identity import BotIdentity
from tracker.bots.rules import Rules
from tracker.bots.sla import Responders
from tracker.bots.upstream import Tracker, escalated_marker, escalation_fingerprint
from tracker.errors import InputError
from tracker.forge.model import Comment, Issue, User
from tracker.policy import load_layers, load_policy
from tracker.templates.form_body import render_body
from tracker.templates.form_parse import Value
from tracker.usertext import ZWJ, plain

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PROVINCE = load_policy()


def city_policy(tmp_path: Path, extra: str = "") -> Rules:
    text = EXAMPLE.read_text("utf-8").replace(
        "extends: ../guangdong.yml", "extends: builtin:guangdong.yml"
    )
    path = tmp_path / "city.yml"
    path.write_text(text + extra, encoding="utf-8")
    return Rules.build(load_layers(path).policy)


class NoForge:
    """Plans never talk to a forge; a Tracker still needs something in its place."""


def tracker(rules: Rules, repo: str, login: str) -> Tracker:
    return Tracker(NoForge(), "https://git.example.cn", repo, rules, BotIdentity(login))  # type: ignore[arg-type]


def issue(
    number: int, body: str, labels: tuple[str, ...], author: str = "school", **over: object
) -> Issue:
    fields: dict[str, object] = {
        "number": number,
        "title": "佛山市-义务教育-技术类问题：人数不符",
        "body": body,
        "author": User(author),
        "labels": labels,
        "assignees": (),
        "state": "open",
        "created_at": T0,
        "updated_at": T0,
        **over,
    }
    return Issue(**fields)  # type: ignore[arg-type]


def comment(cid: int, number: int, login: str, body: str, minutes: int = 0) -> Comment:
    at = T0 + timedelta(minutes=minutes)
    return Comment(cid, number, User(login), body, at, at)


ANSWERS: dict[str, Value] = {
    "city": "佛山市",
    "stage": "义务教育阶段",
    "unit": "佛山市南海区教育局",
    "unit_type": "区县教育局",
    "reporter": "何老师",
    "role": "管理员",
    "phone": "13712345678",
    "urgent": "很急",
    "summary": "人数不符",
    "subcategory": "数据类",
    "module": "名单导入",
    "steps": "1. 导入",
    "affected": "30 条",
}


def renamed(tmp_path: Path) -> Rules:
    """The example city, with a stage, a subcategory and an answer renamed in a layer above it."""
    city_policy(tmp_path)
    layer = tmp_path / "renamed.yml"
    layer.write_text(
        "extends: city.yml\n"
        "stages:\n  - {key: compulsory, name: 义务教育阶段}\n"
        "categories:\n  - key: technical\n    subcategories: [{key: data, name: 数据类}]\n"
        "forms:\n  common:\n    - {id: urgent, type: dropdown, label: 是否紧急, options: [否, 是, 很急], required: true}\n",
        encoding="utf-8",
    )
    return Rules.build(load_layers(layer).policy)


def test_answers_are_carried_by_key_and_the_city_bureau_reports(tmp_path: Path) -> None:
    rules = renamed(tmp_path)
    fields, warnings = escalate.upstream_fields(rules.policy, PROVINCE, "technical", ANSWERS)
    assert fields["stage"] == "义务教育"  # the city's 义务教育阶段, by its key
    assert fields["subcategory"] == "数据问题"  # the city's 数据类, by its key
    assert "urgent" not in fields and warnings == [
        "“是否紧急”的取值 很急 不是上级表单的选项，未填写。"
    ]
    assert (fields["unit"], fields["unit_type"], fields["phone"]) == (
        "佛山市教育局",
        "地级以上市教育局",
        "0757-0000-0000",
    )
    assert fields["steps"] == "1. 导入" and fields["summary"] == "人数不符"


def snapshot(
    rules: Rules, body_issue: Issue, comments: list[Comment], upstream: dict[str, int]
) -> escalate.Snapshot:
    labels = [s.name for s in PROVINCE.label_book().specs()]
    return escalate.Snapshot(body_issue, comments, upstream, labels)


def test_plan_refuses_a_closed_or_uncategorised_issue_and_reuses_what_exists(
    tmp_path: Path,
) -> None:
    rules = city_policy(tmp_path)
    city = tracker(rules, "fs/support", "fs-bot")
    up = tracker(Rules.build(PROVINCE), "gdzz/support", "fs-up")
    form = next(f for f in rules.forms if f.category == "technical")
    body = render_body(
        form, {**ANSWERS, "stage": "义务教育", "subcategory": "数据问题", "urgent": "是"}
    )
    labelled = issue(7, body, form.labels)
    with pytest.raises(InputError, match="已关闭"):
        escalate.plan(
            snapshot(rules, issue(7, body, form.labels, state="closed"), [], {}), city, up
        )
    with pytest.raises(InputError, match="没有类别标签"):
        escalate.plan(snapshot(rules, issue(7, "随便写的正文", ()), [], {}), city, up)

    fresh = escalate.plan(snapshot(rules, labelled, [], {}), city, up)
    assert fresh.new_issue is not None and fresh.comment_needed and fresh.labels == ["层级/已报省"]
    # A marker in someone else's comment does not count; the bot's own does.
    forged = [comment(1, 7, "school", escalated_marker("gdzz/support", 99))]
    assert escalate.plan(snapshot(rules, labelled, forged, {}), city, up).new_issue is not None
    mine = [comment(2, 7, "fs-bot", escalated_marker("gdzz/support", 12))]
    linked = escalate.plan(snapshot(rules, labelled, mine, {}), city, up)
    assert (linked.new_issue, linked.upstream_number, linked.comment_needed) == (None, 12, False)
    # Created upstream by an earlier run whose answer was lost: found by its fingerprint.
    found = {escalation_fingerprint(city, 7): 31}
    lost = escalate.plan(snapshot(rules, labelled, [], found), city, up)
    assert (lost.new_issue, lost.upstream_number, lost.comment_needed) == (None, 31, True)


def test_mirror_plan_quotes_staff_replies_once_edits_them_and_follows_the_close(
    tmp_path: Path,
) -> None:
    rules = city_policy(tmp_path)
    city = tracker(rules, "fs/support", "fs-bot")
    up = tracker(Rules.build(PROVINCE), "gdzz/support", "fs-up")
    mine = issue(7, "", ("类别/技术类问题", "层级/已报省"))
    theirs = issue(
        12,
        "",
        ("类别/技术类问题",),
        author="fs-up",
        state="closed",
        closed_at=T0 + timedelta(hours=3),
    )
    link = comment(1, 7, "fs-bot", escalated_marker("gdzz/support", 12))
    replies = [
        comment(50, 12, "fs-up", "补充材料", 5),  # the city's own account: not an answer
        comment(51, 12, "gd-staff", "已处理", 10),
        comment(52, 12, "github-actions[bot]", "自动提醒", 11),
    ]
    snap = mirror.Snapshot([mine], [link], [n.name for n in rules.labels.specs()], {12: theirs}, replies,
                           Responders(BotIdentity("fs-up"), writers=frozenset({"gd-staff"})))  # fmt: skip
    (plan,) = mirror.plan(snap, city, up)
    assert len(plan.comments) == 2 and "已处理" in plan.comments[0] and "办结" in plan.comments[1]
    assert plan.add_labels == ["层级/省已答复", "层级/省已办结"] and plan.close
    # Next run: the bot's comments are there; the reply was edited upstream since.
    done = [
        comment(60, 7, "fs-bot", plan.comments[0]),
        comment(61, 7, "fs-bot", plan.comments[1]),
    ]
    edited = [*replies[:1], comment(51, 12, "gd-staff", "已处理，请重新导入", 10), replies[2]]
    closed_mine = issue(7, "", (*mine.labels, "层级/省已答复", "层级/省已办结"), state="closed")
    snap = mirror.Snapshot(
        [closed_mine], [link, *done], snap.city_labels, {12: theirs}, edited, snap.responders
    )
    (again,) = mirror.plan(snap, city, up)
    assert again.comments == [] and again.add_labels == [] and not again.close
    assert [cid for cid, _ in again.edits] == [60] and "请重新导入" in again.edits[0][1]


def test_account_state_follows_upstream_forward_only(tmp_path: Path) -> None:
    rules = city_policy(tmp_path)
    city = tracker(rules, "fs/support", "fs-bot")
    up = tracker(Rules.build(PROVINCE), "gdzz/support", "fs-up")
    link = comment(1, 7, "fs-bot", escalated_marker("gdzz/support", 12))

    def follow(city_state: str, up_state: str) -> tuple[list[str], list[str]]:
        mine = issue(7, "", ("类别/用户申请", "层级/已报省", city_state))
        theirs = issue(12, "", ("类别/用户申请", up_state), author="fs-up")
        snap = mirror.Snapshot(
            [mine],
            [link],
            [s.name for s in rules.labels.specs()],
            {12: theirs},
            [],
            Responders(BotIdentity("fs-up")),
        )
        (plan,) = mirror.plan(snap, city, up)
        return plan.add_labels, plan.remove_labels

    assert follow("账号/已报省", "账号/已报国家") == (["账号/已报国家"], ["账号/已报省"])
    assert follow("账号/已报国家", "账号/已报省") == ([], [])


RENDERED_OK = {"blockquote_open", "blockquote_close", "paragraph_open", "paragraph_close", "inline"}


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300))
def test_a_quoted_reply_renders_as_its_literal_text(text: str) -> None:
    """Whatever the province writes, the city sees the words: no link, image, HTML or mention."""
    rendered = MarkdownIt("commonmark").parse(mirror.quote(text))
    kinds = {t.type for t in rendered}
    assert kinds <= RENDERED_OK, kinds
    shown: list[str] = []
    for token in rendered:
        if token.type == "inline":
            assert {c.type for c in token.children or []} <= {"text", "softbreak"}
            shown.append(
                "".join(c.content if c.type == "text" else "\n" for c in token.children or [])
            )
    expected = [plain(line) for line in text.replace("\r\n", "\n").strip().split("\n")]
    got = "\n".join(shown).replace(ZWJ, "").split("\n")
    assert [line for line in got if line] == [line.replace(ZWJ, "") for line in expected if line]


def test_a_marker_typed_into_a_report_never_passes_for_the_bots_own(tmp_path: Path) -> None:
    """Escalation and import copy people's text into issues the bot writes: a marker in it is
    broken, so the upstream issue holds exactly one marker, the bot's."""
    rules = city_policy(tmp_path)
    city = tracker(rules, "fs/support", "fs-bot")
    up = tracker(Rules.build(PROVINCE), "gdzz/support", "fs-up")
    form = next(f for f in rules.forms if f.category == "technical")
    planted = "<!-- zzxt:intake " + "ab" * 8 + " -->"
    body = render_body(form, {**ANSWERS, "stage": "义务教育", "subcategory": "数据问题", "urgent": "是",
                              "steps": f"1. 导入\n{planted}", "summary": f"人数不符{planted}"})  # fmt: skip
    plan = escalate.plan(snapshot(rules, issue(7, body, form.labels), [], {}), city, up)
    assert plan.new_issue is not None
    assert plan.new_issue.body.count("<!--") == 1 and planted not in plan.new_issue.title
    row = SheetRow(2, "application", "义务教育", {"city": "广州市", "summary": planted, "detail": planted},
                   source=Source(f"{planted}.xlsx", "义务教育", 5))  # fmt: skip
    result = ReadResult(file="a.xlsx", form=2, rows=[row])
    (new,) = sheets.import_plan(
        result, {}, Rules.build(PROVINCE), [s.name for s in PROVINCE.label_book().specs()]
    ).new
    assert new.body.count("<!--") == 1

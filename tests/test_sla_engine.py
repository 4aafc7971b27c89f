"""The SLA engine as a table: issue, comments, now -> state and deadlines."""

from __future__ import annotations

from datetime import datetime

import pytest

from tracker.bots.identity import BotIdentity
from tracker.bots.rules import Rules
from tracker.bots.sla import Responders, State, evaluate, evaluate_all, wanted_sla_label
from tracker.forge.model import Comment, Issue, User
from tracker.policy import load_policy

POLICY = load_policy()
RULES = Rules.build(POLICY)
AUTHOR = User("gz-bureau")
STAFF = User("staff1")
BOT = User("zzxt-bot", is_bot=True)
# Who has write access in these cases: the staff who answer.
WRITERS = Responders(BotIdentity("zzxt-bot"), writers=frozenset({"staff1", "province-staff"}))


def t(text: str) -> datetime:
    return datetime.fromisoformat(text if "+" in text or text.endswith("Z") else text + "+08:00")


def issue(created: str, labels: tuple[str, ...] = ("类别/技术类问题",), number: int = 1) -> Issue:
    return Issue(
        number=number,
        title="广州市-高等教育（本专科）-技术类问题：名单缺失",
        body="",
        author=AUTHOR,
        labels=labels,
        assignees=(),
        state="open",
        created_at=t(created),
        updated_at=t(created),
    )


def comment(
    when: str, user: User = STAFF, number: int = 1, cid: int = 1, body: str = "已收到"
) -> Comment:
    return Comment(
        id=cid,
        issue_number=number,
        author=user,
        body=body,
        created_at=t(when),
        updated_at=t(when),
    )


# Technical problems: warn after 2 working days, breach after 3 (第十四条).
# Received 2025-09-30 (before National Day): warn 2025-10-10, due 2025-10-11 (make-up Saturday).
CASES = [
    pytest.param(
        issue("2025-09-30T16:00"), [], "2025-10-09T12:00", State.PENDING, id="待答复-假期后第一天"
    ),
    pytest.param(
        issue("2025-09-30T16:00"), [], "2025-10-11T08:00", State.DUE_SOON, id="即将超期-调休周六"
    ),
    pytest.param(
        issue("2025-09-30T16:00"), [], "2025-10-11T23:59:59", State.DUE_SOON, id="截止前一秒"
    ),
    pytest.param(issue("2025-09-30T16:00"), [], "2025-10-12T00:00", State.OVERDUE, id="已超期"),
    pytest.param(
        issue("2025-09-30T16:00"),
        [comment("2025-10-11T10:00")],
        "2025-10-20T09:00",
        State.MET,
        id="调休周六答复-按时",
    ),
    pytest.param(
        issue("2025-09-30T16:00"),
        [comment("2025-10-13T09:00")],
        "2025-10-20T09:00",
        State.LATE,
        id="超期答复",
    ),
    pytest.param(
        issue("2025-09-30T16:00"),
        [comment("2025-10-02T09:00", AUTHOR)],
        "2025-10-12T09:00",
        State.OVERDUE,
        id="提问人自己的评论不算",
    ),
    pytest.param(
        issue("2025-09-30T16:00"),
        [comment("2025-10-02T09:00", BOT)],
        "2025-10-12T09:00",
        State.OVERDUE,
        id="机器人评论不算",
    ),
    pytest.param(
        issue("2025-09-30T16:00"),
        [comment("2025-10-02T09:00", User("github-actions[bot]"))],
        "2025-10-12T09:00",
        State.OVERDUE,
        id="bot后缀不算",
    ),
    pytest.param(
        issue("2025-09-30T16:00", ("类别/技术类问题", "状态/不予受理")),
        [],
        "2025-12-01T09:00",
        State.EXEMPT,
        id="不予受理",
    ),
    # Application problems (1/2): received Friday before Spring Festival 2026; Saturday 14th is worked.
    pytest.param(
        issue("2026-02-13T10:00", ("类别/应用类问题",)),
        [],
        "2026-02-14T23:00",
        State.PENDING,
        id="应用类-调休周六当天",
    ),
    pytest.param(
        issue("2026-02-13T10:00", ("类别/应用类问题",)),
        [],
        "2026-02-20T10:00",
        State.DUE_SOON,
        id="应用类-春节假期中",
    ),
    pytest.param(
        issue("2026-02-13T10:00", ("类别/应用类问题",)),
        [],
        "2026-02-25T00:00:01",
        State.OVERDUE,
        id="应用类-节后超期",
    ),
    # No category label: the strictest deadline (application, 1/2).
    pytest.param(
        issue("2026-11-23T10:00", ()), [], "2026-11-25T08:00", State.DUE_SOON, id="无类别按最严"
    ),
    pytest.param(
        issue("2026-11-23T10:00", ()), [], "2026-11-26T00:00:01", State.OVERDUE, id="无类别超期"
    ),
    # Requirements: 5 working days, warn at 4.
    pytest.param(
        issue("2026-11-23T10:00", ("类别/需求建议",)),
        [],
        "2026-11-27T12:00",
        State.PENDING,
        id="需求建议-第4天",
    ),
    pytest.param(
        issue("2026-11-23T10:00", ("类别/需求建议",)),
        [],
        "2026-11-30T12:00",
        State.DUE_SOON,
        id="需求建议-第5天",
    ),
    # A deadline running into a year without an official notice: counted provisionally.
    pytest.param(issue("2026-12-31T10:00"), [], "2027-01-05T10:00", State.PENDING, id="暂定年份"),
]


@pytest.mark.parametrize(("the_issue", "comments", "now", "state"), CASES)
def test_state(the_issue: Issue, comments: list[Comment], now: str, state: State) -> None:
    verdict = evaluate(the_issue, comments, RULES, t(now), WRITERS)
    assert verdict.state is state


def test_deadlines_and_responder() -> None:
    verdict = evaluate(
        issue("2025-09-30T16:00"),
        [comment("2025-10-13T09:00"), comment("2025-10-14T09:00", cid=2)],
        RULES,
        t("2025-10-20T00:00"),
        WRITERS,
    )
    assert verdict.category == "technical"
    assert verdict.warn_at == t("2025-10-10T23:59:59")
    assert verdict.due == t("2025-10-11T23:59:59")
    assert verdict.responded_at == t("2025-10-13T09:00")
    assert verdict.responder == "staff1"


def test_a_year_without_a_notice_is_provisional() -> None:
    verdict = evaluate(issue("2026-12-31T10:00"), [], RULES, t("2027-01-05T10:00"), WRITERS)
    # 2027-01-01 (元旦) is off, then the weekend: the 3rd working day is Wednesday the 6th.
    assert verdict.due == t("2027-01-06T23:59:59")
    assert verdict.provisional_years == (2027,) and verdict.missing_year is None


def test_strict_calendar_names_the_missing_year() -> None:
    strict = POLICY.model_copy(
        update={"calendar": POLICY.calendar.model_copy(update={"strict": True})}
    )
    rules = Rules.build(strict)
    verdict = evaluate(issue("2026-12-31T10:00"), [], rules, t("2027-01-05T10:00"), WRITERS)
    assert verdict.state is State.UNKNOWN and verdict.missing_year == 2027


def test_only_listed_responders_count() -> None:
    listed = Responders(BotIdentity("zzxt-bot"), named=frozenset({"province-staff"}))
    comments = [
        comment("2025-10-09T09:00"),
        comment("2025-10-13T09:00", User("province-staff"), cid=2),
    ]
    verdict = evaluate(issue("2025-09-30T16:00"), comments, RULES, t("2025-10-20T00:00"), listed)
    assert verdict.state is State.LATE
    assert verdict.responder == "province-staff"


def test_policy_bots_do_not_count() -> None:
    responders = Responders(
        BotIdentity("zzxt-bot", bots=frozenset({"ops-robot"})),
        writers=frozenset({"ops-robot"}),
    )
    comments = [comment("2025-10-09T09:00", User("ops-robot"))]
    verdict = evaluate(
        issue("2025-09-30T16:00"), comments, RULES, t("2025-10-09T10:00"), responders
    )
    assert verdict.responded_at is None


def test_evaluate_all_sorts_by_due_and_matches_comments_to_issues() -> None:
    issues = [
        issue("2026-11-23T10:00", ("类别/需求建议",), number=1),
        issue("2026-11-23T10:00", ("类别/应用类问题",), number=2),
    ]
    comments = [comment("2026-11-24T09:00", number=2)]
    verdicts = evaluate_all(issues, comments, RULES, t("2026-11-26T09:00"), WRITERS)
    assert [v.issue.number for v in verdicts] == [2, 1]
    assert verdicts[0].state is State.MET and verdicts[1].state is State.PENDING


@pytest.mark.parametrize(
    ("state", "label"),
    [
        (State.DUE_SOON, "SLA/即将超期"),
        (State.OVERDUE, "SLA/已超期"),
        (State.LATE, "SLA/超期答复"),
        (State.MET, None),
        (State.PENDING, None),
    ],
    ids=lambda x: str(x),
)
def test_sla_label(state: State, label: str | None) -> None:
    verdict = evaluate(issue("2025-09-30T16:00"), [], RULES, t("2025-10-01T00:00"), WRITERS)
    assert (
        wanted_sla_label(RULES, verdict.__class__(**{**verdict.__dict__, "state": state})) == label
    )


def test_comments_after_now_are_not_yet_answers() -> None:
    comments = [comment("2025-10-13T09:00")]
    at = evaluate(issue("2025-09-30T16:00"), comments, RULES, t("2025-10-12T09:00"), WRITERS)
    assert at.state is State.OVERDUE and at.responded_at is None
    later = evaluate(issue("2025-09-30T16:00"), comments, RULES, t("2025-10-13T10:00"), WRITERS)
    assert later.state is State.LATE


def test_without_write_access_a_comment_is_no_answer() -> None:
    outsider = User("someone-else")
    comments = [comment("2025-10-09T09:00", outsider, body="+1 我也遇到")]
    verdict = evaluate(issue("2025-09-30T16:00"), comments, RULES, t("2025-10-12T09:00"), WRITERS)
    assert verdict.state is State.OVERDUE and verdict.responder is None


@pytest.mark.parametrize(
    ("author", "body"),
    [
        (User("zzxt-bot"), "已超期提醒"),  # the bot's own login, though not marked a bot
        (User("github-actions[bot]"), "自动回复"),
        (User("ci-robot", is_bot=True), "自动回复"),
        (User("staff1"), "<!-- zzxt:sla-overdue -->\n提醒"),  # a bot's comment read by staff
    ],
    ids=["own-login", "app-bot", "bot-type", "marked"],
)
def test_bots_and_marked_comments_are_never_answers(author: User, body: str) -> None:
    responders = Responders(
        BotIdentity("zzxt-bot"),
        writers=frozenset({"zzxt-bot", "github-actions[bot]", "ci-robot", "staff1"}),
    )
    comments = [comment("2025-10-09T09:00", author, body=body)]
    verdict = evaluate(
        issue("2025-09-30T16:00"), comments, RULES, t("2025-10-12T09:00"), responders
    )
    assert verdict.responder is None


def test_named_responders_count_whatever_their_access_but_are_assigned_only_with_it() -> None:
    named = Responders(BotIdentity("zzxt-bot"), named=frozenset({"Duty-Officer"}))
    comments = [comment("2025-10-09T09:00", User("duty-officer"))]
    verdict = evaluate(issue("2025-09-30T16:00"), comments, RULES, t("2025-10-12T09:00"), named)
    assert verdict.state is State.MET and verdict.responder == "duty-officer"
    assert not named.may_assign("duty-officer")

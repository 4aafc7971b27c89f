"""SLA behaviour that a deliberate bug once changed without any test failing.

The bot is run through `zzxt sla check` against the sandbox on both forges; the
engine's two boundary rules are checked on the pure `evaluate`, because the forges
hand comments over already sorted. Each test names the mutant it kills
(scripts/mutate.py applies it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import Invoke
from tests.support.sandbox import forge_args, state
from tracker.bots.identity import BotIdentity
from tracker.bots.rules import Rules
from tracker.bots.sla import Responders, State, evaluate
from tracker.bots.sla_run import ESCALATION_MARK
from tracker.forge.model import Comment, Issue, User
from tracker.policy import load_policy
from tracker.sandbox import Sandbox, parse_seed

BOT = "t-mutants-sla-bot-61d0"
FORGES = ["gitea", "github"]
TECH = "类别/技术类问题"
RECEIVED = "2025-09-30T16:00:00+08:00"  # technical: warning line 10-10, due 10-11 23:59:59
WARNED = "2025-10-11T10:00:00+08:00"
OVERDUE = "2025-10-12T10:00:00+08:00"
# Staff with write access: with no responders named in the policy, only they answer.
STAFF = Responders(BotIdentity("zzxt-bot"), writers=frozenset({"staff1", "staff2"}))
SEED = f"""\
users:
  - {{login: zzxt-bot, token: {BOT}, type: Bot}}
  - {{login: staff1, token: t-mutants-sla-staff1}}
  - {{login: duty-officer, token: t-mutants-sla-duty}}
repos:
  - name: gdzz/support
    private: true
    writers: [zzxt-bot, staff1, duty-officer]
    labels:
      - {{name: {TECH}, color: "1d76db"}}
    issues:
      - number: 1
        title: 广州市-高等教育（本专科）-技术类问题：无人负责
        user: gz-bureau
        labels: [{TECH}]
        created_at: {RECEIVED}
      - number: 2
        title: 广州市-高等教育（本专科）-技术类问题：已有负责人
        user: gz-bureau
        labels: [{TECH}]
        assignees: [duty-officer]
        created_at: {RECEIVED}
      - number: 3
        title: 广州市-高等教育（本专科）-技术类问题：负责人以外的人答复
        user: gz-bureau
        labels: [{TECH}]
        assignees: [duty-officer]
        created_at: {RECEIVED}
        comments:
          - {{user: staff1, body: 已处理, created_at: 2025-10-09T10:00:00+08:00}}
      - number: 4
        title: 广州市-高等教育（本专科）-技术类问题：无人负责时有人答复
        user: gz-bureau
        labels: [{TECH}]
        created_at: {RECEIVED}
        comments:
          - {{user: staff1, body: 已处理, created_at: 2025-10-09T10:00:00+08:00}}
"""


@pytest.fixture
def policy(policy_text: str, write_policy) -> Path:
    path: Path = write_policy(
        policy_text.replace("  escalate_to: []", "  escalate_to: [province-duty]")
    )
    return path


@pytest.fixture(params=FORGES)
def forge(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sandbox(forge: str, invoke: Invoke, policy: Path) -> Iterator[Sandbox]:
    with Sandbox(seed=parse_seed(SEED, "test_mutants_sla")) as sb:
        # The SLA labels come from `zzxt sync`, as on a real tracker.
        synced = invoke(
            "--policy",
            str(policy),
            "sync",
            *forge_args(sb.url, forge),
            "--apply",
            env={"ZZXT_TOKEN": BOT},
        )
        assert synced.exit_code == 0, synced.stderr
        yield sb


def check(invoke: Invoke, sb: Sandbox, forge: str, policy: Path, now: str) -> dict[int, Any]:
    result = invoke(
        "--policy",
        str(policy),
        "sla",
        "check",
        *forge_args(sb.url, forge),
        "--now",
        now,
        "--apply",
        "--json",
        env={"ZZXT_TOKEN": BOT},
    )
    assert result.exit_code == 0, result.stderr
    return {i["number"]: i for i in json.loads(result.stdout)["issues"]}


def issue(sb: Sandbox, number: int) -> dict[str, Any]:
    issues = state(sb.url)["repos"]["gdzz/support"]["issues"]
    return dict(next(i for i in issues if i["number"] == number))


def escalations(sb: Sandbox, number: int) -> list[str]:
    return [c["body"] for c in issue(sb, number)["comments"] if ESCALATION_MARK in c["body"]]


def test_no_overdue_reminder_at_the_warning_line(
    invoke: Invoke, sandbox: Sandbox, forge: str, policy: Path
) -> None:
    """Mutant: the overdue reminder is posted already when an issue passes its warning line."""
    verdicts = check(invoke, sandbox, forge, policy, WARNED)
    assert verdicts[1]["state"] == "due_soon" and verdicts[2]["state"] == "due_soon"
    assert escalations(sandbox, 1) == [] and escalations(sandbox, 2) == []

    check(invoke, sandbox, forge, policy, OVERDUE)
    assert len(escalations(sandbox, 1)) == 1  # and it does come once the deadline has passed


def test_the_reminder_mentions_the_assignee_before_the_escalation_team(
    invoke: Invoke, sandbox: Sandbox, forge: str, policy: Path
) -> None:
    """Mutant: the reminder always @mentions the escalation team, never the person in charge."""
    verdicts = check(invoke, sandbox, forge, policy, OVERDUE)
    assert verdicts[1]["state"] == "overdue" and verdicts[2]["state"] == "overdue"
    [assigned] = escalations(sandbox, 2)
    assert "@duty-officer" in assigned and "@province-duty" not in assigned
    [unassigned] = escalations(sandbox, 1)
    assert "@province-duty" in unassigned and "@duty-officer" not in unassigned


def test_first_responder_is_assigned_only_when_nobody_is(
    invoke: Invoke, sandbox: Sandbox, forge: str, policy: Path
) -> None:
    """Mutant: the first responder is assigned even where someone already is (首接负责制 broken)."""
    verdicts = check(invoke, sandbox, forge, policy, OVERDUE)
    assert verdicts[3]["state"] == "met" and verdicts[3]["responder"] == "staff1"
    assert issue(sandbox, 3)["assignees"] == ["duty-officer"]
    assert issue(sandbox, 4)["assignees"] == ["staff1"]


# The engine.

RULES = Rules.build(load_policy())
AUTHOR = User("gz-bureau")


def engine_issue() -> Issue:
    created = datetime.fromisoformat(RECEIVED)
    return Issue(
        number=1,
        title="广州市-高等教育（本专科）-技术类问题：名单缺失",
        body="",
        author=AUTHOR,
        labels=(TECH,),
        assignees=(),
        state="open",
        created_at=created,
        updated_at=created,
    )


def answer(when: str, login: str, cid: int) -> Comment:
    moment = datetime.fromisoformat(when)
    return Comment(
        id=cid,
        issue_number=1,
        author=User(login),
        body="已答复",
        created_at=moment,
        updated_at=moment,
    )


def test_the_earliest_answer_counts_whatever_the_list_order() -> None:
    """Mutant: the first answer in list order counts instead of the earliest one."""
    late = answer("2025-10-13T09:00:00+08:00", "staff1", 10)
    early = answer("2025-10-10T09:00:00+08:00", "staff2", 11)  # e.g. migrated with its old time
    later = datetime.fromisoformat("2025-10-20T09:00:00+08:00")  # both answers have been given
    verdict = evaluate(engine_issue(), [late, early], RULES, later, STAFF)
    assert verdict.state is State.MET
    assert verdict.responded_at == early.created_at
    assert verdict.responder == "staff2"


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2025-10-11T23:59:59+08:00", State.MET),
        ("2025-10-12T00:00:00+08:00", State.LATE),
        ("2025-10-11T15:59:59+00:00", State.MET),  # the same moment written in UTC
    ],
    ids=["截止当天23时59分59秒", "次日零时", "UTC写法"],
)
def test_an_answer_in_the_last_second_of_the_due_day_is_on_time(when: str, expected: State) -> None:
    """Mutant: an answer at exactly 23:59:59 on the due day is counted late."""
    verdict = evaluate(
        engine_issue(),
        [answer(when, "staff1", 10)],
        RULES,
        datetime.fromisoformat("2025-10-20T09:00:00+08:00"),
        STAFF,
    )
    assert verdict.due == datetime.fromisoformat("2025-10-11T23:59:59+08:00")
    assert verdict.state is expected


def test_a_reporter_with_write_access_does_not_answer_their_own_issue() -> None:
    """Mutant: the reporter's own follow-up counts as the answer.

    A city bureau's staff member may both file an issue and hold write access; their
    follow-up ("补充：截图见附件") is not the province's reply and must not stop the clock.
    """
    issue = engine_issue()
    staff = Responders(BotIdentity("zzxt-bot"), writers=frozenset({issue.author.login, "staff2"}))
    own = answer("2025-10-10T09:00:00+08:00", issue.author.login.upper(), 10)  # any case
    later = datetime.fromisoformat("2025-10-20T09:00:00+08:00")
    verdict = evaluate(issue, [own], RULES, later, staff)
    assert verdict.state is State.OVERDUE and verdict.responder is None
    reply = answer("2025-10-11T09:00:00+08:00", "staff2", 11)
    verdict = evaluate(issue, [own, reply], RULES, later, staff)
    assert verdict.state is State.MET and verdict.responder == "staff2"

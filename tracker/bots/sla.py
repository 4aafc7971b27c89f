"""Reply deadlines of 第十四条 as verdicts: pure functions of issues, comments, policy and now.

The clock starts when the issue is created. The first response is the first
comment by a responder: not the author, not a bot (nor a comment carrying a bot's
marker), and either one of the logins the policy names (`sla.responders`,
`sla.responder_team`) or, where it names none, someone with write (or triage)
permission on the repository. Deadlines come from `tracker.calendar`: the day of
receipt does not count, the Nth working day ends at 23:59:59 Beijing time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tracker.bots.identity import UNKNOWN, BotIdentity
from tracker.bots.rules import Rules
from tracker.errors import CalendarGapError
from tracker.forge.model import Comment, Issue, User
from tracker.labels import FixedKey
from tracker.policy import Category, Policy


class State(StrEnum):
    PENDING = "pending"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MET = "met"
    LATE = "late"
    EXEMPT = "exempt"
    UNKNOWN = "unknown"


STATE_NAMES = {
    State.PENDING: "待答复",
    State.DUE_SOON: "即将超期",
    State.OVERDUE: "已超期",
    State.MET: "按时答复",
    State.LATE: "超期答复",
    State.EXEMPT: "不计时限",
    State.UNKNOWN: "日历缺数据",
}
# The SLA label each state carries on an open issue.
STATE_LABEL_KEYS: dict[State, FixedKey] = {
    State.DUE_SOON: "due_soon",
    State.OVERDUE: "overdue",
    State.LATE: "late",
}


@dataclass(frozen=True)
class Verdict:
    issue: Issue
    category: str | None  # policy key, None when the issue has no category label
    state: State
    warn_at: datetime | None
    due: datetime | None
    responded_at: datetime | None
    responder: str | None
    missing_year: int | None = None  # set when state is UNKNOWN
    # Years whose holidays were estimated while counting: the due time is provisional.
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)


@dataclass(frozen=True)
class Responders:
    """Who may answer an issue, and who may be assigned one (首接负责制).

    `named` holds the policy's logins and team members, or is None when the policy
    names nobody: then a reply counts only from someone in `writers`, the logins
    found to have write (or triage) permission. Assignment goes only to `writers`,
    whoever answered.
    """

    identity: BotIdentity = UNKNOWN
    named: frozenset[str] | None = None
    writers: frozenset[str] = frozenset()

    def answers(self, comment: Comment, issue: Issue) -> bool:
        user = comment.author
        if _same(user, issue.author) or self.identity.is_bot_comment(comment):
            return False
        login = user.login.casefold()
        if self.named is not None:
            return login in {n.casefold() for n in self.named}
        return self.may_assign(user.login)

    def may_assign(self, login: str) -> bool:
        return login.casefold() in {w.casefold() for w in self.writers}


def _same(a: User, b: User) -> bool:
    return a.login.casefold() == b.login.casefold()


def issue_category(rules: Rules, issue: Issue) -> Category | None:
    """Return the category whose label the issue carries (the first, in policy order)."""
    key = rules.labels.category_of(issue.labels)
    return rules.policy.category(key) if key else None


def strictest(policy: Policy) -> Category:
    """The category with the shortest deadline: used when an issue has none."""
    return min(policy.categories, key=lambda c: (c.deadline.breach, c.deadline.warn))


def first_response(
    issue: Issue, comments: Iterable[Comment], responders: Responders
) -> Comment | None:
    answers = [
        c for c in comments if c.issue_number == issue.number and responders.answers(c, issue)
    ]
    return min(answers, key=lambda c: c.created_at, default=None)


def evaluate(
    issue: Issue,
    comments: Iterable[Comment],
    rules: Rules,
    now: datetime,
    responders: Responders,
) -> Verdict:
    """Decide the SLA state of one issue at `now`."""
    category = issue_category(rules, issue)
    key = category.key if category else None
    exempt = {rules.labels.fixed_by_key(k) for k in rules.policy.sla.exempt_labels}
    if exempt & set(issue.labels):
        return Verdict(issue, key, State.EXEMPT, None, None, None, None)
    rule = (category or strictest(rules.policy)).deadline
    calendar = rules.calendar
    # Judge the issue as it stood at `now`: a later comment has not happened yet.
    answer = first_response(issue, (c for c in comments if c.created_at <= now), responders)
    responded_at = answer.created_at if answer else None
    responder = answer.author.login if answer else None
    try:
        warning = calendar.deadline(issue.created_at, rule.warn)
        deadline = calendar.deadline(issue.created_at, rule.breach)
    except CalendarGapError as gap:
        return Verdict(issue, key, State.UNKNOWN, None, None, responded_at, responder, gap.year)
    warn_at, due = warning.due, deadline.due
    if responded_at is not None:
        state = State.MET if responded_at <= due else State.LATE
    elif now > due:
        state = State.OVERDUE
    elif now > warn_at:
        state = State.DUE_SOON
    else:
        state = State.PENDING
    return Verdict(
        issue,
        key,
        state,
        warn_at,
        due,
        responded_at,
        responder,
        provisional_years=deadline.provisional_years,
    )


def evaluate_all(
    issues: Iterable[Issue],
    comments: Iterable[Comment],
    rules: Rules,
    now: datetime,
    responders: Responders,
) -> list[Verdict]:
    """Evaluate every issue, sorted by due time (unknown ones last)."""
    by_issue: dict[int, list[Comment]] = {}
    for comment in comments:
        by_issue.setdefault(comment.issue_number, []).append(comment)
    verdicts = [evaluate(i, by_issue.get(i.number, []), rules, now, responders) for i in issues]
    far = datetime.max.replace(tzinfo=rules.calendar.zone)
    return sorted(verdicts, key=lambda v: (v.due or far, v.issue.number))


def wanted_sla_label(rules: Rules, verdict: Verdict) -> str | None:
    """The one SLA label an open issue should carry, if any."""
    key = STATE_LABEL_KEYS.get(verdict.state)
    return rules.labels.fixed(key) if key else None


def sla_label_names(rules: Rules) -> set[str]:
    return {rules.labels.fixed(key) for key in STATE_LABEL_KEYS.values()}

"""One run of the SLA bot: read the tracker, judge every open issue, make lateness visible.

    read(forge) -> Snapshot -> plan(snapshot, rules, now, responders) -> SlaPlan
                -> apply(plan, writer) -> RunReport

Reads grow with pages, not with issues: one paged list of open issues, then one
paged list of the repository's comments since the oldest of them was opened.
`plan` is pure; `apply` writes through a `Writer`, so a dry run is the same path
minus the writes, and a write budget leaves the least urgent work for later.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from tracker.bots.dashboard import (
    DASHBOARD_MARK,
    Row,
    dashboard_body,
    due_text,
    provisional_note,
    rows,
)
from tracker.bots.rules import Rules
from tracker.bots.sla import (
    Responders,
    State,
    Verdict,
    evaluate_all,
    sla_label_names,
    wanted_sla_label,
)
from tracker.bots.writer import Writer
from tracker.errors import ForgeError
from tracker.forge.model import Comment, Forge, Issue
from tracker.policy import cite

ESCALATION_MARK = "<!-- zzxt:sla-overdue -->"
# Which verdicts' writes go first when the write budget is short.
URGENCY = (
    State.OVERDUE,
    State.DUE_SOON,
    State.LATE,
    State.UNKNOWN,
    State.PENDING,
    State.MET,
    State.EXEMPT,
)


@dataclass(frozen=True)
class Snapshot:
    """What one run read from the tracker."""

    issues: list[Issue]
    comments: list[Comment]
    responders: Responders


@dataclass
class IssuePlan:
    """What the bot does to one issue."""

    verdict: Verdict
    labels_added: list[str] = field(default_factory=list)
    labels_removed: list[str] = field(default_factory=list)
    comment: str | None = None
    assign: str | None = None


@dataclass
class SlaPlan:
    now: datetime
    table: list[Row]
    dashboard_title: str
    dashboard: str  # the progress list's body
    dashboard_number: int | None  # None: to be created
    dashboard_changed: bool
    issues: list[IssuePlan]  # in due order, as the table shows them

    @property
    def urgent_first(self) -> list[IssuePlan]:
        return sorted(self.issues, key=lambda p: URGENCY.index(p.verdict.state))


@dataclass
class RunReport:
    now: datetime
    outcomes: list[IssuePlan]
    table: list[Row]
    dashboard: str
    dashboard_number: int | None
    writes: int
    deferred: int = 0

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(o.verdict.state.value for o in self.outcomes)
        return {state.value: counts.get(state.value, 0) for state in State}

    @property
    def missing_years(self) -> list[int]:
        return sorted({o.verdict.missing_year for o in self.outcomes if o.verdict.missing_year})

    @property
    def provisional_years(self) -> list[int]:
        return sorted({y for o in self.outcomes for y in o.verdict.provisional_years})


def read(forge: Forge, rules: Rules) -> Snapshot:
    """Read the open issues, the comments since the oldest of them, and who may answer."""
    issues = forge.list_issues("open")
    tracked = [i for i in issues if DASHBOARD_MARK not in i.body]
    since = min((i.created_at for i in tracked), default=None)
    comments = forge.list_comments(since=since) if tracked else []
    return Snapshot(issues, comments, read_responders(forge, rules))


def read_responders(forge: Forge, rules: Rules) -> Responders:
    """Who counts as answering: the policy's logins and team; who is a bot."""
    sla = rules.policy.sla
    logins = set(sla.responders)
    if sla.responder_team:
        logins |= set(forge.team_members(sla.responder_team))
    bots = set(sla.bots)
    try:
        bots.add(forge.current_user().login)  # the bot's own account
    except ForgeError:
        pass  # GitHub Actions' GITHUB_TOKEN may not read /user; its login ends in [bot]
    return Responders(logins=frozenset(logins), bots=frozenset(bots))


def plan(snapshot: Snapshot, rules: Rules, now: datetime) -> SlaPlan:
    """Judge every open issue at `now` and decide the writes; reads nothing, writes nothing."""
    dashboard = next((i for i in snapshot.issues if DASHBOARD_MARK in i.body), None)
    tracked = [i for i in snapshot.issues if i is not dashboard]
    verdicts = evaluate_all(tracked, snapshot.comments, rules, now, snapshot.responders)
    by_issue: dict[int, list[Comment]] = {}
    for comment in snapshot.comments:
        by_issue.setdefault(comment.issue_number, []).append(comment)
    table = rows(rules, verdicts)
    body = dashboard_body(rules, table)
    return SlaPlan(
        now=now,
        table=table,
        dashboard_title=rules.policy.sla.dashboard_title,
        dashboard=body,
        dashboard_number=dashboard.number if dashboard else None,
        dashboard_changed=dashboard is None or dashboard.body.strip() != body.strip(),
        issues=[_issue_plan(rules, v, by_issue.get(v.issue.number, [])) for v in verdicts],
    )


def _issue_plan(rules: Rules, verdict: Verdict, comments: list[Comment]) -> IssuePlan:
    issue = verdict.issue
    result = IssuePlan(verdict)
    have = set(issue.labels)
    want = wanted_sla_label(rules, verdict)
    stale = (have & sla_label_names(rules)) - ({want} if want else set())
    unclassified = rules.labels.fixed("unclassified")
    add = [want] if want and want not in have else []
    if verdict.category is None and unclassified not in have:
        add.append(unclassified)
    if verdict.category is not None and unclassified in have:
        stale.add(unclassified)
    result.labels_added = add
    result.labels_removed = sorted(stale)
    if verdict.state is State.OVERDUE and not any(ESCALATION_MARK in c.body for c in comments):
        result.comment = escalation_comment(rules, issue, verdict)
    if verdict.responder and not issue.assignees:
        result.assign = verdict.responder  # 首接负责制
    return result


def apply(plan: SlaPlan, writer: Writer, can_pin: bool) -> RunReport:
    """Write the progress list first, then each issue's changes, most urgent first."""
    number = plan.dashboard_number
    if number is None:
        number = writer.create_issue(plan.dashboard_title, plan.dashboard)
        if number is not None and can_pin:
            writer.pin(number)
    elif plan.dashboard_changed:
        writer.edit_issue(number, plan.dashboard)
    for item in plan.urgent_first:
        issue = item.verdict.issue.number
        if item.labels_added:
            writer.add_labels(issue, item.labels_added)
        for name in item.labels_removed:
            writer.remove_label(issue, name)
        if item.comment is not None:
            writer.comment(issue, item.comment)
        if item.assign is not None:
            writer.assign(issue, [item.assign])
    return RunReport(
        plan.now, plan.issues, plan.table, plan.dashboard, number, writer.writes, writer.deferred
    )


def run(forge: Forge, rules: Rules, now: datetime, writer: Writer) -> RunReport:
    """Read, plan and apply: one run of the bot."""
    return apply(plan(read(forge, rules), rules, now), writer, forge.can_pin)


def escalation_comment(rules: Rules, issue: Issue, verdict: Verdict) -> str:
    """The one comment posted when an issue becomes overdue."""
    policy = rules.policy
    targets = list(issue.assignees) or list(policy.sla.escalate_to)
    mention = " ".join(f"@{t}" for t in targets)
    due = due_text(verdict.due, verdict.provisional)
    category = policy.category(verdict.category).name if verdict.category else "未分类问题"
    head = f"{mention} " if mention else ""
    basis = cite([*policy.articles.first_contact, *policy.articles.deadlines])
    return (
        f"{ESCALATION_MARK}\n"
        f"{head}本{category}已超过答复时限（截止 {due}，北京时间），尚未答复。"
        "请按首接负责制尽快答复并在本问题中说明处理进度"
        + (f"（{basis}）。" if basis else "。")
        + (f"\n\n{provisional_note(verdict.provisional_years)}" if verdict.provisional else "")
    )

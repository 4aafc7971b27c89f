"""One run of the SLA bot: read the tracker, judge every open issue, make lateness visible.

Reads grow with pages, not with issues: one paged list of open issues, then one
paged list of the repository's comments since the oldest of them was opened.
Writes go through a `Writer`, so a dry run is the same code path minus the writes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from tracker.bots.dashboard import DASHBOARD_MARK, Row, dashboard_body, rows
from tracker.bots.sla import (
    Responders,
    State,
    Verdict,
    evaluate_all,
    sla_label_names,
    wanted_sla_label,
)
from tracker.bots.writer import Writer
from tracker.calendar import WorkCalendar
from tracker.forge.model import Comment, Forge, Issue
from tracker.labels import fixed_label
from tracker.policy import Policy
from tracker.templates.forms import build_forms

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


@dataclass
class IssueOutcome:
    verdict: Verdict
    labels_added: list[str] = field(default_factory=list)
    labels_removed: list[str] = field(default_factory=list)


@dataclass
class RunReport:
    now: datetime
    outcomes: list[IssueOutcome]
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


def run(
    policy: Policy,
    forge: Forge,
    calendar: WorkCalendar,
    now: datetime,
    responders: Responders,
    apply: bool,
    max_writes: int | None = None,
) -> RunReport:
    """Judge every open issue at `now`; with `apply`, label, escalate, assign and update the list.

    The progress list is written first, then issues most urgent first, so a write
    budget that runs out leaves the least urgent work for the next run.
    """
    issues = forge.list_issues("open")
    dashboard = next((i for i in issues if DASHBOARD_MARK in i.body), None)
    tracked = [i for i in issues if i is not dashboard]
    since = min((i.created_at for i in tracked), default=None)
    comments = forge.list_comments(since=since) if tracked else []
    verdicts = evaluate_all(tracked, comments, policy, calendar, now, responders)
    by_issue: dict[int, list[Comment]] = {}
    for comment in comments:
        by_issue.setdefault(comment.issue_number, []).append(comment)

    writer = Writer(forge, apply, max_writes)
    table = rows(policy, build_forms(policy), verdicts)
    body = dashboard_body(policy, table)
    number = dashboard.number if dashboard else None
    if dashboard is None:
        number = writer.create_issue(policy.sla.dashboard_title, body)
        if number is not None and forge.can_pin:
            writer.pin(number)
    elif dashboard.body.strip() != body.strip():
        writer.edit_issue(dashboard.number, body)
    urgent_first = sorted(verdicts, key=lambda v: URGENCY.index(v.state))
    outcomes_by_number = {
        v.issue.number: _act(policy, writer, v, by_issue.get(v.issue.number, []))
        for v in urgent_first
    }
    outcomes = [outcomes_by_number[v.issue.number] for v in verdicts]
    return RunReport(now, outcomes, table, body, number, writer.writes, writer.deferred)


def _act(policy: Policy, writer: Writer, verdict: Verdict, comments: list[Comment]) -> IssueOutcome:
    issue = verdict.issue
    outcome = IssueOutcome(verdict)
    have = set(issue.labels)
    want = wanted_sla_label(policy, verdict)
    stale = (have & sla_label_names(policy)) - ({want} if want else set())
    unclassified = fixed_label(policy, "unclassified")
    add = [want] if want and want not in have else []
    if verdict.category is None and unclassified not in have:
        add.append(unclassified)
    if verdict.category is not None and unclassified in have:
        stale.add(unclassified)
    if add:
        writer.add_labels(issue.number, add)
        outcome.labels_added = add
    for name in sorted(stale):
        writer.remove_label(issue.number, name)
        outcome.labels_removed.append(name)
    if verdict.state is State.OVERDUE and not any(ESCALATION_MARK in c.body for c in comments):
        writer.comment(issue.number, escalation_comment(policy, issue, verdict))
    if verdict.responder and not issue.assignees:
        writer.assign(issue.number, [verdict.responder])  # 首接负责制
    return outcome


def escalation_comment(policy: Policy, issue: Issue, verdict: Verdict) -> str:
    """The one comment posted when an issue becomes overdue."""
    targets = list(issue.assignees) or list(policy.sla.escalate_to)
    mention = " ".join(f"@{t}" for t in targets)
    due = verdict.due.strftime("%Y-%m-%d %H:%M") if verdict.due else "—"
    category = policy.category(verdict.category).name if verdict.category else "未分类问题"
    head = f"{mention} " if mention else ""
    return (
        f"{ESCALATION_MARK}\n"
        f"{head}本{category}已超过答复时限（截止 {due}，北京时间），尚未答复。"
        "请按首接负责制尽快答复并在本问题中说明处理进度（第十三、十四条）。"
    )

"""One run of the SLA bot: read the tracker, judge every open issue, make lateness visible.

    read(forge, rules, identity) -> Snapshot -> plan(snapshot, rules, now) -> SlaPlan
                -> apply(plan, writer) -> RunReport

Reads grow with pages, not with issues: one paged list of open issues, one paged
list of the repository's comments since the oldest of them was opened, and one
permission lookup per person whose comment could be an issue's first answer.
`plan` is pure; `apply` writes through a `Writer`, so a dry run is the same path
minus the writes, and a write budget leaves the least urgent work for later.

Only what the bot wrote counts as the bot's: the progress list is the oldest
open issue by the bot carrying the dashboard marker, a reminder is a comment by
the bot carrying the reminder marker. Whatever two runs at once left behind,
the next run repairs: extra progress lists are closed with a note pointing to
the real one, extra reminders on one issue are deleted.
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
    duplicate_body,
    provisional_note,
    rows,
)
from tracker.bots.identity import BotIdentity
from tracker.bots.report_publish import is_report_issue
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
from tracker.errors import NotFound
from tracker.forge.model import ANSWERING, Comment, Forge, Issue
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

    @property
    def identity(self) -> BotIdentity:
        return self.responders.identity

    def dashboards(self) -> list[Issue]:
        """The bot's own open progress lists, oldest first: the first is the real one."""
        found = [
            i for i in self.issues if self.identity.wrote(i.author) and DASHBOARD_MARK in i.body
        ]
        return sorted(found, key=lambda i: (i.created_at, i.number))


@dataclass
class IssuePlan:
    """What the bot does to one issue."""

    verdict: Verdict
    labels_added: list[str] = field(default_factory=list)
    labels_removed: list[str] = field(default_factory=list)
    comment: str | None = None
    assign: str | None = None
    delete_comments: list[int] = field(default_factory=list)  # duplicate reminders by the bot


@dataclass
class SlaPlan:
    now: datetime
    table: list[Row]
    dashboard_title: str
    dashboard: str  # the progress list's body
    dashboard_number: int | None  # None: to be created
    dashboard_changed: bool
    issues: list[IssuePlan]  # in due order, as the table shows them
    duplicates: list[int] = field(default_factory=list)  # extra progress lists to close

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


def read(forge: Forge, rules: Rules, identity: BotIdentity) -> Snapshot:
    """Read the open issues, the comments since the oldest of them, and who may answer."""
    issues = forge.list_issues("open")
    board = Snapshot(issues, [], Responders(identity)).dashboards()
    tracked = [i for i in issues if i not in board and not is_report_issue(i, identity)]
    since = min((i.created_at for i in tracked), default=None)
    comments = forge.list_comments(since=since) if tracked else []
    return Snapshot(issues, comments, read_responders(forge, rules, identity, tracked, comments))


def read_responders(
    forge: Forge,
    rules: Rules,
    identity: BotIdentity,
    issues: list[Issue],
    comments: list[Comment],
) -> Responders:
    """Who counts as answering, and who of them may be assigned.

    The policy's logins and team, if it names any; else people with write (or
    triage) permission. Permissions are asked only of whoever could be an issue's
    first answer, once per login (the client remembers), so the lookups grow
    with the people answering, not with the issues.
    """
    sla = rules.policy.sla
    named: set[str] | None = None
    if sla.responders or sla.responder_team:
        named = set(sla.responders)
        if sla.responder_team:
            named |= set(forge.team_members(sla.responder_team))
    folded = {n.casefold() for n in named} if named is not None else None
    writers: set[str] = set()
    by_issue: dict[int, list[Comment]] = {}
    for comment in comments:
        by_issue.setdefault(comment.issue_number, []).append(comment)
    for issue in issues:
        for comment in sorted(by_issue.get(issue.number, []), key=lambda c: c.created_at):
            login = comment.author.login
            if _same(login, issue.author.login) or identity.is_bot_comment(comment):
                continue
            if folded is not None and login.casefold() not in folded:
                continue
            if forge.permission(login) in ANSWERING:
                writers.add(login)
                break
            if folded is not None:
                break  # the first named answer counts even if it cannot be assigned
    return Responders(identity, frozenset(named) if named is not None else None, frozenset(writers))


def _same(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


def plan(snapshot: Snapshot, rules: Rules, now: datetime) -> SlaPlan:
    """Judge every open issue at `now` and decide the writes; reads nothing, writes nothing."""
    boards = snapshot.dashboards()
    dashboard = boards[0] if boards else None
    # The monthly reports the bot publishes are no problems awaiting an answer.
    tracked = [
        i for i in snapshot.issues if i not in boards and not is_report_issue(i, snapshot.identity)
    ]
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
        issues=[
            _issue_plan(rules, v, by_issue.get(v.issue.number, []), snapshot.responders)
            for v in verdicts
        ],
        duplicates=[b.number for b in boards[1:]],
    )


def _issue_plan(
    rules: Rules, verdict: Verdict, comments: list[Comment], responders: Responders
) -> IssuePlan:
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
    # A reporter's comment carrying the marker is text: only the bot's own reminders count.
    reminders = sorted(
        (c for c in comments if responders.identity.wrote(c.author) and ESCALATION_MARK in c.body),
        key=lambda c: (c.created_at, c.id),
    )
    if verdict.state is State.OVERDUE and not reminders:
        result.comment = escalation_comment(rules, issue, verdict)
    result.delete_comments = [c.id for c in reminders[1:]]  # left by runs at the same time
    if verdict.responder and not issue.assignees and responders.may_assign(verdict.responder):
        result.assign = verdict.responder  # 首接负责制, only to someone with access
    return result


def apply(plan: SlaPlan, writer: Writer, can_pin: bool) -> RunReport:
    """Write the progress list first, then each issue's changes, most urgent first."""
    number = plan.dashboard_number
    if number is None:
        number = writer.create_issue(plan.dashboard_title, plan.dashboard, marker=DASHBOARD_MARK)
        if number is not None and can_pin:
            writer.pin(number)
    elif plan.dashboard_changed:
        writer.edit_issue(number, plan.dashboard)
    if number is not None:
        for extra in plan.duplicates:
            writer.close_issue(extra, duplicate_body(plan.dashboard_title, number))
    for item in plan.urgent_first:
        issue = item.verdict.issue.number
        if item.labels_added:
            writer.add_labels(issue, item.labels_added)
        for name in item.labels_removed:
            writer.remove_label(issue, name)
        if item.comment is not None:
            writer.comment(issue, item.comment, marker=ESCALATION_MARK)
        for comment_id in item.delete_comments:
            writer.delete_comment(issue, comment_id)
        if item.assign is not None:
            writer.assign(issue, [item.assign])
    return RunReport(
        plan.now, plan.issues, plan.table, plan.dashboard, number, writer.writes, writer.deferred
    )


def needed_labels(rules: Rules) -> set[str]:
    """Every label the bot may add: checked before the first write."""
    return sla_label_names(rules) | {rules.labels.fixed("unclassified")}


def preflight(forge: Forge, rules: Rules) -> None:
    """Refuse to write anything on a tracker that `zzxt sync` has not set up."""
    have = {label.name for label in forge.list_labels()}
    missing = sorted(needed_labels(rules) - have)
    if missing:
        raise NotFound(
            f"仓库中还没有标签 {'、'.join(missing)}：请先运行 zzxt sync --apply 创建标签和表单，"
            "本次未做任何修改。"
        )


def run(
    forge: Forge, rules: Rules, now: datetime, writer: Writer, identity: BotIdentity
) -> RunReport:
    """Read, plan and apply: one run of the bot."""
    if writer.apply:
        identity.check_can_write()
        preflight(forge, rules)
    return apply(plan(read(forge, rules, identity), rules, now), writer, forge.can_pin)


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

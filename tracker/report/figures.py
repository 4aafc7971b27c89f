"""The figures of the 督查通报: pure functions of issues, comments, rules and now.

Definitions (docs/admin/report.md explains them for administrators):

- In the period: created from 00:00 of `since` to 24:00 of `until`, local time.
- Judged at `as_of`: the end of the period, or `now` when the period has not
  ended. Later comments are not seen, so a report re-run next month gives the
  same figures; labels are read as they are when the report runs.
- Not counted: the progress list and the monthly reports the bot keeps (its own
  issues carrying their markers): they are no problems reported.
- Verdicts come from `tracker.bots.sla.evaluate`, as on the dashboard. One
  refinement for closed issues: an issue closed without any reply, before its
  due time and before `as_of`, is "closed without reply" and leaves the on-time
  rate out; closed without reply after its due time it stays overdue.
- On-time rate: on time / (on time + late + overdue). Exempt, not yet due and
  closed-without-reply issues are outside it; None when nothing was due.
- First-reply time of each answered (on time or late) issue, in working hours
  (office hours on working days) and working days (as deadlines count them);
  median and 90th percentile by `statistics` (inclusive method, as
  Excel's PERCENTILE.INC).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal

from tracker.bots.dashboard import DASHBOARD_MARK
from tracker.bots.report_publish import is_report_issue
from tracker.bots.rules import Rules
from tracker.bots.sla import Responders, State, evaluate
from tracker.errors import CalendarGapError
from tracker.forge.model import Comment, Issue
from tracker.labels import LabelBook, TierKey
from tracker.pii import mask_text, scan
from tracker.policy import COMMON_FIELD_IDS, Policy
from tracker.report.period import Period
from tracker.report.settings import ReportSettings
from tracker.report.worktime import WorkClock
from tracker.templates.form_parse import parse_body
from tracker.templates.forms import Form, build_forms

GroupBy = Literal["city", "unit", "unit_type", "stage", "category", "responder"]
GROUP_BYS: tuple[GroupBy, ...] = ("city", "unit", "unit_type", "stage", "category", "responder")
GROUP_NAMES: dict[GroupBy, str] = {
    "city": "地市",
    "unit": "报送单位",
    "unit_type": "单位类型",
    "stage": "学段",
    "category": "类别",
    "responder": "首位答复人",
}
# The tier labels that say an issue went up a level: a city's own escalations, and on the
# province's tracker the issues the cities escalated (LabelBook has those its level uses).
ESCALATION_TIERS: tuple[TierKey, ...] = ("escalated", "from_city")
BLANK = "未填写"
UNCLASSIFIED = "未分类"
UNANSWERED = "（未答复）"


class Outcome(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    OVERDUE = "overdue"
    EXEMPT = "exempt"
    PENDING = "pending"
    CLOSED_UNANSWERED = "closed_unanswered"


OUTCOME_NAMES = {
    Outcome.ON_TIME: "按时答复",
    Outcome.LATE: "超期答复",
    Outcome.OVERDUE: "超期未答复",
    Outcome.EXEMPT: "不计时限",
    Outcome.PENDING: "未到期",
    Outcome.CLOSED_UNANSWERED: "关闭未答复",
}


@dataclass(frozen=True)
class IssueRow:
    """One issue of the period, personal numbers already masked."""

    number: int
    title: str
    city: str
    unit: str
    unit_type: str
    stage: str
    category: str
    outcome: Outcome
    created_at: datetime
    due: datetime | None
    responded_at: datetime | None
    responder: str | None
    hours: float | None  # first-reply time in working hours (answered issues only)
    days: int | None  # first-reply time in working days
    open_at_end: bool
    escalated: bool
    rejected: bool
    trained: bool
    sensitive: bool


@dataclass(frozen=True)
class Figures:
    """Counts and reply times of a set of issues."""

    received: int
    by_category: dict[str, int]
    by_stage: dict[str, int]
    on_time: int
    late: int
    overdue: int
    exempt: int
    pending: int
    closed_unanswered: int
    escalated: int
    rejected: int
    trained: int
    sensitive: int
    open_at_end: int
    on_time_rate: float | None
    median_hours: float | None
    p90_hours: float | None
    median_days: float | None
    p90_days: float | None

    @property
    def judged(self) -> int:
        """Issues whose deadline counts: answered, or unanswered past due."""
        return self.on_time + self.late + self.overdue

    @property
    def answered(self) -> int:
        return self.on_time + self.late

    def outcomes(self) -> dict[Outcome, int]:
        """How many issues ended each way, in `Outcome` order (the tables' column order)."""
        counts = {
            Outcome.ON_TIME: self.on_time,
            Outcome.LATE: self.late,
            Outcome.OVERDUE: self.overdue,
            Outcome.EXEMPT: self.exempt,
            Outcome.PENDING: self.pending,
            Outcome.CLOSED_UNANSWERED: self.closed_unanswered,
        }
        return {outcome: counts[outcome] for outcome in Outcome}

    def as_dict(self) -> dict[str, object]:
        return {
            "received": self.received,
            "by_category": self.by_category,
            "by_stage": self.by_stage,
            "on_time": self.on_time,
            "late": self.late,
            "overdue": self.overdue,
            "exempt": self.exempt,
            "pending": self.pending,
            "closed_unanswered": self.closed_unanswered,
            "escalated": self.escalated,
            "rejected": self.rejected,
            "trained": self.trained,
            "sensitive": self.sensitive,
            "open_at_end": self.open_at_end,
            "on_time_rate": _round(self.on_time_rate, 4),
            "median_first_reply_hours": _round(self.median_hours, 2),
            "p90_first_reply_hours": _round(self.p90_hours, 2),
            "median_first_reply_days": _round(self.median_days, 2),
            "p90_first_reply_days": _round(self.p90_days, 2),
        }


@dataclass(frozen=True)
class Group:
    """The figures of one city, unit, stage, ...; units also carry their city and type."""

    name: str
    figures: Figures
    city: str = ""
    unit_type: str = ""


@dataclass(frozen=True)
class Week:
    """Issues received per category in one week (Monday to Sunday, cut to the period)."""

    start: date
    end: date
    counts: dict[str, int]


@dataclass(frozen=True)
class Ranking:
    """Groups by on-time rate, best first; groups with nothing due have no rank and come last."""

    title: str  # what is ranked, e.g. 地市, 普通高校
    by: GroupBy
    rows: list[tuple[int | None, Group]]


@dataclass(frozen=True)
class Report:
    region: str
    period: Period
    as_of: datetime
    generated_at: datetime
    settings: ReportSettings
    categories: list[str]  # category names in policy order (未分类 last, if any)
    stages: list[str]
    total: Figures
    groups: dict[GroupBy, list[Group]]
    rankings: list[Ranking]
    weeks: list[Week]
    issues: list[IssueRow] = field(repr=False)
    # Years whose holidays were estimated while counting deadlines (no State Council notice).
    provisional_years: tuple[int, ...] = ()

    @property
    def partial(self) -> bool:
        """True when the period had not ended when the report was made."""
        return self.as_of < self.period.last_instant

    def missed(self) -> list[IssueRow]:
        """Issues that missed their deadline (late or still unanswered), by due time."""
        rows = [r for r in self.issues if r.outcome in (Outcome.OVERDUE, Outcome.LATE)]
        return sorted(rows, key=lambda r: (r.due or r.created_at, r.number))

    def as_json(self) -> dict[str, object]:
        def rows(by: GroupBy, key: str) -> list[dict[str, object]]:
            out = []
            for group in self.groups[by]:
                row: dict[str, object] = {key: group.name}
                if by == "unit":
                    row |= {"city": group.city, "unit_type": group.unit_type}
                out.append(row | group.figures.as_dict())
            return out

        return {
            "period": {
                "since": self.period.since.isoformat(),
                "until": self.period.until.isoformat(),
                "as_of": self.as_of.isoformat(),
                "label": self.period.label(),
            },
            "total": self.total.as_dict(),
            "cities": rows("city", "city"),
            "units": rows("unit", "unit"),
            "unit_types": rows("unit_type", "unit_type"),
            "stages": rows("stage", "stage"),
            "categories": rows("category", "category"),
            "responders": rows("responder", "responder"),
        }


def compute(
    issues: Iterable[Issue],
    comments: Iterable[Comment],
    rules: Rules,
    responders: Responders,
    period: Period,
    now: datetime,
    settings: ReportSettings | None = None,
) -> Report:
    """Compute the report of `period` as it stood at the period's end (or `now`, if earlier)."""
    settings = settings or rules.policy.statistics
    policy, calendar = rules.policy, rules.calendar
    as_of = period.as_of(now)
    clock = WorkClock(calendar, settings.spans())
    by_issue: dict[int, list[Comment]] = {}
    for comment in comments:
        by_issue.setdefault(comment.issue_number, []).append(comment)
    forms = [common_form(policy)]
    marks = _Marks(policy, rules.labels)
    rows = []
    provisional: set[int] = set()
    for issue in issues:
        created = calendar.localize(issue.created_at)
        if not period.contains(created) or created > as_of:
            continue  # outside the period, or not yet reported at `as_of`
        identity = responders.identity
        if DASHBOARD_MARK in issue.body and identity.wrote(issue.author):
            continue  # the progress list the SLA bot keeps is not a report
        if is_report_issue(issue, identity):
            continue  # nor is a monthly report the bot published
        fields = parse_body(forms, issue.body).fields
        verdict = evaluate(issue, by_issue.get(issue.number, []), rules, as_of, responders)
        if verdict.state is State.UNKNOWN:
            raise CalendarGapError(verdict.missing_year or created.year)
        outcome = _outcome(verdict.state, issue, verdict.due, as_of)
        provisional.update(verdict.provisional_years)
        reply = verdict.responded_at if outcome in (Outcome.ON_TIME, Outcome.LATE) else None
        # Local time in the documents, whichever zone the forge answered in (GitHub: UTC).
        reply = calendar.localize(reply) if reply is not None else None
        labels = set(issue.labels)
        rows.append(
            IssueRow(
                number=issue.number,
                title=_masked(issue.title),
                # Bodies are edited by hand: any field may hold a personal number.
                city=_masked(_text(fields.get("city"))) or marks.city(labels) or BLANK,
                unit=_masked(_text(fields.get("unit"))) or BLANK,
                unit_type=_masked(_text(fields.get("unit_type"))) or BLANK,
                stage=_masked(_text(fields.get("stage"))) or marks.stage(labels) or BLANK,
                category=policy.category(verdict.category).name
                if verdict.category
                else UNCLASSIFIED,
                outcome=outcome,
                created_at=created,
                due=calendar.localize(verdict.due) if verdict.due else None,
                responded_at=reply,
                responder=verdict.responder if reply else None,
                hours=clock.hours(created, reply) if reply else None,
                days=clock.days(created, reply) if reply else None,
                open_at_end=issue.state == "open"
                or (issue.closed_at is not None and issue.closed_at > as_of),
                escalated=bool(labels & marks.escalated),
                rejected=marks.rejected in labels,
                trained=bool(labels & marks.trained),
                sensitive=marks.sensitive in labels,
            )
        )
    rows.sort(key=lambda r: r.number)
    categories = [c.name for c in policy.categories]
    stages = [s.name for s in policy.stages]
    if any(r.category == UNCLASSIFIED for r in rows):
        categories.append(UNCLASSIFIED)
    if any(r.stage not in stages for r in rows):
        stages += sorted({r.stage for r in rows} - set(stages), key=_last(BLANK))

    def figures(subset: list[IssueRow]) -> Figures:
        return _figures(subset, categories, stages)

    groups = _groups(policy, rows, figures)
    return Report(
        region=policy.document.region,
        period=period,
        as_of=as_of,
        generated_at=now,
        settings=settings,
        categories=categories,
        stages=stages,
        total=figures(rows),
        groups=groups,
        rankings=_rankings(policy, settings, groups),
        weeks=_weeks(period, rows, categories),
        issues=rows,
        provisional_years=tuple(sorted(provisional)),
    )


def common_form(policy: Policy) -> Form:
    """A form of only the fields every form shares (city, stage, unit, unit_type, ...).

    The report reads nothing else, and parsing against one small form is several
    times faster than against all of them. A heading of a category's own field is
    then unknown text, which a one-line answer (input or dropdown) stops at, so the
    shared fields read the same as with every form.
    """
    first = build_forms(policy)[0]
    shared = tuple(e for e in first.elements if e.id in COMMON_FIELD_IDS)
    return replace(first, category="common", elements=shared)


class _Marks:
    """The label names the report looks for, resolved once."""

    def __init__(self, policy: Policy, book: LabelBook) -> None:
        self.rejected = book.fixed("rejected")
        self.sensitive = book.fixed("sensitive")
        self.trained = {book.fixed("trained"), book.fixed("suspected_trained")}
        self.escalated = {book.tier(key) for key in ESCALATION_TIERS if book.has(key)}
        self._cities = {book.city(c): c for c in policy.cities}
        self._stages = {book.stage(s.name): s.name for s in policy.stages}

    def city(self, labels: set[str]) -> str:
        return next((self._cities[n] for n in self._cities if n in labels), "")

    def stage(self, labels: set[str]) -> str:
        return next((self._stages[n] for n in self._stages if n in labels), "")


def _outcome(state: State, issue: Issue, due: datetime | None, as_of: datetime) -> Outcome:
    if state is State.EXEMPT:
        return Outcome.EXEMPT
    if state is State.MET:
        return Outcome.ON_TIME
    if state is State.LATE:
        return Outcome.LATE
    closed = issue.closed_at
    if closed is not None and closed <= as_of and (due is None or closed <= due):
        return Outcome.CLOSED_UNANSWERED
    if state is State.OVERDUE:
        return Outcome.OVERDUE
    return Outcome.PENDING


def _text(value: object) -> str:
    return str(value or "").strip()


def _masked(text: str) -> str:
    return mask_text(text, scan(text))


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _p90(values: list[float]) -> float | None:
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def _figures(rows: list[IssueRow], categories: list[str], stages: list[str]) -> Figures:
    outcomes = Counter(r.outcome for r in rows)
    by_category = Counter(r.category for r in rows)
    by_stage = Counter(r.stage for r in rows)
    judged = outcomes[Outcome.ON_TIME] + outcomes[Outcome.LATE] + outcomes[Outcome.OVERDUE]
    hours = [r.hours for r in rows if r.hours is not None]
    days = [float(r.days) for r in rows if r.days is not None]
    return Figures(
        received=len(rows),
        by_category={name: by_category[name] for name in categories},
        by_stage={name: by_stage[name] for name in stages},
        on_time=outcomes[Outcome.ON_TIME],
        late=outcomes[Outcome.LATE],
        overdue=outcomes[Outcome.OVERDUE],
        exempt=outcomes[Outcome.EXEMPT],
        pending=outcomes[Outcome.PENDING],
        closed_unanswered=outcomes[Outcome.CLOSED_UNANSWERED],
        escalated=sum(r.escalated for r in rows),
        rejected=sum(r.rejected for r in rows),
        trained=sum(r.trained for r in rows),
        sensitive=sum(r.sensitive for r in rows),
        open_at_end=sum(r.open_at_end for r in rows),
        on_time_rate=outcomes[Outcome.ON_TIME] / judged if judged else None,
        median_hours=_median(hours),
        p90_hours=_p90(hours),
        median_days=_median(days),
        p90_days=_p90(days),
    )


def _last(*names: str) -> Callable[[str], tuple[bool, str]]:
    """Sort key: alphabetical, with the given placeholder names at the end."""
    return lambda name: (name in names, name)


def _in_order(known: list[str], names: Iterable[str], *last: str) -> list[str]:
    present = set(names)
    ordered = [n for n in known if n in present]
    return ordered + sorted(present - set(known), key=_last(*last))


def _groups(
    policy: Policy, rows: list[IssueRow], figures: Callable[[list[IssueRow]], Figures]
) -> dict[GroupBy, list[Group]]:
    def split(key: Callable[[IssueRow], str]) -> dict[str, list[IssueRow]]:
        out: dict[str, list[IssueRow]] = {}
        for row in rows:
            out.setdefault(key(row), []).append(row)
        return out

    out: dict[GroupBy, list[Group]] = {}
    cities = split(lambda r: r.city)
    city_order = _in_order(policy.cities, cities, BLANK)
    out["city"] = [Group(name, figures(cities[name])) for name in city_order]

    units = split(lambda r: r.unit)
    unit_groups = []
    for name, members in units.items():
        city = _most_common(r.city for r in members)
        unit_type = _most_common(r.unit_type for r in members)
        unit_groups.append(Group(name, figures(members), city=city, unit_type=unit_type))
    place = {name: i for i, name in enumerate(city_order)}
    out["unit"] = sorted(
        unit_groups, key=lambda g: (place.get(g.city, len(place)), g.name == BLANK, g.name)
    )

    types = split(lambda r: r.unit_type)
    out["unit_type"] = [
        Group(n, figures(types[n])) for n in _in_order(policy.accepted_units, types, BLANK)
    ]
    stages = split(lambda r: r.stage)
    out["stage"] = [
        Group(n, figures(stages[n]))
        for n in _in_order([s.name for s in policy.stages], stages, BLANK)
    ]
    categories = split(lambda r: r.category)
    out["category"] = [
        Group(n, figures(categories[n]))
        for n in _in_order([c.name for c in policy.categories], categories, UNCLASSIFIED)
    ]
    responders = split(lambda r: r.responder or UNANSWERED)
    out["responder"] = [
        Group(n, figures(responders[n]))
        for n in sorted(responders, key=lambda n: (n == UNANSWERED, -len(responders[n]), n))
    ]
    return out


def _most_common(values: Iterable[str]) -> str:
    counts = Counter(values)
    return counts.most_common(1)[0][0] if counts else ""


def rank(groups: Iterable[Group]) -> list[tuple[int | None, Group]]:
    """Rank by on-time rate (ties share a rank); then by received, then by name."""
    rated = [g for g in groups if g.figures.on_time_rate is not None]
    unrated = [g for g in groups if g.figures.on_time_rate is None]
    rated.sort(key=lambda g: (-(g.figures.on_time_rate or 0), -g.figures.received, g.name))
    unrated.sort(key=lambda g: (-g.figures.received, g.name))
    ranked: list[tuple[int | None, Group]] = []
    for i, group in enumerate(rated):
        previous = ranked[-1] if ranked else None
        if previous and previous[1].figures.on_time_rate == group.figures.on_time_rate:
            ranked.append((previous[0], group))
        else:
            ranked.append((i + 1, group))
    return ranked + [(None, g) for g in unrated]


def ranked_unit_types(policy: Policy, settings: ReportSettings) -> list[str]:
    if settings.unit_rankings is not None:
        return list(settings.unit_rankings)
    return list(policy.accepted_units[1:])


def _rankings(
    policy: Policy, settings: ReportSettings, groups: dict[GroupBy, list[Group]]
) -> list[Ranking]:
    out = [Ranking(GROUP_NAMES["city"], "city", rank(groups["city"]))]
    for unit_type in ranked_unit_types(policy, settings):
        units = [g for g in groups["unit"] if g.unit_type == unit_type]
        out.append(Ranking(unit_type, "unit", rank(units)))
    return out


def _weeks(period: Period, rows: list[IssueRow], categories: list[str]) -> list[Week]:
    by_week: dict[date, Counter[str]] = {}
    for row in rows:
        day = row.created_at.date()
        start = max(day - timedelta(days=day.weekday()), period.since)
        by_week.setdefault(start, Counter())[row.category] += 1
    weeks = []
    start = period.since
    while start <= period.until:
        end = min(start + timedelta(days=6 - start.weekday()), period.until)
        counts = by_week.get(start, Counter())
        weeks.append(Week(start, end, {name: counts[name] for name in categories}))
        start = end + timedelta(days=1)
    return weeks

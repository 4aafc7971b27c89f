"""Escalate a city's issue to the province's tracker (第三、八至十条).

    read(city, upstream, number) -> Snapshot
    plan(snapshot, city, upstream) -> EscalationPlan          pure
    apply(plan, city_writer, upstream_writer, find) -> Escalation

What cannot be solved at the city level goes up: one issue on the province's
tracker, in the same category, written as the province's form would have it
with the city bureau as reporting unit (the policy's `upstream.reporting`) and
the original answers (personal numbers masked, by `tracker.bots.intake`). The
two issues link to each other: the upstream body names the city issue, and a
bot comment on the city issue names the upstream one; the city issue gets the
`escalated` label. A rerun writes nothing; an answer lost while creating the
upstream issue never leads to a second one (`upstream.create_once`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tracker.bots import intake
from tracker.bots.upstream import (
    Tracker,
    create_once,
    escalated_marker,
    escalated_to,
    escalation_fingerprint,
    fit_labels,
    no_markers,
)
from tracker.bots.writer import Writer
from tracker.errors import InputError
from tracker.forge.model import Comment, Issue
from tracker.policy import Policy
from tracker.templates.form_parse import Value, parse_body
from tracker.templates.forms import CONFIRMATIONS_ID
from tracker.usertext import inline, plain

# Fields the city bureau answers for itself on the province's form.
REPORTING_FIELDS = ("city", "unit", "unit_type", "reporter", "role", "phone")


@dataclass(frozen=True)
class Snapshot:
    issue: Issue
    comments: list[Comment]  # on the city issue
    upstream_issues: dict[str, int]  # fingerprint -> number, of issues the bot opened upstream
    upstream_labels: list[str]


@dataclass(frozen=True)
class EscalationPlan:
    number: int  # the city issue
    fingerprint: str
    category: str
    new_issue: intake.NewIssue | None  # None: the upstream issue exists already
    upstream_number: int | None  # known before any write
    comment_needed: bool  # the city issue has no link to the upstream issue yet
    labels: list[str]  # to add to the city issue
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Escalation:
    """What a run did (or, in a dry run, would do)."""

    number: int
    upstream_repo: str
    upstream_number: int | None
    upstream_url: str | None
    created: bool
    writes: int
    warnings: list[str]
    actions: list[str]

    def as_dict(self) -> dict[str, object]:
        return {
            "issue": self.number,
            "upstream": {
                "repo": self.upstream_repo,
                "number": self.upstream_number,
                "url": self.upstream_url,
            },
            "created": self.created,
            "writes": self.writes,
            "actions": self.actions,
            "warnings": self.warnings,
        }


def read(city: Tracker, upstream: Tracker, number: int) -> Snapshot:
    """Read the city issue, its comments, and what the bot already opened upstream."""
    issue = city.forge.get_issue(number)
    comments = city.forge.issue_comments(number)
    existing = intake.read(upstream.forge, upstream.identity)
    labels = [label.name for label in upstream.forge.list_labels()]
    return Snapshot(issue, comments, existing, labels)


def plan(snapshot: Snapshot, city: Tracker, upstream: Tracker) -> EscalationPlan:
    """Decide what to write; reads nothing, writes nothing."""
    issue = snapshot.issue
    number = issue.number
    policy, up_policy = city.rules.policy, upstream.rules.policy
    if issue.state == "closed":
        raise InputError(f"问题 #{number} 已关闭，无需报上级；确需报送请先重新打开。")
    parsed = parse_body(city.rules.forms, issue.body)
    category = city.rules.labels.category_of(issue.labels) or parsed.template
    if category is None:
        raise InputError(
            f"问题 #{number} 没有类别标签，正文也看不出是哪类问题，无法确定报上级的类别；"
            "请先加上类别标签（如“类别/技术类问题”）。"
        )
    if category not in [c.key for c in up_policy.categories]:
        raise InputError(f"上级政策没有类别 {category}，问题 #{number} 无法报上级。")
    fingerprint = escalation_fingerprint(city, number)
    known = escalated_to(city.identity, snapshot.comments).get(number)
    existing = known or snapshot.upstream_issues.get(fingerprint)
    warnings: list[str] = []
    new_issue = None
    if existing is None:
        fields, warnings = upstream_fields(policy, up_policy, category, parsed.fields)
        source = f"{plain(policy.document.receiver)}问题台账 [#{number}]({city.issue_url(number)})"
        unit = parsed.fields.get("unit")
        if isinstance(unit, str) and unit.strip():
            source += f"，原报送单位：{inline(unit)}"
        extras = [
            *(
                [upstream.rules.labels.tier("from_city")]
                if upstream.rules.labels.has("from_city")
                else []
            ),
            upstream.rules.labels.city(str(fields["city"])),
            *([upstream.rules.labels.stage(str(fields["stage"]))] if fields.get("stage") else []),
        ]
        summary = str(no_markers(_summary(issue, parsed.fields, policy)))
        submission = intake.Submission(
            category=category,
            fields={key: no_markers(value) for key, value in fields.items()},
            summary=summary,
            fingerprint=fingerprint,
            source=source,
            labels=tuple(extras),
            confirmed=CONFIRMATIONS_ID not in parsed.missing,
        )
        (new_issue,) = intake.plan([submission], {}, upstream.rules)
        new_issue, dropped = fit_labels(
            new_issue,
            snapshot.upstream_labels,
            [upstream.rules.labels.category(category), upstream.rules.labels.fixed("pending")],
            f"上级问题台账 {upstream.repo} ",
        )
        warnings += dropped
    escalated = city.rules.labels.tier("escalated")
    labels = [] if escalated in issue.labels else [escalated]
    return EscalationPlan(
        number=number,
        fingerprint=fingerprint,
        category=category,
        new_issue=new_issue,
        upstream_number=existing,
        comment_needed=known is None,
        labels=labels,
        warnings=warnings,
    )


def upstream_fields(
    policy: Policy, up: Policy, category: str, answers: dict[str, Value]
) -> tuple[dict[str, Value], list[str]]:
    """Return the answers as the province's form takes them, and what could not be carried.

    Choices taken from the stages or subcategories are carried by their key (a city
    may rename them); other choices only when the province's form offers them.
    """
    assert policy.upstream is not None
    reporting = policy.upstream.reporting
    own = {f.id: f for f in [*policy.forms.common, *policy.forms.categories[category].fields]}
    theirs = [*up.forms.common, *up.forms.categories[category].fields]
    out: dict[str, Value] = {}
    warnings: list[str] = []
    for spec in theirs:
        value = answers.get(spec.id)
        if spec.id in REPORTING_FIELDS or value in (None, "", []):
            continue
        if spec.type != "dropdown":
            out[spec.id] = value
            continue
        text = value if isinstance(value, str) else ", ".join(value)
        mine = own.get(spec.id)
        source = mine.options_from if mine is not None else None
        if source == "stages" and spec.options_from == "stages":
            key = next((s.key for s in policy.stages if s.name == text), None)
            text = next((s.name for s in up.stages if s.key == key), text)
        elif source == "subcategories" and spec.options_from == "subcategories":
            key = next(
                (s.key for s in policy.category(category).subcategories if s.name == text), None
            )
            text = next((s.name for s in up.category(category).subcategories if s.key == key), text)
        choices = up.options(spec.options_from, category) if spec.options_from else spec.options
        if text in choices:
            out[spec.id] = text
        else:
            warnings.append(f"“{spec.label}”的取值 {plain(text, 40)} 不是上级表单的选项，未填写。")
    out.update(
        city=reporting.city,
        unit=reporting.unit,
        unit_type=reporting.unit_type,
        reporter=reporting.reporter,
        role=reporting.role,
        phone=reporting.phone or policy.service.phone,
    )
    return out, warnings


def _summary(issue: Issue, answers: dict[str, Value], policy: Policy) -> str:
    given = answers.get("summary")
    if isinstance(given, str) and given.strip():
        return given.strip()
    _, sep, rest = issue.title.partition(policy.report.title_separator)
    return (rest if sep else issue.title).strip()


def escalation_comment(upstream: Tracker, number: int) -> str:
    """The city issue's link to the upstream issue; its marker records where it went."""
    return (
        f"{escalated_marker(upstream.repo, number)}\n"
        f"本问题已报{plain(upstream.receiver)}处理：[上级问题 #{number}]({upstream.issue_url(number)})。"
        "上级的答复和办结情况会由机器人同步到本问题。"
    )


def apply(
    plan: EscalationPlan,
    city: Tracker,
    upstream: Tracker,
    city_writer: Writer,
    upstream_writer: Writer,
    find: Callable[[], int | None],
    pause: Callable[[float], None] | None = None,
) -> Escalation:
    """Open the upstream issue (once), then link the city issue to it and label it.

    `upstream_writer` must send each request once (see `create_once`); `find` looks
    the upstream issue up by its fingerprint.
    """
    number = plan.upstream_number
    created = False
    if plan.new_issue is not None:
        new = plan.new_issue
        number = create_once(
            upstream_writer, find, new.title, new.body, list(new.labels), pause=pause
        )
        created = True
    if plan.comment_needed and number is not None:
        city_writer.comment(plan.number, escalation_comment(upstream, number))
    elif plan.comment_needed and not city_writer.apply:
        # A dry run: the upstream number is not known until the issue exists.
        city_writer.comment(plan.number, escalation_comment(upstream, 0))
    if plan.labels and (number is not None or not city_writer.apply):
        city_writer.add_labels(plan.number, plan.labels)
    actions = [
        f"{'上级' if w is upstream_writer else '本级'} {a.kind} {a.number or ''}".strip()
        for w in (upstream_writer, city_writer)
        for a in w.actions
    ]
    return Escalation(
        number=plan.number,
        upstream_repo=upstream.repo,
        upstream_number=number,
        upstream_url=upstream.issue_url(number) if number is not None else None,
        created=created,
        writes=upstream_writer.writes + city_writer.writes,
        warnings=list(plan.warnings),
        actions=actions,
    )

"""附件2-4 and the tracker: issues gathered into a form, a filled form opened as issues.

    export_rows(issues, rules, form_no, filters, tracker) -> [ExportRow]      pure
    import_plan(result, existing, rules, present) -> ImportPlan               pure
    apply_import(plan, writer) -> {fingerprint: number | None}

Export reads the issues of the form's categories (not those ruled out of scope),
their answers parsed back from the bodies, and hands them to
`tracker.attachments.export_workbook`, which gathers them by school stage and
masks personal numbers. Import turns every clean row of a filled 附件2-4
(`tracker.attachments.read_workbook`) into one issue in its category, written
as the category's form would be, with the file and row it came from; each
row's fingerprint (a hash of what it reports) is the intake marker, so
importing the same file again, or a copy with rows moved, opens nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from tracker.attachments import ExportRow, ReadResult, SheetRow
from tracker.attachments.layout import layout
from tracker.bots import intake
from tracker.bots.rules import Rules
from tracker.bots.upstream import fit_labels, no_markers
from tracker.bots.writer import Writer
from tracker.forge.model import Issue
from tracker.templates.form_parse import Value, parse_body
from tracker.usertext import inline


@dataclass(frozen=True)
class Filters:
    """Which problems a form gathers: one city, one stage, created within some days."""

    city: str | None = None
    stage: str | None = None
    since: date | None = None
    until: date | None = None

    def period(self) -> str:
        """The 报送期间 line of the form, from the dates given."""
        if self.since and self.until:
            return f"{_day(self.since)}至{_day(self.until)}"
        if self.since:
            return f"{_day(self.since)}以来"
        if self.until:
            return f"截至{_day(self.until)}"
        return ""


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def export_rows(
    issues: Iterable[Issue],
    rules: Rules,
    form_no: int,
    filters: Filters,
    issue_url: Callable[[int], str],
) -> list[ExportRow]:
    """Return the problems of one form as the exporter takes them, oldest first.

    `issue_url(number)` gives an issue's page. Issues without a category of this form,
    marked out of scope (`rejected`) or outside the filters are left out.
    """
    form = layout(rules.policy, form_no)
    labels = rules.labels
    rejected = labels.fixed("rejected")
    zone = rules.policy.calendar.zone
    rows: list[ExportRow] = []
    for issue in sorted(issues, key=lambda i: i.number):
        if rejected in issue.labels:
            continue
        parsed = parse_body(rules.forms, issue.body)
        category = labels.category_of(issue.labels) or parsed.template
        if category not in form.categories:
            continue
        fields: dict[str, Value] = dict(parsed.fields)
        fields.pop("confirmations", None)
        if not fields.get("stage"):
            stage = labels.stage_of(issue.labels)
            if stage:
                fields["stage"] = stage
        if not fields.get("city"):
            fields["city"] = next(
                (c for c in rules.policy.cities if labels.city(c) in issue.labels), ""
            )
        day = issue.created_at.astimezone(zone).date()
        if filters.city and fields.get("city") != filters.city:
            continue
        if filters.stage and fields.get("stage") != filters.stage:
            continue
        if (filters.since and day < filters.since) or (filters.until and day > filters.until):
            continue
        rows.append(
            ExportRow(
                number=issue.number,
                url=issue_url(issue.number),
                created=issue.created_at.astimezone(zone).isoformat(),
                state=issue.state,
                category=category,
                fields=dict(fields),
            )
        )
    return rows


def filter_rows(rows: Sequence[ExportRow], filters: Filters, rules: Rules) -> list[ExportRow]:
    """Apply the same filters to problems given offline (JSON)."""
    zone = rules.policy.calendar.zone
    out = []
    for row in rows:
        if filters.city and row.fields.get("city") != filters.city:
            continue
        if filters.stage and row.fields.get("stage") != filters.stage:
            continue
        if filters.since or filters.until:
            created = _created_day(row.created, zone)
            if created is None:
                continue
            if (filters.since and created < filters.since) or (
                filters.until and created > filters.until
            ):
                continue
        out.append(row)
    return out


def _created_day(text: str | None, zone: ZoneInfo) -> date | None:
    if not text:
        return None
    try:
        if len(text.strip()) == 10:
            return date.fromisoformat(text.strip())
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return (moment.astimezone(zone) if moment.tzinfo else moment).date()


# Import.


@dataclass(frozen=True)
class ImportPlan:
    new: list[intake.NewIssue]  # one per row not yet on the tracker
    rows: dict[str, SheetRow]  # by fingerprint, every row read
    existing: dict[str, int]  # fingerprint -> number, rows already on the tracker
    warnings: list[str] = field(default_factory=list)


def source_text(row: SheetRow) -> str:
    """Where a row came from, for people: file, sheet, row, and what the sheet says of it."""
    assert row.source is not None
    text = f"{row.source.file} 工作表“{row.source.sheet}” 第 {row.source.row} 行"
    notes = []
    if row.created:
        notes.append(f"提交日期 {row.created}")
    if row.number is not None:
        notes.append(f"原问题编号 #{row.number}")
    if row.url:
        notes.append(f"原链接 {inline(row.url, 200)}")
    return text + (f"（{'，'.join(notes)}）" if notes else "")


def import_plan(
    result: ReadResult, existing: dict[str, int], rules: Rules, present: Iterable[str]
) -> ImportPlan:
    """Decide the issues to open for the rows of a workbook; reads nothing, writes nothing."""
    labels = rules.labels
    present = list(present)
    submissions = []
    rows: dict[str, SheetRow] = {}
    for row in result.rows:
        rows.setdefault(row.fingerprint, row)
        extra = []
        if labels.has("from_city"):
            extra.append(labels.tier("from_city"))
        city = row.fields.get("city", "")
        if city in rules.policy.cities:
            extra.append(labels.city(city))
        extra.append(labels.stage(row.stage))
        fields: dict[str, Value] = {k: no_markers(v) for k, v in row.fields.items()}
        submissions.append(
            intake.Submission(
                category=row.category,
                fields=fields,
                summary=str(no_markers(row.fields.get("summary", ""))),
                fingerprint=row.fingerprint,
                source=str(no_markers(source_text(row))),
                labels=tuple(extra),
            )
        )
    planned = intake.plan(submissions, existing, rules)
    new = []
    warnings: list[str] = []
    for issue in planned:
        category = rows[issue.fingerprint].category
        fitted, dropped = fit_labels(
            issue, present, [labels.category(category), labels.fixed("pending")], "问题台账"
        )
        new.append(fitted)
        warnings += [w for w in dropped if w not in warnings]
    found = {f: n for f, n in existing.items() if f in rows}
    return ImportPlan(new, rows, found, warnings)


def apply_import(plan: ImportPlan, writer: Writer) -> dict[str, int | None]:
    """Open the issues, in the workbook's order."""
    return intake.apply(plan.new, writer)

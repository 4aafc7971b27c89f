"""One month's 督查通报 published on the tracker: made here, written by tracker.bots.report_publish.

    publish(forge, rules, identity, month, writer, file_url) -> Outcome

The figures are those of `zzxt report --since <first day> --until <last day>`,
judged at the end of the month and dated 09:00 of the next month's first
working day (`publish_moment`), whenever the run happens: the files are the
same bytes on every rerun (tracker.report.output.settle_zip), so a rerun
writes nothing unless a figure changed.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tracker.bots import report_publish
from tracker.bots.identity import BotIdentity
from tracker.bots.report_publish import Month, Publication, Published, PublishPlan
from tracker.bots.rules import Rules
from tracker.bots.writer import Writer
from tracker.forge.model import Forge
from tracker.policy import Policy
from tracker.report import text
from tracker.report.figures import Report, compute
from tracker.report.markdown import render
from tracker.report.period import Period
from tracker.report.read import read_period
from tracker.report.write import write_report

# The documents first, then the Markdown, then the charts: the order the issue lists them.
FIRST = ("通报.docx", "数据.xlsx", "report.md")


@dataclass(frozen=True)
class Outcome:
    report: Report
    plan: PublishPlan
    published: Published
    deferred: int  # writes the budget left for the next run

    def as_dict(self) -> dict[str, object]:
        return self.plan.as_dict() | {
            "provisional_years": list(self.report.provisional_years),
            "applied_issue": self.published.issue,
            "writes": self.published.writes,
            "deferred": self.deferred,
        }


def month_period(month: Month, rules: Rules) -> Period:
    return Period(month.first_day, month.last_day, rules.policy.calendar.zone)


def build(report: Report, policy: Policy, month: Month) -> Publication:
    """Render the report's files to bytes and the issue's Markdown (charts as links only)."""
    with tempfile.TemporaryDirectory(prefix="zzxt-report-") as tmp:
        paths = write_report(report, policy, Path(tmp))
        files = {path.name: path.read_bytes() for path in paths}
    order = [name for name in FIRST if name in files]
    order += sorted(name for name in files if name not in FIRST)
    return Publication(
        month=month,
        title=text.title(report),
        markdown=render(report, policy, []),
        files={name: files[name] for name in order},
    )


def publish(
    forge: Forge,
    rules: Rules,
    identity: BotIdentity,
    month: Month,
    writer: Writer,
    file_url: Callable[[str, str], str],
) -> Outcome:
    """Compute, render, read what the tracker holds, plan and apply (a dry run unless `writer.apply`)."""
    moment = report_publish.publish_moment(rules.calendar, month)
    period = month_period(month, rules)
    issues, comments, responders = read_period(forge, rules, identity, period)
    report = compute(issues, comments, rules, responders, period, moment)
    publication = build(report, rules.policy, month)
    zone = rules.policy.calendar.zone
    snapshot = report_publish.read(forge, identity, month, list(publication.files), zone)
    plan = report_publish.plan(snapshot, publication, file_url)
    published = report_publish.apply(plan, writer)
    return Outcome(report, plan, published, writer.deferred)

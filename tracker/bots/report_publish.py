"""The monthly 督查通报 published by the tracker itself (第二十条): files and one issue a month.

    due_month(calendar, today) -> Month | None        which month to publish today, if any
    read(forge, identity, month, names) -> Snapshot    the month's files, the bot's issue
    plan(snapshot, publication, file_url) -> PublishPlan                             pure
    apply(plan, writer) -> Published

On the first working day of a month (the policy's calendar, make-up days
included) the previous calendar month is reported. The report's files, made
by `tracker.report` and handed here as bytes (a `Publication`), are committed
under `reports/<YYYY-MM>/` in one change set (one commit on Gitea, one request
per file on GitHub). One issue per month, opened by the bot and carrying
`<!-- zzxt:report YYYY-MM -->`, shows the figures' Markdown and links to the
committed files; a rerun edits it in place. Only the bot's own issue with the
marker counts; what two runs at once left behind (a second issue) is closed
with a note pointing to the first. A rerun writes nothing when the files and
the issue already hold what it would write.

Committed files rather than GitHub release assets: the `Forge` protocol has
no releases, Gitea's differ, and a file in the repository is linked, versioned
and read alike on both forges, by one implementation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tracker.bots.dashboard import MAX_BODY
from tracker.bots.identity import BotIdentity
from tracker.bots.writer import Writer
from tracker.calendar import WorkCalendar
from tracker.errors import InputError
from tracker.forge.model import FileChange, FileContent, Forge, Issue

REPORTS_DIR = "reports"
MARK = re.compile(r"<!-- zzxt:report (\d{4}-\d{2}) -->")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
# The hour of the first working day a month's documents are dated (the workflow runs at 09:00).
PUBLISH_TIME = time(9, 0)


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, written 2026-11."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH.match(text.strip())
        if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
            raise InputError(f"--month 的月份 {text!r} 无法识别，请写成 2026-11 这样的格式。")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def directory(self) -> str:
        return f"{REPORTS_DIR}/{self}"

    @property
    def marker(self) -> str:
        return f"<!-- zzxt:report {self} -->"


def first_working_day(calendar: WorkCalendar, month: Month) -> date:
    """Return the month's first working day (CalendarGapError where the year is unknown)."""
    day = month.first_day
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return day


def due_month(calendar: WorkCalendar, today: date) -> Month | None:
    """The month to report today: the previous one on the first working day, else None."""
    this = Month.of(today)
    return this.previous() if today == first_working_day(calendar, this) else None


def publish_moment(calendar: WorkCalendar, month: Month) -> datetime:
    """When a month's report is due: 09:00 on the next month's first working day.

    The documents are dated so, whenever they are made: a rerun days later (with
    --month) gives the same files, and writes nothing when the figures are the same.
    """
    zone: ZoneInfo = calendar.zone
    return datetime.combine(first_working_day(calendar, month.next()), PUBLISH_TIME, tzinfo=zone)


def check_ended(month: Month, now: datetime) -> None:
    """Refuse a month that has not ended yet: its report would be partial."""
    if now.date() <= month.last_day:
        raise InputError(
            f"{month.year}年{month.month}月尚未结束（当前时间 {now:%Y-%m-%d %H:%M}），"
            "只能发布已经结束的月份的通报。"
        )


@dataclass(frozen=True)
class Publication:
    """What one month's report publishes, as plain data (made by tracker.report)."""

    month: Month
    title: str  # the issue's title, e.g. 关于2026年11月资助系统技术支持服务情况的通报
    markdown: str  # the figures as Markdown, personal numbers masked: the issue's body
    files: dict[str, bytes]  # file name -> content, in the order the issue lists them


@dataclass(frozen=True)
class Snapshot:
    branch: str  # the default branch: where the files are and what their links name
    files: dict[str, FileContent | None]  # path -> what the tracker holds (None: absent)
    issues: list[Issue]  # the bot's issues carrying the month's marker, oldest first


def read(
    forge: Forge, identity: BotIdentity, month: Month, names: list[str], zone: ZoneInfo
) -> Snapshot:
    """Read the month's files and the bot's issues for it.

    The issue of a month is opened on or after the next month's first day, so it
    was updated since then: the list asks only for the bot's issues updated since.
    """
    branch = forge.repository().default_branch
    present = set(forge.list_files(month.directory))
    found: dict[str, FileContent | None] = {}
    for name in names:
        path = f"{month.directory}/{name}"
        found[path] = forge.read_file(path) if path in present else None
    since = datetime.combine(month.next().first_day, time.min, tzinfo=zone)
    login = identity.login if identity.login and not identity.login.endswith("[bot]") else None
    issues = [
        issue
        for issue in forge.list_issues("all", since=since, creator=login)
        if identity.wrote(issue.author) and month.marker in issue.body
    ]
    issues.sort(key=lambda i: (i.created_at, i.number))
    return Snapshot(branch, found, issues)


@dataclass
class PublishPlan:
    month: Month
    changes: list[FileChange]
    unchanged: list[str]  # paths already holding what would be written
    title: str
    body: str
    issue: int | None  # the month's issue, None: to be opened
    issue_changed: bool
    duplicates: list[int] = field(default_factory=list)  # more bot issues of the month: closed

    @property
    def message(self) -> str:
        return f"{self.month.year}年{self.month.month}月督查通报（zzxt report publish）"

    @property
    def nothing_to_do(self) -> bool:
        return not self.changes and not self.issue_changed and not self.duplicates

    def as_dict(self) -> dict[str, object]:
        return {
            "month": str(self.month),
            "directory": self.month.directory,
            "files": [{"path": c.path, "operation": c.operation} for c in self.changes],
            "unchanged": self.unchanged,
            "issue": self.issue,
            "issue_action": (
                "create" if self.issue is None else "edit" if self.issue_changed else None
            ),
            "title": self.title,
            "duplicates": self.duplicates,
        }


def issue_body(
    publication: Publication, links: list[tuple[str, str]], max_chars: int = MAX_BODY
) -> str:
    """The issue's body: the marker, the figures, then a link to every committed file.

    Figures that would take the body past what GitHub accepts are cut at a line,
    saying so: the committed report.md and the documents hold them all.
    """
    tail = [
        "",
        "## 文件",
        "",
        *(f"- [{name}]({url})" for name, url in links),
        "",
        f"以上文件已提交到台账仓库的 {publication.month.directory}/ 目录。"
        "通报.docx 是初稿，请审核、修改后按程序印发；本问题由机器人维护，重新生成时会更新。",
        "",
    ]
    figures = publication.markdown.rstrip()
    room = max_chars - len(publication.month.marker) - len("\n".join(tail)) - 200
    if len(figures) > room:
        figures = figures[: max(room, 0)].rsplit("\n", 1)[0]
        figures += "\n\n（内容较长，以上只列出一部分，完整内容见下方的 report.md 和数据.xlsx。）"
    return "\n".join([publication.month.marker, figures, *tail])


def plan(
    snapshot: Snapshot, publication: Publication, file_url: Callable[[str, str], str]
) -> PublishPlan:
    """Decide the writes; `file_url(branch, path)` is the forge's page of a committed file."""
    month = publication.month
    changes: list[FileChange] = []
    unchanged: list[str] = []
    links = []
    for name, data in publication.files.items():
        path = f"{month.directory}/{name}"
        links.append((name, file_url(snapshot.branch, path)))
        current = snapshot.files.get(path)
        if current is None:
            changes.append(FileChange("create", path, data=data))
        elif current.content != data:
            changes.append(FileChange("update", path, sha=current.sha, data=data))
        else:
            unchanged.append(path)
    body = issue_body(publication, links)
    issue = snapshot.issues[0] if snapshot.issues else None
    changed = issue is None or (issue.title, issue.body.strip()) != (
        publication.title,
        body.strip(),
    )
    return PublishPlan(
        month=month,
        changes=changes,
        unchanged=unchanged,
        title=publication.title,
        body=body,
        issue=issue.number if issue else None,
        issue_changed=changed,
        duplicates=[i.number for i in snapshot.issues[1:]],
    )


@dataclass(frozen=True)
class Published:
    issue: int | None  # the month's issue (None in a dry run that would open it)
    writes: int


def apply(plan: PublishPlan, writer: Writer) -> Published:
    """Commit the files first (the issue links to them), then open or edit the issue."""
    writer.write_files(plan.changes, plan.message)
    number = plan.issue
    if number is None:
        number = writer.create_issue(plan.title, plan.body, marker=plan.month.marker)
    elif plan.issue_changed:
        writer.edit_issue_text(number, plan.title, plan.body)
    for extra in plan.duplicates:
        writer.close_issue(
            extra,
            f"本月的通报已在 #{number} 发布，这个问题是同时运行的两次发布留下的重复，已关闭。",
        )
    return Published(number, writer.writes)


def is_report_issue(issue: Issue, identity: BotIdentity) -> bool:
    """Whether an issue is one of the bot's monthly reports (not a problem to answer)."""
    return identity.wrote(issue.author) and MARK.search(issue.body) is not None

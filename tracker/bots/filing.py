"""The yearly 附件1 (第七条): remind the cities that have not filed, close when they have.

    read(forge, identity, year, teams) -> Snapshot
    plan(snapshot, register, rules, year, today, templates_url) -> FilingPlan      pure
    apply(plan, writer) -> {city: number | None}

Every September each city files its 技术支持服务备案表 (its public phone and
mailbox, the people in charge) with the province, which records it in the
register (`filing.register_file`, see tracker.attachments.register). The
reminder opens one tracking issue per city with no entry for the year,
labelled and assigned to the city's people (`filing.assignees`: logins, or
`org/team` whose members are assigned and who are @mentioned), and closes it
with a comment once the register holds the city's entry. A hidden marker,
counted only in issues the bot wrote, ties each issue to its city and year,
so a rerun opens nothing twice.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

from tracker.attachments import Register
from tracker.attachments.register import FILING_MONTH
from tracker.bots.identity import BotIdentity
from tracker.bots.rules import Rules
from tracker.bots.writer import Writer
from tracker.forge.model import Forge, Issue
from tracker.policy import Policy, cite

_MARK = re.compile(r"<!-- zzxt:filing (\d{4}) ([0-9a-f]{16}) -->")


def city_key(city: str) -> str:
    return hashlib.sha256(city.encode("utf-8")).hexdigest()[:16]


def marker(year: int, city: str) -> str:
    return f"<!-- zzxt:filing {year} {city_key(city)} -->"


def filing_cities(policy: Policy) -> list[str]:
    """The cities expected to file 附件1: the policy's, less `filing.exclude`."""
    return [c for c in policy.cities if c not in policy.filing.exclude]


@dataclass(frozen=True)
class Snapshot:
    tracking: dict[str, Issue]  # city -> the bot's tracking issue for the year
    members: dict[str, list[str]]  # org/team -> logins


def read(forge: Forge, identity: BotIdentity, policy: Policy, year: int) -> Snapshot:
    """Find the bot's tracking issues for `year` and the members of the teams to assign."""
    keys = {city_key(c): c for c in policy.cities}
    tracking: dict[str, Issue] = {}
    for issue in forge.list_issues("all"):
        if not identity.wrote(issue.author):
            continue
        for found_year, key in _MARK.findall(issue.body):
            if int(found_year) == year and key in keys:
                tracking.setdefault(keys[key], issue)
    teams = {a for logins in policy.filing.assignees.values() for a in logins if "/" in a}
    return Snapshot(tracking, {team: forge.team_members(team) for team in sorted(teams)})


@dataclass(frozen=True)
class Reminder:
    city: str
    title: str
    body: str
    labels: tuple[str, ...]
    assignees: tuple[str, ...]


@dataclass(frozen=True)
class Closing:
    city: str
    number: int
    comment: str


@dataclass
class FilingPlan:
    year: int
    open: list[Reminder] = field(default_factory=list)
    close: list[Closing] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # not filed, reminder already open
    filed: list[str] = field(default_factory=list)  # filed, nothing to do

    def as_dict(self) -> dict[str, object]:
        return {
            "year": self.year,
            "open": [r.city for r in self.open],
            "close": [{"city": c.city, "number": c.number} for c in self.close],
            "waiting": self.waiting,
            "filed": self.filed,
        }


def plan(
    snapshot: Snapshot,
    register: Register,
    rules: Rules,
    year: int,
    today: date,
    templates_url: str = "",
) -> FilingPlan:
    """Decide which reminders to open and which to close; reads nothing, writes nothing."""
    policy = rules.policy
    filings = register.year(year)
    result = FilingPlan(year)
    for city in filing_cities(policy):
        issue = snapshot.tracking.get(city)
        filing = filings.get(city)
        if filing is not None:
            if issue is not None and issue.state == "open":
                when = f"（报送日期 {filing.filed.isoformat()}）" if filing.filed else ""
                result.close.append(
                    Closing(
                        city,
                        issue.number,
                        f"{marker(year, city)}\n已登记{city} {year} 年的备案表{when}，本提醒关闭。",
                    )
                )
            else:
                result.filed.append(city)
            continue
        if issue is not None:
            result.waiting.append(city)
            continue
        result.open.append(_reminder(rules, city, year, today, snapshot, templates_url))
    return result


def _reminder(
    rules: Rules, city: str, year: int, today: date, snapshot: Snapshot, templates_url: str
) -> Reminder:
    policy = rules.policy
    people = policy.filing.assignees.get(city, [])
    logins: list[str] = []
    for entry in people:
        for login in snapshot.members.get(entry, [entry] if "/" not in entry else []):
            if login not in logins:
                logins.append(login)
    mentions = " ".join(f"@{entry}" for entry in people if "/" in entry)
    title_form = (
        policy.attachments.form(1).title
        if policy.attachments is not None and _has_form_1(policy)
        else "技术支持服务备案表"
    )
    basis = cite(policy.articles.filing)
    deadline = date(year, FILING_MONTH, 30)
    lines = [
        marker(year, city),
        (f"{mentions} " if mentions else "")
        + f"{'按' + basis + '，' if basis else ''}各地市每年{FILING_MONTH}月向{policy.document.receiver}"
        f"报送《{title_form}》（附件1），写明本市公开的受理电话、受理邮箱、负责人和技术联系人。",
        "",
        f"截至 {today.isoformat()}，{city} {year} 年的备案表尚未登记。"
        f"请于 {deadline.year}年{deadline.month}月{deadline.day}日前报送"
        + (f"（空白模板可在[知识库]({templates_url})下载）" if templates_url else "")
        + "。登记后本提醒由机器人关闭。",
    ]
    labels = [rules.labels.city(city)]
    if policy.filing.label is not None:
        labels.insert(0, policy.filing.label.name)
    return Reminder(
        city=city,
        title=f"{year}年技术支持服务备案表（附件1）：{city}",
        body="\n".join(lines) + "\n",
        labels=tuple(labels),
        assignees=tuple(logins),
    )


def _has_form_1(policy: Policy) -> bool:
    return policy.attachments is not None and any(f.number == 1 for f in policy.attachments.forms)


def apply(plan: FilingPlan, writer: Writer) -> dict[str, int | None]:
    """Open the reminders (and assign them), then close the ones answered."""
    opened: dict[str, int | None] = {}
    for reminder in plan.open:
        number = writer.create_issue(reminder.title, reminder.body, list(reminder.labels))
        opened[reminder.city] = number
        if number is not None and reminder.assignees:
            writer.assign(number, list(reminder.assignees))
    for closing in plan.close:
        writer.comment(closing.number, closing.comment)
        writer.close_issue(closing.number)
    return opened

"""Issues zzxt opens itself: from a report mail, a spreadsheet row, a city's escalation.

    read(forge, identity) -> {fingerprint: number}
    plan(submissions, existing, rules) -> [NewIssue]      pure
    apply(new, writer) -> {fingerprint: number | None}

Each issue looks like one submitted through the category's form (so triage,
the dashboard and `parse_body` read it as any other) and ends with a hidden
marker holding a fingerprint of its source. A marker counts only in an issue
the bot itself wrote, so a rerun, a second mailbox holding the same message or
a crash between creating and recording finds the issue and opens no second one.
Personal numbers are masked on the way in; the reporter's own contact phone
(the `phone` field) is kept, as the form asks for it. The issue is written by
the bot, so the sender's words are defused on the way in (`usertext.block`):
a mail cannot make the bot mention anyone, embed an image, or plant a zzxt
marker in an issue the bot would then take for its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tracker.bots.identity import BotIdentity
from tracker.bots.rules import Rules
from tracker.bots.writer import Writer
from tracker.forge.model import Forge
from tracker.templates.form_body import render_body
from tracker.templates.form_parse import Value
from tracker.templates.forms import CONFIRMATIONS_ID
from tracker.usertext import ZWJ, block, inline, masked, plain

INTAKE = "zzxt:intake"
CONTACT_FIELD = "phone"  # the reporter's own number: the form asks for it
_MARK = re.compile(r"<!-- zzxt:intake ([0-9a-f]{8,64}) -->")


def marker(fingerprint: str) -> str:
    """The hidden line that ties an issue to its source."""
    if not re.fullmatch(r"[0-9a-f]{8,64}", fingerprint):
        raise ValueError(f"fingerprint must be 8-64 lowercase hex digits: {fingerprint!r}")
    return f"<!-- {INTAKE} {fingerprint} -->"


@dataclass(frozen=True)
class Submission:
    """One problem to open as an issue, from a source outside the tracker."""

    category: str  # policy key
    fields: dict[str, Value]  # form field id -> answer
    summary: str  # the title's problem part (after 地市-学段-类别：)
    fingerprint: str  # stable and unique per source item: hex
    source: str  # for people, e.g. 邮件“…”（2026-11-30 09:12）或 附件2.xlsx 第 6 行
    labels: tuple[str, ...] = ()  # more labels, e.g. where it came from
    confirmed: bool = False  # the sender confirmed the form's checkboxes
    # References the bot itself writes after the source (e.g. 邮件见 #12): trusted, not escaped.
    see_also: tuple[int, ...] = ()


@dataclass(frozen=True)
class NewIssue:
    fingerprint: str
    title: str
    body: str
    labels: tuple[str, ...]


def read(forge: Forge, identity: BotIdentity) -> dict[str, int]:
    """Return the fingerprint of every issue the bot opened, with its number."""
    found: dict[str, int] = {}
    for issue in forge.list_issues("all"):
        if identity.wrote(issue.author):
            for fingerprint in _MARK.findall(issue.body):
                found.setdefault(fingerprint, issue.number)
    return found


def plan(
    submissions: Iterable[Submission], existing: dict[str, int], rules: Rules
) -> list[NewIssue]:
    """Return the issues to open: one per fingerprint not yet on the tracker."""
    seen = set(existing)
    out = []
    for item in submissions:
        if item.fingerprint in seen:
            continue
        seen.add(item.fingerprint)
        out.append(_new_issue(item, rules))
    return out


def _new_issue(item: Submission, rules: Rules) -> NewIssue:
    policy = rules.policy
    form = next(f for f in rules.forms if f.category == item.category)
    answers: dict[str, Value] = {}
    fenced = {e.id for e in form.elements if e.type == "textarea" and e.render}
    for key, value in item.fields.items():
        if isinstance(value, list):
            answers[key] = [masked(v) for v in value]
        elif key == CONTACT_FIELD:
            answers[key] = value
        else:
            # Inside a code fence Markdown is inert already; elsewhere it is defused.
            answers[key] = masked(value) if key in fenced else block(value)
    if item.confirmed:
        answers[CONFIRMATIONS_ID] = list(form.element(CONFIRMATIONS_ID).options)
    city = str(answers.get("city") or "") or policy.report.city_placeholder
    stage = str(answers.get("stage") or "") or policy.report.stage_placeholder
    title = (
        policy.subject(city, stage, item.category)
        + policy.report.title_separator
        # A title is no Markdown, but it must not carry what looks like a bot's marker.
        + plain(item.summary).replace("<!--", "<!" + ZWJ + "--")
    )
    body = (
        render_body(form, answers)
        + f"---\n\n来源：{inline(item.source)}{_see_also(item.see_also)}\n\n"
        + f"{marker(item.fingerprint)}\n"
    )
    labels = (
        rules.labels.category(item.category),
        rules.labels.fixed("pending"),
        *item.labels,
    )
    return NewIssue(item.fingerprint, title, body, tuple(dict.fromkeys(labels)))


def _see_also(numbers: tuple[int, ...]) -> str:
    return "，邮件见 " + "、".join(f"#{n}" for n in numbers) if numbers else ""


def apply(new: Iterable[NewIssue], writer: Writer) -> dict[str, int | None]:
    """Open the issues; return each fingerprint's new number (None in a dry run).

    When an answer is lost, the Writer looks for the bot's issue carrying the
    fingerprint's marker before it asks again, so no source is opened twice.
    """
    return {
        issue.fingerprint: writer.create_issue(
            issue.title, issue.body, list(issue.labels), marker=marker(issue.fingerprint)
        )
        for issue in new
    }

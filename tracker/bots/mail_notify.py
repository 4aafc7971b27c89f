"""The mail notice bot: whoever reported by mail hears back by mail (第十三、十四条).

    read(forge, identity, rules, now) -> Snapshot
    plan(snapshot, rules, index, links, sender) -> NotifyPlan        pure
    apply(plan, writer, outbox, sender, now) -> [Outcome]

For each issue opened from a mail (`zzxt mail fetch`), three mails at most,
each once, threaded under the original message:

- `ack`: the issue's number and link, its category, the reply deadline in
  working days (the same count as `zzxt sla check`), the knowledge-base pages
  the triage bot found and the issues opened from the rows of its forms;
- `staff`: the first answer by a responder (as `zzxt sla check` defines it);
- `close`: the issue was closed.

Rows of an attached form get no `ack` of their own (the message's lists them).
What was sent is recorded in one bot comment per issue, a line with a marker
per mail; the comment is written right after the mails go out, and a mail is
only sent when the write budget still allows that comment. A crash between
sending and recording sends that mail again on the next run (each resend
carries the same Message-ID, so most mail clients show it once).

Everything taken from the issue into a mail is masked: the bot never mails a
personal number it hid in the tracker, nor one staff typed into a reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from tracker.bots import triage
from tracker.bots.identity import BotIdentity
from tracker.bots.mail_marks import (
    LOG,
    MailMark,
    intake_fingerprint,
    notice_marker,
    read_bot_issues,
)
from tracker.bots.rules import Rules
from tracker.bots.sla import Responders, first_response, issue_category, strictest
from tracker.bots.sla_run import read_responders
from tracker.bots.writer import Writer
from tracker.errors import CalendarGapError, MailServerError
from tracker.forge.model import Comment, Forge, Issue
from tracker.kb.search import FaqIndex
from tracker.mail.smtp import Outbox, Outgoing, address_domain, compose
from tracker.mail.thread import our_message_id
from tracker.policy import cite
from tracker.usertext import masked, plain

Kind = Literal["ack", "staff", "close"]
KIND_NAMES: dict[str, str] = {"ack": "受理回执", "staff": "答复通知", "close": "办结通知"}
SUBJECT_TAGS: dict[str, str] = {"ack": "已受理", "staff": "已答复", "close": "已办结"}
LOOKBACK = timedelta(days=30)  # closed issues older than this get no closing notice
MAX_REPLY_CHARS = 5_000
WEEKDAYS = "一二三四五六日"
_FAQ_LINK = re.compile(r"^\s*\d+\.\s*\[(.+)\]\((\S+)\)\s*$", re.M)
_SENT = re.compile(r"<!-- zzxt:mail-(ack|staff|close) [0-9a-f]{8,64} -->")


@dataclass(frozen=True)
class Thread:
    """One issue opened from a mail, with its comments."""

    issue: Issue
    mark: MailMark
    comments: tuple[Comment, ...]


@dataclass(frozen=True)
class Snapshot:
    threads: list[Thread]
    rows: dict[str, list[Issue]]  # message fingerprint -> issues opened from its forms' rows
    responders: Responders
    identity: BotIdentity


@dataclass
class IssueNotices:
    """The mails one issue calls for, and its log comment."""

    number: int
    mails: list[Outgoing]
    log_id: int | None  # the bot's log comment, None: to be posted
    log_body: str  # its present text ("" when there is none)
    fingerprint: str


@dataclass
class NotifyPlan:
    issues: list[IssueNotices]
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (issue, why)


@dataclass
class Outcome:
    number: int
    mail: Outgoing
    status: str  # "sent", "refused: …", "" (dry run or budget spent)


def read(forge: Forge, identity: BotIdentity, rules: Rules, now: datetime) -> Snapshot:
    """Read the bot's mail issues still open or closed lately, and their comments."""
    bot = read_bot_issues(forge, identity)
    recent = now - LOOKBACK
    wanted = [
        (issue, mark)
        for issue, mark in bot.mail
        if issue.state == "open" or (issue.closed_at is not None and issue.closed_at >= recent)
    ]
    since = min((issue.created_at for issue, _ in wanted), default=None)
    comments = forge.list_comments(since=since) if wanted else []
    by_issue: dict[int, list[Comment]] = {}
    for comment in comments:
        by_issue.setdefault(comment.issue_number, []).append(comment)
    rows: dict[str, list[Issue]] = {}
    for issue, mark in bot.mail:
        if mark.row:
            rows.setdefault(mark.fingerprint, []).append(issue)
    threads = [Thread(i, m, tuple(by_issue.get(i.number, []))) for i, m in wanted]
    responders = (
        read_responders(forge, rules, identity, [i for i, _ in wanted], comments)
        if wanted
        else Responders(identity)
    )
    return Snapshot(threads, rows, responders, identity)


def plan(
    snapshot: Snapshot,
    rules: Rules,
    index: FaqIndex | None,
    issue_url: str,
    sender: str,
) -> NotifyPlan:
    """Decide which mails to send; `issue_url` is the issues' address without the number."""
    result = NotifyPlan([])
    domain = address_domain(sender)
    for thread in sorted(snapshot.threads, key=lambda t: t.issue.number):
        issue, mark = thread.issue, thread.mark
        own = [c for c in thread.comments if snapshot.identity.wrote(c.author)]
        log = next((c for c in own if LOG in c.body), None)
        sent = set(_SENT.findall(log.body)) if log is not None else set()
        wanted: list[Kind] = []
        if not mark.row:
            wanted.append("ack")
        answer = first_response(issue, thread.comments, snapshot.responders)
        if answer is not None:
            wanted.append("staff")
        if issue.state == "closed":
            wanted.append("close")
        kinds = [k for k in wanted if k not in sent]
        if not kinds:
            continue
        if not mark.reply_to:
            result.skipped.append((issue.number, "邮件没有可回复的发件地址"))
            continue
        fingerprint = (
            mark.fingerprint if not mark.row else intake_fingerprint(issue.body) or mark.fingerprint
        )
        url = f"{issue_url}{issue.number}"
        mails = []
        for kind in kinds:
            if kind == "ack":
                rows = snapshot.rows.get(mark.fingerprint, [])
                text = _ack_text(rules, thread, own, index, rows, url)
            elif kind == "staff":
                assert answer is not None
                text = _staff_text(rules, issue, answer, url)
            else:
                text = _close_text(rules, issue, url)
            subject = masked(mark.subject or issue.title)
            mails.append(
                Outgoing(
                    kind=kind,
                    to=mark.reply_to,
                    subject=f"回复：{subject}【{SUBJECT_TAGS[kind]} #{issue.number}】",
                    text=masked(text),
                    message_id=our_message_id(fingerprint, f"{kind}-{issue.number}", domain),
                    in_reply_to=mark.message_id or None,
                )
            )
        result.issues.append(
            IssueNotices(
                number=issue.number,
                mails=mails,
                log_id=log.id if log is not None else None,
                log_body=log.body if log is not None else "",
                fingerprint=fingerprint,
            )
        )
    return result


def _closing(rules: Rules, number: int) -> str:
    policy = rules.policy
    return (
        f"如需补充说明，请直接回复本邮件（请保留主题中的“#{number}”）。"
        "请勿在邮件中填写学生的身份证号、银行卡号。\n"
        f"服务电话：{policy.service.phone}\n\n"
        f"{policy.document.receiver}\n（本邮件由系统自动发送）\n"
    )


def _when(rules: Rules, moment: datetime) -> str:
    return moment.astimezone(rules.calendar.zone).strftime("%Y-%m-%d %H:%M")


def due_sentence(rules: Rules, issue: Issue) -> str:
    """The reply deadline as the SLA bot counts it, in one Chinese sentence."""
    policy = rules.policy
    category = issue_category(rules, issue) or strictest(policy)
    rule = category.deadline
    basis = cite(policy.articles.deadlines)
    by = f"按{policy.document.short}{basis}，" if basis and not rule.local_choice else ""
    local = "（实施细则未规定此类问题的答复时限，为本省设定）" if rule.local_choice else ""
    try:
        deadline = rules.calendar.deadline(issue.created_at, rule.breach)
    except CalendarGapError:
        return f"答复时限：{by}{rule.breach} 个工作日（收到当日不计）{local}。"
    day = deadline.due_date
    when = f"{day.year}年{day.month}月{day.day}日（星期{WEEKDAYS[day.weekday()]}）24 时前"
    provisional = "（暂定：该年放假安排尚未公布）" if deadline.provisional else ""
    return f"答复时限：{by}{rule.breach} 个工作日（收到当日不计），即 {when}{provisional}{local}。"


def _faq_links(
    rules: Rules, thread: Thread, index: FaqIndex | None, own: list[Comment]
) -> list[tuple[str, str]]:
    """The pages the triage bot recommended, or would recommend, for the issue."""
    for comment in own:
        if triage.MARKS["faq"] in comment.body:
            return [(m.group(1), m.group(2)) for m in _FAQ_LINK.finditer(comment.body)]
    if index is None:
        return []
    issue = thread.issue
    found = triage.plan(rules, index, issue.title, issue.body, issue.labels, [])
    return [(hit.title, hit.url) for hit in found.faq]


def _ack_text(
    rules: Rules,
    thread: Thread,
    own: list[Comment],
    index: FaqIndex | None,
    rows: list[Issue],
    url: str,
) -> str:
    issue, mark = thread.issue, thread.mark
    category = issue_category(rules, issue)
    name = category.name if category else "待分类问题"
    received = ""
    if mark.received:
        try:
            received = f"于 {_when(rules, datetime.fromisoformat(mark.received))} "
        except ValueError:
            received = ""
    lines = [
        "您好！",
        "",
        f"您{received}发送的邮件“{mark.subject or issue.title}”已收到，登记为问题 #{issue.number}：",
        url,
        "",
        f"类别：{name}",
        due_sentence(rules, issue),
    ]
    if rows:
        lines += ["", "附件中的各行已分别登记为以下问题："]
        lines += [f"- #{row.number} {row.title}" for row in sorted(rows, key=lambda i: i.number)]
    links = _faq_links(rules, thread, index, own)
    if links:
        lines += ["", "常见问题知识库中可能有答案，请先查阅："]
        for n, (title, link) in enumerate(links, start=1):
            lines += [f"{n}. {title}", f"   {link}"]
    lines += ["", _closing(rules, issue.number)]
    return "\n".join(lines)


def _staff_text(rules: Rules, issue: Issue, answer: Comment, url: str) -> str:
    reply = answer.body.strip()
    if len(reply) > MAX_REPLY_CHARS:
        reply = reply[: MAX_REPLY_CHARS - 1] + "…（全文见问题页面）"
    return "\n".join(
        [
            "您好！",
            "",
            f"您报送的问题 #{issue.number}“{issue.title}”已有答复"
            f"（{_when(rules, answer.created_at)}）：",
            "",
            reply,
            "",
            f"问题页面：{url}",
            "",
            _closing(rules, issue.number),
        ]
    )


def _close_text(rules: Rules, issue: Issue, url: str) -> str:
    closed = f"于 {_when(rules, issue.closed_at)} " if issue.closed_at else ""
    return "\n".join(
        [
            "您好！",
            "",
            f"您报送的问题 #{issue.number}“{issue.title}”已{closed}办结。",
            f"问题页面：{url}",
            "",
            "如问题仍未解决，请直接回复本邮件说明。",
            _closing(rules, issue.number),
        ]
    )


def _can_write(writer: Writer) -> bool:
    return not writer.apply or writer.max_writes is None or len(writer.actions) < writer.max_writes


def apply(
    plan: NotifyPlan,
    writer: Writer,
    outbox: Outbox | None,
    sender: str,
    now: datetime,
) -> list[Outcome]:
    """Send each issue's mails, then record them in its log comment."""
    outcomes: list[Outcome] = []
    for item in plan.issues:
        if not writer.apply or outbox is None or not _can_write(writer):
            outcomes += [Outcome(item.number, mail, "") for mail in item.mails]
            if writer.apply:
                writer.deferred += 1  # the log comment could not be written: send nothing
            continue
        lines: list[str] = []
        failure: MailServerError | None = None
        for mail in item.mails:
            try:
                result = outbox.send(compose(mail, sender, now))
            except MailServerError as error:
                failure = error
                break
            status = "sent" if result.status == "sent" else f"refused: {result.detail}"
            outcomes.append(Outcome(item.number, mail, status))
            lines.append(_log_line(mail, item.fingerprint, result.status, result.detail, now))
        if lines:
            body = _log_body(item.log_body, lines)
            if item.log_id is None:
                writer.comment(item.number, body)
            else:
                writer.edit_comment(item.number, item.log_id, body)
        if failure is not None:
            raise failure
    return outcomes


def _log_line(mail: Outgoing, fingerprint: str, status: str, detail: str, now: datetime) -> str:
    marker = notice_marker(mail.kind, fingerprint)
    when = now.strftime("%Y-%m-%d %H:%M")
    name = KIND_NAMES[mail.kind]
    if status == "sent":
        return f"- {marker} {when} 已向报告人发送{name}。"
    return f"- {marker} {when} {name}被收件服务器拒收，不再重发：{plain(detail, 120)}。"


def _log_body(previous: str, lines: list[str]) -> str:
    if previous.strip():
        return previous.rstrip("\n") + "\n" + "\n".join(lines) + "\n"
    head = "**邮件通知记录**（机器人维护，每类邮件只发一次）："
    return f"{LOG}\n{head}\n\n" + "\n".join(lines) + "\n"

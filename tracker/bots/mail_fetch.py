"""The mail intake bot: report mails in a service mailbox become issues (第八至十二条).

    read(mailbox, forge, identity, rules, workdir, ...) -> Snapshot
    plan(snapshot, rules, now, sender) -> FetchPlan               pure
    apply(plan, writer, mailbox, outbox, sender, now) -> [Outcome]

Each message not yet marked in the mailbox becomes one of:

- `issue`: an issue in its category, opened through `intake` (the form's
  fields, personal numbers masked, the message's fingerprint in a marker),
  with the masked text of the mail and what became of its attachments. Each
  row of an attached 附件2/3/4 becomes an issue of its own, opened through the
  attachment importer and linked to the message's issue.
- `comment`: a mail answering a thread (In-Reply-To/References naming a
  message the bot opened an issue for, or `[#12]` in the subject) is posted
  on that issue, masked, as a comment carrying its fingerprint.
- `reject`: a mail that cannot be accepted is marked in the mailbox and,
  when an SMTP server is given, answered with the reason.
- `ignore`: auto-replies, bounces and zzxt's own mail.

A message is marked only after every tracker write it needs was confirmed.
Whatever happens in between (a rerun, the same Message-ID in the other
mailbox, a crash after creating the issue), the next run finds the
fingerprints on the tracker and opens nothing twice.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import Message
from pathlib import Path
from typing import Literal

from tracker.attachments import read_workbook
from tracker.attachments.rows import SheetRow
from tracker.bots import intake
from tracker.bots.identity import BotIdentity
from tracker.bots.mail_marks import (
    BotIssues,
    MailMark,
    read_bot_issues,
    replies_in,
    reply_marker,
)
from tracker.bots.rules import Rules
from tracker.bots.writer import Writer
from tracker.errors import InputError, NotFound
from tracker.forge.model import Forge
from tracker.mail.decode import content_type, header_param
from tracker.mail.imap import ImapMailbox, MarkMode
from tracker.mail.imap import Outcome as Mark
from tracker.mail.parse import ParsedMail, parse_message
from tracker.mail.smtp import Outbox, Outgoing, address_domain, compose
from tracker.mail.thread import (
    is_automatic,
    issue_numbers,
    message_fingerprint,
    message_id,
    our_message_id,
    reply_address,
    row_fingerprint,
    thread_keys,
)
from tracker.policy import Policy
from tracker.templates.form_parse import Value
from tracker.usertext import inline, masked

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MAX_BODY_CHARS = 20_000  # of mail text copied into an issue or a comment
# Of one answer: GitHub refuses bodies over 65,536 characters, and a refused body would
# stop every later run at the same message.
MAX_FIELD_CHARS = 2_000
MAX_TITLE_CHARS = 80  # of the problem part of a title (GitHub takes 256 characters in all)
MAX_PROBLEMS = 20  # attachment problems listed per message
XLSX_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel.sheet.macroenabled.12",
}

Action = Literal["issue", "comment", "reject", "ignore"]


@dataclass(frozen=True)
class WorkbookRead:
    """An attached .xlsx as the attachment importer read it; texts masked."""

    filename: str
    form: int | None
    rows: tuple[SheetRow, ...]
    problems: tuple[str, ...]  # rows or sheets it could not use, or why it could not be read


@dataclass(frozen=True)
class Incoming:
    """One message not yet handled, as read from the mailbox."""

    uid: str
    fingerprint: str
    received: datetime | None
    mail: ParsedMail
    message_id: str | None
    reply_to: str | None
    thread_keys: tuple[str, ...]
    subject_numbers: tuple[int, ...]
    automatic: bool
    ours: bool  # one of zzxt's own mails
    too_large: bool
    workbooks: tuple[WorkbookRead, ...] = ()
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Snapshot:
    messages: list[Incoming]
    bot: BotIssues
    existing: frozenset[int]  # issue numbers named in subjects that are on the tracker
    replied: dict[int, frozenset[str]]  # issue -> fingerprints of mails posted on it
    mode: MarkMode


@dataclass
class MessagePlan:
    """What becomes of one message."""

    uid: str
    fingerprint: str
    action: Action
    subject: str  # masked
    outcome: Mark  # the mark once everything is confirmed
    number: int | None = None  # its issue when on the tracker, or the thread's
    thread: str | None = None  # the thread's message, when its issue is opened in this run
    issue: intake.NewIssue | None = None  # to open
    comment: str | None = None  # to post on `number`
    rows: list[intake.Submission] = field(default_factory=list)  # rows to open
    rows_total: int = 0  # rows read from its attachments
    answer: Outgoing | None = None  # the reason, mailed back
    reason: str = ""  # why it is rejected or ignored
    mark: MailMark | None = None


@dataclass
class FetchPlan:
    messages: list[MessagePlan]
    mode: MarkMode


@dataclass
class Outcome:
    """What a run did with one message."""

    plan: MessagePlan
    number: int | None = None
    rows: list[int] = field(default_factory=list)
    answered: str = ""  # "sent", "refused" or "" (not mailed)
    marked: Mark | None = None  # None: left for the next run


# Reading.


def read(
    mailbox: ImapMailbox,
    forge: Forge,
    identity: BotIdentity,
    rules: Rules,
    workdir: Path,
    *,
    since: date | None = None,
    limit: int | None = None,
) -> Snapshot:
    """Read the unhandled messages (oldest first, at most `limit`) and what the tracker holds."""
    policy = rules.policy
    uids = mailbox.unhandled(since)
    if limit is not None:
        uids = uids[:limit]
    messages: list[Incoming] = []
    for index, uid in enumerate(uids):
        fetched = mailbox.fetch(uid, MAX_MESSAGE_BYTES)
        if fetched is None:
            continue  # deleted meanwhile
        messages.append(
            incoming(
                uid,
                fetched.data,
                policy,
                received=fetched.received,
                complete=fetched.complete,
                workdir=workdir / str(index),
                flags=fetched.flags,
            )
        )
    bot = read_bot_issues(forge, identity)
    threads = bot.threads()
    existing: set[int] = set()
    targets: set[int] = set()
    for item in messages:
        keyed = [threads[k] for k in item.thread_keys if k in threads and k != item.fingerprint]
        targets.update(keyed[:1])
        if keyed or item.fingerprint in threads:
            continue
        for number in item.subject_numbers:
            if number in existing:
                targets.add(number)
                break
            try:
                forge.get_issue(number)
            except NotFound:
                continue
            existing.add(number)
            targets.add(number)
            break
    replied = {n: frozenset(replies_in(forge.issue_comments(n), identity)) for n in sorted(targets)}
    return Snapshot(messages, bot, frozenset(existing), replied, mailbox.mode)


def incoming(
    uid: str,
    data: bytes,
    policy: Policy,
    *,
    received: datetime | None,
    complete: bool = True,
    workdir: Path | None = None,
    flags: frozenset[str] = frozenset(),
) -> Incoming:
    """Read one message; its attached workbooks are read through files under `workdir`."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    mail = parse_message(data, policy)
    found = message_id(message)
    workbooks: list[WorkbookRead] = []
    if complete and workdir is not None:
        for n, (name, payload) in enumerate(_workbooks(message)):
            workbooks.append(_read_workbook(policy, name, payload, workdir / str(n)))
    return Incoming(
        uid=uid,
        fingerprint=message_fingerprint(message, data),
        received=received,
        mail=mail,
        message_id=f"<{found}>" if found else None,
        reply_to=reply_address(message),
        thread_keys=tuple(thread_keys(message)),
        subject_numbers=tuple(issue_numbers(mail.subject)),
        automatic=is_automatic(message),
        ours=bool(found and found.lower().startswith("zzxt.")),
        too_large=not complete,
        workbooks=tuple(workbooks),
        flags=flags,
    )


def _workbooks(message: Message, depth: int = 0) -> list[tuple[str, bytes]]:
    """Return the attached .xlsx files (not those inside an attached message)."""
    if depth > 20:
        return []
    if message.is_multipart():
        found: list[tuple[str, bytes]] = []
        payload = message.get_payload()
        for part in payload if isinstance(payload, list) else []:
            if isinstance(part, Message) and content_type(part) != "message/rfc822":
                found += _workbooks(part, depth + 1)
        return found
    name = header_param(message, "content-disposition", "filename") or header_param(
        message, "content-type", "name"
    )
    name = re.split(r"[\\/]", name or "")[-1].strip()
    if not (name.lower().endswith((".xlsx", ".xlsm")) or content_type(message) in XLSX_TYPES):
        return []
    try:
        data = message.get_payload(decode=True)
    except (ValueError, LookupError, TypeError):
        data = None
    return [(name or "附件.xlsx", data if isinstance(data, bytes) else b"")]


def _read_workbook(policy: Policy, name: str, data: bytes, directory: Path) -> WorkbookRead:
    shown = masked(name)
    directory.mkdir(parents=True, exist_ok=True)
    stem, dot, suffix = shown.rpartition(".")
    safe = re.sub(r"[\x00-\x1f/\\:*?\"<>|]", "_", stem if dot else shown)[:60] or "附件"
    path = directory / f"{safe}.{suffix.lower() if dot and suffix.lower() == 'xlsm' else 'xlsx'}"
    path.write_bytes(data)
    try:
        result = read_workbook(policy, path)
    except InputError as error:
        return WorkbookRead(shown, None, (), (masked(error.message),))
    except Exception:  # a third-party reader on hostile bytes: one bad file must not stop the run
        return WorkbookRead(shown, None, (), ("文件无法读取，可能已损坏。",))
    problems = tuple(masked(e) for e in result.errors)
    return WorkbookRead(shown, result.form, tuple(result.rows), problems)


# Planning.


def plan(snapshot: Snapshot, rules: Rules, sender: str | None = None) -> FetchPlan:
    """Decide what becomes of each message; reads nothing, writes nothing.

    `sender` is the address rejected mail is answered from; without it no answer is planned.
    """
    threads = snapshot.bot.threads()
    opened = dict(snapshot.bot.opened)
    plans: list[MessagePlan] = []
    seen: set[str] = set()
    pending: set[str] = set()  # messages whose issues this run opens
    for item in snapshot.messages:
        first = item.fingerprint not in seen
        seen.add(item.fingerprint)
        planned = _plan_message(item, snapshot, rules, threads, opened, pending, sender, first)
        if planned.issue is not None:
            pending.add(item.fingerprint)
        plans.append(planned)
    return FetchPlan(plans, snapshot.mode)


def _plan_message(
    item: Incoming,
    snapshot: Snapshot,
    rules: Rules,
    threads: dict[str, int],
    opened: dict[str, int],
    pending: set[str],
    sender: str | None,
    first: bool,
) -> MessagePlan:
    mail = item.mail
    base = MessagePlan(item.uid, item.fingerprint, "ignore", mail.subject, "auto")
    if item.ours or item.automatic:
        base.reason = "系统自己发出的邮件" if item.ours else "自动回复、退信或群发邮件"
        return base
    mark = MailMark(
        fingerprint=item.fingerprint,
        message_id=item.message_id or "",
        reply_to=item.reply_to or "",
        subject=mail.subject,
        received=item.received.isoformat() if item.received else "",
    )
    if item.fingerprint in threads:
        # Already on the tracker (a rerun, the other mailbox's copy): only rows may be missing.
        number = threads[item.fingerprint]
        rows, total = _rows(item, rules, opened, mark)
        return dataclasses.replace(
            base,
            action="issue",
            outcome="done",
            number=number,
            rows=rows,
            rows_total=total,
            mark=mark,
        )
    target = next((threads[k] for k in item.thread_keys if k in threads), None)
    thread = next((k for k in item.thread_keys if k in pending), None)
    if target is None and thread is None:
        target = next((n for n in item.subject_numbers if n in snapshot.existing), None)
    if target is not None or thread is not None:
        replied = snapshot.replied.get(target, frozenset()) if target is not None else frozenset()
        posted = item.fingerprint in replied or not first
        rows, total = _rows(item, rules, opened, mark)
        return dataclasses.replace(
            base,
            action="comment",
            outcome="done",
            number=target,
            thread=thread,
            comment=None if posted else _reply_comment(item, rules),
            rows=rows,
            rows_total=total,
            mark=mark,
        )
    reasons: list[str] = []
    if item.too_large:
        reasons.append(
            f"邮件超过 {MAX_MESSAGE_BYTES // 1024 // 1024} MB，无法读取。请压缩附件或分几封发送。"
        )
    elif not mail.accepted:
        reasons.append(mail.reason)
    elif mail.category is None:
        reasons.append("无法识别问题类别。")
    if reasons:
        reason = "\n".join(reasons)
        if "\\Answered" in item.flags:
            # Answered already (by an earlier run, or by a person): only the mark is missing.
            return dataclasses.replace(
                base, action="reject", outcome="answered", reason=reason, mark=mark
            )
        answer = _rejection(item, rules, reason, sender) if sender and item.reply_to else None
        return dataclasses.replace(
            base, action="reject", outcome="rejected", reason=reason, answer=answer, mark=mark
        )
    if not first:
        # The same message twice in one run: the first copy opens the issue.
        return dataclasses.replace(base, action="issue", outcome="done", mark=mark)
    new = intake.plan([_submission(item, rules)], opened, rules)
    issue = new[0] if new else None
    if issue is not None:
        issue = dataclasses.replace(
            issue, body=issue.body + _extra_sections(item) + mark.marker() + "\n"
        )
        opened[item.fingerprint] = 0
    rows, total = _rows(item, rules, opened, mark)
    return dataclasses.replace(
        base,
        action="issue",
        outcome="done",
        number=opened.get(item.fingerprint) or None,
        issue=issue,
        rows=rows,
        rows_total=total,
        mark=mark,
    )


def _labels(rules: Rules, fields: dict[str, str]) -> tuple[str, ...]:
    """The labels the form's answers call for, as the triage bot would add them."""
    policy, book = rules.policy, rules.labels
    labels: list[str] = []
    if fields.get("city") in policy.cities:
        labels.append(book.city(fields["city"]))
    if fields.get("stage") in {s.name for s in policy.stages}:
        labels.append(book.stage(fields["stage"]))
    if fields.get("subcategory") in {s.name for c in policy.categories for s in c.subcategories}:
        labels.append(book.subcategory(fields["subcategory"]))
    if fields.get("urgent") == "是":
        labels.append(book.fixed("urgent"))
    return tuple(labels)


def _summary(mail: ParsedMail, policy: Policy) -> str:
    """The title's problem part: the subject's topic, or the first line of 问题简要描述."""
    separator = policy.report.title_separator
    tail = ""
    if separator and separator in mail.title:
        tail = mail.title.split(separator, 1)[1].strip()
    tail = tail or mail.fields.get("summary", "").split("\n")[0].strip()
    return _clip(tail, MAX_TITLE_CHARS) or "邮件报送的问题"


def _submission(item: Incoming, rules: Rules) -> intake.Submission:
    mail = item.mail
    assert mail.category is not None
    fields: dict[str, Value] = {k: _clip(v, MAX_FIELD_CHARS) for k, v in mail.fields.items()}
    return intake.Submission(
        category=mail.category,
        fields=fields,
        summary=_summary(mail, rules.policy),
        fingerprint=item.fingerprint,
        source=f"邮件“{mail.subject}”，{_when(item, rules.policy)}收到，发件人 {mail.sender}",
        labels=_labels(rules, mail.fields),
    )


def _when(item: Incoming, policy: Policy) -> str:
    if item.received is None:
        return ""
    return item.received.astimezone(policy.calendar.zone).strftime("%Y-%m-%d %H:%M ")


def _rows(
    item: Incoming, rules: Rules, opened: dict[str, int], mark: MailMark
) -> tuple[list[intake.Submission], int]:
    """Return the rows of the message's forms not yet on the tracker, and how many there are."""
    wanted: list[intake.Submission] = []
    total = 0
    for book in item.workbooks:
        for row in book.rows:
            total += 1
            fingerprint = row_fingerprint(item.fingerprint, row.fingerprint)
            if fingerprint in opened:
                continue
            opened[fingerprint] = 0
            where = (
                f"工作表“{row.source.sheet}”第 {row.source.row} 行"
                if row.source is not None
                else ""
            )
            summary = _clip(
                (row.fields.get("summary") or "").split("\n")[0].strip(), MAX_TITLE_CHARS
            )
            fields: dict[str, Value] = {k: _clip(v, MAX_FIELD_CHARS) for k, v in row.fields.items()}
            wanted.append(
                intake.Submission(
                    category=row.category,
                    fields=fields,
                    summary=summary or f"{book.filename} {where}",
                    fingerprint=fingerprint,
                    source=f"邮件“{item.mail.subject}”的附件 {book.filename} {where}",
                    labels=_labels(rules, row.fields),
                )
            )
    return wanted, total


def _fence(text: str) -> str:
    runs = [len(run) for run in re.findall(r"`{3,}", text)]
    return "`" * max(3, max(runs, default=0) + 1)


def _clip(text: str, limit: int = MAX_BODY_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _extra_sections(item: Incoming) -> str:
    """The mail's own text, its attachments and the parser's notes, below the form."""
    mail = item.mail
    parts: list[str] = []
    if mail.body.strip():
        text = _clip(mail.body)
        marks = _fence(text)
        parts.append(
            f"**邮件正文**（已隐藏身份证号、银行卡号和手机号）：\n\n{marks}text\n{text}\n{marks}\n"
        )
    lines = _attachment_lines(item)
    if lines:
        parts.append("**附件**：\n\n" + "\n".join(lines) + "\n")
    if mail.warnings:
        parts.append("**提示**：\n\n" + "\n".join(f"- {inline(w)}" for w in mail.warnings) + "\n")
    return "\n" + "\n".join(parts) + ("\n" if parts else "")


def _attachment_lines(item: Incoming) -> list[str]:
    """One Markdown list item per attachment, with what could not be imported below it."""
    read = {book.filename: book for book in item.workbooks}
    lines: list[str] = []
    for attachment in item.mail.attachments:
        book = read.get(attachment.filename)
        name = inline(attachment.filename)
        problems: tuple[str, ...] = ()
        if book is not None and book.form is not None:
            problems = book.problems
            if book.rows:
                text = f"{name}：附件{book.form}，{len(book.rows)} 行，每行登记为一个问题"
            else:
                text = f"{name}：附件{book.form}，没有可以登记的行"
            if problems:
                text += f"；{len(problems)} 处无法读取："
        elif book is not None:
            text = f"{name}：未导入（{inline(book.problems[0]) if book.problems else '无法读取'}）"
        elif attachment.kind != "other":
            text = f"{name}：{attachment.kind.replace('form', '附件')}，未导入"
            if attachment.note:
                text += f"（{inline(attachment.note)}）"
        else:
            text = f"{name}：不是附件2、3、4，未导入"
        lines.append(f"- {text}")
        lines += [f"  - {inline(p)}" for p in problems[:MAX_PROBLEMS]]
        if len(problems) > MAX_PROBLEMS:
            lines.append(f"  - ……另有 {len(problems) - MAX_PROBLEMS} 处")
    return lines


def _reply_comment(item: Incoming, rules: Rules) -> str:
    mail = item.mail
    when = _when(item, rules.policy).strip()
    head = f"**邮件回复**：{inline(mail.sender) or '（发件人不详）'}" + (
        f"，{when}" if when else ""
    )
    text = _clip(mail.body) or "（正文为空）"
    quoted = "\n".join(f"> {inline(line)}" if line.strip() else ">" for line in text.split("\n"))
    parts = [reply_marker(item.fingerprint), head, "", quoted]
    lines = _attachment_lines(item)
    if lines:
        parts += ["", "附件：", "", *lines]
    return "\n".join(parts) + "\n"


def _rejection(item: Incoming, rules: Rules, reason: str, sender: str) -> Outgoing:
    policy = rules.policy
    mail = item.mail
    subject = mail.subject or "（无主题）"
    when = _when(item, policy).strip()
    text = (
        "您好！\n\n"
        f"您{'于 ' + when + ' ' if when else ''}发送的邮件“{subject}”未能受理，原因如下：\n\n"
        f"{reason}\n\n"
        "请按以上说明修改后重新发送。"
        f"如有疑问，请致电 {policy.service.phone}。\n\n"
        f"{policy.document.receiver}\n（本邮件由系统自动发送）\n"
    )
    return Outgoing(
        kind="reject",
        to=item.reply_to or "",
        subject=f"回复：{subject}【未能受理】",
        text=masked(text),
        message_id=our_message_id(item.fingerprint, "reject", address_domain(sender)),
        in_reply_to=item.message_id,
    )


# Applying.


def apply(
    plan: FetchPlan,
    rules: Rules,
    writer: Writer,
    mailbox: ImapMailbox | None,
    outbox: Outbox | None = None,
    sender: str | None = None,
    now: datetime | None = None,
) -> list[Outcome]:
    """Carry the plan out: tracker writes first, the answer next, the mailbox mark last."""
    outcomes: list[Outcome] = []
    created: dict[str, int] = {}  # message fingerprint -> the issue this run opened for it
    for item in plan.messages:
        if item.thread is not None:
            item = dataclasses.replace(item, number=created.get(item.thread))
        outcome = Outcome(item, number=item.number)
        confirmed = _write(item, rules, writer, outcome)
        if item.issue is not None and outcome.number is not None:
            created[item.fingerprint] = outcome.number
        if (
            item.answer is not None
            and outbox is not None
            and sender
            and now is not None
            and writer.apply
        ):
            outcome.answered = outbox.send(compose(item.answer, sender, now)).status
        if confirmed and writer.apply and mailbox is not None:
            mark: Mark = "answered" if outcome.answered else item.outcome
            mailbox.mark(item.uid, mark)
            outcome.marked = mark
        outcomes.append(outcome)
    return outcomes


def _write(item: MessagePlan, rules: Rules, writer: Writer, outcome: Outcome) -> bool:
    """Make the tracker writes of one message; True when every one was confirmed."""
    number = item.number
    if item.issue is not None:
        number = writer.create_issue(item.issue.title, item.issue.body, list(item.issue.labels))
        outcome.number = number
        if number is None:
            return False
    if item.action == "comment" and number is None:
        return False  # the thread's issue was not opened (dry run, budget spent)
    if item.comment is not None and number is not None:
        deferred = writer.deferred
        writer.comment(number, item.comment)
        if not writer.apply or writer.deferred != deferred:
            return False
    for submission in item.rows:
        if number is None:
            return False
        linked = dataclasses.replace(submission, see_also=(number,))
        new = intake.plan([linked], {}, rules)[0]
        if item.mark is not None:
            row_mark = dataclasses.replace(item.mark, row=True)
            new = dataclasses.replace(new, body=new.body + "\n" + row_mark.marker() + "\n")
        created = writer.create_issue(new.title, new.body, list(new.labels))
        if created is None:
            return False
        outcome.rows.append(created)
    return True

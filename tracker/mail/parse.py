"""Read one report mail (第八至十二条) into the fields of a report; pure, never raises.

`parse_message(data, policy)` takes the raw bytes of a message (`.eml`) and
returns a `ParsedMail`: the subject's city, stage and category, the items of
第十一条 found in the body by form field id, the attached report forms, and
whether the mail can be accepted (a readable subject, a sender in scope per
第十二条) with the reason when not. Every text it returns has personal numbers
masked; only the contact phone keeps its mobile number, in `fields["phone"]`.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from datetime import UTC
from email.message import Message

from tracker.mail.attachments import Attachment, describe_attachment
from tracker.mail.body import labels_for, read_fields, split_quote, tidy
from tracker.mail.decode import (
    clean_line,
    content_type,
    decode_header,
    header_param,
    html_to_text,
    part_text,
    raw_header,
)
from tracker.mail.names import Vocabulary, resolve, resolve_choice
from tracker.mail.scope import judge_scope
from tracker.mail.subject import Subject, format_reason, read_subject, tag_answer
from tracker.pii import Finding, mask_text, scan
from tracker.policy import Policy

SUBJECT_LINES = 5  # body lines searched for the subject format when the subject lacks it


@dataclass(frozen=True)
class PiiItem:
    kind: str
    masked: str
    where: str  # subject, from, body, attachment

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "masked": self.masked, "where": self.where}


@dataclass
class ParsedMail:
    """A report mail as plain data; see the module docstring."""

    message_id: str | None
    sender: str
    date: str | None
    subject: str
    accepted: bool
    reason: str
    city: str | None
    stage: str | None
    category: str | None
    title: str
    body: str
    thread: str = "new"
    fields: dict[str, str] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    pii: list[PiiItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "message_id": self.message_id,
            "from": self.sender,
            "date": self.date,
            "subject": self.subject,
            "thread": self.thread,
            "accepted": self.accepted,
            "reason": self.reason,
            "city": self.city,
            "stage": self.stage,
            "category": self.category,
            "title": self.title,
            "body": self.body,
            "fields": self.fields,
            "attachments": [a.as_dict() for a in self.attachments],
            "pii": [p.as_dict() for p in self.pii],
            "warnings": self.warnings,
        }


def parse_message(data: bytes, policy: Policy) -> ParsedMail:
    """Read a raw message into a report; what cannot be read is said in `reason`/`warnings`."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    words = Vocabulary.of(policy)
    subject_text = decode_header(raw_header(message, "subject"))
    sender = decode_header(raw_header(message, "from"))
    notes: list[str] = []

    text = _body_text(message)
    body = split_quote(text)
    subject = read_subject(subject_text, policy, words)
    if not subject.resolved:
        found = _subject_in_body(body.own, policy, words)
        if found is not None:
            subject, line = found
            notes.append(f"邮件主题未按格式书写，已按正文第 {line} 行“{subject.text}”识别。")
    labels = labels_for(policy, subject.category)
    own = body.own
    fields = read_fields(own, labels)
    if not fields and body.quoted and subject.thread == "forward":
        # A forward whose sender added nothing: the report is the forwarded mail.
        fields = read_fields(body.quoted, labels)
        own = tidy(f"{own}\n\n{body.quoted}")
        notes.append("转发的邮件：字段取自被转发的原邮件。")
    fields = _normalize_fields(fields, policy, words)
    if subject.city and "city" not in fields:
        fields["city"] = subject.city
    if subject.stage and "stage" not in fields:
        fields["stage"] = subject.stage
    urgent_choices = {
        c: policy.mail.value_aliases.get("urgent", {}).get(c, [])
        for c in policy.form_fields().get("urgent", [])
    }
    tagged = tag_answer(subject, urgent_choices) if urgent_choices else None
    if tagged is not None and "urgent" not in fields:
        fields["urgent"] = tagged

    city = subject.city or resolve(fields.get("city", ""), words.cities)
    scope = judge_scope(policy, words, fields.get("unit", ""), fields.get("unit_type", ""), city)
    if scope.unit_type and "unit_type" not in fields:
        fields["unit_type"] = scope.unit_type
    if scope.basis == "city" and fields.get("unit"):
        notes.append(
            f"无法从单位名称“{fields['unit']}”判断单位类型，已按主题中的地市受理，请核实。"
        )

    reasons: list[str] = []
    if not subject.resolved:
        reasons.append(format_reason(subject, policy, _mask_all(subject_text)))
    if not scope.in_scope:
        reasons.append(_scope_reason(policy, scope.named))
    notes += _mailbox_notes(message, policy, subject.category)

    topic = subject.topic
    if topic in subject.tags and tag_answer(Subject("", tags=(topic,)), urgent_choices):
        topic = ""  # the topic was only a tag such as （紧急）
    title = ""
    if subject.resolved and subject.city and subject.stage and subject.category:
        head = policy.subject(subject.city, subject.stage, subject.category)
        tail = topic or fields.get("summary", "").split("\n")[0]
        title = head + policy.report.title_separator + tail if tail else head

    attachments = _attachments(message, policy)
    contacts = _contact_numbers(fields.get("phone", ""))
    pii = _findings(
        [
            ("subject", subject_text),
            ("from", sender),
            ("body", own),
            *(("attachment", a.filename) for a in attachments),
        ],
        contacts,
    )
    return ParsedMail(
        message_id=_message_id(message),
        sender=_mask_all(sender),
        date=_date(message, policy),
        subject=_mask_all(subject_text),
        accepted=not reasons,
        reason="\n".join(reasons),
        city=subject.city,
        stage=subject.stage,
        category=subject.category,
        title=_mask_all(title),
        body=_mask_all(own),
        thread=subject.thread,
        fields={k: _mask_field(k, v) for k, v in fields.items()},
        attachments=[
            Attachment(_mask_all(a.filename), a.kind, a.rows, a.note) for a in attachments
        ],
        pii=pii,
        warnings=notes,
    )


# The body.


def _body_text(message: Message) -> str:
    """Return the text of the body: the plain part, or the HTML part as text."""
    plain = _find_body(message, "text/plain")
    text = part_text(plain) if plain is not None else ""
    if text.strip():
        return text
    html = _find_body(message, "text/html")
    return html_to_text(part_text(html)) if html is not None else ""


def _find_body(message: Message, wanted: str) -> Message | None:
    """Return the first inline part of type `wanted`, not inside an attached message."""
    for part in _walk(message):
        if content_type(part) == wanted and not _is_attachment(part):
            return part
    return None


def _walk(message: Message, depth: int = 0) -> list[Message]:
    """Return every leaf part, not descending into attached messages (message/rfc822)."""
    if depth > 20:
        return []
    if content_type(message) == "message/rfc822" and depth:
        return [message]  # a mail forwarded as an attachment stays one attachment
    if message.is_multipart():
        payload = message.get_payload()
        if isinstance(payload, list):
            return [leaf for p in payload if isinstance(p, Message) for leaf in _walk(p, depth + 1)]
        return []
    return [message]


def _is_attachment(part: Message) -> bool:
    if content_type(part) == "message/rfc822":
        return True
    disposition = (raw_header(part, "content-disposition") or "").strip().lower()
    if disposition.startswith("attachment"):
        return True
    return _filename(part) is not None and not content_type(part).startswith("text/")


def _filename(part: Message) -> str | None:
    name = header_param(part, "content-disposition", "filename") or header_param(
        part, "content-type", "name"
    )
    if not name:
        return None
    return re.split(r"[\\/]", name)[-1].strip() or None


def _subject_in_body(text: str, policy: Policy, words: Vocabulary) -> tuple[Subject, int] | None:
    """Find the subject format on one of the first lines of the body (第十一条: 主题和正文)."""
    seen = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        seen += 1
        if seen > SUBJECT_LINES:
            break
        candidate = read_subject(clean_line(line), policy, words)
        if candidate.resolved:
            return candidate, number
    return None


def _normalize_fields(fields: dict[str, str], policy: Policy, words: Vocabulary) -> dict[str, str]:
    """Write dropdown answers as the policy's choices where they can be read."""
    choices = policy.form_fields()
    result: dict[str, str] = {}
    for field_id, value in fields.items():
        value = value.strip()
        if field_id == "city":
            value = resolve(value, words.cities) or value
        elif field_id == "stage":
            value = resolve(value, words.stages) or value
        elif choices.get(field_id):
            aliases = policy.mail.value_aliases.get(field_id, {})
            options = {c: aliases.get(c, []) for c in choices[field_id]}
            value = resolve_choice(value, options) or value
        result[field_id] = value
    return result


# Scope and mailboxes.


def _scope_reason(policy: Policy, unit: str) -> str:
    units = "、".join(policy.accepted_units)
    return (
        f"报送单位“{_mask_all(unit)}”不在受理范围：只受理{units}报送的问题。"
        "区县教育部门和中小学校、幼儿园的问题，请先报所在地市教育局，由地市教育局汇总后报送。"
    )


def _mailbox_notes(message: Message, policy: Policy, category: str | None) -> list[str]:
    """Say which of the category's mailboxes the mail was not sent to (第八至十条)."""
    if category is None:
        return []
    raw = ",".join(
        decode_header(value)
        for name, value in message.raw_items()
        if name.lower() in ("to", "cc", "delivered-to", "x-original-to")
    )
    sent_to = {address.lower() for _, address in email.utils.getaddresses([raw]) if address}
    ours = {box.address.lower() for box in policy.service.mailboxes}
    if not sent_to & ours:
        return []  # sent elsewhere or blind-copied: nothing to say
    wanted = policy.mailboxes_for(category)
    missing = [a for a in wanted if a.lower() not in sent_to]
    if not missing:
        return []
    name = policy.category(category).name
    joiner = "同时发送至" if len(wanted) > 1 else "发送至"
    return [f"{name}应{joiner} {'、'.join(wanted)}；本邮件未发送至 {'、'.join(missing)}。"]


# Attachments.


def _attachments(message: Message, policy: Policy) -> list[Attachment]:
    found: list[Attachment] = []
    for part in _walk(message):
        if not _is_attachment(part):
            continue
        name = _filename(part) or _attached_mail_name(part) or "（未命名附件）"
        try:
            payload = part.get_payload(decode=True)
        except (ValueError, LookupError, TypeError):
            payload = None
        data = payload if isinstance(payload, bytes) else b""
        found.append(describe_attachment(policy, name, content_type(part), data))
    return found


def _attached_mail_name(part: Message) -> str | None:
    """Name an attached message after its subject, as mail clients do."""
    inner = part.get_payload()
    if isinstance(inner, list) and inner and isinstance(inner[0], Message):
        subject = decode_header(raw_header(inner[0], "subject"))
        return f"{subject or '邮件'}.eml"
    return None


# Headers.


def _message_id(message: Message) -> str | None:
    raw = raw_header(message, "message-id")
    if raw is None:
        return None
    text = clean_line(decode_header(raw))
    return text or None


def _date(message: Message, policy: Policy) -> str | None:
    raw = raw_header(message, "date")
    if raw is None:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(clean_line(raw))
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # `-0000`: the zone is unknown, the time is UTC
    try:
        return moment.astimezone(policy.calendar.zone).isoformat()
    except (ValueError, OverflowError):
        return None


# Personal numbers.


def _contact_numbers(phone: str) -> set[str]:
    """Return the mobile numbers the sender gave as the contact phone."""
    return {
        re.sub(r"\D", "", phone[f.start : f.end])[-11:] for f in scan(phone) if f.kind == "mobile"
    }


def _findings(texts: list[tuple[str, str]], contacts: set[str]) -> list[PiiItem]:
    """Personal numbers in what the mail says; the contact's own mobile is not one."""
    items: list[PiiItem] = []
    for where, text in texts:
        for finding in scan(text):
            if _is_contact(text, finding, contacts):
                continue
            item = PiiItem(finding.kind, finding.masked, where)
            if item not in items:
                items.append(item)
    return items


def _is_contact(text: str, finding: Finding, contacts: set[str]) -> bool:
    digits = re.sub(r"\D", "", text[finding.start : finding.end])[-11:]
    return finding.kind == "mobile" and digits in contacts


def _mask_all(text: str) -> str:
    return mask_text(text, scan(text))


def _mask_field(field_id: str, value: str) -> str:
    """Mask a field; the contact phone field keeps its mobile numbers."""
    findings = scan(value)
    if field_id == "phone":
        findings = [f for f in findings if f.kind != "mobile"]
    return mask_text(value, findings)

"""What the mail bots remember on the tracker: hidden markers in what the bot wrote.

An issue opened from a mail ends with `<!-- zzxt:mail <data> -->`: the
message's fingerprint, its Message-ID and the address to answer (so that
`zzxt mail notify` can thread its mails under the original without reading
the mailbox), base64url-encoded JSON so that no `-->` and no number pattern
shows. Issues opened from the rows of an attached form carry the same marker
with `row: true`. A mail answering a thread becomes a comment ending with
`<!-- zzxt:mail-reply <fingerprint> -->`. `zzxt mail notify` keeps one log
comment per issue (`<!-- zzxt:mail-log -->`) with a line per mail sent
(`<!-- zzxt:mail-ack|mail-staff|mail-close <fingerprint> -->`).

Markers count only in what the bot itself wrote (`BotIdentity.wrote`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass

from tracker.bots import intake
from tracker.bots.identity import BotIdentity
from tracker.forge.model import Comment, Forge, Issue

_MAIL = re.compile(r"<!-- zzxt:mail ([A-Za-z0-9_-]{8,2000}) -->")
_INTAKE = re.compile(rf"<!-- {re.escape(intake.INTAKE)} ([0-9a-f]{{8,64}}) -->")
_REPLY = re.compile(r"<!-- zzxt:mail-reply ([0-9a-f]{8,64}) -->")
LOG = "<!-- zzxt:mail-log -->"
NOTICE_KINDS = ("ack", "staff", "close")


@dataclass(frozen=True)
class MailMark:
    """Where an issue came from: the message, and whom to answer."""

    fingerprint: str  # the message's
    message_id: str  # <...>, or "" when it had none
    reply_to: str  # address
    subject: str  # masked
    received: str  # ISO time the mailbox took it in, or ""
    row: bool = False  # opened from a row of an attached form

    def marker(self) -> str:
        data = {
            "fp": self.fingerprint,
            "id": self.message_id,
            "to": self.reply_to,
            "subject": self.subject,
            "received": self.received,
            "row": self.row,
        }
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        encoded = base64.urlsafe_b64encode(text).decode("ascii").rstrip("=")
        return f"<!-- zzxt:mail {encoded} -->"


def parse_mark(body: str) -> MailMark | None:
    """Return the mail marker in a body, if one is there and readable."""
    found = _MAIL.search(body)
    if found is None:
        return None
    encoded = found.group(1)
    try:
        data = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(data, dict) or not re.fullmatch(r"[0-9a-f]{8,64}", str(data.get("fp"))):
        return None
    return MailMark(
        fingerprint=str(data["fp"]),
        message_id=str(data.get("id") or ""),
        reply_to=str(data.get("to") or ""),
        subject=str(data.get("subject") or ""),
        received=str(data.get("received") or ""),
        row=bool(data.get("row")),
    )


def intake_fingerprint(body: str) -> str | None:
    """Return the intake fingerprint an issue body carries."""
    found = _INTAKE.search(body)
    return found.group(1) if found else None


def notice_marker(kind: str, fingerprint: str) -> str:
    if kind not in NOTICE_KINDS or not re.fullmatch(r"[0-9a-f]{8,64}", fingerprint):
        raise ValueError(f"bad notice marker: {kind} {fingerprint}")
    return f"<!-- zzxt:mail-{kind} {fingerprint} -->"


def reply_marker(fingerprint: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{8,64}", fingerprint):
        raise ValueError(f"fingerprint must be 8-64 lowercase hex digits: {fingerprint!r}")
    return f"<!-- zzxt:mail-reply {fingerprint} -->"


def replies_in(comments: list[Comment], identity: BotIdentity) -> set[str]:
    """Return the fingerprints of the mails already posted as comments by the bot."""
    return {
        fingerprint
        for comment in comments
        if identity.wrote(comment.author)
        for fingerprint in _REPLY.findall(comment.body)
    }


@dataclass(frozen=True)
class BotIssues:
    """What the bot opened: every intake fingerprint, and the issues opened from mail."""

    opened: dict[str, int]  # intake fingerprint -> issue number
    mail: list[tuple[Issue, MailMark]]

    def threads(self) -> dict[str, int]:
        """Return each message's own issue (not its rows') by the message's fingerprint."""
        found: dict[str, int] = {}
        for issue, mark in self.mail:
            if not mark.row:
                found[mark.fingerprint] = min(
                    found.get(mark.fingerprint, issue.number), issue.number
                )
        return found


def read_bot_issues(forge: Forge, identity: BotIdentity) -> BotIssues:
    """Read every issue once; keep those the bot opened, with their markers."""
    opened: dict[str, int] = {}
    mail: list[tuple[Issue, MailMark]] = []
    for issue in forge.list_issues("all"):
        if not identity.wrote(issue.author):
            continue
        for fingerprint in _INTAKE.findall(issue.body):
            opened.setdefault(fingerprint, issue.number)
        mark = parse_mark(issue.body)
        if mark is not None:
            mail.append((issue, mark))
    return BotIssues(opened, mail)

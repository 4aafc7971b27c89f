"""Which message is which: fingerprints, threads, senders and machine-sent mail. Pure.

A message's fingerprint is a hash of its normalised Message-ID, so the copy
in each service mailbox (第八条: the same report goes to both) gives the same
fingerprint. A reply is recognised by the Message-IDs it references
(In-Reply-To, References) or by an issue number written in its subject as
`#12`, `[#12]`, `问题#12` or `问题编号：12`. The mails zzxt sends carry the
fingerprint in their own Message-ID (`<zzxt.<fingerprint>.<kind>@domain>`), so
an answer to one of them finds its thread even when the client quotes only
the last message.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from email.message import Message

from tracker.mail.decode import clean_line, decode_header, raw_header

FINGERPRINT_LENGTH = 16  # hex digits: 64 bits
_ID = re.compile(r"<([^<>\s]+)>")
_OURS = re.compile(r"^zzxt\.([0-9a-f]{16})\.[a-z0-9-]+@", re.IGNORECASE)
# `#12`, `[#12]`, `问题#12`, `问题 #12`, `问题编号12`, `问题编号：12`; never `C#` or `&#12;`.
_ISSUE_NUMBER = re.compile(r"(?:(?<![A-Za-z0-9_&#])#\s?|问题编号\s*[:：]?\s*)(\d{1,7})(?!\d)")
# Headers by which mail software says a message was sent by a machine (RFC 3834, common usage).
_BULK = {"bulk", "junk", "list", "auto_reply"}
_DAEMONS = ("mailer-daemon", "postmaster", "no-reply", "noreply", "do-not-reply", "donotreply")


def normalize_message_id(text: str | None) -> str | None:
    """Return the Message-ID inside angle brackets, its domain lowercased; None if none."""
    if not text:
        return None
    found = _ID.search(text)
    value = found.group(1) if found else clean_line(text).strip("<> ")
    if not value or any(c.isspace() for c in value):
        return None
    local, at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}" if at else value


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:FINGERPRINT_LENGTH]


def message_fingerprint(message: Message, data: bytes) -> str:
    """Return the fingerprint of a message (`data`, parsed as `message`).

    Its Message-ID, or, when it has none, what every copy shares: the sender's
    own headers and the body, not the trace headers servers add on the way.
    """
    found = normalize_message_id(decode_header(raw_header(message, "message-id")))
    if found is not None:
        return fingerprint("message-id:" + found)
    headers = sorted(
        f"{name.lower()}:{clean_line(decode_header(value))}"
        for name, value in message.raw_items()
        if name.lower() in ("from", "date", "subject", "to", "cc")
    )
    ends = [i for i in (data.find(b"\r\n\r\n"), data.find(b"\n\n")) if i >= 0]
    body = data[min(ends) :].strip() if ends else b""
    digest = hashlib.sha256(body).hexdigest()
    return fingerprint("no-id:" + "\n".join(headers) + "\n" + digest)


def row_fingerprint(message: str, row: str) -> str:
    """Return the fingerprint of one row of an attached form: the message's and the row's."""
    return fingerprint(f"row:{message}:{row}")


def message_id(message: Message) -> str | None:
    return normalize_message_id(decode_header(raw_header(message, "message-id")))


def referenced_ids(message: Message) -> list[str]:
    """Return the Message-IDs a reply names (In-Reply-To first, then References)."""
    found: list[str] = []
    for name in ("in-reply-to", "references"):
        text = decode_header(raw_header(message, name))
        for match in _ID.finditer(text):
            normal = normalize_message_id(f"<{match.group(1)}>")
            if normal is not None and normal not in found:
                found.append(normal)
    return found


def thread_keys(message: Message) -> list[str]:
    """Return the fingerprints of the messages this one answers, nearest first."""
    keys: list[str] = []
    for found in referenced_ids(message):
        ours = _OURS.match(found)
        key = ours.group(1).lower() if ours else fingerprint("message-id:" + found)
        if key not in keys:
            keys.append(key)
    return keys


def our_message_id(message_fingerprint: str, kind: str, domain: str) -> str:
    """Return the Message-ID of a mail zzxt sends about a message: the same on every resend."""
    return f"<zzxt.{message_fingerprint}.{kind}@{domain.lower()}>"


def issue_numbers(subject: str) -> list[int]:
    """Return the issue numbers a subject names (`[#12]`, `问题编号：12`), in order."""
    numbers: list[int] = []
    for match in _ISSUE_NUMBER.finditer(subject):
        number = int(match.group(1))
        if number > 0 and number not in numbers:
            numbers.append(number)
    return numbers


def is_automatic(message: Message) -> bool:
    """Whether a machine sent this: an auto-reply, a bounce, a list or bulk mail."""
    auto = (raw_header(message, "auto-submitted") or "").strip().lower()
    if auto and not auto.startswith("no"):
        return True
    precedence = (raw_header(message, "precedence") or "").strip().lower()
    if precedence in _BULK:
        return True
    if any(raw_header(message, h) is not None for h in ("x-autoreply", "x-autorespond")):
        return True
    if (raw_header(message, "return-path") or "").strip() == "<>":
        return True
    kind = message.get_content_type()
    if kind == "multipart/report":
        return True
    sender = sender_address(message) or ""
    return sender.split("@", 1)[0].lower() in _DAEMONS


def sender_address(message: Message) -> str | None:
    """Return the address in From."""
    return _first_address(decode_header(raw_header(message, "from")))


def reply_address(message: Message) -> str | None:
    """Return where an answer goes: Reply-To if given, else From."""
    return _first_address(decode_header(raw_header(message, "reply-to"))) or sender_address(message)


def _first_address(text: str) -> str | None:
    if not text:
        return None
    for _, address in email.utils.getaddresses([text]):
        address = address.strip()
        if re.fullmatch(r"[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+", address):
            return address
    return None

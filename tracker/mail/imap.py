"""A service mailbox over IMAP: the messages not yet handled in, handled ones marked. I/O only.

Staff read the same mailbox, so zzxt never sets `\\Seen` (it fetches with
`BODY.PEEK`) and marks what it handled in one of two ways:

- `keyword` (when the server keeps custom keywords, PERMANENTFLAGS `\\*`):
  `$zzxt-done` once a message is on the tracker (or answered, or ignored as
  machine-sent); `$zzxt-rejected` on a message not accepted, with `\\Answered`
  once the reason was mailed back; `$zzxt-auto` on machine-sent mail.
- `folder`: handled messages move to `zzxt-已处理`, rejected ones, once
  answered, to `zzxt-不予受理` (created when missing). A rejected message not
  yet answered stays where it is.

The caller sets a mark only after the tracker confirmed the write: a message
left unmarked is simply looked at again by the next run.
"""

from __future__ import annotations

import base64
import imaplib
import re
import ssl
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from tracker.errors import MailServerError
from tracker.mail.servers import MailServer

KEYWORD_DONE = "$zzxt-done"
KEYWORD_REJECTED = "$zzxt-rejected"
KEYWORD_AUTO = "$zzxt-auto"
FOLDER_DONE = "zzxt-已处理"
FOLDER_REJECTED = "zzxt-不予受理"

MarkMode = Literal["keyword", "folder"]
Outcome = Literal["done", "rejected", "answered", "auto"]
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_KEYWORD_MARKS: dict[Outcome, tuple[str, ...]] = {
    "done": (KEYWORD_DONE,),
    "rejected": (KEYWORD_REJECTED,),
    "answered": ("\\Answered", KEYWORD_REJECTED, KEYWORD_DONE),
    "auto": (KEYWORD_AUTO, KEYWORD_DONE),
}


@dataclass(frozen=True)
class Fetched:
    """One message as the server holds it; `data` is only its header when it is too large."""

    uid: str
    received: datetime | None  # INTERNALDATE: when the server took it in
    size: int
    data: bytes
    complete: bool
    flags: frozenset[str]


def encode_mailbox_name(name: str) -> str:
    """Return a mailbox name in IMAP's modified UTF-7 (RFC 3501 5.1.3), quoted."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append(
                "&" + base64.b64encode(raw).decode("ascii").rstrip("=").replace("/", ",") + "-"
            )
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    text = "".join(out)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapMailbox:
    """An open, selected mailbox; use as a context manager."""

    def __init__(
        self, conn: imaplib.IMAP4, server: MailServer, name: str, mode: MarkMode, secret: str
    ) -> None:
        self._conn = conn
        self.server = server
        self.name = name
        self.mode = mode
        self._secret = secret
        self._folders: set[str] = set()

    def __enter__(self) -> ImapMailbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._conn.logout()
        except (imaplib.IMAP4.error, OSError):
            pass  # the connection is gone already; nothing is left to release

    def _fail(self, what: str, error: BaseException | str) -> MailServerError:
        text = error if isinstance(error, str) else _server_text(error)
        if self._secret:
            text = text.replace(self._secret, "***")
        return MailServerError(f"IMAP 服务器 {self.server.display} {what}失败：{text}")

    def _run(self, what: str, command: str, *args: str) -> list[object]:
        try:
            typ, data = self._conn.uid(command, *args)
        except (imaplib.IMAP4.error, OSError) as error:
            raise self._fail(what, error) from None
        if typ != "OK":
            raise self._fail(what, _data_text(data))
        return list(data)

    def unhandled(self, since: date | None = None) -> list[str]:
        """Return the UIDs of messages not yet handled, oldest first."""
        criteria = ["UNDELETED"]
        if self.mode == "keyword":
            criteria += ["UNKEYWORD", KEYWORD_DONE]
        if since is not None:
            criteria += ["SINCE", f"{since.day}-{_MONTHS[since.month - 1]}-{since.year}"]
        data = self._run("查找邮件", "SEARCH", *criteria)
        found = b" ".join(d for d in data if isinstance(d, bytes)).split()
        return [u.decode("ascii") for u in sorted(found, key=int)]

    def fetch(self, uid: str, max_bytes: int) -> Fetched | None:
        """Return one message (only its header when over `max_bytes`); None if it is gone."""
        meta = self._run("读取邮件", "FETCH", uid, "(UID FLAGS INTERNALDATE RFC822.SIZE)")
        head = _response_for(meta, uid)
        if head is None:
            return None
        size_match = re.search(rb"RFC822\.SIZE (\d+)", head)
        size = int(size_match.group(1)) if size_match else 0
        complete = size <= max_bytes
        part = "BODY.PEEK[]" if complete else "BODY.PEEK[HEADER]"
        data = self._run("读取邮件", "FETCH", uid, f"({part})")
        literal = next(
            (
                item[1]
                for item in data
                if isinstance(item, tuple) and re.search(rb"UID %s\b" % uid.encode(), item[0])
            ),
            None,
        )
        if not isinstance(literal, bytes):
            return None
        flags_match = re.search(rb"FLAGS \(([^)]*)\)", head)
        flags = (
            frozenset(flags_match.group(1).decode("utf-8", "replace").split())
            if flags_match
            else frozenset()
        )
        return Fetched(uid, _internal_date(head), size, literal, complete, flags)

    def mark(self, uid: str, outcome: Outcome) -> None:
        """Record what became of a message; call only after the tracker confirmed its part."""
        if self.mode == "keyword":
            flags = "(" + " ".join(_KEYWORD_MARKS[outcome]) + ")"
            self._run("标记邮件", "STORE", uid, "+FLAGS", flags)
            return
        if outcome == "rejected":
            return  # stays where it is until answered
        if outcome == "answered":
            self._run("标记邮件", "STORE", uid, "+FLAGS", "(\\Answered)")
        self._move(uid, FOLDER_REJECTED if outcome == "answered" else FOLDER_DONE)

    def _move(self, uid: str, folder: str) -> None:
        target = encode_mailbox_name(folder)
        if folder not in self._folders:
            try:
                typ, data = self._conn.create(target)
            except (imaplib.IMAP4.error, OSError) as error:
                raise self._fail(f"建立文件夹“{folder}”", error) from None
            if typ != "OK" and b"ALREADYEXISTS" not in b" ".join(
                d for d in data if isinstance(d, bytes)
            ):
                # Some servers say NO without the ALREADYEXISTS code: look before failing.
                typ, listed = self._conn.list('""', target)
                if typ != "OK" or not any(isinstance(d, bytes) for d in listed):
                    raise self._fail(f"建立文件夹“{folder}”", _data_text(data))
            self._folders.add(folder)
        if "MOVE" in self._conn.capabilities:
            self._run(f"移动邮件到“{folder}”", "MOVE", uid, target)
            return
        self._run(f"复制邮件到“{folder}”", "COPY", uid, target)
        self._run("标记邮件", "STORE", uid, "+FLAGS", "(\\Deleted)")
        if "UIDPLUS" in self._conn.capabilities:
            self._run("清除已移动的邮件", "EXPUNGE", uid)
        # Without UIDPLUS a plain EXPUNGE would also remove what staff deleted: leave it flagged.


def open_mailbox(
    server: MailServer,
    password: str,
    mailbox: str,
    mark: Literal["auto", "keyword", "folder"],
    context: ssl.SSLContext,
    timeout: float = 60.0,
) -> ImapMailbox:
    """Connect, log in and select `mailbox`; choose how to mark handled messages."""
    where = f"IMAP 服务器 {server.display}"

    def fail(what: str, error: BaseException | str) -> MailServerError:
        text = error if isinstance(error, str) else _server_text(error)
        return MailServerError(
            f"{where} {what}失败：{text.replace(password, '***') if password else text}"
        )

    try:
        if server.security == "tls":
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                server.host, server.port, ssl_context=context, timeout=timeout
            )
        else:
            conn = imaplib.IMAP4(server.host, server.port, timeout=timeout)
    except (imaplib.IMAP4.error, OSError) as error:
        raise fail("连接", error) from None
    box = ImapMailbox(conn, server, mailbox, "keyword", password)
    try:
        if server.security == "starttls":
            try:
                conn.starttls(ssl_context=context)
            except (imaplib.IMAP4.error, OSError) as error:
                raise fail("启用 STARTTLS 加密", error) from None
        try:
            if password.isascii():
                conn.login(_quote(server.user), password)
            elif "AUTH=PLAIN" in conn.capabilities:
                secret = f"\0{server.user}\0{password}".encode()
                conn.authenticate("PLAIN", lambda _: secret)
            else:
                raise fail("登录", "密码含非 ASCII 字符，而服务器不支持 AUTH=PLAIN")
        except (imaplib.IMAP4.error, OSError) as error:
            raise fail(f"登录（用户 {server.user}）", error) from None
        try:
            # Servers announce more after login (MOVE, UIDPLUS); imaplib keeps the first list.
            typ, data = conn.capability()
            if typ == "OK" and data and isinstance(data[-1], bytes):
                conn.capabilities = tuple(data[-1].decode("ascii", "replace").upper().split())
        except (imaplib.IMAP4.error, OSError) as error:
            raise fail("读取服务器能力", error) from None
        try:
            typ, data = conn.select(encode_mailbox_name(mailbox))
        except (imaplib.IMAP4.error, OSError) as error:
            raise fail(f"打开邮箱文件夹“{mailbox}”", error) from None
        if typ != "OK":
            raise fail(f"打开邮箱文件夹“{mailbox}”", _data_text(data))
        _, permanent = conn.response("PERMANENTFLAGS")
        keeps_keywords = any(isinstance(p, bytes) and b"\\*" in p for p in permanent)
        if mark == "keyword" and not keeps_keywords:
            raise fail(
                "标记邮件",
                "服务器不保存自定义标记（PERMANENTFLAGS 中没有 \\*），请改用 --mark folder",
            )
        box.mode = (
            "keyword" if mark == "keyword" or (mark == "auto" and keeps_keywords) else "folder"
        )
    except BaseException:
        box.close()
        raise
    return box


def _response_for(data: list[object], uid: str) -> bytes | None:
    """Return the FETCH response text for `uid` (servers may add others' flag changes)."""
    pattern = re.compile(rb"UID %s\b" % uid.encode())
    for item in data:
        text = item[0] if isinstance(item, tuple) else item
        if isinstance(text, bytes) and pattern.search(text):
            return text
    return None


def _internal_date(head: bytes) -> datetime | None:
    found = re.search(
        rb'INTERNALDATE "\s*(\d{1,2})-(\w{3})-(\d{4}) (\d\d:\d\d:\d\d) ([+-]\d{4})"', head
    )
    if found is None:
        return None
    day, month, year, clock, zone = (g.decode("ascii") for g in found.groups())
    if month not in _MONTHS:
        return None
    text = f"{year}-{_MONTHS.index(month) + 1:02d}-{int(day):02d}T{clock}{zone[:3]}:{zone[3:]}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _data_text(data: list[object] | object) -> str:
    items = data if isinstance(data, list) else [data]
    text = " ".join(
        i.decode("utf-8", "replace") if isinstance(i, bytes) else str(i)
        for i in items
        if i is not None
    )
    return text.strip() or "服务器拒绝"


def _server_text(error: BaseException) -> str:
    """The server's words, or what failed on the connection, without Python's reprs."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"服务器证书无法验证（{error.verify_message}）；自签名证书请用环境变量 ZZXT_MAIL_CA_FILE 指定 CA 证书"
    if isinstance(error, TimeoutError):
        return "连接超时"
    if isinstance(error, ConnectionRefusedError):
        return "连接被拒绝（地址或端口不对，或服务器未启动）"
    if isinstance(error, OSError) and not isinstance(error, ssl.SSLError):
        return error.strerror or type(error).__name__
    text = str(error.args[0]) if error.args else type(error).__name__
    found = re.fullmatch(r"b'(.*)'", text) or re.fullmatch(r'b"(.*)"', text)
    return found.group(1) if found else text

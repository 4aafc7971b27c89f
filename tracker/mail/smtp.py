"""Mail zzxt sends: composed as plain data, sent over SMTP with TLS. `compose` is pure.

Every mail answers one the service mailbox received: it threads under it
(In-Reply-To, References), says it was sent by a program (Auto-Submitted, RFC
3834, so auto-responders do not answer back) and carries a Message-ID made
from the original's fingerprint and its kind, the same on every resend.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Literal

from tracker.errors import MailServerError
from tracker.mail.servers import MailServer


@dataclass(frozen=True)
class Outgoing:
    """One mail to send, as plain data."""

    kind: str  # ack, reply, close, reject
    to: str
    subject: str
    text: str
    message_id: str  # <...>
    in_reply_to: str | None  # the original's Message-ID, <...>


def compose(mail: Outgoing, sender: str, now: datetime) -> EmailMessage:
    """Return the message to send."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = mail.message_id
    if mail.in_reply_to:
        message["In-Reply-To"] = mail.in_reply_to
        message["References"] = mail.in_reply_to
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"  # Outlook's out-of-office replies
    message.set_content(mail.text, charset="utf-8")
    return message


def address_domain(address: str) -> str:
    """Return the domain of an address (for Message-IDs)."""
    return Address(addr_spec=address).domain


@dataclass(frozen=True)
class Sent:
    """What became of one mail: `sent`, or `refused` for good (a 5xx answer)."""

    status: Literal["sent", "refused"]
    detail: str = ""


class Outbox:
    """One SMTP connection for a run, opened on the first mail; use as a context manager."""

    def __init__(
        self, server: MailServer, password: str, context: ssl.SSLContext, timeout: float = 60.0
    ) -> None:
        self.server = server
        self._password = password
        self._context = context
        self._timeout = timeout
        self._conn: smtplib.SMTP | None = None

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                pass  # already gone
            self._conn = None

    def _fail(self, what: str, error: BaseException | str) -> MailServerError:
        text = error if isinstance(error, str) else _smtp_text(error)
        if self._password:
            text = text.replace(self._password, "***")
        return MailServerError(f"SMTP 服务器 {self.server.display} {what}失败：{text}")

    def _open(self) -> smtplib.SMTP:
        if self._conn is not None:
            return self._conn
        server = self.server
        try:
            if server.security == "tls":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    server.host, server.port, context=self._context, timeout=self._timeout
                )
            else:
                conn = smtplib.SMTP(server.host, server.port, timeout=self._timeout)
        except (smtplib.SMTPException, OSError) as error:
            raise self._fail("连接", error) from None
        try:
            conn.ehlo()
            if server.security == "starttls":
                if not conn.has_extn("starttls"):
                    raise self._fail("启用 STARTTLS 加密", "服务器不支持 STARTTLS")
                conn.starttls(context=self._context)
                conn.ehlo()
            if server.user:
                conn.login(server.user, self._password)
        except MailServerError:
            conn.close()
            raise
        except (smtplib.SMTPException, OSError) as error:
            conn.close()
            raise self._fail(
                f"登录（用户 {server.user}）" if server.user else "握手", error
            ) from None
        self._conn = conn
        return conn

    def send(self, message: EmailMessage) -> Sent:
        """Send one message; a permanent refusal is returned, anything else raised."""
        conn = self._open()
        try:
            conn.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            if code >= 500:
                return Sent("refused", f"{code} {_decoded(reply)}")
            raise self._fail("发送", f"{code} {_decoded(reply)}") from None
        except smtplib.SMTPDataError as error:
            if error.smtp_code >= 500:
                return Sent("refused", f"{error.smtp_code} {_decoded(error.smtp_error)}")
            raise self._fail("发送", error) from None
        except (smtplib.SMTPException, OSError) as error:
            self._conn = None
            raise self._fail("发送", error) from None
        return Sent("sent")


def _decoded(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _smtp_text(error: BaseException) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"服务器证书无法验证（{error.verify_message}）；自签名证书请用环境变量 ZZXT_MAIL_CA_FILE 指定 CA 证书"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return f"用户名或密码错误（{error.smtp_code} {_decoded(error.smtp_error)}）"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_decoded(error.smtp_error)}"
    if isinstance(error, TimeoutError):
        return "连接超时"
    if isinstance(error, ConnectionRefusedError):
        return "连接被拒绝（地址或端口不对，或服务器未启动）"
    if isinstance(error, OSError) and not isinstance(error, ssl.SSLError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__

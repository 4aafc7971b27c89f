"""An SMTP server (aiosmtpd) on 127.0.0.1 that keeps every mail it is given.

    with SmtpRecorder(user="bot@gdedu.example.cn", password="…", security="starttls",
                      certs=certs) as smtp:
        smtp.url                  # smtp://bot%40gdedu.example.cn@127.0.0.1:PORT?starttls
        smtp.messages             # [EmailMessage], in arrival order

Recipients listed in `refuse` are answered `550` (a mailbox that does not exist).
"""

from __future__ import annotations

import email
import email.policy
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.certs import Certificates
from tests.support.dovecot import free_port


@dataclass
class Delivery:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Handler:
    refuse: set[str] = field(default_factory=set)
    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.deliveries.append(Delivery(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted"


class SmtpRecorder:
    def __init__(
        self,
        *,
        user: str = "",
        password: str = "",
        security: str = "plain",
        certs: Certificates | None = None,
    ) -> None:
        self.user = user
        self.password = password
        self.security = security
        self.handler = Handler()
        self.port = free_port()
        context = None
        if security != "plain":
            assert certs is not None, "TLS needs certificates"
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(certs.cert), str(certs.key))
        kwargs: dict[str, Any] = {}
        if user:
            kwargs["authenticator"] = self._authenticate
            kwargs["auth_required"] = True
            kwargs["auth_require_tls"] = security != "plain"
        if security == "starttls":
            kwargs["tls_context"] = context
            kwargs["require_starttls"] = True
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=context if security == "tls" else None,
            server_hostname="localhost",
            **kwargs,
        )

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.user
            and auth_data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False)

    @property
    def url(self) -> str:
        scheme = "smtps" if self.security == "tls" else "smtp"
        query = {"starttls": "?starttls", "plain": "?plain"}.get(self.security, "")
        user = f"{quote(self.user, safe='')}@" if self.user else ""
        if self.security == "plain" and not self.user:
            query = ""
        return f"{scheme}://{user}127.0.0.1:{self.port}{query}"

    @property
    def deliveries(self) -> list[Delivery]:
        with self.handler.lock:
            return list(self.handler.deliveries)

    @property
    def messages(self) -> list[EmailMessage]:
        return [d.message for d in self.deliveries]

    def refuse(self, address: str) -> None:
        self.handler.refuse.add(address.lower())

    def clear(self) -> None:
        with self.handler.lock:
            self.handler.deliveries.clear()

    def __enter__(self) -> SmtpRecorder:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

"""Where the service mailboxes live: IMAP and SMTP addresses as one URL each.

    imaps://gdzzxt@gdedu.gov.cn@imap.gdedu.gov.cn        TLS from the first byte (993)
    imap://user@imap.example.cn?starttls                 STARTTLS, required (143)
    smtps://user@smtp.example.cn                         TLS from the first byte (465)
    smtp://user@smtp.example.cn:587?starttls             STARTTLS, required (587)
    imap://user@127.0.0.1:1143?plain                     no TLS: loopback only

Passwords never appear in a URL: they come from the environment
(`ZZXT_IMAP_PASSWORD`, `ZZXT_SMTP_PASSWORD`). A plain connection would send
the password (and the reports) in clear text, so it is allowed only to this
machine; an SMTP relay that takes no login may also be reached in plain.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from tracker.errors import InputError

Protocol = Literal["imap", "smtp"]
Security = Literal["tls", "starttls", "plain"]

DEFAULT_PORTS: dict[tuple[Protocol, Security], int] = {
    ("imap", "tls"): 993,
    ("imap", "starttls"): 143,
    ("imap", "plain"): 143,
    ("smtp", "tls"): 465,
    ("smtp", "starttls"): 587,
    ("smtp", "plain"): 25,
}
_EXAMPLES = {
    "imap": "imaps://用户名@imap.example.cn 或 imap://用户名@imap.example.cn?starttls",
    "smtp": "smtps://用户名@smtp.example.cn 或 smtp://用户名@smtp.example.cn:587?starttls",
}
_PASSWORD_VARS = {"imap": "ZZXT_IMAP_PASSWORD", "smtp": "ZZXT_SMTP_PASSWORD"}


@dataclass(frozen=True)
class MailServer:
    """One IMAP or SMTP server and the login on it; never the password."""

    protocol: Protocol
    host: str
    port: int
    user: str
    security: Security

    @property
    def display(self) -> str:
        """The address as people may see it in output and logs."""
        scheme = self.protocol + ("s" if self.security == "tls" else "")
        query = {"starttls": "?starttls", "plain": "?plain"}.get(self.security, "")
        user = f"{self.user}@" if self.user else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{user}{host}:{self.port}{query}"


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_server_url(text: str, protocol: Protocol) -> MailServer:
    """Read an `imap(s)://` or `smtp(s)://` URL; explain in Chinese what is wrong with it."""
    example = _EXAMPLES[protocol]
    option = f"--{protocol}"
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        raise InputError(f"{option} 的地址无法识别，应写成 {example}。") from None
    scheme = parts.scheme.lower()
    if scheme not in (protocol, protocol + "s"):
        raise InputError(
            f"{option} 的地址应以 {protocol}:// 或 {protocol}s:// 开头，例如 {example}。"
        )
    if parts.password is not None:
        # Never repeat the URL here: it holds the password.
        raise InputError(
            f"{option} 的地址中不能写密码，请去掉“:密码”部分，"
            f"把密码放在环境变量 {_PASSWORD_VARS[protocol]} 中。"
        )
    host = parts.hostname or ""
    if not host:
        raise InputError(f"{option} 的地址缺少服务器名，应写成 {example}。")
    if parts.path not in ("", "/"):
        what = "邮箱文件夹请用 --mailbox 指定" if protocol == "imap" else "SMTP 地址不带路径"
        raise InputError(f"{option} 的地址不应带路径“{parts.path}”：{what}。")
    user = unquote(parts.username or "")
    flags = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    unknown = flags - {"starttls", "plain"}
    if unknown:
        raise InputError(
            f"{option} 的地址中有不认识的参数 {'、'.join(sorted(unknown))}：只能是 ?starttls 或 ?plain。"
        )
    security: Security
    if scheme.endswith("s"):
        if flags:
            raise InputError(f"{scheme}:// 已经全程加密，不能再加 ?starttls 或 ?plain。")
        security = "tls"
    elif flags == {"starttls"}:
        security = "starttls"
    elif flags == {"plain"}:
        security = "plain"
    elif not flags and protocol == "smtp" and not user and is_loopback(host):
        security = "plain"  # a local relay that takes no login
    else:
        raise InputError(
            f"{option} 的地址 {scheme}:// 须说明加密方式：全程加密写 {protocol}s://，"
            f"先明文后加密写 ?starttls（明文连接 ?plain 只允许连本机）。"
        )
    if security == "plain" and not is_loopback(host) and (protocol == "imap" or user):
        raise InputError(
            f"不加密的连接会以明文发送密码和邮件内容，只允许连接本机；{host} 请改用 "
            f"{protocol}s:// 或 ?starttls。"
        )
    if protocol == "imap" and not user:
        raise InputError(f"{option} 的地址缺少用户名，应写成 {example}。")
    return MailServer(
        protocol=protocol,
        host=host,
        port=port or DEFAULT_PORTS[(protocol, security)],
        user=user,
        security=security,
    )


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Verify the server's certificate: the system's CAs, or only those in `ca_file`."""
    if ca_file is not None and not ca_file.is_file():
        raise InputError(f"找不到证书文件 {ca_file}（环境变量 ZZXT_MAIL_CA_FILE）。")
    try:
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (ssl.SSLError, OSError):
        raise InputError(f"证书文件 {ca_file} 无法读取，应为 PEM 格式的 CA 证书。") from None

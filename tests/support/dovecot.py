"""Debian's Dovecot (`dovecot-imapd`) on 127.0.0.1 with a throw-away configuration.

`start_dovecot(root)` writes a configuration under `root` and runs `dovecot -F`:
one IMAP port that offers STARTTLS but also takes a plain login (the tests
reach it with `?plain` and `?starttls`), one IMAPS port, a certificate signed
by a CA made for the run, and any user name with the one password (a static
passdb), each with a maildir under `root`. Messages are delivered with IMAP
APPEND, as a mail server would file them.

Without Dovecot the tests that need it are skipped, unless
ZZXT_REQUIRE_BROWSER=1 (set by .ci/run, which installs `dovecot-imapd`):
then a missing Dovecot fails them.
"""

from __future__ import annotations

import getpass
import grp
import imaplib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NoReturn

import pytest

from tests.support.certs import Certificates, make_certificates

DOVECOT_PATHS = ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot")
PASSWORD = "imap-secret-7Qx2"
# One user whose password is not ASCII: LOGIN cannot carry it, AUTHENTICATE PLAIN can.
UNICODE_USER = "unicode"
UNICODE_PASSWORD = "密码-Ωm9"


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("ZZXT_REQUIRE_BROWSER"):
        pytest.fail(f"{reason}（ZZXT_REQUIRE_BROWSER 已设置，.ci/run 会安装 dovecot-imapd）")
    pytest.skip(reason)


def dovecot_binary() -> str:
    found = shutil.which("dovecot") or next((p for p in DOVECOT_PATHS if Path(p).is_file()), None)
    if found is None:
        unavailable("没有 Dovecot（apt-get install dovecot-imapd）")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Dovecot:
    root: Path
    imap_port: int
    imaps_port: int
    certs: Certificates
    process: subprocess.Popen[bytes]
    password: str = PASSWORD
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.root / "dovecot.log"

    def url(self, user: str, security: str = "plain") -> str:
        if security == "tls":
            return f"imaps://{user}@127.0.0.1:{self.imaps_port}"
        return f"imap://{user}@127.0.0.1:{self.imap_port}?{security}"

    def login(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=10)
        client.login(user, self.password)
        return client

    def deliver(
        self, user: str, data: bytes, mailbox: str = "INBOX", when: datetime | None = None
    ) -> None:
        """File a message in a user's mailbox, unread, as a delivery agent would."""
        client = self.login(user)
        try:
            stamp = imaplib.Time2Internaldate(when) if when is not None else None
            typ, detail = client.append(mailbox, "", stamp, data)
            assert typ == "OK", detail
        finally:
            client.logout()

    def messages(self, user: str, mailbox: str = "INBOX") -> dict[str, set[str]]:
        """Return each message's Message-ID (or UID) with its flags."""
        client = self.login(user)
        try:
            typ, _ = client.select(f'"{mailbox}"' if mailbox.isascii() else mailbox)
            if typ != "OK":
                return {}
            typ, data = client.uid(
                "FETCH", "1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"
            )
            found: dict[str, set[str]] = {}
            for item in data:
                if not isinstance(item, tuple):
                    continue
                head, header = item
                flags = re.search(rb"FLAGS \(([^)]*)\)", head)
                uid = re.search(rb"UID (\d+)", head)
                mid = re.search(rb"<([^>]+)>", header)
                name = (
                    mid.group(1).decode() if mid else f"uid:{uid.group(1).decode() if uid else '?'}"
                )
                found[name] = set(flags.group(1).decode().split()) if flags else set()
            return found
        finally:
            client.logout()

    def set_flags(self, user: str, command: str, flags: str, mailbox: str = "INBOX") -> None:
        client = self.login(user)
        try:
            client.select(mailbox)
            client.uid("STORE", "1:*", command, flags)
        finally:
            client.logout()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stderr is not None:
            self.process.stderr.close()
        shutil.rmtree(self.root, ignore_errors=True)


def _accounts() -> tuple[str, int, int, str]:
    """Return (config lines for the service users, mail uid, mail gid, who owns the maildirs)."""
    if os.geteuid() == 0:
        # Debian's package creates `dovecot` and `dovenull`; mail may not be owned by root.
        nobody = pwd.getpwnam("nobody")
        return "", nobody.pw_uid, nobody.pw_gid, "nobody"
    me = getpass.getuser()
    group = grp.getgrgid(os.getgid()).gr_name
    lines = (
        f"default_internal_user = {me}\ndefault_internal_group = {group}\n"
        f"default_login_user = {me}\n"
    )
    return lines, os.getuid(), os.getgid(), me


def start_dovecot() -> Dovecot:
    """Start Dovecot on two free ports; the caller stops it."""
    binary = dovecot_binary()
    # Not under pytest's private tmp: the unprivileged mail user must reach its maildir.
    root = Path(tempfile.mkdtemp(prefix="zzxt-dovecot-"))
    root.chmod(0o755)
    certs = make_certificates(root / "tls")
    service_users, uid, gid, _ = _accounts()
    home = root / "home"
    home.mkdir()
    os.chown(home, uid, gid)
    imap_port, imaps_port = free_port(), free_port()
    config = f"""\
{service_users}base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{certs.cert}
ssl_key = <{certs.key}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{home}/%u/Maildir
first_valid_uid = {min(uid, 500)}
first_valid_gid = {min(gid, 500)}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  chroot =
}}
"""
    (root / "users").write_text(f"{UNICODE_USER}:{{PLAIN}}{UNICODE_PASSWORD}\n", encoding="utf-8")
    conf = root / "dovecot.conf"
    conf.write_text(config, encoding="utf-8")
    process = subprocess.Popen(
        [binary, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    server = Dovecot(root, imap_port, imaps_port, certs, process)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
            log = server.log.read_text("utf-8", "replace") if server.log.exists() else ""
            server.stop()
            pytest.fail(f"Dovecot 未能启动：\n{error}\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", imaps_port), timeout=0.5):
                pass
            with socket.create_connection(("127.0.0.1", imap_port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.05)
    server.stop()
    pytest.fail("Dovecot 15 秒内没有开始监听。")

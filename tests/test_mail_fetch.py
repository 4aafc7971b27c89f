"""`zzxt mail fetch`: Dovecot, an SMTP recorder and the sandbox forge, over real sockets.

Dovecot (`dovecot-imapd`) is started by these tests on 127.0.0.1; without it
they skip, or fail under ZZXT_REQUIRE_BROWSER=1 (.ci/run installs it).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st

from tests.support import mailbox as mb
from tests.support.dovecot import UNICODE_PASSWORD, UNICODE_USER, Dovecot, start_dovecot
from tests.support.paths import ROOT, Invoke
from tests.support.sandbox import forge_args, state
from tests.support.smtp_recorder import SmtpRecorder
from tracker.bots import mail_fetch
from tracker.bots.mail_fetch import Incoming, MessagePlan, Snapshot, incoming
from tracker.bots.mail_marks import BotIssues, MailMark, parse_mark
from tracker.bots.rules import Rules
from tracker.errors import InputError
from tracker.forge.model import Issue, User
from tracker.mail.imap import KEYWORD_DONE, KEYWORD_REJECTED, encode_mailbox_name
from tracker.mail.servers import parse_server_url
from tracker.mail.thread import (
    is_automatic,
    issue_numbers,
    normalize_message_id,
    our_message_id,
    thread_keys,
)
from tracker.pii import scan
from tracker.policy import load_policy
from tracker.sandbox import Sandbox, parse_seed

POLICY = load_policy()
FORGES = ["gitea", "github"]
MAIL_ENV = (
    "ZZXT_IMAP_URL",
    "ZZXT_IMAP_PASSWORD",
    "ZZXT_SMTP_URL",
    "ZZXT_SMTP_PASSWORD",
    "ZZXT_MAIL_FROM",
    "ZZXT_MAIL_CA_FILE",
)
CORPUS_ACCEPTED = ["01", "03", "05", "06", "08", "09", "10", "12", "14", "16", "19", "20", "42"]
CORPUS_REJECTED = ["33", "36"]
FIRST_ID = "<qq_plain_html.qq@mail.example.cn>"  # 01's Message-ID


@pytest.fixture(autouse=True)
def no_mail_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in MAIL_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    server = start_dovecot()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=parse_seed(mb.seed_yaml(POLICY), "mail"), record_bodies=True) as sb:
        yield sb


@pytest.fixture
def smtp() -> Iterator[SmtpRecorder]:
    with SmtpRecorder() as recorder:
        yield recorder


def user() -> str:
    """A mailbox of its own for each test (any user name logs in to the test Dovecot)."""
    return f"box{uuid.uuid4().hex[:10]}"


def fetch(
    invoke: Invoke,
    dovecot: Dovecot,
    box: str,
    sb: Sandbox,
    forge: str,
    *args: str,
    smtp: SmtpRecorder | None = None,
    security: str = "plain",
    env: dict[str, str] | None = None,
) -> Result:
    extra = ["--smtp", smtp.url] if smtp is not None else []
    return invoke(
        "mail",
        "fetch",
        "--imap",
        dovecot.url(box, security),
        *extra,
        *forge_args(sb.url, forge),
        *args,
        env={
            "ZZXT_TOKEN": mb.BOT_TOKEN,
            "ZZXT_IMAP_PASSWORD": dovecot.password,
            "ZZXT_MAIL_FROM": mb.SERVICE,
            "ZZXT_RETRY_BACKOFF": "0.01",
            **(env or {}),
        },
    )


def issues(sb: Sandbox) -> list[dict[str, Any]]:
    return list(state(sb.url)["repos"]["gdzz/support"]["issues"])


def bot_issues(sb: Sandbox) -> list[dict[str, Any]]:
    return [i for i in issues(sb) if i["user"] == "zzxt-bot"]


def comments(sb: Sandbox) -> list[tuple[int, str]]:
    return [
        (i["number"], c["body"])
        for i in issues(sb)
        for c in i["comments"]
        if c["user"] == "zzxt-bot"
    ]


def twenty_messages() -> list[bytes]:
    """The run of the acceptance test: 13 reports, 2 rejects, 2 forms, 1 auto-reply, 2 replies."""
    return [
        *(mb.corpus(n) for n in CORPUS_ACCEPTED),
        *(mb.corpus(n) for n in CORPUS_REJECTED),
        mb.form2_message(POLICY),
        mb.form3_message(POLICY),
        mb.auto_reply(),
        mb.reply_to_corpus(FIRST_ID),
        mb.reply_by_number(1),
    ]


# Addresses, names and message identity (pure).


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "imaps://gdzzxt@gdedu.gov.cn@imap.gdedu.gov.cn",
            ("imap.gdedu.gov.cn", 993, "gdzzxt@gdedu.gov.cn", "tls"),
        ),
        ("imap://u@mail.example.cn?starttls", ("mail.example.cn", 143, "u", "starttls")),
        ("imap://u%40x.cn@127.0.0.1:1143?plain", ("127.0.0.1", 1143, "u@x.cn", "plain")),
        ("smtps://u@smtp.example.cn", ("smtp.example.cn", 465, "u", "tls")),
        ("smtp://u@smtp.example.cn?starttls", ("smtp.example.cn", 587, "u", "starttls")),
        ("smtp://localhost", ("localhost", 25, "", "plain")),
    ],
    ids=[
        "imaps-address-login",
        "imap-starttls",
        "imap-plain-loopback",
        "smtps",
        "smtp-starttls",
        "local-relay",
    ],
)
def test_server_urls(url: str, expected: tuple[str, int, str, str]) -> None:
    protocol = "smtp" if url.startswith("smtp") else "imap"
    server = parse_server_url(url, protocol)  # type: ignore[arg-type]
    assert (server.host, server.port, server.user, server.security) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("imaps://u:hunter2@imap.example.cn", "不能写密码"),
        ("imap://u@imap.example.cn", "须说明加密方式"),
        ("imap://u@imap.example.cn?plain", "只允许连接本机"),
        ("smtp://u@smtp.example.cn?plain", "只允许连接本机"),
        ("imaps://imap.example.cn", "缺少用户名"),
        ("imaps://u@imap.example.cn/INBOX", "--mailbox"),
        ("pop3://u@pop.example.cn", "imap://"),
        ("imaps://u@imap.example.cn?starttls", "已经全程加密"),
        ("imap://u@imap.example.cn?tls=1", "不认识的参数"),
    ],
    ids=[
        "password",
        "no-security",
        "plain-remote",
        "smtp-plain-login-remote",
        "no-user",
        "path",
        "scheme",
        "tls-and-starttls",
        "unknown",
    ],
)
def test_server_urls_refused(url: str, message: str) -> None:
    protocol = "smtp" if url.startswith("smtp") else "imap"
    with pytest.raises(InputError) as caught:
        parse_server_url(url, protocol)  # type: ignore[arg-type]
    assert message in caught.value.message
    assert "hunter2" not in caught.value.message


def test_mailbox_names_in_modified_utf7() -> None:
    # RFC 3501 section 5.1.3's own example, and the folders zzxt creates.
    assert encode_mailbox_name("~peter/mail/台北/日本語") == '"~peter/mail/&U,BTFw-/&ZeVnLIqe-"'
    assert encode_mailbox_name("A&B") == '"A&-B"'
    assert encode_mailbox_name('say "hi"') == '"say \\"hi\\""'


@pytest.mark.parametrize(
    ("subject", "numbers"),
    [
        ("回复：[#12] 补充材料", [12]),
        ("回复：广州市-义务教育-应用类问题【已受理 #7】", [7]),
        ("问题编号：35 的补充", [35]),
        ("问题#8、#9", [8, 9]),
        ("广州市-义务教育-应用类问题 2 个", []),
        ("C# 程序报错 &#12;", []),
        ("2026年第#0号", []),
    ],
    ids=[
        "bracket",
        "our-tag",
        "number-label",
        "two",
        "category-then-number",
        "not-numbers",
        "zero",
    ],
)
def test_issue_numbers_in_subjects(subject: str, numbers: list[int]) -> None:
    assert issue_numbers(subject) == numbers


def test_message_ids_and_threads() -> None:
    import email
    import email.policy

    assert normalize_message_id(" <Abc.123@Mail.Example.CN> ") == "Abc.123@mail.example.cn"
    assert normalize_message_id("bare-id@X.CN") == "bare-id@x.cn"
    assert normalize_message_id("<has space@x.cn>") is None
    assert normalize_message_id("") is None
    ours = our_message_id("0123456789abcdef", "ack-12", "GDEDU.gov.cn")
    assert ours == "<zzxt.0123456789abcdef.ack-12@gdedu.gov.cn>"
    raw = (
        f"In-Reply-To: {ours}\r\nReferences: <a@x.cn> {ours}\r\nSubject: re\r\n\r\nbody\r\n"
    ).encode()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    keys = thread_keys(message)
    assert keys[0] == "0123456789abcdef" and len(keys) == 2  # ours names the fingerprint itself


@pytest.mark.parametrize(
    ("headers", "automatic"),
    [
        ("Auto-Submitted: auto-replied\r\n", True),
        ("Auto-Submitted: no\r\n", False),
        ("Precedence: bulk\r\n", True),
        ("Return-Path: <>\r\n", True),
        ("X-Autoreply: yes\r\n", True),
        ("", False),
    ],
    ids=["auto-submitted", "auto-submitted-no", "bulk", "bounce", "x-autoreply", "person"],
)
def test_machine_sent_mail_is_recognised(headers: str, automatic: bool) -> None:
    import email
    import email.policy

    raw = f"From: a@x.cn\r\n{headers}Subject: s\r\n\r\nbody\r\n".encode()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert is_automatic(message) is automatic


@given(
    subject=st.text(max_size=60),
    address=st.from_regex(r"[a-z0-9.]{1,12}@[a-z]{1,8}\.cn", fullmatch=True),
)
def test_mail_marker_round_trips_and_hides_its_content(subject: str, address: str) -> None:
    mark = MailMark("0123456789abcdef", "<x@y.cn>", address, subject, "2026-11-30T09:00:00+08:00")
    marker = mark.marker()
    assert parse_mark(f"text\n{marker}\n") == mark
    inner = marker.removeprefix("<!-- ").removesuffix(" -->")
    assert "-->" not in inner and "@" not in inner and not scan(inner)


# Against Dovecot and the sandbox.


@pytest.mark.parametrize("forge", FORGES)
def test_a_run_over_twenty_messages(
    invoke: Invoke, dovecot: Dovecot, sandbox: Sandbox, smtp: SmtpRecorder, forge: str
) -> None:
    box = user()
    for data in twenty_messages():
        dovecot.deliver(box, data)

    plan = fetch(invoke, dovecot, box, sandbox, forge, "--json", smtp=smtp)
    assert plan.exit_code == 0, plan.stderr
    planned = json.loads(plan.stdout)
    assert len(planned["messages"]) == 20 and planned["writes"] == 0
    assert bot_issues(sandbox) == [] and smtp.messages == []
    assert all(not flags for flags in dovecot.messages(box).values())  # a dry run marks nothing

    result = fetch(
        invoke, dovecot, box, sandbox, forge, "--apply", "--json", "--verbose", smtp=smtp
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    actions = [m["action"] for m in report["messages"]]
    assert actions.count("issue") == 15 and actions.count("comment") == 2
    assert actions.count("reject") == 2 and actions.count("ignore") == 1

    opened = bot_issues(sandbox)
    rows = [i for i in opened if (parse_mark(i["body"]) or MailMark("", "", "", "", "")).row]
    assert len(opened) == 20 and len(rows) == 5  # 15 mails, 3 + 2 form rows
    by_mark = {parse_mark(i["body"]).message_id: i for i in opened if i not in rows}  # type: ignore[union-attr]
    # Each message's issue: its category and the labels its answers call for.
    for name in CORPUS_ACCEPTED:
        want = mb.expected(name)
        issue = by_mark[want["message_id"]]
        category = POLICY.category(want["category"]).name
        assert f"类别/{category}" in issue["labels"] and "状态/待受理" in issue["labels"]
        assert issue["title"].startswith(
            POLICY.subject(want["city"], want["stage"], want["category"])
        )
        assert f"地市/{want['city']}" in issue["labels"]
    # The rows of 附件2 and 附件3, each linked to its message's issue.
    form2 = by_mark["<form2-nov@gz.example.cn>"]
    form3 = by_mark["<form3-nov@gz.example.cn>"]
    assert sorted(
        r["title"].split("：", 1)[1] for r in rows if f"邮件见 #{form2['number']}" in r["body"]
    ) == sorted(s for _, s, _ in mb.FORM2_ROWS)
    assert sum(f"邮件见 #{form3['number']}" in r["body"] for r in rows) == 2
    assert all("类别/用户申请" in r["labels"] for r in rows if f"#{form3['number']}" in r["body"])
    assert "每行登记为一个问题" in form2["body"]
    # The unreadable form of message 12 is explained in its issue, not imported.
    assert "缺少“地市”列" in by_mark[mb.expected("12")["message_id"]]["body"]

    # Replies: one on 01's issue (its Message-ID), one on #1 (the number in its subject).
    posted = comments(sandbox)
    first = by_mark[FIRST_ID]["number"]
    assert sorted(n for n, _ in posted) == sorted([first, 1])
    assert all("<!-- zzxt:mail-reply " in body for _, body in posted)

    # Rejected mail is answered with the reason, threaded under it; marked in the mailbox.
    answers = smtp.messages
    assert len(answers) == 2
    for name, answer in zip(CORPUS_REJECTED, answers, strict=True):
        want = mb.expected(name)
        assert answer["In-Reply-To"] == want["message_id"]
        assert answer["Auto-Submitted"] == "auto-replied"
        assert want["reason"].split("。")[0] in answer.get_content()
    flags = dovecot.messages(box)
    assert all(KEYWORD_DONE in f for f in flags.values())
    assert all("\\Seen" not in f for f in flags.values())  # staff still see them as unread
    for name in CORPUS_REJECTED:
        assert {KEYWORD_REJECTED, "\\Answered"} <= flags[
            mb.expected(name)["message_id"].strip("<>")
        ]
    assert "$zzxt-auto" in flags["away-1@sz.example.cn"]

    # No full ID number anywhere on the tracker, in the mails or the output.
    everything = json.dumps(state(sandbox.url), ensure_ascii=False)
    assert mb.STUDENT_ID not in everything and "110105" not in everything
    for text in (everything, *(m.as_string() for m in answers), result.stdout, result.stderr):
        assert not [f for f in scan(text) if f.kind == "id_card"]
        assert dovecot.password not in text


@pytest.mark.parametrize("forge", FORGES)
def test_a_rerun_creates_nothing_even_with_every_mark_lost(
    invoke: Invoke, dovecot: Dovecot, sandbox: Sandbox, smtp: SmtpRecorder, forge: str
) -> None:
    box = user()
    for data in twenty_messages():
        dovecot.deliver(box, data)
    first = fetch(invoke, dovecot, box, sandbox, forge, "--apply", smtp=smtp)
    assert first.exit_code == 0, first.stderr
    before = issues(sandbox)
    mails = len(smtp.messages)

    again = fetch(invoke, dovecot, box, sandbox, forge, "--apply", "--json", smtp=smtp)
    assert json.loads(again.stdout)["messages"] == []

    # As if every flag had been lost (a crash after each write, or someone clearing them).
    dovecot.set_flags(box, "-FLAGS", f"({KEYWORD_DONE})")
    rerun = fetch(invoke, dovecot, box, sandbox, forge, "--apply", "--json", smtp=smtp)
    assert rerun.exit_code == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert len(report["messages"]) == 20 and report["writes"] == 0
    assert issues(sandbox) == before
    assert len(smtp.messages) == mails  # the rejected ones were answered already
    assert all(KEYWORD_DONE in f for f in dovecot.messages(box).values())


@pytest.mark.parametrize("forge", FORGES)
def test_the_same_message_in_both_mailboxes_gives_one_issue(
    invoke: Invoke, dovecot: Dovecot, sandbox: Sandbox, forge: str
) -> None:
    qq, gov = user(), user()
    copies = [mb.corpus("01"), mb.form2_message(POLICY), mb.reply_to_corpus(FIRST_ID)]
    for data in copies:
        dovecot.deliver(qq, data)
        dovecot.deliver(gov, data)
    first = fetch(invoke, dovecot, qq, sandbox, forge, "--apply", "--json")
    assert first.exit_code == 0, first.stderr
    before, posted = issues(sandbox), comments(sandbox)
    assert len(bot_issues(sandbox)) == 5 and len(posted) == 1

    other = fetch(invoke, dovecot, gov, sandbox, forge, "--apply", "--json")
    assert other.exit_code == 0, other.stderr
    report = json.loads(other.stdout)
    assert report["writes"] == 0
    assert issues(sandbox) == before and comments(sandbox) == posted
    assert all(KEYWORD_DONE in f for f in dovecot.messages(gov).values())
    # Each copy is recognised as the message already on the tracker, with its number.
    numbers = {m["fingerprint"]: m["number"] for m in json.loads(first.stdout)["messages"]}
    assert {m["fingerprint"]: m["number"] for m in report["messages"]} == numbers


@pytest.mark.parametrize("kill_at", [1, 2], ids=["after-the-mail-issue", "after-the-first-row"])
@pytest.mark.parametrize("forge", FORGES)
def test_a_process_killed_between_creating_and_marking(
    invoke: Invoke, dovecot: Dovecot, forge: str, kill_at: int
) -> None:
    box = user()
    for data in (mb.form2_message(POLICY), mb.corpus("01"), mb.corpus("03")):
        dovecot.deliver(box, data)
    running: dict[str, Any] = {"process": None, "creates": 0}

    def kill_after_create(entry: dict[str, Any]) -> None:
        # Called by the sandbox after the issue exists, before the client has its answer.
        if entry["method"] == "POST" and str(entry["path"]).endswith("/issues"):
            running["creates"] += 1
            if running["creates"] == kill_at and running["process"] is not None:
                os.kill(running["process"].pid, signal.SIGKILL)

    seed = parse_seed(mb.seed_yaml(POLICY), "mail")
    with Sandbox(seed=seed, on_request=kill_after_create) as sb:
        command = [
            sys.executable, "-m", "tracker", "mail", "fetch", "--imap", dovecot.url(box),
            *forge_args(sb.url, forge), "--apply",
        ]  # fmt: skip
        env = {
            **os.environ,
            "ZZXT_TOKEN": mb.BOT_TOKEN,
            "ZZXT_IMAP_PASSWORD": dovecot.password,
        }
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        running["process"] = process
        out, err = process.communicate(timeout=120)
        assert process.returncode == -signal.SIGKILL, err.decode()
        assert len(bot_issues(sb)) == kill_at  # created, never answered
        assert not any(KEYWORD_DONE in f for f in dovecot.messages(box).values())
        assert dovecot.password.encode() not in out + err

        running["process"] = None
        rerun = fetch(invoke, dovecot, box, sb, forge, "--apply", "--json")
        assert rerun.exit_code == 0, rerun.stderr
        opened = bot_issues(sb)
        # One issue per message and per row: 附件2's mail and its 3 rows, 01 and 03.
        assert len(opened) == 6
        assert (
            len(
                {parse_mark(i["body"]).fingerprint for i in opened if not parse_mark(i["body"]).row}
            )
            == 3
        )  # type: ignore[union-attr]
        titles = [i["title"] for i in opened]
        assert len(titles) == len(set(titles))
        assert all(KEYWORD_DONE in f for f in dovecot.messages(box).values())


def test_tls_starttls_and_a_certificate_not_trusted(
    invoke: Invoke, dovecot: Dovecot, sandbox: Sandbox
) -> None:
    box = user()
    dovecot.deliver(box, mb.corpus("01"))
    ca = {"ZZXT_MAIL_CA_FILE": str(dovecot.certs.ca)}
    untrusted = fetch(invoke, dovecot, box, sandbox, "gitea", security="tls")
    assert untrusted.exit_code == 10
    assert "证书无法验证" in untrusted.stderr and "ZZXT_MAIL_CA_FILE" in untrusted.stderr
    assert "Traceback" not in untrusted.stderr

    starttls = fetch(invoke, dovecot, box, sandbox, "gitea", "--json", security="starttls", env=ca)
    assert starttls.exit_code == 0, starttls.stderr
    assert len(json.loads(starttls.stdout)["messages"]) == 1
    tls = fetch(invoke, dovecot, box, sandbox, "gitea", "--apply", security="tls", env=ca)
    assert tls.exit_code == 0, tls.stderr
    assert len(bot_issues(sandbox)) == 1
    log = dovecot.log.read_text("utf-8", "replace")
    assert re.search(rf"Login: user=<{box}>.*TLS", log)


def test_a_wrong_password_is_refused_without_echoing_it(
    invoke: Invoke, dovecot: Dovecot, sandbox: Sandbox
) -> None:
    wrong = "Wr0ng-pass-9z"
    result = fetch(invoke, dovecot, user(), sandbox, "gitea", env={"ZZXT_IMAP_PASSWORD": wrong})
    assert result.exit_code == 10
    assert "登录" in result.stderr and wrong not in result.stdout + result.stderr
    missing = invoke(
        "mail", "fetch", "--imap", dovecot.url("x"), *forge_args(sandbox.url, "gitea"),
        env={"ZZXT_TOKEN": mb.BOT_TOKEN},
    )  # fmt: skip
    assert missing.exit_code == 2 and "ZZXT_IMAP_PASSWORD" in missing.stderr


def test_a_password_that_is_not_ascii(invoke: Invoke, dovecot: Dovecot, sandbox: Sandbox) -> None:
    dovecot.deliver(UNICODE_USER, mb.corpus("03"))
    result = fetch(
        invoke,
        dovecot,
        UNICODE_USER,
        sandbox,
        "gitea",
        "--json",
        env={"ZZXT_IMAP_PASSWORD": UNICODE_PASSWORD},
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["messages"][0]["action"] == "issue"
    assert UNICODE_PASSWORD not in result.stdout + result.stderr


def test_folders_when_marks_cannot_be_kept(
    invoke: Invoke, dovecot: Dovecot, sandbox: Sandbox, smtp: SmtpRecorder
) -> None:
    box = user()
    for name in ("01", "33"):
        dovecot.deliver(box, mb.corpus(name))
    dovecot.deliver(box, mb.auto_reply())
    without_smtp = fetch(invoke, dovecot, box, sandbox, "gitea", "--apply", "--mark", "folder")
    assert without_smtp.exit_code == 0, without_smtp.stderr
    # Handled mail moved out; the rejected one stays until its reason is mailed.
    assert list(dovecot.messages(box)) == [mb.expected("33")["message_id"].strip("<>")]
    done = _folder(dovecot, box, "zzxt-已处理")
    assert set(done) == {"qq_plain_html.qq@mail.example.cn", "away-1@sz.example.cn"}

    answered = fetch(
        invoke, dovecot, box, sandbox, "gitea", "--apply", "--mark", "folder", smtp=smtp
    )
    assert answered.exit_code == 0, answered.stderr
    assert dovecot.messages(box) == {}
    rejected = _folder(dovecot, box, "zzxt-不予受理")
    assert list(rejected) == [mb.expected("33")["message_id"].strip("<>")]
    assert "\\Answered" in next(iter(rejected.values()))
    assert len(smtp.messages) == 1 and len(bot_issues(sandbox)) == 1


def _folder(dovecot: Dovecot, box: str, name: str) -> dict[str, set[str]]:
    """Read a folder through its UTF-8 name, as Dovecot lists it (IMAP's modified UTF-7)."""
    client = dovecot.login(box)
    try:
        typ, listed = client.list()
        assert typ == "OK"
        names = [item.rsplit(b" ", 1)[-1].strip(b'"') for item in listed if isinstance(item, bytes)]
        encoded = encode_mailbox_name(name).strip('"').encode()
        assert encoded in names, names  # Dovecot accepted our encoding as this very name
    finally:
        client.logout()
    return dovecot.messages(box, encoded.decode())


def test_no_unhandled_mail_and_a_mailbox_that_does_not_exist(
    invoke: Invoke, dovecot: Dovecot, sandbox: Sandbox
) -> None:
    box = user()
    empty = fetch(invoke, dovecot, box, sandbox, "gitea", "--apply")
    assert empty.exit_code == 0, empty.stderr
    assert "未处理的邮件：0 封" in empty.stdout
    missing = fetch(invoke, dovecot, box, sandbox, "gitea", "--mailbox", "没有这个文件夹")
    assert missing.exit_code == 10 and "没有这个文件夹" in missing.stderr


def test_write_budget_leaves_the_rest_unmarked(
    invoke: Invoke, dovecot: Dovecot, sandbox: Sandbox
) -> None:
    box = user()
    for data in (mb.form2_message(POLICY), mb.corpus("01")):
        dovecot.deliver(box, data)
    partial = fetch(invoke, dovecot, box, sandbox, "gitea", "--apply", "--max-writes", "2")
    assert partial.exit_code == 0, partial.stderr
    assert "留待下次运行" in partial.stdout
    assert len(bot_issues(sandbox)) == 2
    assert not any(KEYWORD_DONE in f for f in dovecot.messages(box).values())
    rest = fetch(invoke, dovecot, box, sandbox, "gitea", "--apply")
    assert rest.exit_code == 0, rest.stderr
    assert len(bot_issues(sandbox)) == 5
    assert all(KEYWORD_DONE in f for f in dovecot.messages(box).values())


# The plan, table-driven (no servers).

RULES = Rules.build(POLICY)
ARRIVED = datetime(2026, 11, 30, 9, 0, tzinfo=mb.BEIJING)


def _incoming(data: bytes, uid: str = "1", flags: frozenset[str] = frozenset()) -> Incoming:
    return incoming(uid, data, POLICY, received=ARRIVED, flags=flags)


def _plan(
    messages: list[Incoming],
    *,
    threads: dict[str, int] | None = None,
    existing: frozenset[int] = frozenset(),
    replied: dict[int, frozenset[str]] | None = None,
    sender: str | None = mb.SERVICE,
) -> list[MessagePlan]:
    marks = [
        (_issue(number), MailMark(fingerprint, "", "", "", ""))
        for fingerprint, number in (threads or {}).items()
    ]
    opened = {fingerprint: number for fingerprint, number in (threads or {}).items()}
    snapshot = Snapshot(messages, BotIssues(opened, marks), existing, replied or {}, "keyword")
    return mail_fetch.plan(snapshot, RULES, sender).messages


def _issue(number: int) -> Issue:
    return Issue(number, "t", "", User("zzxt-bot"), (), (), "open", ARRIVED, ARRIVED)


def test_plan_new_reports_rejections_and_machine_mail() -> None:
    new, rejected, auto = (
        _incoming(mb.corpus("01"), "1"),
        _incoming(mb.corpus("33"), "2"),
        _incoming(mb.auto_reply(), "3"),
    )
    plans = _plan([new, rejected, auto])
    assert [p.action for p in plans] == ["issue", "reject", "ignore"]
    assert plans[0].issue is not None and plans[0].outcome == "done"
    assert plans[0].issue.labels[:2] == ("类别/应用类问题", "状态/待受理")
    assert plans[1].answer is not None and plans[1].answer.to == "zhangxy@gz-edu.example.cn"
    assert plans[1].answer.in_reply_to == mb.expected("33")["message_id"]
    assert plans[2].outcome == "auto" and plans[2].issue is None
    # Without a sender address nothing is answered; once answered (by anyone), never again.
    assert _plan([rejected], sender=None)[0].answer is None
    answered = _incoming(mb.corpus("33"), flags=frozenset({"\\Answered", KEYWORD_REJECTED}))
    again = _plan([answered])[0]
    assert again.answer is None and again.outcome == "answered"


def test_plan_finds_what_is_already_on_the_tracker() -> None:
    first = _incoming(mb.corpus("01"))
    known = _plan([first], threads={first.fingerprint: 7})[0]
    assert (known.action, known.number, known.issue) == ("issue", 7, None)
    twice = _plan([first, _incoming(mb.corpus("01"), "2")])
    assert twice[0].issue is not None and twice[1].issue is None  # one issue per message


def test_plan_threads_replies() -> None:
    original = _incoming(mb.corpus("01"), "1")
    reply = _incoming(mb.reply_to_corpus(FIRST_ID), "2")
    on_tracker = _plan([reply], threads={original.fingerprint: 7})[0]
    assert (on_tracker.action, on_tracker.number) == ("comment", 7)
    assert on_tracker.comment is not None and mb.STUDENT_ID not in on_tracker.comment
    posted = _plan(
        [reply],
        threads={original.fingerprint: 7},
        replied={7: frozenset({reply.fingerprint})},
    )[0]
    assert posted.action == "comment" and posted.comment is None
    same_run = _plan([original, reply])
    assert same_run[1].action == "comment" and same_run[1].thread == original.fingerprint
    by_number = _incoming(mb.reply_by_number(1))
    assert _plan([by_number], existing=frozenset({1}))[0].number == 1
    # A number that is not on the tracker makes no thread: the subject is read as a report.
    assert _plan([by_number])[0].action == "reject"


def test_a_huge_mail_still_fits_in_an_issue() -> None:
    # A body the forge refused would stop every later run at this message.
    body = (
        "单位：广州市教育局\n姓名：陈老师\n联系方式：13800138000\n问题简要描述："
        + "很长的描述" * 30_000
    )
    data = mb.message(
        "广州市-义务教育-应用类问题：导入报错", body, message_id="<huge@gz.example.cn>"
    )
    planned = _plan([_incoming(data)])[0]
    assert planned.issue is not None and len(planned.issue.body) < 65_536
    untitled = mb.message("广州市-义务教育-应用类问题", body, message_id="<huge2@gz.example.cn>")
    issue = _plan([_incoming(untitled)])[0].issue
    assert issue is not None and len(issue.title) < 256 and issue.title.endswith("…")

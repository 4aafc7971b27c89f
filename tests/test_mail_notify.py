"""`zzxt mail notify`: acknowledgements, staff replies and closings mailed once each.

Real servers: Dovecot for the mailbox `zzxt mail fetch` reads (started by the
tests; skipped without it unless ZZXT_REQUIRE_BROWSER=1), aiosmtpd recording
what is sent, with STARTTLS and a login, and the sandbox forge.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from click.testing import Result

from tests.support import mailbox as mb
from tests.support.dovecot import Dovecot, start_dovecot
from tests.support.paths import ROOT, Invoke
from tests.support.sandbox import forge_args, state
from tests.support.smtp_recorder import SmtpRecorder
from tracker.bots import mail_notify, triage
from tracker.bots.identity import BotIdentity
from tracker.bots.mail_marks import LOG, MailMark
from tracker.bots.rules import Rules
from tracker.bots.sla import Responders
from tracker.forge.model import Comment, Issue, User
from tracker.kb.entries import load_entries
from tracker.kb.search import FaqIndex
from tracker.pii import scan
from tracker.policy import load_policy
from tracker.sandbox import Sandbox, parse_seed

POLICY = load_policy()
RULES = Rules.build(POLICY)
FORGES = ["gitea", "github"]
RECEIVED = datetime(2026, 9, 30, 16, 0, tzinfo=mb.BEIJING)  # a Wednesday before National Day
NOW = "2026-10-09T10:00:00+08:00"
SMTP_USER = mb.SERVICE
SMTP_PASSWORD = "smtp-secret-4Kp8"
# Working days after 2026-09-30 (国庆 10月1日至7日放假, 10月10日周六上班):
DUE = {
    "application": "2026年10月9日（星期五）24 时前",  # 2 days: 10-8, 10-9
    "technical": "2026年10月10日（星期六）24 时前",  # 3: the make-up Saturday
    "requirement": "2026年10月13日（星期二）24 时前",  # 5: 10-10, 10-12, 10-13
    "account": "2026年10月13日（星期二）24 时前",
}


@pytest.fixture(autouse=True)
def no_mail_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ZZXT_IMAP_URL", "ZZXT_IMAP_PASSWORD", "ZZXT_SMTP_URL", "ZZXT_SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for name in ("ZZXT_MAIL_FROM", "ZZXT_MAIL_CA_FILE"):
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
    with Sandbox(seed=parse_seed(mb.seed_yaml(POLICY), "mail")) as sb:
        sb.world.clock = lambda: RECEIVED  # the issues are opened on the day the mail came
        yield sb


@pytest.fixture
def smtp(dovecot: Dovecot) -> Iterator[SmtpRecorder]:
    with SmtpRecorder(
        user=SMTP_USER, password=SMTP_PASSWORD, security="starttls", certs=dovecot.certs
    ) as recorder:
        yield recorder


def reports() -> dict[str, bytes]:
    """Five senders, five reports; a rejected one and a reply that get no acknowledgement."""
    return {
        "01": mb.corpus("01"),
        "06": mb.corpus("06"),
        "16": mb.corpus("16"),
        "form2": mb.form2_message(POLICY),
        "form3": mb.form3_message(POLICY),
        "33": mb.corpus("33"),
        "reply": mb.reply_to_corpus("<qq_plain_html.qq@mail.example.cn>"),
    }


def fetched(invoke: Invoke, dovecot: Dovecot, sb: Sandbox, forge: str) -> dict[str, int]:
    """Deliver the reports and run fetch; return each message's issue number by Message-ID."""
    box = f"box{uuid.uuid4().hex[:10]}"
    for data in reports().values():
        dovecot.deliver(box, data, when=RECEIVED)
    result = invoke(
        "mail", "fetch", "--imap", dovecot.url(box), *forge_args(sb.url, forge), "--apply",
        env={"ZZXT_TOKEN": mb.BOT_TOKEN, "ZZXT_IMAP_PASSWORD": dovecot.password},
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    numbers: dict[str, int] = {}
    for issue in state(sb.url)["repos"]["gdzz/support"]["issues"]:
        mark = _mark(issue["body"])
        if issue["user"] == "zzxt-bot" and mark is not None and not mark.row:
            numbers[mark.message_id] = issue["number"]
    return numbers


def _mark(body: str) -> MailMark | None:
    from tracker.bots.mail_marks import parse_mark

    return parse_mark(body)


def notify(
    invoke: Invoke,
    sb: Sandbox,
    smtp: SmtpRecorder,
    dovecot: Dovecot,
    forge: str,
    *args: str,
    faq_dir: str = "/nonexistent-faq",
) -> Result:
    return invoke(
        "mail", "notify", "--smtp", smtp.url, *forge_args(sb.url, forge), "--now", NOW,
        "--faq-dir", faq_dir, *args,
        env={
            "ZZXT_TOKEN": mb.BOT_TOKEN,
            "ZZXT_SMTP_PASSWORD": SMTP_PASSWORD,
            "ZZXT_MAIL_CA_FILE": str(dovecot.certs.ca),
        },
    )  # fmt: skip


def staff(sb: Sandbox, method: str, path: str, body: dict[str, Any]) -> None:
    response = httpx.request(
        method,
        f"{sb.url}/api/v1/repos/gdzz/support{path}",
        json=body,
        headers={"Authorization": f"token {mb.STAFF_TOKEN}"},
    )
    response.raise_for_status()


def by_kind(messages: list[EmailMessage], tag: str) -> list[EmailMessage]:
    return [m for m in messages if f"【{tag}" in str(m["Subject"])]


def bot_log(sb: Sandbox, number: int) -> list[str]:
    issue = next(
        i for i in state(sb.url)["repos"]["gdzz/support"]["issues"] if i["number"] == number
    )
    return [c["body"] for c in issue["comments"] if c["user"] == "zzxt-bot" and LOG in c["body"]]


@pytest.mark.parametrize("forge", FORGES)
def test_each_sender_hears_back_once_for_each_step(
    invoke: Invoke, dovecot: Dovecot, sandbox: Sandbox, smtp: SmtpRecorder, forge: str
) -> None:
    numbers = fetched(invoke, dovecot, sandbox, forge)
    assert len(numbers) == 5  # the rejected mail and the reply open no issue

    plan = notify(invoke, sandbox, smtp, dovecot, forge, "--json")
    assert plan.exit_code == 0, plan.stderr
    assert [m["status"] for m in json.loads(plan.stdout)["mails"]] == [None] * 5
    assert smtp.messages == []

    first = notify(invoke, sandbox, smtp, dovecot, forge, "--apply")
    assert first.exit_code == 0, first.stderr
    acks = smtp.deliveries
    assert len(acks) == 5
    originals = {m: reports()[k] for k, m in _ids().items()}
    expected_senders = {_address(originals[m]) for m in numbers}
    assert sorted(d.recipients[0] for d in acks) == sorted(expected_senders)  # one each
    for delivery in acks:
        ack = delivery.message
        original = ack["In-Reply-To"]
        number = numbers[original]
        issue = _issue(sandbox, number)
        category = next(c for c in POLICY.categories if f"类别/{c.name}" in issue["labels"])
        text = ack.get_content()
        assert delivery.sender == SMTP_USER and ack["From"] == SMTP_USER
        assert ack["References"] == original and f"【已受理 #{number}】" in str(ack["Subject"])
        assert f"{sandbox.url}/gdzz/support/issues/{number}" in text
        assert f"类别：{category.name}" in text
        assert DUE[category.key] in text, text
        assert ack["Auto-Submitted"] == "auto-replied"
    form2_ack = next(
        d.message for d in acks if d.message["In-Reply-To"] == "<form2-nov@gz.example.cn>"
    )
    rows = [
        i for i in state(sandbox.url)["repos"]["gdzz/support"]["issues"]
        if f"邮件见 #{numbers['<form2-nov@gz.example.cn>']}" in i["body"]
    ]  # fmt: skip
    assert len(rows) == 3
    assert all(f"#{r['number']} {r['title']}" in form2_ack.get_content() for r in rows)
    account_ack = next(
        d.message for d in acks if d.message["In-Reply-To"] == "<form3-nov@gz.example.cn>"
    )
    assert "为本省设定" in account_ack.get_content()
    for number in numbers.values():
        assert len(bot_log(sandbox, number)) == 1

    smtp.clear()
    again = notify(invoke, sandbox, smtp, dovecot, forge, "--apply")
    assert again.exit_code == 0 and smtp.messages == []
    assert "没有需要发送的邮件" in again.stdout

    # Staff answer the first report (quoting numbers they should not have) and one row;
    # the technical report is closed.
    first_report = numbers["<qq_plain_html.qq@mail.example.cn>"]
    staff(
        sandbox,
        "POST",
        f"/issues/{first_report}/comments",
        {"body": f"请重新下载模板。学生 {mb.STUDENT_ID}，联系 13800138000。"},
    )
    staff(sandbox, "POST", f"/issues/{first_report}/comments", {"body": "第二条答复"})
    staff(sandbox, "POST", f"/issues/{rows[0]['number']}/comments", {"body": "已修复导入模板。"})
    closed = numbers["<netease_gbk_qp.netease@mail.example.cn>"]
    staff(sandbox, "PATCH", f"/issues/{closed}", {"state": "closed"})

    later = notify(invoke, sandbox, smtp, dovecot, forge, "--apply")
    assert later.exit_code == 0, later.stderr
    sent = smtp.deliveries
    assert len(sent) == 3
    replies = by_kind([d.message for d in sent], "已答复")
    assert sorted(m["In-Reply-To"] for m in replies) == [
        "<form2-nov@gz.example.cn>",
        "<qq_plain_html.qq@mail.example.cn>",
    ]
    first_reply = next(
        m for m in replies if m["In-Reply-To"] == "<qq_plain_html.qq@mail.example.cn>"
    )
    text = first_reply.get_content()
    assert "请重新下载模板" in text and "第二条答复" not in text  # the first answer only
    assert mb.STUDENT_ID not in text and "13800138000" not in text
    assert "4401**********1232" in text and "138****8000" in text
    row_reply = next(m for m in replies if m["In-Reply-To"] == "<form2-nov@gz.example.cn>")
    assert f"【已答复 #{rows[0]['number']}】" in str(row_reply["Subject"])
    closing = by_kind([d.message for d in sent], "已办结")
    assert [m["In-Reply-To"] for m in closing] == ["<netease_gbk_qp.netease@mail.example.cn>"]
    # Message-IDs are ours, one per issue and kind, so a reply finds its thread.
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(set(ids)) == 3 and all(i.startswith("<zzxt.") for i in ids)

    smtp.clear()
    final = notify(invoke, sandbox, smtp, dovecot, forge, "--apply")
    assert final.exit_code == 0 and smtp.messages == []
    written = [
        text
        for issue in state(sandbox.url)["repos"]["gdzz/support"]["issues"]
        for text in [
            issue["body"] if issue["user"] == "zzxt-bot" else "",
            *(c["body"] for c in issue["comments"] if c["user"] == "zzxt-bot"),
        ]
    ]
    everything = "\n".join([first.stdout, first.stderr, later.stdout, later.stderr, *written])
    assert SMTP_PASSWORD not in everything and dovecot.password not in everything
    assert not [f for f in scan(everything) if f.kind == "id_card"]


def _ids() -> dict[str, str]:
    return {
        "01": "<qq_plain_html.qq@mail.example.cn>",
        "06": "<netease_gbk_qp.netease@mail.example.cn>",
        "16": "<foxmail_postgraduate.foxmail@mail.example.cn>",
        "form2": "<form2-nov@gz.example.cn>",
        "form3": "<form3-nov@gz.example.cn>",
    }


def _address(data: bytes) -> str:
    import email
    import email.policy
    import email.utils

    message = email.message_from_bytes(data, policy=email.policy.default)
    return email.utils.parseaddr(str(message["From"]))[1]


def _issue(sb: Sandbox, number: int) -> dict[str, Any]:
    return next(
        i for i in state(sb.url)["repos"]["gdzz/support"]["issues"] if i["number"] == number
    )


def test_a_refused_address_is_recorded_and_not_tried_again(
    invoke: Invoke, dovecot: Dovecot, sandbox: Sandbox, smtp: SmtpRecorder
) -> None:
    numbers = fetched(invoke, dovecot, sandbox, "gitea")
    smtp.refuse("liusy@scnu-demo.example.edu.cn")  # 16's sender
    result = notify(invoke, sandbox, smtp, dovecot, "gitea", "--apply")
    assert result.exit_code == 0, result.stderr
    assert len(smtp.messages) == 4 and "被拒收" in result.stdout
    log = bot_log(sandbox, numbers["<foxmail_postgraduate.foxmail@mail.example.cn>"])
    assert len(log) == 1 and "拒收" in log[0] and "550" in log[0]
    smtp.clear()
    again = notify(invoke, sandbox, smtp, dovecot, "gitea", "--apply")
    assert again.exit_code == 0 and smtp.messages == []


def test_the_write_budget_holds_mails_back_until_they_can_be_recorded(
    invoke: Invoke, dovecot: Dovecot, sandbox: Sandbox, smtp: SmtpRecorder
) -> None:
    fetched(invoke, dovecot, sandbox, "gitea")
    partial = notify(invoke, sandbox, smtp, dovecot, "gitea", "--apply", "--max-writes", "2")
    assert partial.exit_code == 0, partial.stderr
    assert len(smtp.messages) == 2
    rest = notify(invoke, sandbox, smtp, dovecot, "gitea", "--apply")
    assert rest.exit_code == 0, rest.stderr
    replies = [m["In-Reply-To"] for m in smtp.messages]
    assert len(replies) == 5 and len(set(replies)) == 5


def test_knowledge_base_links_come_from_the_triage_bot(
    invoke: Invoke, dovecot: Dovecot, sandbox: Sandbox, smtp: SmtpRecorder
) -> None:
    numbers = fetched(invoke, dovecot, sandbox, "gitea")
    first = numbers["<qq_plain_html.qq@mail.example.cn>"]
    recommended = (
        f"{triage.MARKS['faq']}\n常见问题知识库中可能有答案，请先查阅：\n\n"
        "1. [资助名单导入模板说明](https://kb.example.cn/faq/import.html)\n"
    )
    httpx.post(
        f"{sandbox.url}/api/v1/repos/gdzz/support/issues/{first}/comments",
        json={"body": recommended},
        headers={"Authorization": f"token {mb.BOT_TOKEN}"},
    ).raise_for_status()
    faq = ROOT / "docs" / "faq"
    result = notify(invoke, sandbox, smtp, dovecot, "gitea", "--apply", faq_dir=str(faq))
    assert result.exit_code == 0, result.stderr
    acks = {m["In-Reply-To"]: m.get_content().replace("\r\n", "\n") for m in smtp.messages}
    assert (
        "资助名单导入模板说明\n   https://kb.example.cn/faq/import.html"
        in acks["<qq_plain_html.qq@mail.example.cn>"]
    )
    # Where the triage bot has not commented yet, the same search finds the same pages.
    index = FaqIndex.build(load_entries(faq, POLICY), POLICY)
    found = 0
    for original, number in numbers.items():
        if number == first:
            continue
        issue = _issue(sandbox, number)
        hits = triage.plan(
            RULES, index, issue["title"], issue["body"], tuple(issue["labels"]), []
        ).faq
        for hit in hits:
            assert f"{hit.title}\n   {hit.url}" in acks[original]
        if not hits:
            assert "知识库" not in acks[original]
        found += len(hits)
    assert found  # the reports do match pages of the knowledge base


# The plan, table-driven.

BOT = User("zzxt-bot", is_bot=True)
IDENTITY = BotIdentity("zzxt-bot")
WHEN = datetime(2026, 9, 30, 16, 0, tzinfo=mb.BEIJING)


def _thread(
    number: int, *, row: bool = False, state: str = "open", comments: tuple[Comment, ...] = ()
) -> mail_notify.Thread:
    issue = Issue(
        number=number,
        title=f"广州市-义务教育-应用类问题：问题{number}",
        body="<!-- zzxt:intake 00000000000000aa -->",
        author=BOT,
        labels=("类别/应用类问题",),
        assignees=(),
        state=state,  # type: ignore[arg-type]
        created_at=WHEN,
        updated_at=WHEN,
        closed_at=WHEN if state == "closed" else None,
    )
    mark = MailMark("0123456789abcdef", "<m@x.cn>", "a@x.cn", "主题", WHEN.isoformat(), row=row)
    return mail_notify.Thread(issue, mark, comments)


def _comment(number: int, author: User, body: str, n: int = 1) -> Comment:
    return Comment(n, number, author, body, WHEN, WHEN)


def _kinds(threads: list[mail_notify.Thread]) -> dict[int, list[str]]:
    snapshot = mail_notify.Snapshot(
        threads, {}, Responders(IDENTITY, writers=frozenset({"staff1"})), IDENTITY
    )
    planned = mail_notify.plan(
        snapshot, RULES, None, "https://t.example.cn/o/r/issues/", mb.SERVICE
    )
    return {item.number: [m.kind for m in item.mails] for item in planned.issues}


@pytest.mark.parametrize(
    ("thread", "kinds"),
    [
        (_thread(1), ["ack"]),
        (_thread(2, row=True), []),
        (_thread(3, comments=(_comment(3, User("staff1"), "已处理"),)), ["ack", "staff"]),
        (_thread(4, state="closed"), ["ack", "close"]),
        (
            _thread(5, comments=(_comment(5, BOT, "<!-- zzxt:mail-reply 00000000000000bb -->"),)),
            ["ack"],
        ),
        (
            _thread(
                6,
                comments=(
                    _comment(6, BOT, f"{LOG}\n- <!-- zzxt:mail-ack 0123456789abcdef --> 已发送"),
                ),
            ),
            [],
        ),
        (
            _thread(
                7,
                comments=(
                    _comment(7, User("mallory"), f"{LOG}\n<!-- zzxt:mail-ack 0123456789abcdef -->"),
                ),
            ),
            # Neither the bot's log nor a reply: mallory has no write access, and a comment
            # carrying a zzxt marker never counts as an answer.
            ["ack"],
        ),
    ],
    ids=[
        "new",
        "row-no-ack",
        "answered",
        "closed",
        "bot-comment-is-no-answer",
        "acked-already",
        "forged-log-does-not-count",
    ],
)
def test_which_mails_an_issue_calls_for(thread: mail_notify.Thread, kinds: list[str]) -> None:
    assert _kinds([thread]).get(thread.issue.number, []) == kinds


def test_mails_carry_no_personal_number_from_the_issue() -> None:
    thread = _thread(8, comments=(_comment(8, User("staff1"), f"身份证 {mb.STUDENT_ID}"),))
    leaky = Issue(**{**thread.issue.__dict__, "title": f"学生 {mb.STUDENT_ID} 无法认定"})
    snapshot = mail_notify.Snapshot(
        [mail_notify.Thread(leaky, thread.mark, thread.comments)],
        {},
        Responders(IDENTITY, writers=frozenset({"staff1"})),
        IDENTITY,
    )
    planned = mail_notify.plan(
        snapshot, RULES, None, "https://t.example.cn/o/r/issues/", mb.SERVICE
    )
    texts = [m.text + m.subject for item in planned.issues for m in item.mails]
    assert len(texts) == 2 and all(mb.STUDENT_ID not in t for t in texts)

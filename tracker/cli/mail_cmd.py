"""`zzxt mail`: the e-mail channel of 第八至十二条.

`parse` reads one message offline; `fetch` turns a service mailbox's new
messages into issues; `notify` answers their senders.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from email.errors import HeaderParseError
from pathlib import Path
from typing import BinaryIO, Literal

import click

from tracker.bots import mail_fetch, mail_notify
from tracker.bots.identity import BotIdentity, read_identity
from tracker.bots.writer import Writer
from tracker.cli.base import Group, State, now_option, parse_moment, pass_state, print_json, warn
from tracker.cli.forge_opts import forge_options, open_forge, settings_from
from tracker.errors import InputError
from tracker.forge.model import Forge
from tracker.kb.entries import load_entries
from tracker.kb.search import FaqIndex, default_cache_dir
from tracker.mail.imap import open_mailbox
from tracker.mail.parse import ParsedMail, parse_message
from tracker.mail.servers import MailServer, parse_server_url, tls_context
from tracker.mail.smtp import Outbox, address_domain
from tracker.policy import Policy
from tracker.usertext import plain

KIND_NAMES = {"id_card": "身份证号", "bank_card": "银行卡号", "mobile": "手机号"}
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


@click.group(cls=Group)
def mail() -> None:
    """邮件渠道：读取、登记和回复报送到服务邮箱的问题邮件（第八至十二条）。

    \b
    示例：
      zzxt mail parse 问题邮件.eml
      zzxt mail parse - --json < 问题邮件.eml
      zzxt mail fetch --imap imaps://用户名@imap.example.cn --repo gdzz/support --apply
      zzxt mail notify --smtp smtps://用户名@smtp.example.cn --repo gdzz/support --apply
    """


@mail.command("parse")
@click.argument("file", type=click.File("rb"), metavar="文件.eml|-")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="以 JSON 输出（字段见 docs/admin/mail.md）。",
)
@pass_state
def parse_command(state: State, file: BinaryIO, as_json: bool) -> None:
    """读取一封问题邮件（.eml），输出地市、学段、类别、正文中的各项信息、附件和能否受理。

    主题按“XX市-XX学段-XX类问题”识别，容许回复/转发前缀、【紧急】等标记、各种横线和政策中的别名；
    正文去掉引用的原邮件和签名后，按“单位：…”“姓名：…”等行取出第十一条要求的各项。
    不能受理时（主题无法识别、报送单位不在第十二条的受理范围）给出原因。
    身份证号、银行卡号、手机号一律部分隐藏，只有联系电话一栏保留报告人自己的手机号。
    文件名为 - 时从标准输入读取。能否受理都以退出码 0 结束；文件无法读取时退出码 2。

    \b
    示例：
      zzxt mail parse 问题邮件.eml
      zzxt mail parse - --json < 问题邮件.eml
    """
    data = file.read(MAX_MESSAGE_BYTES + 1)
    if len(data) > MAX_MESSAGE_BYTES:
        raise InputError(f"邮件超过 {MAX_MESSAGE_BYTES // 1024 // 1024} MB，请确认文件是单封邮件。")
    policy = state.policy()
    result = parse_message(data, policy)
    if as_json:
        print_json(result.as_dict())
    else:
        click.echo(summary(result, policy))


def summary(result: ParsedMail, policy: Policy) -> str:
    """Return the readable Chinese summary of a parsed mail."""
    labels: dict[str, str] = {}
    for spec in policy.forms.categories.values():
        for f in [*policy.forms.common, *spec.fields]:
            labels.setdefault(f.id, f.label)
    category = policy.category(result.category).name if result.category else "无法识别"
    lines = [
        f"主题：{result.subject or '（无）'}",
        f"发件人：{result.sender or '（无）'}",
        f"时间：{result.date or '（无）'}",
        f"结论：{'可以受理' if result.accepted else '不予受理'}",
    ]
    if result.reason:
        lines += [f"原因：{line}" for line in result.reason.split("\n")]
    lines += [
        f"地市：{result.city or '无法识别'}",
        f"学段：{result.stage or '无法识别'}",
        f"类别：{category}",
    ]
    if result.title:
        lines.append(f"标题：{result.title}")
    lines.append("各项信息：" + ("" if result.fields else "未找到"))
    for field_id, value in result.fields.items():
        shown = value.replace("\n", "\n    ")
        lines.append(f"  {labels.get(field_id, field_id)}：{shown}")
    if result.attachments:
        lines.append("附件：")
        for a in result.attachments:
            kind = "其他" if a.kind == "other" else a.kind
            rows = "行数未知" if a.rows is None else f"{a.rows} 行"
            note = f"；{a.note}" if a.note else ""
            lines.append(f"  {a.filename}（{kind}，{rows}{note}）")
    if result.pii:
        lines.append("个人信息（已部分隐藏）：")
        lines += [f"  {KIND_NAMES.get(p.kind, p.kind)} {p.masked}" for p in result.pii]
    for note in result.warnings:
        lines.append(f"提示：{note}")
    lines.append("正文：")
    lines += [f"  {line}" for line in (result.body or "（空）").split("\n")]
    return "\n".join(lines)


# Fetching and answering.

MARK_NAMES = {"keyword": "自定义标记", "folder": "移入文件夹"}
ACTION_NAMES = {"issue": "新建问题", "comment": "评论", "reject": "不予受理", "ignore": "忽略"}


def _password(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise InputError(f"缺少密码：请在环境变量 {name} 中提供（不要写在命令行或地址中）。")
    return value


def _ca_file() -> Path | None:
    value = os.environ.get("ZZXT_MAIL_CA_FILE", "")
    return Path(value) if value else None


def _sender(from_address: str | None, smtp: MailServer) -> str:
    address = from_address or (smtp.user if "@" in smtp.user else "")
    if not address:
        raise InputError("请用 --from 或环境变量 ZZXT_MAIL_FROM 指定发件地址（应为服务邮箱之一）。")
    try:
        address_domain(address)
    except (ValueError, IndexError, HeaderParseError):
        raise InputError(f"发件地址 {address!r} 无效，应写成 gdzzxt@gdedu.gov.cn 这样。") from None
    if "@" not in address:
        raise InputError(f"发件地址 {address!r} 无效，应写成 gdzzxt@gdedu.gov.cn 这样。")
    return address


def _outbox(smtp: MailServer) -> Outbox:
    password = _password("ZZXT_SMTP_PASSWORD") if smtp.user else ""
    outbox = Outbox(smtp, password, tls_context(_ca_file()))
    click.get_current_context().call_on_close(outbox.close)
    return outbox


def _identity(client: Forge, policy: Policy) -> BotIdentity:
    identity = read_identity(client, policy, os.environ)
    if identity.login is None:
        # Without its own login the bot could not recognise its markers and would open
        # every issue again on each run.
        raise InputError(
            "无法确定机器人自己的账号（令牌读不到 /user）：请在政策文件 sla.bot_login 中填写机器人的登录名。"
        )
    return identity


@mail.command("fetch")
@forge_options
@click.option(
    "--imap",
    "imap_url",
    envvar="ZZXT_IMAP_URL",
    required=True,
    metavar="地址",
    help="服务邮箱的 IMAP 地址，如 imaps://用户名@imap.example.cn；也可用 ZZXT_IMAP_URL。"
    "密码只从环境变量 ZZXT_IMAP_PASSWORD 读取。",
)
@click.option(
    "--mailbox", default="INBOX", show_default=True, metavar="文件夹", help="要读取的邮箱文件夹。"
)
@click.option(
    "--mark",
    type=click.Choice(["auto", "keyword", "folder"]),
    default="auto",
    show_default=True,
    help="已处理邮件的标记方式：keyword 加自定义标记，folder 移入文件夹，auto 按服务器能力选择。",
)
@click.option(
    "--since",
    "since_text",
    metavar="日期",
    help="只读取此日期（含）以后收到的邮件，如 2026-11-01。",
)
@click.option(
    "--max-messages",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    metavar="封数",
    help="本次最多处理多少封（先收到的先处理），其余留待下次运行。",
)
@click.option(
    "--smtp",
    "smtp_url",
    envvar="ZZXT_SMTP_URL",
    metavar="地址",
    help="用于回复不予受理原因的 SMTP 地址；也可用 ZZXT_SMTP_URL。不给时只标记，不回复。",
)
@click.option(
    "--from",
    "from_address",
    envvar="ZZXT_MAIL_FROM",
    metavar="地址",
    help="回复邮件的发件地址；也可用 ZZXT_MAIL_FROM，默认为 SMTP 用户名。",
)
@click.option(
    "--max-writes",
    type=click.IntRange(min=0),
    metavar="次数",
    help="本次最多写入台账多少次（0 为不限；GitHub 默认 500，Gitea 默认不限）。",
)
@click.option(
    "--now", "now_text", metavar="时间", help="当前时间（ISO 8601），用于回复邮件的日期。"
)
@click.option(
    "--apply", "do_apply", is_flag=True, help="执行：建立问题、发表评论、回复和标记邮件。"
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@pass_state
def fetch_command(
    state: State,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
    imap_url: str,
    mailbox: str,
    mark: Literal["auto", "keyword", "folder"],
    since_text: str | None,
    max_messages: int,
    smtp_url: str | None,
    from_address: str | None,
    max_writes: int | None,
    now_text: str | None,
    do_apply: bool,
    as_json: bool,
) -> None:
    """收取服务邮箱中尚未处理的问题邮件，逐封登记到问题台账。

    每封邮件按主题识别的类别建立一个问题：表单各项取自正文，身份证号、银行卡号、手机号部分隐藏，原邮件不存入台账；附件2、3、4 逐行导入，每行一个问题，并注明所属邮件的问题编号。

    回复已有问题的邮件（引用了原邮件，或主题中写有“#编号”）作为评论加到该问题下。不能受理的邮件在邮箱中标记，给出 --smtp 时回复原因。

    问题写入台账后才标记邮件：同一封邮件（两个邮箱各收到一份、重新运行、中途中断后再运行）只建立一个问题。不加 --apply 时只列出计划，不做任何修改。

    \b
    示例：
      ZZXT_IMAP_PASSWORD=… zzxt mail fetch --imap imaps://gdzzxt@gdedu.gov.cn@imap.gdedu.gov.cn \\
          --forge gitea --url https://gitea.example.cn --repo gdzz/support --apply
    """
    rules = state.rules()
    policy = rules.policy
    now = now_option(policy.calendar.zone, now_text)
    since = None
    if since_text is not None:
        since = parse_moment(since_text, "--since").date()
    imap = parse_server_url(imap_url, "imap")
    smtp = parse_server_url(smtp_url, "smtp") if smtp_url else None
    sender = _sender(from_address, smtp) if smtp is not None else None
    password = _password("ZZXT_IMAP_PASSWORD")
    context = tls_context(_ca_file())
    settings = settings_from(forge, url, repo, write_interval, verbose)
    client = open_forge(settings)
    identity = _identity(client, policy)
    if max_writes is None:
        max_writes = settings.forge.write_budget or 0
    writer = Writer(client, do_apply, max_writes or None)
    outbox = _outbox(smtp) if smtp is not None and do_apply else None
    with (
        open_mailbox(imap, password, mailbox, mark, context) as box,
        tempfile.TemporaryDirectory(prefix="zzxt-mail-") as workdir,
    ):
        snapshot = mail_fetch.read(
            box, client, identity, rules, Path(workdir), since=since, limit=max_messages
        )
        fetch_plan = mail_fetch.plan(snapshot, rules, sender)
        outcomes = mail_fetch.apply(fetch_plan, rules, writer, box, outbox, sender, now)
    if as_json:
        print_json(
            {
                "mailbox": imap.display,
                "folder": mailbox,
                "mark": fetch_plan.mode,
                "messages": [_outcome_json(o) for o in outcomes],
                "writes": writer.writes,
                "deferred": writer.deferred,
            }
        )
        return
    click.echo(f"邮箱：{imap.display} {mailbox}（已处理的邮件{MARK_NAMES[fetch_plan.mode]}）")
    click.echo(f"未处理的邮件：{len(outcomes)} 封")
    for outcome in outcomes:
        click.echo("  " + _outcome_line(outcome, do_apply))
    counts = Counter(o.plan.action for o in outcomes)
    listed = "，".join(f"{ACTION_NAMES[k]} {v}" for k, v in counts.items())
    click.echo(f"汇总：{listed or '无'}。")
    if do_apply:
        click.echo(f"已写入台账 {writer.writes} 次。")
        if writer.deferred:
            click.echo(f"本次写入已达上限，{writer.deferred} 项留待下次运行（相应邮件未标记）。")
    else:
        click.echo("以上为计划，未做任何修改；加 --apply 执行。")


def _outcome_json(outcome: mail_fetch.Outcome) -> dict[str, object]:
    item = outcome.plan
    return {
        "uid": item.uid,
        "fingerprint": item.fingerprint,
        "action": item.action,
        "subject": plain(item.subject),
        "number": outcome.number,
        "created": item.issue is not None and outcome.number is not None,
        "comment": item.comment is not None,
        "rows": outcome.rows,
        "rows_planned": len(item.rows),
        "rows_total": item.rows_total,
        "reason": plain(item.reason),
        "answered": outcome.answered or None,
        "marked": outcome.marked,
    }


def _outcome_line(outcome: mail_fetch.Outcome, applied: bool) -> str:
    item = outcome.plan
    will = "" if applied else "将"
    subject = plain(item.subject, 40) or "（无主题）"
    if item.action == "issue":
        if item.issue is not None:
            what = f"新建问题 #{outcome.number}" if outcome.number else f"{will}新建问题"
        else:
            what = f"已在台账中（#{item.number}）" if item.number else "同一邮件的另一份"
        if item.rows:
            done = "、".join(f"#{n}" for n in outcome.rows)
            what += f"，附件 {len(item.rows)} 行{('：' + done) if done else '待登记'}"
    elif item.action == "comment":
        target = f"#{outcome.number}" if outcome.number else "本次新建的问题"
        what = f"{will}评论 {target}" if item.comment else f"已评论过 {target}"
    elif item.action == "reject":
        answered = {"sent": "，已回复原因", "refused": "，回复被拒收"}.get(outcome.answered, "")
        what = f"不予受理{answered}"
    else:
        what = f"忽略（{item.reason}）"
    marked = "" if outcome.marked is None or not applied else "，已标记"
    return f"UID {item.uid}  {what}{marked}  {subject}"


@mail.command("notify")
@forge_options
@click.option(
    "--smtp",
    "smtp_url",
    envvar="ZZXT_SMTP_URL",
    required=True,
    metavar="地址",
    help="发信的 SMTP 地址，如 smtps://用户名@smtp.example.cn；也可用 ZZXT_SMTP_URL。"
    "密码只从环境变量 ZZXT_SMTP_PASSWORD 读取。",
)
@click.option(
    "--from",
    "from_address",
    envvar="ZZXT_MAIL_FROM",
    metavar="地址",
    help="发件地址（服务邮箱之一）；也可用 ZZXT_MAIL_FROM，默认为 SMTP 用户名。",
)
@click.option(
    "--faq-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs/faq"),
    show_default=True,
    help="常见问题页面目录：分诊机器人尚未推荐时，用它找知识库链接。",
)
@click.option(
    "--max-writes",
    type=click.IntRange(min=0),
    metavar="次数",
    help="本次最多写入台账多少次（0 为不限）；写不下记录的邮件不发送，留待下次。",
)
@click.option("--now", "now_text", metavar="时间", help="按此时间（ISO 8601）运行。")
@click.option("--apply", "do_apply", is_flag=True, help="执行：发送邮件并在问题中记录。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@pass_state
def notify_command(
    state: State,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
    smtp_url: str,
    from_address: str | None,
    faq_dir: Path,
    max_writes: int | None,
    now_text: str | None,
    do_apply: bool,
    as_json: bool,
) -> None:
    """给邮件报告人回信：受理回执、工作人员的答复、办结，每类只发一次。

    对 zzxt mail fetch 由邮件建立的问题：受理回执写明问题编号和链接、类别、按工作日计算的答复时限（与 zzxt sla check 相同）、知识库链接和附件各行的问题编号；工作人员第一次答复后发答复通知，问题关闭后发办结通知。

    回信排在原邮件之下（In-Reply-To），台账中隐藏的个人信息一律不发出。发送后在问题的一条记录评论中登记，重复运行不会重发。不加 --apply 时只列出计划。

    \b
    示例：
      ZZXT_SMTP_PASSWORD=… zzxt mail notify --smtp smtps://gdzzxt@gdedu.gov.cn@smtp.gdedu.gov.cn \\
          --forge gitea --url https://gitea.example.cn --repo gdzz/support --apply
    """
    rules = state.rules()
    policy = rules.policy
    now = now_option(policy.calendar.zone, now_text)
    smtp = parse_server_url(smtp_url, "smtp")
    sender = _sender(from_address, smtp)
    outbox = _outbox(smtp) if do_apply else None
    settings = settings_from(forge, url, repo, write_interval, verbose)
    client = open_forge(settings)
    identity = _identity(client, policy)
    if max_writes is None:
        max_writes = settings.forge.write_budget or 0
    writer = Writer(client, do_apply, max_writes or None)
    index = _faq_index(policy, faq_dir)
    snapshot = mail_notify.read(client, identity, rules, now)
    issue_url = f"{settings.url.rstrip('/')}/{settings.repo}/issues/"
    notify_plan = mail_notify.plan(snapshot, rules, index, issue_url, sender)
    outcomes = mail_notify.apply(notify_plan, writer, outbox, sender, now)
    if as_json:
        print_json(
            {
                "mails": [
                    {
                        "issue": o.number,
                        "kind": o.mail.kind,
                        "to": plain(o.mail.to),
                        "subject": plain(o.mail.subject),
                        "status": o.status or None,
                    }
                    for o in outcomes
                ],
                "skipped": [{"issue": n, "reason": why} for n, why in notify_plan.skipped],
                "writes": writer.writes,
                "deferred": writer.deferred,
            }
        )
        return
    for o in outcomes:
        status = {"sent": "已发送", "": "将发送" if not do_apply else "未发送（写入已达上限）"}.get(
            o.status, "被拒收"
        )
        click.echo(
            f"#{o.number} {mail_notify.KIND_NAMES[o.mail.kind]} → {plain(o.mail.to)}：{status}"
        )
    for number, why in notify_plan.skipped:
        click.echo(f"#{number} 无法通知：{why}")
    if not outcomes and not notify_plan.skipped:
        click.echo("没有需要发送的邮件。")
    if not do_apply:
        click.echo("以上为计划，未发送任何邮件；加 --apply 执行。")


def _faq_index(policy: Policy, directory: Path) -> FaqIndex | None:
    if not directory.is_dir():
        warn(f"提示：找不到常见问题目录 {directory}，回执中只列出分诊机器人已推荐的链接。")
        return None
    return FaqIndex.build(
        load_entries(directory, policy), policy, cache_dir=default_cache_dir(os.environ)
    )

"""`zzxt mail`: the e-mail channel of 第八至十二条. `parse` reads one message offline.

Later subcommands (fetching from the mailboxes, answering senders) register on
the same `mail` group with `@mail.command(...)`.
"""

from __future__ import annotations

from typing import BinaryIO

import click

from tracker.cli.base import Group, State, pass_state, print_json
from tracker.errors import InputError
from tracker.mail.parse import ParsedMail, parse_message
from tracker.policy import Policy

KIND_NAMES = {"id_card": "身份证号", "bank_card": "银行卡号", "mobile": "手机号"}
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


@click.group(cls=Group)
def mail() -> None:
    """邮件渠道：读取报送到服务邮箱的问题邮件（第八至十二条）。

    \b
    示例：
      zzxt mail parse 问题邮件.eml
      zzxt mail parse - --json < 问题邮件.eml
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

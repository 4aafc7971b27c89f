"""`zzxt triage`: check a new or edited issue, online or offline."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

import click

from tracker.bots import triage as triaging
from tracker.bots.report_publish import is_report_issue
from tracker.bots.writer import Writer
from tracker.cli.base import Command, State, pass_state, print_json, read_text, warn
from tracker.cli.forge_opts import bot_identity, forge_options, open_forge, settings_from
from tracker.errors import InputError
from tracker.kb.entries import load_entries
from tracker.kb.search import FaqIndex, default_cache_dir
from tracker.policy import Policy

DEFAULT_FAQ_DIR = Path("docs/faq")


@click.command(cls=Command)
@forge_options
@click.option(
    "--issue", "number", type=click.IntRange(min=1), help="要检查的问题编号（在线模式）。"
)
@click.option("--title", help="问题标题（离线模式，与 --body-file 一起使用）。")
@click.option(
    "--body-file",
    type=click.File("r", encoding="utf-8"),
    metavar="文件|-",
    help="问题正文所在的文件（离线模式），- 表示标准输入。",
)
@click.option(
    "--faq-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_FAQ_DIR,
    show_default=True,
    help="常见问题页面目录，用于推荐知识库链接。",
)
@click.option("--apply", "do_apply", is_flag=True, help="在线模式下执行：打标签、发表或更新评论。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出计划。")
@pass_state
def triage(
    state: State,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
    number: int | None,
    title: str | None,
    body_file: TextIO | None,
    faq_dir: Path,
    do_apply: bool,
    as_json: bool,
) -> None:
    """分诊：检查新建或修改的问题，补标签、提示缺项、保护个人信息、推荐知识库。

    按表单内容加地市、学段、子类和“紧急”标签；缺少报送须说明的信息时加“信息不全”标签并列出缺项；
    发现身份证号、银行卡号等个人信息时加“含敏感信息”标签并提醒删除（只显示部分隐藏的号码）；
    知识库中有相近问题时附上链接，疑似已培训问题加“疑似已培训问题”标签供工作人员确认，从不自动关闭。
    重复运行只更新机器人自己的评论和标签，不会重复发表。

    \b
    示例：
      zzxt triage --forge gitea --url https://gitea.example.cn --repo gdzz/support --issue 12 --apply
      zzxt triage --title "甲市-义务教育-应用类问题：忘记密码" --body-file 正文.md --json
    """
    rules = state.rules()
    index = _faq_index(rules.policy, faq_dir)
    if number is None:
        if title is None or body_file is None:
            raise InputError(
                "请用 --issue 编号（在线），或同时给出 --title 和 --body-file（离线）。"
            )
        body = read_text(body_file, "正文")
        plan = triaging.plan(rules, index, title, body, (), [])
        _show(plan, as_json, applied=False)
        return
    if title is not None or body_file is not None:
        raise InputError("--issue 不能与 --title、--body-file 同时使用。")
    client = open_forge(settings_from(forge, url, repo, write_interval, verbose))
    identity = bot_identity(client, rules.policy)
    issue, mine = triaging.read(client, number, identity)
    if is_report_issue(issue, identity):
        # The monthly report the bot published is no problem report: nothing to check.
        skipped = f"#{number} 是机器人发布的月度通报，不是问题报告，不做分诊。"
        if as_json:
            print_json({"skipped": skipped})
        else:
            click.echo(skipped)
        return
    plan = triaging.plan(rules, index, issue.title, issue.body, issue.labels, mine)
    if do_apply:
        identity.check_can_write()
        triaging.preflight(client, plan)
        triaging.apply(plan, Writer(client, apply=True, identity=identity), number)
    _show(plan, as_json, applied=do_apply)


def _faq_index(policy: Policy, directory: Path) -> FaqIndex | None:
    if not directory.is_dir():
        warn(f"警告：找不到常见问题目录 {directory}，本次不推荐知识库链接（可用 --faq-dir 指定）。")
        return None
    entries = load_entries(directory, policy)
    return FaqIndex.build(entries, policy, cache_dir=default_cache_dir(os.environ))


def _show(plan: triaging.TriagePlan, as_json: bool, applied: bool) -> None:
    if as_json:
        print_json(plan.as_dict())
        return
    click.echo(f"加标签：{'、'.join(plan.labels_add) or '无'}")
    click.echo(f"去标签：{'、'.join(plan.labels_remove) or '无'}")
    click.echo(f"缺少：{'、'.join(plan.missing_names) or '无'}")
    if plan.pii:
        shown = "、".join(f"{triaging.KIND_NAMES[f.kind]} {f.masked}" for f in plan.pii)
        click.echo(f"个人信息：{shown}")
    for hit in plan.faq:
        click.echo(f"知识库：{hit.title}（{hit.score:.1f}）{hit.url}")
    verb = "已发表或更新" if applied else "将发表或更新"
    click.echo(f"{verb} {len(plan.comments)} 条评论。")
    if not applied:
        click.echo("以上为计划，未做任何修改。")

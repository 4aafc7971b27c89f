"""`zzxt filing`: the yearly 附件1 (第七条): remind the cities, the province's summary."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.attachments import Meta, Register, export_register, load_register, parse_register
from tracker.bots import filing as filings
from tracker.bots.writer import Writer
from tracker.cli.base import Group, State, now_option, pass_state, print_json, warn
from tracker.cli.forge_opts import forge_options, open_forge, settings_from
from tracker.cli.tier_opts import bot_identity
from tracker.forge.model import Forge
from tracker.kb import site
from tracker.policy import Policy

REGISTER = click.Path(dir_okay=False, path_type=Path)


@click.group(cls=Group)
def filing() -> None:
    """技术支持服务备案表（附件1）：提醒尚未报送的地市，生成全省汇总表（第七条）。

    备案登记文件（YAML）记录各市每年报送的受理电话、受理邮箱、负责人和技术联系人，格式见 zzxt attachments register；默认读取问题台账仓库中政策 filing.register_file 指定的文件，也可用 --register 指定本地文件。

    \b
    示例：
      zzxt filing remind --year 2026 --repo gdzz/support --apply
      zzxt filing export --year 2026 --register 备案/备案登记.yml --out 附件1-2026年汇总.xlsx
    """


def _register(policy: Policy, path: Path | None, client: Forge | None, repo: str) -> Register:
    if path is not None:
        return load_register(policy, path)
    assert client is not None
    name = policy.filing.register_file
    if not name:
        warn(
            "提示：政策没有设置 filing.register_file，也没有用 --register 指定备案登记文件，按无人报送处理。"
        )
        return Register()
    found = client.read_file(name)
    if found is None:
        warn(f"提示：问题台账仓库 {repo} 中还没有备案登记文件 {name}，按无人报送处理。")
        return Register()
    return parse_register(policy, found.text, f"{repo}:{name}")


@filing.command()
@forge_options
@click.option("--year", type=click.IntRange(2018, 2100), help="年份，默认为今年。")
@click.option(
    "--register",
    "register_path",
    type=REGISTER,
    metavar="备案登记.yml",
    help="本地的备案登记文件（默认读取台账仓库中的）。",
)
@click.option(
    "--apply", "do_apply", is_flag=True, help="执行：新建提醒、指派、关闭已报送地市的提醒。"
)
@click.option("--now", "now_text", metavar="时间", help="按此时间确定“今天”和“今年”（ISO 8601）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@pass_state
def remind(
    state: State,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
    year: int | None,
    register_path: Path | None,
    do_apply: bool,
    now_text: str | None,
    as_json: bool,
) -> None:
    """为当年尚未报送附件1 的每个地市建一个提醒问题，指派给该市的负责人；报送登记后自动关闭。

    提醒问题带“备案/待报送”和地市标签，指派给政策 filing.assignees 中该市的账号（写成 组织/团队 时指派给团队成员并 @ 团队）。备案登记文件中有了该市当年的记录，提醒评论后关闭。不报送附件1 的单位（政策 filing.exclude，如省直属）不提醒。重复运行不会重复建提醒。建议由定时工作流在每年9月上旬运行，9、10月每天运行一次以关闭已报送的提醒。

    \b
    示例：
      zzxt filing remind --year 2026 --forge gitea --url https://git.example.cn --repo gdzz/support
      zzxt filing remind --year 2026 --repo gdzz/support --apply
    """
    rules = state.rules()
    policy = rules.policy
    now = now_option(policy.calendar.zone, now_text)
    year = year or now.year
    settings = settings_from(forge, url, repo, write_interval, verbose)
    client = open_forge(settings)
    register = _register(policy, register_path, client, settings.repo)
    snapshot = filings.read(client, bot_identity(client, policy), policy, year)
    templates = site.contacts_url(policy) + "#downloads"
    plan = filings.plan(snapshot, register, rules, year, now.date(), templates)
    writer = Writer(client, do_apply)
    opened = filings.apply(plan, writer)
    if as_json:
        print_json({**plan.as_dict(), "opened": opened, "writes": writer.writes})
        return
    click.echo(
        f"{year} 年附件1：已报送 {len(plan.filed) + len(plan.close)} 个地市，"
        f"未报送 {len(plan.open) + len(plan.waiting)} 个（其中已有提醒 {len(plan.waiting)} 个）。"
    )
    verb = "新建" if do_apply else "将新建"
    for reminder in plan.open:
        number = opened.get(reminder.city)
        who = "、".join(reminder.assignees) or "未设置负责人"
        click.echo(
            f"  {verb}提醒 {'#' + str(number) if number else ''}{reminder.city}（指派：{who}）"
        )
    for closing in plan.close:
        click.echo(
            f"  {'关闭' if do_apply else '将关闭'}提醒 #{closing.number}：{closing.city} 已报送"
        )
    if do_apply:
        click.echo(f"已写入 {writer.writes} 次。")
    else:
        click.echo("以上为计划，未做任何修改；加 --apply 执行。")


@filing.command()
@forge_options
@click.option("--year", type=click.IntRange(2018, 2100), help="年份，默认为今年。")
@click.option(
    "--register",
    "register_path",
    type=REGISTER,
    metavar="备案登记.yml",
    help="本地的备案登记文件（不指定时读取台账仓库中的）。",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="文件.xlsx",
    help="输出文件。",
)
@click.option("--unit", default=None, help="填报单位，默认为政策中的受理部门。")
@click.option(
    "--now", "now_text", metavar="时间", help="按此时间确定“今年”和填报日期（ISO 8601）。"
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@pass_state
def export(
    state: State,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
    year: int | None,
    register_path: Path | None,
    out: Path,
    unit: str | None,
    now_text: str | None,
    as_json: bool,
) -> None:
    """生成某年附件1 的全省汇总表：每个应报送的地市一行，写明报送情况（已报送、逾期报送、未报送）。

    \b
    示例：
      zzxt filing export --year 2026 --register 备案/备案登记.yml --out 附件1-2026年汇总.xlsx
      zzxt filing export --year 2026 --repo gdzz/support --out 附件1-2026年汇总.xlsx
    """
    policy = state.policy()
    now = now_option(policy.calendar.zone, now_text)
    year = year or now.year
    client = None
    repo_name = ""
    if register_path is None:
        settings = settings_from(forge, url, repo, write_interval, verbose)
        client, repo_name = open_forge(settings), settings.repo
    register = _register(policy, register_path, client, repo_name)
    expected = policy.model_copy(update={"cities": filings.filing_cities(policy)})
    result = export_register(
        expected,
        register,
        year,
        Meta(policy.document.receiver if unit is None else unit, f"{year}年", now.date()),
        out,
    )
    if as_json:
        print_json(result)
        return
    click.echo(
        f"{year} 年附件1：{result['cities']} 个地市，已报送 {result['filed']}，逾期报送 {result['late']}，"
        f"未报送 {len(result['missing'])}；汇总表：{out}"
    )

"""`zzxt sla`: the policy's reply deadlines enforced on the tracker."""

from __future__ import annotations

from datetime import datetime

import click

from tracker.bots.dashboard import due_text, provisional_note
from tracker.bots.sla import STATE_NAMES
from tracker.bots.sla import State as SlaState
from tracker.bots.sla_run import RunReport, run
from tracker.bots.writer import Writer
from tracker.cli import table
from tracker.cli.base import Group, State, now_option, pass_state, print_json
from tracker.cli.forge_opts import bot_identity, forge_options, open_forge, settings_from
from tracker.errors import CalendarGapError, ZzxtError
from tracker.policy import Policy


@click.group(cls=Group)
def sla() -> None:
    """答复时限：按工作日检查每个未关闭问题是否按时答复。

    \b
    示例：
      zzxt sla check --forge gitea --url https://gitea.example.cn --repo gdzz/support
    """


@sla.command()
@forge_options
@click.option(
    "--apply", "do_apply", is_flag=True, help="打标签、发超期提醒、指派首位答复人、更新进度清单。"
)
@click.option(
    "--now", "now_text", metavar="时间", help="按此时间判断（ISO 8601，默认为当前时间）。"
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.option("--fail-on-overdue", is_flag=True, help="有超期未答复的问题时退出码为 1。")
@click.option(
    "--max-writes",
    type=click.IntRange(min=0),
    metavar="次数",
    help="本次最多写入多少次（0 为不限）。GitHub 默认 500：Actions 的令牌每小时只有 1,000 次请求，"
    "积压的问题按紧急程度分几次运行处理完；Gitea 默认不限。",
)
@pass_state
def check(
    state: State,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
    do_apply: bool,
    now_text: str | None,
    as_json: bool,
    fail_on_overdue: bool,
    max_writes: int | None,
) -> None:
    """检查未关闭问题的答复时限，按截止时间列出：编号、标题、单位、学段、类别、状态、截止、负责人。

    答复以提问人和机器人以外、对仓库有写权限的人的第一条评论为准（政策指定答复人时只算指定的人）。
    加 --apply 后：每个问题只保留一个时限标签（即将超期、已超期、超期答复）；
    刚超期的问题发一条提醒评论，@ 负责人或政策指定的团队，不会重复发送；
    无人负责的问题指派给首位答复人（首接负责制）；维护一个“问题处理进度清单”问题。

    \b
    示例：
      zzxt sla check --forge gitea --url https://gitea.example.cn --repo gdzz/support
      zzxt sla check --repo gdzz/support --apply --now 2025-10-12T09:00:00+08:00
    """
    rules = state.rules()
    policy = rules.policy
    now = now_option(policy.calendar.zone, now_text)
    settings = settings_from(forge, url, repo, write_interval, verbose)
    client = open_forge(settings)
    if max_writes is None:
        max_writes = settings.forge.write_budget or 0
    identity = bot_identity(client, policy)
    writer = Writer(client, do_apply, max_writes or None, identity)
    report = run(client, rules, now, writer, identity)
    if as_json:
        print_json(_as_json(report, policy))
    else:
        _print(report, do_apply)
    if report.missing_years:
        raise CalendarGapError(*report.missing_years)
    if fail_on_overdue and report.summary[SlaState.OVERDUE.value]:
        raise ZzxtError(f"有 {report.summary[SlaState.OVERDUE.value]} 个问题超期未答复。")


def _as_json(report: RunReport, policy: Policy) -> dict[str, object]:
    zone = policy.calendar.zone

    def iso(moment: datetime | None) -> str | None:
        return moment.astimezone(zone).isoformat() if moment else None

    return {
        "now": iso(report.now),
        "issues": [
            {
                "number": o.verdict.issue.number,
                "category": o.verdict.category,
                "state": o.verdict.state.value,
                "warn_at": iso(o.verdict.warn_at),
                "due": iso(o.verdict.due),
                "provisional": o.verdict.provisional,
                "responded_at": iso(o.verdict.responded_at),
                "responder": o.verdict.responder,
                "labels_added": o.labels_added,
                "labels_removed": o.labels_removed,
            }
            for o in report.outcomes
        ],
        "summary": report.summary,
        "provisional_years": report.provisional_years,
        "writes": report.writes,
        "deferred": report.deferred,
    }


def _print(report: RunReport, applied: bool) -> None:
    header = ["编号", "标题", "单位", "学段", "类别", "状态", "截止", "负责人"]
    body = [
        [
            f"#{r.number}",
            table.clip(r.title, 36),
            table.clip(r.unit, 20),
            r.stage,
            r.category,
            STATE_NAMES[r.state],
            due_text(r.due, bool(r.provisional_years)),
            r.owner or "未指派",
        ]
        for r in report.table
    ]
    click.echo(f"检查时间：{report.now.isoformat()}（共 {len(report.table)} 个未关闭问题）")
    if body:
        click.echo(table.render(header, body))
    counts = "，".join(f"{STATE_NAMES[SlaState(k)]} {v}" for k, v in report.summary.items() if v)
    click.echo(f"汇总：{counts or '无'}")
    if report.provisional_years:
        click.echo(provisional_note(report.provisional_years))
    if applied:
        click.echo(f"已写入 {report.writes} 次；进度清单为问题 #{report.dashboard_number}。")
        if report.deferred:
            click.echo(
                f"本次写入已达上限，另有 {report.deferred} 项修改留待下次运行（按紧急程度先后处理）。"
            )
    else:
        click.echo("以上为检查结果，未做任何修改；加 --apply 打标签并更新进度清单。")

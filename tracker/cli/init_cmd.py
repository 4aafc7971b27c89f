"""`zzxt init`: deploy zzxt into a private tracker repository."""

from __future__ import annotations

from pathlib import Path

import click

from tracker import __version__
from tracker.bots import init as deploying
from tracker.bots import sla_run
from tracker.bots import sync as syncing
from tracker.bots.writer import Writer
from tracker.cli.base import Command, State, now_option, pass_state, print_json
from tracker.cli.forge_opts import bot_identity, forge_options, open_forge, settings_from
from tracker.cli.tracker_policy import builtin_policy, chosen_rules, local_policy
from tracker.errors import ForgeError
from tracker.forge.model import Forge
from tracker.templates.deployment import POLICY_FILE, for_tracker


@click.command(cls=Command)
@forge_options
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="文件",
    help=f"写入台账仓库 {POLICY_FILE} 的政策文件。不指定时用 zzxt --policy 或 ZZXT_POLICY "
    "指定的文件；都没有时沿用台账仓库已有的政策文件，仓库中也没有则用内置的广东省政策。",
)
@click.option(
    "--apply", "do_apply", is_flag=True, help="执行计划；不加时只显示计划，不做任何修改。"
)
@click.option(
    "--dashboard/--no-dashboard",
    default=True,
    show_default=True,
    help="没有问题处理进度清单时创建一个并置顶（与答复时限机器人创建的相同）。",
)
@click.option(
    "--now", "now_text", metavar="时间", help="进度清单按此时间生成（ISO 8601，默认为当前时间）。"
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出计划、结果和后续步骤。")
@pass_state
def init(
    state: State,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
    policy_file: Path | None,
    do_apply: bool,
    dashboard: bool,
    now_text: str | None,
    as_json: bool,
) -> None:
    """部署问题台账：把政策文件、标签、问题表单、机器人工作流和进度清单写入一个私有仓库。

    先检查令牌对仓库有写权限、仓库是私有仓库（公开仓库一律拒绝），再列出计划；加 --apply 才写入。

    政策文件写到台账仓库的 .zzxt/policy.yml，以后只改这个文件，再运行 zzxt sync --apply。工作流把固定版本的 zzxt 安装到虚拟环境中运行，安装来源见政策文件的 deploy 部分。

    再次运行只写入有变化的内容：已部署好的仓库不写入任何内容。执行后列出后续步骤：要添加的密钥、运行器、知识库的发布方法。

    \b
    示例：
      export ZZXT_TOKEN=...
      zzxt init --forge gitea --url https://gitea.example.cn --repo gdzz/support --policy 我省政策.yml
      zzxt init --forge gitea --url https://gitea.example.cn --repo gdzz/support --apply
    """
    settings = settings_from(forge, url, repo, write_interval, verbose)
    client = open_forge(settings)
    record = settings.forge
    repository = client.repository()
    deploying.check(repository, record.token_scopes)
    current = syncing.read(client, settings.kind)
    path = policy_file or state.policy_path
    local = local_policy(path)
    base = str(path.parent) if path else ""
    choice = syncing.choose_policy(local, current, builtin_policy(), True, local_base=base)
    policy, rules = chosen_rules(choice)
    deployment = for_tracker(policy, settings.kind, __version__)
    now = now_option(policy.calendar.zone, now_text)
    identity = bot_identity(client, policy)
    snapshot = sla_run.read(client, rules, identity) if dashboard else None
    plan = deploying.plan(
        current, snapshot, rules, deployment, choice.text if choice.write else None, now
    )
    writer = Writer(client, do_apply)
    writes = deploying.apply(plan, writer, client.can_pin)
    author = _login(client)
    steps = deploying.next_steps(deployment, policy.site.url, author, plan.dashboard is not None)
    if as_json:
        print_json(
            {
                "forge": settings.kind,
                "repo": repository.full_name,
                "policy": choice.source,
                "applied": do_apply,
                **plan.as_dict(),
                "writes": writes,
                "next_steps": steps,
            }
        )
        return
    click.echo(f"{record.title} 仓库 {repository.full_name}（私有，可写）；政策：{choice.source}")
    for line in plan.lines():
        click.echo(f"  {line}")
    if plan.empty:
        click.echo("已部署，与政策一致，无需修改。")
    elif not do_apply:
        click.echo(f"共 {len(plan.lines())} 项修改。以上为计划，加 --apply 执行。")
        return
    else:
        click.echo(f"已完成 {len(plan.lines())} 项修改，写请求 {writes} 次。")
    click.echo("后续步骤：")
    for i, step in enumerate(steps, 1):
        click.echo(f"  {i}. {step}")


def _login(client: Forge) -> str | None:
    """The token's own login, to say who wrote the progress list (Gitea needs read:user)."""
    try:
        return client.current_user().login
    except ForgeError:
        return None

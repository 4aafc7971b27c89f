"""`zzxt sync`: make a tracker's labels, issue forms and (once deployed) workflows match the policy."""

from __future__ import annotations

import click

from tracker import __version__
from tracker.bots import sync as syncing
from tracker.bots.writer import Writer
from tracker.cli.base import Command, State, pass_state, print_json
from tracker.cli.forge_opts import forge_options, open_forge, settings_from
from tracker.cli.tracker_policy import builtin_policy, chosen_rules, local_policy
from tracker.errors import PublicRepoRefused
from tracker.templates.deployment import POLICY_FILE, for_tracker


@click.command(cls=Command)
@forge_options
@click.option(
    "--apply", "do_apply", is_flag=True, help="执行计划；不加时只显示计划，不做任何修改。"
)
@click.option("--prune", is_flag=True, help="同时删除本工具前缀下、政策已不再使用的标签和表单。")
@click.option(
    "--allow-public",
    is_flag=True,
    help="允许同步到公开仓库（问题中有报告人姓名和电话，默认拒绝）。",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出计划和结果。")
@pass_state
def sync(
    state: State,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
    do_apply: bool,
    prune: bool,
    allow_public: bool,
    as_json: bool,
) -> None:
    """让问题台账与政策一致：创建或更新标签，写入各类问题的表单和 config.yml；已部署的台账还包括机器人工作流。

    不加 --apply 时只列出计划（+ 新建，~ 更新，- 删除），不写入任何内容。表单写到 Gitea 的 .gitea/ISSUE_TEMPLATE/ 或 GitHub 的 .github/ISSUE_TEMPLATE/，内容相同的文件不重写；Gitea 上所有文件在一次提交中完成。

    用 zzxt init 部署过的台账（仓库中有 .zzxt/policy.yml）以该文件为准，工作流也随政策和本机 zzxt 的版本更新（升级 zzxt 后运行一次即可）；用 --policy 或 ZZXT_POLICY 指定政策文件时，该文件会写入仓库、替换原有的政策文件。

    令牌从环境变量 ZZXT_TOKEN 读取（Actions 中也可用 GITEA_TOKEN、GITHUB_TOKEN）。

    \b
    示例：
      export ZZXT_TOKEN=...
      zzxt sync --forge gitea --url https://gitea.example.cn --repo gdzz/support
      zzxt sync --forge gitea --url https://gitea.example.cn --repo gdzz/support --apply
    """
    settings = settings_from(forge, url, repo, write_interval, verbose)
    client = open_forge(settings)
    repository = client.repository()
    if not repository.private and not allow_public:
        raise PublicRepoRefused(
            f"仓库 {repository.full_name} 是公开仓库。报告须写明联系人姓名和电话，"
            "放在公开仓库会泄露个人信息。请改用私有仓库；确需使用公开仓库时加 --allow-public。"
        )
    current = syncing.read(client, settings.kind)
    local = local_policy(state.policy_path)
    base = str(state.policy_path.parent) if state.policy_path else ""
    choice = syncing.choose_policy(local, current, builtin_policy(), False, local_base=base)
    policy, rules = chosen_rules(choice)
    deployment = for_tracker(policy, settings.kind, __version__) if current.deployed else None
    plan = syncing.plan(
        current,
        rules,
        settings.kind,
        prune,
        deployment=deployment,
        policy_text=choice.text if choice.write else None,
    )
    writer = Writer(client, do_apply)
    writes = syncing.apply(plan, writer)
    if as_json:
        print_json(
            {
                "forge": settings.kind,
                "repo": repository.full_name,
                "policy": choice.source,
                "deployed": current.deployed,
                "applied": do_apply,
                **plan.as_dict(),
                "writes": writes,
            }
        )
        return
    click.echo(f"{settings.kind} 仓库 {repository.full_name}（政策：{choice.source}）：")
    for line in plan.lines():
        click.echo(f"  {line}")
    for name in plan.kept:
        click.echo(f"  保留 {name}（政策已不再使用；加 --prune 删除）")
    if not current.deployed:
        click.echo(f"  （仓库中没有 {POLICY_FILE}，只同步标签和表单；部署机器人请用 zzxt init）")
    if plan.empty:
        click.echo("已与政策一致，无需修改。")
    elif do_apply:
        click.echo(f"已完成 {len(plan.lines())} 项修改，写请求 {writes} 次。")
    else:
        click.echo(f"共 {len(plan.lines())} 项修改。以上为计划，加 --apply 执行。")

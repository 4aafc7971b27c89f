"""`zzxt policy`: show the effective policy, check a policy file."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli.base import Group, State, pass_state, print_json
from tracker.policy import Policy, load_policy


@click.group(cls=Group)
def policy() -> None:
    """政策文件：查看生效的政策，校验修改后的政策文件。

    \b
    示例：
      zzxt policy show
      zzxt policy check 我省政策.yml
    """


@policy.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出完整政策。")
@pass_state
def show(state: State, as_json: bool) -> None:
    """显示当前生效的政策：文号、服务渠道、问题类别与答复时限、学段、地市等。

    政策来源依次为 --policy 选项、环境变量 ZZXT_POLICY、随程序提供的内置政策。

    \b
    示例：
      zzxt policy show
      zzxt policy show --json
    """
    effective = state.policy()
    if as_json:
        print_json(effective.model_dump(mode="json"))
        return
    source = (
        str(state.policy_path) if state.policy_path else f"内置的{effective.document.region}政策"
    )
    click.echo(describe(effective, source))


@policy.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def check(file: Path) -> None:
    """校验政策文件。有错误时指出文件、行号和字段，退出码为 2。

    \b
    示例：
      zzxt policy check 我省政策.yml
    """
    checked = load_policy(file)
    click.echo(
        f"政策文件 {file} 校验通过：{len(checked.categories)} 类问题、{len(checked.stages)} 个学段、"
        f"{len(checked.cities)} 个地市、{len(checked.label_book().specs())} 个标签。"
    )


def describe(p: Policy, source: str) -> str:
    """Return a Chinese summary of a policy for people."""
    lines = [
        f"政策来源：{source}",
        f"依据文件：{p.document.authority}《{p.document.title}》（{p.document.number}）",
        f"受理部门：{p.document.receiver}",
        f"服务电话：{p.service.phone}",
        "问题类别与答复时限（工作日，提醒线/超期线）：",
    ]
    for c in p.categories:
        subs = "、".join(s.name for s in c.subcategories) or "无子类"
        local = "，本工具的设置" if c.deadline.local_choice else ""
        boxes = "、".join(p.mailboxes_for(c.key))
        lines.append(
            f"  {c.key:<12}{c.name}：{c.deadline.warn}/{c.deadline.breach}{local}；{subs}；邮箱 {boxes}"
        )
    lines += [
        f"学段：{'、'.join(s.name for s in p.stages)}",
        f"地市（{len(p.cities)}）：{'、'.join(p.cities)}",
        f"受理单位：{'、'.join(p.accepted_units)}",
        f"邮件主题格式：{p.title_prefix(p.categories[0].key).rstrip(p.report.title_separator)}",
        f"时区：{p.calendar.timezone}；按年补充的放假安排："
        + ("、".join(str(y) for y in sorted(p.calendar.years)) or "无")
        + ("；缺数据年份报错停止" if p.calendar.strict else "；缺数据年份按法定节假日暂定"),
        f"知识库：{p.site.url}",
    ]
    return "\n".join(lines)

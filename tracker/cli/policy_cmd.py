"""`zzxt policy`: show the effective policy, check a policy file."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli.base import Group, State, pass_state, print_json
from tracker.policy import LEVEL_NAMES, Policy, PolicyLayers, load_layers, load_policy


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
@click.option(
    "--sources", is_flag=True, help="列出每一项取自哪个文件的第几行（继承上级政策时有用）。"
)
@pass_state
def show(state: State, as_json: bool, sources: bool) -> None:
    """显示当前生效的政策：文号、服务渠道、问题类别与答复时限、学段、地市等。

    政策来源依次为 --policy 选项、环境变量 ZZXT_POLICY、随程序提供的内置政策。
    地市的政策文件用 extends 继承省级政策时，显示合并后的结果，并列出本级改动了哪些项；
    加 --sources 列出每一项的来源文件和行号。

    \b
    示例：
      zzxt policy show
      zzxt policy show --json
      zzxt --policy 佛山市.yml policy show --sources
    """
    layers = load_layers(state.policy_path)
    effective = layers.policy
    if sources:
        values = {
            ".".join(path): {"file": file, "line": line}
            for path, (file, line) in sorted(layers.origins.items(), key=_path_order)
            if path
        }
        if as_json:
            print_json({"files": list(layers.files), "values": values})
        else:
            click.echo("政策文件：" + " → ".join(layers.files))
            for path, where in values.items():
                click.echo(f"  {path}：{where['file']} 第 {where['line']} 行")
        return
    if as_json:
        print_json(effective.model_dump(mode="json"))
        return
    source = (
        str(state.policy_path) if state.policy_path else f"内置的{effective.document.region}政策"
    )
    click.echo(describe(effective, source))
    if len(layers.files) > 1:
        click.echo(describe_layers(layers))


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
        f"层级：{LEVEL_NAMES[p.level]}",
    ]
    if p.upstream is not None:
        up = p.upstream
        lines.append(
            f"上级问题台账：{up.forge} {up.url} {up.repo}（以 {up.reporting.unit} 名义报送，"
            f"令牌取自环境变量 ZZXT_UPSTREAM_TOKEN）"
        )
    return "\n".join(lines)


def _path_order(item: tuple[tuple[str, ...], tuple[str, int]]) -> tuple[object, ...]:
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in item[0])


def describe_layers(layers: PolicyLayers) -> str:
    """Return which values each file that extends another sets, with their lines."""
    lines = ["继承关系：" + " → ".join(layers.files)]
    root = layers.files[-1]
    for file in layers.files[:-1]:
        own = sorted(
            (
                (line, ".".join(path))
                for path, (source, line) in layers.origins.items()
                if source == file and path and layers.origins.get(path[:-1], ("", 0))[0] != file
            ),
        )
        lines.append(f"{file} 设置的项（其余取自 {root}）：")
        lines += [f"  {path}（第 {line} 行）" for line, path in own]
    return "\n".join(lines)

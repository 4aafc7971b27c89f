"""`zzxt labels`: the labels the policy defines."""

from __future__ import annotations

import click

from tracker.cli import table
from tracker.cli.base import Group, State, pass_state, print_json


@click.group(cls=Group)
def labels() -> None:
    """标签：列出系统使用的全部标签（类别、子类、学段、地市、状态、时限等）。

    \b
    示例：
      zzxt labels list
    """


@labels.command("list")
@click.option(
    "--json", "as_json", is_flag=True, help='以 JSON 输出：[{"name", "color", "description"}]。'
)
@pass_state
def list_labels(state: State, as_json: bool) -> None:
    """列出政策定义的全部标签，含颜色和说明。

    \b
    示例：
      zzxt labels list
      zzxt labels list --json
    """
    specs = state.policy().label_book().specs()
    if as_json:
        print_json([spec.as_dict() for spec in specs])
        return
    click.echo(
        table.render(
            ["名称", "颜色", "说明"], [[s.name, f"#{s.color}", s.description] for s in specs]
        )
    )

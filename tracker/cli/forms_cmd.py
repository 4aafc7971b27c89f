"""`zzxt forms`: render the issue forms, read a submitted form back."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import click

from tracker.cli.base import Group, State, pass_state, print_json, read_text, warn
from tracker.errors import InputError, ZzxtError
from tracker.forge.kinds import KIND_NAMES, Kind, forge_kind
from tracker.templates.form_parse import parse_body
from tracker.templates.forms import build_forms, render_templates
from tracker.templates.generated import stale_files, write_generated


@click.group(cls=Group)
def forms() -> None:
    """问题表单：由政策生成各类问题的表单，读取已提交的表单内容。

    \b
    示例：
      zzxt forms render
      zzxt forms render --check
      zzxt forms parse issue.md --json
    """


@forms.command()
@click.option(
    "--flavor",
    type=click.Choice(KIND_NAMES),
    help="生成哪种平台的表单；不指定时两种都生成。",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="输出目录；默认为 .github/ISSUE_TEMPLATE 或 .gitea/ISSUE_TEMPLATE。",
)
@click.option("--check", is_flag=True, help="只比较，不写入：已有表单与政策不一致时退出码为 1。")
@pass_state
def render(state: State, flavor: Kind | None, out: Path | None, check: bool) -> None:
    """由政策生成 GitHub 或 Gitea 的问题表单和模板选择页配置 config.yml。

    每类问题一个表单，标题按“XX市-XX学段-XX类问题：”预填，并自动加类别标签。
    修改政策文件后重新运行即可；--check 用于持续集成，发现未重新生成时报错。

    \b
    示例：
      zzxt forms render
      zzxt forms render --flavor gitea --out /tmp/forms
      zzxt forms render --check
    """
    if out is not None and flavor is None:
        raise InputError("指定 --out 时须同时用 --flavor 指明平台（github 或 gitea）。")
    policy = state.policy()
    targets = [(flavor, out)] if flavor else [(f, None) for f in KIND_NAMES]
    jobs = [(f, d or Path(forge_kind(f).template_dir)) for f, d in targets]
    if check:
        stale = [(d, name) for f, d in jobs for name in stale_files(render_templates(policy, f), d)]
        if stale:
            for directory, name in stale:
                warn(f"与政策不一致：{directory / name}")
            raise ZzxtError("表单与政策文件不一致，请运行 zzxt forms render 重新生成后提交。")
        click.echo("表单与政策文件一致。")
        return
    rendered = [(d, render_templates(policy, f)) for f, d in jobs]
    for directory, files in rendered:
        written = write_generated(files, directory)
        click.echo(f"已生成 {len(written)} 个文件到 {directory}")


@forms.command()
@click.argument("file", type=click.File("r", encoding="utf-8"), metavar="文件|-")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@pass_state
def parse(state: State, file: TextIO, as_json: bool) -> None:
    """读取按表单提交的问题正文，输出所属类别、各字段的回答和缺少的必填项。

    支持 GitHub 和 Gitea 两种正文格式，也能读取提交后被人工修改过的正文。
    文件名为 - 时从标准输入读取。

    \b
    示例：
      zzxt forms parse issue.md
      zzxt forms parse - --json < issue.md
    """
    body = read_text(file, "正文")
    all_forms = build_forms(state.policy())
    result = parse_body(all_forms, body)
    for message in result.warnings:
        warn(f"警告：{message}")
    if as_json:
        print_json(result.as_dict())
        return
    form = next((f for f in all_forms if f.category == result.template), None)
    labels = {e.id: e.label for f in reversed(all_forms) for e in f.elements}
    click.echo(f"类别：{form.name if form else '无法判断'}")
    for field_id, value in result.fields.items():
        if isinstance(value, list):
            shown = "".join(f"\n  - {item}" for item in value) or "（无）"
        else:
            shown = value or "（空）"
        click.echo(f"{labels[field_id]}（{field_id}）：{shown}")
    missing = "、".join(f"{labels[i]}（{i}）" for i in result.missing)
    click.echo(f"缺少必填项：{missing or '无'}")

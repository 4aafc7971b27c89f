"""`zzxt site`: the knowledge base of a tracker deployment."""

from __future__ import annotations

import os
from pathlib import Path

import click

from tracker.cli.base import Group, State, pass_state, print_json, warn
from tracker.kb.publish import build_site
from tracker.templates.deployment import FAQ_DIR


@click.group(cls=Group)
def site() -> None:
    """知识库站点：按政策文件和常见问题页面构建可在内网离线使用的静态站点。

    \b
    示例：
      ZZXT_POLICY=.zzxt/policy.yml zzxt site build --out /srv/zzxt-site
    """


@site.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    metavar="目录",
    help="站点输出目录：须为空目录、新目录或以前构建的站点（整个替换）。",
)
@click.option(
    "--faq-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(FAQ_DIR),
    show_default=True,
    metavar="目录",
    help="常见问题页面目录；分诊机器人用同一目录推荐知识库链接。",
)
@click.option(
    "--shim",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="文件",
    help="iframe-worker 的 shim.js：站点从 file:// 打开时搜索需要它（npm pack iframe-worker 获取）。",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出构建结果。")
@pass_state
def build(state: State, out: Path, faq_dir: Path, shim: Path | None, as_json: bool) -> None:
    """构建问题台账的知识库：首页、服务指南和常见问题，链接地址取政策文件的 site.url。

    政策文件与其他命令相同（--policy 或 ZZXT_POLICY，台账仓库中为 .zzxt/policy.yml）；常见问题页面默认读 .zzxt/faq/，格式见知识库站点说明。目录不存在时只生成首页和服务指南。

    生成的是静态文件：复制到内网 Web 服务器（如 nginx）的站点目录，或直接用浏览器打开其中的 index.html。构建需要 mkdocs-material（pip install 'zzxt[site]'）。

    \b
    示例：
      ZZXT_POLICY=.zzxt/policy.yml zzxt site build --out /srv/zzxt-site
      zzxt site build --faq-dir docs/faq --out site --shim shim.js
    """
    policy = state.policy()
    folder: Path | None = faq_dir
    if not faq_dir.is_dir():
        warn(f"警告：找不到常见问题目录 {faq_dir}，站点只有首页和服务指南（可用 --faq-dir 指定）。")
        folder = None
    result = build_site(policy, state.policy_path, folder, out, shim, os.environ)
    if as_json:
        print_json(
            {
                "out": str(result.out),
                "url": policy.site.url,
                "entries": result.entries,
                "file_search": result.shim,
                "seconds": round(result.seconds, 1),
            }
        )
        return
    click.echo(
        f"已构建知识库到 {result.out}：常见问题 {result.entries} 篇，用时 {result.seconds:.1f} 秒。"
    )
    click.echo(f"发布地址应为 {policy.site.url}（政策文件 site.url，机器人的链接都指向它）。")
    if not result.shim:
        click.echo("未提供 --shim：通过 Web 服务器访问不受影响，从 file:// 打开时无法搜索。")

"""`zzxt faq`: the FAQ knowledge base."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from tracker.cli.base import Group, State, pass_state
from tracker.faq import load_entries

DEFAULT_DIR = Path("docs/faq")


@click.group(cls=Group)
def faq() -> None:
    """常见问题知识库：校验问题页面。

    \b
    示例：
      zzxt faq check
    """


@faq.command()
@click.argument(
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DIR,
    metavar="[目录]",
)
@pass_state
def check(state: State, directory: Path) -> None:
    """校验常见问题页面的 front matter：类别、子类、学段须为政策中的 key，id 须与文件名一致。

    默认目录为 docs/faq。有错误时指出文件、行号和字段，退出码为 2。

    \b
    示例：
      zzxt faq check
      zzxt faq check docs/faq
    """
    policy = state.policy()
    entries = load_entries(directory, policy)
    by_category = Counter(e.meta.category for e in entries)
    parts = "、".join(f"{policy.category(k).name} {n}" for k, n in by_category.items())
    trained = sum(e.meta.trained for e in entries)
    click.echo(
        f"{directory} 校验通过：共 {len(entries)} 篇（{parts or '无'}），其中已培训问题 {trained} 篇。"
    )

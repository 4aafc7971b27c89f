"""Options every command that talks to a tracker shares, read at the edge."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

from tracker.forge.settings import KINDS, ForgeSettings, resolve_settings

F = TypeVar("F", bound=Callable[..., Any])


def forge_options(command: F) -> F:
    """Add --forge, --url, --repo, --write-interval and --verbose to a command."""
    options = [
        click.option(
            "--forge",
            type=click.Choice(KINDS),
            help="平台：github 或 gitea；也可用环境变量 ZZXT_FORGE，在 Actions 中自动识别。",
        ),
        click.option(
            "--url",
            metavar="地址",
            help="在浏览器中打开的平台地址，如 https://gitea.example.cn；也可用 ZZXT_URL。",
        ),
        click.option(
            "--repo",
            metavar="所有者/仓库",
            help="问题台账所在的仓库，如 gdzz/support；也可用 ZZXT_REPO。",
        ),
        click.option(
            "--write-interval",
            type=click.FloatRange(min=0),
            metavar="秒",
            help="两次写请求的最小间隔（GitHub 默认 1 秒，以免触发次级限流；Gitea 默认 0）。",
        ),
        click.option("--verbose", is_flag=True, help="在标准错误输出每个请求（不含令牌）。"),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def settings_from(
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
) -> ForgeSettings:
    """Build connection settings from the options and this process's environment."""
    if verbose:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("zzxt: %(message)s"))
        logger = logging.getLogger("zzxt.forge")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    return resolve_settings(
        os.environ, kind=forge, url=url, repo=repo, write_interval=write_interval
    )

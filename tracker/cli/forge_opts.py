"""Options every command that talks to a tracker shares, read at the edge."""

from __future__ import annotations

import logging
import math
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from tracker.bots.identity import BotIdentity, read_identity
from tracker.errors import InputError
from tracker.forge import KIND_NAMES, ForgeSettings, RetryPolicy, connect, resolve_settings
from tracker.forge.model import Forge
from tracker.policy import Policy

# A first wait longer than this is a typo, not a setting: retries would outlast any run.
MAX_BACKOFF = 60.0

F = TypeVar("F", bound=Callable[..., Any])


def forge_options(command: F) -> F:
    """Add --forge, --url, --repo, --write-interval and --verbose to a command."""
    options = [
        click.option(
            "--forge",
            type=click.Choice(KIND_NAMES),
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
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("zzxt: %(message)s"))
        logger = logging.getLogger("zzxt.forge")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        click.get_current_context().call_on_close(lambda: logger.removeHandler(handler))
    return resolve_settings(
        os.environ,
        kind=forge,
        url=url,
        repo=repo,
        write_interval=write_interval,
        retry=_retry_policy(os.environ.get("ZZXT_RETRY_BACKOFF")),
    )


def _retry_policy(backoff: str | None) -> RetryPolicy:
    """Retries as configured; ZZXT_RETRY_BACKOFF sets the first wait in seconds."""
    if not backoff:
        return RetryPolicy()
    try:
        seconds = float(backoff)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_BACKOFF:
        raise InputError(
            f"环境变量 ZZXT_RETRY_BACKOFF 应为 0 到 {MAX_BACKOFF:g} 之间的秒数，例如 0.5，"
            f"而不是 {backoff!r}。"
        )
    return RetryPolicy(backoff=seconds)


def bot_identity(client: Forge, policy: Policy) -> BotIdentity:
    """Who the bot is on this tracker: policy, token (GET /user) or the CI's bot account."""
    return read_identity(client, policy, os.environ)


def open_forge(settings: ForgeSettings) -> Forge:
    """Connect, and close the connection when the command ends."""
    client = connect(settings)
    click.get_current_context().call_on_close(client.close)
    return client

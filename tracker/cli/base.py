"""Shared pieces of the command line: command classes, error display, state."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import click

from tracker.bots.rules import Rules
from tracker.cli import zh
from tracker.errors import InputError, ZzxtError
from tracker.policy import Policy, load_policy

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Command(click.Command):
    context_class = zh.Context

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)
        zh.localise(self.params)


class Group(click.Group):
    command_class = Command
    context_class = zh.Context

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)
        zh.localise(self.params)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ZzxtError as error:
            # A user's mistake or a known failure: its message and exit code, no traceback.
            click.echo(f"错误：{zh.os_words(error.message)}", err=True)
            ctx.exit(error.exit_code)


Group.group_class = Group


@dataclass
class State:
    """What the root command read from the outside world, shared by subcommands."""

    policy_path: Path | None
    _policy: Policy | None = field(default=None, repr=False)
    _rules: Rules | None = field(default=None, repr=False)

    def policy(self) -> Policy:
        if self._policy is None:
            self._policy = load_policy(self.policy_path)
        return self._policy

    def rules(self) -> Rules:
        """The policy with its labels, forms and calendar, built once per command."""
        if self._rules is None:
            self._rules = Rules.build(self.policy(), warn=warn)
        return self._rules


def warn(message: str) -> None:
    click.echo(message, err=True)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


pass_state = click.make_pass_decorator(State)


def read_text(file: TextIO, what: str = "文件") -> str:
    """Read an opened text file (or stdin); a non-UTF-8 one is an input error."""
    try:
        return str(file.read())
    except UnicodeDecodeError:
        raise InputError(f"{what}不是 UTF-8 编码，请另存为 UTF-8 后重试。") from None


def now_option(zone: ZoneInfo, text: str | None) -> datetime:
    """Return `--now` in the policy's zone (a time without a zone is Beijing time), or the clock."""
    if text is None:
        return datetime.now(zone).replace(microsecond=0)
    moment = parse_moment(text, "--now")
    return moment.astimezone(zone) if moment.tzinfo else moment.replace(tzinfo=zone)


def parse_moment(text: str, option: str) -> datetime:
    """Parse an ISO 8601 time or date given on the command line (naive stays naive)."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time())
        return datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{option} 的时间 {text!r} 无法识别，请写成 ISO 8601 格式，例如 2025-09-30T16:00:00+08:00"
            "（不写时区时按北京时间）。"
        ) from None

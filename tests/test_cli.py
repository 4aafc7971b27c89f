"""The command line speaks Chinese: help, examples and mistakes."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from tracker.cli import cli


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


ALL_COMMANDS = _commands(cli)


def test_every_command_is_listed() -> None:
    assert ("policy", "show") in ALL_COMMANDS
    assert ("calendar", "deadline") in ALL_COMMANDS
    assert ("forms", "parse") in ALL_COMMANDS
    assert ("labels", "list") in ALL_COMMANDS


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda p: " ".join(p) or "zzxt")
def test_help_is_chinese_with_an_example(invoke, path: tuple[str, ...]) -> None:
    result = invoke(*path, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("用法： zzxt")
    assert "示例：" in result.stdout
    assert "zzxt " + " ".join(path) in result.stdout.split("示例：")[1]
    assert "显示本帮助并退出。" in result.stdout
    for english in ("Usage:", "Options:", "Show this message"):
        assert english not in result.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["nope"], "没有命令 'nope'"),
        (["policy", "show", "--yaml"], "没有选项"),
        (["calendar", "deadline", "--days", "1"], "缺少选项 '--start'"),
        (["calendar", "deadline", "--start", "2025-01-01", "--days", "x"], "不是有效的数字"),
        (["forms", "render", "--flavor", "gitlab"], "不是可选值"),
        (["forms", "parse"], "缺少参数"),
    ],
    ids=["未知命令", "未知选项", "缺少选项", "非数字", "非可选值", "缺少参数"],
)
def test_usage_mistakes_are_chinese(invoke, args: list[str], words: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert words in result.stderr
    assert "错误：" in result.stderr
    assert "Error" not in result.stderr


def test_console_script_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tracker", "calendar", "is-workday", "2025-10-11", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert '"workday": true' in result.stdout

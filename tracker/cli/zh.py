"""Chinese for the words click itself prints (usage, option headings, usage errors).

click marks its strings with gettext but ships no translations, and gettext
would only pick one up from the process locale. Users of this tool read
Chinese whatever their locale, so the catalogue lives here and is bound into
click's modules when the CLI starts. Strings missing from it stay English.

What gettext cannot reach is handled here too: the metavars click derives from
a parameter's type (`TEXT`, `FILE`, `INTEGER RANGE`), the operating system's
words in file errors (`No such file or directory`), and a help layout that
measures Chinese characters as one column and ends headings with an ASCII colon
(`HelpFormatter`, used through `Context` by every command class in `base.py`).
"""

from __future__ import annotations

import errno
import os
import re
import socket
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.types

from tracker.cli.table import width

CATALOGUE = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s 版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Missing command.": "缺少子命令。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such option: {name}": "没有选项：{name}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Invalid value: {message}": "取值无效：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的取值无效：{message}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受取值。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数字。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，应为目录。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是目录，应为文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "env var: {var}": "环境变量：{var}",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "Aborted!": "已中止。",
}

PLURALS = {
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个取值。",
    "{value!r} is not {choice}.": "{value!r} 不是可选值，应为 {choice}。",
    "Did you mean {possibility}?": "是否想输入 {possibility}？",
}
PLURALS_MANY = {
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个取值。",
    "{value!r} is not one of {choices}.": "{value!r} 不是可选值，应为 {choices} 之一。",
    "(Did you mean one of: {possibilities}?)": "（是否想输入：{possibilities}？）",
}


# The operating system's words for the errors a file or a port can meet.
OS_ERRORS = {
    errno.ENOENT: "文件或目录不存在",
    errno.EISDIR: "这是一个目录，不是文件",
    errno.ENOTDIR: "路径中有一段不是目录",
    errno.EACCES: "没有访问权限",
    errno.EPERM: "不允许的操作",
    errno.EROFS: "文件系统是只读的",
    errno.ENOSPC: "磁盘空间不足",
    errno.EEXIST: "已经存在",
    errno.ENAMETOOLONG: "文件名过长",
    errno.ELOOP: "符号链接循环",
    errno.EADDRINUSE: "端口已被占用",
    errno.EADDRNOTAVAIL: "本机没有这个地址",
    errno.EINVAL: "参数无效",
}


def os_error(error: OSError) -> str:
    """The reason an OSError gives, in Chinese (its errno, not its English text)."""
    if isinstance(error, socket.gaierror):
        return "无法解析这个主机名"
    if error.errno in OS_ERRORS:
        return OS_ERRORS[error.errno]
    if isinstance(error, OSError) and error.errno is not None:
        return f"系统错误 {errno.errorcode.get(error.errno, error.errno)}"
    return "系统错误"


def _strerror_in_chinese(message: str) -> str:
    """Replace the English `strerror` click appends to a file error."""
    for number, chinese in OS_ERRORS.items():
        english = os.strerror(number)
        if english and message.endswith(english):
            head = message[: -len(english)]
            return (head[:-2] + "：" if head.endswith(": ") else head) + chinese
    return message


def os_words(message: str) -> str:
    """Put the operating system's English reasons inside a message into Chinese.

    Library errors quote `exc.strerror` ("无法写入 x（Permission denied）"); the
    CLI shows every error through this, so no such English reaches a user.
    """
    for number, chinese in OS_ERRORS.items():
        english = os.strerror(number)
        if english:
            message = message.replace(english, chinese)
    return message


def gettext(message: str) -> str:
    return CATALOGUE.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    if n == 1:
        return PLURALS.get(singular, singular)
    return PLURALS_MANY.get(plural, plural)


# ---- metavars ---------------------------------------------------------------


def metavar(param: click.Parameter) -> str | None:
    """The Chinese word for what a parameter takes, or None to leave click's (choices)."""
    kind = param.type
    if isinstance(kind, click.Choice) or (isinstance(param, click.Option) and param.is_flag):
        return None
    if isinstance(kind, click.File):
        word = "文件|-" if "r" in kind.mode else "文件"
    elif isinstance(kind, click.Path):
        word = "目录" if not kind.file_okay else "文件" if not kind.dir_okay else "路径"
    elif isinstance(kind, click.types.IntParamType):
        word = "整数"
    elif isinstance(kind, click.types.FloatParamType):
        word = "数字"
    elif isinstance(kind, click.DateTime):
        word = "时间"
    elif isinstance(kind, click.types.BoolParamType):
        word = "是否"
    else:
        word = "文字"
    if isinstance(param, click.Argument) and not param.required:
        word = f"[{word}]"
    if param.nargs != 1:
        word += "..."
    return word


def localise(params: Iterable[click.Parameter]) -> None:
    """Give every parameter without its own metavar a Chinese one."""
    for param in params:
        if param.metavar is None:
            param.metavar = metavar(param)


# ---- help layout ---------------------------------------------------------------

_ATOM = re.compile(r"[\x21-\x7e]+|\s+|.", re.S)  # an ASCII word, a space run, or one character
# Never at the start of a line (closing marks) or at its end (opening marks).
_CLOSING = set("，。、；：？！）》」』】”’…")
_OPENING = set("（《「『【“‘")


def wrap(text: str, limit: int) -> list[str]:
    """Break `text` into lines of at most `limit` display columns (Chinese counts two).

    ASCII words stay whole; between Chinese characters any point may break.
    """
    lines: list[str] = []
    line = ""
    for atom in _ATOM.findall(text):
        if atom.isspace():
            if line:
                line += " "
            continue
        if line and width(line + atom) > limit and atom not in _CLOSING:
            carried = ""
            while line and line[-1] in _OPENING:
                carried, line = line[-1] + carried, line[:-1]
            lines.append(line.rstrip())
            line = carried
        line += atom
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _join(lines: Sequence[str]) -> str:
    """Join the lines of one paragraph: a space only between two ASCII words."""
    out = ""
    for line in (raw.strip() for raw in lines):
        if out and line and out[-1].isascii() and line[0].isascii():
            out += " "
        out += line
    return out


def _paragraphs(text: str) -> Iterator[tuple[bool, list[str]]]:
    """(keep as written, lines) for each paragraph; `\\b` alone on a line keeps one as written."""
    block: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.strip():
            block.append(line)
            continue
        if block:
            if block[0].strip() == "\b":
                yield True, block[1:]
            else:
                yield False, block
            block = []


class HelpFormatter(click.HelpFormatter):
    """click's help with a full-width colon after headings and Chinese measured as two columns."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        limit = max(self.width - self.current_indent, 20)
        out: list[str] = []
        for keep, lines in _paragraphs(text):
            if out:
                out.append("")
            if keep:
                out += [indent + line for line in lines]
            else:
                out += [indent + line for line in wrap(_join(lines), limit)]
        self.write("\n".join(out) + "\n")

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        first_col = min(max((width(first) for first, _ in rows), default=0), col_max)
        first_col += col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap(_join(second.splitlines()), max(self.width - first_col - 2, 10))
            pad = " " * (first_col + self.current_indent)
            self.write((lines[0] if lines else "") + "\n")
            for line in lines[1:]:
                self.write(f"{pad}{line}\n")


class Context(click.Context):
    formatter_class = HelpFormatter


def _file_convert(original: Any) -> Any:
    def convert(self: click.File, value: Any, param: Any, ctx: Any) -> Any:
        try:
            return original(self, value, param, ctx)
        except click.BadParameter as error:
            raise click.BadParameter(
                _strerror_in_chinese(error.message), ctx=error.ctx, param=error.param
            ) from None

    return convert


def install() -> None:
    """Make click's own messages Chinese."""
    for module in (
        click.core,
        click.decorators,
        click.exceptions,
        click.formatting,
        click.parser,
        click.types,
    ):
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
    if not getattr(click.File.convert, "_zh", False):
        click.File.convert = _file_convert(click.File.convert)  # type: ignore[method-assign]
        click.File.convert._zh = True  # type: ignore[attr-defined]


# On import: click types built while the commands are defined (click.Path's "file")
# take their words from the catalogue only if it is bound before they are made.
install()

"""Files zzxt writes into a repository: YAML as people read it, written all or nothing.

Every generated file starts with `MARK`, so zzxt recognises its own files (to
update or remove them) and never touches one written by hand.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from tracker.errors import InputError

MARK = "# 本文件由 `zzxt "  # every generated file starts so


class _Dumper(yaml.SafeDumper):
    """Block style, multi-line strings as literal blocks, Chinese kept readable."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(doc: dict[str, Any]) -> str:
    """Dump a document in block style with readable Chinese and literal multi-line strings."""
    return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000, indent=2)


def stale_files(wanted: dict[str, str], directory: Path) -> list[str]:
    """Return the files in `directory` that differ from `wanted`, or should not be there."""
    stale = []
    for name, content in wanted.items():
        path = directory / name
        if not path.is_file() or path.read_text("utf-8") != content:
            stale.append(name)
    if directory.is_dir():
        for path in sorted(directory.glob("*.y*ml")):
            if path.name not in wanted:
                stale.append(path.name)
    return sorted(stale)


def write_generated(files: dict[str, str], directory: Path) -> list[Path]:
    """Write every file or none, and remove our own files the policy no longer has.

    Each file goes to a temp file first; only when all are written are they renamed.
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"无法创建输出目录 {directory}（{exc.strerror}），请检查路径和写入权限。"
        ) from None
    staged: list[tuple[str, Path]] = []
    try:
        for name, content in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(content)
            staged.append((tmp, directory / name))
    except OSError as exc:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise InputError(
            f"无法写入输出目录 {directory}（{exc.strerror}），已写的临时文件已删除，请检查磁盘空间和权限。"
        ) from None
    for tmp, target in staged:
        os.replace(tmp, target)
    for path in directory.glob("*.y*ml"):
        if path.name not in files and path.read_text("utf-8").startswith(MARK):
            path.unlink()
    return [target for _, target in staged]

"""Write the report's files all or none: each goes to a temp file in DIR, renamed at the end."""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from tracker.errors import InputError


class Staging:
    """Temp files beside their targets; `commit` renames them all, `discard` removes them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._staged: dict[str, Path] = {}

    def path(self, name: str) -> Path:
        """Return a fresh temp path that will become `directory/name` on commit."""
        suffix = Path(name).suffix
        fd, tmp = tempfile.mkstemp(
            prefix=f".{Path(name).stem}.", suffix=suffix + ".tmp", dir=self.directory
        )
        os.close(fd)
        self._staged[name] = Path(tmp)
        return Path(tmp)

    def commit(self) -> list[Path]:
        """Rename every staged file to its name; refuse before renaming any if one cannot be."""
        blocked = [name for name in self._staged if (self.directory / name).is_dir()]
        if blocked:
            raise InputError(
                f"输出目录 {self.directory} 中已有同名的文件夹：{'、'.join(blocked)}，"
                "请删除或改用其他输出目录。没有写入任何文件。"
            )
        targets = []
        for name, tmp in self._staged.items():
            target = self.directory / name
            os.replace(tmp, target)
            targets.append(target)
        self._staged.clear()
        return targets

    def discard(self) -> None:
        for tmp in self._staged.values():
            tmp.unlink(missing_ok=True)
        self._staged.clear()


@contextmanager
def staging(directory: Path) -> Iterator[Staging]:
    """Stage files in `directory`; on any error remove the temp files and leave old ones alone."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"无法创建输出目录 {directory}（{exc.strerror}），请检查路径和写入权限。"
        ) from None
    stage = Staging(directory)
    try:
        yield stage
    except OSError as exc:
        stage.discard()
        raise InputError(
            f"无法写入输出目录 {directory}（{exc.strerror}），已写的临时文件已删除，"
            "原有文件未改动，请检查磁盘空间和权限。"
        ) from None
    except BaseException:
        stage.discard()
        raise


def settle_zip(path: Path, moment: datetime) -> None:
    """Rewrite a zip (a .docx or .xlsx) with every entry dated `moment`, in place.

    The Office libraries date each entry by the clock, so the same report made
    twice would differ in bytes; dated by the report's own time instead, a
    rerun of `zzxt report publish` finds the committed files unchanged.
    """
    stamp = moment.timetuple()[:6]
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w") as target:
        for info, data in entries:
            settled = zipfile.ZipInfo(info.filename, date_time=stamp)
            settled.compress_type = info.compress_type
            settled.external_attr = info.external_attr
            target.writestr(settled, data)

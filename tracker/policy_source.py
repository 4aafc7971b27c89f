"""Where a policy's files come from, and how a city's file is laid over the province's.

A policy file may say `extends: 上级政策` (a path relative to itself, an https
address, or `builtin:guangdong.yml` for a policy shipped with zzxt). The file
it names is read first; then this file's values are laid over it:

- mappings merge key by key;
- lists of mappings that all carry a `key`, `id` or `number` merge item by
  item (matching items merge, new ones are added at the end, none is removed);
- any other value (text, numbers, plain lists like `cities` or
  `accepted_units`, the list of mailboxes) is replaced as a whole.

Every value of the result remembers the file and line it came from (`Origin`),
so validation errors and `zzxt policy show --sources` name the right file.
Nothing is cached: each load reads every file again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from tracker.errors import PolicyError
from tracker.validation import read_yaml

BUILTIN = "builtin:"
FETCH_TIMEOUT = 20.0
IDENTITIES = ("key", "id", "number")  # what names an item of a list that merges item by item
KIND = "政策文件"

Path_ = tuple[str, ...]
Origin = tuple[str, int]  # file (or address) and 1-based line


@dataclass(frozen=True)
class Layer:
    """One policy file as read: its name, its mapping and the line of each path."""

    source: str  # as shown to people: a path, an address or <内置>/name
    data: dict[str, Any]
    lines: dict[Path_, int]
    base: str  # what a relative `extends` in this file is resolved against

    def line(self, path: Path_) -> int:
        for n in range(len(path), -1, -1):
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return 1

    @property
    def extends(self) -> str:
        value = self.data.get("extends")
        return value.strip() if isinstance(value, str) else ""


@dataclass
class Merged:
    """The data of several layers laid over each other, with each path's origin."""

    data: dict[str, Any]
    origins: dict[Path_, Origin] = field(default_factory=dict)


# Reading one file.


def builtin_text(name: str) -> str:
    """Return the text of a policy shipped in `tracker/policies/`."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not name.endswith(".yml"):
        raise PolicyError(f"内置政策名称 {name!r} 无效，例如应写 builtin:guangdong.yml。")
    resource = resources.files("tracker") / "policies"
    for part in path.parts:
        resource = resource / part
    if not resource.is_file():
        raise PolicyError(f"没有名为 {name} 的内置政策；内置的有：guangdong.yml。")
    return resource.read_text("utf-8")


def read_layer(text: str, source: str, base: str) -> Layer:
    """Parse one policy file (YAML errors name the file and line)."""
    data, lines = read_yaml(text, source, kind=KIND, error=PolicyError)
    return Layer(source, data, lines, base)


def read_path(path: Path, what: str = "政策文件") -> Layer:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise PolicyError(f"找不到{what} {path}，请检查路径或 ZZXT_POLICY 环境变量。") from None
    except UnicodeDecodeError:
        raise PolicyError(f"{what} {path} 不是 UTF-8 编码，请另存为 UTF-8 后重试。") from None
    except IsADirectoryError:
        raise PolicyError(f"{what} {path} 是目录，应为文件。") from None
    except OSError as exc:
        raise PolicyError(f"无法读取{what} {path}：{exc.strerror}") from None
    return read_layer(text, str(path), str(path.parent))


def fetch(url: str) -> str:
    """Read a policy over https; errors say which address failed and why."""
    try:
        response = httpx.get(url, timeout=FETCH_TIMEOUT, follow_redirects=True)
    except httpx.TransportError as exc:
        raise PolicyError(
            f"无法获取上级政策 {url}（{type(exc).__name__}）：请检查网络和地址，"
            "或把上级政策下载到本地后在 extends 中写文件路径。"
        ) from None
    if response.status_code != 200:
        raise PolicyError(
            f"无法获取上级政策 {url}：服务器返回 HTTP {response.status_code}，请检查 extends 的地址。"
        )
    if urlsplit(str(response.url)).scheme != "https":
        raise PolicyError(f"上级政策 {url} 被转到了非 https 地址 {response.url}，已拒绝。")
    try:
        return response.content.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError(f"上级政策 {url} 不是 UTF-8 编码的文本。") from None


def resolve(ref: str, child: Layer, fetcher: Callable[[str], str] = fetch) -> Layer:
    """Read the file a layer's `extends` names, relative to that layer."""
    where = f"{child.source} 第 {child.line(('extends',))} 行，字段 extends"
    if ref.startswith(BUILTIN):
        name = ref[len(BUILTIN) :].strip()
        return read_layer(builtin_text(name), f"<内置>/{name}", BUILTIN)
    scheme = urlsplit(ref).scheme.lower()
    if child.base.startswith(("https://", "http://")) and scheme == "":
        ref = urljoin(child.base, ref)
        scheme = "https" if ref.startswith("https://") else urlsplit(ref).scheme
    if scheme == "https":
        return read_layer(fetcher(ref), ref, ref)
    if scheme and len(scheme) > 1:  # a Windows drive letter is no scheme
        raise PolicyError(
            f"{where}：只接受文件路径、https:// 地址或 builtin:名称，不接受 {scheme}:// 地址"
            "（http 明文传输可能被篡改）。"
        )
    if child.base == BUILTIN:
        return read_layer(builtin_text(ref), f"<内置>/{ref}", BUILTIN)
    path = Path(ref)
    if not path.is_absolute():
        path = Path(os.path.normpath(Path(child.base) / path))
    return read_path(path, "上级政策文件")


# Laying one layer over another.


def identity(base: list[Any], over: list[Any]) -> str | None:
    """Return the key that names the items of both lists, if they merge item by item."""
    items = [*base, *over]
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    return next((name for name in IDENTITIES if all(name in item for item in items)), None)


@dataclass
class Overlay:
    """Lay `layer` over `merged`; `check(path, child_path, is_new)` may refuse a change."""

    layer: Layer
    check: Callable[[Path_, Path_, bool], None] | None = None

    def apply(self, merged: Merged) -> Merged:
        origins = dict(merged.origins)
        data = self._merge(merged.data, self.layer.data, (), (), origins)
        return Merged(data, origins)

    def _merge(
        self, base: Any, over: Any, path: Path_, child: Path_, origins: dict[Path_, Origin]
    ) -> Any:
        if isinstance(base, dict) and isinstance(over, dict):
            out = dict(base)
            for key, value in over.items():
                name = str(key)
                if key in base:
                    out[key] = self._merge(base[key], value, (*path, name), (*child, name), origins)
                else:
                    self._refuse((*path, name), (*child, name), True)
                    out[key] = value
                    self._claim(value, (*path, name), (*child, name), origins)
            return out
        if isinstance(base, list) and isinstance(over, list):
            ident = identity(base, over)
            if ident is not None:
                out_list = list(base)
                at = {item[ident]: i for i, item in enumerate(base)}
                for j, item in enumerate(over):
                    i = at.get(item[ident])
                    if i is None:
                        self._refuse((*path, str(len(out_list))), (*child, str(j)), True)
                        out_list.append(item)
                        self._claim(
                            item, (*path, str(len(out_list) - 1)), (*child, str(j)), origins
                        )
                    else:
                        out_list[i] = self._merge(
                            base[i], item, (*path, str(i)), (*child, str(j)), origins
                        )
                return out_list
        if base == over:
            return base  # the same value again: it stays the parent's
        self._refuse(path, child, False)
        for known in [p for p in origins if p[: len(path)] == path]:
            del origins[known]
        self._claim(over, path, child, origins)
        return over

    def _refuse(self, path: Path_, child: Path_, is_new: bool) -> None:
        if self.check is not None:
            self.check(path, child, is_new)

    def _claim(self, value: Any, path: Path_, child: Path_, origins: dict[Path_, Origin]) -> None:
        origins[path] = (self.layer.source, self.layer.line(child))
        if isinstance(value, dict):
            for key, item in value.items():
                self._claim(item, (*path, str(key)), (*child, str(key)), origins)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self._claim(item, (*path, str(i)), (*child, str(i)), origins)


def single(layer: Layer) -> Merged:
    """Return one layer as merged data: every path from that file."""
    merged = Overlay(layer).apply(Merged({}, {}))
    merged.origins[()] = (layer.source, 1)
    return merged


def origin_of(origins: Mapping[Path_, Origin], path: Path_) -> Origin | None:
    """Return where the value at `path` (or its nearest enclosing value) came from."""
    for n in range(len(path), -1, -1):
        if path[:n] in origins:
            return origins[path[:n]]
    return None

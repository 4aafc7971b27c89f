"""Fetch the site's third-party browser assets from the npm registry (never committed).

Today that is one file: the iframe-worker shim, which lets the search run when
the built site is opened from file://. `npm pack` downloads the pinned tarball
into .cache/npm/, its checksum is compared with the pinned one, and the shim and
its licence are copied to docs/assets/vendor/iframe-worker/ (gitignored).

Without npm or the registry the site still builds; only search from file:// is
missing, and this script says so. `--require` turns that into a failure (CI).

    python scripts/fetch_site_assets.py [--require]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "npm"
TARGET = ROOT / "docs" / "assets" / "vendor" / "iframe-worker"

PACKAGE = "iframe-worker"
VERSION = "1.0.4"
INTEGRITY = "sha512-roeaaI+Lg1LJNfgpCjoRe/+WzEjy9+Z08LoEvu85MCPbBjwm+qXz8Ag5U05lHa6V1CysZyGzE0SOkAtSUA5q7Q=="
MEMBERS = {"package/shim/index.js": "shim.js", "package/LICENSE": "LICENSE"}


def integrity(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def tarball() -> Path:
    """Return the pinned tarball, downloading it with `npm pack` if it is not cached."""
    path = CACHE / f"{PACKAGE}-{VERSION}.tgz"
    if path.is_file() and integrity(path) == INTEGRITY:
        return path
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("找不到 npm（Debian 上可运行 apt-get install npm）")
    CACHE.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [npm, "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", str(CACHE), "--silent"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not path.is_file():
        raise RuntimeError(f"npm pack {PACKAGE}@{VERSION} 失败：{result.stderr.strip()[-500:]}")
    if integrity(path) != INTEGRITY:
        path.unlink()
        raise RuntimeError(f"{path.name} 的校验和与固定值不符，已删除")
    return path


def install(path: Path) -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path) as archive:
        for member, name in MEMBERS.items():
            source = archive.extractfile(member)
            if source is None:
                raise RuntimeError(f"{path.name} 中没有 {member}")
            (TARGET / name).write_bytes(source.read())
    (TARGET / "VERSION").write_text(f"{PACKAGE}@{VERSION}\n", encoding="utf-8")


def up_to_date() -> bool:
    stamp = TARGET / "VERSION"
    return (
        (TARGET / "shim.js").is_file()
        and stamp.is_file()
        and (stamp.read_text("utf-8").strip() == f"{PACKAGE}@{VERSION}")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--require", action="store_true", help="获取失败时以退出码 1 结束")
    args = parser.parse_args(argv)
    if up_to_date():
        return 0
    try:
        install(tarball())
    except (RuntimeError, OSError, tarfile.TarError) as error:
        print(
            f"警告：未能获取 {PACKAGE}@{VERSION}：{error}。\n"
            "站点仍可构建，但从 file:// 打开时无法搜索；联网后重新运行 make site 即可补上。",
            file=sys.stderr,
        )
        return 1 if args.require else 0
    print(f"已获取 {PACKAGE}@{VERSION} → {TARGET.relative_to(ROOT)}/shim.js", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Building the knowledge-base site from tests: the real one and small variants."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIM = Path("assets/vendor/iframe-worker/shim.js")
INDEX = Path("search/zzxt-index.js")
# The site's own style and script, which every build of the site needs.


def mkdocs_build(
    dest: Path, config: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run a strict build of `config` (default: the project's mkdocs.yml) into `dest`."""
    clean = {k: v for k, v in os.environ.items() if k != "ZZXT_POLICY"}
    args = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(dest)]
    if config is not None:
        args += ["-f", str(config)]
    return subprocess.run(
        args,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**clean, "NO_MKDOCS_2_WARNING": "1", **env},
        check=False,
    )


def fetch_assets() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "fetch_site_assets.py")],
        capture_output=True,
        text=True,
        check=False,
    )


def small_site(tmp: Path, faq: dict[str, str]) -> Path:
    """Write a site that inherits the project's config but has only the given FAQ pages."""
    docs = tmp / "docs"
    (docs / "faq").mkdir(parents=True)
    for name, text in faq.items():
        (docs / "faq" / name).write_text(text, encoding="utf-8")
    config = tmp / "mkdocs.yml"
    config.write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\n"
        "docs_dir: docs\n"
        f"hooks:\n  - {ROOT / 'tracker' / 'kb' / 'mkdocs_hook.py'}\n"
        "nav:\n  - 首页: index.md\n",
        encoding="utf-8",
    )
    return config

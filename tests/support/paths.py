"""Where the project and the shared material are, and the CLI runner's type."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"

Invoke = Callable[..., Result]


def shared_file(relative: str) -> Path:
    """Return a file of ../shared, or skip the test with the reason."""
    path = SHARED / relative
    if not path.is_file():
        pytest.skip(f"../shared/{relative} 不存在（仓库单独克隆时没有 shared 目录）")
    return path

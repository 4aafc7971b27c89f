"""The documentation builds and covers what the tool does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.paths import ROOT
from tests.support.site import mkdocs_build
from tests.test_cli import ALL_COMMANDS


def test_site_builds_strict(built_site: Path) -> None:
    # The offline plugin turns directory URLs off, so pages are `name.html`.
    assert (built_site / "faq" / "index.html").is_file()
    assert not (built_site / "admin").exists()  # administrators have a site of their own


def test_administrators_site_builds_strict(tmp_path: Path) -> None:
    result = mkdocs_build(tmp_path / "admin", ROOT / "mkdocs-admin.yml")
    assert result.returncode == 0, result.stderr
    pages = {p.stem for p in (ROOT / "docs" / "admin").glob("*.md")}
    assert pages == {p.stem for p in (tmp_path / "admin").glob("*.html")} - {"404"}
    listed = (ROOT / "mkdocs-admin.yml").read_text("utf-8")
    assert all(f": {name}.md" in listed for name in pages), "mkdocs-admin.yml 的 nav 缺少页面"


@pytest.mark.parametrize(
    "path", [p for p in ALL_COMMANDS if len(p) == 2], ids=lambda p: " ".join(p)
)
def test_every_command_is_documented(path: tuple[str, ...]) -> None:
    text = (ROOT / "docs" / "admin" / "cli.md").read_text("utf-8")
    assert f"zzxt {' '.join(path)}" in text


def test_readme_quick_start_is_two_commands() -> None:
    text = (ROOT / "README.md").read_text("utf-8")
    block = text.split("## 快速开始", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.support.paths import Invoke
from tracker.cli import cli
from tracker.policy import default_policy_text


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the developer's own settings and tokens out of every test."""
    for name in (
        "ZZXT_POLICY",
        "ZZXT_TOKEN",
        "ZZXT_UPSTREAM_TOKEN",
        "ZZXT_FORGE",
        "ZZXT_URL",
        "ZZXT_REPO",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def invoke() -> Invoke:
    """Run the CLI in-process; stdout and stderr are kept apart."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=False)

    return run


@pytest.fixture
def policy_text() -> str:
    return default_policy_text()


@pytest.fixture
def write_policy(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str, name: str = "policy.yml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the real knowledge-base site once per session, strict, as `make site` does."""
    from tests.support.site import fetch_assets, mkdocs_build

    fetch_assets()
    site = tmp_path_factory.mktemp("site") / "site"
    result = mkdocs_build(site)
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict 失败：\n{result.stderr}")
    return site

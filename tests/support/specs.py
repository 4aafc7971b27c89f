"""The official descriptions the conformance tests hold our output against.

Where a package registry ships one, it comes from that package, so a fresh
clone runs these tests without ../shared:

- GitHub's issue-form and template-chooser schemas: SchemaStore's, as vendored by
  `check-jsonschema` (PyPI, a dev dependency).
- GitHub's REST description: the npm package `@octokit/openapi` (GitHub's own
  `api.github.com` description), fetched with `npm pack` into `.cache/npm/`.
- Gitea's swagger ships in no registry package: it is read from
  ../shared/specs, and the tests that need it skip with that reason.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from tests.support.openapi_check import Checker
from tests.support.paths import ROOT, SHARED

OCTOKIT = "@octokit/openapi"
OCTOKIT_VERSION = "23.0.2"
OCTOKIT_INTEGRITY = "sha512-pV8M7L9GY23AybNvTmo2nyjmpmnt6+2sRE/tqr0ZLQcPS4lnw7u5eZGNmwRNkBC3D7gZXbFx5AHzLUVRBXGDhg=="
OCTOKIT_MEMBER = "package/generated/api.github.com.json"
CACHE = ROOT / ".cache" / "npm"
GITEA_SWAGGER = SHARED / "specs" / "gitea-1.27.1-swagger.json"


def _vendored_schema(name: str) -> dict[str, Any]:
    files = resources.files("check_jsonschema") / "builtin_schemas" / "vendor"
    data: dict[str, Any] = json.loads((files / name).read_text("utf-8"))
    return data


def issue_forms_schema() -> dict[str, Any]:
    return _vendored_schema("github-issue-forms.json")


def issue_config_schema() -> dict[str, Any]:
    return _vendored_schema("github-issue-config.json")


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def _unavailable(reason: str) -> None:
    """Fail in CI (where the registry must be reachable), skip elsewhere, saying why."""
    if os.environ.get("ZZXT_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@cache
def github_rest_path() -> Path:
    """Return GitHub's REST description from the pinned @octokit/openapi tarball."""
    target = CACHE / f"api.github.com-{OCTOKIT_VERSION}.json"
    if target.is_file():
        return target
    tarball = CACHE / f"octokit-openapi-{OCTOKIT_VERSION}.tgz"
    if not (tarball.is_file() and _integrity(tarball) == OCTOKIT_INTEGRITY):
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("找不到 npm，无法从 npm 获取 GitHub 的 REST 接口描述（@octokit/openapi）")
        CACHE.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                npm or "npm",
                "pack",
                f"{OCTOKIT}@{OCTOKIT_VERSION}",
                "--pack-destination",
                str(CACHE),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not tarball.is_file():
            _unavailable(f"npm pack {OCTOKIT}@{OCTOKIT_VERSION} 失败：{result.stderr[-300:]}")
        if _integrity(tarball) != OCTOKIT_INTEGRITY:
            tarball.unlink()
            pytest.fail(f"{tarball.name} 的校验和与固定值不符")
    with tarfile.open(tarball) as archive:
        member = archive.extractfile(OCTOKIT_MEMBER)
        assert member is not None, f"{tarball.name} 中没有 {OCTOKIT_MEMBER}"
        partial = target.with_suffix(".part")
        partial.write_bytes(member.read())
        partial.replace(target)
    return target


def gitea_swagger_path() -> Path | None:
    """Return Gitea's swagger from ../shared, or None when it is not there."""
    return GITEA_SWAGGER if GITEA_SWAGGER.is_file() else None


@cache
def _checker(with_gitea: bool) -> Checker:
    return Checker(github_rest_path(), gitea_swagger_path() if with_gitea else None)


def checker_for(*forges: str) -> Checker:
    """Return a checker for exchanges with these forges; skip when Gitea's swagger is absent."""
    if "gitea" in forges and gitea_swagger_path() is None:
        pytest.skip(
            "../shared/specs/gitea-1.27.1-swagger.json 不存在：Gitea 的接口描述不随任何软件包发布，"
            "仓库单独克隆时无法对照检查 Gitea 的请求"
        )
    return _checker("gitea" in forges)

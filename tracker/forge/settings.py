"""Where the tracker is and how to reach it: options, environment, CI detection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from tracker.errors import AuthError, InputError
from tracker.forge.model import Forge

Kind = Literal["github", "gitea"]
KINDS: tuple[Kind, ...] = ("github", "gitea")


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries on connection errors, 5xx and 429, with exponential backoff."""

    attempts: int = 5
    backoff: float = 0.5  # seconds before the first retry; doubles each time
    max_wait: float = 300.0  # a rate limit needing a longer wait is an error


@dataclass(frozen=True)
class ForgeSettings:
    kind: Kind
    url: str  # what people open in a browser
    repo: str  # owner/name
    token: str | None = field(default=None, repr=False)
    write_interval: float = 0.0  # seconds between writes (GitHub's secondary limits)
    retry: RetryPolicy = RetryPolicy()

    @property
    def api_base(self) -> str:
        return api_base(self.kind, self.url)


def api_base(kind: Kind, url: str) -> str:
    """Derive the API root from the address people open in a browser."""
    base = url.rstrip("/")
    host = urlsplit(base).hostname or ""
    if kind == "gitea":
        return base if base.endswith("/api/v1") else base + "/api/v1"
    if host in ("github.com", "www.github.com", "api.github.com"):
        return "https://api.github.com"
    return base if base.endswith("/api/v3") else base + "/api/v3"


def resolve_settings(
    env: Mapping[str, str],
    *,
    kind: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None = None,
    retry: RetryPolicy | None = None,
) -> ForgeSettings:
    """Combine options, ZZXT_* variables and what GitHub or Gitea Actions provide.

    Options win over ZZXT_FORGE/ZZXT_URL/ZZXT_REPO, which win over the CI's own
    variables. Gitea Actions also sets GITHUB_ACTIONS, so GITEA_ACTIONS is tested first.
    """
    in_gitea = env.get("GITEA_ACTIONS") == "true"
    in_github = not in_gitea and env.get("GITHUB_ACTIONS") == "true"
    detected: str | None = "gitea" if in_gitea else "github" if in_github else None
    kind = kind or env.get("ZZXT_FORGE") or detected
    if kind not in KINDS:
        if kind is None:
            raise InputError("未指定平台：请用 --forge github|gitea 或环境变量 ZZXT_FORGE。")
        raise InputError(f"不支持的平台 {kind!r}：只能是 github 或 gitea。")
    url = url or env.get("ZZXT_URL")
    if url is None and (in_gitea or in_github):
        url = env.get("GITEA_SERVER_URL") if in_gitea else None
        url = url or env.get("GITHUB_SERVER_URL")
    if url is None and kind == "github":
        url = "https://github.com"
    if not url:
        raise InputError("未指定地址：请用 --url（浏览器中打开的地址）或环境变量 ZZXT_URL。")
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise InputError(
            f"地址 {url!r} 无效：应以 http:// 或 https:// 开头，例如 https://gitea.example.cn"
        )
    repo = repo or env.get("ZZXT_REPO") or (env.get("GITHUB_REPOSITORY") if detected else None)
    if not repo:
        raise InputError("未指定仓库：请用 --repo 所有者/仓库名 或环境变量 ZZXT_REPO。")
    parts = repo.split("/")
    if len(parts) != 2 or not all(parts):
        raise InputError(f"仓库 {repo!r} 的格式应为 所有者/仓库名，例如 gdzz/support。")
    token = env.get("ZZXT_TOKEN") or None
    if token is None and detected:
        token = (env.get("GITEA_TOKEN") if in_gitea else None) or env.get("GITHUB_TOKEN") or None
    if write_interval is None:
        write_interval = 1.0 if kind == "github" else 0.0
    return ForgeSettings(
        kind=kind,
        url=url,
        repo=repo,
        token=token,
        write_interval=write_interval,
        retry=retry or RetryPolicy(),
    )


def connect(settings: ForgeSettings) -> Forge:
    """Return the client for the settings' forge."""
    if not settings.token:
        raise AuthError(
            "没有访问令牌：请设置环境变量 ZZXT_TOKEN（在 Actions 中也可用 GITEA_TOKEN 或 GITHUB_TOKEN）。"
        )
    if settings.kind == "github":
        from tracker.forge.github import GitHubForge

        return GitHubForge(settings)
    from tracker.forge.gitea import GiteaForge

    return GiteaForge(settings)

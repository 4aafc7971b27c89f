"""Where the tracker is and how to reach it: options, environment, CI detection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tracker.errors import InputError
from tracker.forge.kinds import KIND_NAMES, ForgeKind, Kind, detect, forge_kind


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
    def forge(self) -> ForgeKind:
        return forge_kind(self.kind)

    @property
    def api_base(self) -> str:
        return self.forge.api_base(self.url)


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

    Options win over ZZXT_FORGE/ZZXT_URL/ZZXT_REPO, which win over the CI's own variables.
    """
    running_in = detect(env)
    name = kind or env.get("ZZXT_FORGE") or (running_in.name if running_in else None)
    if name is None:
        raise InputError(f"未指定平台：请用 --forge {'|'.join(KIND_NAMES)} 或环境变量 ZZXT_FORGE。")
    try:
        chosen = forge_kind(name)
    except KeyError:
        raise InputError(f"不支持的平台 {name!r}：只能是 {' 或 '.join(KIND_NAMES)}。") from None
    url = url or env.get("ZZXT_URL")
    if url is None and running_in is not None:
        url = next((env[v] for v in running_in.server_url_vars if env.get(v)), None)
    if url is None:
        url = chosen.default_url
    if not url:
        raise InputError("未指定地址：请用 --url（浏览器中打开的地址）或环境变量 ZZXT_URL。")
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise InputError(
            f"地址 {url!r} 无效：应以 http:// 或 https:// 开头，例如 https://gitea.example.cn"
        )
    repo = repo or env.get("ZZXT_REPO") or (env.get("GITHUB_REPOSITORY") if running_in else None)
    if not repo:
        raise InputError("未指定仓库：请用 --repo 所有者/仓库名 或环境变量 ZZXT_REPO。")
    parts = repo.split("/")
    if len(parts) != 2 or not all(parts):
        raise InputError(f"仓库 {repo!r} 的格式应为 所有者/仓库名，例如 gdzz/support。")
    token = env.get("ZZXT_TOKEN") or None
    if token is None and running_in is not None:
        token = next((env[v] for v in running_in.token_vars if env.get(v)), None)
    return ForgeSettings(
        kind=chosen.name,
        url=url,
        repo=repo,
        token=token,
        write_interval=chosen.write_interval if write_interval is None else write_interval,
        retry=retry or RetryPolicy(),
    )

"""HTTP answers both clients share: what a status means, how long to wait."""

from __future__ import annotations

from collections.abc import Mapping

from tracker.errors import AuthError, ForgeError, NotFound, PermissionDenied, RateLimited
from tracker.forge.settings import RetryPolicy


def check_status(status: int, message: str, *, what: str) -> None:
    """Raise the error a user can act on for a 4xx answer; never include the token.

    A 429 arrives here only after the retries: it is a rate limit (exit 7), like a wait
    too long to make.
    """
    if status < 400:
        return
    detail = f"（{message}）" if message else ""
    if status == 401:
        raise AuthError(
            f"访问令牌无效或已过期（HTTP 401）{detail}。请检查 ZZXT_TOKEN，必要时重新生成令牌。"
        )
    if status == 403:
        raise PermissionDenied(
            f"令牌没有执行此操作的权限（HTTP 403，{what}）{detail}。"
            "请使用对仓库有写权限的账号生成令牌（议题、标签、仓库内容的读写权限）。"
        )
    if status == 404:
        raise NotFound(
            f"找不到仓库或对象（HTTP 404，{what}）{detail}。"
            "请检查 --url 与 --repo；私有仓库对没有权限的令牌也显示为不存在。"
        )
    if status == 429:
        # Reached only once the retries are spent: the forge still asks us to slow down.
        raise RateLimited(
            f"平台仍在限制访问频率（HTTP 429，{what}）{detail}，多次重试后仍被要求稍后再试。"
            "请过一段时间再运行；经常出现时可加大 --write-interval。"
        )
    raise ForgeError(f"请求被拒绝（HTTP {status}，{what}）{detail}。")


def wait_before_retry(
    headers: Mapping[str, str], attempt: int, policy: RetryPolicy, now: float
) -> float:
    """Return the seconds to wait before retrying a 429 or 5xx answer.

    `Retry-After` wins; then a rate limit's reset time; then exponential backoff.
    A wait beyond `policy.max_wait` is an error rather than a silent hang.
    """
    wait: float = policy.backoff * 2**attempt
    retry_after = headers.get("retry-after")
    if retry_after is not None:
        try:
            wait = max(wait, float(retry_after))
        except ValueError:
            pass
    elif headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
        try:
            wait = max(wait, float(headers["x-ratelimit-reset"]) - now)
        except ValueError:
            pass
    if wait > policy.max_wait:
        raise RateLimited(
            f"已达到访问频率上限，需要等待约 {int(wait)} 秒，超过允许的 {int(policy.max_wait)} 秒。"
            "请稍后再运行。"
        )
    return wait

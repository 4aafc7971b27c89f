"""Where the tracker is: options, ZZXT_* variables, GitHub and Gitea Actions."""

from __future__ import annotations

import pytest

from tracker.errors import AuthError, InputError, RateLimited
from tracker.forge import RetryPolicy, connect, forge_kind, resolve_settings
from tracker.forge.http import wait_before_retry

GITEA_ACTIONS = {
    "GITEA_ACTIONS": "true",
    "GITHUB_ACTIONS": "true",  # Gitea Actions sets both
    "GITHUB_SERVER_URL": "https://gitea.gdedu.example.cn",
    "GITHUB_REPOSITORY": "gdzz/support",
    "GITEA_TOKEN": "t-gitea",
    "GITHUB_TOKEN": "t-github-name-in-gitea",
}
GITHUB_ACTIONS = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "gdzz/support",
    "GITHUB_TOKEN": "t-actions",
}


@pytest.mark.parametrize(
    ("kind", "url", "base"),
    [
        ("gitea", "https://gitea.example.cn", "https://gitea.example.cn/api/v1"),
        ("gitea", "https://gitea.example.cn/", "https://gitea.example.cn/api/v1"),
        ("gitea", "https://example.cn/git/", "https://example.cn/git/api/v1"),
        ("gitea", "http://127.0.0.1:3000/api/v1", "http://127.0.0.1:3000/api/v1"),
        ("github", "https://github.com", "https://api.github.com"),
        ("github", "https://github.com/", "https://api.github.com"),
        ("github", "https://ghe.example.cn", "https://ghe.example.cn/api/v3"),
        ("github", "http://127.0.0.1:8080", "http://127.0.0.1:8080/api/v3"),
    ],
    ids=[
        "gitea",
        "gitea-slash",
        "gitea-subpath",
        "gitea-api-given",
        "github",
        "github-slash",
        "ghe",
        "sandbox",
    ],
)
def test_api_base(kind: str, url: str, base: str) -> None:
    assert forge_kind(kind).api_base(url) == base


def test_options_win_over_environment() -> None:
    env = {
        "ZZXT_FORGE": "github",
        "ZZXT_URL": "https://a.example",
        "ZZXT_REPO": "a/b",
        "ZZXT_TOKEN": "t",
    }
    s = resolve_settings(env, kind="gitea", url="https://b.example", repo="c/d")
    assert (s.kind, s.url, s.repo, s.token) == ("gitea", "https://b.example", "c/d", "t")
    s = resolve_settings(env, kind=None, url=None, repo=None)
    assert (s.kind, s.url, s.repo) == ("github", "https://a.example", "a/b")


def test_gitea_actions_is_detected_before_github_actions() -> None:
    s = resolve_settings(GITEA_ACTIONS, kind=None, url=None, repo=None)
    assert (s.kind, s.url, s.repo, s.token) == (
        "gitea",
        "https://gitea.gdedu.example.cn",
        "gdzz/support",
        "t-gitea",
    )
    assert s.write_interval == 0.0


def test_github_actions() -> None:
    s = resolve_settings(GITHUB_ACTIONS, kind=None, url=None, repo=None)
    assert (s.kind, s.api_base, s.repo, s.token) == (
        "github",
        "https://api.github.com",
        "gdzz/support",
        "t-actions",
    )
    assert s.write_interval == 1.0  # sequential, spaced writes for GitHub's secondary limits


def test_zzxt_token_wins_in_actions() -> None:
    s = resolve_settings({**GITHUB_ACTIONS, "ZZXT_TOKEN": "t-own"}, kind=None, url=None, repo=None)
    assert s.token == "t-own"


def test_ci_tokens_are_ignored_outside_actions() -> None:
    s = resolve_settings({"GITHUB_TOKEN": "t"}, kind="github", url=None, repo="a/b")
    assert s.token is None
    with pytest.raises(AuthError) as caught:
        connect(s)
    assert "ZZXT_TOKEN" in caught.value.message


def test_token_is_not_in_repr() -> None:
    s = resolve_settings(
        {"ZZXT_TOKEN": "secret-123"}, kind="gitea", url="https://g.example", repo="a/b"
    )
    assert "secret-123" not in repr(s)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"kind": None, "url": "https://g.example", "repo": "a/b"}, "--forge"),
        ({"kind": "gitlab", "url": "https://g.example", "repo": "a/b"}, "gitlab"),
        ({"kind": "gitea", "url": None, "repo": "a/b"}, "--url"),
        ({"kind": "gitea", "url": "gitea.example.cn", "repo": "a/b"}, "http://"),
        ({"kind": "gitea", "url": "https://g.example", "repo": None}, "--repo"),
        ({"kind": "gitea", "url": "https://g.example", "repo": "support"}, "所有者/仓库名"),
    ],
    ids=["无平台", "未知平台", "无地址", "地址无协议", "无仓库", "仓库格式"],
)
def test_missing_or_bad_settings(kwargs: dict[str, str | None], words: str) -> None:
    with pytest.raises(InputError) as caught:
        resolve_settings({}, **kwargs)  # type: ignore[arg-type]
    assert words in caught.value.message


POLICY = RetryPolicy(attempts=5, backoff=0.5, max_wait=60)


@pytest.mark.parametrize(
    ("headers", "attempt", "wait"),
    [
        ({}, 0, 0.5),
        ({}, 2, 2.0),
        ({"retry-after": "7"}, 0, 7.0),
        ({"retry-after": "soon"}, 1, 1.0),
        ({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1030"}, 0, 30.0),
        ({"x-ratelimit-remaining": "12", "x-ratelimit-reset": "1030"}, 0, 0.5),
    ],
    ids=["退避", "第三次退避", "Retry-After", "无效Retry-After", "限额重置", "未耗尽"],
)
def test_wait_before_retry(headers: dict[str, str], attempt: int, wait: float) -> None:
    assert wait_before_retry(headers, attempt, POLICY, now=1000.0) == wait


def test_too_long_a_wait_is_an_error() -> None:
    with pytest.raises(RateLimited) as caught:
        wait_before_retry({"retry-after": "3600"}, 0, POLICY, now=0.0)
    assert caught.value.exit_code == 7
    assert "3600" in caught.value.message

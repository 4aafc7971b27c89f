"""A seed shared by the sandbox tests, and small helpers to read the sandbox's own endpoints."""

from __future__ import annotations

from typing import Any

import httpx

from tracker.sandbox import Seed, parse_seed

STAFF = "t-staff1"
BOT = "tk-bot"
VIEWER = "t-viewer"

SEED_YAML = """\
users:
  - {login: staff1, token: t-staff1, type: User}
  - {login: zzxt-bot, token: tk-bot, type: Bot}
  - {login: viewer, token: t-viewer}
repos:
  - name: gdzz/support
    private: true
    writers: [staff1, zzxt-bot]
    labels:
      - {name: 类别/应用类问题, color: "1f77b4", description: 应用类问题}
      - {name: 状态/待受理, color: "#CCCCCC"}
    issues:
      - number: 1
        title: 广州市-高等教育-应用类问题：无法登录
        body: "### 所属地市\\n\\n广州市\\n"
        user: alice
        labels: [类别/应用类问题]
        state: open
        created_at: 2025-09-30T16:00:00+08:00
        comments:
          - {user: staff1, body: 已收到, created_at: 2025-10-09T09:00:00+08:00}
      - number: 2
        title: 更新表单
        user: staff1
        pull_request: true
        created_at: 2025-10-01T10:00:00+08:00
      - number: 3
        title: 深圳市-中职-数据类问题：导出失败
        user: bob
        state: closed
        created_at: 2025-08-01T10:00:00+08:00
        closed_at: 2025-08-05T10:00:00+08:00
        comments:
          - {user: zzxt-bot, body: 已超期提醒, created_at: 2025-08-04T10:00:00+08:00}
    files:
      README.md: 资助系统技术支持
  - name: gdzz/public
    private: false
"""


def seed() -> Seed:
    return parse_seed(SEED_YAML, "tests/sandbox_support.py")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"token {token}"}


def request_log(url: str) -> list[dict[str, Any]]:
    response = httpx.get(url + "/_sandbox/requests")
    response.raise_for_status()
    result: list[dict[str, Any]] = response.json()
    return result


def state(url: str) -> dict[str, Any]:
    response = httpx.get(url + "/_sandbox/state")
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def forge_args(url: str, forge: str, repo: str = "gdzz/support") -> list[str]:
    """The options that point a zzxt command at a sandbox repository."""
    return ["--forge", forge, "--url", url, "--repo", repo, "--write-interval", "0"]

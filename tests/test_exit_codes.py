"""Exit codes 4-9 through every command that talks to a tracker, on both forges.

Each case runs the real command line against a sandbox (or a closed port) and checks
the exit code of `tracker/errors.py`, a Chinese message on stderr, nothing on stdout,
no traceback and no token. Where retries are involved the request log shows that
every attempt was made and failed the intended way.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.faults import seed_failing_with
from tests.support.paths import Invoke
from tests.support.sandbox import forge_args
from tracker.forge.settings import RetryPolicy
from tracker.policy import load_policy
from tracker.sandbox import Sandbox, parse_seed

BOT = "t-exit-bot-5a1c"
VIEWER = "t-exit-viewer-9e07"
FORGES = ["gitea", "github"]
COMMANDS = ["sync", "sla", "triage"]
ATTEMPTS = RetryPolicy().attempts
NOW = "2025-10-12T10:00:00+08:00"


def seed_text(github_rate_limit: int = 5000) -> str:
    labels = "\n".join(
        f'      - {{name: "{name}", color: "ededed"}}'
        for name in load_policy().label_book().names()
    )
    return f"""\
users:
  - {{login: zzxt-bot, token: {BOT}, type: Bot}}
  - {{login: viewer, token: {VIEWER}}}
repos:
  - name: gdzz/support
    private: true
    writers: [zzxt-bot]
    labels:
{labels}
    issues:
      - number: 1
        title: 广州市-高等教育（本专科）-技术类问题：名单缺失
        body: 名单导入后缺了三个学生
        user: gz-bureau
        labels: [类别/技术类问题]
        created_at: 2025-09-30T16:00:00+08:00
  - name: gdzz/open
    private: false
    writers: [zzxt-bot]
settings: {{github_rate_limit: {github_rate_limit}}}
"""


def command(name: str, url: str, forge: str, repo: str, apply: bool, tmp: Path) -> list[str]:
    """The command line of one forge-facing command, pointed at `url`."""
    head = forge_args(url, forge, repo=repo)
    tail = ["--apply"] if apply else []
    if name == "sync":
        return ["sync", *head, *tail]
    if name == "sla":
        return ["sla", "check", *head, "--now", NOW, *tail]
    # No FAQ folder: triage warns and skips the links, so no index is built.
    return ["triage", *head, "--issue", "1", "--faq-dir", str(tmp / "no-faq"), *tail]


def run(
    invoke: Invoke,
    name: str,
    url: str,
    forge: str,
    tmp: Path,
    *,
    token: str = BOT,
    repo: str = "gdzz/support",
    apply: bool = False,
    extra: tuple[str, ...] = (),
) -> Any:
    args = command(name, url, forge, repo, apply, tmp) + list(extra)
    return invoke(*args, env={"ZZXT_TOKEN": token, "ZZXT_RETRY_BACKOFF": "0.01"})


def assert_error(result: Any, code: int, *words: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.startswith("错误：")]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    for token in (BOT, VIEWER):
        assert token not in result.stdout + result.stderr


@pytest.fixture(params=FORGES)
def forge(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=COMMANDS)
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=parse_seed(seed_text(), "test_exit_codes")) as sb:
        yield sb


def test_4_wrong_token(
    invoke: Invoke, sandbox: Sandbox, forge: str, name: str, tmp_path: Path
) -> None:
    result = run(invoke, name, sandbox.url, forge, tmp_path, token="wrong-token-0000")
    assert_error(result, 4, "令牌无效", "HTTP 401")


def test_4_no_token(
    invoke: Invoke, sandbox: Sandbox, forge: str, name: str, tmp_path: Path
) -> None:
    result = run(invoke, name, sandbox.url, forge, tmp_path, token="")
    assert_error(result, 4, "ZZXT_TOKEN")
    assert sandbox.requests() == []


def test_5_token_without_write_access(
    invoke: Invoke, sandbox: Sandbox, forge: str, name: str, tmp_path: Path
) -> None:
    result = run(invoke, name, sandbox.url, forge, tmp_path, token=VIEWER, apply=True)
    assert_error(result, 5, "没有执行此操作的权限", "HTTP 403")
    assert [r["status"] for r in sandbox.requests()][-1] == 403


def test_6_missing_repository(
    invoke: Invoke, sandbox: Sandbox, forge: str, name: str, tmp_path: Path
) -> None:
    result = run(invoke, name, sandbox.url, forge, tmp_path, repo="gdzz/missing")
    assert_error(result, 6, "找不到仓库", "HTTP 404")


def test_6_missing_issue(invoke: Invoke, sandbox: Sandbox, forge: str, tmp_path: Path) -> None:
    args = [*forge_args(sandbox.url, forge), "--issue", "99", "--faq-dir", str(tmp_path)]
    result = invoke("triage", *args, env={"ZZXT_TOKEN": BOT})
    assert_error(result, 6, "HTTP 404")


def test_7_every_attempt_answered_429(
    invoke: Invoke, forge: str, name: str, tmp_path: Path
) -> None:
    """Retry-After: 0 each time, so the retries run out rather than the patience."""
    with Sandbox(
        seed=parse_seed(seed_text(), "test_exit_codes"),
        faults=1.0,
        fault_seed=seed_failing_with("429"),
        retry_after=0,
    ) as sb:
        result = run(invoke, name, sb.url, forge, tmp_path)
        statuses = [r["status"] for r in sb.requests()]
    assert_error(result, 7, "HTTP 429")
    assert statuses == [429] * ATTEMPTS


@dataclass
class Finished:
    exit_code: int
    stdout: str
    stderr: str


def test_7_retry_after_beyond_the_allowed_wait(forge: str, name: str, tmp_path: Path) -> None:
    """A 429 asking for an hour's pause stops the command at once instead of sleeping.

    Run as a process with a time limit: the failure this guards against is a hang.
    """
    with Sandbox(
        seed=parse_seed(seed_text(), "test_exit_codes"),
        faults=1.0,
        fault_seed=seed_failing_with("429"),
        retry_after=3600,
    ) as sb:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "tracker",
                *command(name, sb.url, forge, "gdzz/support", False, tmp_path),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "ZZXT_TOKEN": BOT, "ZZXT_RETRY_BACKOFF": "0.01"},
            timeout=120,
            check=False,
        )
        statuses = [r["status"] for r in sb.requests()]
    result = Finished(done.returncode, done.stdout, done.stderr)
    assert_error(result, 7, "3600 秒", f"{int(RetryPolicy().max_wait)} 秒")
    assert statuses == [429]


def test_7_github_hourly_limit_spent(invoke: Invoke, name: str, tmp_path: Path) -> None:
    with Sandbox(seed=parse_seed(seed_text(github_rate_limit=1), "test_exit_codes")) as sb:
        result = run(invoke, name, sb.url, "github", tmp_path)
        statuses = [r["status"] for r in sb.requests()]
    assert_error(result, 7, "访问频率已达上限", "北京时间")
    assert statuses[-1] == 403 and statuses.count(403) == 1  # no retry into a spent limit


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_8_nothing_listening(invoke: Invoke, forge: str, name: str, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = run(invoke, name, url, forge, tmp_path)
    assert_error(result, 8, "重试")


@pytest.mark.parametrize(("kind", "status"), [("502", 502), ("drop", 0)], ids=["502", "断开"])
def test_8_every_attempt_fails(
    invoke: Invoke, forge: str, name: str, tmp_path: Path, kind: str, status: int
) -> None:
    with Sandbox(
        seed=parse_seed(seed_text(), "test_exit_codes"),
        faults=1.0,
        fault_seed=seed_failing_with(kind),
        retry_after=0,
    ) as sb:
        result = run(invoke, name, sb.url, forge, tmp_path)
        statuses = [r["status"] for r in sb.requests()]
    assert_error(result, 8, "重试")
    assert statuses == [status] * ATTEMPTS


def test_9_public_repository(invoke: Invoke, sandbox: Sandbox, forge: str, tmp_path: Path) -> None:
    """Only `zzxt sync` refuses a public repository: it is what sets a tracker up."""
    result = run(invoke, "sync", sandbox.url, forge, tmp_path, repo="gdzz/open")
    assert_error(result, 9, "公开仓库", "--allow-public")

"""`zzxt report` against `zzxt sandbox` on both forges: the fixture of test_report_figures, over HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.paths import Invoke
from tests.support.sandbox import forge_args
from tests.test_report_figures import COMMENTS, ISSUES, build
from tracker.sandbox import Sandbox, Seed

BOT_TOKEN = "t-report-bot-4c1a"
NOW = "2026-01-05T09:00:00+08:00"
PERIOD = ["--since", "2025-10-01", "--until", "2025-12-31"]


def fixture_seed() -> Seed:
    """The figures test's issues and comments as a sandbox seed."""
    labels = sorted({name for i in ISSUES for name in i.labels})
    issues: list[dict[str, Any]] = []
    for i in ISSUES:
        thread = [
            {"user": c.author.login, "body": c.body, "created_at": c.created_at.isoformat()}
            for c in sorted(COMMENTS, key=lambda c: c.created_at)
            if c.issue_number == i.number
        ]
        issues.append(
            {
                "number": i.number,
                "title": i.title,
                "body": i.body,
                "user": i.author.login,
                "labels": list(i.labels),
                "state": i.state,
                "created_at": i.created_at.isoformat(),
                "closed_at": i.closed_at.isoformat() if i.closed_at else None,
                "comments": thread,
            }
        )
    return Seed.model_validate(
        {
            "users": [{"login": "zzxt-bot", "token": BOT_TOKEN, "type": "Bot"}],
            "repos": [
                {
                    "name": "gdzz/support",
                    "private": True,
                    # The staff who answer have write access, as on a real tracker.
                    "writers": ["zzxt-bot", "staff1", "staff2"],
                    "labels": [{"name": n, "color": "1d76db"} for n in labels],
                    "issues": issues,
                }
            ],
        }
    )


@pytest.fixture(params=["gitea", "github"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[tuple[Sandbox, str]]:
    sb = Sandbox(seed=fixture_seed()).start()
    yield sb, str(request.param)
    sb.stop()


def run(invoke: Invoke, sb: Sandbox, forge: str, *args: str) -> Any:
    return invoke(
        "report",
        *forge_args(sb.url, forge),
        *PERIOD,
        "--now",
        NOW,
        *args,
        env={"ZZXT_TOKEN": BOT_TOKEN, "ZZXT_RETRY_BACKOFF": "0.01"},
    )


def test_json_equals_the_figures_computed_in_process(
    invoke: Invoke, sandbox: tuple[Sandbox, str]
) -> None:
    sb, forge = sandbox
    result = run(invoke, sb, forge, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == json.loads(json.dumps(build().as_json(), ensure_ascii=False))
    assert data["period"] == {
        "since": "2025-10-01",
        "until": "2025-12-31",
        "as_of": "2025-12-31T23:59:59.999999+08:00",
        "label": "2025年第四季度",
    }
    guangzhou = next(c for c in data["cities"] if c["city"] == "广州市")
    assert {k: guangzhou[k] for k in ("received", "on_time", "late", "overdue", "exempt")} == {
        "received": 4,
        "on_time": 2,
        "late": 2,
        "overdue": 0,
        "exempt": 0,
    }
    assert (guangzhou["on_time_rate"], guangzhou["median_first_reply_hours"]) == (0.5, 14.0)
    assert data["total"]["received"] == 14


def test_reads_are_two_lists_never_one_request_per_issue(
    invoke: Invoke, sandbox: tuple[Sandbox, str]
) -> None:
    sb, forge = sandbox
    httpx.delete(sb.url + "/_sandbox/requests").raise_for_status()
    assert run(invoke, sb, forge, "--json").exit_code == 0
    log = httpx.get(sb.url + "/_sandbox/requests").json()
    paths = [entry["path"] for entry in log]
    assert all(entry["method"] == "GET" for entry in log)  # a report never writes
    assert not [p for p in paths if re.search(r"/issues/\d+", p)]
    assert len(log) <= 5, paths


def test_files_and_text_output(
    invoke: Invoke, sandbox: tuple[Sandbox, str], tmp_path: Path
) -> None:
    sb, forge = sandbox
    result = run(invoke, sb, forge, "--by", "unit", "--out", str(tmp_path / "通报"))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "关于2025年第四季度资助系统技术支持服务情况的通报"
    assert lines[1].startswith("2025年第四季度，全省共受理资助系统技术支持问题 14 个")
    header = lines[3].split()
    assert header[:2] == ["报送单位", "受理"]
    row = next(line.split() for line in lines if line.startswith("华南示范大学"))
    assert row == ["华南示范大学", "2", "2", "2", "0", "0", "0", "100.0%", "0.3"]
    assert f"已写入 {tmp_path / '通报' / '通报.docx'}" in lines
    assert (tmp_path / "通报" / "数据.xlsx").is_file()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--since", "2025-13-01"], "--since 的日期 '2025-13-01' 无法识别"),
        (["--since", "2026-01-01", "--until", "2025-12-31"], "晚于结束日期"),
        (["--since", "2027-01-01", "--until", "2027-03-31"], "尚未到来"),
    ],
    ids=["日期格式", "开始晚于结束", "未来的统计期"],
)
def test_bad_periods_exit_2_before_any_request(invoke: Invoke, args: list[str], words: str) -> None:
    result = invoke(
        "report", "--forge", "gitea", "--url", "http://127.0.0.1:9", "--repo", "a/b",
        "--until", "2025-12-31", *args, "--now", NOW,
    )  # fmt: skip
    assert result.exit_code == 2
    assert words in result.stderr

"""`zzxt accounts`: account requests move through every state on both forges (第十五、十六条)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.support.paths import Invoke
from tests.support.sandbox import forge_args
from tests.support.tiers import clear_log, issue_state, writes
from tests.test_sheets_forge import BOT, SEED, SOURCE, file_issue, sync
from tracker.attachments import read_workbook
from tracker.policy import load_policy
from tracker.sandbox import Sandbox, parse_seed

PASSWORD = "Zz#Init2026"
NOW = "2025-10-20T10:00:00+08:00"


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(seed=parse_seed(SEED, "test_accounts")) as sb:
        yield sb


def accounts(invoke: Invoke, sb: Sandbox, forge: str, *args: str) -> Any:
    return invoke(
        "accounts", *args, *forge_args(sb.url, forge, repo=SOURCE), "--now", NOW,
        env={"ZZXT_TOKEN": BOT, "ZZXT_RETRY_BACKOFF": "0.01"},
    )  # fmt: skip


def labels(sb: Sandbox, number: int) -> set[str]:
    return {
        name for name in issue_state(sb.url, SOURCE, number)["labels"] if name.startswith("账号/")
    }


def bot_comments(sb: Sandbox, number: int) -> list[str]:
    return [
        c["body"] for c in issue_state(sb.url, SOURCE, number)["comments"] if c["user"] == "gd-bot"
    ]


def with_password_column(path: Path) -> None:
    """The returned batch as an office might fill it in: an extra column with initial passwords."""
    wb = load_workbook(path)
    for ws in wb.worksheets:
        if ws.cell(5, 1).value is not None and ws.cell(4, 1).value == "序号":
            column = ws.max_column + 1
            ws.cell(4, column, "初始密码")
            ws.cell(5, column, PASSWORD)
    wb.save(path)


@pytest.mark.parametrize("forge", ["gitea", "github"])
def test_a_batch_moves_through_every_state(
    invoke: Invoke, box: Sandbox, tmp_path: Path, forge: str
) -> None:
    sync(invoke, box, forge, SOURCE)
    first = file_issue(box, forge, "account")
    second = file_issue(box, forge, "account", stage="普通高中", summary="停用调岗人员账号")
    other = file_issue(box, forge, "technical")
    policy = load_policy()
    assert policy.accounts is not None
    names = [s.name for s in policy.accounts.states]

    for i, key in enumerate(("account_gathered", "account_province", "account_national")):
        out = tmp_path / f"{key}.xlsx"
        result = accounts(
            invoke, box, forge, "batch", "--state", key, "--out", str(out), "--apply", "--json"
        )
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["issues"] == [first, second] and data["rows"] == 2
        assert labels(box, first) == labels(box, second) == {names[i]}
        assert labels(box, other) == set()
        comment = bot_comments(box, first)[-1]
        assert f"<!-- zzxt:account-state {key} -->" in comment and out.name in comment
        rows = read_workbook(policy, out).rows
        assert [r.number for r in rows] == [first, second]
        assert {r.stage for r in rows} == {"义务教育", "普通高中"}

    clear_log(box)
    again = accounts(
        invoke,
        box,
        forge,
        "batch",
        "--state",
        "account_national",
        "--out",
        str(tmp_path / "x.xlsx"),
        "--apply",
    )
    assert again.exit_code == 0 and "没有尚未到达“账号/已报国家”" in again.stdout
    assert writes(box) == [] and not (tmp_path / "x.xlsx").exists()

    # Waiting for the national office does not count against the province's deadline.
    later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    sla = invoke("sla", "check", *forge_args(box.url, forge, repo=SOURCE), "--json",
                 "--now", later, env={"ZZXT_TOKEN": BOT})  # fmt: skip
    states = {i["number"]: i["state"] for i in json.loads(sla.stdout)["issues"]}
    assert states[first] == states[second] == "exempt" and states[other] == "overdue"

    returned = tmp_path / "account_national.xlsx"
    with_password_column(returned)
    clear_log(box)
    dry = accounts(invoke, box, forge, "approve", "--batch", str(returned))
    assert dry.exit_code == 0, dry.stderr
    assert "将登记批复 2 项" in dry.stdout and writes(box) == []
    done = accounts(invoke, box, forge, "approve", "--batch", str(returned), "--apply", "--json")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["approved"] == [first, second]
    for number in (first, second):
        state = issue_state(box.url, SOURCE, number)
        assert state["state"] == "closed" and labels(box, number) == {names[-1]}
        assert "account-state account_approved" in bot_comments(box, number)[-1]
        assert all(PASSWORD not in c["body"] for c in state["comments"])
    clear_log(box)
    rerun = accounts(invoke, box, forge, "approve", "--batch", str(returned), "--apply", "--json")
    assert json.loads(rerun.stdout)["already"] == [first, second] and writes(box) == []


def test_batch_refuses_the_approved_state_and_an_unknown_one(
    invoke: Invoke, box: Sandbox, tmp_path: Path
) -> None:
    out = str(tmp_path / "a.xlsx")
    last = accounts(invoke, box, "gitea", "batch", "--state", "account_approved", "--out", out)
    assert last.exit_code == 2 and "zzxt accounts approve" in last.stderr
    unknown = accounts(invoke, box, "gitea", "batch", "--state", "opened", "--out", out)
    assert unknown.exit_code == 2 and "account_gathered" in unknown.stderr

"""Runs at the same time, and writes whose answer was lost: the next run leaves one of everything.

Parallel runs are made to collide for certain: each reads the tracker, all wait
at a barrier, then each plans and writes what it read was missing. Lost answers
come from the sandbox's `lost_answers` fault: the request takes effect, the
answer is a 502 or a closed connection.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.support.paths import Invoke
from tests.support.sandbox import forge_args, state
from tracker.bots import sla_run
from tracker.bots import sync as syncing
from tracker.bots.dashboard import DASHBOARD_MARK, DUPLICATE_MARK
from tracker.bots.identity import read_identity
from tracker.bots.rules import Rules
from tracker.bots.sla_run import ESCALATION_MARK
from tracker.bots.triage import MARKS
from tracker.bots.writer import Writer
from tracker.forge import connect, resolve_settings
from tracker.forge.model import Forge
from tracker.policy import load_policy
from tracker.sandbox import Sandbox, parse_seed

BOT = "t-conc-bot-51f0"
NOW = "2025-10-13T10:00:00+08:00"
FORGES = ["gitea", "github"]
RUNS = 4
BODY = "### 所属地市\\n\\n广州市\\n\\n### 学段\\n\\n高等教育（本专科）\\n\\n### 报送单位\\n\\n华南示范大学\\n"
OVERDUE = [1, 2, 3, 4]
SEED = (
    f"""\
users:
  - {{login: zzxt-bot, token: {BOT}, type: Bot}}
  - {{login: staff1, token: t-conc-staff}}
repos:
  - name: gdzz/support
    private: true
    writers: [zzxt-bot, staff1]
    issues:
"""
    + "".join(
        f"""      - number: {n}
        title: 广州市-高等教育（本专科）-技术类问题：第{n}个
        body: "{BODY}"
        user: gz-bureau
        created_at: 2025-09-30T16:00:00+08:00
"""
        for n in OVERDUE
    )
    + """      - number: 5
        title: 广州市-高等教育（本专科）-应用类问题：已答复
        body: "### 所属地市\\n\\n广州市\\n"
        user: gz-bureau
        created_at: 2025-10-10T09:00:00+08:00
        comments:
          - {user: staff1, body: 已处理, created_at: 2025-10-10T10:00:00+08:00}
"""
)
# Requests that create something: an issue, a comment, a label, a commit of files.
CREATES = re.compile(r"^/api/v\d/repos/[^/]+/[^/]+/(issues|issues/\d+/comments|labels|contents)$")
POLICY = load_policy()
RULES = Rules.build(POLICY)


@pytest.fixture(params=FORGES)
def forge(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def client(sb: Sandbox, forge: str) -> Forge:
    settings = resolve_settings(
        {"ZZXT_TOKEN": BOT}, kind=forge, url=sb.url, repo="gdzz/support", write_interval=0.0
    )
    return connect(settings)


def zzxt(invoke: Invoke, *args: str) -> Any:
    return invoke(*args, env={"ZZXT_TOKEN": BOT, "ZZXT_RETRY_BACKOFF": "0.01"})


def together(count: int, read: Callable[[int], Any], write: Callable[[int, Any], None]) -> None:
    """Run `count` threads that all read before any of them writes."""
    barrier = threading.Barrier(count, timeout=60)
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            seen = read(i)
            barrier.wait()
            write(i, seen)
        except BaseException as error:  # reported below, with the thread's traceback
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors


def repo(sb: Sandbox) -> dict[str, Any]:
    result: dict[str, Any] = state(sb.url)["repos"]["gdzz/support"]
    return result


def open_dashboards(sb: Sandbox) -> list[dict[str, Any]]:
    return [
        i
        for i in repo(sb)["issues"]
        if i["state"] == "open" and i["user"] == "zzxt-bot" and DASHBOARD_MARK in i["body"]
    ]


def reminders(sb: Sandbox, number: int) -> int:
    issue = next(i for i in repo(sb)["issues"] if i["number"] == number)
    return sum(c["user"] == "zzxt-bot" and ESCALATION_MARK in c["body"] for c in issue["comments"])


def writes(sb: Sandbox) -> list[dict[str, Any]]:
    return [
        r
        for r in sb.requests()
        if r["method"] in {"POST", "PUT", "PATCH", "DELETE"} and r["path"].startswith("/api/")
    ]


def synced(invoke: Invoke, sb: Sandbox, forge: str) -> None:
    result = zzxt(invoke, "sync", *forge_args(sb.url, forge), "--apply")
    assert result.exit_code == 0, result.stderr


def test_four_parallel_sla_runs_then_one_more_leave_one_dashboard_and_one_reminder_each(
    invoke: Invoke, forge: str
) -> None:
    now = datetime.fromisoformat(NOW)
    with Sandbox(parse_seed(SEED, "concurrency.yml")) as sb:
        synced(invoke, sb, forge)
        clients = [client(sb, forge) for _ in range(RUNS)]
        try:
            identity = read_identity(clients[0], POLICY, {})

            def read(i: int) -> sla_run.Snapshot:
                return sla_run.read(clients[i], RULES, identity)

            def write(i: int, seen: sla_run.Snapshot) -> None:
                plan = sla_run.plan(seen, RULES, now)
                sla_run.apply(plan, Writer(clients[i], True, identity=identity), clients[i].can_pin)

            together(RUNS, read, write)
        finally:
            for c in clients:
                c.close()
        # The race happened: every run opened a progress list and reminded every issue.
        assert len(open_dashboards(sb)) == RUNS
        assert [reminders(sb, n) for n in OVERDUE] == [RUNS] * len(OVERDUE)

        after = zzxt(invoke, "sla", "check", *forge_args(sb.url, forge), "--now", NOW, "--apply")
        assert after.exit_code == 0, after.stderr
        boards = open_dashboards(sb)
        assert len(boards) == 1
        real = boards[0]["number"]
        assert real == min(i["number"] for i in repo(sb)["issues"] if i["number"] > 5)
        closed = [i for i in repo(sb)["issues"] if DUPLICATE_MARK in i["body"]]
        assert len(closed) == RUNS - 1
        assert all(i["state"] == "closed" and f"#{real}" in i["body"] for i in closed)
        assert [reminders(sb, n) for n in OVERDUE] == [1] * len(OVERDUE)

        httpx.delete(sb.url + "/_sandbox/requests").raise_for_status()
        again = zzxt(invoke, "sla", "check", *forge_args(sb.url, forge), "--now", NOW, "--apply")
        assert again.exit_code == 0, again.stderr
        assert writes(sb) == []


def test_parallel_syncs_converge_without_a_raw_error(invoke: Invoke, forge: str) -> None:
    with Sandbox(parse_seed(SEED, "concurrency.yml")) as sb:
        clients = [client(sb, forge) for _ in range(RUNS)]
        try:

            def read(i: int) -> syncing.Current:
                return syncing.read(clients[i], clients[i].kind)

            def write(i: int, seen: syncing.Current) -> None:
                plan = syncing.plan(seen, RULES, clients[i].kind, prune=False)
                syncing.apply(plan, Writer(clients[i], True))

            together(RUNS, read, write)
        finally:
            for c in clients:
                c.close()
        names = Counter(label["name"] for label in repo(sb)["labels"])
        if forge == "gitea":
            # Gitea makes a second label of a name in use: the race leaves doubles...
            assert max(names.values()) == RUNS
            issue = next(i for i in repo(sb)["issues"] if i["number"] == 1)
            assert issue["labels"] == []
        else:
            assert max(names.values()) == 1  # GitHub refuses the name; the loser updates it
        synced(invoke, sb, forge)  # ... and the next sync merges them
        assert max(Counter(label["name"] for label in repo(sb)["labels"]).values()) == 1
        httpx.delete(sb.url + "/_sandbox/requests").raise_for_status()
        again = zzxt(invoke, "sync", *forge_args(sb.url, forge), "--apply", "--json")
        assert again.exit_code == 0, again.stderr
        assert json.loads(again.stdout)["writes"] == 0


def test_merging_doubled_labels_keeps_them_on_their_issues(invoke: Invoke) -> None:
    with Sandbox(parse_seed(SEED, "concurrency.yml")) as sb:
        synced(invoke, sb, "gitea")
        api = f"{sb.url}/api/v1/repos/gdzz/support"
        headers = {"Authorization": f"token {BOT}"}
        second = httpx.post(
            api + "/labels", json={"name": "地市/广州市", "color": "#123456"}, headers=headers
        ).json()
        assert httpx.post(
            api + "/issues/2/labels", json={"labels": [second["id"]]}, headers=headers
        ).is_success
        synced(invoke, sb, "gitea")
        labels = [lb for lb in repo(sb)["labels"] if lb["name"] == "地市/广州市"]
        assert len(labels) == 1 and labels[0]["id"] != second["id"]
        issue = next(i for i in repo(sb)["issues"] if i["number"] == 2)
        assert "地市/广州市" in issue["labels"]


@pytest.mark.parametrize("fault_seed", [1, 7])
def test_lost_answers_then_a_clean_run_leave_no_duplicates(
    invoke: Invoke, forge: str, fault_seed: int
) -> None:
    with Sandbox(
        parse_seed(SEED, "concurrency.yml"), fault_seed=fault_seed, record_bodies=True
    ) as sb:
        commands = [
            ["sync", *forge_args(sb.url, forge), "--apply"],
            *(
                ["triage", *forge_args(sb.url, forge), "--issue", str(n), "--apply"]
                for n in (1, 2, 5)
            ),
            ["sla", "check", *forge_args(sb.url, forge), "--now", NOW, "--apply"],
        ]
        sb.set_fault_rate(0.0, lost_answers=0.3)
        outcomes = []
        for args in commands:
            result = zzxt(invoke, *args)
            outcomes.append(result.exit_code)
            assert result.exit_code in (0, 8), result.stderr
            if result.exit_code:
                assert result.stderr.startswith("错误：") and "Traceback" not in result.stderr
        faulty = sb.requests()
        sb.set_fault_rate(0.0, lost_answers=0.0)
        creates = [r for r in faulty if r["method"] == "POST" and CREATES.search(r["path"])]
        lost = [r for r in creates if r["status"] in (0, 502)]
        assert lost  # some creates did lose their answer (and took effect)
        # Every logged request took effect (the fault only loses answers): a create sent
        # twice would be a blind retry. Each was looked for instead, and found.
        sent = Counter((r["path"], json.dumps(r["request_body"], sort_keys=True)) for r in creates)
        assert max(sent.values()) == 1, [k for k, v in sent.items() if v > 1]
        for args in commands:
            result = zzxt(invoke, *args)
            assert result.exit_code == 0, result.stderr

        data = repo(sb)
        assert max(Counter(label["name"] for label in data["labels"]).values()) == 1
        numbers = [i["number"] for i in data["issues"]]
        assert len(numbers) == 6  # the five seeded and one progress list
        assert len(open_dashboards(sb)) == 1
        for issue in data["issues"]:
            mine = [c["body"] for c in issue["comments"] if c["user"] == "zzxt-bot"]
            for marker in (*MARKS.values(), ESCALATION_MARK):
                assert sum(marker in body for body in mine) <= 1, (issue["number"], marker)
        assert [reminders(sb, n) for n in OVERDUE] == [1] * len(OVERDUE)
        httpx.delete(sb.url + "/_sandbox/requests").raise_for_status()
        for args in commands:
            assert zzxt(invoke, *args).exit_code == 0
        assert writes(sb) == []

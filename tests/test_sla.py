"""`zzxt sla check` scenarios: the CLI against `zzxt sandbox`, both forges, a fixed --now.

Time is replayed with --now: comments are seeded with their real times and the
bot judges each issue as it stood at `now`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.paths import Invoke
from tests.support.sandbox import forge_args, state
from tests.support.specs import checker_for
from tracker.bots.dashboard import DASHBOARD_MARK
from tracker.bots.sla_run import ESCALATION_MARK
from tracker.sandbox import Sandbox, parse_seed

BOT = "t-sla-bot-93c1"
STAFF = "t-sla-staff-5d2e"
TECH_BODY = "### 所属地市\\n\\n广州市\\n\\n### 学段\\n\\n高等教育（本专科）\\n\\n### 报送单位\\n\\n华南示范大学\\n"
SEED = f"""\
users:
  - {{login: zzxt-bot, token: {BOT}, type: Bot}}
  - {{login: staff1, token: {STAFF}}}
repos:
  - name: gdzz/support
    private: true
    labels:
      - {{name: 类别/应用类问题, color: "1d76db"}}
      - {{name: 类别/技术类问题, color: "1d76db"}}
      - {{name: 状态/不予受理, color: "e4e669"}}
    issues:
      - number: 1
        title: 广州市-高等教育（本专科）-技术类问题：名单缺失
        body: "{TECH_BODY}"
        user: gz-bureau
        labels: [类别/技术类问题]
        created_at: 2025-09-30T16:00:00+08:00
        comments:
          - {{user: gz-bureau, body: 补充一下截图, created_at: 2025-10-02T09:00:00+08:00}}
          - {{user: ops-robot, body: 自动回复：已收到, created_at: 2025-10-03T09:00:00+08:00}}
          - {{user: staff1, body: 已定位原因，正在修复, created_at: 2025-10-13T09:00:00+08:00}}
      - number: 2
        title: 深圳市-义务教育-应用类问题：调休日答复
        user: sz-bureau
        labels: [类别/应用类问题]
        created_at: 2026-02-13T10:00:00+08:00
        comments:
          - {{user: staff1, body: 请按知识库操作, created_at: 2026-02-14T09:00:00+08:00}}
      - number: 3
        title: 珠海市-普通高中-问题：没有选类别
        user: zh-bureau
        created_at: 2025-10-09T10:00:00+08:00
      - number: 4
        title: 某区教育局直接报送
        user: district
        labels: [类别/应用类问题, 状态/不予受理]
        created_at: 2025-09-01T10:00:00+08:00
      - number: 5
        title: 更新表单
        user: staff1
        pull_request: true
        created_at: 2025-09-30T10:00:00+08:00
      - number: 6
        title: 已关闭的问题
        user: gz-bureau
        labels: [类别/技术类问题]
        state: closed
        created_at: 2025-09-01T10:00:00+08:00
        closed_at: 2025-09-02T10:00:00+08:00
"""
FORGES = ["gitea", "github"]
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def policy_file(policy_text: str, write_policy) -> Path:
    text = policy_text.replace("  escalate_to: []", "  escalate_to: [province-duty]").replace(
        "  bots: []", "  bots: [ops-robot]"
    )
    return write_policy(text)


YEAR_END_ISSUE = """\
      - number: 7
        title: 佛山市-学前教育-技术类问题：岁末报送
        user: fs-bureau
        labels: [类别/技术类问题]
        created_at: 2026-12-31T10:00:00+08:00
"""


def start(forge: str, invoke: Invoke, policy: Path, seed: str = SEED, **kwargs: Any) -> Sandbox:
    sb = Sandbox(seed=parse_seed(seed, "test_sla"), **kwargs).start()
    result = invoke(
        "--policy",
        str(policy),
        "sync",
        *forge_args(sb.url, forge),
        "--apply",
        env={"ZZXT_TOKEN": BOT},
    )
    assert result.exit_code == 0, result.stderr
    httpx.delete(sb.url + "/_sandbox/requests").raise_for_status()
    return sb


@pytest.fixture(params=FORGES)
def forge(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sandbox(forge: str, invoke: Invoke, policy_file: Path) -> Iterator[Sandbox]:
    sb = start(forge, invoke, policy_file)
    yield sb
    sb.stop()


def check(invoke: Invoke, sb: Sandbox, forge: str, policy: Path, now: str, *args: str) -> Any:
    return invoke(
        "--policy",
        str(policy),
        "sla",
        "check",
        *forge_args(sb.url, forge),
        "--now",
        now,
        *args,
        env={"ZZXT_TOKEN": BOT, "ZZXT_RETRY_BACKOFF": "0.01"},
    )


def issue_state(sb: Sandbox, number: int) -> dict[str, Any]:
    issues = state(sb.url)["repos"]["gdzz/support"]["issues"]
    return dict(next(i for i in issues if i["number"] == number))


def dashboards(sb: Sandbox) -> list[dict[str, Any]]:
    issues = state(sb.url)["repos"]["gdzz/support"]["issues"]
    return [i for i in issues if DASHBOARD_MARK in (i.get("body") or "")]


def sla_labels(sb: Sandbox, number: int) -> list[str]:
    return sorted(x for x in issue_state(sb, number)["labels"] if x.startswith("SLA/"))


def escalations(sb: Sandbox, number: int) -> list[str]:
    return [c["body"] for c in issue_state(sb, number)["comments"] if ESCALATION_MARK in c["body"]]


def writes(sb: Sandbox) -> list[dict[str, Any]]:
    return [r for r in sb.requests() if r["method"] in WRITES and r["path"].startswith("/api/")]


def by_number(result: Any) -> dict[int, dict[str, Any]]:
    assert result.exit_code == 0, result.stderr
    return {i["number"]: i for i in json.loads(result.stdout)["issues"]}


def test_states_and_transitions_over_successive_runs(
    invoke: Invoke, sandbox: Sandbox, forge: str, policy_file: Path
) -> None:
    # 2025-10-11 is a make-up Saturday: the technical issue (received 09-30) passed its
    # warning line at the end of 10-10 and is due at the end of 10-11.
    first = by_number(
        check(invoke, sandbox, forge, policy_file, "2025-10-11T10:00:00+08:00", "--apply", "--json")
    )
    assert first[1]["state"] == "due_soon"
    assert first[1]["due"] == "2025-10-11T23:59:59+08:00"
    assert first[1]["warn_at"] == "2025-10-10T23:59:59+08:00"
    # The author's own comment and a bot's do not count as an answer.
    assert first[1]["responded_at"] is None
    assert first[1]["labels_added"] == ["SLA/即将超期"]
    assert first[3]["category"] is None and "状态/待分类" in first[3]["labels_added"]
    assert first[4]["state"] == "exempt"
    assert 5 not in first and 6 not in first  # pull request and closed issue
    assert sla_labels(sandbox, 1) == ["SLA/即将超期"]
    assert len(dashboards(sandbox)) == 1

    second = by_number(
        check(invoke, sandbox, forge, policy_file, "2025-10-12T10:00:00+08:00", "--apply", "--json")
    )
    assert second[1]["state"] == "overdue"
    assert second[1]["labels_added"] == ["SLA/已超期"] and second[1]["labels_removed"] == [
        "SLA/即将超期"
    ]
    assert sla_labels(sandbox, 1) == ["SLA/已超期"]
    assert len(escalations(sandbox, 1)) == 1
    assert "@province-duty" in escalations(sandbox, 1)[0]  # nobody assigned yet

    httpx.delete(sandbox.url + "/_sandbox/requests").raise_for_status()
    third = check(
        invoke, sandbox, forge, policy_file, "2025-10-12T10:00:00+08:00", "--apply", "--json"
    )
    assert third.exit_code == 0
    assert writes(sandbox) == []  # the same moment again changes nothing
    assert len(escalations(sandbox, 1)) == 1

    fourth = by_number(
        check(invoke, sandbox, forge, policy_file, "2025-10-13T12:00:00+08:00", "--apply", "--json")
    )
    assert fourth[1]["state"] == "late"
    assert fourth[1]["responder"] == "staff1"
    assert fourth[1]["labels_added"] == ["SLA/超期答复"] and fourth[1]["labels_removed"] == [
        "SLA/已超期"
    ]
    assert sla_labels(sandbox, 1) == ["SLA/超期答复"]
    assert issue_state(sandbox, 1)["assignees"] == ["staff1"]  # 首接负责制
    assert len(escalations(sandbox, 1)) == 1
    boards = dashboards(sandbox)
    assert len(boards) == 1  # edited in place, never duplicated
    assert boards[0]["title"] == "问题处理进度清单"
    assert "## 超期答复（1）" in boards[0]["body"] and "| #1 |" in boards[0]["body"]
    assert "华南示范大学" in boards[0]["body"]


def test_make_up_saturday_answer_is_on_time(
    invoke: Invoke, sandbox: Sandbox, forge: str, policy_file: Path
) -> None:
    result = by_number(
        check(invoke, sandbox, forge, policy_file, "2026-03-02T09:00:00+08:00", "--json")
    )
    assert result[2]["state"] == "met"
    assert result[2]["responded_at"] == "2026-02-14T09:00:00+08:00"
    assert result[2]["due"] == "2026-02-24T23:59:59+08:00"


def test_dry_run_writes_nothing_and_prints_a_table(
    invoke: Invoke, sandbox: Sandbox, forge: str, policy_file: Path
) -> None:
    result = check(invoke, sandbox, forge, policy_file, "2025-10-12T10:00:00+08:00")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.startswith("编号"))
    assert header.split() == ["编号", "标题", "单位", "学段", "类别", "状态", "截止", "负责人"]
    row = next(line for line in lines if line.startswith("#1 "))
    assert "华南示范大学" in row and "已超期" in row and "2025-10-11 23:59" in row
    assert "未做任何修改" in result.stdout
    assert writes(sandbox) == []


def test_fail_on_overdue(invoke: Invoke, sandbox: Sandbox, forge: str, policy_file: Path) -> None:
    result = check(
        invoke, sandbox, forge, policy_file, "2025-10-12T10:00:00+08:00", "--fail-on-overdue"
    )
    assert result.exit_code == 1
    assert "超期未答复" in result.stderr


def test_unknown_year_finishes_the_others_then_exits_3(
    invoke: Invoke, forge: str, policy_file: Path, write_policy
) -> None:
    # Three working days after 2026-12-31 fall in 2027, which has no official notice yet;
    # with `calendar.strict` the bot refuses to guess.
    text = policy_file.read_text("utf-8").replace("  strict: false", "  strict: true")
    strict = write_policy(text, "strict.yml")
    seed = SEED.replace("      - number: 5\n", YEAR_END_ISSUE + "      - number: 5\n")
    sb = start(forge, invoke, strict, seed=seed)
    try:
        result = check(invoke, sb, forge, strict, "2027-01-05T09:00:00+08:00", "--apply", "--json")
        assert result.exit_code == 3
        assert "2027 年" in result.stderr and "calendar.years" in result.stderr
        states = {i["number"]: i["state"] for i in json.loads(result.stdout)["issues"]}
        assert states[7] == "unknown"
        assert states[1] == "late" and states[2] == "met"  # the others were still judged
        assert sla_labels(sb, 1) == ["SLA/超期答复"]  # ... and labelled
        assert sla_labels(sb, 7) == []
    finally:
        sb.stop()


def test_a_year_without_a_notice_gives_provisional_deadlines(
    invoke: Invoke, forge: str, policy_file: Path
) -> None:
    seed = SEED.replace("      - number: 5\n", YEAR_END_ISSUE + "      - number: 5\n")
    sb = start(forge, invoke, policy_file, seed=seed)
    try:
        # 2027-01-01 is 元旦; the third working day after 2026-12-31 is Wednesday the 6th.
        result = check(
            invoke, sb, forge, policy_file, "2027-01-07T09:00:00+08:00", "--apply", "--json"
        )
        assert result.exit_code == 0, result.stderr
        assert "2027" in result.stderr and "暂定" in result.stderr  # the calendar's warning
        report = json.loads(result.stdout)
        year_end = next(i for i in report["issues"] if i["number"] == 7)
        assert year_end["state"] == "overdue" and year_end["provisional"] is True
        assert year_end["due"] == "2027-01-06T23:59:59+08:00"
        assert report["provisional_years"] == [2027]
        assert sla_labels(sb, 7) == ["SLA/已超期"]
        issues = state(sb.url)["repos"]["gdzz/support"]["issues"]
        board = next(i for i in issues if "zzxt:dashboard" in i["body"])
        assert "2027-01-06 23:59（暂定）" in board["body"] and "2027 年" in board["body"]
        reminder = next(i for i in issues if i["number"] == 7)["comments"]
        assert len(reminder) == 1 and "暂定" in reminder[0]["body"]
    finally:
        sb.stop()


def test_faults_then_clean_rerun_converges_without_duplicate_comments(
    invoke: Invoke, forge: str, policy_file: Path
) -> None:
    sb = start(forge, invoke, policy_file, faults=0.0, fault_seed=3, retry_after=0)
    try:
        sb.set_fault_rate(0.3)
        faulty = check(invoke, sb, forge, policy_file, "2025-10-12T10:00:00+08:00", "--apply")
        # Five attempts per request absorb this fault rate: the faulty run still succeeds.
        assert faulty.exit_code == 0, faulty.stderr
        assert any(r["status"] in (0, 429, 502) for r in sb.requests())
        sb.set_fault_rate(0.0)
        for _ in range(2):
            clean = check(invoke, sb, forge, policy_file, "2025-10-12T10:00:00+08:00", "--apply")
            assert clean.exit_code == 0, clean.stderr
        assert sla_labels(sb, 1) == ["SLA/已超期"]
        assert len(escalations(sb, 1)) == 1
        assert len(dashboards(sb)) == 1
        httpx.delete(sb.url + "/_sandbox/requests").raise_for_status()
        assert (
            check(invoke, sb, forge, policy_file, "2025-10-12T10:00:00+08:00", "--apply").exit_code
            == 0
        )
        assert writes(sb) == []
    finally:
        sb.stop()


def test_requests_fit_the_official_descriptions(
    invoke: Invoke, forge: str, policy_file: Path
) -> None:
    checker = checker_for(forge)
    sb = start(forge, invoke, policy_file, record_bodies=True)
    try:
        for now in (
            "2025-10-11T10:00:00+08:00",
            "2025-10-12T10:00:00+08:00",
            "2025-10-13T12:00:00+08:00",
        ):
            assert check(invoke, sb, forge, policy_file, now, "--apply").exit_code == 0
        report = checker.check_all(sb.requests())
        assert report.checked > 10
        assert report.problems == []
    finally:
        sb.stop()


@pytest.mark.parametrize(("forge_kind", "page"), [("gitea", 50), ("github", 100)])
def test_reads_grow_with_pages_not_issues(
    invoke: Invoke, policy_file: Path, forge_kind: str, page: int
) -> None:
    issues, comments = 120, 250
    lines = [
        "users:",
        f"  - {{login: zzxt-bot, token: {BOT}, type: Bot}}",
        "repos:",
        "  - name: gdzz/support",
        "    private: true",
        "    writers: [zzxt-bot, staff0, staff1, staff2]",
        '    labels: [{name: 类别/应用类问题, color: "1d76db"}]',
        "    issues:",
    ]
    for n in range(1, issues + 1):
        lines += [
            f"      - number: {n}",
            f"        title: 第 {n} 号问题",
            "        user: reporter",
            "        labels: [类别/应用类问题]",
            "        created_at: 2026-11-20T10:00:00+08:00",
        ]
        share = comments // issues + (1 if n <= comments % issues else 0)
        if share:
            lines.append("        comments:")
            lines += [
                f"          - {{user: staff{k}, body: 答复, created_at: 2026-11-23T09:00:00+08:00}}"
                for k in range(share)
            ]
    with Sandbox(seed=parse_seed("\n".join(lines) + "\n", "bench")) as sb:
        result = check(invoke, sb, forge_kind, policy_file, "2026-11-26T10:00:00+08:00", "--json")
        assert result.exit_code == 0, result.stderr
        reads = [r for r in sb.requests() if r["method"] == "GET"]
    pages = -(-issues // page) + -(-comments // page)
    # Plus the bot's own account and who may answer: on GitHub one permission per person
    # answering first (staff0 everywhere); on Gitea, whose permission endpoint answers a
    # bot only about itself, one refused question and the list of assignees.
    assert len(reads) <= pages + 3
    assert sum(1 for r in reads if r["path"].endswith("/issues")) == -(-issues // page)


def test_write_budget_defers_the_least_urgent_and_converges(
    invoke: Invoke, forge: str, policy_file: Path
) -> None:
    now = "2025-10-12T10:00:00+08:00"
    reference = start(forge, invoke, policy_file)
    try:
        assert (
            check(
                invoke, reference, forge, policy_file, now, "--apply", "--max-writes", "0"
            ).exit_code
            == 0
        )
        expected = {
            n: (sla_labels(reference, n), len(escalations(reference, n))) for n in (1, 2, 3, 4)
        }
    finally:
        reference.stop()

    sb = start(forge, invoke, policy_file)
    try:
        first = check(invoke, sb, forge, policy_file, now, "--apply", "--json", "--max-writes", "3")
        data = json.loads(first.stdout)
        assert data["writes"] == 3 and data["deferred"] > 0
        assert len(writes(sb)) == 3
        assert len(dashboards(sb)) == 1  # the progress list goes first
        assert sla_labels(sb, 1) == ["SLA/已超期"]  # then the most urgent issue
        for _ in range(6):
            result = check(
                invoke, sb, forge, policy_file, now, "--apply", "--json", "--max-writes", "3"
            )
            if json.loads(result.stdout)["deferred"] == 0:
                break
        assert {n: (sla_labels(sb, n), len(escalations(sb, n))) for n in (1, 2, 3, 4)} == expected
    finally:
        sb.stop()


def test_responder_team_limits_who_answers(
    invoke: Invoke, forge: str, policy_text: str, write_policy
) -> None:
    policy = write_policy(
        policy_text.replace('  responder_team: ""', "  responder_team: gdzz/province")
    )
    seed = SEED + "teams:\n  - {name: gdzz/province, members: [duty-officer]}\n"
    sb = start(forge, invoke, policy, seed=seed, record_bodies=True)
    try:
        result = by_number(check(invoke, sb, forge, policy, "2025-10-13T12:00:00+08:00", "--json"))
        # staff1 is not in the team: the comment of 10-13 is no answer.
        assert result[1]["state"] == "overdue" and result[1]["responder"] is None
        team_calls = [r for r in sb.requests() if "/teams" in r["path"]]
        assert team_calls and checker_for(forge).check_all(team_calls).problems == []
    finally:
        sb.stop()

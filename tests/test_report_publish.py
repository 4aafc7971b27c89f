"""`zzxt report publish` against the sandbox on both forges: files, one issue a month, reruns.

The seed is test_report_figures' quarter (via test_report_cli); December 2025 is
published on 2026-01-04, the make-up Sunday that is January's first working day.
The charts need a CJK font (Debian: fonts-noto-cjk, in .ci/run's apt-get line).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.paths import ROOT, Invoke
from tests.support.sandbox import forge_args
from tests.test_report_cli import BOT_TOKEN, fixture_seed
from tests.test_report_figures import COMMENTS, GZ, ISSUES, POLICY, RESPONDERS, RULES, ZONE, issue
from tracker.bots.report_publish import (
    Month,
    Snapshot,
    check_ended,
    due_month,
    first_working_day,
    plan,
    publish_moment,
)
from tracker.errors import InputError
from tracker.forge import connect, resolve_settings
from tracker.forge.model import Forge
from tracker.report.figures import compute
from tracker.report.period import Period
from tracker.report.publication import build
from tracker.sandbox import Sandbox, Seed

DUE = "2026-01-04T09:00:00+08:00"  # January's first working day (a make-up Sunday)
LATER = "2026-01-05T09:00:00+08:00"
MONTH = "2025-12"
MARK = f"<!-- zzxt:report {MONTH} -->"
OUTSIDER_TOKEN = "t-outsider-71b2"
STAFF_TOKEN = "t-staff1-report"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
NAMES = [
    "通报.docx",
    "数据.xlsx",
    "report.md",
    "各地市按时答复率.png",
    "各地市按时答复率.svg",
    "每周受理量.png",
    "每周受理量.svg",
    "首次答复用时分布.png",
    "首次答复用时分布.svg",
]


def seed(outsider_issue: bool = False) -> Seed:
    data = fixture_seed().model_dump(mode="json")
    data["users"] += [
        {"login": "outsider", "token": OUTSIDER_TOKEN},
        {"login": "staff1", "token": STAFF_TOKEN},
    ]
    data["repos"][0]["files"] = {"README.md": "资助系统技术支持台账"}
    # Every label of the policy, as `zzxt sync` leaves them: the SLA bot refuses to run without.
    have = {label["name"] for label in data["repos"][0]["labels"]}
    data["repos"][0]["labels"] += [
        {"name": spec.name, "color": "1d76db"}
        for spec in RULES.labels.specs()
        if spec.name not in have
    ]
    if outsider_issue:
        # Someone without write access copies the marker into an issue of their own.
        data["repos"][0]["issues"].append(
            {
                "number": 40,
                "title": "冒充的通报",
                "body": f"{MARK}\n请下载附件",
                "user": "outsider",
                "created_at": "2026-01-02T10:00:00+08:00",
            }
        )
    return Seed.model_validate(data)


@pytest.fixture(params=["gitea", "github"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[tuple[Sandbox, str]]:
    sb = Sandbox(seed=seed()).start()
    yield sb, str(request.param)
    sb.stop()


@pytest.fixture(params=["gitea", "github"])
def sandbox_with_outsider(request: pytest.FixtureRequest) -> Iterator[tuple[Sandbox, str]]:
    sb = Sandbox(seed=seed(outsider_issue=True)).start()
    yield sb, str(request.param)
    sb.stop()


def publish(invoke: Invoke, sb: Sandbox, forge: str, *args: str, now: str = DUE) -> Any:
    return invoke(
        "report",
        "publish",
        *forge_args(sb.url, forge),
        "--now",
        now,
        *args,
        env={"ZZXT_TOKEN": BOT_TOKEN, "ZZXT_RETRY_BACKOFF": "0.01"},
    )


def client(sb: Sandbox, forge: str, token: str = BOT_TOKEN) -> Forge:
    settings = resolve_settings({"ZZXT_TOKEN": token}, kind=forge, url=sb.url, repo="gdzz/support")
    return connect(settings)


def writes(sb: Sandbox) -> list[str]:
    return [
        f"{r['method']} {r['path']}"
        for r in sb.requests()
        if r["method"] in WRITES and str(r["path"]).startswith("/api")
    ]


def clear_log(sb: Sandbox) -> None:
    httpx.delete(sb.url + "/_sandbox/requests").raise_for_status()


def issues_state(sb: Sandbox) -> list[dict[str, Any]]:
    state = httpx.get(sb.url + "/_sandbox/state").json()
    return list(state["repos"]["gdzz/support"]["issues"])


def report_issues(sb: Sandbox) -> list[dict[str, Any]]:
    return [i for i in issues_state(sb) if MARK in (i.get("body") or "")]


def test_first_run_commits_files_and_opens_one_issue_then_a_rerun_writes_nothing(
    invoke: Invoke, sandbox: tuple[Sandbox, str]
) -> None:
    sb, forge = sandbox
    result = publish(invoke, sb, forge, "--apply", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["month"] == MONTH and data["issue_action"] == "create"
    assert [f["path"] for f in data["files"]] == [f"reports/{MONTH}/{n}" for n in NAMES]
    assert all(f["operation"] == "create" for f in data["files"])

    found = report_issues(sb)
    assert len(found) == 1
    body = found[0]["body"]
    assert found[0]["title"] == "关于2025年12月资助系统技术支持服务情况的通报"
    # Every file is linked, by the forge's own page of a committed file.
    links = re.findall(r"\]\((http[^)]+)\)", body)
    page = "/src/branch/main/" if forge == "gitea" else "/blob/main/"
    assert [unquote(link) for link in links] == [
        f"{sb.url}/gdzz/support{page}reports/{MONTH}/{n}" for n in NAMES
    ]
    # The figures: December's four issues, with the summary and the city table.
    assert "2025年12月，全省共受理资助系统技术支持问题 4 个" in body
    assert "## 各地市答复情况" in body and "| 广州市 |" in body
    assert "通报.docx 是初稿" in body

    # The committed documents are the bytes generated, read back through the API.
    forge_client = client(sb, forge)
    try:
        committed = forge_client.read_file(f"reports/{MONTH}/通报.docx")
        sheet = forge_client.read_file(f"reports/{MONTH}/数据.xlsx")
    finally:
        forge_client.close()
    assert committed is not None and sheet is not None
    period = Period(date(2025, 12, 1), date(2025, 12, 31), ZONE)
    moment = datetime.fromisoformat(DUE)
    expected = build(
        compute(ISSUES, COMMENTS, RULES, RESPONDERS, period, moment), POLICY, Month(2025, 12)
    )
    assert committed.content == expected.files["通报.docx"]
    assert committed.content[:2] == b"PK"
    assert sheet.content == expected.files["数据.xlsx"]

    # The same run again (the workflow runs every day 1-10): nothing is written.
    clear_log(sb)
    again = publish(invoke, sb, forge, "--apply")
    assert again.exit_code == 0, again.stderr
    assert "文件和通报问题都已是最新，无需写入。" in again.stdout
    assert writes(sb) == []
    assert len(report_issues(sb)) == 1


def test_dry_run_prints_the_plan_and_writes_nothing(
    invoke: Invoke, sandbox: tuple[Sandbox, str]
) -> None:
    sb, forge = sandbox
    result = publish(invoke, sb, forge)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        f"关于2025年12月资助系统技术支持服务情况的通报（reports/{MONTH}/）"
    )
    assert f"  新增 reports/{MONTH}/通报.docx" in result.stdout
    assert "  新建通报问题" in result.stdout
    assert "以上为预览，加 --apply 才会写入。" in result.stdout
    assert writes(sb) == []


def test_a_changed_figure_updates_the_files_and_edits_the_issue(
    invoke: Invoke, sandbox: tuple[Sandbox, str]
) -> None:
    sb, forge = sandbox
    assert publish(invoke, sb, forge, "--apply").exit_code == 0
    first = report_issues(sb)[0]
    # Staff relabel December's issue 11 from application to technical: a category count moves.
    staff = client(sb, forge, STAFF_TOKEN)
    try:
        before = {lb for lb in staff.get_issue(11).labels}
        application = next(name for name in before if name.startswith("类别/"))
        staff.remove_label(11, application)
        staff.add_labels(11, ["类别/技术类问题"])
    finally:
        staff.close()
    clear_log(sb)
    result = publish(invoke, sb, forge, "--apply", "--json", now=LATER)
    # No --month on 01-05: nothing is due; the rerun for December names the month.
    assert json.loads(result.stdout)["month"] is None
    result = publish(invoke, sb, forge, "--apply", "--json", "--month", MONTH, now=LATER)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    changed = {f["path"].rsplit("/", 1)[1] for f in data["files"]}
    assert {"通报.docx", "数据.xlsx", "report.md", "每周受理量.png"} <= changed
    assert all(f["operation"] == "update" for f in data["files"])
    assert data["issue"] == first["number"] and data["issue_action"] == "edit"
    after = report_issues(sb)
    assert len(after) == 1 and after[0]["number"] == first["number"]
    assert after[0]["body"] != first["body"]
    assert "其中应用类问题 1 个、技术类问题 1 个" in first["body"]
    assert "其中技术类问题 2 个" in after[0]["body"]


def test_a_second_bot_issue_is_closed_and_an_outsiders_is_ignored(
    invoke: Invoke, sandbox_with_outsider: tuple[Sandbox, str]
) -> None:
    sb, forge = sandbox_with_outsider
    fake = 40
    result = publish(invoke, sb, forge, "--apply", "--json")
    assert json.loads(result.stdout)["issue_action"] == "create"  # the outsider's did not count
    first = next(i["number"] for i in report_issues(sb) if i["number"] != fake)
    bot = client(sb, forge)
    try:
        duplicate = bot.create_issue("重复的通报", f"{MARK}\n另一次运行留下的", []).number
    finally:
        bot.close()
    clear_log(sb)
    result = publish(invoke, sb, forge, "--apply", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["issue"] == first and data["duplicates"] == [duplicate]
    by_number = {i["number"]: i for i in issues_state(sb)}
    assert by_number[duplicate]["state"] == "closed"
    assert f"#{first}" in by_number[duplicate]["body"]
    assert by_number[fake]["state"] == "open"
    assert by_number[fake]["body"] == f"{MARK}\n请下载附件"
    assert not [w for w in writes(sb) if re.search(rf"/issues/{fake}\b", w)]
    assert by_number[first]["state"] == "open"


def test_sla_and_triage_leave_the_report_issue_alone(
    invoke: Invoke, sandbox: tuple[Sandbox, str]
) -> None:
    sb, forge = sandbox
    assert publish(invoke, sb, forge, "--apply").exit_code == 0
    number = report_issues(sb)[0]["number"]
    before = next(i for i in issues_state(sb) if i["number"] == number)
    clear_log(sb)
    env = {"ZZXT_TOKEN": BOT_TOKEN, "ZZXT_RETRY_BACKOFF": "0.01"}
    sla = invoke("sla", "check", *forge_args(sb.url, forge), "--apply", "--now", LATER, env=env)
    assert sla.exit_code in (0, 1), sla.stderr
    assert sb.requests(), "the SLA bot ran against the tracker"
    triage = invoke(
        "triage", *forge_args(sb.url, forge), "--issue", str(number),
        "--faq-dir", str(ROOT / "docs" / "faq"), "--apply", env=env,
    )  # fmt: skip
    assert triage.exit_code == 0, triage.stderr
    assert not [w for w in writes(sb) if re.search(rf"/issues/{number}\b", w)]
    after = next(i for i in issues_state(sb) if i["number"] == number)
    assert (after["labels"], after["assignees"], after["body"]) == (
        before["labels"],
        before["assignees"],
        before["body"],
    )


def test_a_day_that_is_not_the_first_working_day_writes_nothing(
    invoke: Invoke, sandbox: tuple[Sandbox, str]
) -> None:
    sb, forge = sandbox
    result = publish(invoke, sb, forge, "--apply", now=LATER)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("今天（2026-01-05）不是本月第一个工作日，没有到期要发布的通报")
    assert sb.requests() == []


@pytest.mark.parametrize(
    ("month", "now"),
    [("2026-01", "2026-01-20T10:00:00+08:00"), ("2026-02", "2026-01-20T10:00:00+08:00")],
    ids=["本月", "下月"],
)
def test_a_month_not_yet_ended_is_refused_before_any_request(
    invoke: Invoke, month: str, now: str
) -> None:
    result = invoke(
        "report", "publish", "--forge", "gitea", "--url", "http://127.0.0.1:9", "--repo", "a/b",
        "--month", month, "--now", now, "--apply",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "尚未结束" in result.stderr and "只能发布已经结束的月份的通报" in result.stderr


def test_a_bad_month_is_an_input_error(invoke: Invoke) -> None:
    result = invoke(
        "report", "publish", "--forge", "gitea", "--url", "http://127.0.0.1:9", "--repo", "a/b",
        "--month", "2025-13", "--now", DUE,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--month 的月份 '2025-13' 无法识别" in result.stderr


def test_period_options_belong_before_no_subcommand(invoke: Invoke) -> None:
    result = invoke("report", "--since", "2025-12-01", "publish")
    assert result.exit_code == 2
    assert "--since 是 zzxt report 本身的选项" in result.stderr
    missing = invoke("report", "--until", "2025-12-31")
    assert missing.exit_code == 2 and "--since" in missing.stderr


def test_provisional_years_are_said_in_the_documents_and_the_issue(tmp_path: Path) -> None:
    """A month of a year without a holiday notice: its deadlines are provisional, and said so."""
    month = Month(2040, 1)
    period = Period(month.first_day, month.last_day, ZONE)
    future = issue(99, GZ, "义务教育", ("类别/应用类问题",), "2040-01-10T10:00")
    report = compute([future], [], RULES, RESPONDERS, period, datetime(2040, 2, 1, 9, tzinfo=ZONE))
    assert report.provisional_years == (2040,)
    publication = build(report, POLICY, month)
    words = "2040年的放假安排尚未录入政策文件"
    assert words in publication.files["report.md"].decode()
    assert words in publication.markdown

    from docx import Document

    (tmp_path / "通报.docx").write_bytes(publication.files["通报.docx"])
    paragraphs = [p.text for p in Document(str(tmp_path / "通报.docx")).paragraphs]
    assert any(words in p and "暂定" in p for p in paragraphs)
    snapshot = Snapshot("main", {}, [])
    body = plan(snapshot, publication, lambda branch, path: f"https://x/{path}").body
    assert words in body


def test_a_known_year_says_nothing_provisional() -> None:
    period = Period(date(2025, 12, 1), date(2025, 12, 31), ZONE)
    report = compute(ISSUES, COMMENTS, RULES, RESPONDERS, period, datetime.fromisoformat(DUE))
    assert report.provisional_years == ()
    publication = build(report, POLICY, Month(2025, 12))
    assert "放假安排尚未录入" not in publication.files["report.md"].decode()


def test_identity_is_checked_before_writing(
    invoke: Invoke,
    sandbox: tuple[Sandbox, str],
    policy_text: str,
    write_policy: Callable[[str], Path],
) -> None:
    """A staff member's token with --apply: the bot would not know the issue as its own."""
    sb, forge = sandbox
    assert '  bot_login: ""' in policy_text
    policy = write_policy(policy_text.replace('  bot_login: ""', "  bot_login: zzxt-bot"))
    result = invoke(
        "--policy", str(policy), "report", "publish", *forge_args(sb.url, forge), "--now", DUE,
        "--apply", env={"ZZXT_TOKEN": STAFF_TOKEN, "ZZXT_RETRY_BACKOFF": "0.01"},
    )  # fmt: skip
    assert result.exit_code == 2, result.stdout
    assert "令牌属于 staff1，不是机器人账号 zzxt-bot" in result.stderr
    assert writes(sb) == []


@pytest.mark.parametrize(
    ("month", "first"),
    [
        (Month(2025, 10), date(2025, 10, 9)),  # National Day and Mid-Autumn: 10-01 to 10-08 off
        (Month(2026, 1), date(2026, 1, 4)),  # New Year 01-01 to 01-03; Sunday 01-04 is worked
        (Month(2026, 2), date(2026, 2, 2)),  # a Monday
        (Month(2025, 11), date(2025, 11, 3)),  # 11-01 is a Saturday
    ],
)
def test_first_working_day_follows_the_calendar(month: Month, first: date) -> None:
    assert first_working_day(RULES.calendar, month) == first
    assert due_month(RULES.calendar, first) == month.previous()
    assert due_month(RULES.calendar, first.replace(day=first.day + 1)) is None
    moment = publish_moment(RULES.calendar, month.previous())
    assert (moment.date(), moment.hour, moment.utcoffset()) == (first, 9, ZONE.utcoffset(moment))


def test_a_month_ends_at_midnight() -> None:
    december = Month(2025, 12)
    with pytest.raises(InputError, match="尚未结束"):
        check_ended(december, datetime(2025, 12, 31, 23, 59, tzinfo=ZONE))
    check_ended(december, datetime(2026, 1, 1, 0, 0, tzinfo=ZONE))
    assert (december.previous(), december.next()) == (Month(2025, 11), Month(2026, 1))
    assert Month(2026, 1).previous() == december and december.last_day == date(2025, 12, 31)


@given(st.text(max_size=12))
def test_any_month_text_parses_to_itself_or_is_refused(text: str) -> None:
    try:
        month = Month.parse(text)
    except InputError as error:
        assert "无法识别" in error.message
    else:
        assert str(month) == text.strip() and 1 <= month.month <= 12

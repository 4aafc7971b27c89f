"""Issue 10's hostile reporter, on both forges: every item of its "Why" list, and that it now holds.

The seed (tests/support/hostile.py) is the tracker a hostile reporter leaves:
personal numbers in a title and a unit, an outsider's issue and comments
carrying the bots' markers, Markdown, HTML and mentions in titles and units,
bots' comments that a staff member's run must not take for replies, and an
outsider's "+1". The last section runs the smaller items of the list (item 10).
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import Result
from markdown_it import MarkdownIt

from tests.support import hostile
from tests.support.paths import Invoke
from tests.support.sandbox import auth, forge_args, state
from tracker.bots.dashboard import DASHBOARD_MARK
from tracker.bots.sla_run import ESCALATION_MARK
from tracker.bots.triage import MARKS
from tracker.pii import scan
from tracker.sandbox import Sandbox, parse_seed
from tracker.usertext import ZWJ

FORGES = ["gitea", "github"]
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
MD = MarkdownIt("commonmark").enable("table")


@pytest.fixture(params=FORGES)
def forge(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def zzxt(invoke: Invoke, *args: str, token: str = hostile.BOT) -> Result:
    return invoke(*args, env={"ZZXT_TOKEN": token, "ZZXT_RETRY_BACKOFF": "0.01"})


@pytest.fixture
def tracker(forge: str, invoke: Invoke) -> Iterator[Sandbox]:
    with Sandbox(parse_seed(hostile.SEED, "hostile.yml")) as sb:
        synced = zzxt(invoke, "sync", *forge_args(sb.url, forge), "--apply")
        assert synced.exit_code == 0, synced.stderr
        httpx.delete(sb.url + "/_sandbox/requests").raise_for_status()
        yield sb


def sla(invoke: Invoke, sb: Sandbox, forge: str, *args: str, token: str = hostile.BOT) -> Result:
    return zzxt(
        invoke, "sla", "check", *forge_args(sb.url, forge), "--now", hostile.NOW, *args, token=token
    )


def issues(sb: Sandbox) -> dict[int, dict[str, Any]]:
    return {i["number"]: i for i in state(sb.url)["repos"]["gdzz/support"]["issues"]}


def dashboard(sb: Sandbox) -> dict[str, Any]:
    boards = [
        i
        for i in issues(sb).values()
        if i["user"] == "zzxt-bot" and DASHBOARD_MARK in i["body"] and i["state"] == "open"
    ]
    assert len(boards) == 1
    return boards[0]


def writes(sb: Sandbox) -> list[dict[str, Any]]:
    return [r for r in sb.requests() if r["method"] in WRITES and r["path"].startswith("/api/")]


def applied(invoke: Invoke, sb: Sandbox, forge: str) -> Result:
    result = sla(invoke, sb, forge, "--apply")
    assert result.exit_code == 0, result.stderr
    return result


# ---- 1. the dashboard and the terminal republish personal data ---------------------


def test_no_personal_number_reaches_the_dashboard_the_table_or_json(
    invoke: Invoke, tracker: Sandbox, forge: str
) -> None:
    shown = applied(invoke, tracker, forge).stdout
    as_json = sla(invoke, tracker, forge, "--json").stdout
    body = dashboard(tracker)["body"]
    for text in (shown, as_json, body):
        for number in (hostile.ID, hostile.CARD):
            assert number[:15] not in text and number[-15:] not in text
        assert scan(text.replace("\\", "")) == []
    assert "4401\\*\\*\\*\\*\\*\\*\\*\\*\\*\\*1237" in body  # masked, as triage masks
    assert "学生4401*****" in shown  # clipped to the column, masked first


# ---- 2. an outsider's issue cannot become the dashboard -----------------------------


def test_an_outsiders_marker_issue_stays_an_ordinary_issue(
    invoke: Invoke, tracker: Sandbox, forge: str
) -> None:
    applied(invoke, tracker, forge)
    applied(invoke, tracker, forge)
    outsiders = issues(tracker)[1]
    assert outsiders["body"] == hostile.OUTSIDER_DASHBOARD  # never edited
    assert "状态/待分类" in outsiders["labels"]  # tracked like any issue
    board = dashboard(tracker)
    assert board["number"] != 1 and board["user"] == "zzxt-bot"
    assert "| #1 |" in board["body"]


# ---- 3. triage treats a reporter's marker comment as its own -------------------------


def test_a_reporters_marker_comment_is_never_edited_by_triage(
    invoke: Invoke, tracker: Sandbox, forge: str
) -> None:
    args = ["triage", *forge_args(tracker.url, forge), "--issue", "3", "--apply"]
    first = zzxt(invoke, *args, "--faq-dir", "docs/faq")
    assert first.exit_code == 0, first.stderr
    comments = issues(tracker)[3]["comments"]
    assert comments[0]["user"] == "gz-bureau" and comments[0]["body"] == hostile.FORGED_TRIAGE
    mine = [c for c in comments if c["user"] == "zzxt-bot"]
    for marker in MARKS.values():
        assert sum(marker in c["body"] for c in mine) <= 1
    httpx.delete(tracker.url + "/_sandbox/requests").raise_for_status()
    again = zzxt(invoke, *args, "--faq-dir", "docs/faq")
    assert again.exit_code == 0, again.stderr
    assert writes(tracker) == []  # a rerun edits nothing, the reporter's comment least of all
    assert issues(tracker)[3]["comments"][0]["body"] == hostile.FORGED_TRIAGE


# ---- 4. injection into the dashboard --------------------------------------------------


def test_user_text_cannot_shift_columns_mention_link_or_inject_html(
    invoke: Invoke, tracker: Sandbox, forge: str
) -> None:
    shown = applied(invoke, tracker, forge).stdout
    body = dashboard(tracker)["body"]
    assert "\x00" not in body and "\x00" not in shown
    tokens = MD.parse(body)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    assert not kinds & {"link_open", "image", "html_inline", "code_inline", "em_open"}
    assert [t.type for t in tokens if t.type == "html_block"] == ["html_block"]  # our marker only
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert all(re.fullmatch(r"\S+（\d+）", h) for h in headings), headings
    rows = [i for i, t in enumerate(tokens) if t.type == "tr_open"]
    for start in rows:
        end = next(j for j in range(start, len(tokens)) if tokens[j].type == "tr_close")
        cells = [t for t in tokens[start:end] if t.type in ("th_open", "td_open")]
        assert len(cells) in (2, 7)  # the summary table, or one of the issue tables
    assert not re.search(r"(?<![\w@])@(?!" + ZWJ + r")[A-Za-z0-9]", body)
    row = next(line for line in shown.splitlines() if line.startswith("#4 "))
    assert "列|错位" in row and "\n" not in row
    if forge == "github":
        full = httpx.get(
            f"{tracker.url}/api/v3/repos/gdzz/support/issues/{dashboard(tracker)['number']}",
            headers={**auth(hostile.BOT), "Accept": "application/vnd.github.full+json"},
        ).json()
        html = full["body_html"]
        assert "user-mention" not in html and "team-mention" not in html
        assert "<img" not in html and "<a " not in html and "<b>" not in html
        assert "伪造列" in full["body_text"] and "@\u200dadmin" in full["body_text"]


# ---- 5. a reporter cannot suppress the reminder ---------------------------------------


def test_a_reporters_reminder_marker_does_not_stop_the_reminder(
    invoke: Invoke, tracker: Sandbox, forge: str
) -> None:
    applied(invoke, tracker, forge)
    applied(invoke, tracker, forge)
    comments = issues(tracker)[5]["comments"]
    assert comments[0]["body"] == hostile.FORGED_REMINDER
    reminders = [c for c in comments if c["user"] == "zzxt-bot" and ESCALATION_MARK in c["body"]]
    assert len(reminders) == 1


# ---- 6. a staff member's run takes no bot comment for a reply --------------------------


def test_under_a_staff_token_bot_comments_are_not_replies(
    invoke: Invoke, tracker: Sandbox, forge: str, write_policy: Any, policy_text: str
) -> None:
    result = sla(invoke, tracker, forge, "--json", token=hostile.STAFF)
    assert result.exit_code == 0, result.stderr
    verdicts = {i["number"]: i for i in json.loads(result.stdout)["issues"]}
    assert verdicts[6]["state"] == "overdue" and verdicts[6]["responder"] is None
    assert not {v["responder"] for v in verdicts.values()} & {"zzxt-bot", "github-actions[bot]"}
    # With the bot named in the policy, another account's token may look but not write.
    named = write_policy(policy_text.replace('  bot_login: ""', "  bot_login: zzxt-bot"))
    assert "bot_login: zzxt-bot" in named.read_text("utf-8")
    refused = zzxt(
        invoke,
        "--policy",
        str(named),
        "sla",
        "check",
        *forge_args(tracker.url, forge),
        "--now",
        hostile.NOW,
        "--apply",
        token=hostile.STAFF,
    )
    assert refused.exit_code == 2
    assert "staff1" in refused.stderr and "zzxt-bot" in refused.stderr
    assert writes(tracker) == []


def test_an_apps_comment_carries_its_app_on_github() -> None:
    with Sandbox(parse_seed(hostile.SEED, "hostile.yml")) as sb:
        comments = httpx.get(
            f"{sb.url}/api/v3/repos/gdzz/support/issues/6/comments", headers=auth(hostile.BOT)
        ).json()
    app = next(c for c in comments if c["user"]["login"] == "github-actions[bot]")
    assert app["user"]["type"] == "Bot" and app["performed_via_github_app"]["slug"] == (
        "github-actions"
    )


# ---- 7. an outsider's comment does not stop the clock -----------------------------------


def test_an_outsiders_me_too_is_no_reply_and_never_assigned(
    invoke: Invoke, tracker: Sandbox, forge: str
) -> None:
    result = sla(invoke, tracker, forge, "--apply", "--json")
    assert result.exit_code == 0, result.stderr
    verdict = next(i for i in json.loads(result.stdout)["issues"] if i["number"] == 7)
    assert verdict["state"] == "overdue" and verdict["responder"] is None
    assert issues(tracker)[7]["assignees"] == []


def test_a_rerun_after_the_hostile_run_writes_nothing(
    invoke: Invoke, tracker: Sandbox, forge: str
) -> None:
    applied(invoke, tracker, forge)
    httpx.delete(tracker.url + "/_sandbox/requests").raise_for_status()
    applied(invoke, tracker, forge)
    assert writes(tracker) == []


# ---- 10. the smaller items ----------------------------------------------------------------


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_faq_queries_from_a_binary_file(invoke: Invoke, tmp_path: Path, source: str) -> None:
    data = bytes(range(256)) * 4
    path = tmp_path / "查询.bin"
    path.write_bytes(data)
    if source == "file":
        result = invoke("faq", "search", "--queries", str(path), "--dir", "docs/faq")
    else:
        result = invoke("faq", "search", "--queries", "-", "--dir", "docs/faq", input=data)
    no_traceback(result)
    assert result.exit_code == 2
    assert result.stderr.strip() == "错误：查询文件不是 UTF-8 编码，请另存为 UTF-8 后重试。"


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308", "-1", "半秒"])
def test_retry_backoff_must_be_a_sane_number(invoke: Invoke, value: str) -> None:
    result = invoke(
        "sync",
        *forge_args("http://127.0.0.1:9", "gitea"),
        env={"ZZXT_TOKEN": "x", "ZZXT_RETRY_BACKOFF": value},
    )
    no_traceback(result)
    assert result.exit_code == 2
    assert "ZZXT_RETRY_BACKOFF" in result.stderr and "0 到 60" in result.stderr


def test_verbose_prints_each_request_on_github(invoke: Invoke, tracker: Sandbox) -> None:
    result = zzxt(invoke, "sync", *forge_args(tracker.url, "github"), "--verbose")
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("zzxt: ")]
    assert "zzxt: GET /api/v3/repos/gdzz/support -> 200" in lines
    assert any(line.startswith("zzxt: GET /api/v3/repos/gdzz/support/labels") for line in lines)
    assert hostile.BOT not in result.stderr


def test_a_policy_with_a_key_written_twice_is_refused_with_both_lines(
    invoke: Invoke, policy_text: str, write_policy: Any
) -> None:
    text = policy_text + "\nsla:\n  responders: [someone]\n"
    path = write_policy(text)
    first = 1 + policy_text.splitlines().index("sla:")
    second = len(policy_text.splitlines()) + 2
    result = invoke("policy", "check", str(path))
    assert result.exit_code == 2
    assert f"第 {first} 行和第 {second} 行" in result.stderr and "sla" in result.stderr


def test_sla_apply_before_sync_writes_nothing(invoke: Invoke, forge: str) -> None:
    with Sandbox(parse_seed(hostile.SEED, "hostile.yml")) as sb:
        result = sla(invoke, sb, forge, "--apply")
        assert result.exit_code == 6
        assert result.stderr.count("\n") == 1 and "zzxt sync --apply" in result.stderr
        assert writes(sb) == []
        triaged = zzxt(invoke, "triage", *forge_args(sb.url, forge), "--issue", "3", "--apply")
        assert triaged.exit_code == 6 and "zzxt sync --apply" in triaged.stderr
        assert writes(sb) == []


ENGLISH = re.compile(
    r"\b(FILE|TEXT|INTEGER|FLOAT|PATH|DIRECTORY|RANGE|BOOLEAN|Usage|Options|Error|"
    r"No such|Is a directory|Permission denied|Address already|Input should)\b"
)


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["triage"],
        ["sla", "check"],
        ["sync"],
        ["sandbox"],
        ["faq", "search"],
        ["pii", "scan"],
        ["policy", "check"],
        ["attachments", "export"],
        ["calendar", "deadline"],
        ["mail", "parse"],
        ["forms", "parse"],
    ],
    ids=lambda c: " ".join(c) or "zzxt",
)
def test_help_is_chinese_and_aligned(invoke: Invoke, command: list[str]) -> None:
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert not ENGLISH.search(result.stdout), ENGLISH.search(result.stdout)
    assert "选项：" in result.stdout and "选项:" not in result.stdout
    from tracker.cli.table import width

    options = result.stdout.split("选项：", 1)[1].split("\n\n", 1)[0].splitlines()
    starts = set()
    for line in options:
        found = re.match(r"^(  \S.*?\S)  +(\S)", line)
        if found and line.lstrip().startswith("-"):
            starts.add(width(line[: found.start(2)]))
    assert len(starts) <= 1, options  # every description starts in one column


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["triage", "--title", "x", "--body-file", "/"], "这是一个目录"),
        (["triage", "--title", "x", "--body-file", "/没有这个文件"], "文件或目录不存在"),
        (["pii", "scan", "/没有这个文件"], "不存在"),
        (["sla", "check", "--max-writes", "-3"], "不在范围"),
        (["policy", "check", "/"], "是目录"),
        (["forms", "render", "--flavor", "gitea", "--out", "/proc/没有/表单"], "不存在"),
    ],
    ids=["directory", "missing", "pii-missing", "range", "path-directory", "os-reason"],
)
def test_usage_errors_are_chinese(invoke: Invoke, args: list[str], words: str) -> None:
    result = invoke(*args)
    no_traceback(result)
    assert result.exit_code == 2
    assert words in result.stderr
    assert not ENGLISH.search(result.stderr), result.stderr


def test_sandbox_on_a_busy_port_and_beyond_loopback(invoke: Invoke) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        result = invoke("sandbox", "--port", port, "--host", "0.0.0.0")
    assert result.exit_code == 2
    assert "警告：沙箱将监听 0.0.0.0" in result.stderr and "固定值" in result.stderr
    assert "端口已被占用" in result.stderr
    assert not ENGLISH.search(result.stderr), result.stderr


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("seed.json", '{"users": [{"login": "a",}]}', "JSON 格式错误"),
        (
            "seed.yml",
            "repos:\n  - name: a/b\n    issues:\n      - {title: t, user: u, created_at: 昨天}\n",
            "应为时间",
        ),
        ("seed.yml", "users: []\nusers: []\n", "第 1 行和第 2 行"),
    ],
    ids=["json-syntax", "datetime", "duplicate-key"],
)
def test_seed_errors_are_chinese(
    invoke: Invoke, tmp_path: Path, name: str, text: str, words: str
) -> None:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    result = invoke("sandbox", "--seed", str(path), "--port", "0")
    assert result.exit_code == 2
    assert words in result.stderr
    if name.endswith(".json"):
        assert "YAML" not in result.stderr
    assert not ENGLISH.search(result.stderr), result.stderr


def test_offline_triage_names_missing_fields_as_the_form_does(
    invoke: Invoke, tmp_path: Path
) -> None:
    body = tmp_path / "正文.md"
    body.write_text("### 问题简要描述\n\n忘记密码\n", "utf-8")
    empty = tmp_path / "faq"
    empty.mkdir()
    result = invoke(
        "triage",
        "--title",
        "甲市-义务教育-应用类问题：忘记密码",
        "--body-file",
        str(body),
        "--faq-dir",
        str(empty),
    )
    assert result.exit_code == 0, result.stderr
    missing = next(line for line in result.stdout.splitlines() if line.startswith("缺少："))
    assert "所属地市" in missing and "city" not in missing and "stage" not in missing


def test_times_print_without_microseconds(invoke: Invoke, tracker: Sandbox) -> None:
    result = zzxt(invoke, "sla", "check", *forge_args(tracker.url, "gitea"))
    assert result.exit_code == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert re.fullmatch(
        r"检查时间：\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00（共 \d+ 个未关闭问题）", first
    )


def test_no_command_prints_a_traceback_for_hostile_input_in_a_subprocess(tmp_path: Path) -> None:
    """The console script itself, not only CliRunner: errors end in Chinese and an exit code."""
    path = tmp_path / "x.bin"
    path.write_bytes(b"\xff\xfe\x00bad")
    cases = [
        (["faq", "search", "--queries", str(path), "--dir", "docs/faq"], 2),
        (["policy", "check", str(tmp_path)], 2),
        (["triage", "--title", "t", "--body-file", str(path)], 2),
    ]
    for args, code in cases:
        done = subprocess.run(
            [sys.executable, "-m", "tracker", *args], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == code, (args, done.stderr)
        assert "Traceback" not in done.stderr and done.stderr.startswith(("错误：", "用法："))

"""附件2-4 from and into a tracker: `zzxt attachments export --repo …` and `zzxt attachments import`,
against the sandbox on both forges, with workbooks as Excel and WPS save them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import Invoke
from tests.support.pii import make_id
from tests.support.sandbox import forge_args
from tests.support.tiers import clear_log, repo_state, writes
from tests.test_attachments import (
    HEADERS_2,
    _city_row,
    city_sheet,
    fresh,
    save_as_excel,
    save_as_wps,
)
from tracker.attachments import read_workbook
from tracker.bots.rules import Rules
from tracker.forge import connect, resolve_settings
from tracker.policy import load_policy
from tracker.sandbox import Sandbox, parse_seed
from tracker.templates.form_body import render_body
from tracker.templates.form_parse import Value

RULES = Rules.build(load_policy())
BOT = "t-sheets-bot"
STAFF = "t-sheets-staff"
SOURCE, TARGET = "gdzz/support", "gdzz/imported"
STUDENT_ID = make_id("440303", date(2009, 2, 1), 55)
SEED = """\
users:
  - {login: gd-bot, token: t-sheets-bot, type: Bot}
  - {login: sz-staff, token: t-sheets-staff}
repos:
  - {name: gdzz/support, private: true}
  - {name: gdzz/imported, private: true}
"""
FORGES = ["gitea", "github"]


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(seed=parse_seed(SEED, "test_sheets_forge")) as sb:
        yield sb


def zzxt(invoke: Invoke, *args: str) -> Any:
    return invoke(*args, env={"ZZXT_TOKEN": BOT, "ZZXT_RETRY_BACKOFF": "0.01"})


def sync(invoke: Invoke, sb: Sandbox, forge: str, repo: str) -> None:
    result = zzxt(invoke, "sync", *forge_args(sb.url, forge, repo=repo), "--apply")
    assert result.exit_code == 0, result.stderr


def answers(category: str, **over: Value) -> dict[str, Value]:
    base: dict[str, Value] = {
        "city": "深圳市",
        "stage": "义务教育",
        "unit": "深圳市教育局",
        "unit_type": "地级以上市教育局",
        "reporter": "罗老师",
        "role": "市资助中心管理员",
        "phone": "13512345678",
        "urgent": "否",
        "summary": "名单导入提示格式错误",
    }
    own: dict[str, dict[str, Value]] = {
        "application": {
            "subcategory": "操作类",
            "menu": "资助业务管理",
            "detail": f"学生 {STUDENT_ID} 的记录导入失败",
            "tried": "已查阅手册",
        },
        "technical": {
            "subcategory": "数据问题",
            "module": "统计分析",
            "steps": "1. 打开统计\n2. 人数为 0",
            "affected": "约 50 条",
        },
        "requirement": {"module": "名单管理", "current": "只能逐条导出", "proposal": "批量导出"},
        "account": {
            "request_type": "新增账号",
            "account_level": "市级",
            "account_role": "市级资助管理员",
            "account_count": "2",
            "reason": "新任工作人员",
        },
    }
    return {**base, **own[category], **over}


def file_issue(
    sb: Sandbox, forge: str, category: str, labels: tuple[str, ...] = (), **over: Value
) -> int:
    settings = resolve_settings({"ZZXT_TOKEN": STAFF}, kind=forge, url=sb.url, repo=SOURCE)
    client = connect(settings)
    try:
        form = next(f for f in RULES.forms if f.category == category)
        given = answers(category, **over)
        title = (
            RULES.policy.subject(str(given["city"]), str(given["stage"]), category)
            + "："
            + str(given["summary"])
        )
        issue = client.create_issue(title, render_body(form, given), [*form.labels, *labels])
        return issue.number
    finally:
        client.close()


def comparable(path: Path) -> list[tuple[str, str, dict[str, str]]]:
    """What a form reports, without what belongs to one tracker (numbers, dates, progress)."""
    result = read_workbook(RULES.policy, path)
    assert result.errors == [], result.errors
    return [(r.category, r.stage, r.fields) for r in result.rows]


@pytest.mark.parametrize("forge", FORGES)
def test_export_import_export_gives_the_same_rows(
    invoke: Invoke, box: Sandbox, tmp_path: Path, forge: str
) -> None:
    sync(invoke, box, forge, SOURCE)
    sync(invoke, box, forge, TARGET)
    file_issue(box, forge, "application")
    file_issue(box, forge, "technical", stage="普通高中", summary="统计报表缺少数据")
    file_issue(box, forge, "application", city="佛山市", unit="佛山市教育局", summary="菜单找不到")
    file_issue(box, forge, "requirement")  # 附件4, not 附件2
    file_issue(box, forge, "technical", labels=("状态/不予受理",), summary="区县直接报送")

    first = tmp_path / "附件2.xlsx"
    out = zzxt(invoke, "attachments", "export", "--form", "2", *forge_args(box.url, forge, repo=SOURCE),
               "--out", str(first), "--json", "--now", "2025-10-09T10:00:00+08:00")  # fmt: skip
    assert out.exit_code == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["form"] == 2 and summary["rows"] == 3 and summary["out"] == str(first)
    assert summary["sheets"]["义务教育"] == 2 and summary["sheets"]["普通高中"] == 1
    rows = comparable(first)
    assert [r[2]["summary"] for r in rows] == [
        "名单导入提示格式错误",
        "菜单找不到",
        "统计报表缺少数据",
    ]
    assert STUDENT_ID not in json.dumps(rows, ensure_ascii=False)
    assert rows[0][2]["phone"] == "13512345678"  # the reporter's own contact

    clear_log(box)
    plan = zzxt(
        invoke, "attachments", "import", str(first), *forge_args(box.url, forge, repo=TARGET)
    )
    assert plan.exit_code == 0, plan.stderr
    assert "将新建 3 个问题" in plan.stdout and writes(box) == []
    done = zzxt(invoke, "attachments", "import", str(first), *forge_args(box.url, forge, repo=TARGET),
                "--apply", "--json")  # fmt: skip
    assert done.exit_code == 0, done.stderr
    created = json.loads(done.stdout)["created"]
    assert [c["source"]["row"] for c in created] == [5, 6, 5]
    issues = [i for i in repo_state(box.url, TARGET)["issues"] if i["user"] == "gd-bot"]
    assert len(issues) == 3
    assert "附件2.xlsx 工作表“义务教育” 第 5 行" in issues[0]["body"]
    assert {
        "类别/应用类问题",
        "状态/待受理",
        "地市/深圳市",
        "学段/义务教育",
        "层级/地市报送",
    } <= set(issues[0]["labels"])

    clear_log(box)
    again = zzxt(invoke, "attachments", "import", str(first), *forge_args(box.url, forge, repo=TARGET),
                 "--apply", "--json")  # fmt: skip
    assert again.exit_code == 0, again.stderr
    data = json.loads(again.stdout)
    assert data["created"] == [] and len(data["existing"]) == 3 and data["writes"] == 0
    assert writes(box) == []

    second = tmp_path / "再导出.xlsx"
    back = zzxt(invoke, "attachments", "export", "--form", "2", *forge_args(box.url, forge, repo=TARGET),
                "--out", str(second))  # fmt: skip
    assert back.exit_code == 0, back.stderr
    assert comparable(second) == rows


def test_export_filters_by_city_stage_and_dates(
    invoke: Invoke, box: Sandbox, tmp_path: Path
) -> None:
    sync(invoke, box, "gitea", SOURCE)
    file_issue(box, "gitea", "application")
    file_issue(box, "gitea", "application", city="佛山市", unit="佛山市教育局")
    file_issue(box, "gitea", "technical", city="佛山市", unit="佛山市教育局", stage="普通高中")

    def export(*extra: str) -> dict[str, Any]:
        out = tmp_path / "x.xlsx"
        result = zzxt(invoke, "attachments", "export", "--form", "2",
                      *forge_args(box.url, "gitea", repo=SOURCE), "--out", str(out), "--json", *extra)  # fmt: skip
        assert result.exit_code == 0, result.stderr
        return dict(json.loads(result.stdout))

    assert export("--city", "佛山市")["rows"] == 2
    assert export("--city", "佛山市", "--stage", "普通高中")["sheets"]["普通高中"] == 1
    assert export("--city", "佛山市", "--stage", "普通高中")["rows"] == 1
    today = datetime.now(RULES.policy.calendar.zone).date().isoformat()  # Beijing's day
    assert export("--since", today, "--until", today)["rows"] == 3
    assert export("--until", "2020-01-01")["rows"] == 0
    wrong = zzxt(invoke, "attachments", "export", "--form", "2", *forge_args(box.url, "gitea", repo=SOURCE),
                 "--out", str(tmp_path / "y.xlsx"), "--city", "佛山")  # fmt: skip
    assert wrong.exit_code == 2 and "--city 的地市 '佛山' 不在政策中" in wrong.stderr


def _city_workbook(path: Path, rows: list[list[Any]], saved_by: Any) -> Path:
    """A city's 附件2 with merged title rows, a blank row and columns in its own order."""
    order = [
        13,
        12,
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        9,
        10,
        11,
    ]  # 是否紧急 and 提交日期 moved to the front
    wb = fresh()
    city_sheet(
        wb, "义务教育", [HEADERS_2[i] for i in order], [[row[i] for i in order] for row in rows]
    )
    wb.save(path)
    saved_by(path)
    return path


@pytest.mark.parametrize("saved_by", [save_as_excel, save_as_wps], ids=["Excel", "WPS"])
def test_import_a_city_workbook_saved_by_excel_or_wps(
    invoke: Invoke, box: Sandbox, tmp_path: Path, saved_by: Any
) -> None:
    sync(invoke, box, "github", TARGET)
    path = _city_workbook(
        tmp_path / "广州市-附件2.xlsx",
        [
            _city_row(1, "2025-9-30"),
            _city_row(2, "2025/10/09", reporter="黄老师", summary="登录失败"),
        ],
        saved_by,
    )
    result = zzxt(invoke, "attachments", "import", str(path), *forge_args(box.url, "github", repo=TARGET),
                  "--apply", "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["created"]) == 2
    issues = repo_state(box.url, TARGET)["issues"]
    assert [i["title"] for i in issues] == [
        "广州市-义务教育-应用类问题：导入报错",
        "广州市-义务教育-应用类问题：登录失败",
    ]
    assert "### 联系人姓名\n\n黄老师\n" in issues[1]["body"]
    assert "提交日期 2025-10-09" in issues[1]["body"]


def test_a_bad_row_names_file_row_column_and_reason_and_nothing_is_written(
    invoke: Invoke, box: Sandbox, tmp_path: Path
) -> None:
    sync(invoke, box, "gitea", TARGET)
    path = _city_workbook(
        tmp_path / "惠州市-附件2.xlsx",
        [_city_row(1, "2025-9-30"), _city_row(2, "下周一", city="惠州")],
        save_as_excel,
    )
    clear_log(box)
    result = zzxt(
        invoke,
        "attachments",
        "import",
        str(path),
        *forge_args(box.url, "gitea", repo=TARGET),
        "--apply",
    )
    assert result.exit_code == 1
    # This city put 提交日期 first (A) and typed its 地市 header with a space (D); row 6 is bad.
    assert (
        "惠州市-附件2.xlsx 工作表“义务教育” 第 6 行 第 D 列（地 市）：“惠州”不是可选值"
        in result.stderr
    )
    assert (
        "惠州市-附件2.xlsx 工作表“义务教育” 第 6 行 第 A 列（提交日期）：“下周一”不是日期"
        in result.stderr
    )
    assert "未导入任何问题" in result.stderr
    assert writes(box) == []

    skipping = zzxt(invoke, "attachments", "import", str(path), *forge_args(box.url, "gitea", repo=TARGET),
                    "--apply", "--skip-invalid")  # fmt: skip
    assert skipping.exit_code == 0, skipping.stderr
    assert "跳过：惠州市-附件2.xlsx 工作表“义务教育” 第 6 行" in skipping.stdout
    assert len(repo_state(box.url, TARGET)["issues"]) == 1

"""The progress list (问题处理进度清单) as a dashboard issue body."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from tracker.bots.dashboard import DASHBOARD_MARK, MAX_BODY, Row, dashboard_body
from tracker.bots.rules import Rules
from tracker.bots.sla import State
from tracker.policy import load_policy

POLICY = load_policy()
RULES = Rules.build(POLICY)
DUE = datetime(2025, 10, 11, 23, 59, 59, tzinfo=ZoneInfo("Asia/Shanghai"))


def row(number: int, state: State = State.OVERDUE) -> Row:
    return Row(
        number,
        f"广州市-义务教育-技术类问题：第{number}号|问题",
        "广州市教育局",
        "义务教育",
        "技术类问题",
        state,
        DUE,
        "",
    )


def test_groups_most_urgent_first() -> None:
    body = dashboard_body(RULES, [row(2, State.MET), row(1, State.OVERDUE), row(3, State.DUE_SOON)])
    assert body.startswith(DASHBOARD_MARK)
    assert (
        body.index("## 已超期（1）")
        < body.index("## 即将超期（1）")
        < body.index("## 按时答复（1）")
    )
    assert (
        "| #1 | 广州市-义务教育-技术类问题：第1号\\|问题 | 广州市教育局 | 义务教育 | 技术类问题 | 2025-10-11 23:59 | 未指派 |"
        in body
    )
    assert "另有" not in body


def test_no_clock_time_so_identical_lists_give_identical_bodies() -> None:
    """The only times in the body are the rows' due times and the rule's end of day."""
    body = dashboard_body(RULES, [row(1), row(2, State.MET)])
    assert re.findall(r"\d{4}-\d{2}-\d{2}[^|\n]*", body) == [
        "2025-10-11 23:59 ",
        "2025-10-11 23:59 ",
    ]
    rest = body.replace("2025-10-11 23:59", "")
    assert re.findall(r"\d{1,2}[:：]\d{2}(?:[:：]\d{2})?", rest) == ["23:59:59"]


def test_a_long_list_stays_under_the_body_limit() -> None:
    body = dashboard_body(RULES, [row(n) for n in range(1, 3001)])
    assert len(body) <= MAX_BODY
    assert "## 已超期（3000）" in body
    listed = body.count("\n| #")
    assert 0 < listed < 3000
    assert f"另有 {3000 - listed} 个问题因篇幅未列出" in body

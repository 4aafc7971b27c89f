"""The progress list the rules ask for (问题处理进度清单): rows per issue, as text and Markdown.

Rows carry user text (titles, units, stages) already made `plain`: masked and
on one line, safe for the terminal and JSON. The dashboard's Markdown passes
every cell through `inline` as well, so a reporter's text never becomes a
column, a heading, a link, an image, HTML or a mention.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tracker.bots.rules import Rules
from tracker.bots.sla import STATE_NAMES, State, Verdict
from tracker.policy import cite
from tracker.templates.form_parse import parse_body
from tracker.usertext import inline, plain

DASHBOARD_MARK = "<!-- zzxt:dashboard -->"
# On an extra progress list the bot closes (two runs at once each opened one).
DUPLICATE_MARK = "<!-- zzxt:dashboard-duplicate -->"
# GitHub refuses issue bodies over 65,536 characters; stay well below.
MAX_BODY = 60_000
# Order of the groups on the dashboard: most urgent first.
GROUPS = (
    State.OVERDUE,
    State.DUE_SOON,
    State.PENDING,
    State.UNKNOWN,
    State.LATE,
    State.MET,
    State.EXEMPT,
)


@dataclass(frozen=True)
class Row:
    number: int
    title: str
    unit: str
    stage: str
    category: str
    state: State
    due: datetime | None
    owner: str
    provisional_years: tuple[int, ...] = ()


def rows(rules: Rules, verdicts: list[Verdict]) -> list[Row]:
    """One row per verdict: unit and stage from the form, the owner from assignees."""
    out = []
    for verdict in verdicts:
        issue = verdict.issue
        fields = parse_body(rules.forms, issue.body).fields
        stage = str(fields.get("stage") or "") or rules.labels.stage_of(issue.labels) or ""
        category = rules.policy.category(verdict.category).name if verdict.category else "未分类"
        owner = "、".join(issue.assignees) or (verdict.responder or "")
        out.append(
            Row(
                number=issue.number,
                title=plain(issue.title),
                unit=plain(str(fields.get("unit") or "")),
                stage=plain(stage),
                category=category,
                state=verdict.state,
                due=verdict.due,
                owner=plain(owner),
                provisional_years=verdict.provisional_years,
            )
        )
    return out


def due_text(due: datetime | None, provisional: bool = False) -> str:
    if due is None:
        return "—"
    return due.strftime("%Y-%m-%d %H:%M") + ("（暂定）" if provisional else "")


def provisional_note(years: Iterable[int]) -> str:
    """Say why a deadline is provisional, or nothing when none is."""
    listed = sorted(set(years))
    if not listed:
        return ""
    names = "、".join(f"{y} 年" for y in listed)
    return (
        f"标“暂定”的截止时间用到了 {names}的工作日：该年的放假安排尚未录入政策文件，"
        "暂按法定节假日推算；录入国务院办公厅的通知后以通知为准（zzxt calendar import-notice）。"
    )


def dashboard_body(rules: Rules, table: list[Row], max_chars: int = MAX_BODY) -> str:
    """The dashboard issue's body. It holds no clock time, so an unchanged list is not re-edited.

    Rows are listed most urgent first until the body would pass `max_chars`; the rest
    are counted, and `zzxt sla check` prints them all.
    """
    policy = rules.policy
    basis = [*policy.articles.first_contact, *policy.articles.deadlines]
    lines = [
        DASHBOARD_MARK,
        f"本清单由答复时限机器人按《{policy.document.title}》{cite(basis)}自动维护，请勿手工编辑。",
        "答复时限按工作日计算：收到当天不计，调休上班的周末计入，截止到第 N 个工作日 23:59:59（北京时间）。",
    ]
    note = provisional_note(y for r in table for y in r.provisional_years)
    lines += [note, ""] if note else [""]
    counts = {state: sum(1 for r in table if r.state is state) for state in GROUPS}
    lines.append("| 状态 | 数量 |")
    lines.append("| --- | --- |")
    lines += [f"| {STATE_NAMES[s]} | {counts[s]} |" for s in GROUPS if counts[s]]
    if not table:
        lines.append("| — | 0 |")
    size = sum(len(line) + 1 for line in lines)
    left_out = 0
    for state in GROUPS:
        group = [r for r in table if r.state is state]
        if not group:
            continue
        head = [
            "",
            f"## {STATE_NAMES[state]}（{len(group)}）",
            "",
            "| 编号 | 标题 | 报送单位 | 学段 | 类别 | 截止时间 | 负责人 |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        size += sum(len(line) + 1 for line in head)
        lines += head
        for r in group:
            row = (
                f"| #{r.number} | {inline(r.title) or '—'} | {inline(r.unit) or '—'} "
                f"| {inline(r.stage) or '—'} | {inline(r.category)} "
                f"| {due_text(r.due, bool(r.provisional_years))} | {inline(r.owner) or '未指派'} |"
            )
            if left_out or size + len(row) + 1 > max_chars - 200:
                left_out += 1
                continue
            size += len(row) + 1
            lines.append(row)
    if left_out:
        lines += ["", f"……另有 {left_out} 个问题因篇幅未列出，完整清单请运行 `zzxt sla check`。"]
    return "\n".join(lines) + "\n"


def duplicate_body(title: str, real: int) -> str:
    """The body of an extra progress list, closed in favour of issue `real`."""
    return (
        f"{DUPLICATE_MARK}\n"
        f"本问题是重复生成的“{inline(title)}”（两次检查同时运行所致），已关闭。"
        f"请以 #{real} 为准。\n"
    )

"""Account requests through the levels (第十五、十六条): batches up, approvals back down.

    plan_batch(issues, rules, state, ...) -> BatchPlan           pure
    apply_batch(plan, writer)
    plan_approval(issues, rows, rules, ...) -> ApprovalPlan      pure
    apply_approval(plan, writer)

A request's state is a label of the policy's `accounts.states`, in order
(e.g. 市级已汇总 → 已报省 → 已报国家 → 已开通). A batch gathers every open
request that has not reached a state into the account form (附件3), for the
next level, and moves each into that state with a comment naming the batch.
An approval reads a batch back (the form's 问题编号 column), moves each
request to the last state, says so in a comment and closes it. Nothing from
the workbook is copied into a comment, and no comment ever carries a
password: accounts and passwords travel through the channels the rules name.
Waiting for the national office need not count against the deadline: list
that state's key in `sla.exempt_labels`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from tracker.attachments import ExportRow, SheetRow
from tracker.bots.rules import Rules
from tracker.bots.sheets import Filters, export_rows
from tracker.bots.writer import Writer
from tracker.errors import InputError
from tracker.forge.model import Issue
from tracker.policy import Accounts, AccountState
from tracker.usertext import plain

_STATE_MARK = "<!-- zzxt:account-state {key} -->"


def flow(rules: Rules) -> Accounts:
    """The policy's account states, or a Chinese error saying how to add them."""
    accounts = rules.policy.accounts
    if accounts is None:
        raise InputError(
            "政策文件没有 accounts 部分（账号申请的状态），无法汇总或批复账号申请；"
            "请参照内置广东省政策的 accounts 部分补充。"
        )
    return accounts


def account_form(rules: Rules) -> int:
    """The attachment form account requests are reported on (附件3 in Guangdong's policy)."""
    accounts = flow(rules)
    form = (
        rules.policy.attachments.form_for(accounts.category) if rules.policy.attachments else None
    )
    if form is None:
        raise InputError(
            f"政策文件 attachments 中没有报送类别 {accounts.category} 的附件，无法生成账号申请批次。"
        )
    return form.number


def state_of(accounts: Accounts, labels: Iterable[str]) -> int:
    """The index of the furthest state an issue's labels show; -1 when it has none."""
    have = set(labels)
    found = [i for i, s in enumerate(accounts.states) if s.name in have]
    return max(found, default=-1)


def _is_request(rules: Rules, issue: Issue) -> bool:
    return rules.labels.category_of(issue.labels) == flow(rules).category


@dataclass(frozen=True)
class Move:
    number: int
    add: str
    remove: tuple[str, ...]
    comment: str
    close: bool = False


@dataclass(frozen=True)
class BatchPlan:
    state: AccountState
    form: int
    rows: list[ExportRow]
    moves: list[Move]


def state_comment(state: AccountState, text: str) -> str:
    return f"{_STATE_MARK.format(key=state.key)}\n{text}"


def plan_batch(
    issues: Iterable[Issue],
    rules: Rules,
    state_key: str,
    batch_name: str,
    day: date,
    issue_url: Callable[[int], str],
) -> BatchPlan:
    """Gather every open request short of `state_key` into a batch, and plan their moves."""
    accounts = flow(rules)
    keys = [s.key for s in accounts.states]
    if state_key not in keys:
        raise InputError(f"没有账号申请状态 {state_key}；可用：{', '.join(keys)}。")
    target = accounts.index(state_key)
    state = accounts.states[target]
    if target == len(keys) - 1:
        raise InputError(
            f"“{state.name}”是批复后的状态，请用 zzxt accounts approve --batch 批复表格 登记批复。"
        )
    chosen = [
        i
        for i in issues
        if i.state == "open" and _is_request(rules, i) and state_of(accounts, i.labels) < target
    ]
    form = account_form(rules)
    rows = export_rows(chosen, rules, form, Filters(), issue_url)
    listed = {row.number for row in rows}
    others = tuple(s.name for s in accounts.states if s.key != state.key)
    when = f"{day.year}年{day.month}月{day.day}日"
    moves = [
        Move(
            number=issue.number,
            add=state.name,
            remove=tuple(n for n in others if n in issue.labels),
            comment=state_comment(
                state,
                f"本账号申请已于 {when} 列入批次 {plain(batch_name, 80)}（共 {len(rows)} 项），"
                f"状态改为“{state.name}”。",
            ),
        )
        for issue in sorted(chosen, key=lambda i: i.number)
        if issue.number in listed
    ]
    return BatchPlan(state, form, rows, moves)


@dataclass(frozen=True)
class ApprovalPlan:
    state: AccountState
    moves: list[Move]
    done: list[int]  # already approved and closed: nothing to do
    problems: list[str] = field(default_factory=list)


def plan_approval(
    issues: Iterable[Issue],
    rows: Iterable[SheetRow],
    rules: Rules,
    batch_name: str,
    day: date,
    issue_url: Callable[[int], str],
) -> ApprovalPlan:
    """Move each request a returned batch lists to the last state and close it."""
    accounts = flow(rules)
    approved = accounts.approved
    by_number = {i.number: i for i in issues}
    others = tuple(s.name for s in accounts.states if s.key != approved.key)
    when = f"{day.year}年{day.month}月{day.day}日"
    moves: list[Move] = []
    done: list[int] = []
    problems: list[str] = []
    seen: set[int] = set()
    for row in rows:
        where = (
            f"{row.source.file} 工作表“{row.source.sheet}” 第 {row.source.row} 行"
            if row.source
            else "某行"
        )
        if row.number is None:
            problems.append(f"{where}：没有问题编号，无法对应到台账中的申请")
            continue
        if row.url and row.url.rstrip("/") != issue_url(row.number):
            problems.append(f"{where}：问题 #{row.number} 的链接不是本台账的问题，已跳过")
            continue
        issue = by_number.get(row.number)
        if issue is None or not _is_request(rules, issue):
            problems.append(f"{where}：#{row.number} 不是本台账中的账号申请")
            continue
        if row.number in seen:
            continue
        seen.add(row.number)
        if issue.state == "closed" and approved.name in issue.labels:
            done.append(issue.number)
            continue
        moves.append(
            Move(
                number=issue.number,
                add=approved.name,
                remove=tuple(n for n in others if n in issue.labels),
                comment=state_comment(
                    approved,
                    f"本账号申请已于 {when} 登记批复（批次 {plain(batch_name, 80)}），"
                    f"状态改为“{approved.name}”，问题关闭。账号和初始密码按规定渠道分发，"
                    "不会在此处公布；请勿在问题中填写或索要密码。",
                ),
                close=issue.state == "open",
            )
        )
    return ApprovalPlan(approved, moves, done, problems)


def apply_moves(moves: Iterable[Move], writer: Writer) -> None:
    """Label, comment and (for approvals) close each request, in number order."""
    for move in moves:
        writer.add_labels(move.number, [move.add])
        for name in move.remove:
            writer.remove_label(move.number, name)
        writer.comment(move.number, move.comment)
        if move.close:
            writer.close_issue(move.number)

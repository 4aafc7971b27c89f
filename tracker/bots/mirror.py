"""Bring the province's answers back to the city's escalated issues.

    read(city, upstream) -> Snapshot
    plan(snapshot, city, upstream) -> [IssueMirror]           pure
    apply(plans, writer) -> MirrorReport

Run by the city's scheduled workflow. For every open city issue carrying the
`escalated` label, the upstream issue its bot comment links to is read: each
reply by the province's staff (who counts is the province's own `sla`
setting; the city's own account and bots never do) becomes one bot comment on
the city issue, quoting the reply and linking to it; the first reply adds the
`upstream_answered` label; when the province closes its issue, a comment says
so, the `upstream_closed` label is added and, if the policy says so
(`tiers.close_on_upstream_close`), the city issue is closed. An account
request's state (`accounts.states`) follows the upstream issue's.

Each mirrored comment carries a marker naming its source, and counts only when
the bot wrote it: a rerun writes nothing, and an upstream reply edited later is
edited in place. Reads grow with pages, not issues: one list of open city
issues and one of their comments, one list each of upstream issues and
comments since the oldest escalated issue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tracker.bots.sla import Responders
from tracker.bots.sla_run import read_responders
from tracker.bots.upstream import Tracker, escalated_to, missing_labels, open_with_label
from tracker.bots.writer import Writer
from tracker.forge.model import Comment, Issue
from tracker.usertext import inline, plain

MAX_QUOTED = 20000  # characters of a reply quoted in one comment (forges cap bodies at 65,536)
_MARK = re.compile(r"<!-- zzxt:mirror ([^\s#]+)#(\d+) (?:comment (\d+)|(closed)) -->")


@dataclass(frozen=True)
class Snapshot:
    city_issues: list[Issue]  # open and escalated
    city_comments: list[Comment]  # on those issues
    city_labels: list[str]
    upstream_issues: dict[int, Issue]
    upstream_comments: list[Comment]
    responders: Responders


@dataclass
class IssueMirror:
    """What mirroring does to one city issue."""

    number: int
    upstream_number: int | None
    comments: list[str] = field(default_factory=list)
    edits: list[tuple[int, str]] = field(default_factory=list)  # (comment id, new body)
    add_labels: list[str] = field(default_factory=list)
    remove_labels: list[str] = field(default_factory=list)
    close: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(
            self.comments or self.edits or self.add_labels or self.remove_labels or self.close
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "upstream": self.upstream_number,
            "comments": len(self.comments),
            "edits": len(self.edits),
            "labels_added": self.add_labels,
            "labels_removed": self.remove_labels,
            "closed": self.close,
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class MirrorReport:
    issues: list[IssueMirror]
    writes: int
    deferred: int
    actions: int

    def as_dict(self) -> dict[str, object]:
        return {
            "issues": [i.as_dict() for i in self.issues],
            "writes": self.writes,
            "deferred": self.deferred,
        }


def read(city: Tracker, upstream: Tracker) -> Snapshot:
    """Read the escalated city issues and what happened upstream since the oldest of them."""
    label = city.rules.labels.tier("escalated")
    issues = open_with_label(city.forge.list_issues("open"), label)
    if not issues:
        return Snapshot([], [], [], {}, [], Responders())
    # In UTC: the GitHub client passes a time on as if it were UTC, whatever its zone.
    since = min(i.created_at for i in issues).astimezone(UTC)
    numbers = {i.number for i in issues}
    comments = [c for c in city.forge.list_comments(since=since) if c.issue_number in numbers]
    city_labels = [lb.name for lb in city.forge.list_labels()]
    up_issues = {i.number: i for i in upstream.forge.list_issues("all", since=since)}
    up_comments = upstream.forge.list_comments(since=since)
    return Snapshot(
        issues,
        comments,
        city_labels,
        up_issues,
        up_comments,
        read_responders(
            upstream.forge,
            upstream.rules,
            upstream.identity,
            _linked(up_issues, escalated_to(city.identity, comments)),
            up_comments,
        ),
    )


def _linked(up_issues: dict[int, Issue], links: dict[int, int]) -> list[Issue]:
    """The upstream issues some city issue went to: only their comments may be answers."""
    wanted = set(links.values())
    return [issue for number, issue in up_issues.items() if number in wanted]


def plan(snapshot: Snapshot, city: Tracker, upstream: Tracker) -> list[IssueMirror]:
    """Decide every comment, label and close; reads nothing, writes nothing."""
    links = escalated_to(city.identity, snapshot.city_comments)
    by_issue: dict[int, list[Comment]] = {}
    for comment in sorted(snapshot.upstream_comments, key=lambda c: (c.created_at, c.id)):
        by_issue.setdefault(comment.issue_number, []).append(comment)
    mine: dict[int, dict[str, Comment]] = {}
    for comment in snapshot.city_comments:
        if not city.identity.wrote(comment.author):
            continue
        match = _MARK.search(comment.body)
        if match and match.group(1) == upstream.repo:
            key = f"{match.group(2)}:{match.group(3) or 'closed'}"
            mine.setdefault(comment.issue_number, {}).setdefault(key, comment)
    plans = []
    for issue in sorted(snapshot.city_issues, key=lambda i: i.number):
        up_number = links.get(issue.number)
        result = IssueMirror(issue.number, up_number)
        plans.append(result)
        if up_number is None:
            result.warnings.append(
                f"#{issue.number} 有“{city.rules.labels.tier('escalated')}”标签，但没有机器人记录的"
                "上级问题链接；请用 zzxt escalate 重新报送。"
            )
            continue
        up_issue = snapshot.upstream_issues.get(up_number)
        if up_issue is None:
            result.warnings.append(f"#{issue.number} 的上级问题 #{up_number} 不存在或无权查看。")
            continue
        _plan_issue(
            result, issue, up_issue, by_issue.get(up_number, []), mine, snapshot, city, upstream
        )
        lacking = missing_labels(result.add_labels, snapshot.city_labels)
        if lacking:
            result.warnings.append(
                f"本级台账缺少标签 {'、'.join(lacking)}，未添加；请运行 zzxt sync --apply。"
            )
            result.add_labels = [n for n in result.add_labels if n not in lacking]
    return plans


def _plan_issue(
    result: IssueMirror,
    issue: Issue,
    up_issue: Issue,
    replies: list[Comment],
    mine: dict[int, dict[str, Comment]],
    snapshot: Snapshot,
    city: Tracker,
    upstream: Tracker,
) -> None:
    labels = city.rules.labels
    have = set(issue.labels)
    done = mine.get(issue.number, {})
    answered = [c for c in replies if snapshot.responders.answers(c, up_issue)]
    zone = city.rules.policy.calendar.zone
    for reply in answered:
        body = reply_comment(upstream, up_issue.number, reply, zone_time(reply.created_at, zone))
        existing = done.get(f"{up_issue.number}:{reply.id}")
        if existing is None:
            result.comments.append(body)
        elif existing.body.strip() != body.strip():
            result.edits.append((existing.id, body))
    if answered and labels.tier("upstream_answered") not in have:
        result.add_labels.append(labels.tier("upstream_answered"))
    if up_issue.state == "closed":
        close = city.rules.policy.tiers.close_on_upstream_close
        if f"{up_issue.number}:closed" not in done:
            when = zone_time(up_issue.closed_at or up_issue.updated_at, zone)
            result.comments.append(closed_comment(upstream, up_issue.number, when, close))
        if labels.tier("upstream_closed") not in have:
            result.add_labels.append(labels.tier("upstream_closed"))
        result.close = close and issue.state == "open"
    _follow_account_state(result, issue, up_issue, city, upstream)


def _follow_account_state(
    result: IssueMirror, issue: Issue, up_issue: Issue, city: Tracker, upstream: Tracker
) -> None:
    """Move the city issue's account state up to the upstream issue's, never back."""
    mine, theirs = city.rules.policy.accounts, upstream.rules.policy.accounts
    if mine is None or theirs is None:
        return
    up_keys = [s.key for s in theirs.states if s.name in up_issue.labels]
    if not up_keys:
        return
    target = up_keys[-1]
    keys = [s.key for s in mine.states]
    if target not in keys:
        return
    current = [s for s in mine.states if s.name in issue.labels]
    if current and keys.index(current[-1].key) >= keys.index(target):
        return
    wanted = mine.states[keys.index(target)].name
    result.add_labels.append(wanted)
    result.remove_labels += [s.name for s in current if s.name != wanted]


def zone_time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def marker(repo: str, number: int, what: str) -> str:
    return f"<!-- zzxt:mirror {repo}#{number} {what} -->"


def quote(text: str) -> str:
    """Quote a reply as Markdown that shows exactly its text, line by line."""
    text = text.replace("\r\n", "\n").strip()
    if len(text) > MAX_QUOTED:
        text = text[:MAX_QUOTED] + "…"
    out = []
    for line in text.split("\n"):
        shown = inline(line)
        out.append(f"> {shown}" if shown else ">")
    return "\n".join(out)


def reply_comment(upstream: Tracker, number: int, reply: Comment, when: str) -> str:
    """One upstream reply as a city comment: who, when, a link, the text quoted."""
    link = upstream.comment_url(number, reply.id)
    return (
        f"{marker(upstream.repo, number, f'comment {reply.id}')}\n"
        f"**{plain(upstream.receiver)}答复**（{when}，{inline(reply.author.login)}，"
        f"[上级问题 #{number}]({link})）：\n\n{quote(reply.body)}\n"
    )


def closed_comment(upstream: Tracker, number: int, when: str, closing: bool) -> str:
    then = "本问题随之关闭；如仍有疑问，请重新打开或另提新问题。" if closing else ""
    return (
        f"{marker(upstream.repo, number, 'closed')}\n"
        f"{plain(upstream.receiver)}已于 {when} 办结[上级问题 #{number}]"
        f"({upstream.issue_url(number)})。{then}"
    )


def apply(plans: list[IssueMirror], writer: Writer) -> MirrorReport:
    """Write each issue's comments, then its labels, then close it."""
    for item in plans:
        for body in item.comments:
            writer.comment(item.number, body)
        for comment_id, body in item.edits:
            writer.edit_comment(item.number, comment_id, body)
        if item.add_labels:
            writer.add_labels(item.number, item.add_labels)
        for name in item.remove_labels:
            writer.remove_label(item.number, name)
        if item.close:
            writer.close_issue(item.number)
    return MirrorReport(plans, writer.writes, writer.deferred, len(writer.actions))

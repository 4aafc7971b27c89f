"""What escalation and mirroring share: the two trackers, the links between them, creating once.

A city's tracker and the province's may live on different forges (a city on
Gitea, the province on GitHub, or the reverse). Each side is a `Tracker`: its
client, the address people open, its rules and the bot's identity there. The
city's bot writes on the province's tracker with its own account there (the
token in ZZXT_UPSTREAM_TOKEN), so its markers upstream count only when that
account wrote them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tracker.bots.identity import BotIdentity
from tracker.bots.intake import NewIssue
from tracker.bots.rules import Rules
from tracker.bots.writer import Writer
from tracker.errors import (
    AuthError,
    ForgeError,
    NotFound,
    PermissionDenied,
    PublicRepoRefused,
    ZzxtError,
)
from tracker.forge.model import Comment, Forge, Issue
from tracker.templates.form_parse import Value

CREATE_ATTEMPTS = 3
# The city issue's comment that records where it went: `<!-- zzxt:escalated gdzz/support#7 -->`.
_ESCALATED = re.compile(r"<!-- zzxt:escalated ([^\s#]+)#(\d+) -->")
# Errors a second attempt cannot cure.
_FINAL = (AuthError, PermissionDenied, NotFound, PublicRepoRefused)


@dataclass(frozen=True)
class Tracker:
    """One tracker of a tier: its client, where people open it, its rules, the bot there."""

    forge: Forge
    url: str  # the address people open in a browser
    repo: str  # owner/name
    rules: Rules
    identity: BotIdentity

    def issue_url(self, number: int) -> str:
        """Return the page of an issue (both forges use `<url>/<owner>/<name>/issues/<n>`)."""
        return f"{self.url.rstrip('/')}/{self.repo}/issues/{number}"

    def comment_url(self, number: int, comment_id: int) -> str:
        return f"{self.issue_url(number)}#issuecomment-{comment_id}"

    @property
    def receiver(self) -> str:
        """Who answers on this tracker, as its policy names them (e.g. 省助学办)."""
        return self.rules.policy.document.receiver


def escalation_fingerprint(city: Tracker, number: int) -> str:
    """The upstream issue's fingerprint: one per city issue, whatever reruns or faults occur."""
    source = f"escalate\n{city.url.rstrip('/')}\n{city.repo}\n{number}"
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def escalated_marker(repo: str, number: int) -> str:
    return f"<!-- zzxt:escalated {repo}#{number} -->"


def escalated_to(identity: BotIdentity, comments: Iterable[Comment]) -> dict[int, int]:
    """Return, per city issue, the upstream issue its bot comment says it went to."""
    found: dict[int, int] = {}
    for comment in sorted(comments, key=lambda c: c.created_at):
        if identity.wrote(comment.author):
            match = _ESCALATED.search(comment.body)
            if match:
                found.setdefault(comment.issue_number, int(match.group(2)))
    return found


def no_markers(value: Value) -> Value:
    """Break any HTML comment opener in copied text, so no copy can pass for a bot's marker.

    Escalation and import copy what people typed into issues the bot writes; a marker
    typed into a field would otherwise count as the bot's own (`<!-- zzxt:intake … -->`).
    """
    if isinstance(value, list):
        return [str(no_markers(item)) for item in value]
    return value.replace("<!--", "<\u200b!--")


def missing_labels(wanted: Iterable[str], present: Iterable[str]) -> list[str]:
    """Return the wanted labels the tracker lacks (compared as both forges do, ignoring case)."""
    have = {name.casefold() for name in present}
    return [name for name in wanted if name.casefold() not in have]


def fit_labels(
    new: NewIssue, present: Iterable[str], essential: Iterable[str], where: str
) -> tuple[NewIssue, list[str]]:
    """Drop the labels a tracker lacks from a new issue; refuse if an essential one is missing.

    Gitea refuses an issue with an unknown label, GitHub makes one up: neither is wanted.
    Returns the issue and a warning per label left out.
    """
    lacking = missing_labels(new.labels, present)
    needed = [name for name in essential if name in lacking]
    if needed:
        raise ZzxtError(
            f"{where}缺少标签 {'、'.join(needed)}：请先对该台账运行 zzxt sync --apply 同步标签和表单。"
        )
    if not lacking:
        return new, []
    kept = tuple(label for label in new.labels if label not in lacking)
    return NewIssue(new.fingerprint, new.title, new.body, kept), [
        f"{where}缺少标签 {'、'.join(lacking)}，新建问题时不加这些标签。"
    ]


def create_once(
    writer: Writer,
    find: Callable[[], int | None],
    title: str,
    body: str,
    labels: list[str],
    *,
    attempts: int = CREATE_ATTEMPTS,
    pause: Callable[[float], None] | None = None,
) -> int | None:
    """Open an issue at most once, even when an answer is lost on the way back.

    `writer` must talk through a client that sends each request once (no retries of
    its own), and `find` looks the issue up by its marker. Whenever a create fails,
    `find` is asked before trying again: an issue the forge made although its answer
    never arrived is found and used, so no second one is opened.
    """
    last: ForgeError | None = None
    for attempt in range(attempts):
        if attempt:
            found = find()
            if found is not None:
                return found
            if pause is not None:
                pause(0.5 * 2 ** (attempt - 1))
        try:
            return writer.create_issue(title, body, labels)
        except _FINAL:
            raise
        except ForgeError as error:
            last = error
    found = find()
    if found is not None:
        return found
    assert last is not None
    raise last


def open_with_label(issues: Iterable[Issue], label: str) -> list[Issue]:
    """Return the open issues that carry `label` (compared ignoring case)."""
    wanted = label.casefold()
    return [
        i for i in issues if i.state == "open" and any(n.casefold() == wanted for n in i.labels)
    ]

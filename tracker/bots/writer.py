"""The one place that decides whether a write happens, records it, and makes it happen once.

Bots plan their changes through a `Writer`: in a dry run it only records what
it would do; with `apply` it also performs each write, in order, once, until
its budget (`max_writes`) is spent. What the budget leaves out is counted as
deferred: the next run finds the same work still to do, so a large backlog
is worked through over successive runs, most urgent first.

Writes that create something (an issue, a comment, a label, files) are not
idempotent: when the forge client reports that such a request's answer was
lost (`WriteUnconfirmed`), the Writer reads the tracker again and looks for
what it meant to create (an issue or comment by the bot carrying the marker,
a label by name, the files' contents) before it sends the request again.
Repeating edits, label changes and deletions is harmless; the clients retry
those themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tracker.bots.identity import BotIdentity
from tracker.errors import (
    AuthError,
    ForgeError,
    NotFound,
    PermissionDenied,
    RateLimited,
    WriteUnconfirmed,
)
from tracker.forge.model import Comment, FileChange, Forge, Issue, Label

T = TypeVar("T")
# How often a create whose answer was lost is looked for and sent again.
CREATE_ATTEMPTS = 3


@dataclass(frozen=True)
class Action:
    # add_labels, remove_label, comment, edit_comment, delete_comment, assign, create_issue,
    # edit_issue, close_issue, pin, create_label, update_label, delete_label, write_files
    kind: str
    number: int | None
    detail: tuple[str, ...] = ()


@dataclass
class Writer:
    forge: Forge
    apply: bool
    max_writes: int | None = None
    # Who the bot is: what it created is recognised by author as well as marker.
    identity: BotIdentity | None = None
    actions: list[Action] = field(default_factory=list)
    deferred: int = 0
    # Write requests sent: one per action, more when files take several or a create is repeated.
    requests: int = 0

    @property
    def writes(self) -> int:
        return self.requests if self.apply else 0

    def _record(self, kind: str, number: int | None, *detail: str) -> bool:
        if self.apply and self.max_writes is not None and len(self.actions) >= self.max_writes:
            self.deferred += 1
            return False
        self.actions.append(Action(kind, number, detail))
        if self.apply:
            self.requests += 1
        return self.apply

    # ---- creating once -------------------------------------------------------

    def _create_once(self, what: str, send: Callable[[], T], find: Callable[[], T | None]) -> T:
        """Send a create; after a lost answer, look for the result before sending again."""
        for attempt in range(CREATE_ATTEMPTS):
            if attempt:
                self.requests += 1
            try:
                return send()
            except WriteUnconfirmed:
                found = find()
                if found is not None:
                    return found
        raise ForgeError(
            f"{what}：连续 {CREATE_ATTEMPTS} 次没有收到平台的应答，也没有找到写入的结果。"
            "请稍后重新运行本命令（重新运行会先查找，不会重复写入）。"
        )

    def _mine(self, author_login: str) -> bool:
        if self.identity is None or self.identity.login is None:
            return True  # without a known login, the whole body identifies it
        return author_login.casefold() == self.identity.login.casefold()

    def _find_comment(self, number: int, body: str, marker: str | None) -> Comment | None:
        for comment in reversed(self.forge.issue_comments(number)):
            if not self._mine(comment.author.login):
                continue
            if (marker in comment.body) if marker else comment.body.strip() == body.strip():
                return comment
        return None

    def _find_issue(self, title: str, body: str, marker: str | None) -> Issue | None:
        login = self.identity.login if self.identity is not None else None
        if login is not None and login.endswith("[bot]"):
            login = None  # an app's account: not every forge filters by it; read them all
        for issue in reversed(self.forge.list_issues("open", creator=login)):
            if not self._mine(issue.author.login):
                continue
            if (marker in issue.body) if marker else (issue.title, issue.body) == (title, body):
                return issue
        return None

    # ---- the writes ------------------------------------------------------------

    def add_labels(self, number: int, names: list[str]) -> None:
        if names and self._record("add_labels", number, *names):
            self.forge.add_labels(number, names)

    def remove_label(self, number: int, name: str) -> None:
        if self._record("remove_label", number, name):
            self.forge.remove_label(number, name)

    def comment(self, number: int, body: str, marker: str | None = None) -> None:
        """Post a comment; `marker` (a hidden line in `body`) finds it after a lost answer."""
        if self._record("comment", number, body):
            self._create_once(
                f"在 #{number} 发表评论",
                lambda: self.forge.create_comment(number, body),
                lambda: self._find_comment(number, body, marker),
            )

    def edit_comment(self, number: int, comment_id: int, body: str) -> None:
        if self._record("edit_comment", number, body):
            self.forge.edit_comment(comment_id, body)

    def delete_comment(self, number: int, comment_id: int) -> None:
        if self._record("delete_comment", number, str(comment_id)):
            self.forge.delete_comment(comment_id)

    def assign(self, number: int, logins: list[str]) -> None:
        if self._record("assign", number, *logins):
            self.forge.assign(number, logins)

    def create_issue(
        self, title: str, body: str, labels: list[str] | None = None, marker: str | None = None
    ) -> int | None:
        """Open an issue; `marker` (a hidden line in `body`) finds it after a lost answer."""
        if self._record("create_issue", None, title):
            issue = self._create_once(
                "新建问题",
                lambda: self.forge.create_issue(title, body, labels or []),
                lambda: self._find_issue(title, body, marker),
            )
            return issue.number
        return None

    def edit_issue(self, number: int, body: str) -> None:
        if self._record("edit_issue", number):
            self.forge.edit_issue(number, body=body)

    def edit_issue_text(self, number: int, title: str | None, body: str | None) -> None:
        if self._record("edit_issue", number):
            self.forge.edit_issue(number, title=title, body=body)

    def close_issue(self, number: int, body: str | None = None) -> None:
        """Close, replacing the body in the same request when one is given (a note saying why)."""
        if self._record("close_issue", number):
            self.forge.edit_issue(number, body=body, state="closed")

    def pin(self, number: int) -> None:
        if self._record("pin", number):
            self.forge.pin_issue(number)

    def create_label(self, name: str, color: str, description: str) -> None:
        if self._record("create_label", None, name):
            self._create_once(
                f"创建标签 {name}",
                lambda: self.forge.create_label(name, color, description),
                lambda: next((lb for lb in self.forge.list_labels() if lb.name == name), None),
            )

    def update_label(self, label: Label, color: str, description: str) -> None:
        if self._record("update_label", None, label.name):
            self.forge.update_label(label, color, description)

    def delete_label(self, label: Label) -> None:
        if self._record("delete_label", None, label.name):
            self.forge.delete_label(label)

    def write_files(self, changes: list[FileChange], message: str) -> None:
        """Write several files; a forge may need one request per file (GitHub) or one in all.

        When the forge refuses or loses the answer (another run wrote first, a lost
        answer was retried with a stale sha), the files are read back: if they now
        hold what was meant, the write is done.
        """
        if not changes or not self._record("write_files", None, *(c.path for c in changes)):
            return
        try:
            self.requests += self.forge.write_files(changes, message) - 1
        except (AuthError, PermissionDenied, NotFound, RateLimited):
            raise
        except ForgeError:
            if not self._written(changes):
                raise ForgeError(
                    f"写入文件 {'、'.join(c.path for c in changes)} 失败：仓库中的文件与预期不一致，"
                    "可能另一次运行正在写入。请稍后重新运行本命令（zzxt sync、zzxt report publish 等）。"
                ) from None

    def _written(self, changes: list[FileChange]) -> bool:
        for change in changes:
            current = self.forge.read_file(change.path)
            if change.operation == "delete":
                if current is not None:
                    return False
            elif current is None or current.content != change.content:
                return False
        return True

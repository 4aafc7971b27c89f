"""Domain objects at the forge boundary, and the interface both clients implement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from tracker.forge.kinds import Kind

# A user's permission on a repository, as the forges' collaborator-permission endpoints
# report it. GitHub's `triage` may label and close issues; Gitea has no such role.
Permission = Literal["admin", "write", "triage", "read", "none"]
ANSWERING = frozenset({"admin", "write", "triage"})  # whose comment can be the official reply


@dataclass(frozen=True)
class User:
    login: str
    is_bot: bool = False


@dataclass(frozen=True)
class Repository:
    full_name: str
    private: bool
    can_write: bool
    default_branch: str = "main"  # where the contents API reads and writes files


@dataclass(frozen=True)
class Label:
    name: str
    color: str
    description: str
    id: int | None = None  # Gitea addresses labels by id; GitHub by name


@dataclass(frozen=True)
class Issue:
    number: int
    title: str
    body: str
    author: User
    labels: tuple[str, ...]
    assignees: tuple[str, ...]
    state: Literal["open", "closed"]
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None


@dataclass(frozen=True)
class Comment:
    id: int
    issue_number: int
    author: User
    body: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class FileContent:
    """A file as the forge holds it: its bytes, read as UTF-8 text when they are text."""

    path: str
    text: str  # "" when the file is not UTF-8 text (a .docx, a .png)
    sha: str
    data: bytes | None = None  # the bytes; None: `text` encoded as UTF-8

    @property
    def content(self) -> bytes:
        return self.data if self.data is not None else self.text.encode("utf-8")


@dataclass(frozen=True)
class FileChange:
    """One file to create, update (with the sha it replaces) or delete.

    A text file gives `text`; any other file gives its bytes as `data`, which wins.
    Both forges take the content base64-encoded, so bytes travel unchanged.
    """

    operation: Literal["create", "update", "delete"]
    path: str
    text: str = ""
    sha: str | None = None
    data: bytes | None = None

    @property
    def content(self) -> bytes:
        return self.data if self.data is not None else self.text.encode("utf-8")


def file_content(path: str, data: bytes, sha: str) -> FileContent:
    """Return a file read from a forge, its text decoded when it is UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    return FileContent(path=path, text=text, sha=sha, data=data)


class Forge(Protocol):
    """What the tool needs from a tracker. Lists never include pull requests."""

    kind: Kind
    can_pin: bool  # whether pin_issue does anything on this forge

    def close(self) -> None:
        """Release connections."""
        ...

    def current_user(self) -> User: ...

    def repository(self) -> Repository: ...

    def list_labels(self) -> list[Label]: ...

    def create_label(self, name: str, color: str, description: str) -> Label:
        """Create a label. Raises `WriteUnconfirmed` when the answer is lost: it may exist."""
        ...

    def update_label(self, label: Label, color: str, description: str) -> Label: ...

    def delete_label(self, label: Label) -> None: ...

    def list_issues(
        self,
        state: Literal["open", "closed", "all"] = "open",
        since: datetime | None = None,
        creator: str | None = None,
    ) -> list[Issue]:
        """Return the issues (oldest first); `creator` keeps those one login opened."""
        ...

    def list_comments(self, since: datetime | None = None) -> list[Comment]: ...

    def get_issue(self, number: int) -> Issue:
        """Return one issue (NotFound for a pull request or a missing number)."""
        ...

    def issue_comments(self, number: int) -> list[Comment]: ...

    def create_issue(self, title: str, body: str, labels: list[str]) -> Issue:
        """Open an issue. Raises `WriteUnconfirmed` when the answer is lost: it may exist."""
        ...

    def edit_issue(
        self,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        state: Literal["open", "closed"] | None = None,
    ) -> None: ...

    def add_labels(self, number: int, names: list[str]) -> None: ...

    def remove_label(self, number: int, name: str) -> None: ...

    def replace_labels(self, number: int, names: list[str]) -> None: ...

    def create_comment(self, number: int, body: str) -> Comment:
        """Post a comment. Raises `WriteUnconfirmed` when the answer is lost: it may exist."""
        ...

    def edit_comment(self, comment_id: int, body: str) -> None: ...

    def delete_comment(self, comment_id: int) -> None:
        """Delete a comment; one already gone is no error."""
        ...

    def permission(self, login: str) -> Permission:
        """Return the user's permission on the repository, remembered for the client's life."""
        ...

    def assign(self, number: int, logins: list[str]) -> None: ...

    def team_members(self, team: str) -> list[str]:
        """Return the logins of an `org/team`."""
        ...

    def pin_issue(self, number: int) -> None:
        """Pin the issue (only where `can_pin`)."""
        ...

    def read_file(self, path: str) -> FileContent | None: ...

    def list_files(self, directory: str) -> list[str]: ...

    def write_files(self, changes: list[FileChange], message: str) -> int:
        """Apply the changes; return the number of write requests it took."""
        ...

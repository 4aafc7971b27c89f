"""The sandbox forge's in-memory model, shared by its Gitea and GitHub faces.

One `World` holds users, repositories, labels, issues (pull requests are
issues with `is_pull`), comments, issue events and files. Both APIs read and
change the same objects, so a label created through Gitea is visible by name
through GitHub at once. Methods here know nothing about HTTP: they raise
`Refusal` subclasses that each API turns into its own status and JSON.
Callers hold `World.lock` around every request.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8))
HEX_COLOR = re.compile(r"^#?[0-9a-fA-F]{6}$")


def utc_now() -> datetime:
    """Return the current time in UTC, to the second (what both APIs show)."""
    return datetime.now(UTC).replace(microsecond=0)


def blob_sha(content: bytes) -> str:
    """Return git's blob id of `content`, the `sha` both contents APIs report."""
    return hashlib.sha1(b"blob %d\x00" % len(content) + content).hexdigest()


class Refusal(Exception):
    """A request the world refuses; each API maps it to its own answer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Missing(Refusal):
    pass


class Forbidden(Refusal):
    pass


class Unauthenticated(Refusal):
    pass


class AlreadyExists(Refusal):
    def __init__(self, resource: str, field_name: str, message: str) -> None:
        super().__init__(message)
        self.resource = resource
        self.field = field_name


class Invalid(Refusal):
    def __init__(self, resource: str, field_name: str, message: str) -> None:
        super().__init__(message)
        self.resource = resource
        self.field = field_name


class Malformed(Refusal):
    """A request the API cannot make sense of (400)."""


class ShaMissing(Refusal):
    """An existing file was written without the sha of its current version."""


class ShaMismatch(Refusal):
    """The sha given is not the sha of the file's current version."""


@dataclass
class Account:
    id: int
    login: str
    token: str | None = None
    type: str = "User"  # "User", "Bot" or "Organization"
    name: str = ""
    email: str = ""
    created_at: datetime = field(default_factory=utc_now)


# A repository permission, weakest first: what both APIs' permission endpoints report.
PERMISSIONS = ("none", "read", "write", "admin")


@dataclass
class StoredLabel:
    id: int
    name: str
    color: str  # six hex digits, lower case, no "#"
    description: str = ""


@dataclass
class StoredComment:
    id: int
    issue_number: int
    user: str
    body: str
    created_at: datetime
    updated_at: datetime
    via_app: str = ""  # GitHub: the app the comment was made through (performed_via_github_app)


@dataclass
class Event:
    """One change in an issue's history: labeled, unlabeled, assigned, closed...

    Events take their ids from the comments' sequence: Gitea stores both as
    comments and mixes them in one timeline, so their ids must not collide.
    """

    id: int
    issue_number: int
    event: str
    actor: str
    created_at: datetime
    label_id: int | None = None
    label_name: str = ""
    label_color: str = ""
    assignee: str = ""


@dataclass
class StoredIssue:
    id: int
    number: int
    title: str
    body: str
    user: str
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    closed_at: datetime | None = None
    is_pull: bool = False
    labels: list[int] = field(default_factory=list)  # label ids, in the order added
    assignees: list[str] = field(default_factory=list)
    pin_order: int = 0  # Gitea's pinned issues: 1, 2, ... ; 0 when not pinned


@dataclass
class Commit:
    sha: str
    message: str
    author: str
    created_at: datetime
    parent: str | None


@dataclass
class File:
    path: str
    content: bytes
    last_commit: str

    @property
    def sha(self) -> str:
        return blob_sha(self.content)


@dataclass
class FileEdit:
    """One file of a commit: `content` None deletes it; `sha` None means "no sha given"."""

    path: str
    content: bytes | None
    sha: str | None
    create_only: bool = False
    must_exist: bool = False


@dataclass
class Repo:
    id: int
    owner: str
    name: str
    private: bool
    created_at: datetime
    updated_at: datetime
    description: str = ""
    default_branch: str = "main"
    writers: list[str] | None = None  # None: every user with a token may write
    admins: list[str] = field(default_factory=list)  # besides the owner
    readers: list[str] | None = None  # None: every user may read
    labels: dict[int, StoredLabel] = field(default_factory=dict)
    issues: dict[int, StoredIssue] = field(default_factory=dict)
    comments: dict[int, StoredComment] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    files: dict[str, File] = field(default_factory=dict)
    commits: list[Commit] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def label_by_name(self, name: str) -> StoredLabel | None:
        # Both forges compare label names without regard to case; of several, the oldest.
        folded = name.casefold()
        found = [lb for lb in self.labels.values() if lb.name.casefold() == folded]
        return min(found, key=lambda lb: lb.id, default=None)

    def issue_comments(self, number: int) -> list[StoredComment]:
        return [c for c in self.comments.values() if c.issue_number == number]

    def issue_events(self, number: int) -> list[Event]:
        return [e for e in self.events if e.issue_number == number]

    def next_number(self) -> int:
        return max(self.issues, default=0) + 1


@dataclass
class Settings:
    github_rate_limit: int = 5000
    gitea_default_limit: int = 30
    gitea_max_limit: int = 50


@dataclass
class Team:
    id: int
    org: str
    name: str
    members: list[str]


class World:
    """All users and repositories of one sandbox, with the operations both APIs share."""

    def __init__(self, settings: Settings | None = None, clock: Callable[[], datetime] = utc_now):
        self.settings = settings or Settings()
        self.clock = clock
        self.lock = threading.RLock()
        self.users: dict[str, Account] = {}
        self.repos: dict[str, Repo] = {}
        self.teams: dict[str, Team] = {}  # by "org/name", casefolded
        self._ids: dict[str, int] = {}

    # ---- identity ------------------------------------------------------------

    def next_id(self, kind: str) -> int:
        self._ids[kind] = self._ids.get(kind, 0) + 1
        return self._ids[kind]

    def add_user(
        self,
        login: str,
        token: str | None = None,
        type: str = "User",
        name: str = "",
        email: str = "",
    ) -> Account:
        existing = self.user(login)
        if existing is not None:
            return existing
        if login.endswith("[bot]"):
            type = "Bot"  # GitHub Apps act as `name[bot]`, always of type Bot
        user = Account(self.next_id("user"), login, token, type, name, email, self.clock())
        self.users[login.casefold()] = user
        return user

    def user(self, login: str) -> Account | None:
        return self.users.get(login.casefold())

    def user_by_token(self, token: str) -> Account | None:
        return next((u for u in self.users.values() if u.token == token), None)

    def ensure_user(self, login: str) -> Account:
        """Return the user, creating an ordinary user without a token if unknown."""
        return self.user(login) or self.add_user(login)

    # ---- repositories and permissions -----------------------------------------

    def add_repo(
        self,
        full_name: str,
        private: bool = True,
        writers: list[str] | None = None,
        description: str = "",
        default_branch: str = "main",
        admins: list[str] | None = None,
        readers: list[str] | None = None,
    ) -> Repo:
        owner, name = full_name.split("/", 1)
        if self.user(owner) is None:
            self.add_user(owner, type="Organization")
        now = self.clock()
        repo = Repo(
            self.next_id("repo"),
            self.ensure_user(owner).login,
            name,
            private,
            now,
            now,
            description,
            default_branch,
            writers,
            list(admins or []),
            readers,
        )
        self.repos[full_name.casefold()] = repo
        return repo

    def repo(self, owner: str, name: str, viewer: Account | None) -> Repo:
        """Return a repository the viewer may read; private ones are 404 to anyone else."""
        repo = self.repos.get(f"{owner}/{name}".casefold())
        if repo is None or (repo.private and self.permission(repo, viewer) == "none"):
            raise Missing("Not Found")
        return repo

    def permission(self, repo: Repo, user: Account | None) -> str:
        """Return the user's permission on the repository: none, read, write or admin."""
        if user is None:
            return "none"
        login = user.login.casefold()
        if login == repo.owner.casefold() or login in _folded(repo.admins):
            return "admin"
        if repo.writers is None:
            if user.token is not None:
                return "write"
        elif login in _folded(repo.writers):
            return "write"
        if repo.readers is None or login in _folded(repo.readers):
            return "read"
        return "none"

    def can_write(self, repo: Repo, user: Account | None) -> bool:
        return self.permission(repo, user) in ("write", "admin")

    def assignable(self, repo: Repo) -> list[Account]:
        """Users with write access, who may be assigned issues, sorted by login."""
        users = [u for u in self.users.values() if u.type != "Organization"]
        return sorted(
            (u for u in users if self.can_write(repo, u)), key=lambda u: u.login.casefold()
        )

    def require_write(self, repo: Repo, user: Account | None) -> Account:
        if user is None:
            raise Unauthenticated("Requires authentication")
        if not self.can_write(repo, user):
            raise Forbidden(f"{user.login} has no write access to {repo.full_name}")
        return user

    def touch(self, repo: Repo, issue: StoredIssue | None = None) -> datetime:
        now = self.clock()
        repo.updated_at = now
        if issue is not None:
            issue.updated_at = now
        return now

    # ---- labels ------------------------------------------------------------

    def create_label(
        self, repo: Repo, name: str, color: str, description: str = "", unique: bool = True
    ) -> StoredLabel:
        """Create a label; `unique=False` allows a second one of the same name, as Gitea does."""
        name = name.strip()
        if not name:
            raise Invalid("Label", "name", "name is empty")
        if unique and repo.label_by_name(name) is not None:
            raise AlreadyExists("Label", "name", f"label {name!r} already exists")
        label = StoredLabel(self.next_id("label"), name, _color(color), description)
        repo.labels[label.id] = label
        self.touch(repo)
        return label

    def label(self, repo: Repo, *, name: str | None = None, id: int | None = None) -> StoredLabel:
        found = repo.label_by_name(name) if name is not None else repo.labels.get(id or 0)
        if found is None:
            raise Missing("Label not found")
        return found

    def edit_label(
        self,
        repo: Repo,
        label: StoredLabel,
        name: str | None = None,
        color: str | None = None,
        description: str | None = None,
    ) -> StoredLabel:
        if name is not None and name.strip() != label.name:
            other = repo.label_by_name(name.strip())
            if other is not None and other.id != label.id:
                raise AlreadyExists("Label", "name", f"label {name!r} already exists")
            if not name.strip():
                raise Invalid("Label", "name", "name is empty")
            label.name = name.strip()
        if color is not None:
            label.color = _color(color)
        if description is not None:
            label.description = description
        self.touch(repo)
        return label

    def delete_label(self, repo: Repo, label: StoredLabel) -> None:
        del repo.labels[label.id]
        for issue in repo.issues.values():
            if label.id in issue.labels:
                issue.labels.remove(label.id)
        self.touch(repo)

    # ---- issues --------------------------------------------------------------

    def issue(self, repo: Repo, number: int) -> StoredIssue:
        found = repo.issues.get(number)
        if found is None:
            raise Missing("Not Found")
        return found

    def create_issue(
        self,
        repo: Repo,
        author: Account,
        title: str,
        body: str = "",
        labels: Iterable[StoredLabel] = (),
        assignees: Iterable[str] = (),
        closed: bool = False,
    ) -> StoredIssue:
        if not title.strip():
            raise Invalid("Issue", "title", "title is empty")
        assignees = [self._existing_user(login).login for login in assignees]
        now = self.clock()
        issue = StoredIssue(
            self.next_id("issue"), repo.next_number(), title, body, author.login, now, now
        )
        repo.issues[issue.number] = issue
        self.set_labels(repo, issue, author, list(labels))
        self.set_assignees(repo, issue, author, list(assignees))
        if closed:
            self.set_state(repo, issue, author, "closed")
        self.touch(repo, issue)
        return issue

    def edit_issue(
        self,
        repo: Repo,
        issue: StoredIssue,
        actor: Account,
        title: str | None = None,
        body: str | None = None,
        state: str | None = None,
    ) -> StoredIssue:
        if title is not None:
            if not title.strip():
                raise Invalid("Issue", "title", "title is empty")
            issue.title = title
        if body is not None:
            issue.body = body
        if state is not None:
            if state not in ("open", "closed"):
                raise Invalid("Issue", "state", f"state must be open or closed, not {state!r}")
            self.set_state(repo, issue, actor, state)
        self.touch(repo, issue)
        return issue

    def set_state(self, repo: Repo, issue: StoredIssue, actor: Account, state: str) -> None:
        if state == issue.state:
            return
        now = self.touch(repo, issue)
        issue.state = state
        issue.closed_at = now if state == "closed" else None
        self._event(repo, issue, actor, "closed" if state == "closed" else "reopened", now)

    def pin(self, repo: Repo, issue: StoredIssue) -> None:
        if issue.pin_order == 0:
            issue.pin_order = max((i.pin_order for i in repo.issues.values()), default=0) + 1
            self.touch(repo, issue)

    def add_labels(
        self, repo: Repo, issue: StoredIssue, actor: Account, labels: list[StoredLabel]
    ) -> None:
        now = self.touch(repo, issue)
        for label in labels:
            if label.id not in issue.labels:
                issue.labels.append(label.id)
                self._event(repo, issue, actor, "labeled", now, label=label)

    def remove_label(
        self, repo: Repo, issue: StoredIssue, actor: Account, label: StoredLabel
    ) -> None:
        if label.id in issue.labels:
            now = self.touch(repo, issue)
            issue.labels.remove(label.id)
            self._event(repo, issue, actor, "unlabeled", now, label=label)

    def set_labels(
        self, repo: Repo, issue: StoredIssue, actor: Account, labels: list[StoredLabel]
    ) -> None:
        wanted = {label.id for label in labels}
        for label_id in list(issue.labels):
            if label_id not in wanted:
                self.remove_label(repo, issue, actor, repo.labels[label_id])
        self.add_labels(repo, issue, actor, labels)
        self.touch(repo, issue)

    def set_assignees(
        self, repo: Repo, issue: StoredIssue, actor: Account, logins: list[str]
    ) -> None:
        users = [self._existing_user(login) for login in logins]
        wanted = {u.login for u in users}
        now = self.touch(repo, issue)
        for login in list(issue.assignees):
            if login not in wanted:
                issue.assignees.remove(login)
                self._event(repo, issue, actor, "unassigned", now, assignee=login)
        self.add_assignees(repo, issue, actor, [u.login for u in users])

    def add_assignees(
        self, repo: Repo, issue: StoredIssue, actor: Account, logins: list[str]
    ) -> None:
        now = self.touch(repo, issue)
        for login in logins:
            user = self._existing_user(login)
            if user.login not in issue.assignees:
                issue.assignees.append(user.login)
                self._event(repo, issue, actor, "assigned", now, assignee=user.login)

    def _existing_user(self, login: str) -> Account:
        user = self.user(login)
        if user is None:
            raise Invalid("Issue", "assignees", f"user {login!r} does not exist")
        return user

    def _event(
        self,
        repo: Repo,
        issue: StoredIssue,
        actor: Account,
        kind: str,
        when: datetime,
        label: StoredLabel | None = None,
        assignee: str = "",
    ) -> Event:
        event = Event(
            self.next_id("comment"),
            issue.number,
            kind,
            actor.login,
            when,
            label.id if label else None,
            label.name if label else "",
            label.color if label else "",
            assignee,
        )
        repo.events.append(event)
        return event

    # ---- comments ------------------------------------------------------------

    def comment(self, repo: Repo, comment_id: int) -> StoredComment:
        found = repo.comments.get(comment_id)
        if found is None:
            raise Missing("Not Found")
        return found

    def create_comment(
        self, repo: Repo, issue: StoredIssue, author: Account, body: str
    ) -> StoredComment:
        if not body.strip():
            raise Invalid("IssueComment", "body", "body is empty")
        now = self.touch(repo, issue)
        comment = StoredComment(self.next_id("comment"), issue.number, author.login, body, now, now)
        repo.comments[comment.id] = comment
        return comment

    def edit_comment(self, repo: Repo, comment: StoredComment, body: str) -> StoredComment:
        if not body.strip():
            raise Invalid("IssueComment", "body", "body is empty")
        comment.body = body
        comment.updated_at = self.touch(repo, repo.issues[comment.issue_number])
        return comment

    def delete_comment(self, repo: Repo, comment: StoredComment) -> None:
        del repo.comments[comment.id]
        self.touch(repo, repo.issues[comment.issue_number])

    # ---- files ---------------------------------------------------------------

    def commit(self, repo: Repo, author: Account, message: str, changes: list[FileEdit]) -> Commit:
        """Apply all changes in one commit, or none of them if one is refused."""
        for change in changes:
            _check_path(change.path)
            current = repo.files.get(change.path)
            if current is None:
                if change.content is None or change.must_exist:
                    raise Missing(f"file {change.path} does not exist")
                continue
            if change.create_only:
                raise AlreadyExists("File", "path", f"file {change.path} already exists")
            if change.sha is None or change.sha == "":
                raise ShaMissing(f"sha is required to change existing file {change.path}")
            if change.sha != current.sha:
                raise ShaMismatch(f"{change.path} is at {current.sha} but expected {change.sha}")
        now = self.touch(repo)
        parent = repo.commits[-1].sha if repo.commits else None
        seed = f"{repo.full_name}\n{len(repo.commits)}\n{message}\n{now.isoformat()}"
        commit = Commit(hashlib.sha1(seed.encode()).hexdigest(), message, author.login, now, parent)
        repo.commits.append(commit)
        for change in changes:
            if change.content is None:
                repo.files.pop(change.path, None)
            else:
                repo.files[change.path] = File(change.path, change.content, commit.sha)
        return commit

    def listing(self, repo: Repo, directory: str) -> list[tuple[str, File | None]]:
        """List a directory as (path, file or None for a subdirectory), sorted by path."""
        prefix = directory.strip("/") + "/" if directory.strip("/") else ""
        entries: dict[str, File | None] = {}
        for path, file in sorted(repo.files.items()):
            if path.startswith(prefix):
                head, sep, _ = path[len(prefix) :].partition("/")
                entries[prefix + head] = None if sep else file
        return list(entries.items())

    def is_directory(self, repo: Repo, path: str) -> bool:
        prefix = path.strip("/") + "/"
        return path.strip("/") == "" or any(p.startswith(prefix) for p in repo.files)


def mentions(repo: Repo, issue: StoredIssue, login: str) -> bool:
    """Whether `@login` appears in the issue's body or one of its comments."""
    pattern = re.compile(rf"(?<![\w@])@{re.escape(login)}(?![\w-])", re.IGNORECASE)
    texts = [issue.body, *(c.body for c in repo.issue_comments(issue.number))]
    return any(pattern.search(text) for text in texts)


def _folded(logins: Iterable[str]) -> set[str]:
    return {login.casefold() for login in logins}


def _color(color: str) -> str:
    if not HEX_COLOR.match(color or ""):
        raise Invalid("Label", "color", f"color {color!r} is not six hexadecimal digits")
    return color.lstrip("#").lower()


def _check_path(path: str) -> None:
    parts = path.split("/")
    if not path or path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise Invalid("File", "path", f"invalid file path {path!r}")

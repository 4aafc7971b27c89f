"""GitHub and GitHub Enterprise through PyGithub.

PyGithub completes a list item lazily: touching an attribute its list payload
lacks costs one request per object. Only attributes that list answers carry
are read here (pull requests are told apart by `html_url`, not by the
`pull_request` attribute, which plain issues lack), and objects for writes
are built lazily from their URL, so a write costs exactly one request.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests
from github import Auth, Github, GithubException, GithubRetry
from github.GithubException import RateLimitExceededExceedsMaxWait, RateLimitExceededException
from github.GithubObject import NotSet
from urllib3 import BaseHTTPResponse
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import (
    InvalidHeader,
    MaxRetryError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.util.retry import Retry

from tracker.errors import ForgeError, NotFound, RateLimited, WriteUnconfirmed
from tracker.forge.http import check_status
from tracker.forge.kinds import Kind
from tracker.forge.model import (
    Comment,
    FileChange,
    FileContent,
    Issue,
    Label,
    Permission,
    Repository,
    User,
    file_content,
)
from tracker.forge.settings import ForgeSettings

log = logging.getLogger("zzxt.forge")
# PyGithub attaches a stderr handler to its logger on import and logs its retries in
# English; our own errors say the same in Chinese, so its messages go nowhere.
_pygithub_log = logging.getLogger("github")
for _handler in list(_pygithub_log.handlers):
    _pygithub_log.removeHandler(_handler)
_pygithub_log.addHandler(logging.NullHandler())
_pygithub_log.propagate = False


class _RequestLine(logging.Handler):
    """Pass PyGithub's per-request debug record on as `METHOD path -> status`, for --verbose.

    Its own record carries headers and bodies (user text, personal numbers): only
    the method, the path and the status go on, as the Gitea client logs them.
    """

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if isinstance(args, tuple) and len(args) == 9:
            verb, _, _, url, _, _, status, _, _ = args
            log.debug("%s %s -> %s", verb, str(url).split("?", 1)[0], status)


_requester_log = logging.getLogger("github.Requester")
_requester_log.addHandler(_RequestLine())
T = TypeVar("T")
BEIJING = ZoneInfo("Asia/Shanghai")

PAGE_SIZE = 100


# POSTs that change nothing when repeated: adding labels or assignees to an issue.
_REPEATABLE_POST = re.compile(r"/issues/\d+/(labels|assignees)$")


class _Retry(GithubRetry):
    """PyGithub's retries, with two refusals.

    A `Retry-After` beyond the allowed wait is refused instead of slept through:
    urllib3 sleeps whatever a 429 or 503 asks for (up to six hours), and PyGithub
    caps only the waits for its own rate-limit answers.

    A POST that creates something is not sent again. After a 5xx or a connection
    that broke once the request was sent, a comment, an issue or a label may exist,
    and a blind retry would make a second one. Such a POST fails at once;
    `GitHubForge` raises `WriteUnconfirmed` and the Writer looks before it tries
    again. A POST refused with 429 or a rate-limit 403 never happened and is retried
    as usual, as are POSTs that only add labels or assignees.
    """

    def increment(  # type: ignore[override]
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Retry:
        limit = self.max_rate_limit_wait
        if response is not None and limit is not None:
            try:
                wait = self.get_retry_after(response)
            except InvalidHeader:
                wait = None
            if wait is not None and wait > limit:
                raise RateLimitExceededExceedsMaxWait(
                    response.status, None, dict(response.headers), wait=wait
                )
        if method == "POST" and not _REPEATABLE_POST.search(urlsplit(url or "").path):
            if isinstance(error, ProtocolError | ReadTimeoutError):
                raise error
            if response is not None and response.status >= 500:
                reason = ResponseError(f"HTTP {response.status}")
                raise MaxRetryError(_pool, url or "", reason)  # type: ignore[arg-type]
        return super().increment(method, url, response, error, _pool, _stacktrace)  # type: ignore[arg-type]


class GitHubForge:
    kind: Kind = "github"
    can_pin = False  # GitHub pins issues only through GraphQL, which this client does not use

    def __init__(self, settings: ForgeSettings) -> None:
        self._settings = settings
        policy = settings.retry
        retry = _Retry(
            total=policy.attempts - 1,
            backoff_factor=policy.backoff,
            max_rate_limit_wait=policy.max_wait,
            secondary_rate_wait=min(60.0, policy.max_wait),
            allowed_methods={"GET", "POST", "PUT", "PATCH", "DELETE"},
        )
        self._gh = Github(
            auth=Auth.Token(settings.token or ""),
            base_url=settings.api_base,
            per_page=PAGE_SIZE,
            retry=retry,
            seconds_between_requests=None,
            seconds_between_writes=settings.write_interval or None,
            lazy=True,
            timeout=30,
            user_agent="zzxt",
        )
        self._repo = self._gh.get_repo(settings.repo)
        self._permissions: dict[str, Permission] = {}
        # PyGithub formats its per-request record only when someone listens (--verbose).
        _requester_log.setLevel(logging.DEBUG if log.isEnabledFor(logging.DEBUG) else logging.INFO)

    def close(self) -> None:
        self._gh.close()

    @contextmanager
    def _call(self, what: str, creates: bool = False) -> Iterator[None]:
        """Translate PyGithub's and requests' errors into ours.

        For a request that `creates` something, a 5xx or a broken connection means
        "it may exist": `WriteUnconfirmed`, never a retry here.
        """
        try:
            yield
        except RateLimitExceededException as exc:
            allowed = int(self._settings.retry.max_wait)
            reset = _reset_time(exc)
            wait = getattr(exc, "wait", None)
            if not reset and wait:  # a Retry-After, not the hourly limit
                raise RateLimited(
                    f"GitHub 要求暂停访问（{what}），需要等待约 {int(wait)} 秒，超过允许的 "
                    f"{allowed} 秒。请稍后再运行。"
                ) from None
            raise RateLimited(
                f"GitHub 访问频率已达上限（{what}）{reset}，需要等待的时间超过允许的 "
                f"{allowed} 秒。请届时再运行。"
            ) from None
        except GithubException as exc:
            if creates and exc.status >= 500:
                raise WriteUnconfirmed(
                    f"GitHub 对 {what} 答复 HTTP {exc.status}，不确定是否已写入。"
                ) from None
            if exc.status >= 500:
                raise ForgeError(
                    f"GitHub 服务暂时不可用（HTTP {exc.status}，{what}），多次重试仍失败。请稍后重试。"
                ) from None
            if "RateLimitExceeded" in type(exc).__name__ or "backoff" in str(exc.data):
                raise RateLimited(
                    f"GitHub 访问频率超限，需要等待的时间过长（{what}）。请稍后再运行。"
                ) from None
            check_status(exc.status, _message(exc), what=what)
            raise ForgeError(
                f"GitHub 返回错误（HTTP {exc.status}，{what}）：{_message(exc)}"
            ) from None
        except (requests.exceptions.RequestException, OSError) as exc:
            if creates:
                raise WriteUnconfirmed(
                    f"{what} 已发出但没有收到 GitHub 的应答（{type(exc).__name__}），不确定是否已写入。"
                ) from None
            raise ForgeError(
                f"无法连接 GitHub（{what}，{type(exc).__name__}），多次重试仍失败。请检查地址和网络。"
            ) from None

    def _list(self, what: str, make: Callable[[], Any], convert: Callable[[Any], T]) -> list[T]:
        with self._call(what):
            return [convert(item) for item in make()]

    # Forge interface.

    def current_user(self) -> User:
        with self._call("GET /user"):
            user = self._gh.get_user()
            return User(login=user.login, is_bot=user.type == "Bot")

    def repository(self) -> Repository:
        with self._call(f"GET /repos/{self._settings.repo}"):
            repo = self._repo
            permissions = repo.permissions
            can_write = bool(permissions and (permissions.push or permissions.admin))
            return Repository(
                full_name=repo.full_name,
                private=repo.private,
                can_write=can_write,
                default_branch=repo.default_branch or "main",
            )

    def list_labels(self) -> list[Label]:
        return self._list("GET labels", self._repo.get_labels, _label)

    def create_label(self, name: str, color: str, description: str) -> Label:
        try:
            with self._call("POST labels", creates=True):
                return _label(self._repo.create_label(name, color, description))
        except WriteUnconfirmed:
            raise
        except ForgeError:
            # GitHub refuses a name in use (422 already_exists), e.g. a run in parallel
            # made it first: make that label match.
            existing = next((lb for lb in self.list_labels() if lb.name == name), None)
            if existing is None:
                raise
            return self.update_label(existing, color, description)

    def update_label(self, label: Label, color: str, description: str) -> Label:
        with self._call("PATCH label"):
            remote = self._repo.get_label(label.name)
            remote.edit(label.name, color, description)
        return Label(name=label.name, color=color, description=description)

    def delete_label(self, label: Label) -> None:
        with self._call("DELETE label"):
            self._repo.get_label(label.name).delete()

    def list_issues(
        self,
        state: Literal["open", "closed", "all"] = "open",
        since: datetime | None = None,
        creator: str | None = None,
    ) -> list[Issue]:
        def fetch() -> Any:
            return self._repo.get_issues(
                state=state,
                since=_utc(since) if since is not None else NotSet,
                # A lazy NamedUser costs no request; PyGithub sends only its login.
                creator=self._gh.get_user(creator, lazy=True) if creator else NotSet,
                sort="created",
                direction="asc",
            )

        return [
            issue for issue in self._list("GET issues", fetch, _issue_or_none) if issue is not None
        ]

    def list_comments(self, since: datetime | None = None) -> list[Comment]:
        def fetch() -> Any:
            return self._repo.get_issues_comments(
                sort="created", direction="asc", since=_utc(since) if since is not None else NotSet
            )

        return self._list("GET issues/comments", fetch, _comment)

    def get_issue(self, number: int) -> Issue:
        with self._call(f"GET issue {number}"):
            found = _issue_or_none(self._repo.get_issue(number))
        if found is None:
            raise NotFound(f"#{number} 是合并请求，不是问题。")
        return found

    def issue_comments(self, number: int) -> list[Comment]:
        return self._list(
            f"GET issue {number} comments",
            lambda: self._repo.get_issue(number).get_comments(),
            lambda c: _comment(c, number),
        )

    def create_issue(self, title: str, body: str, labels: list[str]) -> Issue:
        with self._call("POST issues", creates=True):
            created = _issue_or_none(self._repo.create_issue(title=title, body=body, labels=labels))
        assert created is not None
        return created

    def edit_issue(
        self,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        state: Literal["open", "closed"] | None = None,
    ) -> None:
        with self._call("PATCH issue"):
            self._repo.get_issue(number).edit(
                title=title if title is not None else NotSet,
                body=body if body is not None else NotSet,
                state=state if state is not None else NotSet,
            )

    def add_labels(self, number: int, names: list[str]) -> None:
        # PyGithub's add_to_labels/set_labels send a bare array; the documented body
        # is {"labels": [...]}, so these two go through PyGithub's requester.
        with self._call("POST issue labels"):
            self._gh.requester.requestJsonAndCheck(
                "POST", f"{self._repo.url}/issues/{number}/labels", input={"labels": names}
            )

    def remove_label(self, number: int, name: str) -> None:
        with self._call("DELETE issue label"):
            self._repo.get_issue(number).remove_from_labels(name)

    def replace_labels(self, number: int, names: list[str]) -> None:
        with self._call("PUT issue labels"):
            self._gh.requester.requestJsonAndCheck(
                "PUT", f"{self._repo.url}/issues/{number}/labels", input={"labels": names}
            )

    def create_comment(self, number: int, body: str) -> Comment:
        with self._call("POST comment", creates=True):
            created = self._repo.get_issue(number).create_comment(body)
            return _comment(created, number)

    def edit_comment(self, comment_id: int, body: str) -> None:
        # Repository.get_comment is for commit comments; issue comments live elsewhere.
        with self._call("PATCH comment"):
            self._gh.requester.requestJsonAndCheck(
                "PATCH", f"{self._repo.url}/issues/comments/{comment_id}", input={"body": body}
            )

    def delete_comment(self, comment_id: int) -> None:
        try:
            with self._call("DELETE comment"):
                self._gh.requester.requestJsonAndCheck(
                    "DELETE", f"{self._repo.url}/issues/comments/{comment_id}"
                )
        except NotFound:
            pass  # already gone, e.g. removed by a run in parallel

    def permission(self, login: str) -> Permission:
        """GET /repos/{owner}/{repo}/collaborators/{username}/permission, once per login."""
        key = login.casefold()
        if key not in self._permissions:
            try:
                with self._call("GET collaborator permission"):
                    _, data = self._gh.requester.requestJsonAndCheck(
                        "GET", f"{self._repo.url}/collaborators/{login}/permission"
                    )
            except NotFound:
                data = {}  # no such user
            self._permissions[key] = _permission(data)
        return self._permissions[key]

    def assign(self, number: int, logins: list[str]) -> None:
        with self._call("POST assignees"):
            self._repo.get_issue(number).add_to_assignees(*logins)

    def team_members(self, team: str) -> list[str]:
        org, slug = team.split("/", 1)
        with self._call(f"GET /orgs/{org}/teams/{slug}/members"):
            members = self._gh.get_organization(org).get_team_by_slug(slug).get_members()
            return [member.login for member in members]

    def pin_issue(self, number: int) -> None:
        raise NotImplementedError("GitHub pins issues only through GraphQL")

    def read_file(self, path: str) -> FileContent | None:
        try:
            with self._call(f"GET contents/{path}"):
                content = self._repo.get_contents(path)
        except ForgeError as exc:
            if getattr(exc, "exit_code", 0) == 6:  # NotFound
                return None
            raise
        if isinstance(content, list):
            raise ForgeError(f"{path} 在仓库中是目录，不是文件。")
        if content.encoding == "base64":
            return file_content(path, content.decoded_content, content.sha)
        # Above 1 MB the contents API leaves the content out (encoding "none"); the blob
        # API gives it, base64-encoded, up to 100 MB.
        with self._call(f"GET git/blobs/{content.sha}"):
            blob = self._repo.get_git_blob(content.sha)
            data = base64.b64decode(blob.content)
        return file_content(path, data, content.sha)

    def list_files(self, directory: str) -> list[str]:
        try:
            with self._call(f"GET contents/{directory}"):
                listing = self._repo.get_contents(directory)
        except ForgeError as exc:
            if getattr(exc, "exit_code", 0) == 6:
                return []
            raise
        if not isinstance(listing, list):
            return []
        return sorted(item.path for item in listing if item.type == "file")

    def write_files(self, changes: list[FileChange], message: str) -> int:
        """GitHub's contents API writes one file per commit."""
        for change in changes:
            with self._call(f"PUT contents/{change.path}"):
                if change.operation == "create":
                    self._repo.create_file(change.path, message, change.content)
                elif change.operation == "update":
                    self._repo.update_file(change.path, message, change.content, change.sha or "")
                else:
                    self._repo.delete_file(change.path, message, change.sha or "")
        return len(changes)


def _permission(data: Any) -> Permission:
    """The role if it is one of GitHub's own, else the base role (custom roles map to one)."""
    if not isinstance(data, dict):
        return "none"
    role = str(data.get("role_name") or "")
    roles: dict[str, Permission] = {
        "admin": "admin",
        "maintain": "write",
        "write": "write",
        "triage": "triage",
        "read": "read",
    }
    base = str(data.get("permission") or "")
    return roles.get(role) or (roles[base] if base in ("admin", "write", "read") else "none")


def _reset_time(exc: GithubException) -> str:
    """Say when the limit resets, in Beijing time, from the answer's headers."""
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    if headers.get("x-ratelimit-remaining") != "0":
        return ""  # the hourly limit is not what stopped us
    try:
        reset = datetime.fromtimestamp(int(headers["x-ratelimit-reset"]), tz=BEIJING)
    except (KeyError, ValueError):
        return ""
    return f"，限额将于北京时间 {reset:%Y-%m-%d %H:%M} 重置"


def _message(exc: GithubException) -> str:
    data = exc.data
    if isinstance(data, dict):
        return str(data.get("message", ""))
    return ""


def _time(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _user(user: Any) -> User:
    if user is None:
        return User(login="ghost")
    login = str(user.login)
    return User(login=login, is_bot=user.type == "Bot" or login.endswith("[bot]"))


def _label(label: Any) -> Label:
    return Label(
        name=label.name, color=str(label.color).lower(), description=label.description or ""
    )


def _issue_or_none(issue: Any) -> Issue | None:
    """Return the issue, or None for a pull request."""
    if "/pull/" in (issue.html_url or ""):
        return None
    created = _time(issue.created_at)
    assert created is not None
    return Issue(
        number=issue.number,
        title=issue.title or "",
        body=issue.body or "",
        author=_user(issue.user),
        labels=tuple(label.name for label in issue.labels),
        assignees=tuple(user.login for user in issue.assignees),
        state="closed" if issue.state == "closed" else "open",
        created_at=created,
        updated_at=_time(issue.updated_at) or created,
        closed_at=_time(issue.closed_at),
    )


def _comment(comment: Any, number: int | None = None) -> Comment:
    created = _time(comment.created_at)
    assert created is not None
    if number is None:
        number = int(str(comment.issue_url).rstrip("/").rsplit("/", 1)[-1])
    return Comment(
        id=comment.id,
        issue_number=number,
        author=_user(comment.user),
        body=comment.body or "",
        created_at=created,
        updated_at=_time(comment.updated_at) or created,
    )


def _utc(moment: datetime) -> datetime:
    """PyGithub writes `since` as `%Y-%m-%dT%H:%M:%SZ` whatever its zone: give it UTC."""
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment

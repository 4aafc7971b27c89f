"""Gitea through its REST API v1, with httpx.

Facts this client relies on (../shared/specs/README.md): `Authorization: token`,
pages of at most 50 (`limit`), `Link` and `X-Total-Count` headers, labels
addressed by numeric id, `type=issues` to leave pull requests out, and one
commit for several files through `POST /repos/{owner}/{repo}/contents`.
"""

from __future__ import annotations

import base64
import logging
import time
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

import httpx

from tracker.errors import ForgeError, NotFound, PermissionDenied, WriteUnconfirmed
from tracker.forge.http import check_status, wait_before_retry
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

PAGE_SIZE = 50  # Gitea's default MAX_RESPONSE_ITEMS
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class GiteaForge:
    kind: Kind = "gitea"
    can_pin = True

    def __init__(
        self, settings: ForgeSettings, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._settings = settings
        owner, name = settings.repo.split("/")
        self._repo_path = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
        self._http = httpx.Client(
            base_url=settings.api_base,
            headers={
                "Authorization": f"token {settings.token}",
                "Accept": "application/json",
                "User-Agent": "zzxt",
            },
            timeout=30.0,
            transport=transport,
        )
        self._last_write = 0.0
        self._labels: dict[str, Label] | None = None
        self._permissions: dict[str, Permission] = {}
        self._assignees: set[str] | None = None

    def close(self) -> None:
        self._http.close()

    # Plumbing.

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        allow: tuple[int, ...] = (),
        creates: bool = False,
    ) -> httpx.Response:
        """Send one request with bounded retries; map errors to Chinese messages.

        A request that `creates` something is repeated only when it surely did not
        arrive (no connection, or 429); when its answer is lost after sending (the
        connection drops, a 5xx) it raises `WriteUnconfirmed`: the caller looks for
        what it meant to create before trying again.
        """
        policy = self._settings.retry
        if method in WRITES:
            self._space_writes()
        failure = ""
        for attempt in range(policy.attempts):
            try:
                response = self._http.request(method, path, params=params, json=json)
            except httpx.TransportError as exc:
                failure = f"连接失败（{type(exc).__name__}）"
                log.debug("%s %s -> %s", method, path, failure)
                if creates and not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
                    raise WriteUnconfirmed(
                        f"{method} {path} 已发出但没有收到应答（{failure}），不确定是否已写入。"
                    ) from None
                if attempt + 1 < policy.attempts:
                    time.sleep(policy.backoff * 2**attempt)
                continue
            log.debug("%s %s -> %s", method, path, response.status_code)
            if creates and response.status_code >= 500:
                raise WriteUnconfirmed(
                    f"{method} {path} 得到 HTTP {response.status_code}，不确定是否已写入。"
                )
            if response.status_code == 429 or response.status_code >= 500:
                failure = f"HTTP {response.status_code}"
                if attempt + 1 < policy.attempts:
                    time.sleep(wait_before_retry(response.headers, attempt, policy, time.time()))
                continue
            if method in WRITES:
                self._last_write = time.monotonic()
            if response.status_code in allow:
                return response
            check_status(response.status_code, _message(response), what=f"{method} {path}")
            return response
        if failure == "HTTP 429":
            check_status(429, "", what=f"{method} {path}，重试 {policy.attempts} 次")
        raise ForgeError(
            f"Gitea 服务暂时不可用：{method} {path} 重试 {policy.attempts} 次仍失败（{failure}）。"
            "请稍后重试；若持续出现，请检查服务器状态和网络。"
        )

    def _space_writes(self) -> None:
        interval = self._settings.write_interval
        if interval > 0:
            delay = self._last_write + interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def _pages(self, path: str, params: dict[str, Any] | None = None) -> list[Any]:
        items: list[Any] = []
        page = 1
        while True:
            response = self._request(
                "GET", path, params={**(params or {}), "page": page, "limit": PAGE_SIZE}
            )
            batch = response.json()
            items.extend(batch)
            if not batch or "next" not in response.links:
                return items
            page += 1

    # Forge interface.

    def current_user(self) -> User:
        return _user(self._request("GET", "/user").json())

    def repository(self) -> Repository:
        data = self._request("GET", self._repo_path).json()
        permissions = data.get("permissions") or {}
        return Repository(
            full_name=data["full_name"],
            private=bool(data.get("private")),
            can_write=bool(permissions.get("push") or permissions.get("admin")),
            default_branch=str(data.get("default_branch") or "main"),
        )

    def list_labels(self) -> list[Label]:
        labels = [_label(item) for item in self._pages(f"{self._repo_path}/labels")]
        # Gitea allows two labels of one name (a race between two runs): use the oldest.
        self._labels = {}
        for label in sorted(labels, key=lambda lb: lb.id or 0):
            self._labels.setdefault(label.name, label)
        return labels

    def create_label(self, name: str, color: str, description: str) -> Label:
        # Gitea never refuses a name in use (it makes a second label), so there is no
        # "already exists" answer to lean on: the caller reads the labels first.
        body = {"name": name, "color": f"#{color}", "description": description}
        response = self._request("POST", f"{self._repo_path}/labels", json=body, creates=True)
        label = _label(response.json())
        self._remember(label)
        return label

    def update_label(self, label: Label, color: str, description: str) -> Label:
        label_id = label.id if label.id is not None else self._label_named(label.name).id
        body = {"color": f"#{color}", "description": description}
        data = self._request("PATCH", f"{self._repo_path}/labels/{label_id}", json=body).json()
        updated = _label(data)
        self._remember(updated)
        return updated

    def delete_label(self, label: Label) -> None:
        label_id = label.id if label.id is not None else self._label_named(label.name).id
        self._request("DELETE", f"{self._repo_path}/labels/{label_id}", allow=(404,))
        if self._labels is not None:
            self._labels.pop(label.name, None)

    def list_issues(
        self,
        state: Literal["open", "closed", "all"] = "open",
        since: datetime | None = None,
        creator: str | None = None,
    ) -> list[Issue]:
        params: dict[str, Any] = {"state": state, "type": "issues"}
        if since is not None:
            params["since"] = since.isoformat()
        if creator:
            params["created_by"] = creator
        items = self._pages(f"{self._repo_path}/issues", params)
        issues = [_issue(item) for item in items if not item.get("pull_request")]
        return sorted(issues, key=lambda i: (i.created_at, i.number))

    def list_comments(self, since: datetime | None = None) -> list[Comment]:
        params = {"since": since.isoformat()} if since is not None else {}
        items = self._pages(f"{self._repo_path}/issues/comments", params)
        return [_comment(item) for item in items if not item.get("pull_request_url")]

    def get_issue(self, number: int) -> Issue:
        data = self._request("GET", f"{self._repo_path}/issues/{number}").json()
        if data.get("pull_request"):
            raise NotFound(f"#{number} 是合并请求，不是问题。")
        return _issue(data)

    def issue_comments(self, number: int) -> list[Comment]:
        # This endpoint is not paginated in Gitea's API: one answer holds every comment.
        items = self._request("GET", f"{self._repo_path}/issues/{number}/comments").json()
        return [_comment(item, number) for item in items]

    def create_issue(self, title: str, body: str, labels: list[str]) -> Issue:
        ids = [self._label_named(name).id for name in labels]
        payload = {"title": title, "body": body, "labels": ids}
        response = self._request("POST", f"{self._repo_path}/issues", json=payload, creates=True)
        return _issue(response.json())

    def edit_issue(
        self,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        state: Literal["open", "closed"] | None = None,
    ) -> None:
        payload = {
            k: v for k, v in {"title": title, "body": body, "state": state}.items() if v is not None
        }
        self._request("PATCH", f"{self._repo_path}/issues/{number}", json=payload)

    def add_labels(self, number: int, names: list[str]) -> None:
        ids = [self._label_named(name).id for name in names]
        self._request("POST", f"{self._repo_path}/issues/{number}/labels", json={"labels": ids})

    def remove_label(self, number: int, name: str) -> None:
        label_id = self._label_named(name).id
        self._request(
            "DELETE", f"{self._repo_path}/issues/{number}/labels/{label_id}", allow=(404,)
        )

    def replace_labels(self, number: int, names: list[str]) -> None:
        ids = [self._label_named(name).id for name in names]
        self._request("PUT", f"{self._repo_path}/issues/{number}/labels", json={"labels": ids})

    def create_comment(self, number: int, body: str) -> Comment:
        data = self._request(
            "POST",
            f"{self._repo_path}/issues/{number}/comments",
            json={"body": body},
            creates=True,
        ).json()
        return _comment(data, number)

    def edit_comment(self, comment_id: int, body: str) -> None:
        self._request(
            "PATCH", f"{self._repo_path}/issues/comments/{comment_id}", json={"body": body}
        )

    def delete_comment(self, comment_id: int) -> None:
        self._request("DELETE", f"{self._repo_path}/issues/comments/{comment_id}", allow=(404,))

    def permission(self, login: str) -> Permission:
        """The collaborator-permission endpoint; where the token may not ask, the assignees.

        Gitea answers that endpoint for other users only to repository and site
        administrators; a bot with write access gets 403. Its list of assignees
        (`GET /repos/{owner}/{repo}/assignees`) is exactly the users with write
        access, so it answers the one question the bots ask (can this user reply?).
        """
        key = login.casefold()
        if key not in self._permissions:
            self._permissions[key] = self._ask_permission(login)
        return self._permissions[key]

    def _ask_permission(self, login: str) -> Permission:
        if self._assignees is None:
            try:
                response = self._request(
                    "GET",
                    f"{self._repo_path}/collaborators/{quote(login, safe='')}/permission",
                    allow=(404,),
                )
            except PermissionDenied:
                response = None
            if response is not None:
                if response.status_code == 404:
                    return "none"
                level = str(response.json().get("permission") or "none")
                # Gitea's `owner` is an administrator by another name.
                return _LEVELS.get(level, "none")
            items = self._request("GET", f"{self._repo_path}/assignees").json()
            self._assignees = {str(u.get("login", "")).casefold() for u in items or []}
        # The assignees cannot tell reading from no access; only write access matters here.
        return "write" if login.casefold() in self._assignees else "read"

    def assign(self, number: int, logins: list[str]) -> None:
        self._request("PATCH", f"{self._repo_path}/issues/{number}", json={"assignees": logins})

    def team_members(self, team: str) -> list[str]:
        org, name = team.split("/", 1)
        found = self._request(
            "GET",
            f"/orgs/{quote(org, safe='')}/teams/search",
            params={"q": name, "limit": PAGE_SIZE},
        ).json()
        teams = [
            t for t in found.get("data") or [] if str(t.get("name", "")).lower() == name.lower()
        ]
        if not teams:
            raise NotFound(f"找不到团队 {team}：请检查政策文件 sla.responder_team。")
        return [u["login"] for u in self._pages(f"/teams/{teams[0]['id']}/members")]

    def pin_issue(self, number: int) -> None:
        # Pinning twice changes nothing, so a lost answer may simply be repeated.
        self._request("POST", f"{self._repo_path}/issues/{number}/pin", allow=(404, 422))

    def read_file(self, path: str) -> FileContent | None:
        response = self._request("GET", f"{self._repo_path}/contents/{quote(path)}", allow=(404,))
        if response.status_code == 404:
            return None
        data = response.json()
        if isinstance(data, list) or data.get("type") != "file":
            raise ForgeError(f"{path} 在仓库中是目录，不是文件。")
        if data.get("content") is None and data.get("size"):
            # Gitea leaves out the content of a file above its API.DefaultMaxBlobSize (10 MiB).
            raise ForgeError(
                f"{path} 超过 Gitea 接口可读取的大小（API.DefaultMaxBlobSize），无法读取。"
            )
        return file_content(path, base64.b64decode(data.get("content") or ""), data["sha"])

    def list_files(self, directory: str) -> list[str]:
        response = self._request(
            "GET", f"{self._repo_path}/contents/{quote(directory)}", allow=(404,)
        )
        if response.status_code == 404:
            return []
        data = response.json()
        if not isinstance(data, list):
            return []
        return sorted(item["path"] for item in data if item.get("type") == "file")

    def write_files(self, changes: list[FileChange], message: str) -> int:
        """Write every change in one commit."""
        if not changes:
            return 0
        files = []
        for change in changes:
            entry: dict[str, Any] = {"operation": change.operation, "path": change.path}
            if change.operation != "delete":
                entry["content"] = base64.b64encode(change.content).decode("ascii")
            if change.sha is not None:
                entry["sha"] = change.sha
            files.append(entry)
        self._request(
            "POST",
            f"{self._repo_path}/contents",
            json={"message": message, "files": files},
            creates=True,
        )
        return 1

    # Label ids.

    def _remember(self, label: Label) -> None:
        if self._labels is not None:
            self._labels[label.name] = label

    def _label_named(self, name: str, refresh: bool = False) -> Label:
        if self._labels is None or refresh or name not in self._labels:
            self.list_labels()
        assert self._labels is not None
        if name not in self._labels:
            raise NotFound(f"仓库中没有标签 {name}：请先运行 zzxt sync --apply 创建标签。")
        return self._labels[name]


_LEVELS: dict[str, Permission] = {
    "owner": "admin",
    "admin": "admin",
    "write": "write",
    "read": "read",
    "none": "none",
}


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    return str(data.get("message", "")) if isinstance(data, dict) else ""


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _user(data: dict[str, Any] | None) -> User:
    login = str((data or {}).get("login") or "ghost")
    return User(login=login, is_bot=login.endswith("[bot]") or login == "gitea-actions")


def _label(data: dict[str, Any]) -> Label:
    return Label(
        name=data["name"],
        color=str(data.get("color", "")).lstrip("#").lower(),
        description=data.get("description") or "",
        id=data.get("id"),
    )


def _issue(data: dict[str, Any]) -> Issue:
    created = _time(data["created_at"])
    assert created is not None
    return Issue(
        number=data["number"],
        title=data.get("title") or "",
        body=data.get("body") or "",
        author=_user(data.get("user")),
        labels=tuple(label["name"] for label in data.get("labels") or []),
        assignees=tuple(user["login"] for user in data.get("assignees") or []),
        state="closed" if data.get("state") == "closed" else "open",
        created_at=created,
        updated_at=_time(data.get("updated_at")) or created,
        closed_at=_time(data.get("closed_at")),
    )


def _comment(data: dict[str, Any], number: int | None = None) -> Comment:
    created = _time(data["created_at"])
    assert created is not None
    if number is None:
        number = int(str(data.get("issue_url", "")).rstrip("/").rsplit("/", 1)[-1])
    return Comment(
        id=data["id"],
        issue_number=number,
        author=_user(data.get("user")),
        body=data.get("body") or "",
        created_at=created,
        updated_at=_time(data.get("updated_at")) or created,
    )

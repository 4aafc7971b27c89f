"""The Gitea API v1 face of the sandbox, under /api/v1.

Shapes follow Gitea 1.27's swagger (../shared/specs): labels by numeric id
(names also accepted when adding or replacing an issue's labels, as since
1.22), `limit` capped by the server setting with `Link` and `X-Total-Count`,
`type=issues|pulls`, the issue timeline, and several files in one commit.
Like Gitea's Go code, absent objects and times are `null`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from tracker.sandbox.routing import JSON, Api, Request, Response, paginate
from tracker.sandbox.state import (
    BEIJING,
    AlreadyExists,
    Commit,
    Event,
    File,
    FileEdit,
    Forbidden,
    Invalid,
    Malformed,
    Missing,
    Refusal,
    Repo,
    ShaMismatch,
    ShaMissing,
    StoredComment,
    StoredIssue,
    StoredLabel,
    Unauthenticated,
    World,
    mentions,
)

OPERATIONS = ("create", "update", "delete")


def stamp(moment: datetime | None) -> str | None:
    # Gitea answers in the server's zone; a Guangdong server runs on Beijing time.
    return None if moment is None else moment.astimezone(BEIJING).isoformat()


class GiteaApi(Api):
    prefix = "/api/v1"

    def __init__(self, world: World) -> None:
        super().__init__(world)
        r = self.router.add
        repo = "/repos/{owner}/{repo}"
        issue = repo + "/issues/{index:int}"
        r("GET", "/user", self.get_user)
        r("GET", "/orgs/{org}/teams/search", self.search_teams)
        r("GET", "/teams/{id:int}/members", self.list_team_members)
        r("GET", repo, self.get_repo)
        r("GET", repo + "/assignees", self.list_assignees)
        r("GET", repo + "/collaborators/{login}/permission", self.get_permission)
        r("GET", repo + "/labels", self.list_labels)
        r("POST", repo + "/labels", self.create_label)
        r("GET", repo + "/labels/{id}", self.get_label)
        r("PATCH", repo + "/labels/{id:int}", self.edit_label)
        r("DELETE", repo + "/labels/{id:int}", self.delete_label)
        r("GET", repo + "/issues", self.list_issues)
        r("POST", repo + "/issues", self.create_issue)
        r("GET", repo + "/issues/comments", self.list_repo_comments)
        r("GET", repo + "/issues/comments/{id:int}", self.get_comment)
        r("PATCH", repo + "/issues/comments/{id:int}", self.edit_comment)
        r("DELETE", repo + "/issues/comments/{id:int}", self.delete_comment)
        r("GET", issue, self.get_issue)
        r("PATCH", issue, self.edit_issue)
        r("GET", issue + "/labels", self.list_issue_labels)
        r("POST", issue + "/labels", self.add_issue_labels)
        r("PUT", issue + "/labels", self.set_issue_labels)
        r("DELETE", issue + "/labels", self.clear_issue_labels)
        r("DELETE", issue + "/labels/{id:int}", self.remove_issue_label)
        r("GET", issue + "/comments", self.list_comments)
        r("POST", issue + "/comments", self.create_comment)
        r("GET", issue + "/timeline", self.timeline)
        r("POST", issue + "/pin", self.pin_issue)
        r("GET", repo + "/contents", self.get_contents)
        r("POST", repo + "/contents", self.change_files)
        r("GET", repo + "/contents/{filepath:path}", self.get_contents)
        r("POST", repo + "/contents/{filepath:path}", self.create_file)
        r("PUT", repo + "/contents/{filepath:path}", self.update_file)
        r("DELETE", repo + "/contents/{filepath:path}", self.delete_file)

    # ---- the request cycle ---------------------------------------------------

    def handle(self, req: Request, token: str | None) -> Response:
        accepted, req.user = self.user_for(token)
        if not accepted:
            return self._error(req, 401, "user does not exist or the token is invalid")
        found = self.router.match(req.method, req.path[len(self.prefix) :])
        if found is None:
            return self._error(req, 404, "The target couldn't be found.")
        handler, params = found
        try:
            return handler(req, **params)
        except Refusal as error:
            return self._refusal(req, error)

    def _error(self, req: Request, status: int, message: str) -> Response:
        return Response(status, {"message": message, "url": f"{req.base}/api/swagger"})

    def _refusal(self, req: Request, error: Refusal) -> Response:
        if isinstance(error, Missing):
            return self._error(req, 404, "The target couldn't be found.")
        if isinstance(error, Unauthenticated):
            return self._error(req, 401, "token is required")
        if isinstance(error, Forbidden):
            return self._error(req, 403, "user should have write permission to the repository")
        if isinstance(error, Malformed):
            return self._error(req, 400, error.message)
        if isinstance(error, AlreadyExists | Invalid | ShaMissing | ShaMismatch):
            # Gitea 1.27's swagger documents 422 for all of these (no 409 anywhere).
            return self._error(req, 422, error.message)
        return self._error(req, 500, error.message)

    # ---- JSON shapes ---------------------------------------------------------

    def api(self, req: Request) -> str:
        return req.base + self.prefix

    def user_json(self, req: Request, login: str) -> dict[str, JSON]:
        user = self.world.ensure_user(login)
        # Gitea's API has no user type: a bot is told apart by its login.
        return {
            "id": user.id,
            "login": user.login,
            "login_name": "",
            "source_id": 0,
            "full_name": user.name,
            "email": user.email or f"{user.login}@noreply.sandbox.invalid",
            "avatar_url": f"{req.base}/avatars/{user.login}",
            "html_url": f"{req.base}/{user.login}",
            "language": "zh-CN",
            "is_admin": False,
            "last_login": stamp(user.created_at),
            "created": stamp(user.created_at),
            "restricted": False,
            "active": True,
            "prohibit_login": False,
            "location": "",
            "website": "",
            "description": "",
            "visibility": "public",
            "followers_count": 0,
            "following_count": 0,
            "starred_repos_count": 0,
            "username": user.login,
        }

    def repo_url(self, req: Request, repo: Repo) -> str:
        return f"{self.api(req)}/repos/{repo.full_name}"

    def label_json(self, req: Request, repo: Repo, label: StoredLabel) -> dict[str, JSON]:
        return {
            "id": label.id,
            "name": label.name,
            "exclusive": False,
            "is_archived": False,
            "color": label.color,
            "description": label.description,
            "url": f"{self.repo_url(req, repo)}/labels/{label.id}",
        }

    def issue_json(self, req: Request, repo: Repo, issue: StoredIssue) -> dict[str, JSON]:
        html = (
            f"{req.base}/{repo.full_name}/{'pulls' if issue.is_pull else 'issues'}/{issue.number}"
        )
        pull = None
        if issue.is_pull:
            pull = {"merged": False, "merged_at": None, "draft": False, "html_url": html}
        return {
            "id": issue.id,
            "url": f"{self.repo_url(req, repo)}/issues/{issue.number}",
            "html_url": html,
            "number": issue.number,
            "user": self.user_json(req, issue.user),
            "original_author": "",
            "original_author_id": 0,
            "title": issue.title,
            "body": issue.body,
            "ref": "",
            "assets": [],
            "labels": [self.label_json(req, repo, repo.labels[i]) for i in issue.labels],
            "milestone": None,
            "assignee": self.user_json(req, issue.assignees[0]) if issue.assignees else None,
            # Go encodes an empty slice that was never filled as null, and Gitea does so here.
            "assignees": [self.user_json(req, a) for a in issue.assignees] or None,
            "state": issue.state,
            "is_locked": False,
            "comments": len(repo.issue_comments(issue.number)),
            "created_at": stamp(issue.created_at),
            "updated_at": stamp(issue.updated_at),
            "closed_at": stamp(issue.closed_at),
            "due_date": None,
            "time_estimate": 0,
            "pull_request": pull,
            "repository": {
                "id": repo.id,
                "name": repo.name,
                "owner": repo.owner,
                "full_name": repo.full_name,
            },
            "pin_order": issue.pin_order,
        }

    def comment_json(self, req: Request, repo: Repo, comment: StoredComment) -> dict[str, JSON]:
        issue_html = f"{req.base}/{repo.full_name}/issues/{comment.issue_number}"
        return {
            "id": comment.id,
            "html_url": f"{issue_html}#issuecomment-{comment.id}",
            "pull_request_url": "",
            "issue_url": issue_html,
            "user": self.user_json(req, comment.user),
            "original_author": "",
            "original_author_id": 0,
            "body": comment.body,
            "assets": [],
            "created_at": stamp(comment.created_at),
            "updated_at": stamp(comment.updated_at),
        }

    def timeline_json(
        self, req: Request, repo: Repo, item: StoredComment | Event
    ) -> dict[str, JSON]:
        if isinstance(item, StoredComment):
            return {"type": "comment", **self.comment_json(req, repo, item)}
        issue_html = f"{req.base}/{repo.full_name}/issues/{item.issue_number}"
        data: dict[str, JSON] = {
            "id": item.id,
            "html_url": f"{issue_html}#issuecomment-{item.id}",
            "pull_request_url": "",
            "issue_url": issue_html,
            "user": self.user_json(req, item.actor),
            "body": "",
            "created_at": stamp(item.created_at),
            "updated_at": stamp(item.created_at),
        }
        if item.event in ("labeled", "unlabeled"):
            label = repo.labels.get(item.label_id or 0) or StoredLabel(
                item.label_id or 0, item.label_name, item.label_color
            )
            data |= {
                "type": "label",
                "body": "1" if item.event == "labeled" else "",
                "label": self.label_json(req, repo, label),
            }
        elif item.event in ("assigned", "unassigned"):
            data |= {
                "type": "assignees",
                "assignee": self.user_json(req, item.assignee),
                "removed_assignee": item.event == "unassigned",
            }
        else:
            data["type"] = {"closed": "close", "reopened": "reopen"}.get(item.event, item.event)
        return data

    def repo_json(self, req: Request, repo: Repo) -> dict[str, JSON]:
        html = f"{req.base}/{repo.full_name}"
        issues = list(repo.issues.values())
        data: dict[str, JSON] = {
            "id": repo.id,
            "owner": self.user_json(req, repo.owner),
            "name": repo.name,
            "full_name": repo.full_name,
            "description": repo.description,
            "empty": not repo.files,
            "private": repo.private,
            "fork": False,
            "template": False,
            "mirror": False,
            "size": sum(len(f.content) for f in repo.files.values()) // 1024,
            "language": "",
            "languages_url": f"{self.repo_url(req, repo)}/languages",
            "html_url": html,
            "url": self.repo_url(req, repo),
            "link": "",
            "ssh_url": f"git@sandbox:{repo.full_name}.git",
            "clone_url": f"{html}.git",
            "original_url": "",
            "website": "",
            "stars_count": 0,
            "forks_count": 0,
            "watchers_count": 0,
            "open_issues_count": sum(1 for i in issues if i.state == "open" and not i.is_pull),
            "open_pr_counter": sum(1 for i in issues if i.state == "open" and i.is_pull),
            "release_counter": 0,
            "default_branch": repo.default_branch,
            "archived": False,
            "created_at": stamp(repo.created_at),
            "updated_at": stamp(repo.updated_at),
            "has_issues": True,
            "has_wiki": False,
            "has_pull_requests": True,
            "has_projects": False,
            "has_releases": False,
            "has_packages": False,
            "has_actions": True,
            "internal": False,
            "object_format_name": "sha1",
        }
        if req.user is not None:
            level = self.world.permission(repo, req.user)
            data["permissions"] = {
                "admin": level == "admin",
                "push": level in ("write", "admin"),
                "pull": level != "none",
            }
        return data

    def contents_json(
        self, req: Request, repo: Repo, path: str, file: File | None, with_content: bool
    ) -> dict[str, JSON]:
        url = f"{self.repo_url(req, repo)}/contents/{quote(path)}?ref={repo.default_branch}"
        html = f"{req.base}/{repo.full_name}/src/branch/{repo.default_branch}/{quote(path)}"
        data: dict[str, JSON] = {
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "type": "file" if file else "dir",
            "size": len(file.content) if file else 0,
            "url": url,
            "html_url": html,
            "_links": {"self": url, "html": html},
        }
        if file is not None:
            commit = next(c for c in repo.commits if c.sha == file.last_commit)
            git = f"{self.repo_url(req, repo)}/git/blobs/{file.sha}"
            data |= {
                "sha": file.sha,
                "last_commit_sha": commit.sha,
                "last_commit_message": commit.message,
                "last_committer_date": stamp(commit.created_at),
                "last_author_date": stamp(commit.created_at),
                "git_url": git,
                "download_url": f"{req.base}/{repo.full_name}/raw/branch/{repo.default_branch}/{quote(path)}",
            }
            data["_links"] = {"self": url, "git": git, "html": html}
            if with_content:
                data["encoding"] = "base64"
                data["content"] = base64.b64encode(file.content).decode("ascii")
        return data

    def commit_json(self, req: Request, repo: Repo, commit: Commit) -> dict[str, JSON]:
        author = self.world.ensure_user(commit.author)
        person = {
            "name": author.name or author.login,
            "email": author.email or f"{author.login}@noreply.sandbox.invalid",
            "date": stamp(commit.created_at),
        }
        parents = []
        if commit.parent:
            parents = [
                {
                    "url": f"{self.repo_url(req, repo)}/git/commits/{commit.parent}",
                    "sha": commit.parent,
                }
            ]
        return {
            "url": f"{self.repo_url(req, repo)}/git/commits/{commit.sha}",
            "sha": commit.sha,
            "created": stamp(commit.created_at),
            "html_url": f"{req.base}/{repo.full_name}/commit/{commit.sha}",
            "author": person,
            "committer": person,
            "parents": parents,
            "message": commit.message,
            "tree": {
                "url": f"{self.repo_url(req, repo)}/git/trees/{commit.sha}",
                "sha": commit.sha,
            },
        }

    def verification(self) -> dict[str, JSON]:
        return {
            "verified": False,
            "reason": "gpg.error.not_signed_commit",
            "signature": "",
            "payload": "",
        }

    # ---- helpers -------------------------------------------------------------

    def _page(
        self, req: Request, items: Sequence[Any], render: Callable[[Any], JSON] | None = None
    ) -> Response:
        s = self.world.settings
        return paginate(
            req,
            items,
            render=render,
            size_param="limit",
            default=s.gitea_default_limit,
            maximum=s.gitea_max_limit,
            total_header=True,
        )

    def _labels_from(self, repo: Repo, values: Any) -> list[StoredLabel]:
        """Read the labels to add to or set on an issue, as Gitea 1.27 does.

        Either all ids or all names (a mix is 400, prepareForReplaceOrAdd in
        issue_label.go); ids that do not exist are dropped without complaint, a
        name stands for every label of that name, and a digit string is a name.
        """
        if not isinstance(values, list):
            raise Invalid("Label", "labels", "labels must be a list of ids or names")
        ids: list[int] = []
        names: list[str] = []
        for value in values:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise Malformed("a label must be an integer or a string")
            if isinstance(value, str):
                names.append(value)
            else:
                ids.append(int(value))
        if ids and names:
            raise Malformed("labels should be an array of strings or integers")
        folded = {n.casefold() for n in names}
        wanted = set(ids) | {lb.id for lb in repo.labels.values() if lb.name.casefold() in folded}
        return [repo.labels[i] for i in sorted(wanted) if i in repo.labels]

    def _new_issue_labels(self, repo: Repo, values: Any) -> list[StoredLabel]:
        """Labels of a new issue: ids only (CreateIssueOption.Labels is []int64); unknown dropped."""
        if not isinstance(values, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in values
        ):
            raise Invalid("CreateIssueOption", "labels", "labels must be a list of label ids")
        return [repo.labels[i] for i in dict.fromkeys(values) if i in repo.labels]

    def _assignees(self, repo: Repo, logins: list[str]) -> list[str]:
        """Check that each login may be assigned: an existing user with write access."""
        for login in logins:
            user = self.world.user(login)
            if user is None:
                raise Invalid("Issue", "assignees", f"user does not exist [name: {login}]")
            if not self.world.can_write(repo, user):
                raise Invalid("Issue", "assignees", f"user {login} does not have access to repo")
        return logins

    def _ref(self, req: Request, repo: Repo) -> None:
        ref = req.query.get("ref")
        if ref and ref not in (repo.default_branch, *(c.sha for c in repo.commits)):
            raise Missing(f"no such ref {ref}")

    def _between(self, req: Request, moment: datetime) -> bool:
        since, before = req.since_arg(), req.since_arg("before")
        return (since is None or moment >= since) and (before is None or moment <= before)

    # ---- users and repositories -------------------------------------------------

    def search_teams(self, req: Request, org: str) -> Response:
        if req.user is None:
            raise Unauthenticated("token is required")
        words = req.query.get("q", "").casefold()
        found = [
            {
                "id": t.id,
                "name": t.name,
                "description": "",
                "includes_all_repositories": False,
                "can_create_org_repo": False,
                "permission": "read",
            }
            for t in self.world.teams.values()
            if t.org.casefold() == org.casefold() and words in t.name.casefold()
        ]
        return Response(200, {"ok": True, "data": found})

    def list_team_members(self, req: Request, id: str) -> Response:
        if req.user is None:
            raise Unauthenticated("token is required")
        team = next((t for t in self.world.teams.values() if t.id == int(id)), None)
        if team is None:
            raise Missing("team does not exist")
        return self._page(req, team.members, lambda login: self.user_json(req, login))

    def get_user(self, req: Request) -> Response:
        if req.user is None:
            raise Unauthenticated("token is required")
        return Response(200, self.user_json(req, req.user.login))

    def get_repo(self, req: Request, owner: str, repo: str) -> Response:
        return Response(200, self.repo_json(req, self._repo(req, owner, repo)))

    def list_assignees(self, req: Request, owner: str, repo: str) -> Response:
        """Users with write access (GetAssignees): one unpaged answer."""
        found = self._repo(req, owner, repo)
        return Response(200, [self.user_json(req, u.login) for u in self.world.assignable(found)])

    def get_permission(self, req: Request, owner: str, repo: str, login: str) -> Response:
        """GetRepoPermissions: only for oneself, unless the caller administers the repository."""
        found = self._repo(req, owner, repo)
        if req.user is None:
            raise Unauthenticated("token is required")
        own = req.user.login.casefold() == login.casefold()
        if not own and self.world.permission(found, req.user) != "admin":
            return self._error(
                req,
                403,
                "Only admins can query all permissions, repo admins can query all repo "
                "permissions, collaborators can query only their own",
            )
        user = self.world.user(login)
        if user is None:
            raise Missing("user does not exist")
        level = self.world.permission(found, user)
        return Response(
            200,
            {
                "permission": level,
                "role_name": level,
                "user": self.user_json(req, user.login),
            },
        )

    # ---- labels ------------------------------------------------------------

    def list_labels(self, req: Request, owner: str, repo: str) -> Response:
        found = self._repo(req, owner, repo)
        labels = sorted(found.labels.values(), key=lambda lb: lb.name)
        return self._page(req, labels, lambda lb: self.label_json(req, found, lb))

    def create_label(self, req: Request, owner: str, repo: str) -> Response:
        found, _ = self._writable(req, owner, repo)
        name = req.body_str("name", required=True) or ""
        color = req.body_str("color", required=True) or ""
        # Gitea does not check that a label's name is unused: a second request with the
        # same name makes a second label (models/issues/label.go, NewLabel).
        label = self.world.create_label(
            found, name, color, req.body_str("description") or "", unique=False
        )
        return Response(201, self.label_json(req, found, label))

    def get_label(self, req: Request, owner: str, repo: str, id: str) -> Response:
        found = self._repo(req, owner, repo)
        # Anything that is not a number is looked up as a name (GetLabel in label.go).
        label = (
            self.world.label(found, id=int(id))
            if id.isdigit()
            else self.world.label(found, name=id)
        )
        return Response(200, self.label_json(req, found, label))

    def edit_label(self, req: Request, owner: str, repo: str, id: str) -> Response:
        found, _ = self._writable(req, owner, repo)
        label = self.world.label(found, id=int(id))
        self.world.edit_label(
            found,
            label,
            name=req.body_str("name"),
            color=req.body_str("color"),
            description=req.body_str("description"),
        )
        return Response(200, self.label_json(req, found, label))

    def delete_label(self, req: Request, owner: str, repo: str, id: str) -> Response:
        found, _ = self._writable(req, owner, repo)
        self.world.delete_label(found, self.world.label(found, id=int(id)))
        return Response(204)

    # ---- issues --------------------------------------------------------------

    def list_issues(self, req: Request, owner: str, repo: str) -> Response:
        found = self._repo(req, owner, repo)
        state = req.query.get("state", "open")
        kind = req.query.get("type", "")
        if state not in ("open", "closed", "all"):
            raise Invalid("Issue", "state", "state must be open, closed or all")
        if kind not in ("", "issues", "pulls"):
            raise Invalid("Issue", "type", "type must be issues or pulls")
        wanted = {n.strip().casefold() for n in req.query.get("labels", "").split(",") if n.strip()}
        creator = req.query.get("created_by", "").casefold()
        assigned = req.query.get("assigned_by", "").casefold()
        mentioned = req.query.get("mentioned_by", "").casefold()
        words = req.query.get("q", "").casefold()
        issues = [
            i
            for i in found.issues.values()
            if (state == "all" or i.state == state)
            and (kind == "" or i.is_pull == (kind == "pulls"))
            and self._between(req, i.updated_at)
            and wanted <= {found.labels[x].name.casefold() for x in i.labels}
            and (not creator or i.user.casefold() == creator)
            and (not assigned or assigned in {a.casefold() for a in i.assignees})
            and (not mentioned or mentions(found, i, mentioned))
            and (not words or words in (i.title + "\n" + i.body).casefold())
        ]
        issues.sort(key=lambda i: (i.created_at, i.number), reverse=True)
        return self._page(req, issues, lambda i: self.issue_json(req, found, i))

    def create_issue(self, req: Request, owner: str, repo: str) -> Response:
        found, user = self._writable(req, owner, repo)
        body = req.body_dict()
        labels = self._new_issue_labels(found, body.get("labels") or [])
        assignees = [str(a) for a in body.get("assignees") or []]
        if body.get("assignee"):
            assignees.append(str(body["assignee"]))
        self._assignees(found, assignees)
        issue = self.world.create_issue(
            found,
            user,
            req.body_str("title", required=True) or "",
            req.body_str("body") or "",
            labels,
            assignees,
            closed=bool(body.get("closed")),
        )
        return Response(201, self.issue_json(req, found, issue))

    def get_issue(self, req: Request, owner: str, repo: str, index: str) -> Response:
        found = self._repo(req, owner, repo)
        return Response(200, self.issue_json(req, found, self.world.issue(found, int(index))))

    def edit_issue(self, req: Request, owner: str, repo: str, index: str) -> Response:
        found, user = self._writable(req, owner, repo)
        issue = self.world.issue(found, int(index))
        body = req.body_dict()
        assignees = None
        if "assignees" in body:
            assignees = [str(a) for a in body["assignees"] or []]
        elif "assignee" in body:
            assignees = [str(body["assignee"])] if body["assignee"] else []
        if assignees is not None:
            self.world.set_assignees(found, issue, user, self._assignees(found, assignees))
        self.world.edit_issue(
            found, issue, user, req.body_str("title"), req.body_str("body"), req.body_str("state")
        )
        # Gitea answers an edit with 201 Created, as its swagger says.
        return Response(201, self.issue_json(req, found, issue))

    def pin_issue(self, req: Request, owner: str, repo: str, index: str) -> Response:
        found, _ = self._writable(req, owner, repo)
        self.world.pin(found, self.world.issue(found, int(index)))
        return Response(204)

    # ---- issue labels ---------------------------------------------------------

    def _issue_labels(self, req: Request, repo: Repo, issue: StoredIssue) -> Response:
        return Response(200, [self.label_json(req, repo, repo.labels[i]) for i in issue.labels])

    def list_issue_labels(self, req: Request, owner: str, repo: str, index: str) -> Response:
        found = self._repo(req, owner, repo)
        return self._issue_labels(req, found, self.world.issue(found, int(index)))

    def add_issue_labels(self, req: Request, owner: str, repo: str, index: str) -> Response:
        found, user = self._writable(req, owner, repo)
        issue = self.world.issue(found, int(index))
        self.world.add_labels(
            found, issue, user, self._labels_from(found, req.body_dict().get("labels") or [])
        )
        return self._issue_labels(req, found, issue)

    def set_issue_labels(self, req: Request, owner: str, repo: str, index: str) -> Response:
        found, user = self._writable(req, owner, repo)
        issue = self.world.issue(found, int(index))
        self.world.set_labels(
            found, issue, user, self._labels_from(found, req.body_dict().get("labels") or [])
        )
        return self._issue_labels(req, found, issue)

    def clear_issue_labels(self, req: Request, owner: str, repo: str, index: str) -> Response:
        found, user = self._writable(req, owner, repo)
        self.world.set_labels(found, self.world.issue(found, int(index)), user, [])
        return Response(204)

    def remove_issue_label(
        self, req: Request, owner: str, repo: str, index: str, id: str
    ) -> Response:
        found, user = self._writable(req, owner, repo)
        issue = self.world.issue(found, int(index))
        label = found.labels.get(int(id))
        if label is None:
            raise Invalid("Label", "id", f"label {id} does not exist")
        self.world.remove_label(found, issue, user, label)
        return Response(204)

    # ---- comments and the timeline ---------------------------------------------------

    def list_comments(self, req: Request, owner: str, repo: str, index: str) -> Response:
        found = self._repo(req, owner, repo)
        issue = self.world.issue(found, int(index))
        comments = [
            c for c in found.issue_comments(issue.number) if self._between(req, c.updated_at)
        ]
        return Response(
            200, [self.comment_json(req, found, c) for c in sorted(comments, key=lambda c: c.id)]
        )

    def list_repo_comments(self, req: Request, owner: str, repo: str) -> Response:
        found = self._repo(req, owner, repo)
        comments = [c for c in found.comments.values() if self._between(req, c.updated_at)]
        comments.sort(key=lambda c: (c.created_at, c.id))
        return self._page(req, comments, lambda c: self.comment_json(req, found, c))

    def create_comment(self, req: Request, owner: str, repo: str, index: str) -> Response:
        found, user = self._writable(req, owner, repo)
        issue = self.world.issue(found, int(index))
        comment = self.world.create_comment(
            found, issue, user, req.body_str("body", required=True) or ""
        )
        return Response(201, self.comment_json(req, found, comment))

    def timeline(self, req: Request, owner: str, repo: str, index: str) -> Response:
        found = self._repo(req, owner, repo)
        issue = self.world.issue(found, int(index))
        items: list[StoredComment | Event] = [
            *found.issue_comments(issue.number),
            *found.issue_events(issue.number),
        ]
        items = [i for i in items if self._between(req, i.created_at)]
        items.sort(key=lambda i: (i.created_at, i.id))
        return self._page(req, items, lambda i: self.timeline_json(req, found, i))

    # ---- contents --------------------------------------------------------------

    def get_contents(self, req: Request, owner: str, repo: str, filepath: str = "") -> Response:
        found = self._repo(req, owner, repo)
        self._ref(req, found)
        path = filepath.strip("/")
        file = found.files.get(path)
        if file is not None:
            return Response(200, self.contents_json(req, found, path, file, with_content=True))
        if not self.world.is_directory(found, path):
            raise Missing("Not Found")
        entries = self.world.listing(found, path)
        return Response(
            200, [self.contents_json(req, found, p, f, with_content=False) for p, f in entries]
        )

    def _file_response(
        self, req: Request, repo: Repo, path: str, commit: Commit, status: int
    ) -> Response:
        data = {
            "content": self.contents_json(req, repo, path, repo.files[path], with_content=True),
            "commit": self.commit_json(req, repo, commit),
            "verification": self.verification(),
        }
        return Response(status, data)

    def _message(self, req: Request, repo: Repo, default: str) -> str:
        branch = req.body_str("branch")
        if branch and branch != repo.default_branch:
            raise Missing(f"branch {branch} does not exist")
        return req.body_str("message") or default

    def create_file(self, req: Request, owner: str, repo: str, filepath: str) -> Response:
        found, user = self._writable(req, owner, repo)
        content = _decode(req.body_str("content", required=True) or "")
        message = self._message(req, found, f"Add {filepath}")
        commit = self.world.commit(
            found, user, message, [FileEdit(filepath, content, None, create_only=True)]
        )
        return self._file_response(req, found, filepath, commit, 201)

    def update_file(self, req: Request, owner: str, repo: str, filepath: str) -> Response:
        found, user = self._writable(req, owner, repo)
        content = _decode(req.body_str("content", required=True) or "")
        sha = req.body_str("sha") or None
        existed = filepath in found.files
        message = self._message(req, found, f"Update {filepath}")
        change = FileEdit(filepath, content, sha, create_only=sha is None and not existed)
        if change.create_only is False and sha is None:
            raise ShaMissing(f"sha is required to update {filepath}")
        commit = self.world.commit(found, user, message, [change])
        # Without a sha Gitea 1.27 creates the file (201); with one it updates it (200).
        return self._file_response(req, found, filepath, commit, 200 if existed else 201)

    def delete_file(self, req: Request, owner: str, repo: str, filepath: str) -> Response:
        found, user = self._writable(req, owner, repo)
        sha = req.body_str("sha", required=True)
        message = self._message(req, found, f"Delete {filepath}")
        commit = self.world.commit(
            found, user, message, [FileEdit(filepath, None, sha, must_exist=True)]
        )
        data = {
            "content": None,
            "commit": self.commit_json(req, found, commit),
            "verification": self.verification(),
        }
        return Response(200, data)

    def change_files(self, req: Request, owner: str, repo: str) -> Response:
        found, user = self._writable(req, owner, repo)
        operations = req.body_dict().get("files")
        if not isinstance(operations, list) or not operations:
            raise Invalid("Files", "files", "files must be a non-empty list")
        changes = []
        for op in operations:
            if (
                not isinstance(op, dict)
                or op.get("operation") not in OPERATIONS
                or not isinstance(op.get("path"), str)
            ):
                raise Invalid(
                    "Files",
                    "files",
                    "each file needs an operation (create, update, delete) and a path",
                )
            kind, path, sha = op["operation"], op["path"], op.get("sha") or None
            if kind == "delete":
                changes.append(FileEdit(path, None, sha, must_exist=True))
                if sha is None:
                    raise ShaMissing(f"sha is required to delete {path}")
                continue
            content = _decode(str(op.get("content") or ""))
            if kind == "create":
                changes.append(FileEdit(path, content, None, create_only=True))
            else:
                if sha is None:
                    raise ShaMissing(f"sha is required to update {path}")
                changes.append(FileEdit(path, content, sha, must_exist=True))
        commit = self.world.commit(found, user, self._message(req, found, "Change files"), changes)
        files = [
            self.contents_json(req, found, c.path, found.files[c.path], with_content=True)
            if c.content is not None
            else None
            for c in changes
        ]
        return Response(
            201,
            {
                "files": files,
                "commit": self.commit_json(req, found, commit),
                "verification": self.verification(),
            },
        )


def _decode(content: str) -> bytes:
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("File", "content", "content is not valid Base64") from None

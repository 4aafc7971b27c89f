"""The sandbox's seed file: users, repositories and their contents, validated.

A seed is YAML or JSON (JSON is read as YAML). Every mistake is reported in
Chinese with the file, line and field; `build_world` turns a valid seed into a
`World`, keeping the timestamps the seed gives.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from tracker.errors import InputError
from tracker.sandbox.state import (
    BEIJING,
    HEX_COLOR,
    Event,
    FileEdit,
    Settings,
    StoredComment,
    StoredIssue,
    StoredLabel,
    Team,
    World,
    utc_now,
)
from tracker.validation import LocatedError, Strict, validate_yaml

DEFAULT_ADMIN_TOKEN = "sandbox-admin-token"
DEFAULT_BOT_TOKEN = "sandbox-bot-token"
DEFAULT_REPO = "gdzz/support"

HINT = "沙箱种子文件的写法见 docs/admin/sandbox.md。"


class SeedUser(Strict):
    # `name[bot]` is how GitHub shows an app's account (github-actions[bot]); always a Bot.
    login: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*(\[bot\])?$")
    token: str | None = Field(default=None, min_length=1)
    type: Literal["User", "Bot"] = "User"
    name: str = ""
    email: str = ""

    @model_validator(mode="after")
    def _app_accounts_are_bots(self) -> SeedUser:
        if self.login.endswith("[bot]") and self.type != "Bot":
            raise LocatedError(("type",), "以 [bot] 结尾的账号是应用账号，type 应为 Bot")
        return self


class SeedLabel(Strict):
    name: str = Field(min_length=1)
    color: str = Field(pattern=HEX_COLOR.pattern)
    description: str = ""


class SeedComment(Strict):
    user: str = Field(min_length=1)
    body: str = Field(min_length=1)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # GitHub: the app the comment was made through (`performed_via_github_app`), by its slug.
    via_app: str = Field(default="", pattern=r"^([a-z0-9][a-z0-9-]*)?$")


class SeedIssue(Strict):
    number: int | None = Field(default=None, ge=1)
    title: str = Field(min_length=1)
    body: str = ""
    user: str = Field(min_length=1)
    labels: list[str] = []
    assignees: list[str] = []
    state: Literal["open", "closed"] = "open"
    created_at: datetime | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    pull_request: bool = False
    comments: list[SeedComment] = []

    @model_validator(mode="after")
    def _closed_at_matches_state(self) -> SeedIssue:
        if self.closed_at is not None and self.state != "closed":
            raise LocatedError(("closed_at",), "只有 state 为 closed 的问题才能填写 closed_at")
        return self


class SeedRepo(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    private: bool = True
    description: str = ""
    default_branch: str = Field(default="main", min_length=1)
    writers: list[str] | None = None
    admins: list[str] = []
    readers: list[str] | None = None
    labels: list[SeedLabel] = []
    issues: list[SeedIssue] = []
    files: dict[str, str] = {}

    @model_validator(mode="after")
    def _consistent(self) -> SeedRepo:
        names: set[str] = set()
        for i, label in enumerate(self.labels):
            if label.name.casefold() in names:
                raise LocatedError(("labels", i, "name"), f"标签 {label.name} 重复")
            names.add(label.name.casefold())
        numbers: set[int] = set()
        for i, issue in enumerate(self.issues):
            if issue.number is not None:
                if issue.number in numbers:
                    raise LocatedError(("issues", i, "number"), f"编号 {issue.number} 重复")
                numbers.add(issue.number)
            for j, name in enumerate(issue.labels):
                if name.casefold() not in names:
                    raise LocatedError(
                        ("issues", i, "labels", j), f"标签 {name} 未在本仓库的 labels 中定义"
                    )
        for path in self.files:
            parts = path.split("/")
            if path.startswith("/") or any(p in ("", ".", "..") for p in parts):
                raise LocatedError(
                    ("files", path), f"文件路径 {path} 无效（应为相对路径，如 a/b.yml）"
                )
        return self


class SeedSettings(Strict):
    github_rate_limit: int = Field(default=5000, ge=1)
    gitea_default_limit: int = Field(default=30, ge=1)
    gitea_max_limit: int = Field(default=50, ge=1)


class SeedTeam(Strict):
    """An organisation's team, e.g. the province's responders (policy sla.responder_team)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")  # org/team
    members: list[str] = []


class Seed(Strict):
    users: list[SeedUser] = []
    repos: list[SeedRepo] = []
    teams: list[SeedTeam] = []
    settings: SeedSettings = SeedSettings()

    @field_validator("users")
    @classmethod
    def _unique_users(cls, users: list[SeedUser]) -> list[SeedUser]:
        logins: set[str] = set()
        tokens: set[str] = set()
        for i, user in enumerate(users):
            if user.login.casefold() in logins:
                raise LocatedError((i, "login"), f"用户 {user.login} 重复")
            if user.token is not None and user.token in tokens:
                raise LocatedError((i, "token"), "令牌重复：每个用户的令牌应各不相同")
            logins.add(user.login.casefold())
            if user.token is not None:
                tokens.add(user.token)
        return users

    @field_validator("repos")
    @classmethod
    def _unique_repos(cls, repos: list[SeedRepo]) -> list[SeedRepo]:
        seen: set[str] = set()
        for i, repo in enumerate(repos):
            if repo.name.casefold() in seen:
                raise LocatedError((i, "name"), f"仓库 {repo.name} 重复")
            seen.add(repo.name.casefold())
        return repos


def default_seed() -> Seed:
    """Return the seed used without --seed: an admin, a bot and one private repository."""
    return Seed(
        users=[
            SeedUser(login="admin", token=DEFAULT_ADMIN_TOKEN),
            SeedUser(login="zzxt-bot", token=DEFAULT_BOT_TOKEN, type="Bot"),
        ],
        repos=[SeedRepo(name=DEFAULT_REPO, admins=["admin"])],
    )


def parse_seed(text: str, source: str) -> Seed:
    """Validate seed text (YAML or JSON); raise `InputError` in Chinese."""
    is_json = source.lower().endswith(".json") or text.lstrip().startswith(("{", "["))
    return validate_yaml(
        Seed,
        text,
        source,
        kind="沙箱种子文件",
        hint=HINT,
        error=InputError,
        syntax="JSON" if is_json else "YAML",
    )


def load_seed(path: Path) -> Seed:
    """Read and validate a seed file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"沙箱种子文件 {path} 不存在。") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"无法读取沙箱种子文件 {path}：{exc}") from None
    return parse_seed(text, str(path))


def build_world(seed: Seed) -> World:
    """Create a world holding everything the seed describes."""
    s = seed.settings
    world = World(Settings(s.github_rate_limit, s.gitea_default_limit, s.gitea_max_limit))
    for u in seed.users:
        world.add_user(u.login, u.token, u.type, u.name, u.email)
    for t in seed.teams:
        org, name = t.name.split("/", 1)
        world.teams[t.name.casefold()] = Team(world.next_id("team"), org, name, list(t.members))
        for login in t.members:
            world.ensure_user(login)
    for r in seed.repos:
        repo = world.add_repo(
            r.name, r.private, r.writers, r.description, r.default_branch, r.admins, r.readers
        )
        for login in [*(r.writers or []), *r.admins, *(r.readers or [])]:
            world.ensure_user(login)
        for sl in r.labels:
            label = StoredLabel(
                world.next_id("label"), sl.name, sl.color.lstrip("#").lower(), sl.description
            )
            repo.labels[label.id] = label
        numbers = [i.number for i in r.issues if i.number is not None]
        next_number = max(numbers, default=0) + 1
        for si in r.issues:
            number = si.number
            if number is None:
                number = next_number
                next_number += 1
            _seed_issue(world, repo.full_name, number, si)
        if r.files:
            author = (
                world.user(seed.users[0].login) if seed.users else world.ensure_user(repo.owner)
            )
            assert author is not None
            world.commit(
                repo,
                author,
                "初始文件",
                [
                    FileEdit(path, text.encode("utf-8"), None, create_only=True)
                    for path, text in sorted(r.files.items())
                ],
            )
    return world


def _aware(moment: datetime | None, default: datetime) -> datetime:
    if moment is None:
        return default
    if moment.tzinfo is None:  # a time without a zone is Beijing time, as everywhere in zzxt
        moment = moment.replace(tzinfo=BEIJING)
    return moment.astimezone(default.tzinfo).replace(microsecond=0)


def _seed_issue(world: World, full_name: str, number: int, si: SeedIssue) -> None:
    repo = world.repos[full_name.casefold()]
    now = utc_now()
    author = world.ensure_user(si.user)
    created = _aware(si.created_at, now)
    closed = _aware(si.closed_at, created) if si.state == "closed" else None
    issue = StoredIssue(
        world.next_id("issue"),
        number,
        si.title,
        si.body,
        author.login,
        created,
        created,
        si.state,
        closed,
        si.pull_request,
    )
    repo.issues[number] = issue
    latest = closed or created
    for name in si.labels:
        label = repo.label_by_name(name)
        assert label is not None  # checked by SeedRepo
        issue.labels.append(label.id)
        repo.events.append(
            Event(
                world.next_id("comment"),
                number,
                "labeled",
                author.login,
                created,
                label.id,
                label.name,
                label.color,
            )
        )
    for login in si.assignees:
        assignee = world.ensure_user(login)
        issue.assignees.append(assignee.login)
        repo.events.append(
            Event(
                world.next_id("comment"),
                number,
                "assigned",
                author.login,
                created,
                assignee=assignee.login,
            )
        )
    if closed is not None:
        repo.events.append(Event(world.next_id("comment"), number, "closed", author.login, closed))
    for sc in si.comments:
        commenter = world.ensure_user(sc.user)
        c_created = _aware(sc.created_at, created)
        c_updated = _aware(sc.updated_at, c_created)
        comment = StoredComment(
            world.next_id("comment"),
            number,
            commenter.login,
            sc.body,
            c_created,
            c_updated,
            sc.via_app,
        )
        repo.comments[comment.id] = comment
        latest = max(latest, c_updated)
    issue.updated_at = _aware(si.updated_at, latest)
    repo.events.sort(key=lambda e: (e.created_at, e.id))


__all__ = [
    "DEFAULT_ADMIN_TOKEN",
    "DEFAULT_BOT_TOKEN",
    "DEFAULT_REPO",
    "Seed",
    "build_world",
    "default_seed",
    "load_seed",
    "parse_seed",
]

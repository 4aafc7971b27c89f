"""What both API faces share: requests, responses, routing and pagination."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlencode

from tracker.sandbox.state import Account, Invalid, Repo, StoredComment, World

JSON = Any


@dataclass
class Request:
    method: str
    path: str  # as sent, percent-encoded, without the query
    query: dict[str, str]
    body: JSON
    base: str  # "http://host:port", as the client addressed us
    user: Account | None = None
    accept: str = ""  # the Accept header: GitHub's media types choose body, body_html, body_text

    def int_arg(self, name: str, default: int) -> int:
        value = self.query.get(name, "")
        try:
            return int(value) if value else default
        except ValueError:
            raise Invalid("Query", name, f"{name} must be an integer") from None

    def since_arg(self, name: str = "since") -> datetime | None:
        value = self.query.get(name)
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise Invalid("Query", name, f"{name} must be an ISO 8601 timestamp") from None
        if moment.tzinfo is None:
            raise Invalid("Query", name, f"{name} must include a time zone")
        return moment

    def body_dict(self) -> dict[str, JSON]:
        if self.body is None:
            return {}
        if not isinstance(self.body, dict):
            raise Invalid("Body", "body", "the request body must be a JSON object")
        return self.body

    def body_str(self, name: str, required: bool = False) -> str | None:
        value = self.body_dict().get(name)
        if value is None:
            if required:
                raise Invalid("Body", name, f"{name} is required")
            return None
        if not isinstance(value, str):
            raise Invalid("Body", name, f"{name} must be a string")
        return value


@dataclass
class Response:
    status: int
    body: JSON = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[..., Response]


@dataclass
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    """Match a method and a path relative to the API root to a handler.

    In templates `{name}` is one path segment, `{name:int}` a number and
    `{name:path}` the rest of the path (file paths, and GitHub label names,
    which PyGithub sends with their "/" unescaped). Routes are tried in the
    order they were added.
    """

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        def part(match: re.Match[str]) -> str:
            name, _, kind = match.group(1).partition(":")
            body = {"int": "[0-9]+", "path": ".+"}.get(kind, "[^/]+")
            return f"(?P<{name}>{body})"

        regex = re.sub(
            r"\{([a-z_:]+)\}", part, re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
        )
        self.routes.append(Route(method, template, re.compile(f"^{regex}$"), handler))

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        for route in self.routes:
            found = route.pattern.match(path)
            if found and route.method == method:
                return route.handler, {k: unquote(v) for k, v in found.groupdict().items()}
        return None


def paginate(
    req: Request,
    items: Sequence[Any],
    *,
    size_param: str,
    default: int,
    maximum: int,
    total_header: bool = False,
    render: Callable[[Any], JSON] | None = None,
) -> Response:
    """Answer one page of `items` with a `Link` header (and `X-Total-Count` if asked).

    `render` turns an item into JSON; only the items on the page are rendered, so a
    page of a 10,000-issue repository costs what a page costs.
    """
    size = req.int_arg(size_param, default)
    size = default if size <= 0 else min(size, maximum)
    page = max(req.int_arg("page", 1), 1)
    last = max((len(items) + size - 1) // size, 1)
    chunk = list(items[(page - 1) * size : page * size])
    if render is not None:
        chunk = [render(item) for item in chunk]

    def link(number: int, rel: str) -> str:
        query = {**req.query, "page": str(number)}
        return f'<{req.base}{req.path}?{urlencode(query)}>; rel="{rel}"'

    links = []
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links += [link(1, "first"), link(min(page - 1, last), "prev")]
    headers = {"Link": ", ".join(links)} if links else {}
    if total_header:
        headers["X-Total-Count"] = str(len(items))
    return Response(200, chunk, headers)


class Api:
    """One API face of the world: a URL prefix, its routes and its error format."""

    prefix = ""

    def __init__(self, world: World) -> None:
        self.world = world
        self.router = Router()

    def handle(self, req: Request, token: str | None) -> Response:
        raise NotImplementedError

    def comment_json(self, req: Request, repo: Repo, comment: StoredComment) -> dict[str, JSON]:
        raise NotImplementedError

    # Shared by both faces: the same semantics, each API's own JSON.

    def _repo(self, req: Request, owner: str, repo: str) -> Repo:
        return self.world.repo(owner, repo, req.user)

    def _writable(self, req: Request, owner: str, repo: str) -> tuple[Repo, Account]:
        found = self._repo(req, owner, repo)
        return found, self.world.require_write(found, req.user)

    def get_comment(self, req: Request, owner: str, repo: str, id: str) -> Response:
        found = self._repo(req, owner, repo)
        return Response(200, self.comment_json(req, found, self.world.comment(found, int(id))))

    def edit_comment(self, req: Request, owner: str, repo: str, id: str) -> Response:
        found, _ = self._writable(req, owner, repo)
        comment = self.world.comment(found, int(id))
        self.world.edit_comment(found, comment, req.body_str("body", required=True) or "")
        return Response(200, self.comment_json(req, found, comment))

    def delete_comment(self, req: Request, owner: str, repo: str, id: str) -> Response:
        found, _ = self._writable(req, owner, repo)
        self.world.delete_comment(found, self.world.comment(found, int(id)))
        return Response(204)

    def user_for(self, token: str | None) -> tuple[bool, Account | None]:
        """Return (token accepted, user); no token is accepted as anonymous."""
        if token is None:
            return True, None
        user = self.world.user_by_token(token)
        return user is not None, user

"""The sandbox's HTTP server: routing to the two API faces, faults and the request log.

The standard library's ThreadingHTTPServer is enough here: the sandbox serves
one developer, a test or a demo, and needs no dependency to install on an
intranet machine. Every API request is handled under the world's lock, so
requests from several threads see a consistent state.
"""

from __future__ import annotations

import json
import random
import socket
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tracker.sandbox.gitea_api import GiteaApi
from tracker.sandbox.gitea_api import stamp as gitea_stamp
from tracker.sandbox.github_api import GithubApi
from tracker.sandbox.routing import JSON, Api, Request, Response
from tracker.sandbox.seed import Seed, build_world, default_seed, load_seed
from tracker.sandbox.state import World

CONTROL = "/_sandbox"
# Query parameters that may carry a token (Gitea still accepts them); never logged.
SECRET_PARAMS = {"token", "access_token", "sudo"}
# Before handling: the request changes nothing.
FAULTS = ("502", "drop", "429")
# After handling: the request took effect, its answer never arrives.
LOST = ("lost-502", "lost-drop")


class Faults:
    """Decide, in arrival order and reproducibly, which API requests fail, and how.

    `rate` of the requests fail before they are handled (502, a closed
    connection, 429); `lost` of them are handled and then lose their answer
    (502 from a proxy, or the connection closes), which is what a real server
    behind a flaky network does to a write now and then.
    """

    def __init__(self, rate: float, seed: int, retry_after: int = 1, lost: float = 0.0) -> None:
        self.rate = rate
        self.lost = lost
        self.retry_after = retry_after  # seconds a 429 asks the client to wait
        self.random = random.Random(seed)
        self.lock = threading.Lock()

    def draw(self) -> str | None:
        if self.rate <= 0 and self.lost <= 0:
            return None
        with self.lock:
            draw = self.random.random()  # one draw per request, in arrival order
        if draw < self.rate:
            # The faulted share splits evenly between the three kinds.
            return FAULTS[min(int(draw / self.rate * len(FAULTS)), len(FAULTS) - 1)]
        draw -= self.rate
        if draw < self.lost:
            return LOST[min(int(draw / self.lost * len(LOST)), len(LOST) - 1)]
        return None


class RequestLog:
    """What API requests came in and how they were answered; never their credentials."""

    def __init__(self, record_bodies: bool) -> None:
        self.record_bodies = record_bodies
        self.entries: list[dict[str, JSON]] = []
        self.lock = threading.Lock()

    def add(self, req: Request, status: int, response_body: JSON) -> dict[str, JSON]:
        entry: dict[str, JSON] = {
            "method": req.method,
            "path": req.path,
            "query": {k: v for k, v in req.query.items() if k.lower() not in SECRET_PARAMS},
            "status": status,
        }
        if self.record_bodies:
            entry["request_body"] = req.body
            entry["response_body"] = response_body
        with self.lock:
            self.entries.append(entry)
        return entry

    def snapshot(self) -> list[dict[str, JSON]]:
        with self.lock:
            return list(self.entries)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        world: World,
        faults: Faults,
        log: RequestLog,
        on_request: Callable[[dict[str, JSON]], None] | None = None,
    ) -> None:
        super().__init__(address, Handler)
        self.world = world
        self.faults = faults
        self.log = log
        self.on_request = on_request
        self.apis: list[Api] = [GiteaApi(world), GithubApi(world)]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-answer is no error of ours; anything else is reported."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            return
        sys.stderr.write(f"沙箱处理请求时出错（{type(error).__name__}）：{error}\n")

    def netloc(self) -> str:
        host = self.server_address[0]
        return f"{host.decode() if isinstance(host, bytes) else host}:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: SandboxServer
    protocol_version = "HTTP/1.1"
    server_version = "zzxt-sandbox"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, delayed ACKs add 40 ms per request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the request log (and the CLI's own lines) replace the access log."""

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            body = None
            malformed = True
        else:
            malformed = False
        host = self.headers.get("Host") or self.server.netloc()
        req = Request(
            self.command,
            parts.path,
            dict(parse_qsl(parts.query)),
            body,
            f"http://{host}",
            accept=self.headers.get("Accept", ""),
        )
        if parts.path == CONTROL or parts.path.startswith(CONTROL + "/"):
            self._send(self._control(req))
            return
        api = next((a for a in self.server.apis if parts.path.startswith(a.prefix + "/")), None)
        if api is None:
            self._send(Response(404, {"message": "Not Found"}))
            return
        fault = self.server.faults.draw()
        if fault in LOST:
            # The request takes effect; then its answer is lost on the way back.
            if not malformed:
                with self.server.world.lock:
                    api.handle(req, self._token())
            if fault == "lost-drop":
                self._record(req, 0, None)
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            response = Response(502, {"message": "Bad Gateway"})
            if isinstance(api, GithubApi):
                with self.server.world.lock:
                    response.headers.update(api.rate_headers(api.user_for(self._token())[1]))
            self._record(req, response.status, response.body)
            self._send(response)
            return
        # Before any processing: a faulted request changes nothing.
        if fault == "drop":
            self._record(req, 0, None)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None:
            status = int(fault)
            response = Response(
                status, {"message": "Bad Gateway" if status == 502 else "Too Many Requests"}
            )
            if status == 429:
                response.headers["Retry-After"] = str(self.server.faults.retry_after)
            if isinstance(api, GithubApi):
                with self.server.world.lock:
                    response.headers.update(api.rate_headers(api.user_for(self._token())[1]))
        elif malformed:
            response = Response(400, {"message": "Problems parsing JSON"})
        else:
            with self.server.world.lock:
                response = api.handle(req, self._token())
        # Recorded before the answer goes out: once a client has its answer, the log holds the
        # request, so a test that clears the log afterwards sees exactly what followed.
        self._record(req, response.status, response.body)
        self._send(response)

    def _token(self) -> str | None:
        header = self.headers.get("Authorization", "")
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() in ("token", "bearer") and value.strip():
            return value.strip()
        # An unknown scheme is a credential we cannot accept: treat it like a wrong token.
        return "\x00invalid" if header else None

    def _record(self, req: Request, status: int, body: JSON) -> None:
        entry = self.server.log.add(req, status, body)
        if self.server.on_request is not None:
            self.server.on_request(entry)

    def _control(self, req: Request) -> Response:
        if req.path == CONTROL + "/requests":
            if req.method == "GET":
                return Response(200, self.server.log.snapshot())
            if req.method == "DELETE":
                self.server.log.clear()
                return Response(204)
        if req.path == CONTROL + "/state" and req.method == "GET":
            with self.server.world.lock:
                return Response(200, dump_state(self.server.world))
        return Response(404, {"message": "Not Found"})

    def _send(self, response: Response) -> None:
        payload = b""
        if response.body is not None or response.status not in (204, 304):
            payload = json.dumps(response.body, ensure_ascii=False).encode("utf-8")
        self.send_response(response.status)
        if payload:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)


def dump_state(world: World) -> dict[str, JSON]:
    """Return every repository's labels, issues, comments and files as plain JSON."""
    repos = {}
    for repo in world.repos.values():
        issues = []
        for issue in sorted(repo.issues.values(), key=lambda i: i.number):
            issues.append(
                {
                    "number": issue.number,
                    "title": issue.title,
                    "body": issue.body,
                    "user": issue.user,
                    "state": issue.state,
                    "pull_request": issue.is_pull,
                    "labels": [repo.labels[i].name for i in issue.labels],
                    "assignees": list(issue.assignees),
                    "created_at": gitea_stamp(issue.created_at),
                    "updated_at": gitea_stamp(issue.updated_at),
                    "closed_at": gitea_stamp(issue.closed_at),
                    "comments": [
                        {
                            "id": c.id,
                            "user": c.user,
                            "body": c.body,
                            "created_at": gitea_stamp(c.created_at),
                        }
                        for c in sorted(repo.issue_comments(issue.number), key=lambda c: c.id)
                    ],
                    "events": [
                        {
                            "event": e.event,
                            "actor": e.actor,
                            "label": e.label_name or None,
                            "assignee": e.assignee or None,
                        }
                        for e in repo.issue_events(issue.number)
                    ],
                }
            )
        repos[repo.full_name] = {
            "private": repo.private,
            "writers": repo.writers,
            "labels": [
                {"id": lb.id, "name": lb.name, "color": lb.color, "description": lb.description}
                for lb in sorted(repo.labels.values(), key=lambda lb: lb.id)
            ],
            "issues": issues,
            "files": {path: _text(f.content) for path, f in sorted(repo.files.items())},
            "commits": len(repo.commits),
        }
    users = [
        {"login": u.login, "type": u.type, "has_token": u.token is not None}
        for u in world.users.values()
    ]
    return {"users": users, "repos": repos}


def _text(content: bytes) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.hex()


class Sandbox:
    """A running sandbox forge on 127.0.0.1, for tests, demos and trials.

    >>> with Sandbox() as sb:  # doctest: +SKIP
    ...     httpx.get(sb.url + "/api/v1/user", headers={"Authorization": "token sandbox-admin-token"})
    """

    def __init__(
        self,
        seed: Seed | Path | str | None = None,
        *,
        faults: float = 0.0,
        fault_seed: int = 0,
        retry_after: int = 1,
        lost_answers: float = 0.0,
        record_bodies: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        on_request: Callable[[dict[str, JSON]], None] | None = None,
    ) -> None:
        if isinstance(seed, str | Path):
            seed = load_seed(Path(seed))
        self.seed = seed or default_seed()
        self.world = build_world(self.seed)
        self.log = RequestLog(record_bodies)
        self._faults = Faults(faults, fault_seed, retry_after, lost_answers)
        self._address = (host, port)
        self._on_request = on_request
        self._server: SandboxServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        return f"http://{self._server.netloc()}"

    def start(self) -> Sandbox:
        """Bind the port and serve in a background thread."""
        self._server = SandboxServer(
            self._address, self.world, self._faults, self.log, self._on_request
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="zzxt-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def wait(self) -> None:
        """Block until the sandbox stops; Ctrl-C interrupts the wait."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.5)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_fault_rate(self, rate: float, lost_answers: float | None = None) -> None:
        """Change the share of failing requests (and of lost answers), e.g. 0 for a clean rerun."""
        self._faults.rate = rate
        if lost_answers is not None:
            self._faults.lost = lost_answers

    def requests(self) -> list[dict[str, JSON]]:
        """Return the request log (the same list as GET /_sandbox/requests)."""
        return self.log.snapshot()

"""The sandbox's request log: once a client has its answer, the request is in the log.

Every "a rerun writes nothing" test clears the log between two runs. That is only
sound if no request of the first run can reach the log after the clear, so the
sandbox records each request before it answers, for every way of answering:
a normal answer, a refused one, a 502 or 429 fault, and a dropped connection.

The stress test shows the outcome; it rarely sees the race itself, because client
and server share one interpreter and the server thread usually logs before the
client thread runs again. The hook test is the one that fails every time the order
is reversed (scripts/mutate.py: sandbox-answer-then-log, sandbox-drop-then-log).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.support.faults import seed_failing_with
from tests.support.sandbox import STAFF, VIEWER, auth, request_log, seed
from tracker.sandbox import Sandbox

ROUNDS = 100
WRITES = 200
WORKERS = 8
ISSUE = "/api/v1/repos/gdzz/support/issues/1"
# How long the log hook waits for a client to get an answer it should not have yet.
GRACE = 0.3


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=seed()) as sb:
        yield sb


def clear(url: str) -> None:
    httpx.delete(url + "/_sandbox/requests").raise_for_status()


def test_a_cleared_log_holds_exactly_the_requests_that_followed(sandbox: Sandbox) -> None:
    """200 rapid writes, clear, one read: the log holds that read alone, 100 rounds running."""
    clients = [httpx.Client(base_url=sandbox.url, headers=auth(STAFF)) for _ in range(WORKERS)]

    def write(n: int) -> int:
        client = clients[n % WORKERS]
        return client.patch(ISSUE, json={"title": f"第 {n} 次修改"}).status_code

    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            for round_ in range(ROUNDS):
                statuses = list(pool.map(write, range(WRITES)))
                assert set(statuses) == {201}, statuses  # Gitea answers an issue edit with 201
                clear(sandbox.url)
                read = clients[0].get(ISSUE)
                assert read.status_code == 200
                log = request_log(sandbox.url)
                assert [(e["method"], e["path"]) for e in log] == [("GET", ISSUE)], (
                    f"round {round_ + 1}: {len(log)} entries after the clear"
                )
    finally:
        for client in clients:
            client.close()


class AnswerWatch:
    """A request-log hook that notes whether the client already had its answer.

    The hook runs as the sandbox logs a request. It waits a little for the client to
    say it got the answer: if the sandbox logs before it answers, the client cannot,
    and the wait runs out; if it answered first, the client says so at once.
    """

    def __init__(self) -> None:
        self.answered = threading.Event()
        self.early: list[bool] = []

    def __call__(self, entry: dict[str, Any]) -> None:
        self.early.append(self.answered.wait(GRACE))

    def send(self, request: Callable[[], Any]) -> Any:
        self.answered.clear()
        try:
            return request()
        except httpx.TransportError as exc:
            return exc
        finally:
            self.answered.set()


@pytest.mark.parametrize(
    ("faults", "kind", "token", "status"),
    [
        (0.0, "", STAFF, 201),
        (0.0, "", VIEWER, 403),
        (1.0, "502", STAFF, 502),
        (1.0, "429", STAFF, 429),
        (1.0, "drop", STAFF, 0),
    ],
    ids=["写入", "无权限", "502", "429", "断开"],
)
def test_every_answer_comes_after_its_log_entry(
    faults: float, kind: str, token: str, status: int
) -> None:
    watch = AnswerWatch()
    fault_seed = seed_failing_with(kind) if kind else 0
    with (
        Sandbox(
            seed=seed(), faults=faults, fault_seed=fault_seed, retry_after=0, on_request=watch
        ) as sb,
        httpx.Client(base_url=sb.url, headers=auth(token)) as client,
    ):
        for n in range(3):
            answer = watch.send(lambda n=n: client.patch(ISSUE, json={"title": f"{n}"}))
            got = 0 if isinstance(answer, httpx.TransportError) else answer.status_code
            assert got == status, answer
    assert watch.early == [False, False, False]


@pytest.mark.parametrize(
    ("kind", "status"), [("502", 502), ("429", 429), ("drop", 0)], ids=["502", "429", "断开"]
)
def test_faulted_requests_are_logged_and_change_nothing(kind: str, status: int) -> None:
    seed_number = seed_failing_with(kind)
    with (
        Sandbox(seed=seed(), faults=1.0, fault_seed=seed_number, retry_after=0) as sb,
        httpx.Client(base_url=sb.url, headers=auth(STAFF)) as client,
    ):
        for n in range(8):  # the seed fails this many requests in this way
            clear(sb.url)
            answer: Any
            try:
                answer = client.patch(ISSUE, json={"title": f"{n}"})
            except httpx.TransportError as exc:
                answer = exc
            if kind == "drop":
                assert isinstance(answer, httpx.TransportError), answer
            else:
                assert answer.status_code == status
            assert [(e["method"], e["status"]) for e in request_log(sb.url)] == [("PATCH", status)]
        sb.set_fault_rate(0.0)
        title = client.get(ISSUE).json()["title"]
        assert title == "广州市-高等教育-应用类问题：无法登录"


def test_the_sandbox_own_endpoints_are_not_logged(sandbox: Sandbox) -> None:
    clear(sandbox.url)
    httpx.get(sandbox.url + "/_sandbox/state").raise_for_status()
    request_log(sandbox.url)
    assert httpx.get(sandbox.url + "/not-an-api").status_code == 404
    assert request_log(sandbox.url) == []

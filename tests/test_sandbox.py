"""The sandbox forge over real sockets: auth, permissions, pagination, since, faults, the log."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.sandbox import BOT, SEED_YAML, STAFF, VIEWER, auth, request_log, seed, state
from tracker.sandbox import Sandbox, Seed

REPO1 = "/api/v1/repos/gdzz/support"
REPO3 = "/api/v3/repos/gdzz/support"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed(), record_bodies=True) as box:
        yield box


@pytest.fixture
def client(sb: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sb.url, headers=auth(STAFF)) as c:
        yield c


def big_seed(labels: int, issues: int, rate_limit: int = 5000) -> Seed:
    data: dict[str, Any] = {
        "users": [{"login": "staff1", "token": STAFF}],
        "settings": {"github_rate_limit": rate_limit},
        "repos": [
            {
                "name": "gdzz/support",
                "labels": [{"name": f"标签{n:03}", "color": "ededed"} for n in range(labels)],
                "issues": [
                    {
                        "title": f"问题 {n}",
                        "user": "staff1",
                        "pull_request": n % 4 == 0,
                        "created_at": f"2025-10-01T{n // 60:02}:{n % 60:02}:00+08:00",
                    }
                    for n in range(issues)
                ],
            }
        ],
    }
    return Seed.model_validate(data)


def links(response: httpx.Response) -> dict[str, str]:
    return {rel: str(link["url"]) for rel, link in response.links.items()}


# ---- authentication and permissions ---------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "body"),
    [
        ("/api/v1", {"message": "user does not exist or the token is invalid"}),
        ("/api/v3", {"message": "Bad credentials", "status": "401"}),
    ],
    ids=["gitea", "github"],
)
def test_an_unknown_token_is_401_in_each_apis_format(
    sb: Sandbox, prefix: str, body: dict[str, str]
) -> None:
    response = httpx.get(sb.url + prefix + "/user", headers=auth("t-wrong"))
    assert response.status_code == 401
    assert body.items() <= response.json().items()


@pytest.mark.parametrize("scheme", ["token", "Bearer"])
def test_token_and_bearer_both_work(sb: Sandbox, scheme: str) -> None:
    for prefix in ("/api/v1", "/api/v3"):
        response = httpx.get(
            sb.url + prefix + "/user", headers={"Authorization": f"{scheme} {STAFF}"}
        )
        assert response.json()["login"] == "staff1"


def test_a_private_repository_is_404_to_anonymous_callers(sb: Sandbox) -> None:
    for path in (REPO1, REPO3, REPO1 + "/issues", REPO3 + "/issues/1"):
        assert httpx.get(sb.url + path).status_code == 404
    public = httpx.get(sb.url + "/api/v3/repos/gdzz/public").json()
    assert public["private"] is False
    assert "permissions" not in public
    assert httpx.get(sb.url + "/api/v1/repos/gdzz/public/issues").status_code == 200
    assert (
        httpx.post(sb.url + "/api/v1/repos/gdzz/public/issues", json={"title": "x"}).status_code
        == 401
    )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", REPO1 + "/labels", {"name": "x", "color": "ffffff"}),
        ("POST", REPO3 + "/labels", {"name": "x", "color": "ffffff"}),
        ("POST", REPO1 + "/issues/1/comments", {"body": "我来答复"}),
        ("POST", REPO3 + "/issues/1/comments", {"body": "我来答复"}),
        ("PATCH", REPO3 + "/issues/1", {"state": "closed"}),
        ("PUT", REPO3 + "/contents/a.md", {"message": "m", "content": "YQ=="}),
        (
            "POST",
            REPO1 + "/contents",
            {"files": [{"operation": "create", "path": "a.md", "content": "YQ=="}]},
        ),
    ],
    ids=[
        "gitea-label",
        "github-label",
        "gitea-comment",
        "github-comment",
        "github-close",
        "github-file",
        "gitea-files",
    ],
)
def test_non_writers_get_403_and_change_nothing(
    sb: Sandbox, method: str, path: str, body: Any
) -> None:
    before = state(sb.url)["repos"]["gdzz/support"]
    response = httpx.request(method, sb.url + path, json=body, headers=auth(VIEWER))
    assert response.status_code == 403
    assert state(sb.url)["repos"]["gdzz/support"] == before
    repo = httpx.get(sb.url + REPO3, headers=auth(VIEWER)).json()
    assert repo["permissions"]["push"] is False


def test_bots_are_users_of_type_bot_on_github(sb: Sandbox) -> None:
    bot = httpx.get(sb.url + "/api/v3/user", headers=auth(BOT)).json()
    assert (bot["login"], bot["type"]) == ("zzxt-bot", "Bot")
    comments = httpx.get(sb.url + REPO3 + "/issues/3/comments", headers=auth(STAFF)).json()
    assert comments[0]["user"]["type"] == "Bot"
    # Gitea's API has no user type: a bot is recognised by its login.
    assert "type" not in httpx.get(sb.url + "/api/v1/user", headers=auth(BOT)).json()


# ---- pagination, since, pull requests ----------------------------------------------------


def test_github_pages_default_30_at_most_100_with_absolute_links() -> None:
    with (
        Sandbox(big_seed(labels=130, issues=0)) as box,
        httpx.Client(base_url=box.url, headers=auth(STAFF)) as c,
    ):
        first = c.get(REPO3 + "/labels")
        assert len(first.json()) == 30
        assert links(first) == {
            "next": f"{box.url}{REPO3}/labels?page=2",
            "last": f"{box.url}{REPO3}/labels?page=5",
        }
        capped = c.get(REPO3 + "/labels", params={"per_page": 500})
        assert len(capped.json()) == 100
        last = c.get(links(capped)["next"])
        assert [lb["name"] for lb in last.json()] == [f"标签{n}" for n in range(100, 130)]
        assert links(last) == {
            "first": f"{box.url}{REPO3}/labels?per_page=500&page=1",
            "prev": f"{box.url}{REPO3}/labels?per_page=500&page=1",
        }
        assert "X-Total-Count" not in last.headers


def test_gitea_pages_default_30_at_most_50_with_total_count() -> None:
    with (
        Sandbox(big_seed(labels=0, issues=120)) as box,
        httpx.Client(base_url=box.url, headers=auth(STAFF)) as c,
    ):
        first = c.get(REPO1 + "/issues", params={"state": "all"})
        assert len(first.json()) == 30
        assert first.headers["X-Total-Count"] == "120"
        capped = c.get(REPO1 + "/issues", params={"state": "all", "limit": 100, "page": 3})
        assert len(capped.json()) == 20
        assert capped.headers["X-Total-Count"] == "120"
        assert set(links(capped)) == {"first", "prev"}
        assert links(capped)["prev"] == f"{box.url}{REPO1}/issues?state=all&limit=100&page=2"


def test_pull_requests_are_in_issue_lists_and_gitea_filters_them() -> None:
    with (
        Sandbox(big_seed(labels=0, issues=8)) as box,
        httpx.Client(base_url=box.url, headers=auth(STAFF)) as c,
    ):
        github = c.get(REPO3 + "/issues").json()
        assert len(github) == 8
        assert sorted(i["number"] for i in github if "pull_request" in i) == [1, 5]
        gitea = c.get(REPO1 + "/issues").json()
        assert sorted(i["number"] for i in gitea if i["pull_request"]) == [1, 5]
        only_issues = c.get(REPO1 + "/issues", params={"type": "issues"})
        assert sorted(i["number"] for i in only_issues.json()) == [2, 3, 4, 6, 7, 8]
        assert only_issues.headers["X-Total-Count"] == "6"
        assert [i["number"] for i in c.get(REPO1 + "/issues", params={"type": "pulls"}).json()] == [
            5,
            1,
        ]


def test_issue_state_filter_and_order(client: httpx.Client) -> None:
    assert [i["number"] for i in client.get(REPO3 + "/issues").json()] == [2, 1]
    assert [
        i["number"] for i in client.get(REPO3 + "/issues", params={"state": "closed"}).json()
    ] == [3]
    everything = client.get(REPO3 + "/issues", params={"state": "all", "direction": "asc"}).json()
    assert [i["number"] for i in everything] == [3, 1, 2]


def test_since_filters_by_updated_at() -> None:
    with Sandbox(seed()) as box, httpx.Client(base_url=box.url, headers=auth(STAFF)) as c:
        since = {"since": "2025-10-05T00:00:00+08:00", "state": "all"}
        # Issue 1 was created before but commented on 2025-10-09; issue 2 is newer; 3 is older.
        assert sorted(i["number"] for i in c.get(REPO3 + "/issues", params=since).json()) == [1]
        assert sorted(i["number"] for i in c.get(REPO1 + "/issues", params=since).json()) == [1]
        assert [x["body"] for x in c.get(REPO3 + "/issues/comments", params=since).json()] == [
            "已收到"
        ]
        assert [x["body"] for x in c.get(REPO1 + "/issues/comments", params=since).json()] == [
            "已收到"
        ]
        # Editing an old comment bumps its updated_at and the issue's, so both show up again.
        old = c.get(REPO1 + "/issues/3/comments").json()[0]
        assert (
            c.patch(
                f"{REPO3}/issues/comments/{old['id']}", json={"body": "已超期提醒（更正）"}
            ).status_code
            == 200
        )
        assert sorted(i["number"] for i in c.get(REPO3 + "/issues", params=since).json()) == [1, 3]
        assert len(c.get(REPO1 + "/issues/comments", params=since).json()) == 2
        everything = c.get(
            REPO3 + "/issues/comments", params={"sort": "created", "direction": "desc"}
        ).json()
        assert [x["body"] for x in everything] == ["已收到", "已超期提醒（更正）"]


def test_updated_at_bumps_on_every_change() -> None:
    with Sandbox(seed()) as box, httpx.Client(base_url=box.url, headers=auth(STAFF)) as c:
        before = c.get(REPO3 + "/issues/1").json()["updated_at"]
        assert before == "2025-10-09T01:00:00Z"
        c.post(REPO1 + "/issues/1/labels", json={"labels": ["状态/待受理"]})
        after = c.get(REPO3 + "/issues/1").json()["updated_at"]
        assert after > before
        assert c.get(REPO3).json()["updated_at"] == after


# ---- labels and history ----------------------------------------------------------


def test_duplicate_label_names_github_refuses_gitea_makes_a_second(client: httpx.Client) -> None:
    github = client.post(REPO3 + "/labels", json={"name": "类别/应用类问题", "color": "000000"})
    assert github.status_code == 422
    assert github.json()["errors"] == [
        {"resource": "Label", "code": "already_exists", "field": "name"}
    ]
    # Gitea's NewLabel inserts without looking for the name: a second label, 201.
    gitea = client.post(REPO1 + "/labels", json={"name": "类别/应用类问题", "color": "#000000"})
    assert gitea.status_code == 201
    names = [lb["name"] for lb in client.get(REPO1 + "/labels").json()]
    assert names.count("类别/应用类问题") == 2


def test_one_label_two_addresses_and_its_history(client: httpx.Client) -> None:
    created = client.post(
        REPO1 + "/labels", json={"name": "地市/广州市", "color": "#00aabb"}
    ).json()
    by_name = client.get(REPO3 + "/labels/%E5%9C%B0%E5%B8%82%2F%E5%B9%BF%E5%B7%9E%E5%B8%82").json()
    assert (by_name["id"], by_name["color"]) == (created["id"], "00aabb")
    issue = client.post(REPO1 + "/issues", json={"title": "历史", "labels": [created["id"]]}).json()
    path = f"/issues/{issue['number']}"
    # Gitea >= 1.22 accepts names when adding; removing one label is by id only.
    assert (
        client.post(REPO1 + path + "/labels", json={"labels": ["状态/待受理"]}).status_code == 200
    )
    assert client.delete(f"{REPO1}{path}/labels/{created['id']}").status_code == 204
    remaining = client.delete(REPO3 + path + "/labels/状态/待受理")  # PyGithub leaves "/" unescaped
    assert remaining.status_code == 200
    assert remaining.json() == []
    events = client.get(REPO3 + path + "/events").json()
    assert [(e["event"], e["label"]["name"], e["actor"]["login"]) for e in events] == [
        ("labeled", "地市/广州市", "staff1"),
        ("labeled", "状态/待受理", "staff1"),
        ("unlabeled", "地市/广州市", "staff1"),
        ("unlabeled", "状态/待受理", "staff1"),
    ]
    client.post(REPO1 + path + "/comments", json={"body": "已处理"})
    timeline = client.get(REPO1 + path + "/timeline").json()
    assert [(t["type"], t["body"]) for t in timeline] == [
        ("label", "1"),
        ("label", "1"),
        ("label", ""),
        ("label", ""),
        ("comment", "已处理"),
    ]
    assert timeline[0]["label"]["name"] == "地市/广州市"


def test_assignees_and_closing_through_both_apis(client: httpx.Client) -> None:
    number = client.post(REPO3 + "/issues", json={"title": "指派"}).json()["number"]
    assigned = client.post(
        f"{REPO3}/issues/{number}/assignees", json={"assignees": ["staff1", "nobody"]}
    )
    assert assigned.status_code == 201
    assert [a["login"] for a in assigned.json()["assignees"]] == ["staff1"]
    edited = client.patch(
        f"{REPO1}/issues/{number}", json={"assignees": ["zzxt-bot"], "state": "closed"}
    )
    assert edited.status_code == 201  # Gitea answers an edit with 201
    assert [a["login"] for a in edited.json()["assignees"]] == ["zzxt-bot"]
    events = [e["event"] for e in client.get(f"{REPO3}/issues/{number}/events").json()]
    assert events == ["assigned", "unassigned", "assigned", "closed"]
    assert client.get(f"{REPO1}/issues/{number}").json()["closed_at"] is not None


# ---- contents ------------------------------------------------------------------------


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_github_contents_create_update_and_stale_sha(client: httpx.Client, sb: Sandbox) -> None:
    path = REPO3 + "/contents/.github/ISSUE_TEMPLATE/config.yml"
    created = client.put(
        path, json={"message": "添加", "content": b64("blank_issues_enabled: false\n")}
    )
    assert created.status_code == 201
    sha = created.json()["content"]["sha"]
    got = client.get(path).json()
    assert (got["sha"], got["encoding"]) == (sha, "base64")
    assert base64.b64decode(got["content"]) == b"blank_issues_enabled: false\n"
    assert client.put(path, json={"message": "改", "content": b64("x")}).status_code == 422
    updated = client.put(path, json={"message": "改", "content": b64("x"), "sha": sha})
    assert updated.status_code == 200
    assert (
        client.put(path, json={"message": "改", "content": b64("y"), "sha": sha}).status_code == 409
    )
    listing = client.get(REPO3 + "/contents/.github/ISSUE_TEMPLATE").json()
    assert [e["name"] for e in listing] == ["config.yml"]
    gone = client.request(
        "DELETE", path, json={"message": "删", "sha": updated.json()["content"]["sha"]}
    )
    assert gone.status_code == 200
    assert client.get(path).status_code == 404


def test_the_sha_is_gits_blob_id(client: httpx.Client) -> None:
    made = client.put(REPO3 + "/contents/x.txt", json={"message": "m", "content": b64("x")}).json()
    assert made["content"]["sha"] == hashlib.sha1(b"blob 1\x00x").hexdigest()  # `git hash-object`


def test_gitea_contents_and_several_files_in_one_commit(client: httpx.Client, sb: Sandbox) -> None:
    before = state(sb.url)["repos"]["gdzz/support"]["commits"]
    created = client.post(
        REPO1 + "/contents/.gitea/ISSUE_TEMPLATE/a.yml", json={"content": b64("a")}
    )
    assert created.status_code == 201
    sha = created.json()["content"]["sha"]
    assert (
        client.post(
            REPO1 + "/contents/.gitea/ISSUE_TEMPLATE/a.yml", json={"content": b64("a")}
        ).status_code
        == 422
    )
    stale = client.put(
        REPO1 + "/contents/.gitea/ISSUE_TEMPLATE/a.yml", json={"content": b64("b"), "sha": "0" * 40}
    )
    assert stale.status_code == 422
    updated = client.put(
        REPO1 + "/contents/.gitea/ISSUE_TEMPLATE/a.yml", json={"content": b64("b"), "sha": sha}
    )
    assert updated.status_code == 200
    files = [
        {"operation": "create", "path": ".gitea/ISSUE_TEMPLATE/b.yml", "content": b64("b")},
        {
            "operation": "update",
            "path": ".gitea/ISSUE_TEMPLATE/a.yml",
            "content": b64("c"),
            "sha": updated.json()["content"]["sha"],
        },
        {
            "operation": "delete",
            "path": "README.md",
            "sha": client.get(REPO1 + "/contents/README.md").json()["sha"],
        },
    ]
    batch = client.post(REPO1 + "/contents", json={"message": "同步表单", "files": files})
    assert batch.status_code == 201
    assert batch.json()["files"][2] is None
    repo = state(sb.url)["repos"]["gdzz/support"]
    assert repo["commits"] == before + 3
    assert {p: t for p, t in repo["files"].items() if p.startswith(".gitea")} == {
        ".gitea/ISSUE_TEMPLATE/a.yml": "c",
        ".gitea/ISSUE_TEMPLATE/b.yml": "b",
    }
    assert "README.md" not in repo["files"]
    # One stale sha refuses the whole commit.
    files = [
        {"operation": "create", "path": "c.yml", "content": b64("c")},
        {
            "operation": "update",
            "path": ".gitea/ISSUE_TEMPLATE/a.yml",
            "content": b64("d"),
            "sha": sha,
        },
    ]
    assert client.post(REPO1 + "/contents", json={"files": files}).status_code == 422
    assert state(sb.url)["repos"]["gdzz/support"]["commits"] == before + 3
    root = {e["name"]: e["type"] for e in client.get(REPO1 + "/contents").json()}
    assert root[".gitea"] == "dir"
    assert "README.md" not in root


# ---- rate limit ----------------------------------------------------------------------


def test_rate_limit_headers_everywhere_and_403_when_exhausted() -> None:
    with (
        Sandbox(big_seed(labels=1, issues=0, rate_limit=3)) as box,
        httpx.Client(base_url=box.url, headers=auth(STAFF)) as c,
    ):
        answers = [c.get(REPO3 + "/labels"), c.get(REPO3 + "/nope"), c.get(REPO3 + "/issues/99")]
        assert [r.headers["x-ratelimit-remaining"] for r in answers] == ["2", "1", "0"]
        assert all(r.headers["x-ratelimit-limit"] == "3" for r in answers)
        assert all(r.headers["x-ratelimit-resource"] == "core" for r in answers)
        assert answers[0].headers["x-ratelimit-used"] == "1"
        exhausted = c.get(REPO3 + "/labels")
        assert exhausted.status_code == 403
        assert "rate limit" in exhausted.json()["message"]
        assert exhausted.headers["x-ratelimit-remaining"] == "0"
        overview = c.get("/api/v3/rate_limit")  # does not count
        assert overview.status_code == 200
        assert overview.json()["resources"]["core"]["remaining"] == 0
        assert int(overview.json()["rate"]["reset"]) == int(exhausted.headers["x-ratelimit-reset"])
        assert "x-ratelimit-limit" not in c.get(REPO1 + "/labels").headers  # Gitea has none
        bad = httpx.get(box.url + "/api/v3/user", headers=auth("wrong"))
        assert bad.headers["x-ratelimit-limit"] == "60"


# ---- faults -------------------------------------------------------------------------


def run_session(box: Sandbox) -> list[int]:
    statuses = []
    with httpx.Client(base_url=box.url, headers=auth(STAFF)) as client:
        for _ in range(40):
            try:
                response = client.get(REPO1 + "/labels")
                statuses.append(response.status_code)
                if response.status_code == 429:
                    assert response.headers["Retry-After"] == "1"
                if response.status_code == 502:
                    assert "message" in response.json()
            except httpx.RemoteProtocolError:
                statuses.append(0)
            assert client.get("/_sandbox/state").status_code == 200  # never faulted
    return statuses


def test_faults_are_deterministic_for_a_seed() -> None:
    with Sandbox(seed(), faults=0.3, fault_seed=1) as one:
        first = run_session(one)
        logged = [e["status"] for e in request_log(one.url)]
    with Sandbox(seed(), faults=0.3, fault_seed=1) as two:
        second = run_session(two)
    assert first == second == logged
    assert {0, 200, 429, 502} == set(first)
    with Sandbox(seed(), faults=0.3, fault_seed=2) as other:
        assert run_session(other) != first


def test_a_faulted_request_changes_nothing() -> None:
    with Sandbox(seed(), faults=1.0, fault_seed=1) as box:
        for n in range(5):
            try:
                httpx.post(
                    box.url + REPO1 + "/labels",
                    json={"name": f"x{n}", "color": "ffffff"},
                    headers=auth(STAFF),
                )
            except httpx.RemoteProtocolError:
                pass
        assert len(state(box.url)["repos"]["gdzz/support"]["labels"]) == 2
        assert len(request_log(box.url)) == 5


def test_a_dropped_connection_really_drops() -> None:
    with Sandbox(seed(), faults=1.0, fault_seed=0) as box:
        host, port = urlsplit(box.url).netloc.split(":")
        drops = 0
        for _ in range(10):
            connection = http.client.HTTPConnection(host, int(port), timeout=5)
            connection.request("GET", REPO1 + "/labels", headers=auth(STAFF))
            try:
                connection.getresponse().read()
            except (http.client.RemoteDisconnected, ConnectionResetError):
                drops += 1
            connection.close()
        assert drops == sum(1 for e in request_log(box.url) if e["status"] == 0) > 0


# ---- the request log and the control endpoints ---------------------------------------


def test_the_request_log_records_exchanges_but_never_tokens(sb: Sandbox) -> None:
    httpx.delete(sb.url + "/_sandbox/requests")
    httpx.get(sb.url + REPO1 + "/labels", params={"limit": 1, "token": STAFF}, headers=auth(STAFF))
    httpx.get(sb.url + "/api/v3/user", headers=auth("t-secret-wrong"))
    httpx.post(
        sb.url + REPO3 + "/issues",
        json={"title": "日志"},
        headers={"Authorization": f"Bearer {BOT}"},
    )
    log = request_log(sb.url)
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", REPO1 + "/labels", 200),
        ("GET", "/api/v3/user", 401),
        ("POST", REPO3 + "/issues", 201),
    ]
    assert log[0]["query"] == {"limit": "1"}
    assert log[2]["request_body"] == {"title": "日志"}
    assert log[2]["response_body"]["user"]["login"] == "zzxt-bot"
    text = json.dumps(log, ensure_ascii=False)
    for token in (STAFF, BOT, "t-secret-wrong"):
        assert token not in text
    assert httpx.delete(sb.url + "/_sandbox/requests").status_code == 204
    assert request_log(sb.url) == []


def test_the_log_leaves_bodies_out_unless_asked() -> None:
    with Sandbox(seed()) as box:
        httpx.get(box.url + REPO1 + "/labels", headers=auth(STAFF))
        assert request_log(box.url) == [
            {"method": "GET", "path": REPO1 + "/labels", "query": {}, "status": 200}
        ]


def _ignore_sigint() -> None:
    # What a script's `zzxt sandbox &` gets: background jobs start with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "kill"])
def test_the_cli_prints_urls_and_users_and_never_a_callers_token(
    tmp_path: Path, stop: signal.Signals
) -> None:
    seed_file = tmp_path / "seed.yml"
    seed_file.write_text(SEED_YAML, "utf-8")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "tracker", "sandbox", "--port", "0", "--seed", str(seed_file)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=_ignore_sigint,
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        banner = [process.stdout.readline()]
        while banner[-1] and not banner[-1].startswith("按 Ctrl-C"):
            banner.append(process.stdout.readline())
        assert banner[0].startswith("沙箱已启动：http://127.0.0.1:")
        url = banner[0].split("：", 1)[1].strip()
        httpx.get(url + "/api/v3/user", headers=auth("t-caller-secret"))
        httpx.get(url + "/api/v1/user", params={"token": "t-query-secret"}, headers=auth(STAFF))
    finally:
        process.send_signal(stop)
        try:
            rest, err = process.communicate(timeout=60)  # a loaded machine stops slowly
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise
    out = "".join(banner) + rest
    assert f"  Gitea API： {url}/api/v1\n" in out
    assert f"  GitHub API：{url}/api/v3\n" in out
    assert "  zzxt-bot，机器人：tk-bot\n" in out
    assert "  alice" not in out  # not under users: no token to show
    assert "  gdzz/support（私有，可写：staff1、zzxt-bot）\n" in out
    assert out.endswith("沙箱已停止。\n")
    assert "GET /api/v3/user 401\n" in err
    for secret in ("t-caller-secret", "t-query-secret"):
        assert secret not in out + err
    assert process.returncode == 0

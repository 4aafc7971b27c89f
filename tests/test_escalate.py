"""`zzxt escalate` and `zzxt mirror` end to end: a city tracker and a province tracker in the
sandbox, on the same forge kind and across kinds, over real sockets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import Invoke
from tests.support.sandbox import forge_args
from tests.support.tiers import (
    CITY_BOT,
    CITY_REPO,
    CITY_UP,
    PROVINCE_REPO,
    PROVINCE_STAFF,
    STUDENT_ID,
    city_policy,
    clear_log,
    client,
    issue_state,
    open_city_issue,
    repo_state,
    sandbox,
    sync_both,
    writes,
)
from tracker.sandbox import Sandbox

# (city's forge, province's forge): the same kind, and each kind on either side.
PAIRS = [("gitea", "gitea"), ("gitea", "github"), ("github", "gitea")]
IDS = ["both-gitea", "city-gitea-province-github", "city-github-province-gitea"]


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with sandbox() as sb:
        yield sb


def run(invoke: Invoke, sb: Sandbox, policy: Path, city: str, command: str, *args: str) -> Any:
    return invoke(
        "--policy",
        str(policy),
        command,
        *forge_args(sb.url, city, repo=CITY_REPO),
        *args,
        env={"ZZXT_TOKEN": CITY_BOT, "ZZXT_UPSTREAM_TOKEN": CITY_UP, "ZZXT_RETRY_BACKOFF": "0.01"},
    )


def bot_issues(url: str) -> list[dict[str, Any]]:
    return [i for i in repo_state(url, PROVINCE_REPO)["issues"] if i["user"] == "fs-up"]


@pytest.mark.parametrize(("city", "province"), PAIRS, ids=IDS)
def test_escalate_then_mirror_the_answer_and_reruns_write_nothing(
    invoke: Invoke, box: Sandbox, tmp_path: Path, city: str, province: str
) -> None:
    policy = city_policy(tmp_path, box.url, province)
    sync_both(invoke, box.url, city, province, policy)
    number = open_city_issue(box.url, city, policy)
    clear_log(box)

    dry = run(invoke, box, policy, city, "escalate", "--issue", str(number))
    assert dry.exit_code == 0, dry.stderr
    assert "将报上级台账 gdzz/support" in dry.stdout and writes(box) == []

    done = run(invoke, box, policy, city, "escalate", "--issue", str(number), "--apply", "--json")
    assert done.exit_code == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["created"] is True
    (upstream,) = bot_issues(box.url)
    assert result["upstream"]["number"] == upstream["number"]
    # The province's issue: its category and form, the city bureau reporting, a link down.
    assert upstream["title"] == "佛山市-义务教育-技术类问题：资助名单导入后人数不符"
    assert set(upstream["labels"]) == {
        "类别/技术类问题",
        "状态/待受理",
        "层级/地市报送",
        "地市/佛山市",
        "学段/义务教育",
    }
    body = upstream["body"]
    assert "### 报送单位\n\n佛山市教育局\n" in body
    assert "### 单位类型\n\n地级以上市教育局\n" in body
    assert "### 联系电话\n\n0757-0000-0000\n" in body
    assert "### 影响范围\n\n约 30 条\n" in body
    assert f"/{CITY_REPO}/issues/{number}" in body and "原报送单位：佛山市南海区教育局" in body
    assert STUDENT_ID not in body and f"{STUDENT_ID[:4]}**********{STUDENT_ID[-4:]}" in body
    assert "13712345678" not in body  # the school's own phone stays at the city
    # The city's issue: a link up and the escalated label.
    mine = issue_state(box.url, CITY_REPO, number)
    assert "层级/已报省" in mine["labels"]
    (link,) = [c for c in mine["comments"] if c["user"] == "fs-bot"]
    assert f"/{PROVINCE_REPO}/issues/{upstream['number']}" in link["body"]

    clear_log(box)
    again = run(invoke, box, policy, city, "escalate", "--issue", str(number), "--apply")
    assert again.exit_code == 0, again.stderr
    assert "已写入 0 次" in again.stdout and writes(box) == []
    assert len(bot_issues(box.url)) == 1

    # The province answers (its staff), the city's own account adds a note, then it closes.
    staff = client(box.url, province, PROVINCE_STAFF, PROVINCE_REPO)
    city_account = client(box.url, province, CITY_UP, PROVINCE_REPO)
    try:
        staff.create_comment(
            upstream["number"], "已修复导入程序。\n\n请 @fs-staff1 重新导入 *名单*。"
        )
        city_account.create_comment(upstream["number"], "补充：涉及两所学校。")
        staff.edit_issue(upstream["number"], state="closed")
    finally:
        staff.close()
        city_account.close()

    clear_log(box)
    mirrored = run(invoke, box, policy, city, "mirror", "--apply")
    assert mirrored.exit_code == 0, mirrored.stderr
    mine = issue_state(box.url, CITY_REPO, number)
    assert mine["state"] == "closed", mirrored.stdout + mirrored.stderr
    assert {"层级/已报省", "层级/省已答复", "层级/省已办结"} <= set(mine["labels"])
    bodies = [c["body"] for c in mine["comments"] if c["user"] == "fs-bot"]
    assert len(bodies) == 3  # the link, the one staff reply, the closing
    reply = bodies[1]
    assert "已修复导入程序" in reply and "涉及两所学校" not in "".join(bodies)
    assert f"/{PROVINCE_REPO}/issues/{upstream['number']}#issuecomment-" in reply
    assert "@fs-staff1" not in reply  # quoted text mentions nobody on the city's tracker
    assert "办结" in bodies[2]

    clear_log(box)
    rerun = run(invoke, box, policy, city, "mirror", "--apply")
    assert rerun.exit_code == 0, rerun.stderr
    assert "已写入 0 次" in rerun.stdout and writes(box) == []


def test_a_lost_answer_while_escalating_opens_one_upstream_issue(
    invoke: Invoke, tmp_path: Path
) -> None:
    lost: list[str] = []

    def lose_first_create(entry: dict[str, Any]) -> None:
        # The forge made the issue, then the connection broke before the answer went out.
        if (
            entry["method"] == "POST"
            and str(entry["path"]).endswith(f"{PROVINCE_REPO}/issues")
            and not lost
        ):
            lost.append(str(entry["path"]))
            raise ConnectionResetError("answer lost")

    with sandbox(on_request=lose_first_create) as box:
        policy = city_policy(tmp_path, box.url, "github")
        sync_both(invoke, box.url, "gitea", "github", policy)
        number = open_city_issue(box.url, "gitea", policy)
        result = run(invoke, box, policy, "gitea", "escalate", "--issue", str(number), "--apply")
        assert result.exit_code == 0, result.stderr
        assert lost, "the fault never fired"
        (upstream,) = bot_issues(box.url)
        mine = issue_state(box.url, CITY_REPO, number)
        (link,) = [c for c in mine["comments"] if c["user"] == "fs-bot"]
        assert f"/{PROVINCE_REPO}/issues/{upstream['number']}" in link["body"]
        again = run(invoke, box, policy, "gitea", "escalate", "--issue", str(number), "--apply")
        assert again.exit_code == 0 and len(bot_issues(box.url)) == 1


def test_escalate_explains_a_province_policy_and_a_missing_token(
    invoke: Invoke, box: Sandbox, tmp_path: Path
) -> None:
    province = invoke(
        "escalate", *forge_args(box.url, "gitea", repo=CITY_REPO), "--issue", "1",
        env={"ZZXT_TOKEN": CITY_BOT, "ZZXT_UPSTREAM_TOKEN": CITY_UP},
    )  # fmt: skip
    assert province.exit_code == 2 and "level: city" in province.stderr
    policy = city_policy(tmp_path, box.url, "gitea")
    no_token = invoke(
        "--policy", str(policy), "escalate", *forge_args(box.url, "gitea", repo=CITY_REPO),
        "--issue", "1", env={"ZZXT_TOKEN": CITY_BOT},
    )  # fmt: skip
    assert no_token.exit_code == 4 and "ZZXT_UPSTREAM_TOKEN" in no_token.stderr

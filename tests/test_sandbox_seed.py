"""The sandbox's seed file: what it accepts, and Chinese messages for what it does not."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import yaml

from tests.support.paths import ROOT
from tests.support.sandbox import SEED_YAML, STAFF, auth, seed, state
from tracker.errors import InputError
from tracker.sandbox import (
    DEFAULT_ADMIN_TOKEN,
    DEFAULT_BOT_TOKEN,
    Sandbox,
    Seed,
    load_seed,
    parse_seed,
)
from tracker.sandbox.seed import SeedComment, SeedIssue, SeedLabel, SeedRepo, SeedSettings, SeedUser


def test_the_shared_seed_loads_into_both_apis() -> None:
    with Sandbox(seed()) as sb:
        dump = state(sb.url)
        repo = dump["repos"]["gdzz/support"]
        assert [label["name"] for label in repo["labels"]] == ["类别/应用类问题", "状态/待受理"]
        assert repo["labels"][1]["color"] == "cccccc"
        assert [i["number"] for i in repo["issues"]] == [1, 2, 3]
        assert repo["issues"][0]["comments"][0]["body"] == "已收到"
        assert repo["issues"][0]["events"] == [
            {"event": "labeled", "actor": "alice", "label": "类别/应用类问题", "assignee": None}
        ]
        assert repo["files"] == {"README.md": "资助系统技术支持"}
        assert repo["commits"] == 1
        users = {u["login"]: u for u in dump["users"]}
        # Named in an issue or comment but not under users: an ordinary user without a token.
        assert users["alice"] == {"login": "alice", "type": "User", "has_token": False}
        assert users["zzxt-bot"]["type"] == "Bot"
        github = httpx.get(
            sb.url + "/api/v3/repos/gdzz/support/issues/1", headers=auth(STAFF)
        ).json()
        assert github["created_at"] == "2025-09-30T08:00:00Z"
        assert github["updated_at"] == "2025-10-09T01:00:00Z"  # the latest comment
        gitea = httpx.get(
            sb.url + "/api/v1/repos/gdzz/support/issues/1", headers=auth(STAFF)
        ).json()
        assert gitea["created_at"] == "2025-09-30T16:00:00+08:00"


def test_json_seed_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(yaml.safe_load(SEED_YAML), default=str, ensure_ascii=False), "utf-8")
    assert load_seed(path).repos[0].issues[0].title == "广州市-高等教育-应用类问题：无法登录"


def test_numbers_are_given_when_left_out() -> None:
    text = "repos:\n  - name: a/b\n    issues:\n      - {number: 5, title: x, user: u}\n      - {title: y, user: u}\n"
    with Sandbox(parse_seed(text, "s.yml")) as sb:
        assert [i["number"] for i in state(sb.url)["repos"]["a/b"]["issues"]] == [5, 6]


def test_without_a_seed_there_is_an_admin_a_bot_and_a_private_repo() -> None:
    with Sandbox() as sb:
        me = httpx.get(sb.url + "/api/v3/user", headers=auth(DEFAULT_ADMIN_TOKEN)).json()
        bot = httpx.get(sb.url + "/api/v3/user", headers=auth(DEFAULT_BOT_TOKEN)).json()
        repo = httpx.get(
            sb.url + "/api/v1/repos/gdzz/support", headers=auth(DEFAULT_ADMIN_TOKEN)
        ).json()
        assert (me["login"], me["type"]) == ("admin", "User")
        assert (bot["login"], bot["type"]) == ("zzxt-bot", "Bot")
        assert repo["private"] is True
        assert repo["permissions"] == {"admin": True, "push": True, "pull": True}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "users:\n  - {login: a, token: x}\n  - {login: b, token: x}\n",
            ["users[1].token", "第 3 行", "令牌重复"],
        ),
        ("repos:\n  - name: nope\n", ["repos[0].name", "格式不符"]),
        (
            "repos:\n  - name: a/b\n    issues:\n      - {user: u}\n",
            ["repos[0].issues[0].title", "缺少必填字段"],
        ),
        (
            "repos:\n  - name: a/b\n    issues:\n      - {title: t, user: u, state: pending}\n",
            ["repos[0].issues[0].state", "取值应为"],
        ),
        (
            "repos:\n  - name: a/b\n    issues:\n      - {title: t, user: u, labels: [缺少]}\n",
            ["repos[0].issues[0].labels[0]", "标签 缺少 未在本仓库的 labels 中定义"],
        ),
        (
            "repos:\n  - name: a/b\n    labels: [{name: x, color: red}]\n",
            ["repos[0].labels[0].color", "格式不符"],
        ),
        ("repos:\n  - name: a/b\n    privat: true\n", ["repos[0].privat", "未知字段"]),
        (
            "repos:\n  - name: a/b\n    issues:\n      - {title: t, user: u, closed_at: 2025-01-01T00:00:00Z}\n",
            ["repos[0].issues[0].closed_at", "state 为 closed"],
        ),
        ("users: [\n", ["YAML 格式错误"]),
    ],
    ids=[
        "重复令牌",
        "仓库名",
        "缺少标题",
        "状态",
        "未定义标签",
        "颜色",
        "未知字段",
        "关闭时间",
        "YAML语法",
    ],
)
def test_bad_seeds_are_explained_in_chinese(tmp_path: Path, text: str, words: list[str]) -> None:
    path = tmp_path / "种子.yml"
    path.write_text(text, "utf-8")
    with pytest.raises(InputError) as caught:
        load_seed(path)
    assert str(path) in caught.value.message
    for word in words:
        assert word in caught.value.message


def test_a_missing_seed_file_is_an_input_error(invoke, tmp_path: Path) -> None:
    result = invoke("sandbox", "--seed", str(tmp_path / "无.yml"))
    assert result.exit_code == 2
    assert result.stderr == f"错误：沙箱种子文件 {tmp_path / '无.yml'} 不存在。\n"


def test_the_documented_example_loads_and_every_key_is_documented() -> None:
    text = (ROOT / "docs" / "admin" / "sandbox.md").read_text("utf-8")
    example = text.split("## 种子文件", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    assert (
        parse_seed(example, "docs/admin/sandbox.md").repos[0].issues[0].comments[0].body == "已收到"
    )
    for key in Seed.model_fields:
        assert f"### {key}：" in text
    for model in [SeedUser, SeedSettings, SeedRepo, SeedLabel, SeedIssue, SeedComment]:
        for key in model.model_fields:
            assert f"| `{key}` |" in text, f"{model.__name__}.{key} is not documented"

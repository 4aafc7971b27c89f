"""The Forge operations the bots use, against `zzxt sandbox` on both forges."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta, timezone

import pytest

from tests.support.sandbox import state
from tests.support.specs import checker_for
from tracker.errors import NotFound
from tracker.forge import connect, resolve_settings
from tracker.forge.model import Forge
from tracker.sandbox import Sandbox, parse_seed

SEED = """\
users:
  - {login: zzxt-bot, token: t-clients-bot, type: Bot}
repos:
  - name: gdzz/support
    private: true
    writers: [zzxt-bot, staff1]  # Gitea assigns issues only to users with write access
    labels:
      - {name: 地市/广州市, color: "bfdadc"}
      - {name: 地市/深圳市, color: "bfdadc"}
      - {name: 学段/义务教育, color: "0e8a16"}
    issues:
      - {number: 1, title: 第一个问题, user: reporter, labels: [地市/广州市],
         comments: [{user: staff1, body: 已收到}]}
      - {number: 2, title: 一个合并请求, user: staff1, pull_request: true}
"""


@pytest.fixture(params=["gitea", "github"])
def pair(request: pytest.FixtureRequest) -> Iterator[tuple[Sandbox, Forge]]:
    with Sandbox(seed=parse_seed(SEED, "clients"), record_bodies=True) as sb:
        settings = resolve_settings(
            {"ZZXT_TOKEN": "t-clients-bot"}, kind=request.param, url=sb.url, repo="gdzz/support"
        )
        client = connect(settings)
        try:
            yield sb, client
        finally:
            client.close()


def test_issue_operations(pair: tuple[Sandbox, Forge]) -> None:
    sb, client = pair
    issue = client.get_issue(1)
    assert (issue.title, issue.author.login, issue.labels) == (
        "第一个问题",
        "reporter",
        ("地市/广州市",),
    )
    assert [c.body for c in client.issue_comments(1)] == ["已收到"]
    with pytest.raises(NotFound):
        client.get_issue(2)  # a pull request is not an issue

    client.replace_labels(1, ["地市/深圳市", "学段/义务教育"])
    client.assign(1, ["staff1"])
    client.edit_issue(1, title="改过的标题", state="closed")
    after = next(i for i in state(sb.url)["repos"]["gdzz/support"]["issues"] if i["number"] == 1)
    assert sorted(after["labels"]) == ["地市/深圳市", "学段/义务教育"]
    assert after["assignees"] == ["staff1"]
    assert (after["title"], after["state"]) == ("改过的标题", "closed")
    assert [i.number for i in client.list_issues("all")] == [1]
    assert client.list_issues("open") == []

    assert checker_for(client.kind).check_all(sb.requests()).problems == []


def test_since_means_the_same_instant_whatever_its_zone(
    pair: tuple[Sandbox, Forge],
) -> None:
    """PyGithub wrote a Beijing time as if it were UTC: eight hours of comments went missing."""
    _, client = pair
    first = client.create_comment(1, "第一条")
    beijing = timezone(timedelta(hours=8))
    just_before = (first.created_at - timedelta(seconds=1)).astimezone(beijing)
    found = [c.id for c in client.list_comments(since=just_before)]
    assert first.id in found
    later = (first.created_at + timedelta(hours=1)).astimezone(beijing)
    assert first.id not in [c.id for c in client.list_comments(since=later)]

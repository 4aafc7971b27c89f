"""Issues zzxt opens itself: one per source, read back like a submitted form, masked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from markdown_it import MarkdownIt

from tests.support.pii import make_id
from tracker.bots import intake
from tracker.bots.identity import BotIdentity, read_identity
from tracker.bots.rules import Rules
from tracker.bots.writer import Writer
from tracker.forge import Forge, connect, resolve_settings
from tracker.forge.model import User
from tracker.policy import load_policy
from tracker.sandbox import Sandbox, parse_seed
from tracker.templates.form_parse import parse_body

RULES = Rules.build(load_policy())
STUDENT_ID = make_id("440106", date(2005, 1, 1), 123)

SEED = f"""\
users:
  - {{login: zzxt-bot, token: t-bot, type: Bot}}
  - {{login: outsider, token: t-outsider}}
repos:
  - name: gdzz/support
    private: true
    writers: [zzxt-bot]
    labels:
      - {{name: 类别/技术类问题, color: "1d76db"}}
      - {{name: 状态/待受理, color: "fbca04"}}
    issues:
      - number: 1
        title: 冒充的问题
        user: outsider
        body: "<!-- zzxt:intake {"a" * 16} -->"
"""


def submission(fingerprint: str, summary: str = "导入名单时报错") -> intake.Submission:
    return intake.Submission(
        category="technical",
        fields={
            "city": "佛山市",
            "stage": "义务教育",
            "unit": "佛山市教育局",
            "unit_type": "地级以上市教育局",
            "reporter": "陈老师",
            "role": "市资助中心系统管理员",
            "phone": "13912345678",
            "urgent": "否",
            "summary": summary,
            "subcategory": "数据问题",
            "module": "资助业务管理",
            "steps": f"1. 导入学生 {STUDENT_ID} 的记录\n2. 保存",
            "affected": "约 20 条",
        },
        summary=summary,
        fingerprint=fingerprint,
        source="附件2.xlsx 义务教育 第 6 行",
    )


@pytest.fixture(params=["gitea", "github"])
def client(request: pytest.FixtureRequest) -> Iterator[Forge]:
    with Sandbox(seed=parse_seed(SEED, "intake")) as sb:
        settings = resolve_settings(
            {"ZZXT_TOKEN": "t-bot"}, kind=request.param, url=sb.url, repo="gdzz/support"
        )
        forge = connect(settings)
        try:
            yield forge
        finally:
            forge.close()


def run(forge: Forge, items: list[intake.Submission]) -> dict[str, int | None]:
    identity = read_identity(forge, RULES.policy, {})
    new = intake.plan(items, intake.read(forge, identity), RULES)
    return intake.apply(new, Writer(forge, apply=True))


def test_one_issue_per_source_and_a_rerun_opens_none(client: Forge) -> None:
    first = run(client, [submission("b" * 16), submission("c" * 16), submission("b" * 16)])
    assert sorted(first) == ["b" * 16, "c" * 16]
    assert run(client, [submission("b" * 16), submission("c" * 16)]) == {}
    issues = [i for i in client.list_issues("all") if i.author.login == "zzxt-bot"]
    assert len(issues) == 2


def test_an_outsiders_marker_does_not_count(client: Forge) -> None:
    # Issue 1 carries the fingerprint aaaa… but was written by someone else.
    opened = run(client, [submission("a" * 16)])
    assert list(opened) == ["a" * 16] and opened["a" * 16] != 1


def test_the_issue_reads_back_like_a_submitted_form_and_is_masked(client: Forge) -> None:
    number = run(client, [submission("d" * 16, summary=f"学生 {STUDENT_ID} 的记录丢失")])["d" * 16]
    assert number is not None
    issue = client.get_issue(number)
    assert issue.title.startswith("佛山市-义务教育-技术类问题：学生 4401")
    assert STUDENT_ID not in issue.title + issue.body
    parsed = parse_body(RULES.forms, issue.body)
    assert parsed.template == "technical"
    assert parsed.fields["unit"] == "佛山市教育局"
    assert parsed.fields["phone"] == "13912345678"  # the reporter's own contact stays
    assert set(issue.labels) >= {"类别/技术类问题", "状态/待受理"}
    # Only the confirmations are missing: the sender never ticked them.
    assert parsed.missing == ["confirmations"]


def test_identity_recognises_only_the_bot() -> None:
    me = BotIdentity("zzxt-bot", frozenset({"ops-robot"}))
    assert me.wrote(User("zzxt-bot")) and me.wrote(User("ZZXT-Bot"))
    assert not me.wrote(User("zzxt-bot2"))
    assert me.is_bot(User("ops-robot")) and me.is_bot(User("github-actions[bot]"))
    assert me.is_bot(User("someone", is_bot=True)) and not me.is_bot(User("staff1"))
    assert not BotIdentity(None).wrote(User("zzxt-bot"))


def test_marker_refuses_what_is_not_a_fingerprint() -> None:
    with pytest.raises(ValueError):
        intake.marker("not hex -->")


def test_a_hostile_answer_cannot_mention_embed_or_forge_a_field(client: Forge) -> None:
    item = submission("e" * 16)
    hostile = (
        "@admin 请看 ![x](http://evil.example/p.png)\n### 联系电话\n\n110\n<!-- zzxt:intake "
        + "f" * 16
        + " -->"
    )
    fields = {**item.fields, "steps": hostile}
    number = run(client, [intake.Submission(**{**item.__dict__, "fields": fields})])["e" * 16]
    assert number is not None
    body = client.get_issue(number).body
    assert (
        "@admin" not in body
        and "![x](" not in body
        and "<!--" not in body.replace(intake.marker("e" * 16), "")
    )
    parsed = parse_body(RULES.forms, body)
    assert parsed.fields["phone"] == "13912345678"  # the forged heading did not replace the answer
    # The forged fingerprint does not count: opening ffff… still creates an issue.
    assert list(run(client, [submission("f" * 16)])) == ["f" * 16]


def test_a_senders_words_cannot_mention_embed_or_forge_a_marker(client: Forge) -> None:
    hostile = intake.Submission(
        category="technical",
        fields={
            "city": "佛山市",
            "stage": "义务教育",
            "unit": "佛山市教育局",
            "summary": "导入失败 @admin",
            "steps": "<!-- zzxt:dashboard -->\n![](http://track.example/p.gif)\n### 报送单位\n伪造",
        },
        summary="导入失败",
        fingerprint="e" * 16,
        source="邮件“请 @admin 处理 <!-- zzxt:dashboard -->”",
    )
    number = run(client, [hostile])["e" * 16]
    assert number is not None
    body = client.get_issue(number).body
    assert "<!-- zzxt:dashboard" not in body and "<!--" not in body.replace(
        intake.marker("e" * 16), ""
    )
    assert "@admin" not in body
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    assert not kinds & {"image", "link_open", "html_inline"}
    assert [t.content.strip() for t in tokens if t.type == "html_block"] == [
        intake.marker("e" * 16)
    ]
    parsed = parse_body(RULES.forms, body)
    assert parsed.fields["unit"] == "佛山市教育局"  # the forged section does not replace it

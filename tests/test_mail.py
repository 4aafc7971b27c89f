"""Report mails (第八至十二条): the corpus, subjects, bodies, scope, attachments, masking."""

from __future__ import annotations

import base64
import io
import json
import re
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.pii import make_id
from tracker.errors import PolicyError
from tracker.mail.attachments import describe_attachment
from tracker.mail.body import labels_for, read_fields, split_quote
from tracker.mail.decode import decode_bytes, decode_header, html_to_text
from tracker.mail.names import Vocabulary
from tracker.mail.parse import parse_message
from tracker.mail.scope import judge_scope
from tracker.mail.subject import read_subject
from tracker.pii import scan
from tracker.policy import Category, Policy, Stage, load_policy, parse_policy

CORPUS = Path(__file__).parent / "fixtures" / "mail"
MESSAGES = sorted(CORPUS.glob("*.eml"))
POLICY = load_policy()
WORDS = Vocabulary.of(POLICY)


# The corpus.


def test_corpus_is_large_and_varied() -> None:
    assert len(MESSAGES) >= 40
    mailers = {
        re.search(rb"^X-Mailer: (\S+)", m.read_bytes(), re.M).group(1)  # type: ignore[union-attr]
        for m in MESSAGES
        if re.search(rb"^X-Mailer: ", m.read_bytes(), re.M)
    }
    assert {b"QQMail", b"Coremail", b"Microsoft", b"Foxmail", b"iPhone"} <= mailers
    expected = [json.loads(m.with_suffix(".json").read_text("utf-8")) for m in MESSAGES]
    kinds = {a["kind"] for e in expected for a in e["attachments"]}
    assert kinds == {"form2", "form3", "form4", "other"}
    assert sum(not e["accepted"] for e in expected) >= 7
    assert {e["thread"] for e in expected} == {"new", "reply", "forward"}
    assert any(p["kind"] == "id_card" for e in expected for p in e["pii"])


@pytest.mark.parametrize("path", MESSAGES, ids=lambda p: p.stem)
def test_corpus_message_reads_as_expected(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text("utf-8"))
    assert parse_message(path.read_bytes(), POLICY).as_dict() == expected


# Subjects.


@pytest.mark.parametrize(
    ("subject", "city", "stage", "category", "topic", "thread"),
    [
        ("广州市-义务教育-应用类问题", "广州市", "义务教育", "application", "", "new"),
        ("广州-义务教育学段-应用类", "广州市", "义务教育", "application", "", "new"),
        (
            "广州市－义务教育—应用类问题：导入报错",
            "广州市",
            "义务教育",
            "application",
            "导入报错",
            "new",
        ),
        (
            "广州市 – 义务教育 ― 应用类问题 导入报错",
            "广州市",
            "义务教育",
            "application",
            "导入报错",
            "new",
        ),
        (
            "广州市‐义务教育_应用类问题（导入报错）",
            "广州市",
            "义务教育",
            "application",
            "导入报错",
            "new",
        ),
        ("广州市义务教育应用类问题", "广州市", "义务教育", "application", "", "new"),
        (
            "回复：RE：转发: 广州市-义务教育-技术类问题",
            "广州市",
            "义务教育",
            "technical",
            "",
            "reply",
        ),
        ("Fwd: FW: Re: 广州市-义务教育-用户申请", "广州市", "义务教育", "account", "", "forward"),
        (
            "转发：【紧急】[外部邮件] 深圳市-普通高中-需求及建议",
            "深圳市",
            "普通高中",
            "requirement",
            "",
            "forward",
        ),
        ("省直属-高校-技术类问题", "省直属", "高等教育（本专科）", "technical", "", "new"),
        ("省直-本专科-应用类", "省直属", "高等教育（本专科）", "application", "", "new"),
        ("省属-研究生-需求建议类问题", "省直属", "高等教育（研究生）", "requirement", "", "new"),
        (
            "省直属-高等教育(研究生)-应用类问题",
            "省直属",
            "高等教育（研究生）",
            "application",
            "",
            "new",
        ),
        (
            "省直属-高等教育（本专科）-应用类问题",
            "省直属",
            "高等教育（本专科）",
            "application",
            "",
            "new",
        ),
        ("汕头市-中职-账号申请", "汕头市", "中等职业教育", "account", "", "new"),
        ("【广州市】义务教育-应用类问题", "广州市", "义务教育", "application", "", "new"),
    ],
)
def test_subjects_people_type(
    subject: str, city: str, stage: str, category: str, topic: str, thread: str
) -> None:
    read = read_subject(subject, POLICY)
    assert (read.city, read.stage, read.category, read.topic, read.thread) == (
        city,
        stage,
        category,
        topic,
        thread,
    )


@pytest.mark.parametrize(
    ("subject", "part", "typed"),
    [
        ("番禺区-义务教育-应用类问题", "city", "番禺区"),
        ("广州市-小学段-应用类问题", "stage", "小学段"),
        ("广州市-义务教育-投诉类问题", "category", "投诉类问题"),
        ("广州市-应用类问题", "stage", "应用类问题"),
        ("广州市-义务教育", "category", ""),
        ("系统登录不了", "city", "系统登录不了"),
    ],
)
def test_unreadable_subjects_name_the_part(subject: str, part: str, typed: str) -> None:
    read = read_subject(subject, POLICY)
    assert not read.resolved
    assert (read.unknown, read.unknown_text) == (part, typed)


def _message(subject: str, body: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "张晓燕 <zhangxy@example.cn>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def test_reason_shows_the_format_from_the_policy() -> None:
    result = parse_message(_message("广州市-小学段-应用类问题", "单位：广州市教育局"), POLICY)
    assert not result.accepted
    assert result.reason.startswith("邮件主题“广州市-小学段-应用类问题”中无法识别学段“小学段”。")
    assert "主题应为“广州市-学前教育-应用类问题”这样的格式（XX市-XX学段-类别）" in result.reason
    assert "高等教育（研究生）" in result.reason


def _province(policy_text: str) -> Policy:
    text = policy_text.replace("  - 广州市\n", "  - 昆明市\n")
    text = text.replace(
        "{key: compulsory, name: 义务教育, aliases: [义教]}",
        "{key: compulsory, name: 九年义务教育}",
    )
    text = text.replace(
        'subject_format: "{city}-{stage}-{category}"', 'subject_format: "{city}/{stage}/{category}"'
    )
    return parse_policy(text, "另一省.yml")


def test_another_province_brings_its_own_words(policy_text: str) -> None:
    other = _province(policy_text)
    accepted = parse_message(_message("昆明/九年义务教育/应用类问题", "单位：昆明市教育局"), other)
    assert (accepted.accepted, accepted.city, accepted.stage) == (True, "昆明市", "九年义务教育")
    assert accepted.fields["unit_type"] == "地级以上市教育局"
    rejected = parse_message(_message("广州市-义务教育-应用类问题", "单位：昆明市教育局"), other)
    assert not rejected.accepted
    assert "无法识别地市“广州市”" in rejected.reason
    assert "主题应为“昆明市/学前教育/应用类问题”这样的格式（XX市/XX学段/类别）" in rejected.reason


# Policy fields for mail.


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("aliases: [义教]", "aliases: [学前]", "stages[1].aliases[0]：别名 学前 与 学前教育 重复"),
        ("aliases: [高中]", "aliases: [普通高中]", "别名 普通高中 与 普通高中 重复"),
        (
            "    - unit: 普通高校\n",
            "    - unit: 高等学校\n",
            "单位类型 高等学校 不在 accepted_units 中",
        ),
        (
            "    unit_type: [单位类型, 单位性质]\n",
            "    unit_kind: [单位类型]\n",
            "表单中没有 id 为 unit_kind 的字段",
        ),
        ("      是: [紧急,", "      紧急的: [紧急,", "紧急的 不是字段 urgent 的选项"),
        ('keywords: ["{city}"]', 'keywords: ["{town}"]', "中有未知占位符；只能使用 {city}"),
        ("    省直属: [省直,", "    省直辖: [省直,", "地市 省直辖 不在 cities 中"),
        (
            "    - unit: 省属学校\n      keywords: [省属, 省直属, 省直, 广东省, 广东]\n",
            "    - unit: 省属学校\n",
            "规则须给出 keywords 或 names",
        ),
    ],
)
def test_mail_settings_are_validated(policy_text: str, old: str, new: str, words: str) -> None:
    assert old in policy_text
    with pytest.raises(PolicyError) as error:
        parse_policy(policy_text.replace(old, new, 1), "p.yml")
    assert words in error.value.message
    assert "p.yml 第" in error.value.message


def test_mail_section_is_optional(policy_text: str) -> None:
    head, tail = policy_text.split("\nmail:\n", 1)
    rest = tail.split("\n\n", 1)[1] if "\n\n" in tail else ""
    policy = parse_policy(head + "\n" + rest, "p.yml")
    result = parse_message(_message("广州市-义务教育-应用类问题", "报送单位：广州市教育局"), policy)
    assert result.accepted and result.fields["unit"] == "广州市教育局"


def test_required_items_of_article_11_are_all_labels() -> None:
    labels = labels_for(POLICY, None)
    body = "\n".join(f"{item}：答案{i}" for i, item in enumerate(POLICY.report.required_items))
    assert len(read_fields(body, labels)) == len(POLICY.report.required_items)


# Bodies.


def test_fields_from_label_lines() -> None:
    body = (
        "各位老师好：\n"
        "一、来电单位：广州市教育局；\n"
        "（2）姓    名：张晓燕   职务:资助专干\n"
        "- 手机号码：13800138000\n"
        "紧急程度：不紧急\n"
        "问题描述：\n导入名单报错\n"
        "我们单位：这一行不是字段\n"
    )
    fields = read_fields(body, labels_for(POLICY, "application"))
    assert fields == {
        "unit": "广州市教育局",
        "reporter": "张晓燕",
        "role": "资助专干",
        "phone": "13800138000",
        "urgent": "不紧急",
        "summary": "导入名单报错",
    }


def test_textarea_fields_take_following_lines() -> None:
    body = "复现步骤：\n1. 进入名单\n2. 点击导入\n\n影响范围：约 120 条\n"
    fields = read_fields(body, labels_for(POLICY, "technical"))
    assert fields == {"steps": "1. 进入名单\n2. 点击导入", "affected": "约 120 条"}


@pytest.mark.parametrize(
    ("text", "own"),
    [
        ("好的\n-----原始邮件-----\n发件人: a\n单位：x", "好的"),
        ("好的\n-----Original Message-----\nFrom: a", "好的"),
        ("好的\n\n发件人: 省助学办\n发送时间: 2026-11-02\n收件人: 张\n主题: x\n\n旧", "好的"),
        ("好的\nFrom: a\nSent: b\nTo: c\nSubject: d\n旧", "好的"),
        ("好的\n在 2026年11月2日 16:05，省助学办 写道：\n> 旧", "好的"),
        ("好的\nOn Mon, Nov 2, 2026 at 4:05 PM A <a@b.c> wrote:\n> old", "好的"),
        ("好的\n> 旧\n好的2", "好的\n好的2"),
        ("好的\n-- \n张三\n电话", "好的"),
        ("好的\n\n发自我的iPhone", "好的"),
        ("发件人：张三\n好的", "发件人：张三\n好的"),  # one header line alone is text
    ],
)
def test_quotes_and_signatures_are_trimmed(text: str, own: str) -> None:
    assert split_quote(text).own == own


def test_html_to_text_keeps_lines_cells_and_quotes() -> None:
    html = (
        "<html><head><style>div{}</style><title>t</title></head><body>"
        "<div>单位：广州市教育局</div><div><br></div><p>姓名&nbsp;：张三</p>"
        "<table><tr><td>学段</td><td>义务教育</td></tr></table>"
        "<blockquote><div>旧内容</div></blockquote><script>x()</script></body></html>"
    )
    assert html_to_text(html) == "单位：广州市教育局\n\n姓名 ：张三\n学段\t义务教育\n> 旧内容"


# Charsets and headers.


def test_gb2312_label_reads_gbk_and_gb18030_characters() -> None:
    assert decode_bytes("王喆".encode("gbk"), "gb2312") == "王喆"
    assert decode_bytes("李䶮𠀾".encode("gb18030"), "GB2312") == "李䶮𠀾"
    assert decode_bytes("陳大文".encode("big5"), "big5") == "陳大文"
    assert decode_bytes("广州".encode(), "x-unknown-charset") == "广州"
    assert decode_bytes("广州".encode(), "base64") == "广州"  # a transform, not a text codec


def test_encoded_and_raw_headers() -> None:
    word = "=?gb2312?B?" + base64.b64encode("王喆".encode("gbk")).decode() + "?="
    assert decode_header(f"{word} <a@b.c>") == "王喆 <a@b.c>"
    raw = "茂名市".encode("gbk").decode("ascii", "surrogateescape")
    assert decode_header(raw) == "茂名市"
    assert decode_header("=?utf-8?B?not base64!?=") != ""


# Scope (第十二条).


@pytest.mark.parametrize(
    ("unit", "unit_type", "in_scope", "kind"),
    [
        ("广州市教育局", "", True, "地级以上市教育局"),
        ("广州教育局学生资助管理中心", "", True, "地级以上市教育局"),
        ("市教育局", "", True, "地级以上市教育局"),
        ("广州市天河区教育局", "", False, None),
        ("英德市教育局", "", False, None),
        ("从化区教育局", "地级以上市教育局", False, None),
        ("佛山市南海区示范小学", "", False, None),
        ("华南示范大学附属中学", "", False, None),
        ("广州市第一示范中学", "", False, None),
        ("华南示范大学（大学城校区）", "", True, "普通高校"),
        ("岭南理工学院", "", True, "普通高校"),
        ("广东省示范职业技术学校", "", True, "省属学校"),
        ("", "普通高校", True, "普通高校"),
        ("", "区县教育局", False, None),
        ("", "", True, None),
    ],
)
def test_unit_scope(unit: str, unit_type: str, in_scope: bool, kind: str | None) -> None:
    scope = judge_scope(POLICY, WORDS, unit, unit_type, "广州市")
    assert (scope.in_scope, scope.unit_type) == (in_scope, kind)


def test_out_of_scope_reason_says_what_to_do() -> None:
    result = parse_message(
        _message("广州市-义务教育-应用类问题", "单位：广州市天河区教育局"), POLICY
    )
    assert not result.accepted
    assert result.reason == (
        "报送单位“广州市天河区教育局”不在受理范围：只受理地级以上市教育局、普通高校、省属学校报送的问题。"
        "区县教育部门和中小学校、幼儿园的问题，请先报所在地市教育局，由地市教育局汇总后报送。"
    )


# Attachments.


def _book(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("附件2 全国学生资助管理信息系统应用类及技术类问题反馈表.xlsx", "form2"),
        ("附件二.xlsx", "form2"),
        ("用户申请表（广州）.xlsx", "form3"),
        ("需求建议表.xls", "form4"),
        ("附件21.xlsx", "other"),
        ("名单.xlsx", "other"),
    ],
)
def test_attachment_kind_by_name(name: str, kind: str) -> None:
    assert describe_attachment(POLICY, name, XLSX, b"").kind == kind


def test_attachment_rows_skip_numbers_and_notes() -> None:
    data = _book(
        [
            ["全国学生资助管理信息系统需求建议表"],
            ["序号", "学段", "涉及功能模块", "现状与问题", "建议方案"],
            [1, "义务教育", "名单", "慢", "加快"],
            [2, None, None, "无法导出", None],
            [3],
            [4, None, None, None, None],
            ["填表人：张三", "联系电话：020-80000000"],
        ]
    )
    found = describe_attachment(POLICY, "汇总.xlsx", XLSX, data)
    assert (found.kind, found.rows, found.note) == ("form4", 2, "")


def test_unreadable_workbooks_are_named_not_counted() -> None:
    broken = describe_attachment(POLICY, "附件3.xlsx", XLSX, b"PK\x03\x04junk")
    assert (broken.kind, broken.rows) == ("form3", None) and "无法读取" in broken.note
    old = describe_attachment(POLICY, "附件4.xls", "application/vnd.ms-excel", b"\xd0\xcf")
    assert (old.kind, old.rows) == ("form4", None) and ".xlsx" in old.note


# Personal numbers (第十九条).

STUDENT = make_id("440106", date(2011, 3, 4), 5)


def test_contact_mobile_stays_only_in_the_phone_field() -> None:
    body = f"单位：广州市教育局\n联系方式：13800138000\n学生身份证 {STUDENT}，家长 13900139000"
    result = parse_message(_message(f"广州市-义务教育-技术类问题：{STUDENT}", body), POLICY)
    data = result.as_dict()
    assert data["fields"]["phone"] == "13800138000"  # type: ignore[index]
    text = json.dumps({k: v for k, v in data.items() if k != "fields"}, ensure_ascii=False)
    assert "13800138000" not in text and STUDENT not in text and "13900139000" not in text
    assert "138****8000" in result.body
    assert [(p.kind, p.where) for p in result.pii] == [
        ("id_card", "subject"),
        ("id_card", "body"),
        ("mobile", "body"),
    ]


def _exposed(data: dict[str, object]) -> list[str]:
    """Full personal numbers anywhere in the output, the contact phone field excepted."""
    fields = dict(data["fields"])  # type: ignore[call-overload]
    phone = fields.pop("phone", "")
    findings = [f for f in scan(phone) if f.kind != "mobile"]
    rest = json.dumps({**data, "fields": fields}, ensure_ascii=False)
    return [f.masked for f in scan(rest) + findings]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_any_bytes_parse_without_error(data: bytes) -> None:
    result = parse_message(data, POLICY).as_dict()
    json.dumps(result, ensure_ascii=False)
    assert isinstance(result["accepted"], bool)
    assert _exposed(result) == []


_MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(["insert", "delete", "flip"]),
        st.floats(0, 1),
        st.sampled_from(
            [
                b"=?",
                b"?=",
                b"\r\n",
                b"\n\n",
                b";",
                b"*",
                b"'",
                b"%",
                b'"',
                b"\xff",
                b"\x80",
                b"=?gb2312?B?",
                b"filename*0*=",
                b"boundary=",
                b"--",
                b"<blockquote>",
                b"<![if",
                b"&#x110000;",
                b"\x00",
                b"Content-Type: message/rfc822\n\n",
                STUDENT.encode(),
            ]
        ),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(MESSAGES), _MUTATIONS)
def test_mutated_corpus_messages_parse_without_error(
    path: Path, mutations: list[tuple[str, float, bytes]]
) -> None:
    data = bytearray(path.read_bytes())
    for action, where, chunk in mutations:
        at = int(where * len(data))
        if action == "insert":
            data[at:at] = chunk
        elif action == "delete":
            del data[at : at + len(chunk) * 7]
        elif data:
            data[min(at, len(data) - 1)] ^= 0xFF
    result = parse_message(bytes(data), POLICY).as_dict()
    json.dumps(result, ensure_ascii=False)
    assert _exposed(result) == []


_DASHES = st.sampled_from(["-", "－", "—", "–", "‐", "―", "_", " ", " - ", "——", ""])
_PREFIXES = st.lists(
    st.sampled_from(["回复：", "Re: ", "RE：", "转发:", "Fwd: ", "FW:", "【紧急】", "[外部邮件]"]),
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(POLICY.cities),
    st.sampled_from(POLICY.stages),
    st.sampled_from(POLICY.categories),
    _DASHES,
    _DASHES,
    _PREFIXES,
    st.booleans(),
)
def test_any_typed_subject_of_the_policy_is_read(
    city: str,
    stage: Stage,
    category: Category,
    dash1: str,
    dash2: str,
    prefixes: list[str],
    short: bool,
) -> None:
    typed_city = city.removesuffix("市") if short else city
    typed_category = category.name.removesuffix("问题") if short else category.name
    subject = "".join(prefixes) + typed_city + dash1 + stage.name + dash2 + typed_category
    read = read_subject(subject, POLICY)
    assert (read.city, read.stage, read.category) == (city, stage.name, category.key)


# The command.


def test_cli_json_is_the_parsed_mail(invoke) -> None:
    path = MESSAGES[0]
    result = invoke("mail", "parse", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(path.with_suffix(".json").read_text("utf-8"))


def test_cli_reads_stdin_and_prints_a_summary(invoke) -> None:
    data = _message("番禺区-义务教育-应用类问题", f"单位：广州市教育局\n学生 {STUDENT}")
    runner_input = data.decode("utf-8")
    result = invoke("mail", "parse", "-", input=runner_input)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "结论：不予受理" in out
    assert "原因：邮件主题“番禺区-义务教育-应用类问题”中无法识别地市“番禺区”" in out
    assert "报送单位：广州市教育局" in out
    assert f"身份证号 {STUDENT[:4]}" in out and STUDENT not in out


def test_cli_missing_file_is_an_input_error(invoke, tmp_path: Path) -> None:
    result = invoke("mail", "parse", str(tmp_path / "无.eml"))
    assert result.exit_code == 2
    assert "错误：" in result.stderr

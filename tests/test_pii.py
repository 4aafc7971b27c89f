"""Finding and masking student personal data: ID, bank card and mobile numbers."""

from __future__ import annotations

import json
import random
import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.pii import (
    REGIONS,
    UNIONPAY_PREFIXES,
    group,
    harmless_tokens,
    looks_like_id,
    make_card,
    make_id,
    make_old_id,
    personal_numbers,
)
from tracker.pii import Finding, mask_text, scan

# Valid numbers used below (check digits computed with tests/pii_support.py).
ID_18 = "440106200503151233"
ID_X = "11010519491231002X"
ID_LEAP = "445122200802290043"
ID_15 = "440106750609021"
ID_AND_LUHN = "440106200401010050"  # a valid ID that also passes Luhn
CARD_19 = "6222021234567890128"
CARD_16 = "6228481234567803"
VISA = "4111111111110006"


def _only(text: str) -> Finding:
    findings = scan(text)
    assert len(findings) == 1, findings
    return findings[0]


@pytest.mark.parametrize(
    ("text", "raw", "kind", "masked"),
    [
        (f"身份证号{ID_18}，请核实", ID_18, "id_card", "4401**********1233"),
        (f"证件：{ID_X}。", ID_X, "id_card", "1101**********002X"),
        (f"证件：{ID_X.lower()}", ID_X.lower(), "id_card", "1101**********002x"),
        (f"{ID_LEAP}", ID_LEAP, "id_card", "4451**********0043"),
        (f"老身份证{ID_15}已换", ID_15, "id_card", "4401*******9021"),
        ("号码 440106 20050315 1233 是", "440106 20050315 1233", "id_card", "4401** ******** 1233"),
        (f"卡号{CARD_19}", CARD_19, "bank_card", "6222***********0128"),
        ("卡号：6228 4812 3456 7803", "6228 4812 3456 7803", "bank_card", "6228 **** **** 7803"),
        (
            "6222-0212-3456-7890-128",
            "6222-0212-3456-7890-128",
            "bank_card",
            "6222-****-****-***0-128",
        ),
        (f"Visa {VISA} 已冻结", VISA, "bank_card", "4111********0006"),
        ("电话13800138000谢谢", "13800138000", "mobile", "138****8000"),
        ("联系+8613800138000", "+8613800138000", "mobile", "+86138****8000"),
        ("联系 +86 138 0013 8000。", "+86 138 0013 8000", "mobile", "+86 138 **** 8000"),
        ("86-13912345678", "86-13912345678", "mobile", "86-139****5678"),
        ("手机：138-0013-8000", "138-0013-8000", "mobile", "138-****-8000"),
        ("全角１３８００１３８０００", "１３８００１３８０００", "mobile", "１３８****８０００"),
        ("(19912345678)", "19912345678", "mobile", "199****5678"),
        ("手机: 13800138000.", "13800138000", "mobile", "138****8000"),
        ("| 张三 | 13800138000 |", "13800138000", "mobile", "138****8000"),
        ("邮箱 13800138000@163.com", "13800138000", "mobile", "138****8000"),
    ],
    ids=[
        "身份证18位",
        "校验位X",
        "小写x",
        "闰日出生",
        "15位旧号",
        "身份证6-8-4分组",
        "银联19位",
        "卡号空格分组",
        "卡号连字符分组",
        "Visa16位",
        "手机紧贴中文",
        "手机+86",
        "手机+86分组",
        "手机86-",
        "手机连字符分组",
        "全角数字",
        "括号内",
        "句末英文句点",
        "表格单元格",
        "手机号作邮箱名",
    ],
)
def test_finds(text: str, raw: str, kind: str, masked: str) -> None:
    finding = _only(text)
    assert (finding.kind, text[finding.start : finding.end]) == (kind, raw)
    assert finding.masked == masked
    assert len(finding.masked) == len(raw)


@pytest.mark.parametrize(
    "text",
    [
        "2025-09-30",
        "20250930",
        "2025年9月30日",
        "2025-09-30T16:00:00+08:00",
        "见 #123 和 #4567",
        "学校代码 4144012345",
        "020-87777742",
        "0755-12345678",
        "(020)87777742",
        "02087777742",
        "QQ 3448874014@qq.com",
        "1,234.56",
        "2000元",
        "金额 13800138000.50 元",
        "x13800138000y",
        "ab13800138000",
        "13800138000abc",
        "ORDER6222021234567890128",
        "138001380001",
        "12345678901",
        "8613800138000123",
        "6222021234567890123",
        "4111111111111112",
        "62220212345678901286",
        "6222 0212 3456 7890 1286 5",
        "440106200513151237",
        "440106200502301236",
        "440106189903151238",
        "440106200503151234",
        "940106200503151231",
        "440106751309021",
        "940106750609021",
    ],
    ids=[
        "日期",
        "紧凑日期",
        "中文日期",
        "时间戳",
        "问题编号",
        "学校代码",
        "广州座机",
        "深圳座机",
        "括号区号",
        "无分隔座机",
        "QQ邮箱",
        "金额",
        "金额元",
        "小数",
        "字母夹住",
        "字母在前",
        "字母在后",
        "订单号",
        "12位",
        "非手机号段",
        "16位含86前缀",
        "Luhn不通过19位",
        "Luhn不通过16位",
        "20位",
        "分组过长",
        "13月",
        "2月30日",
        "1899年",
        "校验位错",
        "地区码9",
        "15位13月",
        "15位地区码9",
    ],
)
def test_ignores(text: str) -> None:
    assert scan(text) == []


def test_valid_id_wins_over_card() -> None:
    assert looks_like_id(ID_AND_LUHN)
    assert scan(ID_AND_LUHN) == [Finding("id_card", 0, 18, "4401**********0050")]


def test_birth_year_bound() -> None:
    assert scan(ID_18, max_birth_year=2004) == []
    assert [f.kind for f in scan(ID_18, max_birth_year=2005)] == ["id_card"]


def test_several_in_order_with_offsets() -> None:
    text = f"张三，身份证{ID_18}\n电话 +86 13800138000，卡号 6228-4812-3456-7803。"
    findings = scan(text)
    assert [f.kind for f in findings] == ["id_card", "mobile", "bank_card"]
    assert [text[f.start : f.end] for f in findings] == [
        ID_18,
        "+86 13800138000",
        "6228-4812-3456-7803",
    ]


def test_mask_text() -> None:
    text = f"身份证{ID_18}，电话13800138000，卡号 6228 4812 3456 7803。"
    masked = mask_text(text, scan(text))
    assert masked == "身份证4401**********1233，电话138****8000，卡号 6228 **** **** 7803。"
    assert scan(masked) == []


def test_mask_text_without_findings_and_out_of_order() -> None:
    assert mask_text("无", []) == "无"
    text = "13800138000 和 13912345678"
    assert mask_text(text, reversed(scan(text))) == "138****8000 和 139****5678"


@pytest.mark.parametrize(
    "findings",
    [
        [Finding("mobile", 0, 11, "138****8000"), Finding("mobile", 5, 16, "138****8000")],
        [Finding("mobile", 0, 11, "138***8000")],
        [Finding("mobile", 20, 31, "138****8000")],
    ],
    ids=["重叠", "长度不符", "超出文本"],
)
def test_mask_text_refuses_findings_that_do_not_fit(findings: list[Finding]) -> None:
    with pytest.raises(ValueError):
        mask_text("13800138000 13800138000", findings)


def test_as_dict() -> None:
    assert _only(ID_18).as_dict() == {
        "kind": "id_card",
        "start": 0,
        "end": 18,
        "masked": "4401**********1233",
    }


# Property tests, both directions.

CHINESE = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
FILLER = st.text(st.one_of(CHINESE, st.sampled_from("，。：、（）！？ \n:()/")), max_size=8)
# Between two numbers at least one character that is neither a digit nor a group separator.
GAP = st.tuples(FILLER, st.one_of(CHINESE, st.sampled_from("，。、：")), FILLER).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    head=FILLER,
    items=st.lists(st.tuples(personal_numbers, GAP), min_size=1, max_size=4),
)
def test_embedded_numbers_are_found(head: str, items: list[tuple[tuple[str, str], str]]) -> None:
    text, expected = head, []
    for (kind, number), gap in items:
        expected.append((kind, len(text), len(text) + len(number)))
        text += number + gap
    findings = scan(text)
    assert [(f.kind, f.start, f.end) for f in findings] == expected
    masked = mask_text(text, findings)
    assert len(masked) == len(text)
    assert scan(masked) == []


SEPARATORS = st.sampled_from([" ", "，", "、", "\n", "。", "：", "和", " | "])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(harmless_tokens, SEPARATORS), max_size=8))
def test_harmless_numbers_are_ignored(tokens: list[tuple[str, str]]) -> None:
    text = "".join(token + separator for token, separator in tokens)
    assert scan(text) == []


# The command line.


def _document(seed: int) -> tuple[str, list[str]]:
    """Return a report with real-looking valid numbers in it, and those numbers' digits."""
    rng = random.Random(seed)
    numbers: list[str] = []
    for _ in range(5):
        born = date(rng.randint(1960, 2012), rng.randint(1, 12), rng.randint(1, 28))
        numbers.append(make_id(rng.choice(REGIONS), born, rng.randint(0, 999)))
        numbers.append(make_old_id(rng.choice(REGIONS), born.replace(year=1970), rng.randint(0, 9)))
        filler = "".join(rng.choice("0123456789") for _ in range(19))
        card = make_card(rng.choice(UNIONPAY_PREFIXES), rng.choice([16, 19]), filler)
        numbers.append(card if not looks_like_id(card) else make_card("4", 16, "1" * 15))
        numbers.append(
            "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
        )
    lines = [
        f"第{i}条：号码{n}，" + ("请核实" if i % 2 else "已登记") for i, n in enumerate(numbers)
    ]
    lines.append(f"分组写法：{group(numbers[2], [4, 4, 4, 4], ' ')}；手机 +86 {numbers[3]}")
    return "\n".join(lines) + "\n", numbers


@pytest.mark.parametrize("mode", [[], ["--json"]], ids=["文本", "JSON"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cli_never_echoes_a_full_number(invoke, tmp_path, mode: list[str], seed: int) -> None:
    text, numbers = _document(seed)
    path = tmp_path / "issue.md"
    path.write_text(text, "utf-8")
    for args in ([str(path)], ["-"]):
        result = invoke("pii", "scan", *args, *mode, input=text)
        assert result.exit_code == 1
        shown = result.stdout + result.stderr
        assert len(scan(text)) == len(numbers) + 2
        joined = re.sub(r"[ -]", "", shown).upper()
        for number in numbers:
            assert number.upper() not in joined
        # No digit run longer than the visible ends of a masked number.
        assert not re.search(r"[0-9]{5}", shown)


def test_cli_json(invoke) -> None:
    text = f"张三\n身份证{ID_18}\n电话13800138000"
    result = invoke("pii", "scan", "-", "--json", input=text)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data == [
        {"kind": "id_card", "start": 6, "end": 24, "masked": "4401**********1233"},
        {"kind": "mobile", "start": 27, "end": 38, "masked": "138****8000"},
    ]
    assert [text[d["start"] : d["end"]] for d in data] == [ID_18, "13800138000"]
    assert "发现 2 处个人信息" in result.stderr


def test_cli_text(invoke) -> None:
    text = f"张三\n身份证{ID_18}\n\n卡号 6228 4812 3456 7803，电话13800138000"
    result = invoke("pii", "scan", "-", input=text)
    assert result.exit_code == 1
    assert result.stdout == (
        "第 2 行：身份证号 4401**********1233\n"
        "第 4 行：银行卡号 6228 **** **** 7803\n"
        "第 4 行：手机号 138****8000\n"
    )
    assert result.stderr.startswith("错误：发现 3 处个人信息。")


@pytest.mark.parametrize("mode", [[], ["--json"]], ids=["文本", "JSON"])
def test_cli_nothing_found(invoke, mode: list[str]) -> None:
    text = "学校代码 4144012345，座机 020-87777742，2025-09-30T16:00:00+08:00 收到 #123。"
    result = invoke("pii", "scan", "-", *mode, input=text)
    assert result.exit_code == 0
    assert result.stderr == ""
    expected = "[]\n" if mode else "未发现身份证号、银行卡号或手机号。\n"
    assert result.stdout == expected


def test_cli_non_utf8(invoke, tmp_path) -> None:
    path = tmp_path / "issue.md"
    path.write_bytes(f"身份证{ID_18}".encode("gbk"))
    result = invoke("pii", "scan", str(path))
    assert result.exit_code == 2
    assert "UTF-8" in result.stderr
    assert ID_18 not in result.stdout + result.stderr


def test_cli_help_documents_exit_codes(invoke) -> None:
    result = invoke("pii", "scan", "--help")
    assert "发现个人信息为 1" in result.stdout

"""The policy file: the built-in Guangdong rules, where a policy comes from, bad files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tracker.errors import PolicyError
from tracker.policy import load_policy, parse_policy


def test_builtin_policy_states_the_rules() -> None:
    policy = load_policy()
    assert policy.document.number == "粤教助函〔2018〕56号"
    assert policy.service.phone == "020-87777742"
    assert [c.key for c in policy.categories] == [
        "application",
        "technical",
        "account",
        "requirement",
    ]
    assert [c.name for c in policy.categories] == [
        "应用类问题",
        "技术类问题",
        "用户申请",
        "需求建议",
    ]
    deadlines = {
        c.key: (c.deadline.warn, c.deadline.breach, c.deadline.local_choice)
        for c in policy.categories
    }
    assert deadlines == {
        "application": (1, 2, False),
        "technical": (2, 3, False),
        "account": (4, 5, True),
        "requirement": (4, 5, False),
    }
    subs = {c.key: [s.name for s in c.subcategories] for c in policy.categories}
    assert subs["application"] == ["操作类", "系统登录类", "培训指导类"]
    assert subs["technical"] == ["数据问题", "系统漏洞"]
    assert [s.name for s in policy.stages] == [
        "学前教育",
        "义务教育",
        "普通高中",
        "中等职业教育",
        "高等教育（本专科）",
        "高等教育（研究生）",
    ]
    assert len(policy.cities) == 22
    assert policy.cities[0] == "广州市" and policy.cities[-1] == "省直属"
    assert policy.accepted_units == ["地级以上市教育局", "普通高校", "省属学校"]
    assert policy.calendar.timezone == "Asia/Shanghai"
    assert policy.site.url.startswith("https://")


@pytest.mark.parametrize(
    ("category", "mailboxes"),
    [
        ("application", ["3448874014@qq.com", "gdzzxt@gdedu.gov.cn"]),
        ("technical", ["3448874014@qq.com", "gdzzxt@gdedu.gov.cn"]),
        ("account", ["gdzzxt@gdedu.gov.cn"]),
        ("requirement", ["gdzzxt@gdedu.gov.cn"]),
    ],
    ids=["第八条-应用类", "第八条-技术类", "第九条", "第十条"],
)
def test_mailboxes_per_category(category: str, mailboxes: list[str]) -> None:
    assert load_policy().mailboxes_for(category) == mailboxes


@pytest.mark.parametrize(
    ("city", "stage", "category", "subject"),
    [
        ("广州市", "义务教育", "application", "广州市-义务教育-应用类问题"),
        ("省直属", "高等教育（本专科）", "technical", "省直属-高等教育（本专科）-技术类问题"),
        ("湛江市", "普通高中", "account", "湛江市-普通高中-用户申请"),
        ("东莞市", "学前教育", "requirement", "东莞市-学前教育-需求建议"),
    ],
    ids=["应用类", "技术类", "用户申请", "需求建议"],
)
def test_email_subject_of_article_11(city: str, stage: str, category: str, subject: str) -> None:
    assert load_policy().subject(city, stage, category) == subject


def test_show_json_is_the_whole_policy(invoke) -> None:
    result = invoke("policy", "show", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["document"]["number"] == "粤教助函〔2018〕56号"
    assert data["categories"][1]["deadline"] == {"warn": 2, "breach": 3, "local_choice": False}


def test_show_text_names_source_and_deadlines(invoke) -> None:
    result = invoke("policy", "show")
    assert result.exit_code == 0
    assert "政策来源：内置的广东省政策" in result.stdout
    assert "技术类问题：2/3" in result.stdout
    assert "用户申请：4/5，本工具的设置" in result.stdout


def test_policy_option_env_and_default(invoke, policy_text: str, write_policy) -> None:
    by_env = write_policy(policy_text.replace("020-87777742", "020-11111111"), "env.yml")
    by_option = write_policy(policy_text.replace("020-87777742", "020-22222222"), "opt.yml")

    def phone(*args: str, env: dict[str, str] | None = None) -> str:
        result = invoke(*args, "policy", "show", "--json", env=env)
        assert result.exit_code == 0, result.stderr
        return str(json.loads(result.stdout)["service"]["phone"])

    assert phone() == "020-87777742"
    assert phone(env={"ZZXT_POLICY": str(by_env)}) == "020-11111111"
    assert phone("--policy", str(by_option), env={"ZZXT_POLICY": str(by_env)}) == "020-22222222"


def test_check_accepts_the_builtin_policy(invoke, policy_text: str, write_policy) -> None:
    path = write_policy(policy_text)
    result = invoke("policy", "check", str(path))
    assert result.exit_code == 0
    assert "校验通过" in result.stdout
    assert "4 类问题" in result.stdout


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


# (what to replace, replacement, line marker in the result, expected words)
BAD_POLICIES = [
    pytest.param(
        "deadline: {warn: 2, breach: 3}",
        "deadline: {warn: 两天, breach: 3}",
        "warn: 两天",
        ["categories[1].deadline.warn", "应为整数"],
        id="时限不是整数",
    ),
    pytest.param(
        "deadline: {warn: 1, breach: 2}",
        "deadline: {warn: 3, breach: 2}",
        "warn: 3, breach: 2",
        ["categories[0].deadline", "提醒线"],
        id="提醒线晚于超期线",
    ),
    pytest.param(
        "  phone: 020-87777742",
        "  phon: 020-87777742",
        "phon: 020",
        ["service.phon", "未知字段"],
        id="字段拼写错误",
    ),
    pytest.param(
        "      categories: [application, technical]\n",
        "      categories: [application, technicl]\n",
        "technicl",
        ["service.mailboxes[0].categories[1]", "technicl"],
        id="邮箱引用不存在的类别",
    ),
    pytest.param(
        "  timezone: Asia/Shanghai",
        "  timezone: Beijing/China",
        "Beijing/China",
        ["calendar.timezone", "未知时区"],
        id="时区错误",
    ),
    pytest.param(
        "  years: {}",
        "  years:\n    2027:\n      holidays: [2026-10-01]",
        "2026-10-01",
        ["calendar.years[2027].holidays[0]", "其他年份"],
        id="放假日期不在该年",
    ),
    pytest.param(
        '    category: {prefix: 类别, color: "1d76db"}',
        '    category: {prefix: 类别, color: "blue"}',
        'color: "blue"',
        ["labels.groups.category.color", "格式不符"],
        id="颜色格式",
    ),
    pytest.param(
        '  subject_format: "{city}-{stage}-{category}"',
        '  subject_format: "{city}-{school}-{category}"',
        "{school}",
        ["report.subject_format", "school"],
        id="邮件主题未知占位符",
    ),
    pytest.param(
        "    - id: phone\n      type: input\n      label: 联系电话\n",
        "    - id: telephone\n      type: input\n      label: 联系电话\n",
        "  common:",
        ["forms.common", "phone"],
        id="缺少约定字段",
    ),
    pytest.param(
        "  - 云浮市\n",
        "  - 云浮市\n  - 广州市  # dup\n",
        "# dup",
        ["cities[21]", "地市重复：广州市"],
        id="地市重复",
    ),
    pytest.param(
        "  - key: requirement\n    name: 需求建议",
        "  - key: Requirement\n    name: 需求建议",
        "key: Requirement",
        ["categories[3].key", "格式不符"],
        id="类别key大写",
    ),
]


@pytest.mark.parametrize(("old", "new", "marker", "words"), BAD_POLICIES)
def test_check_names_file_line_and_field(
    invoke, policy_text: str, write_policy, old: str, new: str, marker: str, words: list[str]
) -> None:
    assert old in policy_text
    text = policy_text.replace(old, new, 1)
    path = write_policy(text)
    result = invoke("policy", "check", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert str(path) in result.stderr
    for word in words:
        assert word in result.stderr
    lines = [int(n) for n in re.findall(r"第 (\d+) 行", result.stderr)]
    assert _line_of(text, marker) in lines
    assert "Traceback" not in result.stderr


def test_field_error_points_at_its_exact_line(policy_text: str) -> None:
    text = policy_text.replace("deadline: {warn: 2, breach: 3}", "deadline: {warn: x, breach: 3}")
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.yml")
    assert (
        f"p.yml 第 {_line_of(text, 'warn: x')} 行，字段 categories[1].deadline.warn"
        in caught.value.message
    )


def test_yaml_syntax_error_names_the_line(invoke, policy_text: str, write_policy) -> None:
    text = policy_text.replace("  phone: 020-87777742", "  phone: 020-87777742: 转 8")
    result = invoke("policy", "check", str(write_policy(text)))
    assert result.exit_code == 2
    assert "YAML 格式错误" in result.stderr
    assert re.findall(r"第 (\d+) 行", result.stderr) == [str(_line_of(text, "87777742: 转 8"))]


@pytest.mark.parametrize(
    ("content", "words"),
    [("", "键值对"), ("- a\n- b\n", "键值对"), (b"\xff\xfe", "UTF-8")],
    ids=["空文件", "列表", "非UTF8"],
)
def test_unusable_files(invoke, tmp_path: Path, content: str | bytes, words: str) -> None:
    path = tmp_path / "p.yml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = invoke("policy", "check", str(path))
    assert result.exit_code == 2
    assert words in result.stderr


def test_missing_file(invoke, tmp_path: Path) -> None:
    result = invoke("policy", "check", str(tmp_path / "nope.yml"))
    assert result.exit_code == 2
    assert "找不到政策文件" in result.stderr


def test_bad_policy_stops_everything_before_writing(invoke, tmp_path: Path, write_policy) -> None:
    out = tmp_path / "forms"
    bad = write_policy("schema_version: 1\n")
    result = invoke("--policy", str(bad), "forms", "render", "--flavor", "gitea", "--out", str(out))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "缺少必填字段" in result.stderr
    assert not out.exists()


def test_env_policy_is_validated_too(invoke, write_policy) -> None:
    bad = write_policy("schema_version: 2\n")
    result = invoke("labels", "list", env={"ZZXT_POLICY": str(bad)})
    assert result.exit_code == 2
    assert "schema_version" in result.stderr


def test_another_province_is_a_file_not_code(invoke, policy_text: str, write_policy) -> None:
    """A province swaps cities, phone and deadlines; forms and labels follow."""
    text = (
        policy_text.replace("广州市", "南宁市")
        .replace("020-87777742", "0771-5555555")
        .replace("deadline: {warn: 1, breach: 2}", "deadline: {warn: 2, breach: 3}")
    )
    path = write_policy(text)
    labels = json.loads(invoke("--policy", str(path), "labels", "list", "--json").stdout)
    assert "地市/南宁市" in [label["name"] for label in labels]
    assert "地市/广州市" not in [label["name"] for label in labels]
    show = json.loads(invoke("--policy", str(path), "policy", "show", "--json").stdout)
    assert show["categories"][0]["deadline"]["breach"] == 3

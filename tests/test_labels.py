"""Every label the system uses, from the policy."""

from __future__ import annotations

import json
import re

import pytest

from tracker.cli.table import width as table_width
from tracker.policy import load_policy


@pytest.fixture
def labels(invoke) -> list[dict[str, str]]:
    result = invoke("labels", "list", "--json")
    assert result.exit_code == 0
    return list(json.loads(result.stdout))


def test_json_shape(labels: list[dict[str, str]]) -> None:
    assert all(set(label) == {"name", "color", "description"} for label in labels)
    assert all(re.fullmatch(r"[0-9a-f]{6}", label["color"]) for label in labels)
    names = [label["name"] for label in labels]
    assert len(names) == len(set(names))
    # 4 categories, 5 subcategories, 6 stages, 22 cities, 11 fixed labels; at the province level
    # one tier label (层级/地市报送), 4 account states and the filing reminder's label.
    assert len(labels) == 4 + 5 + 6 + 22 + 11 + 1 + 4 + 1


@pytest.mark.parametrize(
    "name",
    [
        "类别/应用类问题",
        "类别/技术类问题",
        "类别/用户申请",
        "类别/需求建议",
        "子类/操作类",
        "子类/系统登录类",
        "子类/培训指导类",
        "子类/数据问题",
        "子类/系统漏洞",
        "学段/义务教育",
        "学段/高等教育（研究生）",
        "地市/广州市",
        "地市/省直属",
        "标记/紧急",
        "状态/待受理",
        "状态/信息不全",
        "状态/待分类",
        "状态/不予受理",
        "SLA/即将超期",
        "SLA/已超期",
        "SLA/超期答复",
        "标记/已培训问题",
        "标记/疑似已培训问题",
        "标记/含敏感信息",
    ],
)
def test_label_exists(labels: list[dict[str, str]], name: str) -> None:
    assert name in [label["name"] for label in labels]


def test_descriptions_come_from_the_policy(labels: list[dict[str, str]]) -> None:
    by_name = {label["name"]: label for label in labels}
    assert by_name["类别/技术类问题"]["description"].endswith("3 个工作日内答复")
    assert by_name["类别/技术类问题"]["color"] == "1d76db"
    assert by_name["地市/汕头市"]["description"] == "地市：汕头市"
    assert "第十九条" in by_name["标记/含敏感信息"]["description"]


def test_policy_edit_changes_labels(invoke, policy_text: str, write_policy) -> None:
    text = policy_text.replace(
        'stage: {prefix: 学段, color: "0e8a16"}', 'stage: {prefix: 学段, color: "123abc"}'
    )
    result = invoke("--policy", str(write_policy(text)), "labels", "list", "--json")
    stages = [label for label in json.loads(result.stdout) if label["name"].startswith("学段/")]
    assert len(stages) == 6 and all(label["color"] == "123abc" for label in stages)


def test_duplicate_label_name_is_a_policy_error(invoke, policy_text: str, write_policy) -> None:
    text = policy_text.replace("name: 标记/紧急", "name: 地市/广州市")
    result = invoke("--policy", str(write_policy(text)), "labels", "list")
    assert result.exit_code == 2
    assert "标签名称重复：地市/广州市" in result.stderr


def test_managed_prefixes() -> None:
    assert load_policy().label_book().prefixes() == {
        "类别",
        "子类",
        "学段",
        "地市",
        "状态",
        "SLA",
        "标记",
        "层级",
        "账号",
        "备案",
    }


def test_text_listing(invoke) -> None:
    result = invoke("labels", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["名称", "颜色", "说明"]
    assert len(lines) == 1 + len(load_policy().label_book().specs())
    assert lines[1].startswith("类别/应用类问题") and "#1d76db" in lines[1]
    # Columns line up although names mix wide and narrow characters.
    assert len({table_width(line[: line.index("#")]) for line in lines[1:]}) == 1

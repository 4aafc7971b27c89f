"""Another province ships its own policy file, not code: nothing of Guangdong leaks through.

The policy below is written for an imaginary province with five categories (a
fifth, 数据安全, that Guangdong does not have), its own phone, mailboxes, cities,
articles and guide texts. The site, the issue forms and the labels are rendered
from it, through the library and through the CLI, and searched for anything
that belongs to Guangdong or to a fixed number of categories.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.paths import Invoke
from tracker.forge.kinds import KIND_NAMES
from tracker.kb import site
from tracker.kb.entries import load_entries
from tracker.policy import default_policy_text, parse_policy
from tracker.templates.forms import render_templates

# What must never appear in another province's output.
GUANGDONG = [
    "广东",
    "粤教",
    "四类",
    "四大类",
    "020-87777742",
    "3448874014@qq.com",
    "gdzzxt@gdedu.gov.cn",
    "广州市",
    "省直属",
    "省助学办",
    "第十二条",
    "第十四条",
]

ENTRY = """\
---
id: data-leak-report
title: 发现学生信息可能泄露，应当怎么报告？
category: security
subcategory: leak
stages: []
trained: false
keywords: [信息泄露, 数据安全]
updated: 2026-11-20
---

# 发现学生信息可能泄露，应当怎么报告？

立即停止传播，按本省规定向受理部门报告，电话 {{phone}}。
"""


def other_province() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(default_policy_text())
    data["document"] = {
        "number": "示教助〔2026〕7号",
        "title": "学生资助管理信息系统技术支持服务办法（示例省）",
        "short_title": "服务办法",
        "authority": "示例省教育厅",
        "region": "示例省",
        "receiver": "示例省学生资助管理中心",
    }
    data["articles"] = {"scope": ["第三条"], "trained": ["第九条"], "deadlines": ["第十条"]}
    data["service"] = {
        "phone": "0999-1234567",
        "mailboxes": [
            {
                "address": "zizhu@example.edu.cn",
                "categories": ["application", "technical", "account", "requirement", "security"],
            }
        ],
    }
    data["cities"] = ["甲市", "乙市", "丙市", "厅直属"]
    data["mail"]["city_aliases"] = {"厅直属": ["厅属"]}
    data["mail"]["unit_rules"] = []
    data["filing"] = {"register_file": "备案/登记.yml", "exclude": ["厅直属"]}
    data["categories"].append(
        {
            "key": "security",
            "name": "数据安全",
            "description": "学生个人信息泄露和数据安全事件",
            "subcategories": [{"key": "leak", "name": "信息泄露"}],
            "deadline": {"warn": 0, "breach": 1},
        }
    )
    data["forms"]["categories"]["security"] = {
        "file": "05-security.yml",
        "about": "数据安全事件，1 个工作日内答复。",
        "fields": [
            {
                "id": "subcategory",
                "type": "dropdown",
                "label": "事件类型",
                "options_from": "subcategories",
                "required": True,
            },
            {"id": "detail", "type": "textarea", "label": "事件经过", "required": True},
        ],
    }
    for key in ("application", "technical", "account", "requirement"):
        data["forms"]["categories"][key]["about"] = f"{key} 类问题。"
    data["forms"]["intro"] = "请按《{document}》报送问题。服务电话：{phone}。"
    data["forms"]["confirmations"]["options"] = [
        {"label": "本问题不含学生身份证号、银行卡号等个人信息。", "required": True}
    ]
    for field in data["forms"]["common"]:
        if field["id"] == "city":
            field["description"] = "厅属单位请选择“厅直属”。"
        if field["id"] == "unit":
            field["description"] = "单位全称。"
    data["accepted_units"] = ["市教育局", "高等学校"]
    # Guangdong's mail aliases and unit rules name its cities and units.
    data["mail"] = {}
    data["guide"] = {
        "lower_levels": "县级教育部门和学校的问题先报所在市教育局。",
        "provincial_units": "高等学校写“厅直属”",
        "training": ["示例省学生资助管理中心每年组织一次培训。"],
        "security": ["不要在问题中填写学生个人信息。"],
        "accounts": {
            "category": "account",
            "steps": [
                {"direction": "up", "title": "市级汇总", "text": "市教育局汇总后报{receiver}。"},
                {"direction": "down", "title": "下发", "text": "{receiver}下发账号。"},
            ],
        },
    }
    return data


@pytest.fixture
def policy_path(tmp_path: Path) -> Path:
    path = tmp_path / "示例省.yml"
    path.write_text(yaml.safe_dump(other_province(), allow_unicode=True), encoding="utf-8")
    return path


def leaks(text: str) -> list[str]:
    return [word for word in GUANGDONG if word in text]


def test_the_site_names_five_categories_and_nothing_of_guangdong(
    policy_path: Path, tmp_path: Path
) -> None:
    policy = parse_policy(policy_path.read_text("utf-8"), str(policy_path))
    faq = tmp_path / "faq"
    faq.mkdir()
    (faq / "data-leak-report.md").write_text(ENTRY, encoding="utf-8")
    entries = load_entries(faq, policy)
    pages = site.pages(policy, entries)
    pages["entry"] = site.decorate(policy, entries[0], entries[0].body)
    for path, text in pages.items():
        assert leaks(text) == [], path
    home, guide = pages[site.HOME], pages[site.guide_page(policy)]
    # Five category cards on the home page, five rows in the guide's table.
    assert len(re.findall(r"^-   \*\*\[", home, re.M)) == 5
    for category in policy.categories:
        assert f"| [{category.name}](" in guide
    assert "数据安全" in pages[site.category_page("security")]
    assert "0999-1234567" in guide and "zizhu@example.edu.cn" in guide
    assert "高等学校写“厅直属”" in guide
    # Articles come from this province's document: 第三条 for scope, none for tiers.
    assert "原则上只受理下列单位报送的问题（第三条）" in guide
    assert "示例省学生资助管理中心下发账号" in guide
    assert "0999-1234567" in pages["entry"]


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_the_forms_follow_the_policy(policy_path: Path, kind: str) -> None:
    policy = parse_policy(policy_path.read_text("utf-8"), str(policy_path))
    files = render_templates(policy, kind)  # type: ignore[arg-type]
    assert sorted(files) == [
        "01-application.yml",
        "02-technical.yml",
        "03-account.yml",
        "04-requirement.yml",
        "05-security.yml",
        "config.yml",
    ]
    for name, text in files.items():
        assert leaks(text) == [], name
    security = yaml.safe_load(files["05-security.yml"])
    assert security["title"] == "XX市-XX学段-数据安全："
    assert "类别/数据安全" in security["labels"]
    config = yaml.safe_load(files["config.yml"])
    assert "（第九条）" in config["contact_links"][0]["about"]


def test_labels_and_policy_through_the_cli(invoke: Invoke, policy_path: Path) -> None:
    result = invoke("--policy", str(policy_path), "labels", "list", "--json")
    assert result.exit_code == 0, result.stderr
    names = [label["name"] for label in json.loads(result.stdout)]
    # 5 categories, 6 subcategories, 6 stages, 4 cities, 11 fixed labels, and the province
    # level's extra labels: one tier label, 4 account states, the filing reminder.
    assert len(names) == 5 + 6 + 6 + 4 + 11 + 1 + 4 + 1
    assert "类别/数据安全" in names and "子类/信息泄露" in names
    assert leaks("\n".join(names)) == []
    shown = invoke("--policy", str(policy_path), "policy", "show")
    assert shown.exit_code == 0
    assert leaks(shown.stdout) == []
    assert "数据安全" in shown.stdout
    for command in (
        ["sync", "--help"],
        ["triage", "--help"],
        ["sla", "check", "--help"],
        ["--help"],
    ):
        text = invoke("--policy", str(policy_path), *command).stdout
        assert leaks(text) == [], command

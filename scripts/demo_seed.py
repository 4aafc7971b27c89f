"""Print the sandbox seed `make demo` uses: a month of reports around National Day 2025.

Thirty-odd issues from cities, universities and provincial schools, across the
four categories and six school stages, filed before, during and after the
holiday; some answered in time, some late, some not at all. Judge them with
`--now 2025-10-13T10:00:00+08:00` (the Monday after the holiday). Beside it, a city's
tracker (`fs/support`, the example city policy) holds one report to escalate.

    .venv/bin/python scripts/demo_seed.py > seed.yml
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from tracker.policy import load_policy
from tracker.templates.forms import build_forms

DEMO_NOW = "2025-10-13T10:00:00+08:00"
BOT_TOKEN = "demo-bot-token"
STAFF_TOKEN = "demo-staff-token"
# The city tracker beside the province's: its bot, and its account on the province's tracker.
CITY_REPO = "fs/support"
CITY_BOT_TOKEN = "demo-foshan-bot-token"
CITY_UP_TOKEN = "demo-foshan-up-token"
CITY_POLICY = Path(__file__).resolve().parents[1] / "tracker/policies/examples/city-foshan.yml"

# (city, unit, unit type, stage index, category, subcategory, summary,
#  created, answered after hours or None, who answers)
REPORTS: list[tuple[str, str, str, int, str, str, str, str, float | None]] = [
    (
        "广州市",
        "广州市教育局",
        "地级以上市教育局",
        1,
        "technical",
        "数据问题",
        "资助名单导出后人数与系统统计不一致",
        "2025-09-26T15:00",
        20.0,
    ),
    (
        "深圳市",
        "深圳市教育局",
        "地级以上市教育局",
        2,
        "application",
        "操作类",
        "普通高中免学费名单找不到提交按钮",
        "2025-09-28T09:30",
        3.0,
    ),
    (
        "省直属",
        "华南示范大学",
        "普通高校",
        4,
        "technical",
        "系统漏洞",
        "国家助学金审核页面点击保存报错",
        "2025-09-29T11:00",
        None,
    ),
    (
        "佛山市",
        "佛山市教育局",
        "地级以上市教育局",
        0,
        "application",
        "系统登录类",
        "区县管理员账号被锁定无法登录",
        "2025-09-29T16:40",
        26.0,
    ),
    (
        "东莞市",
        "东莞市教育局",
        "地级以上市教育局",
        1,
        "account",
        "",
        "新任资助专干需要开通市级账号",
        "2025-09-30T09:10",
        190.0,
    ),
    (
        "中山市",
        "中山市教育局",
        "地级以上市教育局",
        3,
        "technical",
        "数据问题",
        "中职学生资助卡号批量导入后部分为空",
        "2025-09-30T14:20",
        None,
    ),
    (
        "省直属",
        "广东示范职业技术学院",
        "普通高校",
        4,
        "application",
        "培训指导类",
        "新学年操作手册和培训视频在哪里下载",
        "2025-09-30T16:00",
        260.0,
    ),
    (
        "汕头市",
        "汕头市教育局",
        "地级以上市教育局",
        1,
        "requirement",
        "",
        "建议增加按学段批量导出受助学生名单",
        "2025-09-30T17:30",
        None,
    ),
    (
        "珠海市",
        "珠海市教育局",
        "地级以上市教育局",
        2,
        "technical",
        "数据问题",
        "家庭经济困难学生认定结果回退后无法重新提交",
        "2025-10-09T09:00",
        5.0,
    ),
    (
        "湛江市",
        "湛江市教育局",
        "地级以上市教育局",
        0,
        "application",
        "操作类",
        "学前教育资助名单审核退回后如何修改",
        "2025-10-09T10:30",
        None,
    ),
    (
        "省直属",
        "广东省示范中等专业学校",
        "省属学校",
        3,
        "technical",
        "系统漏洞",
        "免学费名单上报时页面长时间无响应",
        "2025-10-10T08:50",
        None,
    ),
    (
        "江门市",
        "江门市教育局",
        "地级以上市教育局",
        1,
        "application",
        "系统登录类",
        "学校账号首次登录修改密码不成功",
        "2025-10-10T14:00",
        20.0,
    ),
    (
        "惠州市",
        "惠州市教育局",
        "地级以上市教育局",
        2,
        "technical",
        "数据问题",
        "普通高中国家助学金发放记录重复",
        "2025-10-11T09:20",
        None,
    ),
    (
        "肇庆市",
        "肇庆市教育局",
        "地级以上市教育局",
        1,
        "application",
        "操作类",
        "义务教育生活补助名单能否分批提交",
        "2025-10-11T15:00",
        None,
    ),
    (
        "清远市",
        "清远市教育局",
        "地级以上市教育局",
        0,
        "account",
        "",
        "幼儿园园长调岗需要停用原账号",
        "2025-10-12T10:00",
        None,
    ),
    (
        "省直属",
        "岭南示范大学",
        "普通高校",
        5,
        "application",
        "操作类",
        "研究生学业奖学金名单导入模板字段说明",
        "2025-10-13T08:30",
        None,
    ),
    (
        "韶关市",
        "韶关市教育局",
        "地级以上市教育局",
        1,
        "technical",
        "数据问题",
        "学籍变动学生在资助系统中仍显示原学校",
        "2025-10-13T09:10",
        None,
    ),
    (
        "梅州市",
        "梅州市教育局",
        "地级以上市教育局",
        2,
        "requirement",
        "",
        "希望学籍信息同步改为每天一次",
        "2025-09-22T10:00",
        50.0,
    ),
    (
        "阳江市",
        "阳江市教育局",
        "地级以上市教育局",
        3,
        "application",
        "培训指导类",
        "中职资助政策培训课件申请",
        "2025-09-23T11:00",
        2.0,
    ),
    (
        "茂名市",
        "茂名市教育局",
        "地级以上市教育局",
        1,
        "technical",
        "系统漏洞",
        "导出 Excel 时提示文件损坏",
        "2025-09-24T16:30",
        110.0,
    ),
    (
        "揭阳市",
        "揭阳市教育局",
        "地级以上市教育局",
        0,
        "application",
        "操作类",
        "学前资助项目如何新增批次",
        "2025-09-25T09:00",
        None,
    ),
]


def body(form: Any, answers: dict[str, str]) -> str:
    parts = []
    for element in form.elements:
        if element.type == "checkboxes":
            text = "\n".join(f"- [X] {option}" for option in element.options)
        else:
            text = answers.get(element.id) or "_No response_"
        parts.append(f"### {element.label}\n\n{text}\n")
    return "\n".join(parts)


def build() -> dict[str, Any]:
    policy = load_policy()
    forms = {form.category: form for form in build_forms(policy)}
    labels = [
        {"name": f"类别/{c.name}", "color": "1d76db", "description": c.description}
        for c in policy.categories
    ] + [{"name": "状态/不予受理", "color": "e4e669"}]
    issues = []
    for number, report in enumerate(REPORTS, start=1):
        city, unit, unit_type, stage, key, sub, summary, created, answered = report
        category = policy.category(key)
        answers = {
            "city": city,
            "stage": policy.stages[stage].name,
            "unit": unit,
            "unit_type": unit_type,
            "reporter": "资助工作人员",
            "role": "资助系统管理员",
            "phone": "020-00000000",
            "urgent": "是" if number % 5 == 0 else "否",
            "summary": summary,
            "subcategory": sub,
            "detail": summary + "，已按知识库操作仍未解决。",
            "tried": "已查阅知识库并重新登录尝试。",
            "module": "资助业务管理",
            "steps": "1. 进入对应菜单\n2. 按提示操作\n3. 出现问题",
            "affected": "约 30 条记录",
            "request_type": "新增账号",
            "account_level": "市级",
            "account_role": "市级资助管理员",
            "account_count": "1",
            "reason": "人员变动",
            "current": "目前需要人工汇总。",
            "proposal": summary + "。",
        }
        when = datetime.fromisoformat(created + ":00+08:00")
        comments = [
            {
                "user": "reporter-" + str(number),
                "body": "补充：问题仍然存在。",
                "created_at": (when + timedelta(hours=1)).isoformat(),
            },
        ]
        if answered is not None:
            comments.append(
                {
                    "user": "province-staff",
                    "body": "已收到，正在处理，请留意回复。",
                    "created_at": (when + timedelta(hours=answered)).isoformat(),
                }
            )
        issues.append(
            {
                "number": number,
                "title": f"{policy.subject(city, policy.stages[stage].name, key)}：{summary}",
                "body": body(forms[key], answers),
                "user": "reporter-" + str(number),
                "labels": [f"类别/{category.name}"],
                "created_at": when.isoformat(),
                "comments": comments,
            }
        )
    # A report from a district office, which the rules do not accept (第十二条).
    issues.append(
        {
            "number": len(issues) + 1,
            "title": "某区教育局直接报送：系统打不开",
            "body": "区教育局直接报送的问题。",
            "user": "district-office",
            "labels": ["类别/应用类问题", "状态/不予受理"],
            "created_at": "2025-10-09T09:00:00+08:00",
        }
    )
    # One without a category label: judged by the strictest deadline.
    issues.append(
        {
            "number": len(issues) + 1,
            "title": "云浮市-义务教育-问题：未选择类别",
            "body": "忘记选择问题类别。",
            "user": "yunfu-bureau",
            "labels": [],
            "created_at": "2025-10-10T09:00:00+08:00",
        }
    )
    return {
        "users": [
            {"login": "zzxt-bot", "token": BOT_TOKEN, "type": "Bot"},
            {"login": "province-staff", "token": STAFF_TOKEN},
            {"login": "foshan-bot", "token": CITY_BOT_TOKEN, "type": "Bot"},
            {"login": "foshan-up", "token": CITY_UP_TOKEN},
        ],
        "repos": [
            {"name": "gdzz/support", "private": True, "labels": labels, "issues": issues},
            city_repo(),
        ],
    }


def city_repo() -> dict[str, Any]:
    """佛山市's own tracker (the example city policy): one report a district could not solve."""
    policy = load_policy(CITY_POLICY)
    form = next(f for f in build_forms(policy) if f.category == "technical")
    answers = {
        "city": "佛山市",
        "stage": "义务教育",
        "unit": "佛山市南海区教育局",
        "unit_type": "区县教育局",
        "reporter": "何老师",
        "role": "区资助系统管理员",
        "phone": "13700000000",
        "urgent": "是",
        "summary": "资助名单导入后人数与学籍不符",
        "subcategory": "数据问题",
        "module": "资助业务管理 > 名单导入",
        "steps": "1. 导入义务教育资助名单\n2. 统计显示人数比学籍少 12 人",
        "affected": "约 12 名学生",
    }
    return {
        "name": CITY_REPO,
        "private": True,
        "labels": [{"name": "类别/技术类问题", "color": "1d76db"}],
        "issues": [
            {
                "number": 1,
                "title": "佛山市-义务教育-技术类问题：资助名单导入后人数与学籍不符",
                "body": body(form, answers),
                "user": "nanhai-edu",
                "labels": ["类别/技术类问题"],
                "created_at": "2025-10-10T15:00:00+08:00",
            }
        ],
    }


def main() -> None:
    yaml.safe_dump(build(), sys.stdout, allow_unicode=True, sort_keys=False, width=1000)


if __name__ == "__main__":
    main()

"""Messages and a tracker for the mail bots' tests: the corpus, workbooks, replies, a seed."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.support.pii import make_id
from tracker.attachments import build_workbook
from tracker.attachments.sheet import Meta
from tracker.policy import Policy

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
BEIJING = ZoneInfo("Asia/Shanghai")
BOT_TOKEN = "t-mail-bot-5d1e"
STAFF_TOKEN = "t-mail-staff-8a2c"
STUDENT_ID = make_id("440106", date(2008, 3, 1), 123)
SERVICE = "gdzzxt@gdedu.gov.cn"


def corpus(name: str) -> bytes:
    """Return the bytes of one corpus message, by the start of its file name."""
    found = sorted(CORPUS.glob(f"{name}*.eml"))
    assert len(found) == 1, name
    return found[0].read_bytes()


def expected(name: str) -> dict[str, Any]:
    found = sorted(CORPUS.glob(f"{name}*.json"))
    data: dict[str, Any] = json.loads(found[0].read_text("utf-8"))
    return data


def seed_yaml(policy: Policy) -> str:
    """Two users (the bot, staff), the policy's labels, one issue staff opened by hand."""
    labels = "\n".join(
        f'      - {{name: {json.dumps(s.name, ensure_ascii=False)}, color: "{s.color}"}}'
        for s in policy.label_book().specs()
    )
    return f"""\
users:
  - {{login: zzxt-bot, token: {BOT_TOKEN}, type: Bot}}
  - {{login: staff1, token: {STAFF_TOKEN}, type: User}}
repos:
  - name: gdzz/support
    private: true
    writers: [zzxt-bot, staff1]
    labels:
{labels}
    issues:
      - number: 1
        title: 佛山市-普通高中-应用类问题：无法导出名单
        body: 网页表单报送的问题
        user: staff1
        created_at: 2026-11-27T10:00:00+08:00
"""


def _row(category: str, summary: str, **fields: str) -> dict[str, Any]:
    common = {
        "city": "广州市",
        "stage": "义务教育",
        "unit": "广州市教育局",
        "unit_type": "地级以上市教育局",
        "reporter": "陈老师",
        "role": "市资助中心系统管理员",
        "phone": "13800138000",
        "urgent": "否",
        "summary": summary,
    }
    own = {
        "application": {"subcategory": "操作类", "menu": "资助业务管理", "detail": "导入时报错"},
        "technical": {"subcategory": "数据问题", "module": "统计分析", "steps": "1. 打开统计"},
        "account": {
            "request_type": "新增账号",
            "account_level": "市级",
            "account_role": "市级资助管理员",
            "account_count": "1",
            "reason": "岗位调整",
        },
    }[category]
    return {"category": category, "created": "2026-11-27", "fields": {**common, **own, **fields}}


def workbook(policy: Policy, form: int, rows: list[dict[str, Any]]) -> bytes:
    wb, _ = build_workbook(
        policy, form, rows, Meta(unit="广州市教育局", period="2026年11月", day=date(2026, 11, 27))
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def message(
    subject: str,
    body: str,
    *,
    sender: str = "陈老师 <chen@gz.example.cn>",
    message_id: str,
    sent: datetime | None = None,
    attachments: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
    headers: dict[str, str] | None = None,
) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = f"3448874014@qq.com, {SERVICE}"
    mail["Subject"] = subject
    mail["Date"] = format_datetime(sent or datetime(2026, 11, 28, 10, 0, tzinfo=BEIJING))
    mail["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    for filename, data in attachments:
        mail.add_attachment(
            data,
            maintype="application",
            subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename=filename,
        )
    return mail.as_bytes()


FORM2_ROWS = [
    ("application", "导入名单时提示模板错误", {}),
    ("technical", "统计报表缺少已审核数据", {"steps": f"1. 查询学生 {STUDENT_ID}\n2. 报表为空"}),
    ("application", "无法打印审批表", {"stage": "普通高中"}),
]


def form2_message(policy: Policy, message_id: str = "<form2-nov@gz.example.cn>") -> bytes:
    rows = [_row(c, s, **f) for c, s, f in FORM2_ROWS]
    body = (
        "单位：广州市教育局\n身份：市资助中心系统管理员\n姓名：陈老师\n联系方式：13800138000\n"
        "问题简要描述：本月汇总的问题见附件2\n是否紧急：否\n"
    )
    return message(
        "广州市-义务教育-技术类问题：本月汇总",
        body,
        message_id=message_id,
        attachments=[("附件2 应用类及技术类问题反馈表.xlsx", workbook(policy, 2, rows))],
    )


def form3_message(policy: Policy) -> bytes:
    rows = [
        _row("account", "新任工作人员开通账号", reporter="黄老师"),
        _row("account", "调岗人员停用账号", request_type="停用账号", reporter="林老师"),
    ]
    body = (
        "单位：广州市教育局\n身份：市资助中心系统管理员\n姓名：黄老师\n联系方式：13900139000\n"
        "问题简要描述：账号申请见附件3\n是否紧急：否\n"
    )
    return message(
        "广州市-义务教育-用户申请：第二批账号",
        body,
        sender="黄老师 <huang@gz.example.cn>",
        message_id="<form3-nov@gz.example.cn>",
        attachments=[("附件3 用户申请表.xlsx", workbook(policy, 3, rows))],
    )


def auto_reply() -> bytes:
    return message(
        "自动回复：广州市-义务教育-应用类问题",
        "您好，我正在休假，12 月 1 日返回。",
        sender="休假助手 <away@sz.example.cn>",
        message_id="<away-1@sz.example.cn>",
        headers={"Auto-Submitted": "auto-replied"},
    )


def reply_to_corpus(original_id: str) -> bytes:
    return message(
        "回复：广州市-义务教育-应用类问题：导入名单报错",
        f"补充：换了浏览器仍然报错，涉及学生身份证号 {STUDENT_ID}。\n\n"
        "-----原始邮件-----\n发件人：x\n发送时间：y\n收件人：z\n主题：w\n\n原文",
        sender="张晓燕 <zhangxy@example.cn>",
        message_id="<reply-1@example.cn>",
        headers={"In-Reply-To": original_id, "References": original_id},
    )


def reply_by_number(number: int) -> bytes:
    return message(
        f"回复：[#{number}] 补充材料",
        "补充说明：导出时选择了全部学段。",
        sender="佛山老师 <fs@fs.example.cn>",
        message_id="<reply-2@fs.example.cn>",
    )

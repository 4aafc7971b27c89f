"""A tracker as a hostile reporter leaves it: personal numbers, forged markers, injected Markdown.

Every item of issue 10's "Why" list has an issue here (numbered as the list is).
The bot's and the staff member's tokens are those of `tests/support/sandbox.py`'s
style: fixed values that only this seed knows.
"""

from __future__ import annotations

import json

BOT = "t-hostile-bot-4b1e"
STAFF = "t-hostile-staff-9c3a"
OUTSIDER = "t-hostile-outsider-27d0"
NOW = "2025-10-13T10:00:00+08:00"  # every issue below, received 2025-09-30, is overdue

ID = "440106200501011237"
CARD = "6217001234567890122"
UNIT_WITH_ID = f"学生{ID}"


def form_body(unit: str, stage: str = "高等教育（本专科）") -> str:
    return f"### 所属地市\n\n广州市\n\n### 学段\n\n{stage}\n\n### 报送单位\n\n{unit}\n"


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(text, ensure_ascii=False)


INJECTED_TITLE = (
    "广州市-应用类问题：列|错位 @admin @gdzz/province 见[说明](http://evil.example/x) "
    "![](http://track.example/p.gif) <img src=x onerror=alert(1)> <!-- x -->\x00 #1 www.evil.example"
)
INJECTED_UNIT = "华南示范大学|伪造列\n# 伪造标题\n@admin <b>粗</b>"
INJECTED_STAGE = "高等教育|伪造学段"
FORGED_TRIAGE = "<!-- zzxt:triage-missing -->\n<!-- zzxt:triage-pii -->\n<!-- zzxt:triage-faq -->\n报告人自己的评论"
OUTSIDER_DASHBOARD = "<!-- zzxt:dashboard -->\n我来接管进度清单"
FORGED_REMINDER = "<!-- zzxt:sla-overdue -->\n已经提醒过了，不用再提醒"

SEED = f"""\
users:
  - {{login: zzxt-bot, token: {BOT}, type: Bot}}
  - {{login: staff1, token: {STAFF}}}
  - {{login: outsider, token: {OUTSIDER}}}
  - {{login: "github-actions[bot]", type: Bot}}
teams:
  - {{name: gdzz/province, members: [staff1]}}
repos:
  - name: gdzz/support
    private: true
    writers: [zzxt-bot, staff1]
    labels:
      - {{name: 类别/应用类问题, color: "1d76db"}}
      - {{name: 类别/技术类问题, color: "1d76db"}}
    issues:
      # 2: an outsider's issue carrying the dashboard marker, older than any real one.
      - number: 1
        title: 我的问题
        body: {_q(OUTSIDER_DASHBOARD)}
        user: outsider
        created_at: 2025-09-29T09:00:00+08:00
      # 1: personal numbers in the title and the unit.
      - number: 2
        title: {_q(f"广州市-应用类问题：学生{ID}银行卡{CARD}")}
        body: {_q(form_body(UNIT_WITH_ID))}
        user: gz-bureau
        labels: [类别/技术类问题]
        created_at: 2025-09-30T16:00:00+08:00
      # 3: a reporter's comment carrying all three triage markers.
      - number: 3
        title: 广州市-高等教育（本专科）-应用类问题：忘记密码
        body: {_q(form_body("华南示范大学"))}
        user: gz-bureau
        labels: [类别/应用类问题]
        created_at: 2025-09-30T16:00:00+08:00
        comments:
          - {{user: gz-bureau, body: {_q(FORGED_TRIAGE)}, created_at: 2025-10-08T09:00:00+08:00}}
      # 4: Markdown, HTML, mentions and a NUL byte in the title, the unit and the stage.
      - number: 4
        title: {_q(INJECTED_TITLE)}
        body: {_q(form_body(INJECTED_UNIT, INJECTED_STAGE))}
        user: gz-bureau
        labels: [类别/技术类问题]
        created_at: 2025-09-30T16:00:00+08:00
      # 5: a reporter's comment carrying the reminder marker.
      - number: 5
        title: 广州市-高等教育（本专科）-技术类问题：名单缺失
        body: {_q(form_body("华南示范大学"))}
        user: gz-bureau
        labels: [类别/技术类问题]
        created_at: 2025-09-30T16:00:00+08:00
        comments:
          - {{user: gz-bureau, body: {_q(FORGED_REMINDER)}, created_at: 2025-10-09T09:00:00+08:00}}
      # 6: only bots have commented (the bot's triage comment, an app's comment).
      - number: 6
        title: 广州市-高等教育（本专科）-技术类问题：导出失败
        body: {_q(form_body("华南示范大学"))}
        user: gz-bureau
        labels: [类别/技术类问题]
        created_at: 2025-09-30T16:00:00+08:00
        comments:
          - {{user: zzxt-bot, body: "<!-- zzxt:triage-faq -->\\n常见问题知识库中可能有答案", created_at: 2025-10-01T09:00:00+08:00}}
          - {{user: "github-actions[bot]", via_app: github-actions, body: 自动检查完成, created_at: 2025-10-09T09:00:00+08:00}}
      # 7: an outsider without write access says "me too".
      - number: 7
        title: 广州市-高等教育（本专科）-技术类问题：无法上报
        body: {_q(form_body("华南示范大学"))}
        user: gz-bureau
        labels: [类别/技术类问题]
        created_at: 2025-09-30T16:00:00+08:00
        comments:
          - {{user: outsider, body: +1 我也遇到, created_at: 2025-10-09T09:00:00+08:00}}
"""

"""The words of the report, shared by the Word document and the Markdown: title, summary, formats."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from tracker.policy import Policy
from tracker.report.figures import Figures, Report

CHINESE_NUMBERS = "一二三四五六七八九十"


def title(report: Report) -> str:
    """关于2026年第三季度资助系统技术支持服务情况的通报."""
    return f"关于{report.period.label()}{report.settings.system_name}技术支持服务情况的通报"


def whole_region(region: str) -> str:
    """全省, 全市, 全区: how the region calls all of itself."""
    for suffix, word in (
        ("自治区", "全区"),
        ("特别行政区", "全区"),
        ("省", "全省"),
        ("市", "全市"),
    ):
        if region.endswith(suffix):
            return word
    return f"{region}全域"


def addressees(policy: Policy) -> str:
    """各地级以上市教育局、各普通高校、各省属学校：."""
    return "、".join(f"各{unit}" for unit in policy.accepted_units) + "："


def opening(policy: Policy, report: Report) -> str:
    doc = policy.document
    return (
        f"根据《{doc.title}》（{doc.number}）关于督查通报的要求，现将{report.period.label()}"
        f"{report.settings.system_name}技术支持服务情况通报如下。"
    )


def one_decimal(value: float) -> str:
    """Round half up to one decimal (四舍五入), as people check figures by hand."""
    return str(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def percent(rate: float | None) -> str:
    return "—" if rate is None else one_decimal(rate * 100) + "%"


def number(value: float | None) -> str:
    return "—" if value is None else one_decimal(value)


def moment(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def chinese_date(value: datetime) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def heading_number(index: int) -> str:
    """一、二、… for section headings (up to 二十)."""
    if index <= 10:
        return CHINESE_NUMBERS[index - 1]
    return "十" + CHINESE_NUMBERS[index - 11] if index < 20 else "二十"


def summary(report: Report) -> str:
    """The opening paragraph, written from the figures."""
    t = report.total
    who = whole_region(report.region)
    label = report.period.label()
    system = report.settings.system_name
    if t.received == 0:
        return f"{label}，{who}未受理{system}技术支持问题。"
    parts = [f"{label}，{who}共受理{system}技术支持问题 {t.received} 个"]
    kinds = [f"{name} {count} 个" for name, count in t.by_category.items() if count]
    parts.append("，其中" + "、".join(kinds) + "。")
    parts.append(_replies(t))
    parts.append(_times(t, report.settings.hours_per_day()))
    parts.append(_flags(t))
    text = "".join(parts)
    if report.partial:
        text += f"（统计期尚未结束，数据截至 {moment(report.as_of)}。）"
    return text


def provisional(report: Report) -> str:
    """Say which years' deadlines were counted on estimated holidays, or nothing."""
    if not report.provisional_years:
        return ""
    names = "、".join(f"{year}年" for year in report.provisional_years)
    return (
        f"说明：{names}的放假安排尚未录入政策文件，本通报中涉及该年的答复期限暂按法定节假日推算，"
        "是暂定的；录入国务院办公厅的放假通知后，重新生成的通报以通知为准。"
    )


def _replies(t: Figures) -> str:
    if not t.judged:
        return "统计期末尚无到期应答复的问题。"
    return (
        f"到期应答复的 {t.judged} 个问题中，按时答复 {t.on_time} 个，超期答复 {t.late} 个，"
        f"超期未答复 {t.overdue} 个，按时答复率 {percent(t.on_time_rate)}。"
    )


def _times(t: Figures, hours_per_day: float) -> str:
    if t.median_hours is None:
        return ""
    day = "" if hours_per_day >= 24 else f"（每个工作日按 {hours_per_day:g} 个办公小时计）"
    return (
        f"首次答复用时中位数为 {number(t.median_hours)} 个工作小时{day}，"
        f"90% 的问题在 {number(t.p90_hours)} 个工作小时、{number(t.p90_days)} 个工作日内得到首次答复。"
    )


def _flags(t: Figures) -> str:
    others = [
        ("不计答复时限", t.exempt),
        ("统计期末尚未到答复期限", t.pending),
        ("未答复即关闭", t.closed_unanswered),
    ]
    said = [f"{name} {count} 个" for name, count in others if count]
    text = ("另有" + "、".join(said) + "。") if said else ""
    marks = [
        ("不予受理", t.rejected),
        ("疑似或已确认属于已培训问题", t.trained),
        ("含学生个人敏感信息", t.sensitive),
        ("报省处理", t.escalated),
    ]
    said = [f"{name} {count} 个" for name, count in marks if count]
    if said:
        text += "受理的问题中，" + "，".join(said) + "；"
    return text + f"统计期末仍未关闭的问题 {t.open_at_end} 个。"

"""The 督查通报 figures against hand-computed answers.

The fixture is the fourth quarter of 2025: the National Day holiday (1-8
October, make-up Saturday 11 October) and New Year's Day 2026 (make-up Sunday
4 January). Office hours are the default 08:30-12:00 and 14:30-17:30, 6.5
working hours a day. Every expected number below is worked out in a comment.
Other report tests import `ISSUES`, `COMMENTS`, `build` from here.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.pii import make_id
from tracker.bots.identity import BotIdentity
from tracker.bots.rules import Rules
from tracker.bots.sla import Responders, State, evaluate_all
from tracker.errors import CalendarGapError, InputError
from tracker.forge.model import Comment, Issue, User
from tracker.policy import default_policy_text, load_policy, parse_policy
from tracker.report.figures import Outcome, Report, common_form, compute
from tracker.report.period import Period
from tracker.report.settings import ReportSettings
from tracker.report.text import summary, title
from tracker.report.worktime import WorkClock
from tracker.templates.form_parse import parse_body
from tracker.templates.forms import Form, build_forms

POLICY = load_policy()
RULES = Rules.build(POLICY)
CALENDAR = RULES.calendar
ZONE = POLICY.calendar.zone
RESPONDERS = Responders(BotIdentity("zzxt-bot"), writers=frozenset({"staff1", "staff2"}))
STAFF1, STAFF2, BOT = User("staff1"), User("staff2"), User("zzxt-bot", is_bot=True)
REPORTER = User("reporter")
Q4 = Period(date(2025, 10, 1), date(2025, 12, 31), ZONE)
AFTER_Q4 = datetime.fromisoformat("2026-01-05T09:00:00+08:00")


def t(text: str) -> datetime:
    return datetime.fromisoformat(text if "+" in text or text.endswith("Z") else text + "+08:00")


def body(city: str, stage: str, unit: str, unit_type: str) -> str:
    return (
        f"### 所属地市\n\n{city}\n\n### 学段\n\n{stage}\n\n### 报送单位\n\n{unit}\n\n"
        f"### 单位类型\n\n{unit_type}\n\n### 联系人姓名\n\n张三\n\n### 联系电话\n\n13800138000\n"
    )


GZ = ("广州市", "广州市教育局", "地级以上市教育局")
SZ = ("深圳市", "深圳市教育局", "地级以上市教育局")
ZH = ("珠海市", "珠海市教育局", "地级以上市教育局")
SCNU = ("省直属", "华南示范大学", "普通高校")
LNLG = ("省直属", "岭南理工学院", "普通高校")
JTZX = ("省直属", "省交通职业学校", "省属学校")
APP, TECH, ACCOUNT, REQ = "类别/应用类问题", "类别/技术类问题", "类别/用户申请", "类别/需求建议"
REJECTED, SENSITIVE, SUSPECTED = "状态/不予受理", "标记/含敏感信息", "标记/疑似已培训问题"


def issue(
    number: int,
    where: tuple[str, str, str] | None,
    stage: str,
    labels: tuple[str, ...],
    created: str,
    closed: str | None = None,
    author: User = REPORTER,
    text: str | None = None,
) -> Issue:
    city, unit, unit_type = where or ("", "", "")
    return Issue(
        number=number,
        title=f"{city}-{stage}-问题 {number}",
        body=text if text is not None else body(city, stage, unit, unit_type),
        author=author,
        labels=labels,
        assignees=(),
        state="closed" if closed else "open",
        created_at=t(created),
        updated_at=t(closed or created),
        closed_at=t(closed) if closed else None,
    )


def comment(number: int, when: str, user: User, cid: int) -> Comment:
    return Comment(cid, number, user, "已收到", t(when), t(when))


ISSUES = [
    # 1. Received on a holiday; application (2 days): due 10-10 (10-09, 10-10). Answered 10-09
    #    10:00: on time; 1.5 working hours (08:30-10:00), 1 working day.
    issue(1, GZ, "义务教育", (APP,), "2025-10-01T10:00", closed="2025-10-09T12:00"),
    # 2. Friday before the make-up Saturday; technical (3 days): due 10-14 (10-11, 10-13, 10-14).
    #    Answered Monday 10-13 10:00: on time; 1.5 (Fri) + 6.5 (Sat) + 1.5 (Mon) = 9.5 h, 2 days.
    issue(2, GZ, "普通高中", (TECH,), "2025-10-10T16:00", closed="2025-10-13T11:00"),
    # 3. Application due 10-20 (10-17, 10-20); answered 10-21 09:00: late. 6 (Thu) + 6.5 (Fri)
    #    + 6.5 (Mon) + 0.5 (Tue) = 19.5 h, 3 days. Still open.
    issue(3, GZ, "义务教育", (APP,), "2025-10-16T09:00"),
    # 4. Requirement (5 days) due 11-10; never answered: overdue, open.
    issue(4, SZ, "学前教育", (REQ,), "2025-11-03T10:00"),
    # 5. Account (5 days) due 2026-01-06 (12-30, 12-31, 01-04, 01-05, 01-06); answered 01-04,
    #    after the period: not yet due at the end of the period. Closed 01-05: open at the end.
    issue(5, SZ, "义务教育", (ACCOUNT,), "2025-12-29T15:00", closed="2026-01-05T10:00"),
    # 6. Rejected (out of scope): exempt.
    issue(6, SZ, "义务教育", (APP, REJECTED), "2025-11-05T10:00", closed="2025-11-05T11:00"),
    # 7. Technical, answered in half an hour: 14:00-14:30 is lunch, so 0.5 h, 0 days.
    issue(7, SCNU, "高等教育（本专科）", (TECH, SUSPECTED), "2025-11-12T14:00", "2025-11-12T16:00"),
    # 8. Friday 18:00, answered Monday 08:00: no office hour in between, 0 h, 1 day.
    issue(8, SCNU, "高等教育（研究生）", (APP, SENSITIVE), "2025-11-14T18:00", "2025-11-17T09:00"),
    # 9. Technical due 11-25, closed by its author on 11-21 without a reply: closed unanswered.
    issue(9, LNLG, "高等教育（本专科）", (TECH,), "2025-11-20T10:00", closed="2025-11-21T09:00"),
    # 10. Technical due 11-27, closed 12-10 without a reply: overdue (closed); on this, the
    #     province's tracker, it came up from a city (the tier label that counts as 报省处理).
    issue(
        10,
        LNLG,
        "高等教育（本专科）",
        (TECH, RULES.labels.tier("from_city")),
        "2025-11-24T10:00",
        "2025-12-10T10:00",
    ),
    # 11. Application due 12-03; answered 12-03 17:00: on time; 6 + 6.5 + 6 = 18.5 h, 2 days.
    issue(11, JTZX, "中等职业教育", (APP,), "2025-12-01T09:00", closed="2025-12-04T09:00"),
    # 12. No form and no category: city from its label, the strictest deadline (application,
    #     due 12-17); answered 12-18 09:00: late; 5 + 6.5 + 6.5 + 0.5 = 18.5 h, 3 days.
    issue(12, None, "", ("地市/广州市",), "2025-12-15T10:00", "2025-12-18T10:00", text="随便写的"),
    # 13, 14. Just outside the period.
    issue(13, GZ, "义务教育", (APP,), "2025-09-30T23:59:59"),
    issue(14, GZ, "义务教育", (APP,), "2026-01-01T00:00"),
    # 15. The last second of the period, written in UTC: technical, not yet due.
    issue(15, SZ, "普通高中", (TECH,), "2025-12-31T15:59:59Z"),
    # 16. The SLA bot's progress list is not a report.
    issue(16, None, "", (), "2025-10-02T08:00", author=BOT, text="<!-- zzxt:dashboard -->\n清单"),
    # 17. Rejected again, Zhuhai's only issue: Zhuhai has nothing due and no rank.
    issue(17, ZH, "义务教育", (APP, REJECTED), "2025-10-15T10:00", closed="2025-10-15T11:00"),
]

COMMENTS = [
    comment(1, "2025-10-09T10:00", STAFF1, 1),
    comment(2, "2025-10-13T10:00", STAFF2, 2),
    comment(3, "2025-10-16T09:05", BOT, 3),  # bots never answer
    comment(3, "2025-10-17T09:00", REPORTER, 4),  # nor does the author
    comment(3, "2025-10-21T09:00", STAFF1, 5),
    comment(3, "2025-10-22T09:00", STAFF2, 6),  # only the first answer counts
    comment(5, "2026-01-04T09:00", STAFF1, 7),  # after the period
    comment(7, "2025-11-12T15:00", STAFF2, 8),
    comment(8, "2025-11-17T08:00", STAFF1, 9),
    comment(11, "2025-12-03T17:00", STAFF2, 10),
    comment(12, "2025-12-18T09:00", STAFF1, 11),
    comment(13, "2025-10-09T09:00", STAFF1, 12),
]


def build(
    now: datetime = AFTER_Q4, period: Period = Q4, settings: ReportSettings | None = None
) -> Report:
    return compute(ISSUES, COMMENTS, RULES, RESPONDERS, period, now, settings)


@pytest.fixture(scope="module")
def report() -> Report:
    return build()


def test_period_holds_issues_created_within_it(report: Report) -> None:
    numbers = [r.number for r in report.issues]
    assert numbers == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 17]
    assert report.as_of == datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=ZONE)
    assert not report.partial


def test_outcome_of_every_issue(report: Report) -> None:
    outcomes = {r.number: r.outcome for r in report.issues}
    assert outcomes == {
        1: Outcome.ON_TIME,
        2: Outcome.ON_TIME,
        3: Outcome.LATE,
        4: Outcome.OVERDUE,
        5: Outcome.PENDING,
        6: Outcome.EXEMPT,
        7: Outcome.ON_TIME,
        8: Outcome.ON_TIME,
        9: Outcome.CLOSED_UNANSWERED,
        10: Outcome.OVERDUE,
        11: Outcome.ON_TIME,
        12: Outcome.LATE,
        15: Outcome.PENDING,
        17: Outcome.EXEMPT,
    }


def test_first_reply_times_across_the_holiday(report: Report) -> None:
    times = {r.number: (r.hours, r.days, r.responder) for r in report.issues if r.hours is not None}
    assert times == {
        1: (1.5, 1, "staff1"),
        2: (9.5, 2, "staff2"),
        3: (19.5, 3, "staff1"),
        7: (0.5, 0, "staff2"),
        8: (0.0, 1, "staff1"),
        11: (18.5, 2, "staff2"),
        12: (18.5, 3, "staff1"),
    }


def test_totals(report: Report) -> None:
    total = report.total
    assert total.received == 14
    assert (total.on_time, total.late, total.overdue) == (5, 2, 2)
    assert (total.exempt, total.pending, total.closed_unanswered) == (2, 2, 1)
    assert total.on_time_rate == pytest.approx(5 / 9)
    assert total.by_category == {
        "应用类问题": 6,
        "技术类问题": 5,
        "用户申请": 1,
        "需求建议": 1,
        "未分类": 1,
    }
    assert total.by_stage["义务教育"] == 5 and total.by_stage["未填写"] == 1
    # Hours sorted: 0, 0.5, 1.5, 9.5, 18.5, 18.5, 19.5. Inclusive p90 sits at 0.9 * 6 = 5.4:
    # 18.5 + 0.4 * (19.5 - 18.5) = 18.9. Days sorted: 0, 1, 1, 2, 2, 3, 3.
    assert total.median_hours == 9.5
    assert total.p90_hours == pytest.approx(18.9)
    assert (total.median_days, total.p90_days) == (2, pytest.approx(3.0))
    assert (total.escalated, total.rejected, total.trained, total.sensitive) == (1, 2, 1, 1)
    assert total.open_at_end == 4  # 3, 4, 15 open; 5 closed after the period


def test_cities(report: Report) -> None:
    cities = {g.name: g.figures for g in report.groups["city"]}
    assert list(cities) == ["广州市", "深圳市", "珠海市", "省直属"]  # the policy's order
    gz, sz, zh, direct = cities.values()
    assert (gz.received, gz.on_time, gz.late, gz.on_time_rate) == (4, 2, 2, 0.5)
    assert gz.median_hours == 14.0  # 1.5, 9.5, 18.5, 19.5
    assert (sz.received, sz.overdue, sz.exempt, sz.pending, sz.on_time_rate) == (4, 1, 1, 2, 0.0)
    assert sz.median_hours is None
    assert (zh.received, zh.exempt, zh.on_time_rate) == (1, 1, None)
    assert (direct.received, direct.on_time, direct.overdue, direct.closed_unanswered) == (
        5,
        3,
        1,
        1,
    )
    assert direct.on_time_rate == 0.75
    assert direct.median_hours == 0.5  # 0, 0.5, 18.5


def test_units_and_rankings(report: Report) -> None:
    units = {g.name: (g.city, g.unit_type, g.figures.received) for g in report.groups["unit"]}
    assert units == {
        "广州市教育局": ("广州市", "地级以上市教育局", 3),
        "未填写": ("广州市", "未填写", 1),
        "深圳市教育局": ("深圳市", "地级以上市教育局", 4),
        "珠海市教育局": ("珠海市", "地级以上市教育局", 1),
        "华南示范大学": ("省直属", "普通高校", 2),
        "岭南理工学院": ("省直属", "普通高校", 2),
        "省交通职业学校": ("省直属", "省属学校", 1),
    }
    rankings = {r.title: [(place, g.name) for place, g in r.rows] for r in report.rankings}
    assert rankings == {
        "地市": [(1, "省直属"), (2, "广州市"), (3, "深圳市"), (None, "珠海市")],
        "普通高校": [(1, "华南示范大学"), (2, "岭南理工学院")],
        "省属学校": [(1, "省交通职业学校")],
    }
    types = {g.name: g.figures.received for g in report.groups["unit_type"]}
    assert types == {"地级以上市教育局": 8, "普通高校": 4, "省属学校": 1, "未填写": 1}


def test_responders_and_categories(report: Report) -> None:
    responders = {g.name: (g.figures.on_time, g.figures.late) for g in report.groups["responder"]}
    assert responders == {"staff1": (2, 2), "staff2": (3, 0), "（未答复）": (0, 0)}
    technical = next(g for g in report.groups["category"] if g.name == "技术类问题").figures
    # 2 and 7 on time, 10 overdue, 9 closed unanswered, 15 not yet due.
    assert (technical.on_time, technical.overdue, technical.on_time_rate) == (2, 1, 2 / 3)


def test_weeks_start_on_mondays_cut_to_the_period(report: Report) -> None:
    weeks = report.weeks
    assert (weeks[0].start, weeks[0].end) == (date(2025, 10, 1), date(2025, 10, 5))
    assert weeks[0].counts["应用类问题"] == 1
    assert weeks[2].start == date(2025, 10, 13) and weeks[2].counts["应用类问题"] == 2
    assert (weeks[-1].start, weeks[-1].end) == (date(2025, 12, 29), date(2025, 12, 31))
    assert weeks[-1].counts == {
        "应用类问题": 0,
        "技术类问题": 1,
        "用户申请": 1,
        "需求建议": 0,
        "未分类": 0,
    }
    assert sum(sum(w.counts.values()) for w in weeks) == 14


def test_report_agrees_with_the_dashboard(report: Report) -> None:
    """Issues open at the end are judged exactly as the SLA bot judges them at that moment."""
    open_issues = [
        i for i in ISSUES if i.number in {r.number for r in report.issues if r.open_at_end}
    ]
    verdicts = {
        v.issue.number: v.state
        for v in evaluate_all(open_issues, COMMENTS, RULES, report.as_of, RESPONDERS)
    }
    same = {
        State.MET: Outcome.ON_TIME,
        State.LATE: Outcome.LATE,
        State.OVERDUE: Outcome.OVERDUE,
        State.PENDING: Outcome.PENDING,
        State.DUE_SOON: Outcome.PENDING,
        State.EXEMPT: Outcome.EXEMPT,
    }
    assert verdicts  # 3, 4, 5, 15
    for row in report.issues:
        if row.number in verdicts:
            assert same[verdicts[row.number]] is row.outcome, row.number


def test_a_later_run_gives_the_same_figures() -> None:
    """Judged at the period's end: replies after it (issue 5 on 01-04) change nothing."""
    assert build(now=t("2026-03-01T09:00")).as_json() == build().as_json()


def test_a_period_not_yet_over_is_judged_now() -> None:
    partial = build(now=t("2025-10-13T12:00"))
    assert [r.number for r in partial.issues] == [1, 2]  # nothing reported later exists yet
    assert [r.outcome for r in partial.issues] == [Outcome.ON_TIME, Outcome.ON_TIME]
    assert partial.partial
    assert "数据截至 2025-10-13 12:00" in summary(partial)


def test_whole_working_days_setting() -> None:
    whole = build(settings=ReportSettings(office_hours=["00:00-24:00"]))
    hours = {r.number: r.hours for r in whole.issues if r.hours is not None}
    # Issue 2: Fri 16:00-24:00 (8) + make-up Sat (24) + Mon 00:00-10:00 (10) = 42.
    # Issue 1: the holiday does not count; 10-09 00:00-10:00 = 10.
    assert hours[2] == 42.0 and hours[1] == 10.0


def test_work_clock_counts_only_office_hours_on_working_days() -> None:
    clock = WorkClock(CALENDAR, ReportSettings().spans())
    # From before National Day to after it: 09-30 16:00-17:30, then 10-09 all day.
    assert clock.hours(t("2025-09-30T16:00"), t("2025-10-09T23:00")) == 1.5 + 6.5
    assert clock.days(t("2025-09-30T16:00"), t("2025-10-11T10:00")) == 3  # 10-09, 10-10, 10-11
    assert clock.hours(t("2025-10-12T09:00"), t("2025-10-12T17:00")) == 0  # Sunday
    assert clock.hours(t("2025-10-13T10:00"), t("2025-10-13T09:00")) == 0  # reversed


def test_title_and_summary(report: Report) -> None:
    assert title(report) == "关于2025年第四季度资助系统技术支持服务情况的通报"
    text = summary(report)
    assert text.startswith(
        "2025年第四季度，全省共受理资助系统技术支持问题 14 个，其中应用类问题 6 个、技术类问题 5 个、"
        "用户申请 1 个、需求建议 1 个、未分类 1 个。"
    )
    assert (
        "到期应答复的 9 个问题中，按时答复 5 个，超期答复 2 个，超期未答复 2 个，按时答复率 55.6%。"
        in text
    )
    assert "首次答复用时中位数为 9.5 个工作小时" in text
    assert "统计期末仍未关闭的问题 4 个。" in text


@pytest.mark.parametrize(
    ("since", "until", "label"),
    [
        ("2026-07-01", "2026-09-30", "2026年第三季度"),
        ("2026-01-01", "2026-12-31", "2026年"),
        ("2026-01-01", "2026-06-30", "2026年上半年"),
        ("2026-07-01", "2026-12-31", "2026年下半年"),
        ("2026-02-01", "2026-02-28", "2026年2月"),
        ("2026-10-08", "2026-11-30", "2026年10月8日至11月30日"),
        ("2025-12-01", "2026-01-31", "2025年12月1日至2026年1月31日"),
        ("2026-03-01", "2026-03-01", "2026年3月1日"),
    ],
    ids=["季度", "全年", "上半年", "下半年", "整月", "任意", "跨年", "单日"],
)
def test_period_labels(since: str, until: str, label: str) -> None:
    period = Period(date.fromisoformat(since), date.fromisoformat(until), ZONE)
    assert period.label() == label


def test_bad_periods_are_input_errors() -> None:
    with pytest.raises(InputError, match="晚于结束日期"):
        Period(date(2026, 2, 1), date(2026, 1, 1), ZONE)
    with pytest.raises(InputError, match="尚未到来"):
        build(now=t("2025-09-01T00:00"))


def test_other_region_names_itself() -> None:
    text = default_policy_text().replace("region: 广东省", "region: 北京市")
    beijing = compute(
        ISSUES, COMMENTS, Rules.build(parse_policy(text, "t.yml")), RESPONDERS, Q4, AFTER_Q4
    )
    assert summary(beijing).startswith("2025年第四季度，全市共受理")


def test_a_calendar_gap_stops_the_report() -> None:
    """With `calendar.strict`, a year without an official notice stops the report."""
    strict = POLICY.model_copy(
        update={"calendar": POLICY.calendar.model_copy(update={"strict": True})}
    )
    far = Period(date(2040, 1, 1), date(2040, 3, 31), ZONE)
    future = issue(99, GZ, "义务教育", (APP,), "2040-01-10T10:00")
    with pytest.raises(CalendarGapError):
        compute([future], [], Rules.build(strict), RESPONDERS, far, t("2040-04-01T00:00"))


@settings(max_examples=50, deadline=None)
@given(
    born=st.dates(date(1990, 1, 1), date(2010, 12, 31)),
    sequence=st.integers(0, 999),
    before=st.text(max_size=8),
    after=st.text(max_size=8),
)
def test_personal_numbers_never_reach_the_report(
    born: date, sequence: int, before: str, after: str
) -> None:
    number = make_id("440106", born, sequence)
    base = ISSUES[0]
    leaky = Issue(
        number=base.number,
        title=f"{before} {number} {after}",
        body=body(f"广州市{number}", "义务教育", f"广州市教育局 {number}", f"{number}"),
        author=base.author,
        labels=base.labels,
        assignees=(),
        state="open",
        created_at=base.created_at,
        updated_at=base.created_at,
    )
    found = compute([leaky], COMMENTS, RULES, RESPONDERS, Q4, AFTER_Q4)
    row = found.issues[0]
    assert number not in row.title + row.unit + row.city + row.unit_type
    assert number not in str(found.as_json())


FORMS = build_forms(POLICY)
LINES = st.text(
    st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(
    form=st.sampled_from(FORMS),
    data=st.data(),
)
def test_reading_the_shared_fields_alone_reads_them_as_all_forms_do(
    form: Form, data: st.DataObject
) -> None:
    """`compute` parses against the shared fields only; the four it reads come out the same."""
    labels = data.draw(st.lists(st.sampled_from([e.label for e in form.elements]), max_size=12))
    values = [data.draw(st.lists(LINES, min_size=1, max_size=3)) for _ in labels]
    text = "\n\n".join(
        f"### {label}\n\n" + "\n".join(lines) for label, lines in zip(labels, values, strict=True)
    )
    every = parse_body(FORMS, text).fields
    shared = parse_body([common_form(POLICY)], text).fields
    for key in ("city", "stage", "unit", "unit_type"):
        assert every.get(key, "") == shared.get(key, ""), key

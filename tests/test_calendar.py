"""Working days and deadlines, checked against the State Council's holiday notices.

2025: 国办发明电〔2024〕12号. 2026: 国办发明电〔2025〕7号.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tracker.calendar import WorkCalendar
from tracker.errors import CalendarGapError
from tracker.policy import CalendarSettings, YearOverride

BEIJING = ZoneInfo("Asia/Shanghai")

# (received, working days, due date)
DEADLINES = [
    pytest.param("2024-12-31T10:00:00+08:00", 1, "2025-01-02", id="2025元旦-跨年"),
    pytest.param("2025-01-01T09:00:00+08:00", 1, "2025-01-02", id="2025元旦-当天收到"),
    pytest.param("2025-01-24T15:00:00+08:00", 1, "2025-01-26", id="2025春节-调休周日上班"),
    pytest.param("2025-01-26T10:00:00+08:00", 1, "2025-01-27", id="2025春节-调休日收到"),
    pytest.param("2025-01-27T10:00:00+08:00", 2, "2025-02-06", id="2025春节-跨假期"),
    pytest.param("2025-02-07T10:00:00+08:00", 1, "2025-02-08", id="2025春节-调休周六上班"),
    pytest.param("2025-04-03T10:00:00+08:00", 1, "2025-04-07", id="2025清明"),
    pytest.param("2025-04-25T10:00:00+08:00", 1, "2025-04-27", id="2025劳动节-调休周日上班"),
    pytest.param("2025-04-30T10:00:00+08:00", 2, "2025-05-07", id="2025劳动节-跨假期"),
    pytest.param("2025-05-30T10:00:00+08:00", 1, "2025-06-03", id="2025端午"),
    pytest.param("2025-09-26T10:00:00+08:00", 1, "2025-09-28", id="2025国庆-调休周日上班"),
    pytest.param("2025-09-30T16:00:00+08:00", 3, "2025-10-11", id="2025国庆中秋-调休周六截止"),
    pytest.param("2025-09-30T16:00:00+08:00", 5, "2025-10-14", id="2025国庆中秋-5天"),
    pytest.param("2025-12-31T10:00:00+08:00", 1, "2026-01-04", id="2026元旦-调休周日上班"),
    pytest.param("2025-12-31T10:00:00+08:00", 2, "2026-01-05", id="2026元旦-2天"),
    pytest.param("2026-02-13T10:00:00+08:00", 1, "2026-02-14", id="2026春节-调休周六上班"),
    pytest.param("2026-02-13T10:00:00+08:00", 2, "2026-02-24", id="2026春节-跨假期"),
    pytest.param("2026-02-27T10:00:00+08:00", 1, "2026-02-28", id="2026春节后-调休周六上班"),
    pytest.param("2026-04-03T10:00:00+08:00", 1, "2026-04-07", id="2026清明"),
    pytest.param("2026-04-30T10:00:00+08:00", 2, "2026-05-07", id="2026劳动节-跨假期"),
    pytest.param("2026-05-08T10:00:00+08:00", 1, "2026-05-09", id="2026劳动节后-调休周六上班"),
    pytest.param("2026-06-18T10:00:00+08:00", 1, "2026-06-22", id="2026端午"),
    pytest.param("2026-09-24T10:00:00+08:00", 1, "2026-09-28", id="2026中秋"),
    pytest.param("2026-09-18T10:00:00+08:00", 1, "2026-09-20", id="2026国庆-调休周日上班"),
    pytest.param("2026-09-30T10:00:00+08:00", 3, "2026-10-10", id="2026国庆-调休周六截止"),
    pytest.param("2026-11-27T18:00:00+08:00", 1, "2026-11-30", id="普通周末"),
    pytest.param("2026-11-27T18:00:00+08:00", 0, "2026-11-27", id="0天-当天截止"),
    # 01:00 on Saturday 14 February in Beijing: the day of receipt is the make-up
    # Saturday, not the UTC date (Friday), so one working day ends after the holiday.
    pytest.param("2026-02-13T17:00:00Z", 1, "2026-02-24", id="UTC时间按北京日期"),
    pytest.param("2026-02-13T10:00:00", 1, "2026-02-14", id="无时区按北京时间"),
]

WORKDAYS = [
    pytest.param("2025-10-11", True, id="2025国庆调休周六"),
    pytest.param("2025-10-01", False, id="2025国庆"),
    pytest.param("2025-01-26", True, id="2025春节调休周日"),
    pytest.param("2026-02-14", True, id="2026春节调休周六"),
    pytest.param("2026-02-16", False, id="2026春节周一"),
    pytest.param("2026-02-28", True, id="2026春节后调休周六"),
    pytest.param("2026-05-09", True, id="2026劳动节调休周六"),
    pytest.param("2026-05-05", False, id="2026劳动节周二"),
    pytest.param("2026-09-20", True, id="2026国庆调休周日"),
    pytest.param("2026-10-10", True, id="2026国庆调休周六"),
    pytest.param("2026-10-11", False, id="普通周日"),
    pytest.param("2026-11-26", True, id="普通周四"),
]


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar(CalendarSettings())


@pytest.mark.parametrize(("start", "days", "due_date"), DEADLINES)
def test_deadline(calendar: WorkCalendar, start: str, days: int, due_date: str) -> None:
    result = calendar.deadline(datetime.fromisoformat(start), days)
    assert result.due_date.isoformat() == due_date
    assert result.due == datetime.fromisoformat(f"{due_date}T23:59:59+08:00")
    assert result.start.utcoffset() == BEIJING.utcoffset(result.start.replace(tzinfo=None))


@pytest.mark.parametrize(("day", "workday"), WORKDAYS)
def test_is_workday(calendar: WorkCalendar, day: str, workday: bool) -> None:
    assert calendar.is_workday(date.fromisoformat(day)) is workday


def test_deadline_json_has_the_documented_shape(invoke) -> None:
    result = invoke(
        "calendar", "deadline", "--start", "2025-09-30T16:00:00+08:00", "--days", "3", "--json"
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "start": "2025-09-30T16:00:00+08:00",
        "days": 3,
        "due_date": "2025-10-11",
        "due": "2025-10-11T23:59:59+08:00",
        "provisional": False,
        "provisional_years": [],
    }


def test_deadline_json_converts_start_to_beijing_time(invoke) -> None:
    result = invoke(
        "calendar", "deadline", "--start", "2026-02-13T17:00:00Z", "--days", "1", "--json"
    )
    data = json.loads(result.stdout)
    assert data["start"] == "2026-02-14T01:00:00+08:00"
    assert data["due_date"] == "2026-02-24"


def test_deadline_text_names_the_due_day(invoke) -> None:
    result = invoke("calendar", "deadline", "--start", "2025-09-30T16:00:00+08:00", "--days", "3")
    assert result.exit_code == 0
    assert "截止时间：2025-10-11（星期六）23:59:59" in result.stdout


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2025-10-11", {"date": "2025-10-11", "workday": True, "provisional": False}),
        ("2025-10-08", {"date": "2025-10-08", "workday": False, "provisional": False}),
    ],
    ids=["调休周六", "国庆"],
)
def test_is_workday_json(invoke, day: str, expected: dict[str, object]) -> None:
    result = invoke("calendar", "is-workday", day, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == expected


def test_is_workday_text_explains(invoke) -> None:
    result = invoke("calendar", "is-workday", "2025-10-11")
    assert result.stdout.strip() == "2025-10-11（星期六）：工作日，调休上班（国庆节）"


def _calendar_settings(policy_text: str, **values: bool) -> str:
    """Return the policy with `calendar.<key>: <value>` set, whatever the file had."""
    for key in values:
        policy_text = re.sub(rf"(?m)^  {key}: .*\n", "", policy_text)
    lines = "".join(f"  {key}: {str(value).lower()}\n" for key, value in values.items())
    assert policy_text.count("\ncalendar:\n") == 1
    return policy_text.replace("\ncalendar:\n", "\ncalendar:\n" + lines)


def _strict(policy_text: str) -> str:
    return _calendar_settings(policy_text, strict=True)


def test_strict_year_without_data_exits_3_and_says_how_to_add_it(
    invoke, policy_text: str, write_policy
) -> None:
    path = write_policy(_strict(policy_text))
    result = invoke(
        "--policy", str(path), "calendar", "deadline", "--start", "2031-03-02T09:00:00+08:00",
        "--days", "2",
    )  # fmt: skip
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "2031 年" in result.stderr
    assert "calendar.years" in result.stderr
    assert "import-notice" in result.stderr
    assert "Traceback" not in result.stderr


def test_deadline_into_next_year_is_provisional(invoke) -> None:
    # The library knows 2026 but not 2027: New Year must not stop the bots.
    result = invoke(
        "calendar", "deadline", "--start", "2026-12-30T10:00:00+08:00", "--days", "3", "--json"
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "start": "2026-12-30T10:00:00+08:00",
        "days": 3,
        # 31 Dec, then 元旦 (Friday) and the weekend off, then Monday and Tuesday.
        "due_date": "2027-01-05",
        "due": "2027-01-05T23:59:59+08:00",
        "provisional": True,
        "provisional_years": [2027],
    }
    assert "2027 年的放假安排尚未录入" in result.stderr
    assert "calendar.years" in result.stderr
    assert result.stderr.count("2027 年的放假安排尚未录入") == 1


def test_deadline_into_next_year_text_says_provisional(invoke) -> None:
    result = invoke("calendar", "deadline", "--start", "2026-12-30T10:00:00+08:00", "--days", "3")
    assert result.exit_code == 0
    assert (
        "截止时间：2027-01-05（星期二）23:59:59（暂定：2027 年的放假安排尚未录入" in result.stdout
    )


def test_strict_deadline_into_next_year_exits_3(invoke, policy_text: str, write_policy) -> None:
    path = write_policy(_strict(policy_text))
    result = invoke(
        "--policy", str(path), "calendar", "deadline", "--start", "2026-12-30T10:00:00+08:00",
        "--days", "3", "--json",
    )  # fmt: skip
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "2027 年" in result.stderr


def test_deadline_within_known_years_is_not_provisional(invoke) -> None:
    result = invoke(
        "calendar", "deadline", "--start", "2026-12-28T10:00:00+08:00", "--days", "3", "--json"
    )
    data = json.loads(result.stdout)
    assert data["due_date"] == "2026-12-31"
    assert data["provisional"] is False
    assert data["provisional_years"] == []
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2027-02-09", {"date": "2027-02-09", "workday": False, "provisional": True}),
        ("2027-02-11", {"date": "2027-02-11", "workday": True, "provisional": True}),
        ("2026-02-14", {"date": "2026-02-14", "workday": True, "provisional": False}),
    ],
    ids=["2027春节补假", "2027普通周四", "2026调休周六"],
)
def test_is_workday_json_says_provisional(invoke, day: str, expected: dict[str, object]) -> None:
    result = invoke("calendar", "is-workday", day, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == expected


def test_is_workday_text_explains_a_substitute_day(invoke) -> None:
    result = invoke("calendar", "is-workday", "2027-02-09")
    assert result.stdout.strip() == (
        "2027-02-09（星期二）：休息日（暂定），补假（春节适逢周末，暂按放假办法推算）"
    )


def test_strict_is_workday_year_without_data_exits_3(
    invoke, policy_text: str, write_policy
) -> None:
    path = write_policy(_strict(policy_text))
    result = invoke("--policy", str(path), "calendar", "is-workday", "2031-01-06", "--json")
    assert result.exit_code == 3
    assert "2031 年" in result.stderr


def test_complete_override_adds_a_year() -> None:
    settings = CalendarSettings(
        years={
            2031: YearOverride(
                complete=True,
                holidays=[date(2031, 1, 1), date(2031, 1, 2)],
                workdays=[date(2031, 1, 4)],
            )
        }
    )
    calendar = WorkCalendar(settings)
    assert calendar.is_workday(date(2031, 1, 1)) is False
    assert calendar.is_workday(date(2031, 1, 3)) is True  # Friday, not listed
    assert calendar.is_workday(date(2031, 1, 4)) is True  # make-up Saturday
    assert calendar.is_workday(date(2031, 1, 5)) is False  # Sunday
    # The statutory 春节 of 2031 (22-25 January) is not off: the policy's year is complete.
    assert calendar.is_workday(date(2031, 1, 22)) is True
    result = calendar.deadline(datetime(2031, 1, 1, 9, tzinfo=BEIJING), 2)
    assert result.due_date == date(2031, 1, 4)
    assert result.provisional is False
    assert calendar.provisional_years == ()


def test_incomplete_override_of_an_unknown_year_fills_in_provisionally() -> None:
    settings = CalendarSettings(years={2031: YearOverride(holidays=[date(2031, 1, 6)])})
    calendar = WorkCalendar(settings)
    listed = calendar.explain(date(2031, 1, 6))
    assert (listed.workday, listed.provisional) == (False, False)  # what is listed is known
    new_year = calendar.explain(date(2031, 1, 1))
    assert (new_year.workday, new_year.provisional) == (False, True)
    assert calendar.provisional_years == (2031,)


def test_incomplete_override_of_an_unknown_year_is_a_gap_when_strict() -> None:
    settings = CalendarSettings(
        strict=True, years={2031: YearOverride(holidays=[date(2031, 1, 1)])}
    )
    calendar = WorkCalendar(settings)
    assert calendar.is_workday(date(2031, 1, 1)) is False
    with pytest.raises(CalendarGapError) as caught:
        calendar.is_workday(date(2031, 1, 6))
    assert caught.value.year == 2031
    assert caught.value.years == (2031,)


def test_override_corrects_a_year_the_library_knows() -> None:
    # A province-specific day off, and a day the library has as off made a working day.
    settings = CalendarSettings(
        years={2026: YearOverride(holidays=[date(2026, 11, 26)], workdays=[date(2026, 10, 8)])}
    )
    calendar = WorkCalendar(settings)
    assert calendar.is_workday(date(2026, 11, 26)) is False
    assert calendar.is_workday(date(2026, 10, 8)) is True
    assert calendar.is_workday(date(2026, 11, 27)) is True


def test_override_comes_before_the_provisional_calendar() -> None:
    # 2027-02-09 is a provisional substitute day; the policy says it is worked.
    settings = CalendarSettings(years={2027: YearOverride(workdays=[date(2027, 2, 9)])})
    calendar = WorkCalendar(settings)
    assert calendar.is_workday(date(2027, 2, 9)) is True
    assert calendar.is_workday(date(2027, 2, 10)) is False


def test_strict_gap_names_every_missing_year() -> None:
    calendar = WorkCalendar(CalendarSettings(strict=True))
    with pytest.raises(CalendarGapError) as caught:
        calendar.deadline(datetime(2026, 12, 31, 9, tzinfo=BEIJING), 300)
    assert caught.value.years == (2027, 2028)
    assert caught.value.year == 2027
    assert "2027、2028 年" in caught.value.message


def test_gap_error_still_takes_one_year() -> None:
    error = CalendarGapError(2031)
    assert (error.year, error.years, error.exit_code) == (2031, (2031,), 3)
    assert "2031 年" in error.message


def test_year_beyond_the_lunar_tables_is_a_gap_even_when_not_strict() -> None:
    calendar = WorkCalendar(CalendarSettings())
    assert calendar.is_provisional_year(2100) is False
    with pytest.raises(CalendarGapError):
        calendar.is_workday(date(2100, 1, 4))


def test_warns_once_per_year_and_lists_the_years() -> None:
    warnings: list[str] = []
    calendar = WorkCalendar(CalendarSettings(), warn=warnings.append)
    first = calendar.deadline(datetime(2026, 12, 30, 10, tzinfo=BEIJING), 3)
    again = calendar.deadline(datetime(2027, 3, 1, 10, tzinfo=BEIJING), 3)
    assert (first.provisional_years, again.provisional_years) == ((2027,), (2027,))
    assert len(warnings) == 1
    assert "2027 年" in warnings[0] and "暂定" in warnings[0]
    assert "calendar.years" in warnings[0]
    later = calendar.deadline(datetime(2027, 12, 30, 10, tzinfo=BEIJING), 3)
    assert later.provisional_years == (2027, 2028)
    assert len(warnings) == 2 and "2028 年" in warnings[1]
    assert calendar.provisional_years == (2027, 2028)


def test_zero_days_is_never_provisional() -> None:
    calendar = WorkCalendar(CalendarSettings())
    result = calendar.deadline(datetime(2027, 1, 4, 10, tzinfo=BEIJING), 0)
    assert result.due_date == date(2027, 1, 4)
    assert result.provisional is False


@pytest.mark.parametrize(
    ("settings", "year", "expected"),
    [
        pytest.param(CalendarSettings(), 2026, False, id="库中年份"),
        pytest.param(CalendarSettings(), 2027, True, id="缺数据年份"),
        pytest.param(CalendarSettings(strict=True), 2027, False, id="strict"),
        pytest.param(
            CalendarSettings(years={2027: YearOverride(complete=True)}), 2027, False, id="完整录入"
        ),
    ],
)
def test_is_provisional_year(settings: CalendarSettings, year: int, expected: bool) -> None:
    assert WorkCalendar(settings).is_provisional_year(year) is expected


def test_use_library_false_answers_from_the_policy_alone() -> None:
    calendar = WorkCalendar(CalendarSettings(), use_library=False)
    # 2026-02-14 is a make-up Saturday in the library; without it, a provisional weekend.
    info = calendar.explain(date(2026, 2, 14))
    assert (info.workday, info.provisional) == (False, True)


def test_weekday_fallback_is_still_accepted_and_warns_every_run(
    invoke, policy_text: str, write_policy
) -> None:
    # Old policy files keep working; the statutory holidays are now honoured too.
    path = write_policy(_calendar_settings(policy_text, weekday_fallback=True))
    for _ in range(2):
        result = invoke(
            "--policy", str(path), "calendar", "deadline", "--start", "2030-12-31T09:00:00+08:00",
            "--days", "1", "--json",
        )  # fmt: skip
        assert result.exit_code == 0
        # 2031-01-01 (元旦, Wednesday) is off: the old weekday guess would have said 1 January.
        assert json.loads(result.stdout)["due_date"] == "2031-01-02"
        assert "2031 年的放假安排尚未录入" in result.stderr


def test_strict_with_weekday_fallback_is_rejected(invoke, policy_text: str, write_policy) -> None:
    text = _calendar_settings(policy_text, strict=True, weekday_fallback=True)
    result = invoke("policy", "check", str(write_policy(text)))
    assert result.exit_code == 2
    assert "calendar.weekday_fallback" in result.stderr
    assert "矛盾" in result.stderr


def test_policy_years_reach_the_cli(invoke, policy_text: str, write_policy) -> None:
    text = policy_text.replace(
        "  years: {}",
        "  years:\n    2031:\n      complete: true\n      holidays: [2031-01-01]\n      workdays: []",
    )
    result = invoke(
        "--policy", str(write_policy(text)), "calendar", "deadline",
        "--start", "2030-12-31T09:00:00+08:00", "--days", "16", "--json",
    )  # fmt: skip
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    # The policy's complete year has no 春节 on 22-24 January.
    assert (data["due_date"], data["provisional"]) == ("2031-01-23", False)
    assert result.stderr == ""
    # Without the policy's year the same question is answered provisionally: 春节
    # 22-25 January and 27 January, the substitute for the Saturday, are off.
    result = invoke(
        "calendar", "deadline", "--start", "2030-12-31T09:00:00+08:00", "--days", "16", "--json"
    )
    data = json.loads(result.stdout)
    assert (data["due_date"], data["provisional"]) == ("2031-01-29", True)


@pytest.mark.parametrize(
    "args",
    [
        ["calendar", "deadline", "--start", "昨天", "--days", "1"],
        ["calendar", "deadline", "--start", "2025-13-01T00:00:00", "--days", "1"],
        ["calendar", "is-workday", "2025/10/11"],
    ],
    ids=["非时间", "月份越界", "斜杠日期"],
)
def test_bad_dates_are_input_errors(invoke, args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("错误：")
    assert "ISO 8601" in result.stderr or "YYYY-MM-DD" in result.stderr


def test_negative_days_are_rejected(invoke) -> None:
    result = invoke("calendar", "deadline", "--start", "2025-10-09T09:00:00+08:00", "--days", "-1")
    assert result.exit_code == 2
    assert "不在范围" in result.stderr

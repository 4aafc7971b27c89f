"""The provisional calendar: the holidays of the 全国年节及纪念日放假办法 and its substitute days."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from tracker.calendar import StatutoryYear, WorkCalendar, statutory_year
from tracker.policy import CalendarSettings

# chinesecalendar's names for the holidays the 办法 lists.
LIBRARY_NAMES = {
    "元旦": "New Year's Day",
    "春节": "Spring Festival",
    "清明节": "Tomb-sweeping Day",
    "劳动节": "Labour Day",
    "端午节": "Dragon Boat Festival",
    "中秋节": "Mid-autumn Festival",
    "国庆节": "National Day",
}

# 除夕, 清明, 端午, 中秋 for the years after chinesecalendar's data. Cross-checked,
# when this table was written, against two other libraries (lunar_python's
# astronomical calendar and lunardate's tables), which agreed on every date.
KNOWN_DATES = {
    2027: ("02-05", "04-05", "06-09", "09-15"),
    2028: ("01-25", "04-04", "05-28", "10-03"),
    2029: ("02-12", "04-04", "06-16", "09-22"),
    2030: ("02-02", "04-05", "06-05", "09-12"),
    2031: ("01-22", "04-05", "06-24", "10-01"),
    2032: ("02-10", "04-04", "06-12", "09-19"),
    # 2033 has a leap eleventh month (the "2033 problem"), which decides 春节 2034.
    2033: ("01-30", "04-04", "06-01", "09-08"),
    2034: ("02-18", "04-05", "06-20", "09-27"),
    2035: ("02-07", "04-05", "06-10", "09-16"),
}


def _year(year: int) -> StatutoryYear:
    result = statutory_year(year)
    assert result is not None
    return result


def _named(year: StatutoryYear, name: str) -> list[date]:
    return sorted(day for day, names in year.holidays.items() if name in names.split("、"))


def _qingming(year: int) -> date:
    terms = chinese_calendar.get_solar_terms(date(year, 3, 25), date(year, 4, 15))
    return next(day for day, term in terms if term == "清明")


@pytest.mark.parametrize("year", [2025, 2026])
def test_holidays_match_chinesecalendar_in_published_years(year: int) -> None:
    # The holidays themselves, not the 调休 around them: each statutory day is one
    # of the library's days off for the same holiday.
    statutory = _year(year)
    assert len(statutory.holidays) == 13
    for day, names in statutory.holidays.items():
        for name in names.split("、"):
            assert chinese_calendar.get_holiday_detail(day) == (True, LIBRARY_NAMES[name]), day
    assert _named(statutory, "清明节") == [_qingming(year)]


@pytest.mark.parametrize(
    ("year", "eve", "dragon_boat", "mid_autumn"),
    [(2025, "01-28", "05-31", "10-06"), (2026, "02-16", "06-19", "09-25")],
)
def test_lunar_dates_of_published_years(
    year: int, eve: str, dragon_boat: str, mid_autumn: str
) -> None:
    statutory = _year(year)
    first = date.fromisoformat(f"{year}-{eve}")
    assert _named(statutory, "春节") == [first + timedelta(days=n) for n in range(4)]
    assert _named(statutory, "端午节") == [date.fromisoformat(f"{year}-{dragon_boat}")]
    assert _named(statutory, "中秋节") == [date.fromisoformat(f"{year}-{mid_autumn}")]


@pytest.mark.parametrize("year", sorted(KNOWN_DATES))
def test_lunar_dates_2027_to_2035(year: int) -> None:
    eve, qingming, dragon_boat, mid_autumn = (
        date.fromisoformat(f"{year}-{text}") for text in KNOWN_DATES[year]
    )
    statutory = _year(year)
    assert _named(statutory, "春节") == [eve + timedelta(days=n) for n in range(4)]
    assert _named(statutory, "清明节") == [qingming]
    # chinesecalendar computes solar terms for any year: a second source for 清明.
    assert qingming == _qingming(year)
    assert _named(statutory, "端午节") == [dragon_boat]
    assert _named(statutory, "中秋节") == [mid_autumn]
    assert _named(statutory, "元旦") == [date(year, 1, 1)]
    assert _named(statutory, "劳动节") == [date(year, 5, 1), date(year, 5, 2)]
    assert _named(statutory, "国庆节") == [date(year, 10, n) for n in (1, 2, 3)]


SUBSTITUTES = [
    # 春节 2027: 6 and 7 February are the weekend; the 4 days end on Monday the 8th.
    pytest.param(2027, ["2027-02-09", "2027-02-10"], "春节", id="2027春节两天逢周末"),
    pytest.param(2027, ["2027-05-03", "2027-05-04"], "劳动节", id="2027劳动节全逢周末"),
    pytest.param(2027, ["2027-10-04", "2027-10-05"], "国庆节", id="2027国庆两天逢周末"),
    pytest.param(2028, ["2028-01-03"], "元旦", id="2028元旦逢周六补周一"),
    pytest.param(2028, ["2028-05-29"], "端午节", id="2028端午逢周日补周一"),
    pytest.param(2031, ["2031-04-07"], "清明节", id="2031清明逢周六补周一"),
]


@pytest.mark.parametrize(("year", "days", "holiday"), SUBSTITUTES)
def test_a_holiday_on_a_weekend_is_made_up_on_the_next_working_day(
    year: int, days: list[str], holiday: str
) -> None:
    statutory = _year(year)
    made_up = sorted(d.isoformat() for d, name in statutory.substitutes.items() if name == holiday)
    assert made_up == days


def test_substitute_days_skip_holidays_and_each_other() -> None:
    # 国庆 2027: Friday 1, Saturday 2, Sunday 3 October; the two made-up days are
    # Monday and Tuesday, not both Monday.
    statutory = _year(2027)
    assert statutory.substitutes[date(2027, 10, 4)] == "国庆节"
    assert statutory.substitutes[date(2027, 10, 5)] == "国庆节"
    for day in statutory.substitutes:
        assert day.weekday() < 5
        assert day not in statutory.holidays


def test_two_holidays_on_one_day_are_one_day_off() -> None:
    # 中秋 2028 is 3 October: 第六条 covers weekends only, so no extra day is computed.
    statutory = _year(2028)
    assert statutory.holidays[date(2028, 10, 3)] == "中秋节、国庆节"
    assert len(statutory.holidays) == 12
    assert date(2028, 10, 4) in statutory.substitutes  # for Sunday 1 October only
    assert date(2028, 10, 5) not in statutory.substitutes


@pytest.mark.parametrize(
    ("year", "spring", "labour"),
    [
        pytest.param(2010, ["02-13", "02-14", "02-15"], ["05-01"], id="2008版-除夕初一初二"),
        pytest.param(2017, ["01-28", "01-29", "01-30"], ["05-01"], id="2013版-初一至初三"),
        pytest.param(2025, ["01-28", "01-29", "01-30", "01-31"], ["05-01", "05-02"], id="2024版"),
    ],
)
def test_each_version_of_the_rules(year: int, spring: list[str], labour: list[str]) -> None:
    statutory = _year(year)
    assert [d.isoformat()[5:] for d in _named(statutory, "春节")] == spring
    assert [d.isoformat()[5:] for d in _named(statutory, "劳动节")] == labour


def test_no_statutory_calendar_before_2008() -> None:
    assert statutory_year(2007) is None


def test_provisional_year_has_no_make_up_workdays() -> None:
    # Without the notice no weekend is worked: every Saturday and Sunday of 2027 is off.
    calendar = WorkCalendar(CalendarSettings())
    day = date(2027, 1, 1)
    while day.year == 2027:
        info = calendar.explain(day)
        assert info.provisional
        if day.weekday() >= 5:
            assert not info.workday, day
        day += timedelta(days=1)
    statutory = _year(2027)
    off_weekdays = [d for d in [*statutory.holidays, *statutory.substitutes] if d.weekday() < 5]
    day = date(2027, 1, 1)
    count = 0
    while day.year == 2027:
        count += not calendar.is_workday(day) and day.weekday() < 5
        day += timedelta(days=1)
    assert count == len(off_weekdays)

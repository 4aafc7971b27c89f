"""China's working days and reply deadlines counted in them.

Working days follow the State Council's yearly holiday notices: statutory
holidays are off, and the weekend days it names as make-up days (调休) are
worked. For a day, the first source that knows it answers:

1. a date listed in the policy's `calendar.years.<year>` (holidays, workdays);
2. chinesecalendar, which carries the published years;
3. a `complete: true` year of the policy: unlisted days go by the weekday;
4. the provisional statutory calendar: the holidays the 全国年节及纪念日放假办法
   itself grants, with its substitute days off, weekends off and no 调休. Its
   answers are flagged `provisional`, and each such year is warned about once,
   because the notice for the year will move days around.

With `calendar.strict: true` step 4 is an error (`CalendarGapError`, exit 3).

Deadline rule (民法典 第二百零一条、第二百零三条): the day of receipt does not
count; the deadline is the end (23:59:59) of the Nth working day after it, in
the policy's time zone (Asia/Shanghai).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import chinese_calendar

from tracker.errors import CalendarGapError
from tracker.policy import CalendarSettings

END_OF_DAY = time(23, 59, 59)
PROVISIONAL_NOTE = "暂按放假办法推算"

# The years the library holds, read once.
_LIBRARY_YEARS: frozenset[int] = frozenset(
    day.year for day in chinese_calendar.holidays
) | frozenset(day.year for day in chinese_calendar.workdays)


@dataclass(frozen=True)
class Deadline:
    """When a reply is due: the start, as Beijing time, and the due instant.

    `provisional_years` lists the years whose working days were estimated from
    the statutory holidays while counting; the due date may move once their
    notices are entered in the policy.
    """

    start: datetime
    days: int
    due_date: date
    due: datetime
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)


@dataclass(frozen=True)
class DayInfo:
    """Whether a day is worked and why, for people reading the answer."""

    day: date
    workday: bool
    reason: str
    provisional: bool = False


@dataclass(frozen=True)
class StatutoryYear:
    """The days off the 办法 grants in one year, before any notice moves them."""

    year: int
    holidays: Mapping[date, str]  # date -> holiday name(s), e.g. 国庆节、中秋节
    substitutes: Mapping[date, str]  # substitute day off -> the holiday it makes up for


class WorkCalendar:
    """Working days from the policy, chinesecalendar and the statutory holidays.

    `use_library=False` ignores chinesecalendar, so a year is answered from the
    policy alone (or provisionally): for checking an imported notice against it.
    """

    def __init__(
        self,
        settings: CalendarSettings,
        warn: Callable[[str], None] | None = None,
        *,
        use_library: bool = True,
    ) -> None:
        self.settings = settings
        self.zone: ZoneInfo = settings.zone
        self._warn = warn
        self._library_years = _LIBRARY_YEARS if use_library else frozenset()
        self._provisional_years: set[int] = set()
        # Each day answered once: a report or an SLA run asks about the same days thousands
        # of times, and every chinesecalendar lookup scans its whole table.
        self._answers: dict[date, DayInfo | None] = {}

    @property
    def provisional_years(self) -> tuple[int, ...]:
        """Return the years this calendar has answered provisionally so far."""
        return tuple(sorted(self._provisional_years))

    def is_provisional_year(self, year: int) -> bool:
        """Say whether days of `year` not listed in the policy would be estimated."""
        override = self.settings.years.get(year)
        if year in self._library_years or (override is not None and override.complete):
            return False
        return not self.settings.strict and statutory_year(year) is not None

    def is_workday(self, day: date) -> bool:
        return self.explain(day).workday

    def explain(self, day: date) -> DayInfo:
        """Say whether `day` is a working day, and the source of that answer."""
        info = self._answer(day)
        if info is None:
            raise CalendarGapError(day.year)
        return info

    def _answer(self, day: date) -> DayInfo | None:
        """Answer for `day`, or None when the year is a gap (strict, or no statutory data)."""
        if day in self._answers:
            return self._answers[day]
        answer = self._answers[day] = self._look_up(day)
        return answer

    def _look_up(self, day: date) -> DayInfo | None:
        override = self.settings.years.get(day.year)
        if override is not None:
            if day in override.holidays:
                return DayInfo(day, False, "放假（政策文件）")
            if day in override.workdays:
                return DayInfo(day, True, "调休上班（政策文件）")
        if day.year in self._library_years:
            return _from_library(day)
        if override is not None and override.complete:
            return _by_weekday(day, "（政策文件）")
        if self.settings.strict:
            return None
        statutory = statutory_year(day.year)
        if statutory is None:
            return None
        self._note_provisional(day.year)
        return _from_statute(statutory, day)

    def _note_provisional(self, year: int) -> None:
        if year in self._provisional_years:
            return
        self._provisional_years.add(year)
        if self._warn is not None:
            self._warn(
                f"提示：{year} 年的放假安排尚未录入（chinesecalendar 和政策文件 calendar.years 都没有），"
                f"暂按《全国年节及纪念日放假办法》规定的法定节假日推算（周末休息，节日逢周末在其后的工作日补假，"
                f"不含调休），涉及 {year} 年的答复期限是暂定的。国务院办公厅公布 {year} 年节假日安排的通知后，"
                f"请用 zzxt calendar import-notice 将其录入政策文件 calendar.years，期限以录入后为准。"
            )

    def localize(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.zone)
        return moment.astimezone(self.zone)

    def add_workdays(self, start: date, days: int) -> date:
        """Return the `days`-th working day after `start`, which itself never counts."""
        return self._count(start, days)[0]

    def _count(self, start: date, days: int) -> tuple[date, tuple[int, ...]]:
        """Count working days; return the last one and the years answered provisionally.

        A gap does not stop the count at once: it goes on by the weekday so that
        the error names every missing year the deadline runs into.
        """
        day = start
        counted = 0
        gaps: set[int] = set()
        provisional: set[int] = set()
        while counted < days:
            day += timedelta(days=1)
            info = self._answer(day)
            if info is None:
                gaps.add(day.year)
                info = _by_weekday(day, "")
            elif info.provisional:
                provisional.add(day.year)
            if info.workday:
                counted += 1
        if gaps:
            raise CalendarGapError(*gaps)
        return day, tuple(sorted(provisional))

    def deadline(self, received: datetime, days: int) -> Deadline:
        """Return the deadline for a reply due `days` working days after receipt."""
        if days < 0:
            raise ValueError("days must not be negative")
        start = self.localize(received)
        due_date, provisional = self._count(start.date(), days)
        due = datetime.combine(due_date, END_OF_DAY, tzinfo=self.zone)
        return Deadline(start, days, due_date, due, provisional)


def _from_library(day: date) -> DayInfo:
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    if day in chinese_calendar.workdays:
        return DayInfo(day, True, f"调休上班（{_holiday_name(name)}）")
    if on_holiday and name is not None:
        return DayInfo(day, False, f"法定节假日（{_holiday_name(name)}）")
    return _by_weekday(day, "")


def _from_statute(statutory: StatutoryYear, day: date) -> DayInfo:
    if day in statutory.holidays:
        name = statutory.holidays[day]
        return DayInfo(day, False, f"法定节假日（{name}，{PROVISIONAL_NOTE}）", True)
    if day in statutory.substitutes:
        name = statutory.substitutes[day]
        return DayInfo(day, False, f"补假（{name}适逢周末，{PROVISIONAL_NOTE}）", True)
    info = _by_weekday(day, f"（{PROVISIONAL_NOTE}）")
    return DayInfo(day, info.workday, info.reason, True)


def _by_weekday(day: date, source: str) -> DayInfo:
    if day.weekday() < 5:
        return DayInfo(day, True, f"工作日{source}")
    return DayInfo(day, False, f"周末{source}")


# The statutory holidays.
#
# 全国年节及纪念日放假办法, 第二条 lists the holidays of all citizens. Its
# versions: from 2008 (revised 2007-12-14) 春节 is 除夕 and 初一、初二; from 2014
# (revised 2013-12-11) 初一至初三; from 2025 (revised 2024-11-10) 除夕 and
# 初一至初三, and 劳动节 two days (5月1日、2日). The others are unchanged since
# 2008: 元旦 1月1日, 清明节 (the solar term's day), 端午节 (五月初五), 中秋节
# (八月十五), 国庆节 10月1日至3日.
#
# Substitute days follow 第六条: a holiday of all citizens that falls on a
# Saturday or Sunday is made up on a working day (应当在工作日补假). The 办法
# does not say which one; as the notices did when they applied it plainly (e.g.
# 2017: 1月1日 was a Sunday, 1月2日 was given), each such day is made up by the
# first Monday-to-Friday after it that is neither a holiday nor already a
# substitute. Two holidays on one date (中秋 within 国庆, as in 2028) are one day
# off: 第六条 covers weekends only, so no extra day is computed, although notices
# have usually granted one.
#
# Lunar dates and the date of 清明 come from the `holidays` package's China
# calendar (tables for 1901-2099, checked in tests against chinesecalendar for
# the published years and against known dates for 2027-2035).


@cache
def statutory_year(year: int) -> StatutoryYear | None:
    """Return the days off the 办法 grants in `year`, or None when it cannot be computed."""
    lunar = _lunar_dates(year) if year >= 2008 else None
    if lunar is None:
        return None
    new_year, qingming, dragon_boat, mid_autumn = lunar
    eve = new_year - timedelta(days=1)
    if year >= 2025:
        spring = [eve + timedelta(days=n) for n in range(4)]
    elif year >= 2014:
        spring = [new_year + timedelta(days=n) for n in range(3)]
    else:
        spring = [eve + timedelta(days=n) for n in range(3)]
    labour = [date(year, 5, 1), date(year, 5, 2)] if year >= 2025 else [date(year, 5, 1)]
    named: list[tuple[str, list[date]]] = [
        ("元旦", [date(year, 1, 1)]),
        ("春节", spring),
        ("清明节", [qingming]),
        ("劳动节", labour),
        ("端午节", [dragon_boat]),
        ("中秋节", [mid_autumn]),
        ("国庆节", [date(year, 10, n) for n in (1, 2, 3)]),
    ]
    days_off: dict[date, str] = {}
    for name, days in named:
        for day in days:
            days_off[day] = f"{days_off[day]}、{name}" if day in days_off else name
    substitutes: dict[date, str] = {}
    for day in sorted(days_off):
        if day.weekday() < 5:
            continue
        spare = day + timedelta(days=1)
        while spare.weekday() >= 5 or spare in days_off or spare in substitutes:
            spare += timedelta(days=1)
        substitutes[spare] = days_off[day]
    return StatutoryYear(year, days_off, substitutes)


def _lunar_dates(year: int) -> tuple[date, date, date, date] | None:
    """Return 正月初一, 清明, 端午 and 中秋 of `year`, or None outside the tables."""
    if not 1950 <= year <= 2099:
        return None
    # Imported here: only a year without data needs it, and it takes a tenth of a second.
    import holidays

    # Names are the package's own Chinese ones (its source language for China).
    found = holidays.country_holidays("CN", years=year, observed=False, language="zh_CN")

    def first(name: str) -> date | None:
        return min(found.get_named(name, lookup="startswith"), default=None)

    dates = (first("春节"), first("清明节"), first("端午节"), first("中秋节"))
    new_year, qingming, dragon_boat, mid_autumn = dates
    if new_year is None or qingming is None or dragon_boat is None or mid_autumn is None:
        return None
    return new_year, qingming, dragon_boat, mid_autumn


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def _holiday_name(name: str | None) -> str:
    if name is None:
        return "节假日"
    return _HOLIDAY_NAMES.get(name, name)

"""China's working days and reply deadlines counted in them.

Working days follow the State Council's yearly holiday notices: statutory
holidays are off, and the weekend days it names as make-up days (调休) are
worked. `chinesecalendar` carries the published years; the policy can add or
correct years (`calendar.years`). A year neither knows is an error, never a
silent Monday-to-Friday guess, unless the policy opts into that fallback.

Deadline rule (民法典 第二百零一条、第二百零三条): the day of receipt does not
count; the deadline is the end (23:59:59) of the Nth working day after it, in
the policy's time zone (Asia/Shanghai).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from tracker.errors import CalendarGapError
from tracker.policy import CalendarSettings

END_OF_DAY = time(23, 59, 59)

# What the library holds, read once: {year: ({holidays}, {make-up workdays})}.
_LIBRARY_YEARS: frozenset[int] = frozenset(
    day.year for day in chinese_calendar.holidays
) | frozenset(day.year for day in chinese_calendar.workdays)


@dataclass(frozen=True)
class Deadline:
    """When a reply is due: the start, as Beijing time, and the due instant."""

    start: datetime
    days: int
    due_date: date
    due: datetime


@dataclass(frozen=True)
class DayInfo:
    """Whether a day is worked and why, for people reading the answer."""

    day: date
    workday: bool
    reason: str


class WorkCalendar:
    """Working days from chinesecalendar plus the policy's per-year overrides."""

    def __init__(
        self,
        settings: CalendarSettings,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.zone: ZoneInfo = settings.zone
        self._warn = warn
        self._warned_years: set[int] = set()

    def is_workday(self, day: date) -> bool:
        return self.explain(day).workday

    def explain(self, day: date) -> DayInfo:
        """Say whether `day` is a working day, and the source of that answer."""
        override = self.settings.years.get(day.year)
        if override is not None:
            if day in override.holidays:
                return DayInfo(day, False, "放假（政策文件）")
            if day in override.workdays:
                return DayInfo(day, True, "调休上班（政策文件）")
        if day.year in _LIBRARY_YEARS:
            return self._from_library(day)
        if override is not None and override.complete:
            return _by_weekday(day, "（政策文件）")
        if self.settings.weekday_fallback:
            if self._warn is not None and day.year not in self._warned_years:
                self._warned_years.add(day.year)
                self._warn(
                    f"警告：{day.year} 年没有放假安排数据，暂按周一至周五上班估算，"
                    "节假日和调休不会被识别。请尽快在政策文件 calendar.years 中补充该年安排。"
                )
            return _by_weekday(day, "（按周一至周五估算）")
        raise CalendarGapError(day.year)

    def _from_library(self, day: date) -> DayInfo:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        if day in chinese_calendar.workdays:
            return DayInfo(day, True, f"调休上班（{_holiday_name(name)}）")
        if on_holiday and name is not None:
            return DayInfo(day, False, f"法定节假日（{_holiday_name(name)}）")
        return _by_weekday(day, "")

    def localize(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.zone)
        return moment.astimezone(self.zone)

    def add_workdays(self, start: date, days: int) -> date:
        """Return the `days`-th working day after `start`, which itself never counts."""
        day = start
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return day

    def deadline(self, received: datetime, days: int) -> Deadline:
        """Return the deadline for a reply due `days` working days after receipt."""
        if days < 0:
            raise ValueError("days must not be negative")
        start = self.localize(received)
        due_date = self.add_workdays(start.date(), days)
        due = datetime.combine(due_date, END_OF_DAY, tzinfo=self.zone)
        return Deadline(start=start, days=days, due_date=due_date, due=due)


def _by_weekday(day: date, source: str) -> DayInfo:
    if day.weekday() < 5:
        return DayInfo(day, True, f"工作日{source}")
    return DayInfo(day, False, f"周末{source}")


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

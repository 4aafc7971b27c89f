"""The period a report covers: whole days in the policy's time zone, and what to call it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tracker.errors import InputError

_QUARTERS = {1: "第一季度", 4: "第二季度", 7: "第三季度", 10: "第四季度"}


@dataclass(frozen=True)
class Period:
    """From the start of `since` to the end of `until` (both days included), local time."""

    since: date
    until: date
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if self.since > self.until:
            raise InputError(
                f"统计期的开始日期 {self.since.isoformat()} 晚于结束日期 {self.until.isoformat()}，"
                "请检查 --since 和 --until。"
            )

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time.min, tzinfo=self.zone)

    @property
    def end(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        return datetime.combine(self.until + timedelta(days=1), time.min, tzinfo=self.zone)

    @property
    def last_instant(self) -> datetime:
        return datetime.combine(self.until, time.max, tzinfo=self.zone)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def as_of(self, now: datetime) -> datetime:
        """When verdicts are judged: the end of the period, or `now` if that is earlier."""
        if now < self.start:
            raise InputError(
                f"统计期从 {self.since.isoformat()} 开始，尚未到来（当前时间 {now.isoformat()}）。"
            )
        return min(self.last_instant, now.astimezone(self.zone))

    def label(self) -> str:
        """Name the period as a document would: 2026年第三季度, 2026年10月, 2026年 ..."""
        since, until = self.since, self.until
        next_day = until + timedelta(days=1)
        if since.day == 1 and next_day.day == 1 and since.year == until.year:
            months = (until.month - since.month) + 1
            year = f"{since.year}年"
            if months == 12:
                return year
            if months == 6 and since.month in (1, 7):
                return year + ("上半年" if since.month == 1 else "下半年")
            if months == 3 and since.month in _QUARTERS:
                return year + _QUARTERS[since.month]
            if months == 1:
                return f"{year}{since.month}月"
        first = f"{since.year}年{since.month}月{since.day}日"
        if since == until:
            return first
        if since.year == until.year:
            return f"{first}至{until.month}月{until.day}日"
        return f"{first}至{until.year}年{until.month}月{until.day}日"

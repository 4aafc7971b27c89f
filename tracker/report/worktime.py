"""Time between two instants counted in working hours and working days.

Working hours are the office-hour spans of the settings on the calendar's
working days (make-up Saturdays included, holidays excluded). Working days are
counted as the deadline rule counts them: the day of receipt is day 0, each
later working day adds one, so a reply on day N met an N-day deadline.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from tracker.calendar import WorkCalendar


class WorkClock:
    """Working time per the calendar and office hours."""

    def __init__(self, calendar: WorkCalendar, spans: list[tuple[int, int]]) -> None:
        self.calendar = calendar
        self.spans = spans

    def is_workday(self, day: date) -> bool:
        return self.calendar.is_workday(day)

    def hours(self, start: datetime, end: datetime) -> float:
        """Office hours on working days between `start` and `end`."""
        start, end = self.calendar.localize(start), self.calendar.localize(end)
        if end <= start:
            return 0.0
        zone = self.calendar.zone
        seconds = 0.0
        day = start.date()
        while day <= end.date():
            if self.is_workday(day):
                midnight = datetime.combine(day, time.min, tzinfo=zone)
                for first, last in self.spans:
                    low = max(start, midnight + timedelta(minutes=first))
                    high = min(end, midnight + timedelta(minutes=last))
                    if high > low:
                        seconds += (high - low).total_seconds()
            day += timedelta(days=1)
        return seconds / 3600

    def days(self, start: datetime, end: datetime) -> int:
        """Working days after the day of `start`, up to and including the day of `end`."""
        first = self.calendar.localize(start).date()
        last = self.calendar.localize(end).date()
        count = 0
        day = first + timedelta(days=1)
        while day <= last:
            if self.is_workday(day):
                count += 1
            day += timedelta(days=1)
        return count

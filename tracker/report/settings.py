"""How the 督查通报 counts and looks: this tool's settings, none of them fixed by the rules.

They are meant to live in the policy file as a `statistics:` section; until the
policy model has one, `ReportSettings()` holds the defaults and the CLI passes it.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator

from tracker.validation import Strict

Text = Annotated[str, Field(min_length=1)]
_SPAN = re.compile(r"^([01][0-9]|2[0-4]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$")


class ReportSettings(Strict):
    """Office hours, the labels that mean "escalated", which unit types are ranked, fonts."""

    # Working time counts only inside these spans, on working days of the calendar.
    # ["00:00-24:00"] counts whole working days (24 hours each).
    office_hours: list[Text] = Field(default=["08:30-12:00", "14:30-17:30"], min_length=1)
    # Labels that say an issue was passed up to the province (tiered intake).
    escalated_labels: list[Text] = ["层级/已报省"]
    # Unit types (values of the form's unit_type field) that get a ranking table of their
    # units. None: every accepted unit type except the first, which the city table covers.
    unit_rankings: list[Text] | None = None
    # How documents name the system, e.g. "关于2026年第三季度资助系统技术支持服务情况的通报".
    system_name: Text = "资助系统"
    # Font families the Word document asks for; readers without them fall back to a CJK font.
    body_font: Text = "仿宋"
    heading_font: Text = "黑体"

    @field_validator("office_hours")
    @classmethod
    def _spans(cls, value: list[str]) -> list[str]:
        previous_end = -1
        for span in value:
            match = _SPAN.match(span)
            if match is None:
                raise ValueError(f"办公时段 {span!r} 应写作 HH:MM-HH:MM，例如 08:30-12:00")
            start = int(match[1]) * 60 + int(match[2])
            end = int(match[3]) * 60 + int(match[4])
            if end > 24 * 60 or start >= end:
                raise ValueError(f"办公时段 {span} 的结束时间须晚于开始时间，且不晚于 24:00")
            if start < previous_end:
                raise ValueError(f"办公时段 {span} 与前一时段重叠或顺序颠倒，请按时间先后书写")
            previous_end = end
        return value

    def spans(self) -> list[tuple[int, int]]:
        """Return the office hours as (start, end) minutes after midnight."""
        out = []
        for span in self.office_hours:
            start, end = span.split("-")
            out.append((_minutes(start), _minutes(end)))
        return out

    def hours_per_day(self) -> float:
        return sum(end - start for start, end in self.spans()) / 60


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)

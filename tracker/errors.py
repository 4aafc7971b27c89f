"""Errors a user can meet, each with a Chinese message and a stable exit code.

    ZzxtError                exit 1  a check failed or an operation could not finish
    ├── InputError           exit 2  bad input: an option, a date, a file to read
    │   └── PolicyError      exit 2  the policy file cannot be read or is invalid
    └── CalendarGapError     exit 3  the working-day calendar has no data for a year

Exit code 2 is also what click uses for usage mistakes, so every "you gave me
something wrong" case shares one code.
"""

from __future__ import annotations


class ZzxtError(Exception):
    """Base class: `message` is shown to the user as is."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(ZzxtError):
    """The user gave an input we cannot use."""

    exit_code = 2


class PolicyError(InputError):
    """The policy file is unreadable or fails validation."""


class CalendarGapError(ZzxtError):
    """Neither chinesecalendar nor the policy knows the working days of a year."""

    exit_code = 3

    def __init__(self, year: int) -> None:
        super().__init__(
            f"工作日日历缺少 {year} 年的数据：chinesecalendar 和政策文件都没有该年的放假安排。"
            f"请在政策文件 calendar.years 下添加 {year} 年（依据国务院办公厅当年的节假日安排通知，"
            f"列出放假日 holidays、调休上班日 workdays，并设 complete: true），"
            f"或升级 chinesecalendar。"
        )
        self.year = year

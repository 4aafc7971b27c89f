"""Errors a user can meet, each with a Chinese message and a stable exit code.

    ZzxtError                exit 1  a check failed or an operation could not finish
    ├── InputError           exit 2  bad input: an option, a date, a file to read
    │   └── PolicyError      exit 2  the policy file cannot be read or is invalid
    ├── CalendarGapError     exit 3  the working-day calendar has no data for a year
    └── ForgeError           exit 8  the tracker (Gitea/GitHub) failed or is unreachable
        ├── AuthError        exit 4  no token, or the token was refused (401)
        ├── PermissionDenied exit 5  the token may not do this (403)
        ├── NotFound         exit 6  the repository (or the object) does not exist (404)
        ├── RateLimited      exit 7  the rate limit would need too long a wait
        └── PublicRepoRefused exit 9 reports carry names and phones: not on a public repository

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


class ForgeError(ZzxtError):
    """The tracker answered with an error we cannot handle, or could not be reached."""

    exit_code = 8


class AuthError(ForgeError):
    exit_code = 4


class PermissionDenied(ForgeError):
    exit_code = 5


class NotFound(ForgeError):
    exit_code = 6


class RateLimited(ForgeError):
    exit_code = 7


class PublicRepoRefused(ForgeError):
    exit_code = 9

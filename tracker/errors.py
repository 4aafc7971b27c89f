"""Errors a user can meet, each with a Chinese message and a stable exit code.

    ZzxtError                exit 1  a check failed or an operation could not finish
    ├── InputError           exit 2  bad input: an option, a date, a file to read
    │   └── PolicyError      exit 2  the policy file cannot be read or is invalid
    ├── CalendarGapError     exit 3  the working-day calendar has no data for a year
    ├── MailServerError      exit 10 the IMAP or SMTP server refused us or is unreachable
    └── ForgeError           exit 8  the tracker (Gitea/GitHub) failed or is unreachable
        ├── WriteUnconfirmed exit 8  a create request's answer was lost: it may have happened
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
    """The working days of one or more years are unknown, and guessing is not allowed.

    Raised for a year that neither chinesecalendar nor the policy covers when the
    policy sets `calendar.strict: true`, or when the statutory holidays of the year
    cannot be computed. `year` is the earliest missing year, `years` all of them.
    """

    exit_code = 3

    def __init__(self, year: int, *more: int) -> None:
        years = tuple(sorted({year, *more}))
        listed = "、".join(str(y) for y in years)
        super().__init__(
            f"工作日日历缺少 {listed} 年的数据：chinesecalendar 和政策文件 calendar.years "
            f"都没有{'这些年份' if len(years) > 1 else '该年'}的放假安排。"
            f"请依据国务院办公厅当年的节假日安排通知补充："
            f"zzxt calendar import-notice 通知.txt --write 政策文件"
            f"（或手工在 calendar.years 下列出放假日 holidays、调休上班日 workdays，"
            f"并设 complete: true），或升级 chinesecalendar。"
            f"政策设置了 calendar.strict: true 时缺数据即停止；设为 false 则暂按法定节假日推算。"
        )
        self.year = years[0]
        self.years = years


class MailServerError(ZzxtError):
    """The mail server (IMAP or SMTP) refused the login or a command, or could not be reached."""

    exit_code = 10


class ForgeError(ZzxtError):
    """The tracker answered with an error we cannot handle, or could not be reached."""

    exit_code = 8


class WriteUnconfirmed(ForgeError):
    """A request that creates something got no answer (connection lost, 5xx): it may exist.

    Never retried blindly: the bots' Writer looks for what it meant to create
    (by its marker or name) and sends the request again only if it is not there.
    """


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

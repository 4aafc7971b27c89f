"""Find student personal data in free text: resident ID, bank card and mobile numbers.

Rule 19 of the policy and the ministry's notice on student-aid information
security forbid spreading these numbers; an issue body that carries one is a
leak. `scan` finds them, `mask_text` hides all but a few digits of each.

A number counts only when it stands alone: the characters around it are not
ASCII letters, digits or `_`, and it does not continue a decimal (`1,234`).
Chinese text may touch it (`电话13800138000谢谢`). Each candidate must also
pass its checks (ID check digit and birth date, Luhn, mobile prefix), which
keeps dates, landlines, school codes and amounts out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

Kind = Literal["id_card", "bank_card", "mobile"]

KINDS: tuple[Kind, ...] = ("id_card", "bank_card", "mobile")
"""Every kind, strongest first: when two findings overlap, the earlier kind wins a tie."""

MAX_BIRTH_YEAR = 2099
"""Latest birth year `scan` accepts unless told the current year."""

# Leading and trailing characters of the number left visible; the rest become `*`.
KEEP: dict[Kind, tuple[int, int]] = {"id_card": (4, 4), "bank_card": (4, 4), "mobile": (3, 4)}

# Province-level codes that open a resident ID (GB/T 2260), plus 71/81/82/83 used
# for Taiwan, Hong Kong and Macao residents' residence permits.
PROVINCES = frozenset(
    {
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
        83,
    }
)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

# Full-width digits, X and plus typed with a Chinese input method read as ASCII.
# One character for one, so offsets into the normalized text are offsets into the text.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＋", "0123456789Xx+")

_START = r"(?<![0-9A-Za-z_])(?<![0-9][.,])"
_END = r"(?![0-9A-Za-z_])(?![.,][0-9])"
# A grouped number must not be one part of a longer run of digit groups.
_GROUP_START = _START + r"(?<![0-9][ -])"
_GROUP_END = _END + r"(?![ -][0-9])"
_MOBILE_PREFIX = r"(?P<prefix>\+?86[ -]?)?"
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True, slots=True)
class Finding:
    """One number found: `text[start:end]` is the number as written, `masked` its safe form."""

    kind: Kind
    start: int
    end: int
    masked: str

    def as_dict(self) -> dict[str, str | int]:
        return {"kind": self.kind, "start": self.start, "end": self.end, "masked": self.masked}


def id_check_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character of the first 17 digits of an ID."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def id_card_valid(number: str, *, max_birth_year: int = MAX_BIRTH_YEAR) -> bool:
    """Tell whether `number` (digits, 18th may be X) is a plausible resident ID number."""
    number = number.upper()
    if len(number) == 18:
        if not _DIGITS.fullmatch(number[:17]) or id_check_char(number[:17]) != number[17]:
            return False
        year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
        if not 1900 <= year <= max_birth_year:
            return False
    elif len(number) == 15 and _DIGITS.fullmatch(number):
        year, month, day = 1900 + int(number[6:8]), int(number[8:10]), int(number[10:12])
    else:
        return False
    return int(number[:2]) in PROVINCES and _real_date(year, month, day)


def luhn_valid(digits: str) -> bool:
    """Tell whether a string of digits passes the Luhn check."""
    if not _DIGITS.fullmatch(digits):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def bank_card_valid(digits: str) -> bool:
    """Tell whether `digits` looks like a payment card number: 16-19 digits, IIN 3-6, Luhn."""
    return 16 <= len(digits) <= 19 and digits[:1] in "3456" and luhn_valid(digits)


@dataclass(frozen=True)
class _Form:
    kind: Kind
    pattern: re.Pattern[str]


def _form(kind: Kind, body: str, grouped: bool = False) -> _Form:
    start, end = (_GROUP_START, _GROUP_END) if grouped else (_START, _END)
    return _Form(kind, re.compile(start + body + end))


_FORMS = (
    _form("id_card", r"(?P<number>[0-9]{17}[0-9Xx]|[0-9]{15})"),
    _form("id_card", r"(?P<number>[0-9]{6}(?P<sep>[ -])[0-9]{8}(?P=sep)[0-9]{3}[0-9Xx])", True),
    _form("bank_card", r"(?P<number>[0-9]{16,19})"),
    _form(
        "bank_card",
        r"(?P<number>[0-9]{4}(?P<sep>[ -])[0-9]{4}(?P=sep)[0-9]{4}(?P=sep)[0-9]{4}"
        r"(?:(?P=sep)[0-9]{1,3})?)",
        True,
    ),
    _form("mobile", _MOBILE_PREFIX + r"(?P<number>1[3-9][0-9]{9})"),
    _form(
        "mobile",
        _MOBILE_PREFIX + r"(?P<number>1[3-9][0-9](?P<sep>[ -])[0-9]{4}(?P=sep)[0-9]{4})",
        True,
    ),
)


def _mask(written: str, kind: Kind) -> str:
    """Return `written` with its digits (and X) hidden except the leading and trailing few."""
    lead, trail = KEEP[kind]
    positions = [i for i, char in enumerate(written) if char.isalnum()]
    hidden = set(positions[lead : len(positions) - trail])
    return "".join("*" if i in hidden else char for i, char in enumerate(written))


def _candidates(text: str, max_birth_year: int) -> Iterable[Finding]:
    normalized = text.translate(_FULL_WIDTH)
    checks: dict[Kind, Callable[[str], bool]] = {
        "id_card": lambda n: id_card_valid(n, max_birth_year=max_birth_year),
        "bank_card": bank_card_valid,
        "mobile": lambda n: True,  # the pattern is the whole rule
    }
    for form in _FORMS:
        for match in form.pattern.finditer(normalized):
            number = re.sub(r"[ -]", "", match["number"])
            if checks[form.kind](number):
                # A +86 prefix stays visible; only the number itself is masked.
                head = text[match.start() : match.start("number")]
                written = text[match.start("number") : match.end()]
                masked = head + _mask(written, form.kind)
                yield Finding(form.kind, match.start(), match.end(), masked)


def scan(text: str, *, max_birth_year: int = MAX_BIRTH_YEAR) -> list[Finding]:
    """Find the resident ID, bank card and mobile numbers in `text`, in order of position."""
    # Longest first, then the stronger kind: an 18-digit valid ID that also passes
    # Luhn is an ID, and `+86 138…` wins over the bare number inside it.
    ranked = sorted(
        _candidates(text, max_birth_year),
        key=lambda f: (f.start - f.end, KINDS.index(f.kind), f.start),
    )
    chosen: list[Finding] = []
    for finding in ranked:
        if all(finding.end <= other.start or other.end <= finding.start for other in chosen):
            chosen.append(finding)
    return sorted(chosen, key=lambda f: f.start)


def mask_text(text: str, findings: Iterable[Finding]) -> str:
    """Return `text` with every finding replaced by its masked form."""
    pieces: list[str] = []
    position = 0
    for finding in sorted(findings, key=lambda f: f.start):
        fits = position <= finding.start <= finding.end <= len(text)
        if not fits or len(finding.masked) != finding.end - finding.start:
            raise ValueError("findings overlap or do not fit the text")
        pieces += [text[position : finding.start], finding.masked]
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces)

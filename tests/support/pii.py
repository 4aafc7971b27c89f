"""Generators of valid and near-miss personal numbers, written apart from tracker.pii."""

from __future__ import annotations

import re
from datetime import date, timedelta

from hypothesis import strategies as st

REGIONS = ["440106", "440304", "110105", "310115", "445122", "650102", "810000", "530102"]
UNIONPAY_PREFIXES = ["622202", "621700", "622848", "623668", "625965"]
OTHER_PREFIXES = ["4", "51", "35", "6011"]


def id_check(first17: str) -> str:
    """Return the MOD 11-2 check character, the weights derived as 2^(17-i) mod 11."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


def make_id(region: str, born: date, sequence: int) -> str:
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check(first17)


def make_old_id(region: str, born: date, sequence: int) -> str:
    return f"{region}{born:%y%m%d}{sequence:03d}"


def luhn_digit(body: str) -> str:
    """Return the digit that makes `body` + digit pass Luhn."""
    total = 0
    for i, char in enumerate(reversed(body)):
        value = int(char) * (2 if i % 2 == 0 else 1)
        total += value // 10 + value % 10
    return str(-total % 10)


def passes_luhn(digits: str) -> bool:
    return luhn_digit(digits[:-1]) == digits[-1]


def looks_like_id(digits: str) -> bool:
    """A loose test: 18 characters whose check digit is right and whose date is real."""
    if len(digits) != 18 or id_check(digits[:17]) != digits[17].upper():
        return False
    try:
        date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return False
    return True


def make_card(prefix: str, length: int, filler: str) -> str:
    body = (prefix + filler)[: length - 1].ljust(length - 1, "0")
    return body + luhn_digit(body)


def group(digits: str, sizes: list[int], sep: str) -> str:
    parts, position = [], 0
    for size in sizes:
        parts.append(digits[position : position + size])
        position += size
    if position < len(digits):
        parts.append(digits[position:])
    return sep.join(parts)


# Strategies: each draws (kind, the number as written).

births = st.dates(min_value=date(1950, 1, 1), max_value=date(2015, 12, 31))
old_births = st.dates(min_value=date(1930, 1, 1), max_value=date(1999, 12, 31))


@st.composite
def id_numbers(draw: st.DrawFn) -> tuple[str, str]:
    region = draw(st.sampled_from(REGIONS))
    sequence = draw(st.integers(0, 999))
    if draw(st.booleans()):
        number = make_old_id(region, draw(old_births), sequence)
    else:
        number = make_id(region, draw(births), sequence)
        if number.endswith("X") and draw(st.booleans()):
            number = number[:-1] + "x"
        if draw(st.booleans()):
            number = group(number, [6, 8], draw(st.sampled_from([" ", "-"])))
    return "id_card", number


@st.composite
def card_numbers(draw: st.DrawFn) -> tuple[str, str]:
    prefix = draw(st.sampled_from(UNIONPAY_PREFIXES + OTHER_PREFIXES))
    length = draw(st.integers(16, 19))
    filler = draw(st.text("0123456789", min_size=19, max_size=19))
    number = make_card(prefix, length, filler)
    if looks_like_id(number):  # a valid ID is reported as one; see test_valid_id_wins_over_card
        number = make_card("62", length, "9" * 19)
    if draw(st.booleans()):
        number = group(number, [4, 4, 4, 4], draw(st.sampled_from([" ", "-"])))
    return "bank_card", number


@st.composite
def mobile_numbers(draw: st.DrawFn) -> tuple[str, str]:
    second = draw(st.sampled_from("3456789"))
    rest = draw(st.text("0123456789", min_size=9, max_size=9))
    number = "1" + second + rest
    if draw(st.booleans()):
        number = group(number, [3, 4], draw(st.sampled_from([" ", "-"])))
    prefix = draw(st.sampled_from(["", "", "+86", "+86 ", "86", "86-"]))
    return "mobile", prefix + number


personal_numbers = st.one_of(id_numbers(), card_numbers(), mobile_numbers())


# Near misses: numeric text that must never be reported.


@st.composite
def failing_long_numbers(draw: st.DrawFn) -> str:
    """16-19 digits failing Luhn; at 18 digits also failing the ID check."""
    length = draw(st.integers(16, 19))
    body = draw(st.text("0123456789", min_size=length - 1, max_size=length - 1))
    banned = {luhn_digit(body)}
    if length == 18:
        banned.add(id_check(body))
    last = draw(st.sampled_from([d for d in "0123456789" if d not in banned]))
    return body + last


@st.composite
def bad_date_ids(draw: st.DrawFn) -> str:
    """18 or 15 digits shaped like an ID with an impossible birth date, failing Luhn too."""
    region = draw(st.sampled_from(REGIONS))
    year = draw(st.integers(1950, 2015))
    month, day = draw(st.sampled_from([(13, 1), (0, 10), (2, 30), (4, 31), (6, 0), (11, 32)]))
    sequence = draw(st.integers(0, 999))
    if draw(st.booleans()):
        return f"{region}{year % 100:02d}{month:02d}{day:02d}{sequence:03d}"
    first17 = f"{region}{year}{month:02d}{day:02d}{sequence:03d}"
    number = first17 + id_check(first17)
    if passes_luhn(number):
        number = first17 + draw(
            st.sampled_from([d for d in "0123456789" if d not in {luhn_digit(first17)}])
        )
    return number


@st.composite
def wrong_check_ids(draw: st.DrawFn) -> str:
    """A real-looking 18-digit ID whose check character is wrong (and Luhn fails)."""
    first17 = make_id(draw(st.sampled_from(REGIONS)), draw(births), draw(st.integers(0, 999)))[:17]
    banned = {id_check(first17), luhn_digit(first17)}
    return first17 + draw(st.sampled_from([d for d in "0123456789X" if d not in banned]))


def _digits(size: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=size, max_size=size)


dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
timestamps = st.tuples(dates, st.integers(0, 86399)).map(
    lambda t: f"{t[0]:%Y-%m-%d}T{timedelta(seconds=t[1])!s:0>8}+08:00"
)
landlines = st.one_of(
    st.tuples(st.sampled_from(["010", "020", "021", "025"]), _digits(7)).map(
        lambda t: f"{t[0]}-8{t[1]}"
    ),
    st.tuples(st.sampled_from(["0755", "0756", "0757", "0769"]), _digits(6)).map(
        lambda t: f"{t[0]}-2{t[1]}"
    ),
    st.tuples(st.sampled_from(["020", "010"]), _digits(7)).map(lambda t: f"({t[0]})8{t[1]}"),
)
not_mobile_11 = st.tuples(st.sampled_from(["10", "11", "12", "01", "02"]), _digits(9)).map("".join)

harmless_tokens = st.one_of(
    dates.map(lambda d: f"{d:%Y-%m-%d}"),
    dates.map(lambda d: f"{d:%Y%m%d}"),
    dates.map(lambda d: f"{d.year}年{d.month}月{d.day}日"),
    timestamps,
    landlines,
    st.integers(1, 99999).map(lambda n: f"#{n}"),
    _digits(6).map(lambda d: f"4144{d}"),  # 10-digit school codes
    _digits(9).map(lambda d: f"3{d}@qq.com"),
    st.integers(1, 10**7).map(lambda n: f"{n:,}.{n % 100:02d}"),
    st.integers(1, 99999).map(lambda n: f"{n}元"),
    not_mobile_11,
    # 13 digits opening with 861[3-9] would be a mobile number with its country code.
    st.integers(12, 14).flatmap(_digits).filter(lambda d: not re.match("861[3-9]", d)),
    st.integers(20, 24).flatmap(_digits),
    failing_long_numbers(),
    bad_date_ids(),
    wrong_check_ids(),
)

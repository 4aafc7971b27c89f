"""Read the subject of 第十一条, `XX市-XX学段-XX类问题`, as people really type it.

Tolerated: reply and forward prefixes (repeated), bracketed tags such as
`【紧急】`, any dash or none between the parts, the policy's aliases and optional
suffixes (`广州`, `义务教育学段`, `应用类`). What follows the category is the
topic. A part that names nothing in the policy is not guessed: the subject is
unresolved and `reason` shows the format, built from the policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from tracker.mail.names import SEPARATORS, Vocabulary, key, resolve_choice
from tracker.policy import Policy

Thread = Literal["new", "reply", "forward"]

_FORWARD = {"转发", "转寄", "轉寄", "轉發", "fw", "fwd", "wg", "tr", "rv", "i"}
_PREFIX = re.compile(
    r"\s*(回复|答复|回覆|转发|转寄|轉寄|轉發|re|fwd?|aw|wg|tr|sv|vs|rv|ynt|i)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：]",
    re.IGNORECASE,
)
_OPEN, _CLOSE = "【[［〔〖(（<＜《", "】]］〕〗)）>＞》"
_TAG = re.compile(
    "\\s*[" + re.escape(_OPEN) + "]([^" + re.escape(_CLOSE) + "]{0,30})[" + re.escape(_CLOSE) + "]"
)
_LEADING = re.compile("^[\\s" + re.escape(SEPARATORS + _OPEN) + "]+")
_TRAILING = re.compile("[\\s" + re.escape(_CLOSE) + "]+$")

PART_NAMES = {"city": "地市", "stage": "学段", "category": "类别"}


@dataclass(frozen=True)
class Subject:
    """What a subject names; `city`/`stage` are policy names, `category` a policy key."""

    text: str
    thread: Thread = "new"
    city: str | None = None
    stage: str | None = None
    category: str | None = None
    topic: str = ""
    tags: tuple[str, ...] = ()
    unknown: str = ""  # the part that could not be read: city, stage or category
    unknown_text: str = ""  # what was typed there

    @property
    def resolved(self) -> bool:
        return None not in (self.city, self.stage, self.category)


def strip_prefixes(text: str) -> tuple[str, Thread, tuple[str, ...]]:
    """Remove reply/forward prefixes and leading bracketed tags; say what the outer one was."""
    thread: Thread | None = None
    tags: list[str] = []
    rest = text
    while True:
        prefix = _PREFIX.match(rest)
        tag = _TAG.match(rest)
        if prefix:
            word = prefix.group(1).lower()
            if thread is None:
                thread = "forward" if word in _FORWARD else "reply"
            rest = rest[prefix.end() :]
        elif tag:
            tags.append(tag.group(1).strip())
            rest = rest[tag.end() :]
        else:
            break
    tags += [m.group(1).strip() for m in _TAG.finditer(rest)]
    return rest.strip(), thread or "new", tuple(t for t in tags if t)


def read_subject(text: str, policy: Policy, vocabulary: Vocabulary | None = None) -> Subject:
    """Return what a subject names, or how far it could be read."""
    words = vocabulary or Vocabulary.of(policy)
    rest, thread, tags = strip_prefixes(text)
    found = _match(rest, words)
    if not found.resolved and rest != text.strip():
        # A leading tag may have been the city itself, as in `【广州市】义务教育-应用类`.
        bracketed = _match(_after_prefixes(text), words)
        if bracketed.resolved:
            found = bracketed
    return Subject(
        text=text,
        thread=thread,
        city=found.city,
        stage=found.stage,
        category=found.category,
        topic=found.topic,
        tags=tags,
        unknown=found.unknown,
        unknown_text=found.unknown_text,
    )


def _after_prefixes(text: str) -> str:
    rest = text
    while prefix := _PREFIX.match(rest):
        rest = rest[prefix.end() :]
    return rest


def _match(text: str, words: Vocabulary) -> Subject:
    """Match city, stage and category in turn from the start; backtrack over variants."""
    keyed: list[str] = []
    origin: list[int] = []  # index into `text` of each keyed character
    for i, char in enumerate(text):
        for k in key(char):
            keyed.append(k)
            origin.append(i)
    flat = "".join(keyed)
    tables = (("city", words.cities), ("stage", words.stages), ("category", words.categories))
    best: tuple[int, list[str], int] = (0, [], 0)  # parts matched, values, keyed position

    def walk(level: int, position: int, values: list[str]) -> tuple[list[str], int] | None:
        nonlocal best
        if level > best[0] or (level == best[0] and position > best[2]):
            best = (level, values, position)
        if level == len(tables):
            return values, position
        table = tables[level][1]
        longest = max((len(k) for k in table), default=0)
        for length in range(min(longest, len(flat) - position), 0, -1):
            target = table.get(flat[position : position + length])
            if target is not None:
                done = walk(level + 1, position + length, [*values, target])
                if done is not None:
                    return done
        return None

    complete = walk(0, 0, [])
    if complete is not None:
        values, position = complete
        end = origin[position - 1] + 1 if position else 0
        topic = _TRAILING.sub("", _LEADING.sub("", text[end:]))
        if topic.startswith(tuple(_CLOSE)):
            topic = topic[1:].strip()
        return Subject(text, city=values[0], stage=values[1], category=values[2], topic=topic)
    level, values, position = best
    start = origin[position] if position < len(origin) else len(text)
    rest = _LEADING.sub("", text[start:])
    typed = re.split("[\\s" + re.escape(SEPARATORS + _OPEN + _CLOSE) + "]", rest, maxsplit=1)[0]
    known = dict(zip(("city", "stage", "category"), values, strict=False))
    return Subject(
        text,
        city=known.get("city"),
        stage=known.get("stage"),
        category=known.get("category"),
        unknown=tables[level][0],
        unknown_text=typed[:30],
    )


def tag_answer(subject: Subject, choices: dict[str, list[str]]) -> str | None:
    """Return the answer a bracketed tag gives to a dropdown, e.g. 【紧急】 for 是否紧急."""
    for tag in subject.tags:
        choice = resolve_choice(tag, choices)
        if choice is not None and key(tag) in {key(w) for w in [choice, *choices[choice]]}:
            return choice
    return None


def format_reason(subject: Subject, policy: Policy, shown: str) -> str:
    """Explain in Chinese why a subject cannot be read, with the format built from the policy."""
    example = policy.subject(
        subject.city or policy.cities[0],
        subject.stage or policy.stages[0].name,
        subject.category or policy.categories[0].key,
    )
    pattern = policy.report.subject_format.format(
        city=policy.report.city_placeholder,
        stage=policy.report.stage_placeholder,
        category="类别",
    )
    choices = {
        "city": "、".join(policy.cities),
        "stage": "、".join(s.name for s in policy.stages),
        "category": "、".join(c.name for c in policy.categories),
    }
    part = subject.unknown or "city"
    if not shown.strip():
        head = "邮件没有主题。"
    elif subject.unknown_text:
        head = f"邮件主题“{shown}”中无法识别{PART_NAMES[part]}“{subject.unknown_text}”。"
    else:
        head = f"邮件主题“{shown}”缺少{PART_NAMES[part]}。"
    return (
        f"{head}主题应为“{example}”这样的格式（{pattern}），"
        f"{PART_NAMES[part]}应为以下之一：{choices[part]}。"
    )

"""The words of a policy as people type them: names, aliases and their variants.

Every comparison goes through `key`: full-width forms, case, spaces, brackets,
quotes and dashes do not count, so `高等教育(本专科)` is `高等教育（本专科）`.
A variant that would name two different things is dropped rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tracker.policy import Policy, alias_key

# Separators people put between the parts of a subject: hyphens and dashes of every
# width, underscores, tildes, slashes, middle dots and the Chinese enumeration comma.
SEPARATORS = "-‐‑‒–—―－﹣_＿~～/／\\|｜·・、,，;；:："
_SEPARATOR = re.compile("[" + re.escape(SEPARATORS) + "]")


def key(text: str) -> str:
    """Return the form in which a typed word is compared with the policy's words."""
    return _SEPARATOR.sub("", alias_key(text))


def variants(name: str, suffixes: Iterable[str]) -> set[str]:
    """Return a name, its core without the optional suffixes, and the core with each of them."""
    ordered = sorted(suffixes, key=len, reverse=True)
    core = name
    stripped = True
    while stripped:
        stripped = False
        for suffix in ordered:
            if core.endswith(suffix) and len(core) > len(suffix):
                core = core[: -len(suffix)]
                stripped = True
                break
    found = {name}
    if len(key(core)) >= 2:  # a single character would match too much
        found.add(core)
        found.update(core + suffix for suffix in ordered)
    return found


def _table(entries: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Map each keyed variant to what it names; a variant naming two things is dropped."""
    table: dict[str, str] = {}
    clashes: set[str] = set()
    for word, target in entries:
        k = key(word)
        if not k:
            continue
        if table.setdefault(k, target) != target:
            clashes.add(k)
    for k in clashes:
        del table[k]
    return table


@dataclass(frozen=True)
class Vocabulary:
    """Keyed variants of the cities, stages (by name) and categories (by key)."""

    cities: dict[str, str]
    stages: dict[str, str]
    categories: dict[str, str]

    @classmethod
    def of(cls, policy: Policy) -> Vocabulary:
        suffixes = policy.mail.subject_suffixes
        city_words = [
            (variant, city)
            for city in policy.cities
            for word in [city, *policy.mail.city_aliases.get(city, [])]
            for variant in variants(word, suffixes.city)
        ]
        stage_words = [
            (variant, stage.name)
            for stage in policy.stages
            for word in [stage.name, *stage.aliases]
            for variant in variants(word, suffixes.stage)
        ]
        category_words = [
            (variant, category.key)
            for category in policy.categories
            for word in [category.name, *category.aliases]
            for variant in variants(word, suffixes.category)
        ]
        return cls(_table(city_words), _table(stage_words), _table(category_words))


def resolve(text: str, table: dict[str, str]) -> str | None:
    """Return what `text` names when all of it is one variant in `table`."""
    return table.get(key(text)) if text else None


def resolve_choice(text: str, choices: dict[str, list[str]]) -> str | None:
    """Return the choice an answer means: the choice or an alias, whole or at its start.

    `是（今天要用）` is 是; longer words are tried first, so `不紧急` is not `紧急`.
    """
    typed = key(text)
    if not typed:
        return None
    words = sorted(
        ((key(word), choice) for choice, aliases in choices.items() for word in [choice, *aliases]),
        key=lambda pair: len(pair[0]),
        reverse=True,
    )
    for word, choice in words:
        if word and typed == word:
            return choice
    for word, choice in words:
        if word and typed.startswith(word):
            return choice
    return None

"""Who may report (第十二条): tell the sender's unit type from what the mail says.

The policy's `mail.unit_rules` are tried in order on the unit's name; the first
rule that applies decides, either an accepted unit type or out of scope. When
the name says nothing (or is missing), a `unit_type` answer naming an accepted
type decides; failing that, the subject's city stands for the sender (a city's
report comes from its bureau, 省直属 from a university or provincial school).
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.mail.names import Vocabulary, key
from tracker.policy import Policy, UnitRule


@dataclass(frozen=True)
class Scope:
    """`unit_type` is an accepted unit, or None when unknown; `basis` says what decided."""

    in_scope: bool
    unit_type: str | None
    basis: str  # "unit", "unit_type", "city" or "none"
    named: str = ""  # the name the rule was applied to


def _expand(words: list[str], cities: list[str]) -> set[str]:
    found: set[str] = set()
    for word in words:
        if "{city}" in word:
            found.update(key(word.replace("{city}", c)) for c in cities)
        else:
            found.add(key(word))
    return {w for w in found if w}


def _rule_for(name: str, rules: list[UnitRule], cities: list[str]) -> UnitRule | None:
    typed = key(name)
    if not typed:
        return None
    for rule in rules:
        if typed in _expand(rule.names, cities):
            return rule
        if any(word in typed for word in _expand(rule.keywords, cities)):
            return rule
    return None


def judge_scope(
    policy: Policy,
    vocabulary: Vocabulary,
    unit: str,
    unit_type: str,
    city: str | None,
) -> Scope:
    """Decide whether the sender is one of the policy's accepted units."""
    city_words = list(vocabulary.cities)
    rules = policy.mail.unit_rules
    rule = _rule_for(unit, rules, city_words)
    if rule is not None:
        return Scope(bool(rule.unit), rule.unit or None, "unit", unit)
    accepted = {key(u): u for u in policy.accepted_units}
    if key(unit_type) in accepted:
        return Scope(True, accepted[key(unit_type)], "unit_type", unit_type)
    rule = _rule_for(unit_type, rules, city_words)
    if rule is not None:
        return Scope(bool(rule.unit), rule.unit or None, "unit_type", unit_type)
    if city is not None:
        return Scope(True, None, "city", city)
    return Scope(True, None, "none")

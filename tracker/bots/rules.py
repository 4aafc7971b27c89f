"""What every bot reads, built once per command: the policy and what follows from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tracker.calendar import WorkCalendar
from tracker.labels import LabelBook
from tracker.policy import Policy
from tracker.templates.forms import Form, build_forms


@dataclass(frozen=True)
class Rules:
    """The policy with its labels, issue forms and working-day calendar."""

    policy: Policy
    labels: LabelBook
    forms: tuple[Form, ...]
    calendar: WorkCalendar

    @classmethod
    def build(cls, policy: Policy, warn: Callable[[str], None] | None = None) -> Rules:
        """Derive everything once; `warn` receives the calendar's warnings."""
        return cls(
            policy=policy,
            labels=policy.label_book(),
            forms=tuple(build_forms(policy)),
            calendar=WorkCalendar(policy.calendar, warn=warn),
        )

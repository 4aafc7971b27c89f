"""Fault seeds that make the sandbox fail every request in one chosen way."""

from __future__ import annotations

from functools import cache

from tracker.sandbox.server import FAULTS, Faults


@cache
def seed_failing_with(kind: str, count: int = 8) -> int:
    """Return a fault seed whose first `count` requests all fail as `kind` at a fault rate of 1.

    The sandbox draws one number per API request, in arrival order, from a generator
    seeded with the fault seed (docs/admin/sandbox.md), so the same seed fails the same
    requests the same way. `kind` is "502", "drop" or "429". Tests still check the
    request log, so a change to how faults are drawn shows as a failed premise.
    """
    if kind not in FAULTS:
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULTS}")
    seed = 0
    while True:
        faults = Faults(1.0, seed)
        if all(faults.draw() == kind for _ in range(count)):
            return seed
        seed += 1

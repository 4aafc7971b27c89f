"""A clearly labelled example training record, for tests that need a "trained" entry.

The shipped policy registers no training (none is known); tests and demonstrations
add this one, marked `example: true`, which every page and comment shows as such.
"""

from __future__ import annotations

EXAMPLE_TITLE = "资助系统应用培训（示例）"
EXAMPLE_ENTRIES = ("pwd-forgot-reset", "clear-browser-cache")


def example_training(entries: tuple[str, ...] = EXAMPLE_ENTRIES) -> str:
    """Return a `trainings:` section with one example record covering `entries`."""
    listed = ", ".join(entries)
    return f"""trainings:
  - date: 2026-03-12
    organiser: province
    organiser_name: 示例组织单位
    audience: 各地市资助系统管理员（示例）
    title: {EXAMPLE_TITLE}
    entries: [{listed}]
    materials:
      - {{title: 培训课件（示例）}}
    example: true
"""


def with_example_training(policy_text: str, entries: tuple[str, ...] = EXAMPLE_ENTRIES) -> str:
    """Return the policy text with its empty register replaced by the example record."""
    assert "\ntrainings: []\n" in policy_text, "the policy no longer ends with `trainings: []`"
    return policy_text.replace("\ntrainings: []\n", "\n" + example_training(entries))

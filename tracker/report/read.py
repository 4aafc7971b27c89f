"""Read a period's issues and comments from the tracker: two paged lists, whatever the size."""

from __future__ import annotations

from tracker.forge.model import Comment, Forge, Issue
from tracker.report.period import Period


def read_period(forge: Forge, period: Period) -> tuple[list[Issue], list[Comment]]:
    """Return the issues (open and closed) and comments that may matter to `period`.

    Both lists are filtered by the forge on "updated since the period began", a
    superset of what the report needs: an issue created in the period, and every
    comment on it, was updated at or after its creation. `compute` keeps the rest out.
    """
    issues = forge.list_issues("all", since=period.start)
    comments = forge.list_comments(since=period.start) if issues else []
    return issues, comments

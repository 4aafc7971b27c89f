"""Read a period's issues and comments from the tracker: two paged lists, whatever the size."""

from __future__ import annotations

from tracker.bots.identity import BotIdentity
from tracker.bots.rules import Rules
from tracker.bots.sla import Responders
from tracker.bots.sla_run import read_responders
from tracker.forge.model import Comment, Forge, Issue
from tracker.report.period import Period


def read_period(
    forge: Forge, rules: Rules, identity: BotIdentity, period: Period
) -> tuple[list[Issue], list[Comment], Responders]:
    """Return the issues (open and closed) and comments that may matter to `period`.

    Both lists are filtered by the forge on "updated since the period began", a
    superset of what the report needs: an issue created in the period, and every
    comment on it, was updated at or after its creation. `compute` keeps the rest out.
    Who counts as answering is read as the SLA bot reads it, so the two never disagree.
    """
    issues = forge.list_issues("all", since=period.start)
    comments = forge.list_comments(since=period.start) if issues else []
    responders = read_responders(forge, rules, identity, issues, comments)
    return issues, comments, responders

"""Talking to trackers: one interface (`Forge`), a GitHub and a Gitea implementation.

Code above this package sees only the domain objects of `tracker.forge.model`.
"""

from tracker.forge.model import (
    Comment,
    FileChange,
    FileContent,
    Forge,
    Issue,
    Label,
    Repository,
    User,
)
from tracker.forge.settings import ForgeSettings, RetryPolicy, connect, resolve_settings

__all__ = [
    "Comment",
    "FileChange",
    "FileContent",
    "Forge",
    "ForgeSettings",
    "Issue",
    "Label",
    "Repository",
    "RetryPolicy",
    "User",
    "connect",
    "resolve_settings",
]

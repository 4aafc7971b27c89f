"""Talking to trackers: one interface (`Forge`), one record per forge kind, one client each.

Code above this package sees only the domain objects of `tracker.forge.model`
and asks `tracker.forge.kinds` about a forge's differences.
"""

from __future__ import annotations

import importlib

from tracker.errors import AuthError
from tracker.forge.kinds import KIND_NAMES, KINDS, ForgeKind, Kind, detect, forge_kind
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
from tracker.forge.settings import ForgeSettings, RetryPolicy, resolve_settings

__all__ = [
    "KINDS",
    "KIND_NAMES",
    "Comment",
    "FileChange",
    "FileContent",
    "Forge",
    "ForgeKind",
    "ForgeSettings",
    "Issue",
    "Kind",
    "Label",
    "Repository",
    "RetryPolicy",
    "User",
    "connect",
    "detect",
    "forge_kind",
    "resolve_settings",
]


def connect(settings: ForgeSettings) -> Forge:
    """Return the client for the settings' forge, importing it on first use."""
    if not settings.token:
        raise AuthError(
            "没有访问令牌：请设置环境变量 ZZXT_TOKEN（在 Actions 中也可用 GITEA_TOKEN 或 GITHUB_TOKEN）。"
        )
    module, _, name = settings.forge.client.partition(":")
    client: Forge = getattr(importlib.import_module(module), name)(settings)
    return client

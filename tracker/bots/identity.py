"""Who the bot is, so that it trusts only what it wrote itself.

A marker (`<!-- zzxt:... -->`), a dashboard or an "own" comment counts only
when its author is the bot's own login. The login comes from the API
(`GET /user`); where the token cannot read it (GitHub Actions' GITHUB_TOKEN),
from the CI (GitHub Actions writes as `github-actions[bot]`) or from the
policy (`sla.bot_login`). Other bots (the policy's `sla.bots`, Bot-type users,
`[bot]` logins) never count as people answering, and never as us.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tracker.errors import ForgeError
from tracker.forge.kinds import detect
from tracker.forge.model import Forge, User
from tracker.policy import Policy


@dataclass(frozen=True)
class BotIdentity:
    """The bot's own login, if known, and every login that is some bot."""

    login: str | None
    bots: frozenset[str] = frozenset()

    def wrote(self, author: User) -> bool:
        """Whether `author` is the bot itself: only then does a marker count."""
        return self.login is not None and author.login.casefold() == self.login.casefold()

    def is_bot(self, user: User) -> bool:
        """Whether `user` is any bot (ours or another): its comments are never replies."""
        return (
            self.wrote(user)
            or user.is_bot
            or user.login.endswith("[bot]")
            or user.login.casefold() in {b.casefold() for b in self.bots}
        )


def read_identity(forge: Forge, policy: Policy, env: Mapping[str, str]) -> BotIdentity:
    """Find the bot's login: the policy's setting, else `GET /user`, else the CI's bot."""
    bots = frozenset(policy.sla.bots)
    if policy.sla.bot_login:
        return BotIdentity(policy.sla.bot_login, bots)
    try:
        return BotIdentity(forge.current_user().login, bots)
    except ForgeError:
        running_in = detect(env)
        if running_in is not None and running_in.name == forge.kind:
            return BotIdentity(running_in.ci_bot_login, bots)
        return BotIdentity(None, bots)

"""Who the bot is, so that it trusts only what it wrote itself.

A marker (`<!-- zzxt:... -->`), a dashboard or an "own" comment counts only
when its author is the bot's own login. The login comes from the policy
(`sla.bot_login`), else from the API (`GET /user`), else, where the token
cannot read it (GitHub Actions' GITHUB_TOKEN), from the CI (GitHub Actions
writes as `github-actions[bot]`, Gitea Actions as `gitea-actions`). Other bots
(the policy's `sla.bots`, Bot-type users, `[bot]` logins) never count as people
answering, and never as us.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tracker.errors import InputError, NotFound, PermissionDenied
from tracker.forge.kinds import detect
from tracker.forge.model import Comment, Forge, User
from tracker.policy import Policy

MARKER_PREFIX = "<!-- zzxt:"  # every hidden marker the bots write starts so


@dataclass(frozen=True)
class BotIdentity:
    """The bot's own login, if known, and every login that is some bot."""

    login: str | None
    bots: frozenset[str] = frozenset()
    # Whose token this run uses (GET /user), when the token may say.
    runner: str | None = None

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

    def is_bot_comment(self, comment: Comment) -> bool:
        """Never a reply: a bot's comment, or one carrying a zzxt marker.

        Every comment the bots write carries a marker, so one read with another
        account's token (a member of staff running a check by hand) is still not
        taken for a person's answer. A marker can only take a comment out of the
        replies: it never makes a comment the bot's own.
        """
        return self.is_bot(comment.author) or MARKER_PREFIX in comment.body

    def check_can_write(self) -> None:
        """Refuse to write as an account the bot would not recognise as itself next time."""
        if self.login is None:
            raise InputError(
                "无法确定机器人自己的账号（令牌读不到 /user，也不在 Actions 中运行）："
                "请在政策文件 sla.bot_login 中填写机器人的登录名后再加 --apply。"
            )
        if self.runner is not None and self.runner.casefold() != self.login.casefold():
            raise InputError(
                f"令牌属于 {self.runner}，不是机器人账号 {self.login}（政策 sla.bot_login）："
                "用别人的令牌写入，机器人下次认不出这些评论和进度清单。"
                "加 --apply 时请使用机器人的令牌；只查看时去掉 --apply。"
            )


UNKNOWN = BotIdentity(None)  # before the login is read, or where it cannot be


def read_identity(forge: Forge, policy: Policy, env: Mapping[str, str]) -> BotIdentity:
    """Find the bot's login: the policy's setting, else `GET /user`, else the CI's bot."""
    bots = frozenset(policy.sla.bots)
    try:
        runner: str | None = forge.current_user().login
    except (PermissionDenied, NotFound):
        # An Actions token (or a Gitea token without the user scope) may not read /user.
        # A bad token, a rate limit or a server that is down is not shrugged off here.
        runner = None
    if policy.sla.bot_login:
        return BotIdentity(policy.sla.bot_login, bots, runner)
    if runner is not None:
        return BotIdentity(runner, bots, runner)
    running_in = detect(env)
    if running_in is not None and running_in.name == forge.kind:
        return BotIdentity(running_in.ci_bot_login, bots)
    return BotIdentity(None, bots)

"""Both trackers of a tier, opened at the edge: the city's from the options, the province's
from the policy's `upstream` section and ZZXT_UPSTREAM_TOKEN."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from tracker.bots.identity import BotIdentity, read_identity
from tracker.bots.rules import Rules
from tracker.bots.upstream import Tracker
from tracker.cli.base import State, warn
from tracker.cli.forge_opts import open_forge, settings_from
from tracker.errors import AuthError, ForgeError, InputError
from tracker.forge import RetryPolicy, resolve_settings
from tracker.forge.model import Forge
from tracker.policy import Policy, load_layers

UPSTREAM_TOKEN = "ZZXT_UPSTREAM_TOKEN"


@dataclass(frozen=True)
class Tiers:
    city: Tracker
    upstream: Tracker
    # The province's tracker through a client that sends each request once: creating an
    # issue there is never repeated blindly (see tracker.bots.upstream.create_once).
    upstream_once: Forge


def open_tiers(
    state: State,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
) -> Tiers:
    """Open the city's tracker and the province's, with their rules and the bot's identities."""
    layers = load_layers(state.policy_path)
    policy = layers.policy
    if policy.level != "city" or policy.upstream is None:
        raise InputError(
            "当前政策是省级（level: province），没有上级问题台账。escalate 和 mirror 用于地市台账："
            "请用 --policy 指定地市的政策文件（level: city，写明 upstream），见 docs/admin/tiers.md。"
        )
    up_policy = layers.upstream
    if up_policy is None:
        warn("提示：本政策没有继承省级政策（extends），上级问题按本级政策的表单填写。")
        up_policy = policy
    settings = settings_from(forge, url, repo, write_interval, verbose)
    city_forge = open_forge(settings)
    token = os.environ.get(UPSTREAM_TOKEN)
    if not token:
        raise AuthError(
            f"没有上级问题台账的访问令牌：请设置环境变量 {UPSTREAM_TOKEN}"
            "（上级为本市开通的账号生成的令牌，需有议题的读写权限）。"
        )
    up = policy.upstream
    try:
        up_settings = resolve_settings(
            {"ZZXT_TOKEN": token},
            kind=up.forge,
            url=up.url,
            repo=up.repo,
            write_interval=write_interval,
            retry=settings.retry,
        )
    except InputError as error:
        raise InputError(f"政策文件 upstream 部分有误：{error.message}") from None
    up_forge = open_forge(up_settings)
    once = open_forge(replace(up_settings, retry=RetryPolicy(attempts=1)))
    city_rules = Rules.build(policy, warn=warn)
    up_rules = Rules.build(up_policy, warn=warn)
    city = Tracker(
        city_forge,
        settings.url,
        settings.repo,
        city_rules,
        bot_identity(city_forge, policy),
    )
    upstream = Tracker(
        up_forge,
        up_settings.url,
        up_settings.repo,
        up_rules,
        _upstream_identity(up_forge, policy, up_policy),
    )
    return Tiers(city, upstream, once)


def bot_identity(forge: Forge, policy: Policy) -> BotIdentity:
    """The bot's login on this tracker; refuse to go on without it (markers would not count)."""
    identity = read_identity(forge, policy, os.environ)
    if identity.login is None:
        raise InputError(
            "无法确定本级机器人的账号（令牌不能读取 GET /user，也不在 Actions 中运行）："
            "请在政策 sla.bot_login 中写明，机器人据此识别自己写的记录，避免重复评论。"
        )
    return identity


def _upstream_identity(forge: Forge, policy: Policy, up_policy: Policy) -> BotIdentity:
    assert policy.upstream is not None
    bots = frozenset(up_policy.sla.bots)
    if policy.upstream.bot_login:
        return BotIdentity(policy.upstream.bot_login, bots)
    try:
        return BotIdentity(forge.current_user().login, bots)
    except AuthError:
        raise
    except ForgeError:
        raise InputError(
            f"无法读取 {UPSTREAM_TOKEN} 对应的上级账号（GET /user）：请在政策 upstream.bot_login 中写明"
            "该账号，机器人据此找到本市已报送的上级问题，避免重复报送。"
        ) from None

"""Which policy rules a tracker (`zzxt init`, `zzxt sync`): read at the edge, chosen in bots/sync."""

from __future__ import annotations

from pathlib import Path

from tracker.bots import sync as syncing
from tracker.bots.rules import Rules
from tracker.cli.base import warn
from tracker.errors import PolicyError
from tracker.policy import DEFAULT_POLICY, Policy, default_policy_text, load_text_layers
from tracker.policy_source import BUILTIN, read_layer


def local_policy(path: Path | None) -> tuple[str, str] | None:
    """Return (text, source) of a policy file named on the command line, if any."""
    if path is None:
        return None
    try:
        return path.read_text("utf-8"), str(path)
    except FileNotFoundError:
        raise PolicyError(f"找不到政策文件 {path}，请检查路径或 ZZXT_POLICY 环境变量。") from None
    except UnicodeDecodeError:
        raise PolicyError(f"政策文件 {path} 不是 UTF-8 编码，请另存为 UTF-8 后重试。") from None
    except OSError as exc:
        raise PolicyError(f"无法读取政策文件 {path}：{exc.strerror}") from None


def builtin_policy() -> tuple[str, str]:
    return default_policy_text(), f"<内置>/{DEFAULT_POLICY}"


def chosen_rules(choice: syncing.PolicyChoice) -> tuple[Policy, Rules]:
    """Validate the chosen policy text (laid over what it `extends`) and derive its rules once.

    A policy stored in the tracker is read by its workflows from the checkout, where
    a file path in `extends` means nothing: it must name an https address or a
    built-in policy.
    """
    layer = read_layer(choice.text, choice.source, choice.base or BUILTIN)
    reference = layer.extends
    if reference and (choice.write or not choice.base):
        remote = reference.startswith(("https://", BUILTIN))
        if not remote:
            raise PolicyError(
                f"政策文件 {choice.source} 的 extends 是文件路径 {reference}：存入台账仓库后，"
                "机器人在工作流中找不到这个文件。请改为上级政策的 https 地址或 builtin:名称。"
            )
    policy = load_text_layers(choice.text, choice.source, choice.base or BUILTIN).policy
    return policy, Rules.build(policy, warn=warn)

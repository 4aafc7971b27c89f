"""CI workflows that run the bots, rendered for GitHub Actions and Gitea Actions.

Gitea reads only `.gitea/workflows` once that directory exists, so both
directories hold complete, generated sets; a test keeps them in sync with
this module, as with the issue forms.
"""

from __future__ import annotations

from typing import Any

from tracker.forge.kinds import Kind, forge_kind
from tracker.templates.generated import dump_yaml

HEADER = "# 本文件由 `zzxt workflows render` 生成，请勿手工修改。\n"


def _install_steps(flavor: Kind) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = [{"uses": "actions/checkout@v4"}]
    if forge_kind(flavor).uses_marketplace_actions:
        steps.append({"uses": "actions/setup-python@v5", "with": {"python-version": "3.11"}})
    # Gitea runners on an intranet often cannot fetch setup-python; their images ship Python 3.
    steps.append({"name": "安装 zzxt", "run": "python3 -m pip install --quiet ."})
    return steps


def _token(flavor: Kind) -> str:
    fallback = forge_kind(flavor).token_secret
    return f"${{{{ secrets.ZZXT_TOKEN || secrets.{fallback} }}}}"


def sla_workflow(flavor: Kind) -> dict[str, Any]:
    """Hourly from 08:00 to 20:00 Beijing time, every day: the tool decides what a working day is."""
    return {
        "name": "答复时限检查",
        "on": {
            "schedule": [{"cron": "0 0-12 * * *"}],  # UTC; 08:00-20:00 in Asia/Shanghai
            "workflow_dispatch": {},
        },
        "permissions": {"contents": "read", "issues": "write"},
        "concurrency": {"group": "zzxt-sla", "cancel-in-progress": False},
        "jobs": {
            "sla": {
                "runs-on": "ubuntu-latest",
                "timeout-minutes": 20,
                "steps": [
                    *_install_steps(flavor),
                    {
                        "name": "检查答复时限并更新进度清单",
                        "run": "zzxt sla check --apply",
                        "env": {"ZZXT_TOKEN": _token(flavor)},
                    },
                ],
            }
        },
    }


def triage_workflow(flavor: Kind) -> dict[str, Any]:
    """On every opened or edited issue (pull requests excluded)."""
    number = "${{ github.event.issue.number }}"
    return {
        "name": "问题分诊",
        "on": {"issues": {"types": ["opened", "edited"]}},
        "permissions": {"contents": "read", "issues": "write"},
        "concurrency": {"group": f"zzxt-triage-{number}", "cancel-in-progress": False},
        "jobs": {
            "triage": {
                "if": "${{ !github.event.issue.pull_request }}",
                "runs-on": "ubuntu-latest",
                "timeout-minutes": 10,
                "steps": [
                    *_install_steps(flavor),
                    {
                        "name": "检查信息是否完整、个人信息和知识库匹配",
                        "run": f"zzxt triage --issue {number} --apply",
                        "env": {"ZZXT_TOKEN": _token(flavor)},
                    },
                ],
            }
        },
    }


def render_workflows(flavor: Kind) -> dict[str, str]:
    """Return {file name: content} of every workflow for one forge."""
    schedule = "# 定时 cron 按 UTC：0-12 点每小时，即北京时间 8-20 点。\n"
    return {
        "sla.yml": HEADER + schedule + dump_yaml(sla_workflow(flavor)),
        "triage.yml": HEADER + dump_yaml(triage_workflow(flavor)),
    }

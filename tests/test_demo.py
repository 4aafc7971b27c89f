"""`make demo` stays honest: its seed shows every state the SLA bot knows."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.paths import ROOT, Invoke
from tests.support.sandbox import forge_args
from tracker.sandbox import Sandbox, parse_seed


def test_demo_seed_shows_every_state(invoke: Invoke) -> None:
    text = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo_seed.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    with Sandbox(seed=parse_seed(text, "demo_seed.py")) as sb:
        common = forge_args(sb.url, "gitea")
        env = {"ZZXT_TOKEN": "demo-bot-token"}
        assert invoke("sync", *common, "--apply", env=env).exit_code == 0
        result = invoke(
            "sla", "check", *common, "--now", "2025-10-13T10:00:00+08:00", "--json", env=env
        )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert {state for state, count in summary.items() if count} == {
        "pending",
        "due_soon",
        "overdue",
        "met",
        "late",
        "exempt",
    }

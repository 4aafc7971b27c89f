"""The CI workflows that run the bots, for GitHub Actions and Gitea Actions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.support.paths import ROOT
from tracker.forge.kinds import KIND_NAMES, forge_kind
from tracker.templates.generated import stale_files
from tracker.templates.workflows import render_workflows


@pytest.mark.parametrize("flavor", KIND_NAMES)
def test_committed_workflows_are_in_sync(flavor: str) -> None:
    directory = ROOT / forge_kind(flavor).workflow_dir
    assert stale_files(render_workflows(flavor), directory) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("flavor", KIND_NAMES)
def test_sla_workflow_schedule_and_permissions(flavor: str) -> None:
    doc = yaml.safe_load(render_workflows(flavor)["sla.yml"])  # type: ignore[arg-type]
    triggers = doc["on"]
    # 08:00-20:00 Beijing time is 00:00-12:00 UTC, every day.
    assert triggers["schedule"] == [{"cron": "0 0-12 * * *"}]
    assert "workflow_dispatch" in triggers
    assert doc["permissions"] == {"contents": "read", "issues": "write"}
    steps = doc["jobs"]["sla"]["steps"]
    assert steps[-1]["run"] == "zzxt sla check --apply"
    token = steps[-1]["env"]["ZZXT_TOKEN"]
    assert "secrets.ZZXT_TOKEN" in token
    assert ("GITEA_TOKEN" in token) == (flavor == "gitea")


def test_gitea_set_is_complete_because_gitea_reads_only_it() -> None:
    assert set(render_workflows("gitea")) == set(render_workflows("github"))


def test_check_fails_after_a_hand_edit(
    invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("workflows", "render").exit_code == 0
    assert invoke("workflows", "render", "--check").exit_code == 0
    path = tmp_path / ".gitea/workflows/sla.yml"
    path.write_text(path.read_text("utf-8").replace("0 0-12", "0 1-12"), "utf-8")
    result = invoke("workflows", "render", "--check")
    assert result.exit_code == 1
    assert ".gitea/workflows/sla.yml" in result.stderr


@pytest.mark.parametrize("flavor", KIND_NAMES)
def test_triage_workflow_runs_on_opened_and_edited_issues(flavor: str) -> None:
    doc = yaml.safe_load(render_workflows(flavor)["triage.yml"])  # type: ignore[arg-type]
    assert doc["on"] == {"issues": {"types": ["opened", "edited"]}}
    assert doc["permissions"] == {"contents": "read", "issues": "write"}
    job = doc["jobs"]["triage"]
    assert "pull_request" in job["if"]
    assert job["steps"][-1]["run"] == "zzxt triage --issue ${{ github.event.issue.number }} --apply"

"""`zzxt sync` behaviour that a deliberate bug once changed without any test failing.

Each test names in its docstring the mutant it kills (scripts/mutate.py applies it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.paths import Invoke
from tests.support.sandbox import forge_args, state
from tracker.forge.kinds import forge_kind
from tracker.policy import load_policy
from tracker.sandbox import Sandbox, parse_seed

TOKEN = "t-mutants-sync-2b7d"
FORGES = ["gitea", "github"]
SPEC = load_policy().label_book().specs()[0]  # the first category's label
FOREIGN_FORM = "name: 设备报修\ndescription: 信息中心自己的表单\nbody: []\n"


def seed_text(forge: str) -> str:
    folder = forge_kind(forge).template_dir
    form = json.dumps(FOREIGN_FORM, ensure_ascii=False)  # a JSON string is a YAML string
    return f"""\
users:
  - {{login: staff1, token: {TOKEN}}}
repos:
  - name: gdzz/support
    private: true
    labels:
      - {{name: "{SPEC.name}", color: "{SPEC.color}", description: 旧的说明}}
      - {{name: team/前端, color: "5319e7", description: 另一个团队的标签}}
      - {{name: 地市/旧地名, color: "bfdadc"}}
      - {{name: bug, color: "d73a4a"}}
    files:
      {folder}/90-equipment.yml: {form}
"""


@pytest.fixture(params=FORGES)
def forge(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sandbox(forge: str) -> Iterator[Sandbox]:
    with Sandbox(seed=parse_seed(seed_text(forge), "test_mutants_sync")) as sb:
        yield sb


def sync(invoke: Invoke, sb: Sandbox, forge: str, *args: str) -> Any:
    result = invoke("sync", *forge_args(sb.url, forge), *args, env={"ZZXT_TOKEN": TOKEN})
    assert result.exit_code == 0, result.stderr
    return result


def labels(sb: Sandbox) -> dict[str, str]:
    repo = state(sb.url)["repos"]["gdzz/support"]
    return {label["name"]: label["description"] for label in repo["labels"]}


def test_a_label_differing_only_in_its_description_is_updated(
    invoke: Invoke, sandbox: Sandbox, forge: str
) -> None:
    """Mutant: the plan compares colours only, so a changed description never reaches the tracker."""
    plan = json.loads(sync(invoke, sandbox, forge, "--json").stdout)
    assert plan["labels"]["update"] == [SPEC.name]
    assert f"~ 标签 {SPEC.name}（说明）" in sync(invoke, sandbox, forge).stdout

    sync(invoke, sandbox, forge, "--apply")
    assert labels(sandbox)[SPEC.name] == SPEC.description
    again = json.loads(sync(invoke, sandbox, forge, "--json").stdout)
    assert again["labels"]["update"] == []


def test_prune_deletes_only_labels_under_our_prefixes(
    invoke: Invoke, sandbox: Sandbox, forge: str
) -> None:
    """Mutant: any `x/y` label counts as ours, so --prune deletes another team's `team/前端`."""
    plan = json.loads(sync(invoke, sandbox, forge, "--prune", "--json").stdout)
    assert plan["labels"]["delete"] == ["地市/旧地名"]

    sync(invoke, sandbox, forge, "--apply", "--prune")
    have = labels(sandbox)
    assert "地市/旧地名" not in have
    assert {"team/前端", "bug"} <= set(have)


def test_prune_never_deletes_a_form_someone_else_wrote(
    invoke: Invoke, sandbox: Sandbox, forge: str
) -> None:
    """Mutant: --prune deletes every YAML file in the template folder, not only generated ones."""
    path = f"{forge_kind(forge).template_dir}/90-equipment.yml"
    plan = json.loads(sync(invoke, sandbox, forge, "--prune", "--json").stdout)
    assert path not in plan["files"]["delete"] and path not in plan["kept"]

    sync(invoke, sandbox, forge, "--apply", "--prune")
    assert state(sandbox.url)["repos"]["gdzz/support"]["files"][path] == FOREIGN_FORM

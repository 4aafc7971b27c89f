"""Make a tracker match the policy: labels, issue forms and, once deployed, workflows and policy.

    read(forge, kind) -> Current
    choose_policy(local, current, builtin, deploying) -> PolicyChoice
    plan(current, rules, kind, prune, deployment, policy_text) -> Plan
    apply(plan, writer) -> write requests

A tracker is *deployed* once it holds the policy file (`.zzxt/policy.yml`,
written by `zzxt init`): from then on that file rules it, and `zzxt sync` also
keeps the bots' workflows in step with it (and with the zzxt that runs sync, so
an upgrade reaches the workflows). `plan` compares what the tracker has with
what the policy wants and returns the differences; `apply` carries a plan out
through the `Writer`, so a dry run is exactly the plan and the write budget and
request log apply as for the bots.

Gitea lets two labels share a name (two syncs at once each create one). The next
sync keeps the oldest, puts it on every issue that carries the name, and deletes
the others, so issues keep their labels and each name is one label again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from tracker.bots.rules import Rules
from tracker.bots.writer import Writer
from tracker.forge.kinds import Kind, forge_kind
from tracker.forge.model import FileChange, FileContent, Forge, Label
from tracker.labels import LabelBook
from tracker.templates.deployment import POLICY_FILE, Deployment
from tracker.templates.forms import render_templates
from tracker.templates.generated import MARK
from tracker.templates.workflows import render_workflows

COMMIT_MESSAGE = "zzxt sync：按政策文件更新问题表单和工作流"


@dataclass(frozen=True)
class LabelChange:
    # dedupe: `current` is a second label of the name, deleted after `issues` get the first
    action: Literal["create", "update", "delete", "dedupe"]
    name: str
    color: str = ""
    description: str = ""
    current: Label | None = None
    issues: tuple[int, ...] = ()


@dataclass
class Plan:
    labels: list[LabelChange] = field(default_factory=list)
    files: list[FileChange] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # ours, unused, left because --prune was off

    @property
    def empty(self) -> bool:
        return not self.labels and not self.files

    def lines(self) -> list[str]:
        """The plan as `+`, `~`, `-` lines for people."""
        out = []
        for change in self.labels:
            if change.action == "create":
                out.append(f"+ 标签 {change.name}（#{change.color}）")
            elif change.action == "update":
                assert change.current is not None
                what = []
                if change.current.color != change.color:
                    what.append(f"颜色 #{change.current.color} → #{change.color}")
                if change.current.description != change.description:
                    what.append("说明")
                out.append(f"~ 标签 {change.name}（{'，'.join(what)}）")
            elif change.action == "dedupe":
                assert change.current is not None
                out.append(
                    f"- 标签 {change.name}（重复的一个，编号 {change.current.id}；"
                    f"{len(change.issues)} 个问题改用保留的那个）"
                )
            else:
                out.append(f"- 标签 {change.name}")
        marks = {"create": "+", "update": "~", "delete": "-"}
        for file in self.files:
            out.append(f"{marks[file.operation]} 文件 {file.path}")
        return out

    def as_dict(self) -> dict[str, object]:
        def names(kind: str) -> list[str]:
            return [c.name for c in self.labels if c.action == kind]

        def paths(kind: str) -> list[str]:
            return [f.path for f in self.files if f.operation == kind]

        return {
            "labels": {k: names(k) for k in ("create", "update", "delete", "dedupe")},
            "files": {k: paths(k) for k in ("create", "update", "delete")},
            "kept": self.kept,
        }


@dataclass(frozen=True)
class Current:
    """What the tracker has: labels, the YAML files of the forms and workflows folders, policy."""

    labels: list[Label]
    files: dict[str, FileContent | None]  # path -> content; None: listed but unreadable
    policy: FileContent | None = None  # the deployment's policy file, if there is one
    # Only when two labels share a name: the issues carrying each such name.
    carrying: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def deployed(self) -> bool:
        return self.policy is not None


@dataclass(frozen=True)
class PolicyChoice:
    """The policy text that rules the tracker, where it came from, and whether to write it."""

    text: str
    source: str  # for messages: a path, or repo:.zzxt/policy.yml
    write: bool  # store it as the tracker's policy file
    base: str = ""  # what a relative `extends` is resolved against ("": none allowed)


def read(forge: Forge, kind: Kind) -> Current:
    """Read the labels, the forms' and workflows' YAML files and the policy file; read only.

    Issues are read only when two labels share a name, to move them onto the one kept.
    """
    record = forge_kind(kind)
    paths = [
        path
        for directory in (record.template_dir, record.workflow_dir)
        for path in forge.list_files(directory)
        if path.endswith((".yml", ".yaml"))
    ]
    files = {path: forge.read_file(path) for path in paths}
    labels = forge.list_labels()
    names = [label.name for label in labels]
    doubled = {name for name in names if names.count(name) > 1}
    carrying: dict[str, tuple[int, ...]] = {}
    if doubled:
        issues = forge.list_issues("all")
        carrying = {
            name: tuple(i.number for i in issues if name in i.labels) for name in sorted(doubled)
        }
    return Current(labels, files, forge.read_file(POLICY_FILE), carrying)


def choose_policy(
    local: tuple[str, str] | None,
    current: Current,
    builtin: tuple[str, str],
    deploying: bool,
    local_base: str = "",
) -> PolicyChoice:
    """Pick the policy: one given on the command line, else the tracker's own, else the built-in.

    `local` and `builtin` are (text, source). A deployed tracker's policy file is
    replaced only by one given explicitly; `zzxt init` (`deploying`) writes one
    where there is none.
    """
    if local is not None:
        return PolicyChoice(*local, write=deploying or current.deployed, base=local_base)
    if current.policy is not None:
        return PolicyChoice(current.policy.text, f"台账仓库的 {POLICY_FILE}", write=False)
    return PolicyChoice(*builtin, write=deploying)


def plan(
    current: Current,
    rules: Rules,
    kind: Kind,
    prune: bool,
    deployment: Deployment | None = None,
    policy_text: str | None = None,
) -> Plan:
    """Compare the tracker with the policy; pure.

    With a `deployment`, the workflows are planned too (our own files that are no
    longer wanted are removed: a stale bot must not keep running); with
    `policy_text`, the policy file.
    """
    result = Plan()
    _plan_labels(result, rules.labels, current.labels, prune)
    _plan_duplicates(result, current)
    record = forge_kind(kind)
    wanted = render_templates(rules.policy, kind)
    _plan_files(result, wanted, record.template_dir, current.files, prune)
    if deployment is not None:
        flows = render_workflows(deployment)
        _plan_files(result, flows, record.workflow_dir, current.files, prune=True)
    if policy_text is not None:
        have = current.policy
        if have is None:
            result.files.append(FileChange("create", POLICY_FILE, policy_text))
        elif have.text != policy_text:
            result.files.append(FileChange("update", POLICY_FILE, policy_text, have.sha))
    return result


def _plan_labels(result: Plan, book: LabelBook, current: list[Label], prune: bool) -> None:
    wanted = book.specs()
    have: dict[str, Label] = {}
    for label in sorted(current, key=lambda lb: lb.id or 0):
        have.setdefault(label.name, label)  # of labels sharing a name, the oldest
    current = list(have.values())
    names = {spec.name for spec in wanted}
    for spec in wanted:
        existing = have.get(spec.name)
        if existing is None:
            result.labels.append(LabelChange("create", spec.name, spec.color, spec.description))
        elif (
            existing.color.lower() != spec.color.lower() or existing.description != spec.description
        ):
            result.labels.append(
                LabelChange("update", spec.name, spec.color, spec.description, existing)
            )
    for label in current:
        if book.is_ours(label.name) and label.name not in names:
            if prune:
                result.labels.append(LabelChange("delete", label.name, current=label))
            else:
                result.kept.append(label.name)


def _plan_duplicates(result: Plan, current: Current) -> None:
    """Labels that share a name with an older one: move their issues, then delete them."""
    seen: set[str] = set()
    for label in sorted(current.labels, key=lambda lb: lb.id or 0):
        if label.name in seen:
            issues = current.carrying.get(label.name, ())
            result.labels.append(LabelChange("dedupe", label.name, current=label, issues=issues))
        seen.add(label.name)


def _plan_files(
    result: Plan,
    wanted: dict[str, str],
    directory: str,
    existing: dict[str, FileContent | None],
    prune: bool,
) -> None:
    for name, text in wanted.items():
        path = f"{directory}/{name}"
        current = existing.get(path)
        if current is None:
            result.files.append(FileChange("create", path, text))
        elif current.text != text:
            result.files.append(FileChange("update", path, text, current.sha))
    wanted_paths = {f"{directory}/{name}" for name in wanted}
    inside = {path for path in existing if path.rsplit("/", 1)[0] == directory}
    for path in sorted(inside - wanted_paths):
        current = existing[path]
        if current is None or not current.text.startswith(MARK):
            continue  # not ours: never touched
        if prune:
            result.files.append(FileChange("delete", path, sha=current.sha))
        else:
            result.kept.append(path)


def apply(result: Plan, writer: Writer, message: str = COMMIT_MESSAGE) -> int:
    """Carry the plan out through the writer; return the number of write requests."""
    for change in result.labels:
        if change.action == "create":
            writer.create_label(change.name, change.color, change.description)
        elif change.action == "update":
            assert change.current is not None
            writer.update_label(change.current, change.color, change.description)
        elif change.action == "dedupe":
            assert change.current is not None
            for number in change.issues:
                writer.add_labels(number, [change.name])  # by name: the oldest of them
            writer.delete_label(change.current)
        else:
            assert change.current is not None
            writer.delete_label(change.current)
    if result.files:
        writer.write_files(result.files, message)
    return writer.writes

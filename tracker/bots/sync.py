"""Make a tracker match the policy: labels and issue form templates.

    read(forge, kind) -> Current -> plan(current, rules, kind, prune) -> Plan
                      -> apply(plan, writer) -> write requests

`plan` compares what the tracker has with what the policy wants and returns
the differences; `apply` carries a plan out through the `Writer`, so a dry run
is exactly the plan and the write budget and request log apply as for the bots.

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
from tracker.templates.forms import render_templates
from tracker.templates.generated import MARK

COMMIT_MESSAGE = "zzxt sync：按政策文件更新问题表单"


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
    """What the tracker has: its labels and the YAML files in the template folder."""

    labels: list[Label]
    files: dict[str, FileContent | None]  # path -> content; None: listed but unreadable
    # Only when two labels share a name: the issues carrying each such name.
    carrying: dict[str, tuple[int, ...]] = field(default_factory=dict)


def read(forge: Forge, kind: Kind) -> Current:
    """Read the labels and the template folder's YAML files; read only."""
    directory = forge_kind(kind).template_dir
    paths = [p for p in forge.list_files(directory) if p.endswith((".yml", ".yaml"))]
    labels = forge.list_labels()
    names = [label.name for label in labels]
    doubled = {name for name in names if names.count(name) > 1}
    carrying: dict[str, tuple[int, ...]] = {}
    if doubled:
        issues = forge.list_issues("all")
        carrying = {
            name: tuple(i.number for i in issues if name in i.labels) for name in sorted(doubled)
        }
    return Current(labels, {path: forge.read_file(path) for path in paths}, carrying)


def plan(current: Current, rules: Rules, kind: Kind, prune: bool) -> Plan:
    """Compare the tracker with the policy; pure."""
    result = Plan()
    _plan_labels(result, rules.labels, current.labels, prune)
    _plan_duplicates(result, current)
    wanted = render_templates(rules.policy, kind)
    _plan_files(result, wanted, forge_kind(kind).template_dir, current.files, prune)
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
    for path in sorted(set(existing) - wanted_paths):
        current = existing[path]
        if current is None or not current.text.startswith(MARK):
            continue  # not ours: never touched
        if prune:
            result.files.append(FileChange("delete", path, sha=current.sha))
        else:
            result.kept.append(path)


def apply(result: Plan, writer: Writer) -> int:
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
        writer.write_files(result.files, COMMIT_MESSAGE)
    return writer.writes

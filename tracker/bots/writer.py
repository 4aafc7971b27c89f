"""The one place that decides whether a write happens, and records it.

Bots plan their changes through a `Writer`: in a dry run it only records what
it would do; with `apply` it also performs each write, in order, once, until
its budget (`max_writes`) is spent. What the budget leaves out is counted as
deferred: the next run finds the same work still to do, so a large backlog
is worked through over successive runs, most urgent first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.forge.model import FileChange, Forge, Label


@dataclass(frozen=True)
class Action:
    # add_labels, remove_label, comment, edit_comment, assign, create_issue, edit_issue, pin,
    # close_issue, create_label, update_label, delete_label, write_files
    kind: str
    number: int | None
    detail: tuple[str, ...] = ()


@dataclass
class Writer:
    forge: Forge
    apply: bool
    max_writes: int | None = None
    actions: list[Action] = field(default_factory=list)
    deferred: int = 0
    # Write requests sent: one per action, except that writing files may take several.
    requests: int = 0

    @property
    def writes(self) -> int:
        return self.requests if self.apply else 0

    def _record(self, kind: str, number: int | None, *detail: str) -> bool:
        if self.apply and self.max_writes is not None and len(self.actions) >= self.max_writes:
            self.deferred += 1
            return False
        self.actions.append(Action(kind, number, detail))
        if self.apply:
            self.requests += 1
        return self.apply

    def add_labels(self, number: int, names: list[str]) -> None:
        if names and self._record("add_labels", number, *names):
            self.forge.add_labels(number, names)

    def remove_label(self, number: int, name: str) -> None:
        if self._record("remove_label", number, name):
            self.forge.remove_label(number, name)

    def comment(self, number: int, body: str) -> None:
        if self._record("comment", number, body):
            self.forge.create_comment(number, body)

    def edit_comment(self, number: int, comment_id: int, body: str) -> None:
        if self._record("edit_comment", number, body):
            self.forge.edit_comment(comment_id, body)

    def assign(self, number: int, logins: list[str]) -> None:
        if self._record("assign", number, *logins):
            self.forge.assign(number, logins)

    def create_issue(self, title: str, body: str, labels: list[str] | None = None) -> int | None:
        if self._record("create_issue", None, title):
            return self.forge.create_issue(title, body, labels or []).number
        return None

    def edit_issue(self, number: int, body: str) -> None:
        if self._record("edit_issue", number):
            self.forge.edit_issue(number, body=body)

    def edit_issue_text(self, number: int, title: str | None, body: str | None) -> None:
        if self._record("edit_issue", number):
            self.forge.edit_issue(number, title=title, body=body)

    def close_issue(self, number: int) -> None:
        if self._record("close_issue", number):
            self.forge.edit_issue(number, state="closed")

    def pin(self, number: int) -> None:
        if self._record("pin", number):
            self.forge.pin_issue(number)

    def create_label(self, name: str, color: str, description: str) -> None:
        if self._record("create_label", None, name):
            self.forge.create_label(name, color, description)

    def update_label(self, label: Label, color: str, description: str) -> None:
        if self._record("update_label", None, label.name):
            self.forge.update_label(label, color, description)

    def delete_label(self, label: Label) -> None:
        if self._record("delete_label", None, label.name):
            self.forge.delete_label(label)

    def write_files(self, changes: list[FileChange], message: str) -> None:
        """Write several files; a forge may need one request per file (GitHub) or one in all."""
        if changes and self._record("write_files", None, *(c.path for c in changes)):
            self.requests += self.forge.write_files(changes, message) - 1

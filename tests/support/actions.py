"""Run a workflow's job the way a GitHub or Gitea runner does, for the workflow tests.

Each `run:` step is written to a file and run with `bash --noprofile --norc
-eo pipefail` (the runners' default shell) in the workspace, with the runner's
variables, the workflow's, the job's and the step's `env:` (expressions
evaluated), and what earlier steps appended to $GITHUB_PATH and $GITHUB_ENV.
`uses:` steps are replaced by functions the test supplies; an action without
one fails the test. Expressions are evaluated by a small evaluator for the
forms the generated workflows use (contexts, `||`, `&&`, `!`, `==`, `!=`,
string literals); anything else fails loudly rather than guessing.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Action = Callable[[dict[str, Any], Path, dict[str, str]], None]
_TOKEN = re.compile(r"\s*(\|\||&&|==|!=|!|\(|\)|'[^']*'|[A-Za-z_][A-Za-z0-9_.\-\[\]]*|\d+)")


@dataclass
class Step:
    name: str
    returncode: int
    output: str


@dataclass
class Runner:
    """A runner's environment: the variables it sets, the secrets, the event."""

    env: dict[str, str]
    secrets: dict[str, str]
    event: dict[str, Any]
    actions: dict[str, Action] = field(default_factory=dict)  # "actions/checkout" -> function

    def context(self) -> dict[str, Any]:
        github = {
            "event": self.event,
            "ref_name": self.env.get("GITHUB_REF_NAME", ""),
            "repository": self.env.get("GITHUB_REPOSITORY", ""),
            "token": next(iter(self.secrets.values()), ""),
        }
        return {"github": github, "secrets": self.secrets, "vars": {}, "steps": {}}

    def run_job(self, workflow: dict[str, Any], job: str, workspace: Path) -> list[Step]:
        """Run one job's steps in order until one fails; return what each printed."""
        spec = workflow["jobs"][job]
        context = self.context()
        if "if" in spec and not truthy(evaluate(spec["if"], context)):
            return []
        base = {
            **self.env,
            **_env(workflow.get("env", {}), context),
            **_env(spec.get("env", {}), context),
        }
        done: list[Step] = []
        for number, step in enumerate(spec["steps"]):
            env = {**base, **_env(step.get("env", {}), context)}
            env["PATH"] = ":".join([*_lines(base["GITHUB_PATH"])[::-1], base["PATH"]])
            env |= dict(line.split("=", 1) for line in _lines(base["GITHUB_ENV"]))
            if "uses" in step:
                name = step["uses"].split("@")[0]
                assert name in self.actions, f"no stand-in for {step['uses']}"
                self.actions[name](step.get("with", {}), workspace, env)
                done.append(Step(step["uses"], 0, ""))
                continue
            script = Path(base["RUNNER_TEMP"]) / f"step-{job}-{number}.sh"
            script.write_text(step["run"], encoding="utf-8")
            result = subprocess.run(
                ["/bin/bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                cwd=workspace,
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=900,
            )
            done.append(
                Step(
                    step.get("name", step["run"]), result.returncode, result.stdout + result.stderr
                )
            )
            if result.returncode != 0:
                break
        return done


def _lines(path: str) -> list[str]:
    file = Path(path)
    return [line for line in file.read_text("utf-8").splitlines() if line] if file.exists() else []


def _env(values: Mapping[str, Any], context: dict[str, Any]) -> dict[str, str]:
    return {key: substitute(str(value), context) for key, value in values.items()}


def substitute(text: str, context: dict[str, Any]) -> str:
    """Replace every `${{ expression }}` in a string by its value."""
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: _text(evaluate(m.group(1), context)), text)


def _text(value: Any) -> str:
    if value is None or value is False:
        return "" if value is None else "false"
    if value is True:
        return "true"
    return str(value)


def truthy(value: Any) -> bool:
    return value not in (None, False, "", 0)


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """Evaluate an expression (with or without `${{ }}`) against the contexts."""
    text = expression.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    tokens = []
    position = 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        assert match, f"cannot read the expression {expression!r} at {text[position:]!r}"
        tokens.append(match.group(1))
        position = match.end()
    parser = _Parser(tokens, context)
    value = parser.either()
    assert parser.at == len(tokens), f"cannot read the whole expression {expression!r}"
    return value


class _Parser:
    def __init__(self, tokens: list[str], context: dict[str, Any]) -> None:
        self.tokens, self.context, self.at = tokens, context, 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        self.at += 1
        return self.tokens[self.at - 1]

    def either(self) -> Any:
        value = self.both()
        while self.peek() == "||":
            self.take()
            other = self.both()
            value = value if truthy(value) else other
        return value

    def both(self) -> Any:
        value = self.compare()
        while self.peek() == "&&":
            self.take()
            other = self.compare()
            value = other if truthy(value) else value
        return value

    def compare(self) -> Any:
        value = self.unary()
        while self.peek() in ("==", "!="):
            operator = self.take()
            other = self.unary()
            same = str(_text(value)).casefold() == str(_text(other)).casefold()
            value = same if operator == "==" else not same
        return value

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not truthy(self.unary())
        if self.peek() == "(":
            self.take()
            value = self.either()
            assert self.take() == ")"
            return value
        token = self.take()
        if token.startswith("'"):
            return token[1:-1]
        if token.isdigit():
            return int(token)
        if token in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[token]
        value: Any = self.context
        for part in token.split("."):
            assert isinstance(value, dict) or value is None, f"{token} is not a context path"
            value = value.get(part) if isinstance(value, dict) else None
        return value

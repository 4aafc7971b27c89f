"""The package's layout holds: imports point down the layers, no loops, forge names stay in forge/.

The layers are drawn in docs/dev/architecture.md; this test is the drawing's
guard. A module may import its own layer or those below it; within a layer the
imports must not form a loop.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.paths import ROOT

PACKAGE = ROOT / "tracker"

# Lowest first. A module belongs to the longest prefix listed.
LAYERS: list[tuple[str, ...]] = [
    ("tracker.errors",),
    ("tracker.validation",),
    ("tracker.policy_source",),
    ("tracker.labels",),
    ("tracker.policy",),
    ("tracker.calendar", "tracker.calendar_notice", "tracker.pii"),
    ("tracker.usertext",),
    ("tracker.forge.kinds",),
    ("tracker.forge", "tracker.sandbox"),
    ("tracker.templates",),
    ("tracker.attachments", "tracker.mail"),
    ("tracker.kb",),
    ("tracker.bots",),
    ("tracker.report",),
    ("tracker.cli", "tracker.__main__", "tracker"),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    best, rank = -1, -1
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            # The package root itself holds no code of a layer: `tracker` matches only itself.
            below = prefix != "tracker" and module.startswith(prefix + ".")
            if (module == prefix or below) and len(prefix) > best:
                best, rank = len(prefix), i
    assert rank >= 0, f"{module} belongs to no layer: add it to LAYERS and the architecture map"
    return rank


def imports(path: Path) -> set[str]:
    """Every tracker module a file imports, at any depth (functions and TYPE_CHECKING included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("tracker")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tracker"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = (PACKAGE.parent / (candidate.replace(".", "/") + ".py")).is_file() or (
                    PACKAGE.parent / candidate.replace(".", "/")
                ).is_dir()
                found.add(candidate if is_module else node.module)
    return found


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"{module} -> {target}"
        for module, targets in graph().items()
        for target in targets
        if layer(target) > layer(module)
    ]
    assert upward == []


def test_no_import_loops() -> None:
    edges = graph()
    loops: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges.get(module, ())):
            if target == module or target not in edges:
                continue
            if state.get(target) == 1:
                loops.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    # A package's __init__ re-exporting its own modules is not a loop of concepts.
    real = [loop for loop in loops if len({m.rsplit(".", 1)[0] for m in loop}) > 1 or len(loop) > 2]
    assert real == []


def test_forge_names_are_compared_only_inside_forge() -> None:
    """`kind == "github"` and friends belong in tracker/forge; elsewhere ask a ForgeKind."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(PACKAGE / "forge"):
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Compare | ast.Dict | ast.Subscript | ast.match_case):
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Constant) and sub.value in ("github", "gitea"):
                        offenders.append(f"{path.relative_to(ROOT)}:{sub.lineno}")
    assert offenders == []

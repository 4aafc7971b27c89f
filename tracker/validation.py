"""Validate YAML against a pydantic model, with errors people can act on.

Every message names the file, the line and the field, in Chinese. Validators
that look across fields raise `LocatedError` so the message points at the
offending entry rather than at the start of its block.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from tracker.errors import InputError

M = TypeVar("M", bound=BaseModel)
# libyaml's loader when PyYAML has it (a build of 2,000 FAQ pages parses 2,000 front
# matters); the same safe schema either way.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Strict(BaseModel):
    """A frozen model that rejects unknown keys, so typos are caught."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LocatedError(ValueError):
    """A validation error that knows which part of the model it is about."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


def validate_yaml(
    model: type[M],
    text: str,
    source: str,
    *,
    kind: str,
    hint: str,
    error: type[InputError],
    line_offset: int = 0,
    context: dict[str, Any] | None = None,
) -> M:
    """Parse `text` as YAML and validate it as `model`; raise `error` in Chinese."""
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"第 {mark.line + 1 + line_offset} 行" if mark else "某处"
        problem = exc.problem or "格式错误"
        raise error(
            f"{kind} {source} {where}：YAML 格式错误（{problem}）。请检查缩进、冒号和引号。"
        ) from None
    if not isinstance(data, dict):
        raise error(f"{kind} {source}：内容应为键值对形式的 YAML。")
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        # Line numbers are only needed to report errors: compose the node tree then.
        lines = _line_index(yaml.compose(text, Loader=_LOADER), line_offset)
        problems = [_describe(err, lines, source) for err in exc.errors()]
        more = f"\n  ……另有 {len(problems) - 10} 处错误" if len(problems) > 10 else ""
        raise error(
            f"{kind}校验未通过：\n" + "\n".join(problems[:10]) + more + "\n" + hint
        ) from None


def _line_index(node: yaml.Node | None, offset: int) -> dict[tuple[str, ...], int]:
    """Map each path in the YAML document to the 1-based line it starts on."""
    index: dict[tuple[str, ...], int] = {}

    def walk(n: yaml.Node, path: tuple[str, ...]) -> None:
        index.setdefault(path, n.start_mark.line + 1 + offset)
        if isinstance(n, yaml.MappingNode):
            for key_node, value_node in n.value:
                child = (*path, str(key_node.value))
                index[child] = key_node.start_mark.line + 1 + offset
                walk(value_node, child)
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                walk(item, (*path, str(i)))

    if node is not None:
        walk(node, ())
    return index


_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段（可能拼写有误），请删除或更正",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文字",
    "list_type": "应为列表",
    "dict_type": "应为键值对",
    "model_type": "应为键值对",
    "date_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_from_datetime_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_type": "应为日期，格式 YYYY-MM-DD",
    "string_too_short": "不能为空",
    "too_short": "不能为空",
}


def _describe(err: Mapping[str, Any], lines: dict[tuple[str, ...], int], source: str) -> str:
    ctx = err.get("ctx") or {}
    full_loc = tuple(err["loc"])
    if isinstance(ctx.get("error"), LocatedError):
        full_loc += ctx["error"].loc
    loc = tuple(str(part) for part in full_loc if part != "[key]")
    line = 0
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            line = lines[loc[:n]]
            break
    field = _dotted(full_loc) or "（文档顶层）"
    kind = err["type"]
    if kind == "value_error":
        text = str(ctx.get("error", err["msg"]))
    elif kind == "literal_error":
        text = f"取值应为 {ctx.get('expected', '')}"
    elif kind == "string_pattern_mismatch":
        text = f"格式不符（应匹配 {ctx.get('pattern', '')}）"
    elif kind in ("greater_than_equal", "greater_than"):
        text = f"应不小于 {ctx.get('ge', ctx.get('gt', ''))}"
    else:
        text = _MESSAGES.get(kind, f"取值无效（{err['msg']}）")
    return f"  {source} 第 {line} 行，字段 {field}：{text}"


def _dotted(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if part == "[key]":
            out += "（键）"
        elif isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out

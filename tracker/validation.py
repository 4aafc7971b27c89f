"""Validate YAML against a pydantic model, with errors people can act on.

Every message names the file, the line and the field, in Chinese. Validators
that look across fields raise `LocatedError` so the message points at the
offending entry rather than at the start of its block. A key written twice in
one mapping is refused with both lines (YAML would silently keep the last).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from tracker.errors import InputError

M = TypeVar("M", bound=BaseModel)


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
    syntax: Literal["YAML", "JSON"] = "YAML",
) -> M:
    """Parse `text` as YAML (or JSON) and validate it as `model`; raise `error` in Chinese."""
    data, lines = read_yaml(
        text, source, kind=kind, error=error, line_offset=line_offset, syntax=syntax
    )
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        problems = [_describe(err, lines, source) for err in exc.errors()]
        raise error(_report(kind, problems, hint)) from None


def read_yaml(
    text: str,
    source: str,
    *,
    kind: str,
    error: type[InputError],
    line_offset: int = 0,
    syntax: Literal["YAML", "JSON"] = "YAML",
) -> tuple[dict[str, Any], dict[tuple[str, ...], int]]:
    """Parse a YAML (or JSON) mapping; return it with the line each path starts on (1-based).

    A key written twice in one mapping is refused with both lines (YAML keeps the last).
    """
    if syntax == "JSON":
        _check_json(text, source, kind, error, line_offset)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"第 {mark.line + 1 + line_offset} 行" if mark else "某处"
        raise error(
            f"{kind} {source} {where}：{syntax} 格式错误（{_yaml_problem(exc.problem)}）。"
            "请检查缩进、冒号和引号。"
        ) from None
    except yaml.YAMLError:
        raise error(f"{kind} {source}：{syntax} 格式错误，无法读取。") from None
    if node is not None:
        _refuse_duplicate_keys(node, source, kind, error, line_offset)
    if not isinstance(data, dict):
        raise error(f"{kind} {source}：内容应为键值对形式的 {syntax}。")
    return data, _line_index(node, line_offset)


def validate_data(
    model: type[M],
    data: Mapping[str, Any],
    origins: Mapping[tuple[str, ...], tuple[str, int]],
    *,
    kind: str,
    hint: str,
    error: type[InputError],
) -> M:
    """Validate data merged from several files; `origins` names each path's file and line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = {path: line for path, (_, line) in origins.items()}
        problems = [_describe(err, lines, _source_of(err, origins)) for err in exc.errors()]
        raise error(_report(kind, problems, hint)) from None


def _report(kind: str, problems: list[str], hint: str) -> str:
    more = f"\n  ……另有 {len(problems) - 10} 处错误" if len(problems) > 10 else ""
    return f"{kind}校验未通过：\n" + "\n".join(problems[:10]) + more + "\n" + hint


def _error_path(err: Mapping[str, Any]) -> tuple[str, ...]:
    full_loc = tuple(err["loc"])
    error = (err.get("ctx") or {}).get("error")
    if isinstance(error, LocatedError):
        full_loc += error.loc
    return tuple(str(part) for part in full_loc if part != "[key]")


def _source_of(err: Mapping[str, Any], origins: Mapping[tuple[str, ...], tuple[str, int]]) -> str:
    loc = _error_path(err)
    for n in range(len(loc), -1, -1):
        if loc[:n] in origins:
            return origins[loc[:n]][0]
    return next(iter(origins.values()), ("", 0))[0]


# What PyYAML's problems mean, in words a policy editor can act on.
_YAML_PROBLEMS = (
    (
        "mapping values are not allowed",
        "此处不能出现“键: 值”，多半是冒号后少了空格、缩进不对或值里有未加引号的冒号",
    ),
    ("could not find expected ':'", "缺少冒号"),
    ("cannot start any token", "有无法识别的字符（缩进请用空格，不要用制表符）"),
    ("found unexpected end of stream", "引号或括号没有闭合"),
    ("found unknown escape character", "双引号字符串中有无效的转义（反斜杠）"),
    ("expected <block end>", "缩进不一致"),
    ("did not find expected key", "缩进不一致或缺少键"),
    ("did not find expected node content", "缺少内容"),
    ("did not find expected '-' indicator", "列表项缩进不一致"),
    ("expected ',' or ']'", "方括号列表中缺少逗号或右括号"),
    ("expected ',' or '}'", "花括号中缺少逗号或右括号"),
    ("found undefined alias", "引用了未定义的锚点（*名称）"),
    ("found duplicate anchor", "锚点（&名称）重复"),
    ("found character that cannot start any token", "有无法识别的字符"),
    ("control characters are not allowed", "含有不允许的控制字符"),
)
_JSON_PROBLEMS = (
    ("Expecting value", "缺少值"),
    ("Expecting ',' delimiter", "缺少逗号"),
    ("Expecting ':' delimiter", "缺少冒号"),
    ("Expecting property name enclosed in double quotes", "键名应加双引号（或多了一个逗号）"),
    ("Unterminated string", "字符串缺少结束的引号"),
    ("Invalid control character", "字符串中有控制字符（如换行）"),
    ("Invalid \\escape", "字符串中有无效的转义（反斜杠）"),
    ("Extra data", "内容结束后还有多余的字符"),
)


def _yaml_problem(problem: str | None) -> str:
    text = problem or ""
    return next((zh for en, zh in _YAML_PROBLEMS if en in text), "无法识别的写法")


def _check_json(
    text: str, source: str, kind: str, error: type[InputError], line_offset: int
) -> None:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        problem = next(
            (zh for en, zh in _JSON_PROBLEMS if exc.msg.startswith(en)), "无法识别的写法"
        )
        raise error(
            f"{kind} {source} 第 {exc.lineno + line_offset} 行第 {exc.colno} 列："
            f"JSON 格式错误（{problem}）。请检查逗号、引号和括号。"
        ) from None


def _refuse_duplicate_keys(
    node: yaml.Node, source: str, kind: str, error: type[InputError], offset: int
) -> None:
    """Refuse a mapping that names one key twice; YAML loaders silently keep the last."""

    def walk(n: yaml.Node, path: tuple[str, ...]) -> None:
        if isinstance(n, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in n.value:
                key = str(key_node.value)
                line = key_node.start_mark.line + 1 + offset
                if key in seen and key != "<<":
                    where = ".".join((*path, key))
                    raise error(
                        f"{kind} {source} 第 {seen[key]} 行和第 {line} 行：字段 {where} 写了两次，"
                        "只有后一处会生效。请删除或合并其中一处。"
                    )
                seen[key] = line
                walk(value_node, (*path, key))
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                walk(item, (*path, f"[{i}]"))

    walk(node, ())


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
    "too_long": "条目过多",
    "string_too_long": "文字过长",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "int_from_float": "应为整数",
    "finite_number": "应为有限的数字",
    "datetime_parsing": "应为时间，格式如 2025-09-30T16:00:00+08:00",
    "datetime_from_date_parsing": "应为时间，格式如 2025-09-30T16:00:00+08:00",
    "datetime_type": "应为时间，格式如 2025-09-30T16:00:00+08:00",
    "time_parsing": "应为时刻，格式 HH:MM",
    "time_type": "应为时刻，格式 HH:MM",
    "timezone_naive": "时间不应带时区",
    "timezone_aware": "时间应带时区，如 +08:00",
    "date_future": "应为将来的日期",
    "date_past": "应为过去的日期",
    "none_required": "应为空",
    "enum": "不是可选的取值",
    "set_type": "应为列表",
    "tuple_type": "应为列表",
    "frozen_set_type": "应为列表",
    "is_instance_of": "类型不对",
    "mapping_type": "应为键值对",
    "string_unicode": "应为文字",
    "url_parsing": "应为网址",
    "url_type": "应为网址",
    "url_scheme": "网址应以 http:// 或 https:// 开头",
    "less_than_equal": "数值过大",
    "less_than": "数值过大",
    "multiple_of": "数值不符合要求",
}


def _describe(err: Mapping[str, Any], lines: dict[tuple[str, ...], int], source: str) -> str:
    ctx = err.get("ctx") or {}
    full_loc = tuple(err["loc"])
    if isinstance(ctx.get("error"), LocatedError):
        full_loc += ctx["error"].loc
    loc = _error_path(err)
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
    elif kind in ("less_than_equal", "less_than"):
        text = f"应不大于 {ctx.get('le', ctx.get('lt', ''))}"
    elif kind in ("too_long", "string_too_long"):
        text = f"最多 {ctx.get('max_length', '')} {'个字' if kind == 'string_too_long' else '项'}"
    else:
        # Never pydantic's English: a Chinese summary, and the error's type for the curious.
        text = _MESSAGES.get(kind, f"取值无效（{kind}）")
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

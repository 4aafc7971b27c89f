"""Check recorded HTTP exchanges against the official API descriptions (see tests/support/specs.py).

An exchange is one entry of the sandbox's request log (`GET /_sandbox/requests`
of a sandbox started with `record_bodies=True`): method, path (as sent, with
the API prefix), query, status, request_body, response_body. For each one the
checker finds the operation (method + path template) in the description, then
checks that every query parameter is declared and fits its schema, that path
parameters fit theirs, that the request body fits the body schema, and that the
answer fits the response schema for its status.

    /api/v1/...  Gitea, gitea-1.27.1-swagger.json (Swagger 2.0, schemas read as draft 4)
    /api/v3/...  GitHub, api.github.com.json of @octokit/openapi (OpenAPI 3.0)

Rules that are not plain JSON Schema, each deliberate:

- OpenAPI 3.0 `nullable: true` becomes a union with null.
- GitHub's description writes `oneOf` where its alternatives overlap (the 409
  answer of PUT contents is `basic-error` or `repository-rule-violation-error`,
  both without required fields, so every body fits both and `oneOf` fails):
  for GitHub `oneOf` is read as `anyOf`.
- Gitea (Go) encodes nil pointers, nil slices and unset times as `null`, which
  Swagger 2.0 cannot say: a property that is an object reference, an array or a
  date-time, and an array item that is an object reference, may be null.
- An error status an operation does not declare (every GitHub call can answer
  401 or 403, the sandbox's faults answer 502 or 429) is checked against the
  API's general error shape: Gitea `APIError`, GitHub `basic-error`. So is a
  declared Gitea error answer, whose fields the swagger lists under `headers`.
  A success status an operation does not declare is a problem.
- Gitea's GET /repos/{owner}/{repo}/contents/{filepath} answers "a list of
  entries if a dir" (its summary says so) while its 200 schema is one
  ContentsResponse: a list answer is checked against ContentsListResponse.
- `date-time` strings must parse as ISO 8601; other formats are not checked.
- A dropped connection (status 0) has no answer to check.

Operations missing from the descriptions are listed in EXCEPTIONS with the
reason; anything else missing is reported as a problem, never skipped.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

# (flavor, method, path template or prefix) -> why it is not in the description.
EXCEPTIONS: dict[tuple[str, str, str], str] = {
    ("sandbox", "*", "/_sandbox"): "the sandbox's own control endpoints are no forge API",
}
EXCEPTION_SCHEMAS: dict[tuple[str, str, str], str] = {}
# (flavor, method, template) -> the schema of a list answer the operation's summary describes.
LIST_ANSWERS = {
    (
        "gitea",
        "GET",
        "/repos/{owner}/{repo}/contents/{filepath}",
    ): "#/responses/ContentsListResponse"
}

# Path parameters that may contain "/" when last: file paths, and GitHub label names,
# which PyGithub's remove_from_labels sends with "/" unescaped.
MULTI_SEGMENT = {"filepath", "path", "name"}

FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if isinstance(value, str):
        datetime.fromisoformat(value)
    return True


@dataclass
class Operation:
    template: str
    method: str
    op: dict[str, Any]
    path_item: dict[str, Any]

    def parameters(self) -> list[dict[str, Any]]:
        return [*self.path_item.get("parameters", []), *self.op.get("parameters", [])]


@dataclass
class Report:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)


class Spec:
    """One API description, prepared for jsonschema."""

    def __init__(self, path: Path, flavor: str, prefix: str) -> None:
        self.flavor = flavor
        self.prefix = prefix
        self.uri = f"urn:zzxt:{flavor}"
        raw = json.loads(path.read_text("utf-8"))
        self.swagger2 = "swagger" in raw
        doc = _rebase_refs(raw, self.uri)
        doc = _go_nil(doc) if self.swagger2 else _nullable(doc)
        self.doc = doc
        self.registry: Registry[Any] = Registry().with_resource(
            self.uri, Resource.from_contents(doc, default_specification=DRAFT4)
        )
        self.error_ref = (
            f"{self.uri}#/definitions/APIError"
            if self.swagger2
            else f"{self.uri}#/components/schemas/basic-error"
        )
        self.templates = [
            (t, _template_regex(t, False), _template_regex(t, True)) for t in doc["paths"]
        ]

    # ---- lookups ---------------------------------------------------------------

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """Follow a `$ref` to a response, parameter or request body object."""
        while "$ref" in node:
            pointer = node["$ref"].split("#", 1)[1]
            target: Any = self.doc
            for part in pointer.strip("/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def find(self, method: str, path: str) -> tuple[Operation | None, dict[str, str], str | None]:
        """Return (operation, raw path parameters, template) for a path relative to the prefix."""
        for multi in (False, True):
            matches = []
            for template, single_rx, multi_rx in self.templates:
                found = (multi_rx if multi else single_rx).match(path)
                if found:
                    literals = sum(1 for s in template.split("/") if s and not s.startswith("{"))
                    params = {_param_name(k): v for k, v in found.groupdict().items()}
                    matches.append((literals, template, params))
            if matches:
                _, template, params = max(matches, key=lambda m: m[0])
                item = self.doc["paths"][template]
                op = item.get(method.lower())
                if op is None:
                    return None, params, template
                return Operation(template, method, op, item), params, template
        return None, {}, None

    def validate(self, value: Any, schema: dict[str, Any]) -> list[str]:
        validator = Draft4Validator(schema, registry=self.registry, format_checker=FORMATS)
        problems = []
        for error in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in error.absolute_path) or "(top)"
            problems.append(f"{where}: {_short(error.message)}")
        return problems[:5]

    # ---- schemas of an operation ----------------------------------------------------

    def param_schema(self, param: dict[str, Any]) -> dict[str, Any]:
        if "schema" in param:
            return dict(param["schema"])
        return {
            k: v
            for k, v in param.items()
            if k in ("type", "format", "enum", "items", "minimum", "maximum")
        }

    def body_schema(self, op: Operation) -> tuple[dict[str, Any] | None, bool]:
        if self.swagger2:
            for param in op.parameters():
                param = self.resolve(param)
                if param.get("in") == "body":
                    return param["schema"], bool(param.get("required"))
            return None, False
        body = op.op.get("requestBody")
        if body is None:
            return None, False
        body = self.resolve(body)
        media = body.get("content", {})
        chosen = media.get("application/json") or next(iter(media.values()), {})
        return chosen.get("schema"), bool(body.get("required"))

    def response_schema(self, op: Operation, status: int) -> tuple[bool, dict[str, Any] | None]:
        """Return (declared, schema) for an answer; schema None means "no body described"."""
        responses = op.op.get("responses", {})
        response = responses.get(str(status)) or responses.get("default")
        if response is None:
            return False, None
        response = self.resolve(response)
        if self.swagger2:
            return True, response.get("schema")
        media = response.get("content", {})
        chosen = media.get("application/json") or next(iter(media.values()), {})
        return True, chosen.get("schema")


class Checker:
    """Check exchanges of both APIs; see the module docstring for the rules."""

    def __init__(self, github: Path, gitea: Path | None = None) -> None:
        self.specs = [Spec(github, "github", "/api/v3")]
        if gitea is not None:
            self.specs.append(Spec(gitea, "gitea", "/api/v1"))

    def check_all(self, exchanges: list[dict[str, Any]]) -> Report:
        report = Report()
        for exchange in exchanges:
            label = f"{exchange['method']} {exchange['path']} -> {exchange['status']}"
            exception = self.exception(exchange)
            if exception is not None:
                report.exceptions.append(f"{label}: {exception}")
            problems = self.check(exchange)
            report.checked += 1
            report.problems += [f"{label}: {p}" for p in problems]
        return report

    def exception(self, exchange: dict[str, Any]) -> str | None:
        path, method = exchange["path"], exchange["method"]
        if path.startswith("/_sandbox"):
            return EXCEPTIONS[("sandbox", "*", "/_sandbox")]
        for spec in self.specs:
            key = (spec.flavor, method, path[len(spec.prefix) :])
            if path.startswith(spec.prefix + "/") and key in EXCEPTIONS:
                return EXCEPTIONS[key]
        return None

    def check(self, exchange: dict[str, Any]) -> list[str]:
        """Return the problems of one exchange (empty when it fits the description)."""
        path, method, status = exchange["path"], exchange["method"].upper(), int(exchange["status"])
        if path.startswith("/_sandbox"):
            return []
        spec = next((s for s in self.specs if path.startswith(s.prefix + "/")), None)
        if spec is None:
            return [f"no API description for {path}"]
        relative = path[len(spec.prefix) :]
        key = (spec.flavor, method, relative)
        if key in EXCEPTIONS:
            schema_ref = EXCEPTION_SCHEMAS.get(key)
            body = exchange.get("response_body")
            if schema_ref is None or status != 200 or body is None:
                return []
            return [f"answer: {p}" for p in spec.validate(body, {"$ref": spec.uri + schema_ref})]
        op, raw_params, template = spec.find(method, relative)
        if op is None:
            where = f"path {template} has no {method}" if template else "no such path"
            return [f"operation not in {spec.flavor}'s description ({where})"]
        problems = self._parameters(spec, op, raw_params, exchange.get("query") or {})
        if "request_body" in exchange:
            problems += self._request_body(spec, op, exchange["request_body"])
        if status != 0 and "response_body" in exchange:
            body = exchange["response_body"]
            listed = LIST_ANSWERS.get((spec.flavor, method, op.template))
            if listed is not None and status == 200 and isinstance(body, list):
                schema = spec.resolve({"$ref": spec.uri + listed})["schema"]
                problems += [f"answer: {p}" for p in spec.validate(body, schema)]
            else:
                problems += self._response(spec, op, status, body)
        return problems

    def _parameters(
        self, spec: Spec, op: Operation, path_params: dict[str, str], query: dict[str, Any]
    ) -> list[str]:
        problems = []
        declared = {}
        for param in op.parameters():
            param = spec.resolve(param)
            declared[(param["in"], param["name"])] = param
        for name, raw in path_params.items():
            param = declared.get(("path", name))
            if param is None:
                problems.append(f"path parameter {name} not declared")
                continue
            problems += _check_value(
                spec, f"path parameter {name}", unquote(raw), spec.param_schema(param)
            )
        for name, value in query.items():
            param = declared.get(("query", name))
            if param is None:
                problems.append(
                    f"query parameter {name!r} is not declared for {op.method} {op.template}"
                )
                continue
            for one in value if isinstance(value, list) else [value]:
                problems += _check_value(
                    spec, f"query parameter {name}", str(one), spec.param_schema(param)
                )
        for (where, name), param in declared.items():
            if where == "query" and param.get("required") and name not in query:
                problems.append(f"required query parameter {name} missing")
        return problems

    def _request_body(self, spec: Spec, op: Operation, body: Any) -> list[str]:
        schema, required = spec.body_schema(op)
        if schema is None:
            return [] if body is None else ["a request body was sent but the operation takes none"]
        if body is None:
            return ["the operation requires a request body"] if required else []
        return [f"request body: {p}" for p in spec.validate(body, schema)]

    def _response(self, spec: Spec, op: Operation, status: int, body: Any) -> list[str]:
        declared, schema = spec.response_schema(op, status)
        if not declared and status < 400:
            return [f"status {status} is not a declared answer of {op.method} {op.template}"]
        if schema is None and status >= 400:
            schema = {"$ref": spec.error_ref}
        if schema is None:
            return (
                []
                if body is None
                else [f"status {status} is described without a body, but one came"]
            )
        if body is None:
            return [f"status {status} should carry a body"]
        return [f"answer: {p}" for p in spec.validate(body, schema)]


def _check_value(spec: Spec, what: str, raw: str, schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    value: Any = raw
    try:
        if kind == "integer":
            value = int(raw)
        elif kind == "number":
            value = float(raw)
        elif kind == "boolean":
            if raw not in ("true", "false"):
                raise ValueError(raw)
            value = raw == "true"
        elif kind == "array":
            value = raw.split(",")
    except ValueError:
        return [f"{what}={raw!r} is not of type {kind}"]
    return [f"{what}={raw!r}: {p}" for p in spec.validate(value, schema)]


def _group(name: str) -> str:
    return "p_" + name.encode().hex()


def _param_name(group: str) -> str:
    return bytes.fromhex(group[2:]).decode()


def _template_regex(template: str, multi: bool) -> re.Pattern[str]:
    """Match one segment per parameter; with `multi`, a final file path or label name may hold "/"."""
    parts = re.split(r"(\{[^}]+\})", template)
    last_param = max((i for i, p in enumerate(parts) if p.startswith("{")), default=-1)
    out = []
    for i, part in enumerate(parts):
        if part.startswith("{"):
            spans = multi and i == last_param and parts[-1] == "" and part[1:-1] in MULTI_SEGMENT
            body = ".+" if spans else "[^/]+"
            # Parameter names such as `enterprise-team` are no valid group names: encode them.
            out.append(f"(?P<{_group(part[1:-1])}>{body})")
        else:
            out.append(re.escape(part))
    return re.compile("^" + "".join(out) + "$")


def _rebase_refs(node: Any, uri: str) -> Any:
    """Make every local `$ref` absolute, so any subschema can be validated on its own."""
    if isinstance(node, dict):
        return {
            k: (
                uri + v
                if k == "$ref" and isinstance(v, str) and v.startswith("#")
                else _rebase_refs(v, uri)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase_refs(v, uri) for v in node]
    return node


def _nullable(node: Any, names: bool = False) -> Any:
    """Turn OpenAPI 3.0 `nullable: true` into a union with null, and `oneOf` into `anyOf`."""
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    if not isinstance(node, dict):
        return node
    if names:  # a `properties` mapping: keys are names, values schemas
        return {k: _nullable(v) for k, v in node.items()}
    out = {k: _nullable(v, names=k in ("properties", "schemas")) for k, v in node.items()}
    if isinstance(out.get("oneOf"), list):
        out["anyOf"] = out.pop("oneOf")
    if out.get("nullable") is True:
        del out["nullable"]
        if "type" in out and "$ref" not in out:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = [*types, "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


def _go_nil(doc: dict[str, Any]) -> dict[str, Any]:
    """Let Gitea's nil-able values (object refs, arrays, times) be null, as Go writes them."""
    doc = copy.deepcopy(doc)

    def loosen(schema: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in schema:
            return {"anyOf": [{"type": "null"}, schema]}
        if schema.get("type") == "array" or schema.get("format") == "date-time":
            return {**schema, "type": [schema["type"], "null"]}
        return schema

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
            if isinstance(node.get("properties"), dict):
                node["properties"] = {k: loosen(v) for k, v in node["properties"].items()}
            if node.get("type") == "array" and isinstance(node.get("items"), dict):
                node["items"] = loosen(node["items"])
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc["definitions"])
    return doc


def _short(message: str) -> str:
    return message if len(message) < 300 else message[:300] + "…"

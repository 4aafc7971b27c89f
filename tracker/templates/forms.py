"""Issue forms for the four categories, built from the policy and rendered per forge.

`build_forms` turns the policy into `Form` objects (the single description of
what a report asks); `render_templates` writes them as GitHub or Gitea issue
form YAML plus the template chooser `config.yml`. The body parser
(`tracker.templates.form_parse`) reads submitted issues back with the same `Form`s.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from tracker.errors import InputError
from tracker.labels import category_label, fixed_label
from tracker.policy import Policy

Flavor = Literal["github", "gitea"]
FLAVORS: tuple[Flavor, ...] = ("github", "gitea")
TEMPLATE_DIRS: dict[Flavor, str] = {
    "github": ".github/ISSUE_TEMPLATE",
    "gitea": ".gitea/ISSUE_TEMPLATE",
}
CONFIRMATIONS_ID = "confirmations"
MARK = "# 本文件由 `zzxt "  # every generated file starts so; see write_generated
HEADER = (
    "# 本文件由 `zzxt forms render --flavor {flavor}` 根据政策文件生成，请勿手工修改。\n"
    "# 需要调整时请修改政策文件（zzxt policy show 查看），再重新生成。\n"
)


@dataclass(frozen=True)
class Element:
    """One field of a form, as both forges understand it."""

    id: str
    type: Literal["input", "textarea", "dropdown", "checkboxes"]
    label: str
    description: str = ""
    placeholder: str = ""
    required: bool = False
    options: tuple[str, ...] = ()
    required_options: tuple[str, ...] = ()  # checkboxes that must be ticked
    render: str | None = None


@dataclass(frozen=True)
class Form:
    """The issue form of one category."""

    category: str
    file: str
    name: str
    about: str
    title: str
    labels: tuple[str, ...]
    intro: str
    elements: tuple[Element, ...] = field(default=())

    def element(self, element_id: str) -> Element:
        for element in self.elements:
            if element.id == element_id:
                return element
        raise KeyError(element_id)


def build_forms(policy: Policy) -> list[Form]:
    """Return one form per category, in policy order."""
    return [_build_form(policy, category.key) for category in policy.categories]


def _build_form(policy: Policy, key: str) -> Form:
    category = policy.category(key)
    spec = policy.forms.categories[key]
    elements = [
        Element(
            id=f.id,
            type=f.type,
            label=f.label,
            description=policy.fill(f.description, category=category.name),
            placeholder=f.placeholder,
            required=f.required,
            options=tuple(policy.options(f.options_from, key) if f.options_from else f.options),
            render=f.render,
        )
        for f in [*policy.forms.common, *spec.fields]
    ]
    confirm = policy.forms.confirmations
    elements.append(
        Element(
            id=CONFIRMATIONS_ID,
            type="checkboxes",
            label=confirm.label,
            options=tuple(o.label for o in confirm.options),
            required_options=tuple(o.label for o in confirm.options if o.required),
            required=any(o.required for o in confirm.options),
        )
    )
    deadline = category.deadline
    when = f"原则上 {deadline.breach} 个工作日内答复"
    if deadline.local_choice:
        when += "（本省自定时限）"
    mailboxes = policy.mailboxes_for(key)
    joiner = "同时发送至" if len(mailboxes) > 1 else "发送至"
    intro = policy.fill(policy.forms.intro, category=category.name).rstrip()
    intro += (
        f"\n\n**{category.name}**：{category.description}，{when}。"
        f"不便使用本系统时，可{joiner} {'、'.join(mailboxes)}，"
        f"邮件主题写作“{policy.title_prefix(key).rstrip(policy.report.title_separator)}”。\n"
    )
    return Form(
        category=key,
        file=spec.file,
        name=category.name,
        about=spec.about,
        title=policy.title_prefix(key),
        labels=(category_label(policy, key), fixed_label(policy, "pending")),
        intro=intro,
        elements=tuple(elements),
    )


# Rendering.


def form_document(form: Form, flavor: Flavor) -> dict[str, Any]:
    """Return the issue form as the YAML document a forge reads."""
    doc: dict[str, Any] = {"name": form.name}
    # GitHub requires `description`; Gitea's own key is `about` (it reads
    # `description` only as a fallback since 1.20).
    doc["about" if flavor == "gitea" else "description"] = form.about
    doc["title"] = form.title
    doc["labels"] = list(form.labels)
    body: list[dict[str, Any]] = [{"type": "markdown", "attributes": {"value": form.intro}}]
    body.extend(_element_document(e) for e in form.elements)
    doc["body"] = body
    return doc


def _element_document(element: Element) -> dict[str, Any]:
    attributes: dict[str, Any] = {"label": element.label}
    if element.description:
        attributes["description"] = element.description
    if element.placeholder:
        attributes["placeholder"] = element.placeholder
    if element.type == "dropdown":
        attributes["options"] = list(element.options)
    if element.type == "checkboxes":
        attributes["options"] = [
            {"label": o, "required": o in element.required_options} for o in element.options
        ]
    if element.render:
        attributes["render"] = element.render
    doc: dict[str, Any] = {"type": element.type, "id": element.id, "attributes": attributes}
    if element.required and element.type != "checkboxes":
        doc["validations"] = {"required": True}
    return doc


def config_document(policy: Policy) -> dict[str, Any]:
    """Return the template chooser: no blank issues, links to the FAQ and the hotline."""
    channels = []
    groups: dict[tuple[str, ...], list[str]] = {}
    for category in policy.categories:
        groups.setdefault(tuple(policy.mailboxes_for(category.key)), []).append(category.name)
    for boxes, names in groups.items():
        joiner = "同时发送至" if len(boxes) > 1 else "发送至"
        channels.append(f"{'、'.join(names)}{joiner} {'、'.join(boxes)}")
    return {
        "blank_issues_enabled": False,
        "contact_links": [
            {
                "name": "常见问题知识库",
                "url": policy.site.url,
                "about": "提交前请先查阅知识库：已组织培训且要求掌握的问题不予受理（第十二条）。",
            },
            {
                "name": f"服务电话 {policy.service.phone} 与服务邮箱",
                "url": policy.site.guide_url,
                "about": f"服务电话 {policy.service.phone}；" + "；".join(channels) + "。",
            },
        ],
    }


class _Dumper(yaml.SafeDumper):
    """Block style, multi-line strings as literal blocks, Chinese kept readable."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(doc: dict[str, Any]) -> str:
    return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000, indent=2)


def render_templates(policy: Policy, flavor: Flavor) -> dict[str, str]:
    """Return {file name: content} for every template file of one forge."""
    header = HEADER.format(flavor=flavor)
    files = {
        form.file: header + dump_yaml(form_document(form, flavor)) for form in build_forms(policy)
    }
    files["config.yml"] = header + dump_yaml(config_document(policy))
    return files


def stale_files(wanted: dict[str, str], directory: Path) -> list[str]:
    """Return the files in `directory` that differ from `wanted`, or should not be there."""
    stale = []
    for name, content in wanted.items():
        path = directory / name
        if not path.is_file() or path.read_text("utf-8") != content:
            stale.append(name)
    if directory.is_dir():
        for path in sorted(directory.glob("*.y*ml")):
            if path.name not in wanted:
                stale.append(path.name)
    return sorted(stale)


def write_generated(files: dict[str, str], directory: Path) -> list[Path]:
    """Write every file or none, and remove our own files the policy no longer has.

    Each file goes to a temp file first; only when all are written are they renamed.
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"无法创建输出目录 {directory}（{exc.strerror}），请检查路径和写入权限。"
        ) from None
    staged: list[tuple[str, Path]] = []
    try:
        for name, content in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(content)
            staged.append((tmp, directory / name))
    except OSError as exc:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise InputError(
            f"无法写入输出目录 {directory}（{exc.strerror}），已写的临时文件已删除，请检查磁盘空间和权限。"
        ) from None
    for tmp, target in staged:
        os.replace(tmp, target)
    for path in directory.glob("*.y*ml"):
        if path.name not in files and path.read_text("utf-8").startswith(MARK):
            path.unlink()
    return [target for _, target in staged]

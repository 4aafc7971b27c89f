"""Issue forms for the four categories, built from the policy and rendered per forge.

`build_forms` turns the policy into `Form` objects (the single description of
what a report asks); `render_templates` writes them as GitHub or Gitea issue
form YAML plus the template chooser `config.yml`. The body parser
(`tracker.templates.form_parse`) reads submitted issues back with the same `Form`s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from tracker.forge.kinds import Kind, forge_kind
from tracker.policy import Policy, cite
from tracker.templates.generated import dump_yaml

CONFIRMATIONS_ID = "confirmations"
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
    book = policy.label_book()
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
        when += f"（本工具设置的时限，{policy.document.short}未规定）"
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
        labels=(book.category(key), book.fixed("pending")),
        intro=intro,
        elements=tuple(elements),
    )


# Rendering.


def form_document(form: Form, flavor: Kind) -> dict[str, Any]:
    """Return the issue form as the YAML document a forge reads."""
    doc: dict[str, Any] = {"name": form.name}
    doc[forge_kind(flavor).form_description_key] = form.about
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
    trained = cite(policy.articles.trained)
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
                "about": "提交前请先查阅知识库：已组织培训且要求掌握的问题不予受理"
                + (f"（{trained}）。" if trained else "。"),
            },
            {
                "name": f"服务电话 {policy.service.phone} 与服务邮箱",
                "url": policy.site.guide_url,
                "about": f"服务电话 {policy.service.phone}；" + "；".join(channels) + "。",
            },
        ],
    }


def render_templates(policy: Policy, flavor: Kind) -> dict[str, str]:
    """Return {file name: content} for every template file of one forge."""
    header = HEADER.format(flavor=flavor)
    files = {
        form.file: header + dump_yaml(form_document(form, flavor)) for form in build_forms(policy)
    }
    files["config.yml"] = header + dump_yaml(config_document(policy))
    return files

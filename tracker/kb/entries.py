"""FAQ entries: one Markdown page per question, with validated front matter.

A page is `docs/faq/<id>.md`: YAML front matter between `---` lines, then
the answer in Markdown. Category, subcategory and stages are policy keys, so
the site's index pages and the triage bot's suggestions follow the policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationInfo, model_validator

from tracker.errors import InputError
from tracker.policy import Policy
from tracker.validation import LocatedError, Strict, validate_yaml

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Text = Annotated[str, Field(min_length=1)]
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)(?::([a-z_]+))?\s*\}\}")
PLACEHOLDERS = (
    "{{phone}}、{{receiver}}、{{document}}、{{site_url}}、{{mailboxes:类别}}、{{deadline:类别}}"
)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?(.*)\Z", re.S | re.M)


class FaqError(InputError):
    """An FAQ page is missing or has invalid front matter."""


class FrontMatter(Strict):
    """What a page says about itself; validated against the policy."""

    id: Slug
    title: Text
    category: Text
    subcategory: str | None = None
    stages: list[Text] = []  # empty: applies to every school stage (通用)
    trained: bool
    keywords: list[Text] = Field(min_length=1)
    aliases: list[Text] = []
    updated: date
    sources: list[Text] = []

    @model_validator(mode="after")
    def _policy_keys(self, info: ValidationInfo) -> FrontMatter:
        policy: Policy | None = (info.context or {}).get("policy")
        if policy is None:
            return self
        keys = [c.key for c in policy.categories]
        if self.category not in keys:
            raise LocatedError(
                ("category",), f"未知类别 {self.category}，应为 {', '.join(keys)} 之一"
            )
        subs = [s.key for s in policy.category(self.category).subcategories]
        if subs and self.subcategory not in subs:
            raise LocatedError(
                ("subcategory",), f"{self.category} 的子类应为 {', '.join(subs)} 之一"
            )
        if not subs and self.subcategory is not None:
            raise LocatedError(("subcategory",), f"{self.category} 没有子类，请删除 subcategory")
        stage_keys = [s.key for s in policy.stages]
        for i, stage in enumerate(self.stages):
            if stage not in stage_keys:
                raise LocatedError(
                    ("stages", i), f"未知学段 {stage}，应为 {', '.join(stage_keys)} 之一"
                )
        return self


@dataclass(frozen=True)
class Entry:
    """One FAQ page: its front matter, its Markdown answer and where it lives."""

    meta: FrontMatter
    body: str
    path: Path

    @property
    def id(self) -> str:
        return self.meta.id


def parse_entry(text: str, path: Path, policy: Policy) -> Entry:
    """Read one page; errors name the file, line and field."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise FaqError(f"常见问题页面 {path} 缺少开头的 --- front matter，请参照其他页面补上。")
    meta = validate_yaml(
        FrontMatter,
        match.group(1),
        str(path),
        kind="常见问题页面",
        hint="请修改后运行 zzxt faq check 重新校验。",
        error=FaqError,
        line_offset=1,
        context={"policy": policy},
    )
    if meta.id != path.stem:
        raise FaqError(f"常见问题页面 {path}：id {meta.id} 应与文件名 {path.stem} 一致。")
    entry = Entry(meta=meta, body=match.group(2), path=path)
    fill_policy_facts(policy, entry)  # an unknown placeholder fails here, not at build time
    return entry


def fill_policy_facts(policy: Policy, entry: Entry) -> str:
    """Return the answer with `{{phone}}`-style placeholders replaced from the policy.

    Pages that quote the service phone, mailboxes or deadlines use placeholders, so a
    policy change reaches them on the next build without a hand edit.
    """
    keys = [c.key for c in policy.categories]

    def value(match: re.Match[str]) -> str:
        name, argument = match.group(1), match.group(2)
        simple = {
            "phone": policy.service.phone,
            "receiver": policy.document.receiver,
            "document": policy.document.number,
            "site_url": policy.site.url,
        }
        if name in simple and argument is None:
            return simple[name]
        if name in ("mailboxes", "deadline") and argument in keys:
            if name == "deadline":
                return str(policy.category(argument).deadline.breach)
            return " 和 ".join(policy.mailboxes_for(argument))
        line = entry.body[: match.start()].count("\n") + 1
        raise FaqError(
            f"常见问题页面 {entry.path} 正文第 {line} 行：未知占位符 {match.group(0)}，"
            f"可用的有 {PLACEHOLDERS}（类别为 {', '.join(keys)}）。"
        )

    return _PLACEHOLDER.sub(value, entry.body)


def load_entries(directory: Path, policy: Policy) -> list[Entry]:
    """Read and validate every page in `directory`, sorted by id."""
    if not directory.is_dir():
        raise FaqError(f"找不到常见问题目录 {directory}。")
    entries = []
    for path in sorted(directory.glob("*.md")):
        try:
            text = path.read_text("utf-8")
        except UnicodeDecodeError:
            raise FaqError(f"常见问题页面 {path} 不是 UTF-8 编码。") from None
        entries.append(parse_entry(text, path, policy))
    return entries

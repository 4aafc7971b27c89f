"""FAQ entries: one Markdown page per question, with validated front matter.

A page is `docs/faq/<id>.md`: YAML front matter between `---` lines, then
the answer in Markdown. Category, subcategory and stages are policy keys, so
the site's index pages and the triage bot's suggestions follow the policy.

Each page says what its answer rests on (`basis`, shown as a badge) and where its
facts come from (`sources`, each with its kind and whose rule or practice it
records); the validation below keeps the two consistent. Whether a page is
"trained" is not the page's to say: it follows from the policy's training register
(`tracker.kb.trainings`). A page with `draft: true` (say, harvested from a closed
issue) is checked like any other but not published.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, model_validator

from tracker.errors import InputError
from tracker.kb.trainings import check_register, trained_by
from tracker.policy import Article, Policy, Training
from tracker.validation import LocatedError, Strict, validate_yaml

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Text = Annotated[str, Field(min_length=1)]
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)(?::([a-z_]+))?\s*\}\}")
PLACEHOLDERS = (
    "{{phone}}、{{receiver}}、{{document}}、{{site_url}}、{{mailboxes:类别}}、{{deadline:类别}}"
)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?(.*)\Z", re.S | re.M)


# What an answer rests on, strongest first. A page lists one or more; the first is
# its lead, and another province's practice may never lead.
Basis = Literal["local", "national", "howto", "other_province"]
BASIS_NAMES: dict[str, str] = {
    "local": "本省规定",
    "national": "全国通用",
    "howto": "操作说明",
    "other_province": "参考外省做法",
}
# Who published a source; official ones are listed first.
SourceKind = Literal["official", "news", "reprint", "other", "sharing"]
SOURCE_KINDS: dict[str, str] = {
    "official": "官方发布",
    "news": "新闻报道",
    "reprint": "转载",
    "other": "其他资料",
    "sharing": "文档分享网站，非官方发布",
}
# Whose rule or practice a source records.
SourceScope = Literal["local", "national", "other_province", "general"]


class FaqError(InputError):
    """An FAQ page is missing or has invalid front matter."""


class Source(Strict):
    """One document an answer's facts come from."""

    title: Text  # what the document is, in the page writer's words
    url: Annotated[str, Field(pattern=r"^(https?://\S+)?$")] = ""  # empty: not online
    kind: SourceKind
    scope: SourceScope
    region: str = ""  # for another province's practice: which province (or 未注明省份)

    @model_validator(mode="after")
    def _region_for_other_provinces(self) -> Source:
        if self.scope == "other_province" and not self.region:
            raise ValueError("外省资料（scope: other_province）须用 region 注明省份")
        return self


class FrontMatter(Strict):
    """What a page says about itself; validated against the policy."""

    id: Slug
    title: Text
    category: Text
    subcategory: str | None = None
    stages: list[Text] = []  # empty: applies to every school stage (通用)
    basis: list[Basis] = []
    articles: list[Article] = []  # articles of the policy's document the answer rests on
    keywords: list[Text] = Field(min_length=1)
    aliases: list[Text] = []
    updated: date  # the last change of the question or the answer, not of this metadata
    sources: list[Source] = []
    draft: bool = False  # not published until an editor removes it
    source_issue: str = ""  # the tracker issue a harvested page came from
    # Set from the training register when the page is read; a page may not claim it.
    trained: bool = False

    @model_validator(mode="after")
    def _basis_matches_sources(self) -> FrontMatter:
        basis = self.basis
        if len(set(basis)) != len(basis):
            raise LocatedError(("basis",), "依据重复")
        if basis and basis[0] == "other_province":
            raise LocatedError(
                ("basis",),
                "参考外省做法不能作为首要依据：解答开头应说明本省怎么办（或本省未规定、向谁咨询），"
                "请把 local、national 或 howto 之一列在前面",
            )
        scopes = {s.scope for s in self.sources}
        if "local" in basis and not (self.articles or "local" in scopes):
            raise LocatedError(
                ("basis",), "依据为本省规定（local）时，须在 articles 注明条款或列出本省来源"
            )
        if "national" in basis and "national" not in scopes:
            raise LocatedError(("basis",), "依据为全国通用（national）时，须列出全国性的来源")
        if ("other_province" in basis) != ("other_province" in scopes):
            raise LocatedError(
                ("basis",),
                "引用外省资料的页面须在依据中写明 other_province（参考外省做法），反之亦然",
            )
        return self

    @model_validator(mode="after")
    def _policy_keys(self, info: ValidationInfo) -> FrontMatter:
        policy: Policy | None = (info.context or {}).get("policy")
        if policy is None:
            return self
        if self.trained:
            raise LocatedError(
                ("trained",),
                "是否已培训由政策文件的培训登记（trainings）决定，页面不能自行声明，请删除这一行",
            )
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
    trainings: tuple[Training, ...] = ()  # from the register: what makes it trained

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
    trainings = tuple(trained_by(policy, meta.id))
    meta = meta.model_copy(update={"trained": bool(trainings)})
    entry = Entry(meta=meta, body=match.group(2), path=path, trainings=trainings)
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


def load_entries(directory: Path, policy: Policy, *, drafts: bool = False) -> list[Entry]:
    """Read and validate every page in `directory`, sorted by id; drafts only when asked."""
    if not directory.is_dir():
        raise FaqError(f"找不到常见问题目录 {directory}。")
    entries = []
    for path in sorted(directory.glob("*.md")):
        try:
            text = path.read_text("utf-8")
        except UnicodeDecodeError:
            raise FaqError(f"常见问题页面 {path} 不是 UTF-8 编码。") from None
        entries.append(parse_entry(text, path, policy))
    return entries if drafts else [e for e in entries if not e.meta.draft]


def check_trainings(policy: Policy, entries: Sequence[Entry], directory: Path) -> None:
    """Refuse a training register naming a page that is missing or still a draft.

    `entries` must include the drafts (`load_entries(..., drafts=True)`).
    """
    check_register(policy, {e.id: e.meta.draft for e in entries}, str(directory))

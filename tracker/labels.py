"""Every label name the system uses: the policy's `labels:` section and what it implies.

Labels come in three kinds. Group labels are generated, one per category,
subcategory, school stage and city, named `<prefix>/<name>` (`地市/广州市`).
Fixed labels are listed in the policy; the code refers to them by key, and the
keys it needs form the `FixedKey` type, so a misspelt key fails mypy. Extra
labels come from the policy's optional sections (the tiers of province and
city, account states, the yearly filing), each with defaults, so a policy
without those sections still has every label the code asks for.

`LabelBook` answers every question about names (which label marks a category,
which category an issue's labels mean, which labels are ours to prune); the
policy builds one from its own sections (`Policy.label_book()`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Annotated, Literal, get_args

from pydantic import Field, model_validator

from tracker.validation import LocatedError, Strict

FixedKey = Literal[
    "urgent",
    "pending",
    "incomplete",
    "unclassified",
    "rejected",
    "due_soon",
    "overdue",
    "late",
    "trained",
    "suspected_trained",
    "sensitive",
]
# Fixed labels the code refers to by key: every policy must define them.
FIXED_LABEL_KEYS: tuple[FixedKey, ...] = get_args(FixedKey)
# Labels of the tiers (province and city trackers): the `tiers.labels` section of a policy.
TierKey = Literal["escalated", "upstream_answered", "upstream_closed", "from_city"]
TIER_LABEL_KEYS: tuple[TierKey, ...] = get_args(TierKey)
GroupName = Literal["category", "subcategory", "stage", "city"]
# Both forges cap label names at 50 characters.
MAX_LABEL_LENGTH = 50

_Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
_Text = Annotated[str, Field(min_length=1)]
_Color = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{6}$")]


class LabelGroup(Strict):
    prefix: _Text
    color: _Color


class LabelGroups(Strict):
    category: LabelGroup
    subcategory: LabelGroup
    stage: LabelGroup
    city: LabelGroup


class FixedLabel(Strict):
    key: _Key
    name: _Text
    color: _Color
    description: str = ""


class Labels(Strict):
    """The policy's `labels:` section."""

    groups: LabelGroups
    fixed: list[FixedLabel]

    @model_validator(mode="after")
    def _all_keys_present(self) -> Labels:
        keys = [label.key for label in self.fixed]
        missing = [key for key in FIXED_LABEL_KEYS if key not in keys]
        if missing:
            raise LocatedError(("fixed",), f"缺少程序需要的标签：{', '.join(missing)}")
        for i, key in enumerate(keys):
            if key in keys[:i]:
                raise LocatedError(("fixed", i, "key"), f"标签 key重复：{key}")
        return self


@dataclass(frozen=True)
class LabelSpec:
    """A label as the policy wants it on the tracker."""

    name: str
    color: str
    description: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class CategoryLabels:
    """What the labels need to know about one category."""

    key: str
    name: str
    description: str
    reply_days: int
    subcategories: tuple[str, ...]


@dataclass(frozen=True)
class LabelBook:
    """Every label the policy implies, and the questions asked about them."""

    section: Labels
    categories: tuple[CategoryLabels, ...]
    stages: tuple[str, ...]
    cities: tuple[str, ...]
    # Labels of the optional sections this policy's level uses (tiers, account states, filing).
    extra: tuple[FixedLabel, ...] = ()

    def group(self, group: GroupName, name: str) -> str:
        """Return the label of one member of a group, e.g. `地市/广州市`."""
        prefix: str = getattr(self.section.groups, group).prefix
        return f"{prefix}/{name}"

    def category(self, key: str) -> str:
        """Return the label of a category, by its policy key."""
        for category in self.categories:
            if category.key == key:
                return self.group("category", category.name)
        raise KeyError(key)

    def subcategory(self, name: str) -> str:
        return self.group("subcategory", name)

    def stage(self, name: str) -> str:
        return self.group("stage", name)

    def city(self, name: str) -> str:
        return self.group("city", name)

    def fixed(self, key: FixedKey) -> str:
        """Return the name of a fixed label the code relies on (`urgent`, `overdue`, ...)."""
        return self.fixed_by_key(key)

    def fixed_by_key(self, key: str) -> str:
        """Return the name of any fixed or extra label, including those only the policy names."""
        for label in (*self.section.fixed, *self.extra):
            if label.key == key:
                return label.name
        raise KeyError(key)

    def tier(self, key: TierKey) -> str:
        """Return the name of a tier label (`escalated`, `from_city`, ...) this level uses."""
        return self.fixed_by_key(key)

    def has(self, key: str) -> bool:
        """Whether a fixed or extra label with this key exists at this policy's level."""
        return any(label.key == key for label in (*self.section.fixed, *self.extra))

    def specs(self) -> list[LabelSpec]:
        """Return all labels in a stable order: categories, subcategories, stages, cities, fixed, extra."""
        groups = self.section.groups
        specs = [
            LabelSpec(
                self.group("category", c.name),
                groups.category.color,
                f"{c.description}；{c.reply_days} 个工作日内答复",
            )
            for c in self.categories
        ]
        specs += [
            LabelSpec(self.subcategory(sub), groups.subcategory.color, f"{c.name}：{sub}")
            for c in self.categories
            for sub in c.subcategories
        ]
        specs += [LabelSpec(self.stage(s), groups.stage.color, f"学段：{s}") for s in self.stages]
        specs += [LabelSpec(self.city(c), groups.city.color, f"地市：{c}") for c in self.cities]
        specs += [LabelSpec(f.name, f.color, f.description) for f in self.section.fixed]
        specs += [LabelSpec(f.name, f.color, f.description) for f in self.extra]
        return specs

    def names(self) -> list[str]:
        return [spec.name for spec in self.specs()]

    def prefixes(self) -> set[str]:
        """Return the name prefixes that mark a label as ours (for pruning)."""
        groups = self.section.groups
        ours = {g.prefix for g in (groups.category, groups.subcategory, groups.stage, groups.city)}
        named = (*self.section.fixed, *self.extra)
        return ours | {f.name.split("/", 1)[0] for f in named if "/" in f.name}

    def is_ours(self, name: str) -> bool:
        """Whether a label on the tracker falls under one of our prefixes."""
        return "/" in name and name.split("/", 1)[0] in self.prefixes()

    def category_of(self, labels: Iterable[str]) -> str | None:
        """Return the key of the category whose label is present (the first, in policy order)."""
        have = set(labels)
        return next((c.key for c in self.categories if self.category(c.key) in have), None)

    def stage_of(self, labels: Iterable[str]) -> str | None:
        """Return the name of the school stage whose label is present."""
        have = set(labels)
        return next((s for s in self.stages if self.stage(s) in have), None)

    def problems(self) -> list[str]:
        """Return what is wrong with the names: duplicates and names too long for a forge."""
        problems = []
        names = self.names()
        for i, name in enumerate(names):
            if name in names[:i]:
                problems.append(f"标签名称重复：{name}")
            if len(name) > MAX_LABEL_LENGTH:
                problems.append(f"标签名称超过 {MAX_LABEL_LENGTH} 个字符：{name}")
        return problems

"""Every label the system uses, derived from the policy."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from tracker.policy import Policy


@dataclass(frozen=True)
class LabelSpec:
    """A label as the policy wants it on the tracker."""

    name: str
    color: str
    description: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def category_label(policy: Policy, key: str) -> str:
    return policy.group_label("category", policy.category(key).name)


def subcategory_label(policy: Policy, name: str) -> str:
    return policy.group_label("subcategory", name)


def stage_label(policy: Policy, name: str) -> str:
    return policy.group_label("stage", name)


def city_label(policy: Policy, city: str) -> str:
    return policy.group_label("city", city)


def fixed_label(policy: Policy, key: str) -> str:
    """Return the name of a fixed label by its key (`urgent`, `overdue`, ...)."""
    for label in policy.labels.fixed:
        if label.key == key:
            return label.name
    raise KeyError(key)


def label_set(policy: Policy) -> list[LabelSpec]:
    """Return all labels, in a stable order: categories, subcategories, stages, cities, fixed."""
    groups = policy.labels.groups
    labels: list[LabelSpec] = []
    for category in policy.categories:
        days = category.deadline.breach
        labels.append(
            LabelSpec(
                category_label(policy, category.key),
                groups.category.color,
                f"{category.description}；{days} 个工作日内答复",
            )
        )
    for category in policy.categories:
        for sub in category.subcategories:
            labels.append(
                LabelSpec(
                    subcategory_label(policy, sub.name),
                    groups.subcategory.color,
                    f"{category.name}：{sub.name}",
                )
            )
    for stage in policy.stages:
        labels.append(
            LabelSpec(stage_label(policy, stage.name), groups.stage.color, f"学段：{stage.name}")
        )
    for city in policy.cities:
        labels.append(LabelSpec(city_label(policy, city), groups.city.color, f"地市：{city}"))
    for fixed in policy.labels.fixed:
        labels.append(LabelSpec(fixed.name, fixed.color, fixed.description))
    return labels


def managed_prefixes(policy: Policy) -> set[str]:
    """Return the name prefixes that mark a label as ours (for pruning)."""
    groups = policy.labels.groups
    prefixes = {g.prefix for g in (groups.category, groups.subcategory, groups.stage, groups.city)}
    prefixes |= {f.name.split("/", 1)[0] for f in policy.labels.fixed if "/" in f.name}
    return prefixes

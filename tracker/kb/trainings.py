"""The training register: which trainings covered which FAQ entries.

A question is "already trained and required to be mastered" (not accepted by the
receiver, 第十二条 in Guangdong) only when a training recorded in the policy's
`trainings:` section covered it; nothing else makes an entry trained. The register
names entries by id, so it is checked against the FAQ folder wherever both are
read together (`zzxt faq check`, the site build).
"""

from __future__ import annotations

from collections.abc import Mapping

from tracker.errors import InputError
from tracker.policy import Policy, Training


class TrainingError(InputError):
    """The training register names an FAQ entry that does not exist or is unpublished."""


def trained_by(policy: Policy, entry_id: str) -> list[Training]:
    """Return the trainings that covered an entry, oldest first."""
    return sorted((t for t in policy.trainings if entry_id in t.entries), key=lambda t: t.date)


def check_register(policy: Policy, pages: Mapping[str, bool], directory: str) -> None:
    """Refuse a register that names an entry missing from `pages` ({id: is a draft})."""
    for i, training in enumerate(policy.trainings, 1):
        for entry_id in training.entries:
            where = (
                f"政策文件 trainings 第 {i} 条（{training.date.isoformat()}《{training.title}》）"
            )
            if entry_id not in pages:
                raise TrainingError(
                    f"{where}列出的常见问题 {entry_id} 在 {directory} 中不存在："
                    "请改为已有页面的 id（即文件名），或删除这一项。"
                )
            if pages[entry_id]:
                raise TrainingError(
                    f"{where}列出的常见问题 {entry_id} 还是草稿（draft: true），尚未发布："
                    "培训讲过的问题须先发布，才能列为已培训问题。"
                )


def organiser_text(training: Training) -> str:
    """Return who held a training, e.g. `省级 · 省助学办`."""
    return f"{training.organiser_level} · {training.organiser_name}"


def training_label(training: Training) -> str:
    """Return a one-line name of a training for lists and bot comments."""
    mark = "（示例记录）" if training.example else ""
    day = training.date
    return (
        f"{day.year}年{day.month}月{day.day}日 {training.organiser_name}《{training.title}》{mark}"
    )

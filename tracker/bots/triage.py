"""The triage bot: what a new or edited issue needs (第十一、十二、十九条).

`plan` is pure: from the issue, its form, the FAQ index and the bot's own earlier
comments it decides the labels to add and remove, the comments to post or edit
(each carries a hidden marker, so a rerun edits instead of posting again) and,
where the policy allows, a masked body. `apply` carries a plan out through a
`Writer`.

"The bot's own" means written by the bot's login (`BotIdentity`) and carrying
the marker: a reporter who pastes the markers into a comment gets a comment like
any other, never edited. Where two runs at once each posted one, the older stays
and the later ones are deleted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tracker.bots.identity import BotIdentity
from tracker.bots.rules import Rules
from tracker.bots.writer import Writer
from tracker.errors import NotFound
from tracker.forge.model import Comment, Forge, Issue
from tracker.kb.search import FaqIndex, Hit
from tracker.kb.trainings import trained_by, training_label
from tracker.labels import LabelBook
from tracker.pii import Finding, mask_text, scan
from tracker.policy import Policy, cite
from tracker.templates.form_parse import parse_body
from tracker.usertext import inline

MARKS = {
    "missing": "<!-- zzxt:triage-missing -->",
    "pii": "<!-- zzxt:triage-pii -->",
    "faq": "<!-- zzxt:triage-faq -->",
}
KIND_NAMES = {"id_card": "身份证号", "bank_card": "银行卡号", "mobile": "手机号"}


@dataclass(frozen=True)
class CommentChange:
    """Post a new comment, or edit the bot's earlier one carrying the same marker."""

    marker: str
    body: str
    comment_id: int | None = None  # None: post a new comment


@dataclass
class TriagePlan:
    labels_add: list[str] = field(default_factory=list)
    labels_remove: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # form field ids
    missing_names: list[str] = field(default_factory=list)  # the same, as the form labels them
    pii: list[Finding] = field(default_factory=list)
    faq: list[Hit] = field(default_factory=list)
    comments: list[CommentChange] = field(default_factory=list)
    delete_comments: list[int] = field(default_factory=list)  # the bot's duplicates
    new_title: str | None = None
    new_body: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "labels_add": self.labels_add,
            "labels_remove": self.labels_remove,
            "missing": self.missing,
            "pii": [{"kind": f.kind, "masked": f.masked} for f in self.pii],
            "faq": [hit.to_json() for hit in self.faq],
            "comments": [c.body for c in self.comments],
        }


def read(forge: Forge, number: int, identity: BotIdentity) -> tuple[Issue, list[Comment]]:
    """Read the issue and the bot's own comments that carry one of its markers."""
    issue = forge.get_issue(number)
    own = [
        c
        for c in forge.issue_comments(number)
        if identity.wrote(c.author) and any(m in c.body for m in MARKS.values())
    ]
    return issue, own


def preflight(forge: Forge, plan: TriagePlan) -> None:
    """Refuse to write anything when a label the plan adds is not on the tracker yet."""
    have = {label.name for label in forge.list_labels()}
    missing = sorted(set(plan.labels_add) - have)
    if missing:
        raise NotFound(
            f"仓库中还没有标签 {'、'.join(missing)}：请先运行 zzxt sync --apply 创建标签和表单，"
            "本次未做任何修改。"
        )


def plan(
    rules: Rules,
    index: FaqIndex | None,
    title: str,
    body: str,
    labels: tuple[str, ...],
    own_comments: list[Comment],
) -> TriagePlan:
    """Decide what the bot does for one issue; reads nothing, writes nothing."""
    policy, book = rules.policy, rules.labels
    result = TriagePlan()
    parsed = parse_body(rules.forms, body)
    fields = {k: v for k, v in parsed.fields.items() if isinstance(v, str)}
    have = set(labels)
    want, drop = _form_labels(policy, book, parsed.template, fields)

    labels_by_id = {e.id: e.label for f in rules.forms for e in f.elements}
    result.missing = list(parsed.missing)
    result.missing_names = [labels_by_id.get(m, m) for m in result.missing]
    incomplete = book.fixed("incomplete")
    if result.missing:
        want.add(incomplete)
    else:
        drop.add(incomplete)
    missing_text = _missing_comment(policy, result.missing_names)

    result.pii = _personal_data(title, body, fields.get("phone", ""))
    sensitive = book.fixed("sensitive")
    if result.pii:
        want.add(sensitive)
        if policy.triage.mask_pii:
            masked_title, masked_body = _mask_all(title), _mask_all(body)
            result.new_title = masked_title if masked_title != title else None
            result.new_body = masked_body if masked_body != body else None
    # `sensitive` is never taken off by the bot: the numbers stay in the edit history
    # until an administrator clears it, and then removes the label by hand.

    suspected = book.fixed("suspected_trained")
    # The title's subject part (地市-学段-类别) says nothing about the problem itself.
    topic = title.split(policy.report.title_separator, 1)[-1]
    detail = " ".join(x for x in (fields.get("summary", ""), fields.get("detail", "")) if x)
    if index is not None and (topic + detail).strip():
        hits = index.search_report(
            topic, detail, policy.triage.faq_limit, confident=policy.triage.faq_min_score
        )
        result.faq = [h for h in hits if h.score >= policy.triage.faq_min_score]
    if (
        result.faq
        and result.faq[0].trained
        and result.faq[0].score >= policy.triage.trained_min_score
    ):
        want.add(suspected)  # for staff to confirm; never closed automatically

    result.labels_add = sorted(want - have)
    result.labels_remove = sorted((drop & have) - want)
    ordered = sorted(own_comments, key=lambda c: (c.created_at, c.id))
    previous = {mark: _own(ordered, marker) for mark, marker in MARKS.items()}
    for marker in MARKS.values():
        # The oldest of each kind is kept; later ones (two runs at once) go.
        result.delete_comments += [c.id for c in ordered if marker in c.body][1:]
    _comment(result, previous["missing"], MARKS["missing"], missing_text, "信息已补全，谢谢。")
    pii_text = _pii_comment(policy, result.pii) if result.pii else None
    _comment(
        result,
        previous["pii"],
        MARKS["pii"],
        pii_text,
        "本问题正文已不含身份证号、银行卡号等个人信息。原始号码仍在编辑历史中：请管理员清除后，"
        "再手工去掉“含敏感信息”标签。",
    )
    faq_text = _faq_comment(policy, result.faq) if result.faq else None
    _comment(result, previous["faq"], MARKS["faq"], faq_text, None)
    return result


def _form_labels(
    policy: Policy, book: LabelBook, template: str | None, fields: dict[str, str]
) -> tuple[set[str], set[str]]:
    """Labels the form's answers call for; each group is set only when its field is answered."""
    want: set[str] = set()
    drop: set[str] = set()

    def exactly(chosen: str | None, group: list[str]) -> None:
        if chosen is None:
            return
        want.add(chosen)
        drop.update(name for name in group if name != chosen)

    if template is not None:
        want.add(book.category(template))
    city = fields.get("city", "")
    cities = [book.city(c) for c in policy.cities]
    exactly(book.city(city) if city in policy.cities else None, cities)
    stage_names = [s.name for s in policy.stages]
    stage = fields.get("stage", "")
    stages = [book.stage(s) for s in stage_names]
    exactly(book.stage(stage) if stage in stage_names else None, stages)
    sub_names = [s.name for c in policy.categories for s in c.subcategories]
    sub = fields.get("subcategory", "")
    subs = [book.subcategory(s) for s in sub_names]
    exactly(book.subcategory(sub) if sub in sub_names else None, subs)
    urgent = book.fixed("urgent")
    answer = fields.get("urgent", "")
    if answer == "是":
        want.add(urgent)
    elif answer:
        drop.add(urgent)
    return want, drop


def _personal_data(title: str, body: str, phone_answer: str) -> list[Finding]:
    """Numbers that must not be there; a mobile number given as the contact phone is fine."""
    contact = re.sub(r"\D", "", phone_answer)[-11:]
    kept = []
    for text in (title, body):
        for finding in scan(text):
            digits = re.sub(r"\D", "", text[finding.start : finding.end])
            if finding.kind == "mobile" and contact and digits.endswith(contact):
                continue
            kept.append(finding)
    return kept


def _mask_all(text: str) -> str:
    return mask_text(text, scan(text))


def _own(comments: list[Comment], marker: str) -> Comment | None:
    return next((c for c in comments if marker in c.body), None)


def _comment(
    result: TriagePlan,
    previous: Comment | None,
    marker: str,
    text: str | None,
    resolved: str | None,
) -> None:
    """Post, edit or settle the comment behind one marker."""
    if text is not None:
        body = f"{marker}\n{text}"
    elif previous is not None and resolved is not None:
        body = f"{marker}\n{resolved}"
    else:
        return
    if previous is None:
        result.comments.append(CommentChange(marker, body))
    elif previous.body.strip() != body.strip():
        result.comments.append(CommentChange(marker, body, previous.id))


def _missing_comment(policy: Policy, names: list[str]) -> str | None:
    if not names:
        return None
    items = "\n".join(f"- {name}" for name in names)
    basis = _by(policy, policy.articles.report_items)
    return (
        f"感谢报送。{basis}报告须写明{_and(policy.report.required_items)}。"
        f"本问题还缺少以下内容，请编辑问题正文补充：\n\n{items}\n\n"
        f"补充后本提示会自动更新。服务电话：{policy.service.phone}。"
    )


def _pii_comment(policy: Policy, findings: list[Finding]) -> str:
    # The masked form (`4401**********1237`) is shown as text, never as emphasis.
    items = "\n".join(f"- {KIND_NAMES.get(f.kind, f.kind)}：{inline(f.masked)}" for f in findings)
    action = (
        "机器人已将正文中的号码替换为部分隐藏的形式，"
        if policy.triage.mask_pii
        else "请立即编辑问题，删除这些号码；"
    )
    basis = cite(policy.articles.security)
    rule = f"按{policy.document.short}{basis}和" if basis else "按"
    return (
        f"**本问题含有个人信息，请立即处理。** {rule}学生资助信息安全的有关要求，"
        f"问题中不得填写学生的身份证号、银行卡号等信息。发现以下内容（已部分隐藏）：\n\n{items}\n\n"
        f"{action}编辑后请管理员清除编辑历史中的原始内容。核对学生信息请通过资助系统或线下渠道。"
    )


def _faq_comment(policy: Policy, hits: list[Hit]) -> str:
    lines = []
    for i, hit in enumerate(hits, start=1):
        line = f"{i}. [{hit.title}]({hit.url})"
        covered = trained_by(policy, hit.id)  # the register, not the page, says "trained"
        if covered:
            line += "（已在培训中讲解：" + "；".join(training_label(t) for t in covered) + "）"
        lines.append(line)
    items = "\n".join(lines)
    basis = cite(policy.articles.trained)
    return (
        "常见问题知识库中可能有答案，请先查阅：\n\n"
        f"{items}\n\n"
        "如果已经解决，请在此说明并关闭问题；未解决的，工作人员会按答复时限处理。"
        "已组织培训且要求掌握的问题原则上不予受理" + (f"（{basis}）。" if basis else "。")
    )


def _and(items: list[str]) -> str:
    return "、".join(items[:-1]) + f"和{items[-1]}" if len(items) > 1 else "".join(items)


def _by(policy: Policy, articles: list[str]) -> str:
    """Return `按<document><articles>，` or nothing when the policy cites no article."""
    basis = cite(articles)
    return f"按{policy.document.short}{basis}，" if basis else ""


def apply(plan: TriagePlan, writer: Writer, number: int) -> None:
    """Carry a triage plan out for issue `number`."""
    if plan.new_title is not None or plan.new_body is not None:
        writer.edit_issue_text(number, title=plan.new_title, body=plan.new_body)
    if plan.labels_add:
        writer.add_labels(number, plan.labels_add)
    for name in plan.labels_remove:
        writer.remove_label(number, name)
    for change in plan.comments:
        if change.comment_id is None:
            writer.comment(number, change.body, marker=change.marker)
        else:
            writer.edit_comment(number, change.comment_id, change.body)
    for comment_id in plan.delete_comments:
        writer.delete_comment(number, comment_id)

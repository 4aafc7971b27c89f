"""The harvest bot: solved problems become draft FAQ pages (`zzxt faq harvest`).

Staff mark a closed issue whose answer others could use with a label (by default
`处理/转知识库`) and start their accepted answer with `【答复】`. The bot turns each
such issue into a draft page:

- question: the issue title without its `XX市-XX学段-XX类问题：` subject part;
- answer: the accepted reply, the last comment before closing that starts with
  the reply mark and was written by someone who may answer (the SLA bot's rule:
  the policy's responders, else anyone but the reporter and bots), mark removed;
- category, subcategory and stage: from the submitted form, else from the labels;
- keywords: the words the search analyser finds most in the question and answer.

Personal numbers are masked, the page says `draft: true` (not published until an
editor removes it) and `source_issue:` names the issue. An issue is harvested
once: not when a page already names it, nor when the bot has left its marker
comment on it (the marker counts only when the bot wrote it).

    read(forge, rules, label, identity) -> Snapshot
    plan(snapshot, rules, label, known, taken, issue_base, today) -> HarvestPlan   (pure)
    apply(plan, writer, directory) -> None   draft files first, then marker comments
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from tracker.bots.identity import BotIdentity
from tracker.bots.rules import Rules
from tracker.bots.sla import Responders, issue_category
from tracker.bots.sla_run import read_responders
from tracker.bots.writer import Writer
from tracker.errors import InputError
from tracker.forge.model import Comment, Forge, Issue
from tracker.kb.search import default_analyzer
from tracker.policy import Category, Policy
from tracker.templates.form_parse import parse_body
from tracker.usertext import masked, plain

HARVEST_MARK = "<!-- zzxt:faq-harvest -->"
DEFAULT_LABEL = "处理/转知识库"
REPLY_MARK = "【答复】"
KEYWORD_LIMIT = 6
# A draft's own basis until an editor checks it: a staff answer is an operating instruction.
DRAFT_BASIS = "howto"


@dataclass(frozen=True)
class Snapshot:
    """What one run read: the closed issues carrying the label, and their comments."""

    issues: list[Issue]
    comments: dict[int, list[Comment]]
    responders: Responders
    identity: BotIdentity


@dataclass(frozen=True)
class Draft:
    """One draft page to write, and the issue it came from."""

    number: int
    issue_url: str
    entry_id: str
    title: str
    text: str

    @property
    def file_name(self) -> str:
        return f"{self.entry_id}.md"


@dataclass
class HarvestPlan:
    drafts: list[Draft] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (issue number, why)

    def as_dict(self) -> dict[str, Any]:
        return {
            "drafts": [
                {"issue": d.number, "url": d.issue_url, "id": d.entry_id, "title": d.title}
                for d in self.drafts
            ],
            "skipped": [{"issue": n, "reason": why} for n, why in self.skipped],
        }


class HarvestError(InputError):
    """A draft page cannot be written where asked."""


def read(forge: Forge, rules: Rules, label: str, identity: BotIdentity) -> Snapshot:
    """Read the closed issues with `label`, each one's comments, and who may answer."""
    issues = [i for i in forge.list_issues("closed") if label in i.labels]
    comments = {i.number: forge.issue_comments(i.number) for i in issues}
    every = [c for found in comments.values() for c in found]
    responders = read_responders(forge, rules, identity, issues, every)
    return Snapshot(issues, comments, responders, identity)


def issue_url(base: str, repo: str, number: int) -> str:
    """Return the address of an issue's page (the same path on both forges)."""
    return f"{base.rstrip('/')}/{repo}/issues/{number}"


def plan(
    snapshot: Snapshot,
    rules: Rules,
    *,
    known: Iterable[str],
    taken: Iterable[str],
    issue_base: tuple[str, str],
    today: date,
) -> HarvestPlan:
    """Decide the drafts to write; reads nothing, writes nothing.

    `known` holds the `source_issue` of every existing page, `taken` every page id
    in use, `issue_base` the tracker's web address and repository.
    """
    result = HarvestPlan()
    known_urls = set(known)
    used = set(taken)
    for issue in sorted(snapshot.issues, key=lambda i: i.number):
        url = issue_url(*issue_base, issue.number)
        comments = snapshot.comments.get(issue.number, [])
        if any(snapshot.identity.wrote(c.author) and HARVEST_MARK in c.body for c in comments):
            result.skipped.append((issue.number, "已转为草稿（机器人已在问题中留言）"))
            continue
        if url in known_urls:
            result.skipped.append((issue.number, "已有页面注明来自本问题"))
            continue
        draft = _draft(issue, comments, snapshot.responders, rules, url, used, today)
        if isinstance(draft, str):
            result.skipped.append((issue.number, draft))
            continue
        used.add(draft.entry_id)
        result.drafts.append(draft)
    return result


def _draft(
    issue: Issue,
    comments: list[Comment],
    responders: Responders,
    rules: Rules,
    url: str,
    used: set[str],
    today: date,
) -> Draft | str:
    """Return the draft for one issue, or why there is none."""
    policy = rules.policy
    parsed = parse_body(rules.forms, issue.body)
    fields = {k: v for k, v in parsed.fields.items() if isinstance(v, str)}
    category = policy.category(parsed.template) if parsed.template else issue_category(rules, issue)
    if category is None:
        return "无法确定类别：问题不是用表单提交的，也没有类别标签"
    reply = accepted_reply(issue, comments, responders)
    if reply is None:
        return f"没有以“{REPLY_MARK}”开头的工作人员答复"
    question = _question(policy, issue.title) or fields.get("summary", "").strip()
    if not question:
        return "标题中没有问题内容"
    question = plain(question)  # masked, one line
    answer = _neutral(masked(reply.body.lstrip()[len(REPLY_MARK) :].strip()))
    if not answer:
        return f"“{REPLY_MARK}”之后没有答复内容"
    subcategory, guessed = _subcategory(rules, category, issue, fields.get("subcategory", ""))
    stages = _stages(rules, issue, fields.get("stage", ""))
    entry_id = _entry_id(url, used)
    meta: dict[str, Any] = {
        "id": entry_id,
        "title": question,
        "category": category.key,
        **({"subcategory": subcategory} if subcategory else {}),
        "stages": stages,
        "basis": [DRAFT_BASIS],
        "keywords": keywords(question, answer) or [category.name],
        "updated": today,
        "draft": True,
        "source_issue": url,
    }
    checks = ["把问答改写成通用的说法，删去具体单位和人员", "核对类别、子类和学段"]
    if guessed:
        checks.append("子类是猜的（问题中没有写），请确认")
    checks.append("写明依据（basis、articles、sources）")
    note = (
        f"<!-- 草稿：由 zzxt faq harvest 根据问题 #{issue.number} 中标注“{REPLY_MARK}”的答复生成。"
        f"发布前请{'；'.join(checks)}；然后删除 front matter 中的 draft: true。 -->"
    )
    front = yaml.safe_dump(
        meta, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=None
    )
    text = f"---\n{front}---\n\n# {_heading(question)}\n\n{answer}\n\n{note}\n"
    return Draft(issue.number, url, entry_id, question, text)


def accepted_reply(issue: Issue, comments: list[Comment], responders: Responders) -> Comment | None:
    """Return the last reply marked as the answer, written by someone who may answer."""
    marked = [
        c
        for c in comments
        if c.body.lstrip().startswith(REPLY_MARK)
        and responders.answers(c, issue)
        and (issue.closed_at is None or c.created_at <= issue.closed_at)
    ]
    return max(marked, key=lambda c: (c.created_at, c.id), default=None)


def _question(policy: Policy, title: str) -> str:
    """Return the title without its subject part (`XX市-XX学段-XX类问题：`)."""
    separator = policy.report.title_separator
    if separator and separator in title:
        return title.split(separator, 1)[1].strip()
    return title.strip()


def _subcategory(
    rules: Rules, category: Category, issue: Issue, answered: str
) -> tuple[str | None, bool]:
    """Return the subcategory key and whether it was guessed (the form and labels say none)."""
    if not category.subcategories:
        return None, False
    for sub in category.subcategories:
        if answered == sub.name or rules.labels.subcategory(sub.name) in issue.labels:
            return sub.key, False
    return category.subcategories[0].key, True


def _stages(rules: Rules, issue: Issue, answered: str) -> list[str]:
    for stage in rules.policy.stages:
        if answered == stage.name or rules.labels.stage(stage.name) in issue.labels:
            return [stage.key]
    return []


def _entry_id(url: str, used: set[str]) -> str:
    """Return a page id from the issue's repository and number, unused so far."""
    *_, owner, repo, _, number = url.rstrip("/").split("/")
    stem = re.sub(r"[^a-z0-9]+", "-", f"{owner}-{repo}".casefold()).strip("-")
    base = f"issue-{stem}-{number}" if stem else f"issue-{number}"
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def keywords(question: str, answer: str, limit: int = KEYWORD_LIMIT) -> list[str]:
    """Return the words the search analyser finds most, the question's counting thrice."""
    analyzer = default_analyzer()
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for weight, text in ((3, question), (1, answer)):
        for word in analyzer.tokens(text):
            if len(word) < 2 or word.isdigit() or "*" in word:
                continue
            counts[word] += weight
            first.setdefault(word, len(first))
    ranked = sorted(counts, key=lambda w: (-counts[w], first[w]))
    # The search analyser also yields the parts of a long word (身份, 身份证 of 身份证号):
    # a keyword list names the word itself.
    whole = [w for w in ranked if not any(w != o and w in o for o in ranked)]
    return whole[:limit]


def _neutral(text: str) -> str:
    """Keep user text from reading as a page placeholder (`{{phone}}`)."""
    return text.replace("{{", "{\u200b{").replace("}}", "}\u200b}")


def _heading(text: str) -> str:
    """Return a question as a Markdown heading that shows the text itself."""
    return re.sub(r"([\\`*_\[\]<>#])", r"\\\1", text)


def apply(plan: HarvestPlan, writer: Writer, directory: Path) -> list[Path]:
    """Write each draft (never over an existing file), then mark its issue; return the files.

    The files are local and the writer's dry run decides whether they are written, so
    a run without --apply writes nothing anywhere. A draft file comes before its marker:
    should the marker fail, the page's `source_issue` still keeps the issue from coming
    back.
    """
    written: list[Path] = []
    if writer.apply and plan.drafts and not directory.is_dir():
        raise HarvestError(f"找不到常见问题目录 {directory}，请用 --dir 指定。")
    for draft in plan.drafts:
        path = directory / draft.file_name
        if writer.apply:
            try:
                with path.open("x", encoding="utf-8") as out:
                    out.write(draft.text)
            except FileExistsError:
                raise HarvestError(
                    f"{path} 已存在，未覆盖。请重新运行，机器人会换一个文件名。"
                ) from None
            written.append(path)
        writer.comment(
            draft.number,
            f"{HARVEST_MARK}\n本问题的答复已整理为常见问题知识库的草稿（{draft.entry_id}），"
            "编辑核对后发布。",
        )
    return written

"""The knowledge-base site as data: the policy and the FAQ entries in, Markdown out.

Nothing here knows about mkdocs. `pages()` returns every generated page as
{path relative to docs/: Markdown}, `nav()` the navigation entries that point at
them, and `entry_header()` the block shown under an FAQ page's title.
`tracker/kb/mkdocs_hook.py` hands these to mkdocs, so a change to the policy (a
deadline, a phone number, a mailbox) reaches the site on the next build.

    index.md                  home: search, the categories, how to report, contacts
    <site.guide_path>index.md 服务指南, from the policy
    faq/index.md              all categories and subcategories
    faq/category/<key>.md     one category
    faq/stage/index.md        school stages
    faq/stage/<key>.md        one school stage (its own entries and the general ones)
    faq/trained.md            已培训要求掌握的问题: what the hotline does not accept
    faq/keywords.md           by keyword
    faq/recent.md             recently updated
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from tracker.calendar import WorkCalendar
from tracker.errors import CalendarGapError, InputError
from tracker.kb.entries import Entry, fill_policy_facts
from tracker.policy import Category, Policy, cite

HOME = "index.md"
FAQ_DIR = "faq"
FAQ_INDEX = "faq/index.md"
STAGE_INDEX = "faq/stage/index.md"
TRAINED = "faq/trained.md"
KEYWORDS = "faq/keywords.md"
RECENT = "faq/recent.md"
RECENT_LIMIT = 30
POPULAR_KEYWORDS = 8
# The worked example of deadline counting: received on the eve of the National Day
# holiday, so the count skips the holiday and lands on a make-up working Saturday.
EXAMPLE_RECEIVED = (2025, 9, 30, 16, 0)
WEEKDAYS = "一二三四五六日"

# Index pages are for browsing; search should point at the answers themselves.
_BROWSE_META = "search:\n  exclude: true\n"


class SiteError(InputError):
    """The policy and the FAQ entries cannot make a consistent site."""


# Where things live.


def guide_page(policy: Policy) -> str:
    """Return the service guide's source path, which the issue forms link to."""
    path = policy.site.guide_path.strip("/")
    if not path:
        raise SiteError("政策文件 site.guide_path 不能为空：服务指南不能与首页使用同一地址。")
    return f"{path}/index.md"


def entry_page(entry: Entry) -> str:
    return f"{FAQ_DIR}/{entry.id}.md"


def category_page(key: str) -> str:
    return f"{FAQ_DIR}/category/{key}.md"


def stage_page(key: str) -> str:
    return f"{FAQ_DIR}/stage/{key}.md"


def keyword_anchor(word: str) -> str:
    """Return the HTML id of a keyword's section on the keyword page."""
    return "kw-" + re.sub(r"[^\w]+", "-", word.casefold()).strip("-")


def link(source: str, target: str, anchor: str = "") -> str:
    """Return the relative Markdown link from one page to another."""
    rel = _relative(target, posixpath.dirname(source) or ".")
    return rel + (f"#{anchor}" if anchor else "")


@cache
def _relative(target: str, start: str) -> str:
    # Index pages link to every entry from a handful of folders: tens of thousands of
    # calls, a few thousand distinct ones at 2,000 entries.
    return posixpath.relpath(target, start)


# Small phrases shared by several pages.


def reply_days(category: Category) -> str:
    text = f"{category.deadline.breach} 个工作日内答复"
    return text + "（本省自定）" if category.deadline.local_choice else text


def stage_names(policy: Policy, entry: Entry) -> str:
    if not entry.meta.stages:
        return "各学段通用"
    names = {s.key: s.name for s in policy.stages}
    return "、".join(names[key] for key in entry.meta.stages)


def _item(source: str, entry: Entry, note: str = "") -> str:
    badge = ' <span class="zz-badge">已培训</span>' if entry.meta.trained else ""
    extra = f" <small>{note}</small>" if note else ""
    return f"- [{_escape(entry.meta.title)}]({link(source, entry_page(entry))}){badge}{extra}"


def _basis(articles: Sequence[str]) -> str:
    """Return `（第N条）` for the articles the policy cites, or nothing."""
    text = cite(articles)
    return f"（{text}）" if text else ""


def _escape(text: str) -> str:
    return re.sub(r"([\[\]*_`<>])", r"\\\1", text)


def _list(source: str, entries: Iterable[Entry], empty: str = "暂无。") -> str:
    lines = [_item(source, e) for e in entries]
    return "\n".join(lines) if lines else empty


def _front_matter(title: str, *, browse: bool = True, hide: Sequence[str] = ()) -> str:
    text = f"---\ntitle: {title}\n"
    if browse:
        text += _BROWSE_META
    if hide:
        text += "hide:\n" + "".join(f"  - {h}\n" for h in hide)
    return text + "---\n\n"


def _mailbox_table(policy: Policy) -> str:
    rows = ["| 邮箱 | 受理的问题类别 |", "| --- | --- |"]
    for box in policy.service.mailboxes:
        names = "、".join(policy.category(k).name for k in box.categories)
        rows.append(f"| {box.address} | {names} |")
    return "\n".join(rows)


def _channel(policy: Policy, category: Category) -> str:
    boxes = policy.mailboxes_for(category.key)
    if len(boxes) > 1:
        return "、".join(boxes) + "（须同时发送）"
    return boxes[0]


def _by_category(policy: Policy, entries: Sequence[Entry]) -> dict[str, list[Entry]]:
    groups: dict[str, list[Entry]] = {c.key: [] for c in policy.categories}
    for entry in entries:
        groups[entry.meta.category].append(entry)
    return groups


def _grouped_list(policy: Policy, source: str, entries: Sequence[Entry], level: str) -> str:
    parts = []
    for category in policy.categories:
        members = [e for e in entries if e.meta.category == category.key]
        if members:
            title = f"[{category.name}]({link(source, category_page(category.key))})"
            parts.append(f"{level} {title}\n\n{_list(source, members)}")
    return "\n\n".join(parts) if parts else "暂无。"


# The pages.


def pages(policy: Policy, entries: Sequence[Entry]) -> dict[str, str]:
    """Return every generated page: {path relative to docs/: Markdown}."""
    out = {
        HOME: home(policy, entries),
        guide_page(policy): guide(policy, entries),
        FAQ_INDEX: faq_index(policy, entries),
        STAGE_INDEX: stage_index(policy, entries),
        TRAINED: trained(policy, entries),
        KEYWORDS: keywords(policy, entries),
        RECENT: recent(policy, entries),
    }
    for category in policy.categories:
        out[category_page(category.key)] = category_index(policy, entries, category)
    for stage in policy.stages:
        out[stage_page(stage.key)] = stage_index_page(policy, entries, stage.key)
    taken = {entry_page(e) for e in entries} & set(out)
    if taken:
        raise SiteError(
            f"常见问题页面 docs/{sorted(taken)[0]} 与自动生成的索引页同名，请给该问题换一个 id。"
        )
    return out


def nav(policy: Policy) -> list[dict[str, Any]]:
    """Return the navigation entries of the generated pages, in mkdocs `nav` form."""
    return [
        {"服务指南": guide_page(policy)},
        {
            "常见问题": [
                FAQ_INDEX,
                {"按类别": [{c.name: category_page(c.key)} for c in policy.categories]},
                {"按学段": [STAGE_INDEX, *({s.name: stage_page(s.key)} for s in policy.stages)]},
                {"已培训要求掌握的问题": TRAINED},
                {"按关键词": KEYWORDS},
                {"最近更新": RECENT},
            ]
        },
    ]


def popular_keywords(entries: Sequence[Entry], limit: int = POPULAR_KEYWORDS) -> list[str]:
    """Return the keywords most entries share, most shared first."""
    return [word for word, _ in _keyword_groups(entries)[:limit]]


def home(policy: Policy, entries: Sequence[Entry]) -> str:
    doc = policy.document
    src = HOME
    guide = link(src, guide_page(policy))
    chips = " ".join(
        f'<a class="zz-chip" href="?q={word}">{word}</a>' for word in popular_keywords(entries)
    )
    cards = []
    groups = _by_category(policy, entries)
    for category in policy.categories:
        subs = " · ".join(s.name for s in category.subcategories)
        cards.append(
            f"-   **[{category.name}]({link(src, category_page(category.key))})**\n\n"
            f"    ---\n\n"
            f"    {category.description}。{subs + '。' if subs else ''}\n\n"
            f"    {reply_days(category)} · 常见问题 {len(groups[category.key])} 篇"
        )
    articles = policy.articles
    steps = [
        f"**先查本站**。已组织培训且要求掌握的问题不予受理，"
        f"见[已培训要求掌握的问题]({link(src, TRAINED)}){_basis(articles.trained)}。",
        *([policy.guide.lower_levels] if policy.guide.lower_levels else []),
        f"**{'、'.join(policy.accepted_units)}**按问题类别通过电话或邮件报送，"
        f"邮件主题写成“{_subject_example(policy, policy.categories[0])}”这样的格式。",
        "来电或邮件写明"
        + "、".join(policy.report.required_items)
        + "；**不要附带学生的身份证号、银行卡号等个人信息**。",
    ]
    contacts = [
        f"- 受理部门：{doc.receiver}",
        f"- 服务电话：**{policy.service.phone}**",
        "",
        _mailbox_table(policy),
    ]
    return (
        _front_matter("首页", hide=("navigation", "toc"))
        + '<div class="zz-hero" markdown>\n\n'
        + f"# {doc.region}资助系统技术支持\n\n"
        + f"全国学生资助管理信息系统常见问题解答与问题报送指南，"
        f"依据{doc.authority}《{doc.title}》（{doc.number}）。\n\n"
        + search_box()
        + (f'<p class="zz-chips">常用搜索：{chips}</p>\n\n' if chips else "")
        + "</div>\n\n"
        + "## 问题类别\n\n"
        + '<div class="grid cards" markdown>\n\n'
        + "\n\n".join(cards)
        + "\n\n</div>\n\n"
        + f"也可以[按学段查找]({link(src, STAGE_INDEX)})、[按关键词查找]({link(src, KEYWORDS)})"
        + f"或查看[最近更新]({link(src, RECENT)})的问题。\n\n"
        + "## 如何报送问题\n\n"
        + "\n".join(f"{i}. {step}" for i, step in enumerate(steps, 1))
        + f"\n\n详见[服务指南]({guide})。\n\n"
        + "## 服务联系方式\n\n"
        + "\n".join(contacts)
        + "\n"
    )


def search_box() -> str:
    """Return the home page's search field; javascripts/zzxt-search.js shows results below it."""
    return (
        '<form class="zz-search" role="search" action="" autocomplete="off">\n'
        '<input type="search" name="q" class="zz-search__input" '
        'placeholder="搜索常见问题，例如“忘记密码”" aria-label="搜索常见问题" '
        'autocomplete="off" autocapitalize="off" spellcheck="false" enterkeyhint="search">\n'
        "</form>\n\n"
        '<div class="zz-search-inline md-search-result" aria-live="polite" hidden></div>\n\n'
    )


def _subject_example(policy: Policy, category: Category, i: int = 0) -> str:
    city = policy.cities[i % len(policy.cities)]
    stage = policy.stages[i % len(policy.stages)].name
    return policy.subject(city, stage, category.key)


def guide(policy: Policy, entries: Sequence[Entry]) -> str:
    """Return the service guide: who may report, how, and what happens next."""
    doc = policy.document
    articles = policy.articles
    src = guide_page(policy)
    trained_count = sum(e.meta.trained for e in entries)
    parts = [
        _front_matter("服务指南", browse=False),
        "# 服务指南\n\n",
        f"本指南依据{doc.authority}《{doc.title}》（{doc.number}）整理，"
        f"说明向{doc.receiver}报送资助系统问题的范围、渠道、格式和答复时限。"
        f"内容由政策文件自动生成，与问题表单和时限提醒使用同一套规则。\n\n",
        "## 谁可以报送 {#who}\n\n",
        f"原则上只受理下列单位报送的问题{_basis(articles.scope)}：\n\n",
        "".join(f"- {unit}\n" for unit in policy.accepted_units),
        (
            f"\n{policy.guide.lower_levels.rstrip('。')}{_basis(articles.tiers)}。\n\n"
            if policy.guide.lower_levels
            else "\n"
        ),
        f'!!! warning "已组织培训且要求掌握的问题不予受理"\n'
        f"    {cite(articles.trained) or policy.document.short}规定，已组织培训且要求掌握的问题不在受理范围内。"
        f"报送前请先查阅[已培训要求掌握的问题]({link(src, TRAINED)})"
        f"（目前共 {trained_count} 篇）和本站其他常见问题。\n\n",
        "## 问题类别 {#categories}\n\n",
        _category_table(policy, src),
        "\n\n",
        "## 报送渠道 {#channels}\n\n",
        f"服务电话：**{policy.service.phone}**。各类问题报送的邮箱：\n\n",
        _mailbox_table(policy),
        "\n\n",
        "".join(
            f"- **{c.name}**：发送至 {_channel(policy, c)}"
            + (f"，填写{c.report_form}" if c.report_form else "")
            + "。\n"
            for c in policy.categories
        ),
        "\n同一类问题对应多个邮箱时，须同时发送到每个邮箱。\n\n",
        "## 邮件主题格式 {#subject}\n\n",
        f"邮件的主题和正文开头按“{policy.report.subject_format}”的格式书写"
        f"{_basis(articles.report_items)}，其中：\n\n",
        _subject_parts(policy),
        "\n\n例如：\n\n",
        "| 报送单位 | 问题 | 邮件主题 |\n| --- | --- | --- |\n",
        "".join(
            f"| {policy.cities[i % len(policy.cities)]} | {c.examples[0] if c.examples else c.description}"
            f" | `{_subject_example(policy, c, i)}` |\n"
            for i, c in enumerate(policy.categories)
        ),
        "\n",
        "## 来电和邮件须说明的事项 {#required}\n\n",
        f"来电时请主动说明，邮件正文中请写明{_basis(articles.report_items)}：\n\n",
        "".join(f"{i}. {item}\n" for i, item in enumerate(policy.report.required_items, 1)),
        "\n联系方式用于反馈问题的处理情况，请填写能找到报送人的电话。\n\n",
        "## 答复时限 {#deadlines}\n\n",
        _deadline_section(policy),
        _first_contact_section(policy),
        _account_section(policy),
        "## 培训要求 {#training}\n\n",
        "".join(f"- {line}\n" for line in policy.guide.training),
        f"- 培训中要求掌握的内容整理在[已培训要求掌握的问题]({link(src, TRAINED)})中，"
        f"这些问题不再受理，请在本级通过培训材料和本站解决{_basis(articles.training)}。\n\n",
        "## 数据安全 {#security}\n\n",
        _security_section(policy),
    ]
    return "".join(parts)


def _category_table(policy: Policy, src: str) -> str:
    rows = [
        "| 类别 | 包括 | 示例 | 答复时限 | 报送表格 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in policy.categories:
        name = f"[{c.name}]({link(src, category_page(c.key))})"
        subs = "、".join(s.name for s in c.subcategories)
        scope = c.description + (f"（{subs}）" if subs else "")
        examples = "<br>".join(c.examples) or "—"
        rows.append(f"| {name} | {scope} | {examples} | {reply_days(c)} | {c.report_form or '—'} |")
    return "\n".join(rows)


def _subject_parts(policy: Policy) -> str:
    report = policy.report
    names = "、".join(c.name for c in policy.categories)
    provincial = f"{policy.guide.provincial_units}；" if policy.guide.provincial_units else ""
    return (
        f"- `{{city}}`：所在地市，如“{policy.cities[0]}”（写法同“{report.city_placeholder}”）；"
        f"{provincial}\n"
        f"- `{{stage}}`：学段，如“{policy.stages[0].name}”（写法同“{report.stage_placeholder}”）；\n"
        f"- `{{category}}`：问题类别，为{names}之一。"
    )


def _deadline_section(policy: Policy) -> str:
    zone = policy.calendar.timezone
    rows = ["| 类别 | 答复时限 | 依据 |", "| --- | --- | --- |"]
    doc = policy.document
    for c in policy.categories:
        basis = (
            f"{doc.region}自定（{doc.short}未规定）"
            if c.deadline.local_choice
            else cite(policy.articles.deadlines) or doc.short
        )
        rows.append(f"| {c.name} | {c.deadline.breach} 个工作日 | {basis} |")
    text = (
        "各类问题原则上在下列时限内答复：\n\n" + "\n".join(rows) + "\n\n工作日的计算方法：\n\n"
        "- **收到问题的当天不计**，从第二天开始数；\n"
        "- 按国务院办公厅公布的放假安排，**法定节假日不算工作日，调休上班的周末算工作日**；\n"
        f"- 期限为第 N 个工作日的 23:59:59，一律按北京时间（{zone}）计算。\n\n"
    )
    return text + _deadline_example(policy)


def _deadline_example(policy: Policy) -> str:
    """Return a worked example, or nothing when the calendar lacks the example's year."""
    calendar = WorkCalendar(policy.calendar)
    received = datetime(*EXAMPLE_RECEIVED, tzinfo=calendar.zone)
    longest = max(policy.categories, key=lambda c: c.deadline.breach)
    try:
        due = {c.key: calendar.deadline(received, c.deadline.breach) for c in policy.categories}
        days = []
        day = received.date()
        while day < due[longest.key].due_date:
            day += timedelta(days=1)
            days.append(calendar.explain(day))
    except CalendarGapError:
        return ""
    lines = [
        f"例如，{_day(received.date())} {received:%H:%M} 收到问题，当天不计，各类问题的答复期限为：\n",
        "| 类别 | 答复时限 | 答复期限 |",
        "| --- | --- | --- |",
    ]
    for c in policy.categories:
        lines.append(f"| {c.name} | {c.deadline.breach} 个工作日 | {_day(due[c.key].due_date)} |")
    lines += ["", "逐日计算如下：", "", "| 日期 | 是否上班 | 第几个工作日 |", "| --- | --- | --- |"]
    count = 0
    for info in days:
        if info.workday:
            count += 1
        lines.append(f"| {_day(info.day)} | {info.reason} | {count if info.workday else '—'} |")
    return "\n".join(lines) + "\n\n"


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（星期{WEEKDAYS[day.weekday()]}）"


def _first_contact_section(policy: Policy) -> str:
    if not policy.guide.first_contact:
        return ""
    text = policy.guide.first_contact
    basis = _basis(policy.articles.first_contact)
    if basis and "。" in text:
        head, _, tail = text.partition("。")
        text = f"{head}{basis}。{tail}"
    return f"## 首接负责制 {{#first-contact}}\n\n{text}\n\n"


def _account_section(policy: Policy) -> str:
    flow = policy.guide.accounts
    if flow is None:
        return ""
    category = policy.category(flow.category)
    values = {
        "receiver": policy.document.receiver,
        "form": category.report_form,
        "mailboxes": "、".join(policy.mailboxes_for(category.key)),
    }
    items = "\n".join(
        f'<li class="zz-flow-{step.direction}"><strong>{step.title}</strong>'
        f"<span>{policy.fill(step.text, **values)}</span></li>"
        for step in flow.steps
    )
    return (
        "## 账号申请流程 {#accounts}\n\n"
        "账号申请自下而上逐级汇总，批复后自上而下逐级分发"
        f"{_basis(policy.articles.accounts)}：\n\n"
        f'<ol class="zz-flow" aria-label="账号申请流程">\n{items}\n</ol>\n\n'
        f"{category.name}的答复时限为 {category.deadline.breach} 个工作日。\n\n"
    )


def _security_section(policy: Policy) -> str:
    sensitive = policy.label_book().fixed("sensitive")
    lines = [
        "按照学生资助信息安全的有关要求，规范资助系统数据的用途"
        f"{_basis(policy.articles.security)}：\n",
        *(f"- {line}" for line in policy.guide.security),
        f"- 问题中出现此类信息时会被标记为“{sensitive}”，请立即删除。",
    ]
    return "\n".join(lines) + "\n"


def faq_index(policy: Policy, entries: Sequence[Entry]) -> str:
    src = FAQ_INDEX
    groups = _by_category(policy, entries)
    parts = [
        _front_matter("常见问题"),
        "# 常见问题\n\n",
        f"共 {len(entries)} 篇，其中[已培训要求掌握的问题]({link(src, TRAINED)}) "
        f"{sum(e.meta.trained for e in entries)} 篇。"
        f"也可以[按学段]({link(src, STAGE_INDEX)})、[按关键词]({link(src, KEYWORDS)})"
        f"查找，或查看[最近更新]({link(src, RECENT)})。\n\n",
    ]
    for category in policy.categories:
        members = groups[category.key]
        parts.append(
            f"## [{category.name}]({link(src, category_page(category.key))}) {{#{category.key}}}\n\n"
            f"{category.description}，{reply_days(category)}。共 {len(members)} 篇。\n\n"
        )
        parts.append(_subcategory_lists(src, category, members, "###"))
    return "".join(parts)


def _subcategory_lists(src: str, category: Category, members: Sequence[Entry], level: str) -> str:
    if not category.subcategories:
        return _list(src, members) + "\n\n"
    out = []
    for sub in category.subcategories:
        subset = [e for e in members if e.meta.subcategory == sub.key]
        out.append(f"{level} {sub.name} {{#{sub.key}}}\n\n{_list(src, subset)}\n\n")
    return "".join(out)


def category_index(policy: Policy, entries: Sequence[Entry], category: Category) -> str:
    src = category_page(category.key)
    members = [e for e in entries if e.meta.category == category.key]
    facts = [
        f"- 答复时限：{reply_days(category)}",
        f"- 报送邮箱：{_channel(policy, category)}",
    ]
    if category.report_form:
        facts.append(f"- 报送表格：{category.report_form}")
    if category.examples:
        facts.append("- 例如：" + "；".join(category.examples))
    return (
        _front_matter(category.name)
        + f"# {category.name}\n\n{category.description}。共 {len(members)} 篇常见问题。\n\n"
        + "\n".join(facts)
        + f"\n\n如何报送见[服务指南]({link(src, guide_page(policy), 'channels')})。\n\n"
        + _subcategory_lists(src, category, members, "##")
    )


def stage_index(policy: Policy, entries: Sequence[Entry]) -> str:
    src = STAGE_INDEX
    general = sum(not e.meta.stages for e in entries)
    rows = ["| 学段 | 本学段的问题 | 各学段通用的问题 |", "| --- | --- | --- |"]
    for stage in policy.stages:
        own = sum(stage.key in e.meta.stages for e in entries)
        rows.append(f"| [{stage.name}]({link(src, stage_page(stage.key))}) | {own} | {general} |")
    return (
        _front_matter("按学段")
        + "# 按学段查找\n\n资助系统按学段分为不同的子系统。选择你所在的学段，"
        "查看该学段特有的问题和各学段通用的问题。\n\n" + "\n".join(rows) + "\n"
    )


def stage_index_page(policy: Policy, entries: Sequence[Entry], stage_key: str) -> str:
    stage = next(s for s in policy.stages if s.key == stage_key)
    src = stage_page(stage_key)
    own = [e for e in entries if stage_key in e.meta.stages]
    general = [e for e in entries if not e.meta.stages]
    return (
        _front_matter(stage.name)
        + f"# {stage.name}\n\n"
        + f"{stage.name}学段的常见问题 {len(own)} 篇，另有各学段通用的问题 {len(general)} 篇。\n\n"
        + "## 本学段的问题 {#own}\n\n"
        + _grouped_list(policy, src, own, "###")
        + "\n\n## 各学段通用的问题 {#general}\n\n"
        + _grouped_list(policy, src, general, "###")
        + "\n"
    )


def trained(policy: Policy, entries: Sequence[Entry]) -> str:
    src = TRAINED
    members = [e for e in entries if e.meta.trained]
    return (
        _front_matter("已培训要求掌握的问题")
        + "# 已培训要求掌握的问题\n\n"
        + "下列问题已在培训中讲解并要求各级用户掌握。"
        + (f"按{cite(policy.articles.trained)}，" if policy.articles.trained else "")
        + "服务电话和邮箱**不受理**这些问题，"
        "请在本级对照答案解决；本级确实无法解决的，报送时请说明已按本站答案尝试的步骤。"
        f"培训要求见[服务指南]({link(src, guide_page(policy), 'training')}){_basis(policy.articles.training)}。\n\n"
        + f"共 {len(members)} 篇。\n\n"
        + _grouped_list(policy, src, members, "##")
        + "\n"
    )


def _keyword_groups(entries: Sequence[Entry]) -> list[tuple[str, list[Entry]]]:
    groups: dict[str, tuple[str, list[Entry]]] = {}
    for entry in entries:
        for word in dict.fromkeys(entry.meta.keywords):
            key = keyword_anchor(word)
            groups.setdefault(key, (word, []))[1].append(entry)
    ordered = sorted(groups.values(), key=lambda g: (-len(g[1]), keyword_anchor(g[0])))
    return ordered


def keywords(policy: Policy, entries: Sequence[Entry]) -> str:
    src = KEYWORDS
    groups = _keyword_groups(entries)
    cloud = " ".join(
        f'[{word}](#{keyword_anchor(word)}){{ .zz-chip title="{len(members)} 篇" }}'
        for word, members in groups
    )
    sections = "".join(
        f"## {word} {{#{keyword_anchor(word)}}}\n\n{_list(src, members)}\n\n"
        for word, members in groups
    )
    return (
        _front_matter("按关键词", hide=("toc",))
        + "# 按关键词查找\n\n"
        + f"共 {len(groups)} 个关键词，按涉及的问题数从多到少排列。\n\n"
        + (cloud + "\n\n" if cloud else "暂无。\n\n")
        + sections
    )


def recent(policy: Policy, entries: Sequence[Entry], limit: int = RECENT_LIMIT) -> str:
    src = RECENT
    latest = sorted(entries, key=lambda e: (e.meta.updated, e.id), reverse=True)[:limit]
    lines = [
        _item(src, e, f"{e.meta.updated.isoformat()} · {policy.category(e.meta.category).name}")
        for e in latest
    ]
    return (
        _front_matter("最近更新")
        + "# 最近更新\n\n"
        + f"最近更新的 {len(latest)} 篇常见问题（共 {len(entries)} 篇），新的在前。\n\n"
        + ("\n".join(lines) if lines else "暂无。")
        + "\n"
    )


# What each FAQ page shows about itself.


def entry_header(policy: Policy, entry: Entry) -> str:
    """Return the Markdown shown under an FAQ page's title: where it belongs, its keywords."""
    src = entry_page(entry)
    meta = entry.meta
    category = policy.category(meta.category)
    where = f"[{category.name}]({link(src, category_page(category.key))})"
    if meta.subcategory:
        sub = next(s for s in category.subcategories if s.key == meta.subcategory)
        where += f" › [{sub.name}]({link(src, category_page(category.key), sub.key)})"
    if meta.stages:
        names = {s.key: s.name for s in policy.stages}
        stages = "、".join(f"[{names[k]}]({link(src, stage_page(k))})" for k in meta.stages)
    else:
        stages = f"[各学段通用]({link(src, STAGE_INDEX)})"
    facts = [where, f"适用学段：{stages}"]
    if meta.trained:
        facts.append(f"[已培训要求掌握]({link(src, TRAINED)})")
    facts.append(f"更新于 {meta.updated.isoformat()}")
    words = " ".join(
        f"[{w}]({link(src, KEYWORDS, keyword_anchor(w))}){{ .zz-chip }}" for w in meta.keywords
    )
    text = '<div class="zz-meta" markdown>\n\n' + " · ".join(facts) + "\n\n"
    text += f"关键词：{words}\n\n"
    if meta.aliases:
        text += "其他问法：" + "；".join(_escape(a) for a in meta.aliases) + "\n\n"
    return text + "</div>\n"


def entry_footer(entry: Entry) -> str:
    """Return the sources an answer was written from, as a closing note."""
    if not entry.meta.sources:
        return ""
    items = "\n".join(f"- <{url}>" if "://" in url else f"- {url}" for url in entry.meta.sources)
    return f'\n\n<div class="zz-sources" markdown>\n\n参考资料：\n\n{items}\n\n</div>\n'


def decorate(policy: Policy, entry: Entry, markdown: str) -> str:
    """Return an FAQ page's Markdown with its header after the title and sources at the end."""
    header = entry_header(policy, entry)
    markdown = fill_policy_facts(policy, Entry(entry.meta, markdown, entry.path))
    match = re.search(r"^# .*$", markdown, re.M)
    if match is None:
        body = header + "\n" + markdown
    else:
        body = markdown[: match.end()] + "\n\n" + header + markdown[match.end() :]
    return body.rstrip() + entry_footer(entry) + "\n"

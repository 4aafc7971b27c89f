"""The knowledge-base site as data: the policy and the FAQ entries in, Markdown out.

Nothing here knows about mkdocs. `pages()` returns every generated page as
{path relative to docs/: Markdown}, `nav()` the navigation entries that point at
them, `entry_header()` the block shown under an FAQ page's title and
`decorate()` a whole FAQ page: its header, related questions, sources and the
"仍未解决？" box that ends every FAQ page and the guide.
`tracker/kb/mkdocs_hook.py` hands these to mkdocs, so a change to the policy (a
deadline, a phone number, a mailbox) reaches the site on the next build.

    index.md                  home: search, the categories, how to report, contacts
    <site.guide_path>index.md 服务指南, from the policy
    faq/index.md              all categories and subcategories
    faq/category/<key>.md     one category
    faq/stage/index.md        school stages
    faq/stage/<key>.md        one school stage (its own entries and the general ones)
    trainings.md              培训安排: the training register
    faq/trained.md            已培训要求掌握的问题: what the hotline does not accept
    faq/keywords.md           by keyword
    faq/recent.md             recently updated
    contacts/index.md         (province) each city's public phone and mailbox, blank 附件1-4
    downloads/*.xlsx          (province) the blank 附件1-4, as files (`downloads()`)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from functools import cache
from io import BytesIO
from typing import Any
from urllib.parse import quote

from tracker.attachments import Register, template_filename, template_workbook
from tracker.calendar import WorkCalendar
from tracker.errors import CalendarGapError, InputError
from tracker.forge.kinds import KIND_NAMES, ForgeKind, forge_kind
from tracker.kb.entries import BASIS_NAMES, SOURCE_KINDS, Entry, Source, fill_policy_facts
from tracker.kb.trainings import organiser_text, training_label
from tracker.policy import Category, Policy, Training, cite

HOME = "index.md"
FAQ_DIR = "faq"
FAQ_INDEX = "faq/index.md"
STAGE_INDEX = "faq/stage/index.md"
TRAINED = "faq/trained.md"
TRAININGS = "trainings.md"
KEYWORDS = "faq/keywords.md"
RECENT = "faq/recent.md"
CONTACTS = "contacts/index.md"
DOWNLOADS = "downloads"
RECENT_LIMIT = 30
# The common form field a report link fills in with the page's question (a text input
# on every form: see COMMON_FIELD_IDS in tracker.policy).
SUMMARY_FIELD = "summary"
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


def page_url(policy: Policy, page: str) -> str:
    """Return the address of a generated or FAQ page on the built site.

    The offline plugin turns directory URLs off, so `faq/<id>.md` becomes `faq/<id>.html`.
    """
    return policy.site.url.rstrip("/") + "/" + page.removesuffix(".md") + ".html"


def reply_days(category: Category) -> str:
    text = f"{category.deadline.breach} 个工作日内答复"
    return text + "（本工具的设置）" if category.deadline.local_choice else text


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


def pages(
    policy: Policy, entries: Sequence[Entry], register: Register | None = None
) -> dict[str, str]:
    """Return every generated page: {path relative to docs/: Markdown}."""
    out = {
        HOME: home(policy, entries),
        guide_page(policy): guide(policy, entries),
        FAQ_INDEX: faq_index(policy, entries),
        STAGE_INDEX: stage_index(policy, entries),
        TRAINED: trained(policy, entries),
        TRAININGS: trainings(policy, entries),
        KEYWORDS: keywords(policy, entries),
        RECENT: recent(policy, entries),
    }
    for category in policy.categories:
        out[category_page(category.key)] = category_index(policy, entries, category)
    for stage in policy.stages:
        out[stage_page(stage.key)] = stage_index_page(policy, entries, stage.key)
    if policy.level == "province":
        out[CONTACTS] = contacts(policy, register)
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
        {"培训安排": TRAININGS},
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
        *([{"各市受理方式": CONTACTS}] if policy.level == "province" else []),
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
        f"- 已登记的培训见[培训安排]({link(src, TRAININGS)})；培训中讲解并要求掌握的问题整理在"
        f"[已培训要求掌握的问题]({link(src, TRAINED)})中，这些问题不再受理，"
        f"请在本级通过培训材料和本站解决{_basis(articles.training)}。\n\n",
        "## 数据安全 {#security}\n\n",
        _security_section(policy),
        "\n",
        report_box(policy, src),
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
            f"本工具的设置（{doc.short}未规定）"
            if c.deadline.local_choice
            else cite(policy.articles.deadlines) or doc.short
        )
        rows.append(f"| {c.name} | {c.deadline.breach} 个工作日 | {basis} |")
    text = (
        "各类问题原则上在下列时限内答复。表中的天数是本工具计时和提醒所用的期限；"
        f"注明“本工具的设置”的，{doc.short}没有规定时限。\n\n"
        + "\n".join(rows)
        + f"\n\n{doc.short}没有规定工作日怎样计算。本工具参照《民法典》关于期间计算的规定"
        "（第二百零一、二百零三条），按下面的方法计算答复期限，这是本工具的设置，不是文件的规定：\n\n"
        "- 收到问题的当天不计，从第二天开始数；\n"
        "- 按国务院办公厅公布的放假安排，法定节假日不算工作日，调休上班的周末算工作日；\n"
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
        f"例如，{_day(received.date())} {received:%H:%M} 收到问题，按上述方法，"
        "各类问题的答复期限为：\n",
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
    rule = f"按{cite(policy.articles.trained)}，" if policy.articles.trained else ""
    text = (
        _front_matter("已培训要求掌握的问题")
        + "# 已培训要求掌握的问题\n\n"
        + "下列问题已在[培训安排]("
        + link(src, TRAININGS)
        + ")所列的培训中讲解并要求各级用户掌握，每个问题注明了讲解它的培训。"
        + rule
        + "服务电话和邮箱**不受理**这些问题，"
        "请在本级对照答案解决；本级确实无法解决的，报送时请说明已按本站答案尝试的步骤。"
        f"培训要求见[服务指南]({link(src, guide_page(policy), 'training')}){_basis(policy.articles.training)}。"
        "只有登记在培训安排中的培训讲过的问题才列在这里。\n\n" + f"共 {len(members)} 篇。\n\n"
    )
    if not members:
        return text + "暂无：目前没有登记讲解过本站问题的培训。\n"
    parts = []
    for category in policy.categories:
        group = [e for e in members if e.meta.category == category.key]
        if not group:
            continue
        lines = [
            _item(src, e, "；".join(_training_link(policy, src, t) for t in e.trainings))
            for e in group
        ]
        title = f"[{category.name}]({link(src, category_page(category.key))})"
        parts.append(f"## {title}\n\n" + "\n".join(lines))
    return text + "\n\n".join(parts) + "\n"


def training_anchor(policy: Policy, training: Training) -> str:
    """Return the HTML id of a training's section on the trainings page."""
    same_day = [t for t in policy.trainings if t.date == training.date]
    return f"t{training.date:%Y%m%d}" + (
        f"-{same_day.index(training) + 1}" if len(same_day) > 1 else ""
    )


def _training_link(policy: Policy, source: str, training: Training) -> str:
    anchor = training_anchor(policy, training)
    return f"[{_escape(training_label(training))}]({link(source, TRAININGS, anchor)})"


def trainings(policy: Policy, entries: Sequence[Entry]) -> str:
    """Return the training register as a page: what was trained, when, for whom, with what."""
    src = TRAININGS
    published = {e.id: e for e in entries}
    ordered = sorted(policy.trainings, key=lambda t: t.date, reverse=True)
    basis = _basis(policy.articles.training)
    intro = "".join(f"- {line}\n" for line in policy.guide.training)
    parts = [
        _front_matter("培训安排"),
        "# 培训安排\n\n",
        f"各级资助管理部门组织的资助系统培训{basis}：\n\n" if intro else "",
        intro + ("\n" if intro else ""),
        f"下面登记了已组织的培训、培训对象、材料和讲解并要求掌握的问题，共 {len(ordered)} 次。"
        f"这些问题列入[已培训要求掌握的问题]({link(src, TRAINED)})"
        + (f"，按{cite(policy.articles.trained)}不再受理" if policy.articles.trained else "")
        + "；本站只把登记在这里的培训讲过的问题算作已培训问题。\n\n",
    ]
    if any(t.example for t in ordered):
        parts.append(
            '!!! warning "含示例记录"\n'
            "    标有“示例记录”的条目是演示用的虚构记录，不是真实组织过的培训。\n\n"
        )
    if not ordered:
        parts.append("暂无登记的培训。\n")
    for training in ordered:
        mark = ' <span class="zz-badge">示例记录</span>' if training.example else ""
        day = training.date
        heading = f"{day.year}年{day.month}月{day.day}日 {_escape(training.title)}"
        lines = [
            f"- 组织：{organiser_text(training)}",
            f"- 对象：{training.audience}",
        ]
        if training.materials:
            items = "；".join(
                f"[{_escape(m.title)}]({m.url})" if m.url else _escape(m.title)
                for m in training.materials
            )
            lines.append(f"- 培训材料：{items}")
        covered = [published[i] for i in training.entries if i in published]
        lines.append(f"- 讲解并要求掌握的问题（{len(covered)} 个）：")
        lines += [f"    {_item(src, e)}" for e in covered]
        anchor = training_anchor(policy, training)
        parts.append(f"## {heading}{mark} {{#{anchor}}}\n\n" + "\n".join(lines) + "\n\n")
    return "".join(parts)


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


def basis_badges(entry: Entry) -> str:
    """Return the badges saying what an answer rests on, lead first."""
    return " ".join(
        f'<span class="zz-basis zz-basis-{key.replace("_", "-")}">{BASIS_NAMES[key]}</span>'
        for key in entry.meta.basis
    )


def entry_header(policy: Policy, entry: Entry) -> str:
    """Return the Markdown shown under an FAQ page's title: basis, place, trainings, keywords."""
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
    facts.append(f"内容更新于 {meta.updated.isoformat()}")
    words = " ".join(
        f"[{w}]({link(src, KEYWORDS, keyword_anchor(w))}){{ .zz-chip }}" for w in meta.keywords
    )
    text = '<div class="zz-meta" markdown>\n\n'
    badges = basis_badges(entry)
    if badges:
        text += f"依据：{badges}\n\n"
    text += " · ".join(facts) + "\n\n"
    if entry.trainings:
        covered = "；".join(_training_link(policy, src, t) for t in entry.trainings)
        rule = f"按{cite(policy.articles.trained)}，" if policy.articles.trained else ""
        text += f"讲解本问题的培训：{covered}。{rule}已培训要求掌握的问题不予受理。\n\n"
    text += f"关键词：{words}\n\n"
    if meta.aliases:
        text += "其他问法：" + "；".join(_escape(a) for a in meta.aliases) + "\n\n"
    return text + "</div>\n"


def _source_line(source: Source) -> str:
    title = _escape(source.title)
    where = f"（{source.region}）" if source.region else ""
    kind = SOURCE_KINDS[source.kind]
    named = f"[{title}]({source.url})" if source.url else f"{title}（无网络地址）"
    return f"- {named}{where} <small>{kind}</small>"


def entry_footer(policy: Policy, entry: Entry) -> str:
    """Return the articles and sources an answer was written from, official ones first."""
    lines = []
    if entry.meta.articles:
        doc = policy.document
        lines.append(
            f"- {doc.short}（{doc.number}）{cite(entry.meta.articles)} <small>本省规定</small>"
        )
    order = list(SOURCE_KINDS)
    ranked = sorted(entry.meta.sources, key=lambda s: order.index(s.kind))
    lines += [_source_line(s) for s in ranked]
    if not lines:
        return ""
    return (
        '\n\n<div class="zz-sources" markdown data-search-exclude>\n\n'
        "依据和参考资料（官方发布的在前；文档分享网站上的资料是他人上传的副本，仅供参考）：\n\n"
        + "\n".join(lines)
        + "\n\n</div>\n"
    )


def related_block(entry: Entry, related: Sequence[Entry]) -> str:
    """Return the list of related questions at the end of an FAQ page."""
    if not related:
        return ""
    src = entry_page(entry)
    items = "\n".join(_item(src, e) for e in related)
    return f'\n\n<div class="zz-related" markdown data-search-exclude>\n\n**相关问题**\n\n{items}\n\n</div>\n'


# "仍未解决？": the report links that end every FAQ page and the guide.


def tracker_kind(policy: Policy) -> ForgeKind | None:
    """Return the forge the site's report buttons open, or None when the policy names none."""
    tracker = policy.site.tracker
    if tracker is None:
        return None
    try:
        return forge_kind(tracker.forge)
    except KeyError:
        raise SiteError(
            f"政策文件 site.tracker.forge 为 {tracker.forge}，应为 {'、'.join(KIND_NAMES)} 之一。"
        ) from None


def new_issue_link(
    policy: Policy, category_key: str, stage: str | None = None, summary: str = ""
) -> str | None:
    """Return the tracker's new-issue address with the category's form and what is known filled in."""
    kind = tracker_kind(policy)
    tracker = policy.site.tracker
    if kind is None or tracker is None:
        return None
    report = policy.report
    title = policy.subject(report.city_placeholder, stage or report.stage_placeholder, category_key)
    fields = {}
    form = policy.forms.categories[category_key]
    text_fields = {f.id for f in (*policy.forms.common, *form.fields) if f.type != "dropdown"}
    if summary and SUMMARY_FIELD in text_fields:
        fields[SUMMARY_FIELD] = summary
    file = policy.forms.categories[category_key].file
    return kind.new_issue_url(
        tracker.url, tracker.repo, file, title + report.title_separator, fields
    )


def mailto_link(
    policy: Policy, category_key: str, stage: str | None = None, page: str | None = None
) -> str:
    """Return a `mailto:` to the category's mailboxes with the subject and items of a report."""
    report = policy.report
    subject = policy.subject(
        report.city_placeholder, stage or report.stage_placeholder, category_key
    )
    lines = [f"{item}：" for item in report.required_items]
    if page is not None:
        lines += ["", f"已查阅的知识库页面：{page_url(policy, page)}"]
    to = ",".join(policy.mailboxes_for(category_key))
    body = "\r\n".join(lines)
    return f"mailto:{to}?subject={quote(subject, safe='')}&body={quote(body, safe='')}"


def _report_row(
    policy: Policy, category: Category, stage: str | None, summary: str, page: str | None
) -> str:
    boxes = policy.mailboxes_for(category.key)
    report = policy.report
    subject = policy.subject(
        report.city_placeholder, stage or report.stage_placeholder, category.key
    )
    issue = new_issue_link(policy, category.key, stage, summary)
    buttons = []
    if issue is not None:
        buttons.append(f"[在线提交{category.name}]({issue}){{ .md-button .md-button--primary }}")
    buttons.append(
        f"[发邮件报送{category.name}]({mailto_link(policy, category.key, stage, page)}){{ .md-button }}"
    )
    both = "（须同时发送）" if len(boxes) > 1 else ""
    form = f"，并附上{category.report_form}" if category.report_form else ""
    return (
        " ".join(buttons)
        + f"\n\n邮件发送至 {'、'.join(boxes)}{both}{form}；主题已写成“{subject}”，"
        "请把其中的 XX 改为实际的地市和学段。"
    )


def report_box(policy: Policy, source: str, entry: Entry | None = None) -> str:
    """Return the "仍未解决？" box: report buttons and e-mail links for a page's category or all."""
    report = policy.report
    scope = "、".join(policy.accepted_units)
    lower = f"{policy.guide.lower_levels.rstrip('。')}。" if policy.guide.lower_levels else ""
    guide_link = link(source, guide_page(policy), "channels")
    parts = [
        '<div class="zz-report" markdown data-search-exclude>\n\n<p class="zz-report-title">仍未解决？</p>\n\n'
    ]
    if entry is not None:
        meta = entry.meta
        category = policy.category(meta.category)
        stage = None
        if len(meta.stages) == 1:
            stage = next(s.name for s in policy.stages if s.key == meta.stages[0])
        kind = category.name
        if meta.subcategory:
            sub = next(s for s in category.subcategories if s.key == meta.subcategory)
            kind += f"（{sub.name}）"
        parts.append(f"本问题属于**{kind}**。")
        choose = []
        if meta.subcategory:
            choose.append(f"子类选“{sub.name}”")
        if stage is None:
            choose.append("学段选本单位的学段")
        if policy.site.tracker is not None:
            parts.append(
                "在线提交时，表单已选好类别、填好标题开头和问题简要描述；"
                + "地市等下拉框须自己选择"
                + (f"（{'，'.join(choose)}）" if choose else "")
                + "。"
            )
        parts.append("\n\n" + _report_row(policy, category, stage, meta.title, entry_page(entry)))
    else:
        parts.append("按问题类别选择报送方式：\n\n")
        parts.append(
            "\n\n".join(
                f"**{c.name}**：" + _report_row(policy, c, None, "", None)
                for c in policy.categories
            )
        )
    parts.append(
        f"\n\n只受理{scope}报送的问题{_basis(policy.articles.scope)}。{lower}"
        f"来电和邮件须写明{'、'.join(report.required_items)}，"
        f"不要填写学生的身份证号、银行卡号等个人信息。详见[服务指南]({guide_link})。\n\n"
    )
    parts.append("</div>\n")
    return "".join(parts)


def decorate(policy: Policy, entry: Entry, markdown: str, related: Sequence[Entry] = ()) -> str:
    """Return an FAQ page's Markdown: header under the title; related, sources and report box at the end."""
    header = entry_header(policy, entry)
    markdown = fill_policy_facts(policy, Entry(entry.meta, markdown, entry.path))
    match = re.search(r"^# .*$", markdown, re.M)
    if match is None:
        body = header + "\n" + markdown
    else:
        body = markdown[: match.end()] + "\n\n" + header + markdown[match.end() :]
    return (
        body.rstrip()
        + related_block(entry, related)
        + entry_footer(policy, entry)
        + "\n"
        + report_box(policy, entry_page(entry), entry)
    )


# Each city's public contacts (第七条) and the blank forms.


def contacts_url(policy: Policy) -> str:
    """Return the address of the contacts page (where reminders point for the templates)."""
    return policy.site.url + CONTACTS.removesuffix("index.md")


def download_paths(policy: Policy) -> list[tuple[int, str]]:
    """Return each blank form the policy defines with its path on the site, in form order."""
    if policy.attachments is None:
        return []
    numbers = sorted(f.number for f in policy.attachments.forms)
    return [(n, f"{DOWNLOADS}/{template_filename(policy, n)}") for n in numbers]


def downloads(policy: Policy) -> dict[str, bytes]:
    """Return the blank 附件1-4 as .xlsx files: {path relative to docs/: content}."""
    files = {}
    for number, path in download_paths(policy):
        buffer = BytesIO()
        template_workbook(policy, number).save(buffer)
        files[path] = buffer.getvalue()
    return files


def _cell(text: str) -> str:
    return _escape(text).replace("|", "\\|")


def contacts(policy: Policy, register: Register | None) -> str:
    """Return the page listing each city's public phone and mailbox, from its latest filing."""
    src = CONTACTS
    expected = [c for c in policy.cities if c not in policy.filing.exclude]
    latest: dict[str, tuple[int, str, str]] = {}
    for filing in register.filings if register is not None else []:
        if filing.city in expected and filing.year >= latest.get(filing.city, (0, "", ""))[0]:
            latest[filing.city] = (filing.year, filing.phone, filing.email)
    rows = ["| 地市 | 受理电话 | 受理邮箱 | 备案年度 |", "| --- | --- | --- | --- |"]
    for city in expected:
        if city in latest:
            year, phone, email = latest[city]
            rows.append(f"| {_cell(city)} | {_cell(phone)} | {_cell(email)} | {year} |")
        else:
            rows.append(f"| {_cell(city)} | 尚未报送 | 尚未报送 | — |")
    basis = _basis(policy.articles.filing)
    lower = f"{policy.guide.lower_levels}\n\n" if policy.guide.lower_levels else ""
    forms = [
        f"- [{layout_name(policy, n)}](<{link(src, path)}>)" for n, path in download_paths(policy)
    ]
    return (
        _front_matter("各市受理方式", browse=False)
        + "# 各市受理电话和邮箱\n\n"
        + lower
        + f"各地市教育局公开本市的受理电话和受理邮箱{basis}。下表取自各市最近一次报送的备案表"
        "（附件1），由受理部门登记后随知识库更新。\n\n"
        + "\n".join(rows)
        + "\n\n## 报送附件模板 {#downloads}\n\n"
        + (
            "各表均为 Excel 工作簿（.xlsx），附件2-4 按学段分工作表。\n\n" + "\n".join(forms)
            if forms
            else "本省政策没有设置报送附件。"
        )
        + "\n"
    )


def layout_name(policy: Policy, number: int) -> str:
    assert policy.attachments is not None
    return f"附件{number} {policy.attachments.form(number).title}"

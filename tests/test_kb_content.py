"""The shipped knowledge base is honest: basis, sources, leads, settings, dates, report links.

These tests read the Guangdong pages in docs/faq and the built-in policy, and
check what issue 13 found wrong with them: invented "trained" flags, other
provinces' practice read as Guangdong's rules, contradictions between pages,
the home page and the forms, one date on every page, and no way to report.
"""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import yaml

from tests.support.paths import ROOT
from tracker.forge.kinds import KINDS
from tracker.kb import site
from tracker.kb.entries import BASIS_NAMES, Entry, load_entries
from tracker.kb.related import related_entries
from tracker.kb.search import FaqIndex
from tracker.policy import Policy, load_policy, parse_policy
from tracker.templates.forms import build_forms, render_templates

FAQ = ROOT / "docs" / "faq"
# Names of the other provinces (and the counties the sources report from).
ELSEWHERE = (
    "北京 天津 河北 山西 内蒙古 辽宁 吉林 黑龙江 上海 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 "
    "广西 海南 重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 台湾 香港 澳门 保康 册亨"
).split()
REFERENCE = '!!! note "参考外省做法"'
# A lead "says what to do in Guangdong, or that it is not fixed and whom to ask".
GUANGDONG_WORDS = ("广东", "粤教", "本省", "省助学办", "地市教育局", "县（区）", "省、市", "条）")


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


@pytest.fixture(scope="module")
def entries(policy: Policy) -> list[Entry]:
    return load_entries(FAQ, policy, drafts=True)


def front_matter(path: Path) -> dict[str, object]:
    text = path.read_text("utf-8")
    return dict(yaml.safe_load(text.split("---\n")[1]))


def body_lines(entry: Entry) -> list[tuple[str, bool]]:
    """Return the body's lines, each with whether it lies inside a 参考外省做法 note."""
    out: list[tuple[str, bool]] = []
    inside = False
    for line in entry.body.splitlines():
        if line.startswith("!!! "):
            inside = line.startswith(REFERENCE)
            out.append((line, inside))
            continue
        if inside and line and not line.startswith("    "):
            inside = False
        out.append((line, inside))
    return out


def lead(entry: Entry) -> str:
    """Return the first paragraph under the title."""
    after_title = entry.body.split("\n# ", 1)[1].split("\n", 1)[1]
    return after_title.strip().split("\n\n", 1)[0]


# "Trained" comes from training records only.


def test_no_page_is_trained_without_a_training_record(policy: Policy, entries: list[Entry]) -> None:
    assert policy.trainings == []  # the shipped data invents no training
    for entry in entries:
        assert "trained" not in front_matter(entry.path), entry.id
        assert entry.meta.trained is False and entry.trainings == ()
    pages = site.pages(policy, entries)
    assert "共 0 篇" in pages[site.TRAINED] and "暂无登记的培训" in pages[site.TRAININGS]


# Basis and sources.


def test_every_page_states_its_basis_and_never_leads_with_another_province(
    policy: Policy, entries: list[Entry]
) -> None:
    assert len(entries) == 60
    for entry in entries:
        basis = front_matter(entry.path).get("basis")
        assert isinstance(basis, list) and basis, entry.id
        assert basis[0] != "other_province", entry.id
        header = site.entry_header(policy, entry)
        for key in basis:
            assert f">{BASIS_NAMES[key]}</span>" in header, (entry.id, key)


def test_other_provinces_appear_only_in_reference_notes(entries: list[Entry]) -> None:
    for entry in entries:
        for line, inside in body_lines(entry):
            named = [w for w in ELSEWHERE if w in line]
            assert not named or inside, f"{entry.id}：{named} 出现在“参考外省做法”之外：{line}"
        uses_others = "other_province" in entry.meta.basis
        assert (REFERENCE in entry.body) == uses_others, entry.id
        text = lead(entry)
        assert not any(w in text for w in ELSEWHERE), f"{entry.id} 的开头引用了外省：{text}"
        if entry.meta.basis[0] == "local":
            # A lead resting on Guangdong's rules says whose rules they are.
            assert any(w in text for w in GUANGDONG_WORDS), f"{entry.id} 的开头没说广东怎么办"


def test_sources_list_official_ones_first_and_mark_sharing_sites(
    policy: Policy, entries: list[Entry]
) -> None:
    shared = 0
    for entry in entries:
        footer = site.entry_footer(policy, entry)
        kinds = [s.kind for s in entry.meta.sources]
        labels = re.findall(r"<small>([^<]+)</small>", footer)
        if entry.meta.articles:
            assert labels.pop(0) == "本省规定", entry.id
        ranks = [list(["official", "news", "reprint", "other", "sharing"]).index(k) for k in kinds]
        shown = [
            ["官方发布", "新闻报道", "转载", "其他资料", "文档分享网站，非官方发布"].index(x)
            for x in labels
        ]
        assert shown == sorted(ranks), entry.id
        shared += kinds.count("sharing")
    assert shared > 0  # and each of them is labelled as such above


# The contradictions issue 13 listed.


def test_password_reset_is_a_user_application_everywhere(
    policy: Policy, entries: list[Entry]
) -> None:
    reset = next(e for e in entries if e.id == "pwd-forgot-reset")
    forms = {f.category: f for f in build_forms(policy)}
    asked_on = [
        key
        for key, form in forms.items()
        for element in form.elements
        if element.type == "dropdown" and any("重置密码" in o for o in element.options)
    ]
    assert asked_on == [reset.meta.category]
    account = policy.category(reset.meta.category)
    assert "重置密码" in account.description
    pages = site.pages(policy, entries)
    for other in policy.categories:
        if other.key != account.key:
            assert not any("密码错误" in x or "重置密码" in x for x in other.examples), other.key
            assert "重置密码" not in other.description
    assert "重置密码" in pages[site.HOME] and "重置密码" in pages[site.guide_page(policy)]
    # The page also says what to do when one cannot log in at all.
    assert "不是忘了密码，而是登录不上" in reset.body
    assert "clear-browser-cache.md" in reset.body


def test_accounts_are_approved_nationally_not_generated_by_the_province(
    entries: list[Entry],
) -> None:
    for entry in entries:
        for line, inside in body_lines(entry):
            if "统一生成" in line or "省级资助管理部门统一" in line:
                assert inside, f"{entry.id}：{line}"
    for entry_id in ("username-format", "new-school-account"):
        entry = next(e for e in entries if e.id == entry_id)
        assert "国家用户账号管理部门" in entry.body
        assert {"第十五条", "第十六条"} <= set(entry.meta.articles)


def test_lower_levels_go_through_the_county(policy: Policy, entries: list[Entry]) -> None:
    text = policy.guide.lower_levels
    school, county, city = text.find("学校"), text.find("县（区）教育局"), text.find("报地市")
    assert -1 < school < county < city, text
    pages = site.pages(policy, entries)
    assert text in pages[site.HOME]
    flow = policy.guide.accounts
    assert flow is not None and "县（区）" in flow.steps[0].text
    assert "县（区）" in policy.forms.intro


def test_the_tools_own_settings_are_called_settings(policy: Policy, entries: list[Entry]) -> None:
    pages = site.pages(policy, entries)
    guide, home = pages[site.guide_page(policy)], pages[site.HOME]
    for category in policy.categories:
        if category.deadline.local_choice:
            assert (
                f"| {category.name} | {category.deadline.breach} 个工作日 | 本工具的设置" in guide
            )
            assert f"{category.deadline.breach} 个工作日内答复（本工具的设置）" in home
    assert "本省自定" not in guide + home
    counting = guide.split("## 答复时限", 1)[1].split("## ", 1)[0]
    assert "这是本工具的设置，不是文件的规定" in counting
    assert "收到问题的当天不计" in counting and "23:59:59" in counting
    for text in render_templates(policy, "gitea").values():
        assert "本省自定" not in text


def test_reply_deadlines_come_from_the_policy(entries: list[Entry]) -> None:
    for entry in entries:
        hard = re.findall(r"\d+\s*个工作日内?(?:给予)?答复", entry.body)
        assert hard == [], f"{entry.id} 写死了答复时限：{hard}，请用 {{{{deadline:类别}}}}"
    suggestion = next(e for e in entries if e.id == "feature-suggestion-channel")
    assert "{{deadline:requirement}}" in suggestion.body


# Dates.


def test_updated_dates_differ_and_are_not_in_the_future(entries: list[Entry]) -> None:
    dates = {e.meta.updated for e in entries}
    assert len(dates) > 1
    assert max(dates) <= date.today()


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def _answer(text: str) -> tuple[str, str]:
    """Return (title, body) of a page's text: what `updated` dates."""
    meta = yaml.safe_load(text.split("---\n")[1])
    return str(meta.get("title")), text.split("\n---\n", 1)[1]


def test_updated_is_not_older_than_the_last_change_of_the_answer(entries: list[Entry]) -> None:
    """`updated` is kept by hand: it may not lag behind the answer's history in git."""
    try:
        _git("rev-parse", "--is-inside-work-tree")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("不在 git 工作副本中，无法核对 updated")
    for entry in entries:
        path = entry.path.relative_to(ROOT).as_posix()
        current = _answer(entry.path.read_text("utf-8"))
        if _git("status", "--porcelain", "--", path).strip():
            continue  # changed and not yet committed: checked once committed
        history = _git("log", "--format=%H %as", "--", path).split("\n")
        changed: date | None = None
        for line in filter(None, history):
            commit, day = line.split()
            if _answer(_git("show", f"{commit}:{path}")) != current:
                break
            changed = date.fromisoformat(day)  # this commit already had today's answer
        assert changed is not None, entry.id
        assert entry.meta.updated >= changed, (
            f"{entry.id}：解答在 {changed} 改过，updated 仍是 {entry.meta.updated}"
        )


# Reporting from every page.


def test_every_page_ends_with_the_right_report_links(policy: Policy, entries: list[Entry]) -> None:
    tracker = policy.site.tracker
    assert tracker is not None
    kind = KINDS[tracker.forge]  # type: ignore[index]
    forms = {f.category: f for f in build_forms(policy)}
    for entry in entries:
        page = site.decorate(policy, entry, entry.body)
        box = page[page.index('<div class="zz-report"') :]
        assert "仍未解决？" in box
        category = policy.category(entry.meta.category)
        mailto = re.search(r"\]\((mailto:[^)]+)\)", box)
        assert mailto is not None, entry.id
        parts = urlsplit(mailto.group(1))
        assert parts.path.split(",") == policy.mailboxes_for(category.key)
        query = parse_qs(parts.query)
        stage = (
            policy.report.stage_placeholder
            if len(entry.meta.stages) != 1
            else next(s.name for s in policy.stages if s.key == entry.meta.stages[0])
        )
        subject = policy.subject(policy.report.city_placeholder, stage, category.key)
        assert query["subject"] == [subject], entry.id
        for item in policy.report.required_items:
            assert f"{item}：" in query["body"][0]
        assert site.page_url(policy, site.entry_page(entry)) in query["body"][0]
        issue = re.search(r"\]\((https://[^)]+/issues/new\?[^)]+)\)", box)
        assert issue is not None, entry.id
        form_file = policy.forms.categories[category.key].file
        expected = kind.new_issue_url(
            tracker.url,
            tracker.repo,
            form_file,
            subject + policy.report.title_separator,
            {site.SUMMARY_FIELD: entry.meta.title},
        )
        assert issue.group(1) == expected
        assert site.SUMMARY_FIELD in {
            e.id for e in forms[category.key].elements if e.type in ("input", "textarea")
        }


def test_the_guide_ends_with_report_links_for_every_category(
    policy: Policy, entries: list[Entry]
) -> None:
    guide = site.pages(policy, entries)[site.guide_page(policy)]
    box = guide[guide.index('<div class="zz-report"') :]
    for category in policy.categories:
        file = policy.forms.categories[category.key].file
        assert f"ISSUE_TEMPLATE/{file}" in box
        boxes = ",".join(policy.mailboxes_for(category.key))
        assert f"mailto:{boxes}?subject=" in box


@pytest.mark.parametrize("name", sorted(KINDS))
def test_issue_form_links_follow_each_forge(policy_text: str, name: str) -> None:
    text = policy_text.replace("    forge: gitea\n", f"    forge: {name}\n")
    policy = parse_policy(text, "p.yml")
    link = site.new_issue_link(policy, "technical", "义务教育", "导入报错")
    assert link is not None
    parts = urlsplit(link)
    assert parts.path == "/gdzz/support/issues/new"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["title"] == "XX市-义务教育-技术类问题："
    files = render_templates(policy, name)  # type: ignore[arg-type]
    template = query["template"]
    if name == "gitea":
        # Gitea reads the form's path from the repository root and answers as field:<id>.
        assert template == ".gitea/ISSUE_TEMPLATE/02-technical.yml"
        assert query["field:summary"] == "导入报错"
        assert unquote(parts.query).count("field:") == 1
    else:
        # GitHub names the form by its file name and takes answers by field id.
        assert template == "02-technical.yml"
        assert query["summary"] == "导入报错"
    form = yaml.safe_load(files[template.rsplit("/", 1)[-1]])
    element = next(e for e in form["body"] if e.get("id") == "summary")
    assert element["type"] in ("input", "textarea")  # the only kinds both forges prefill


def test_no_tracker_means_no_button_and_an_unknown_forge_is_refused(
    policy_text: str, entries: list[Entry]
) -> None:
    start = policy_text.index("  tracker:\n")
    end = policy_text.index("    repo: gdzz/support\n") + len("    repo: gdzz/support\n")
    without = parse_policy(policy_text[:start] + policy_text[end:], "p.yml")
    assert without.site.tracker is None
    page = site.decorate(without, entries[0], entries[0].body)
    assert "/issues/new" not in page and "mailto:" in page
    wrong = parse_policy(policy_text.replace("    forge: gitea\n", "    forge: gitlab\n"), "p.yml")
    with pytest.raises(site.SiteError, match=r"site\.tracker\.forge 为 gitlab"):
        site.pages(wrong, entries)


def test_three_related_questions_by_the_same_ranking(policy: Policy, entries: list[Entry]) -> None:
    published = [e for e in entries if not e.meta.draft]
    index = FaqIndex.build(published, policy)
    related = related_entries(index, published)
    for entry in published:
        found = related[entry.id]
        assert len(found) == 3 and entry not in found, entry.id
        query = " ".join([entry.meta.title, *entry.meta.keywords])
        ranked = [h.id for h in index.search(query, 4) if h.id != entry.id][:3]
        assert [e.id for e in found] == ranked
    reset = related["pwd-forgot-reset"]
    page = site.decorate(policy, published[0], published[0].body, reset)
    assert "**相关问题**" in page
    for other in reset:
        assert f"]({other.id}.md)" in page

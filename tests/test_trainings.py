"""The training register: the only thing that makes an FAQ entry "trained"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.paths import ROOT, Invoke
from tests.support.site import INDEX, mkdocs_build, small_site
from tests.support.site_search import read_index
from tests.support.trainings import EXAMPLE_TITLE, example_training, with_example_training
from tracker.bots.rules import Rules
from tracker.bots.triage import plan as triage_plan
from tracker.errors import PolicyError
from tracker.kb import site
from tracker.kb.entries import check_trainings, load_entries
from tracker.kb.search import FaqIndex
from tracker.kb.trainings import TrainingError, trained_by
from tracker.policy import Policy, parse_policy

FAQ = ROOT / "docs" / "faq"
COVERED = ("pwd-forgot-reset", "clear-browser-cache")


def example_policy(policy_text: str, entries: tuple[str, ...] = COVERED) -> Policy:
    return parse_policy(with_example_training(policy_text, entries), "example.yml")


def test_a_record_makes_exactly_its_entries_trained(policy_text: str) -> None:
    policy = example_policy(policy_text)
    entries = load_entries(FAQ, policy)
    assert {e.id for e in entries if e.meta.trained} == set(COVERED)
    reset = next(e for e in entries if e.id == "pwd-forgot-reset")
    assert [t.title for t in reset.trainings] == [EXAMPLE_TITLE]
    assert trained_by(policy, "pwd-forgot-reset") == list(reset.trainings)
    assert trained_by(policy, "username-format") == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("organiser: province", "organiser: county"), "organiser"),
        (("entries: [pwd-forgot-reset, clear-browser-cache]", "entries: []"), "entries"),
        (
            ("entries: [pwd-forgot-reset, clear-browser-cache]", "entries: [a-b, a-b]"),
            "常见问题 id重复：a-b",
        ),
        (
            ("entries: [pwd-forgot-reset, clear-browser-cache]", "entries: [Pwd_Reset]"),
            "entries[0]",
        ),
        (("date: 2026-03-12", "date: 下周"), "date"),
    ],
    ids=["organiser", "empty", "duplicate", "bad-id", "date"],
)
def test_a_bad_record_is_refused_naming_the_field(
    policy_text: str, change: tuple[str, str], message: str
) -> None:
    text = with_example_training(policy_text).replace(*change)
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.yml")
    assert "trainings[0]" in caught.value.message or "trainings.0" in caught.value.message
    assert message in caught.value.message


def test_a_record_must_name_published_pages(
    invoke: Invoke, tmp_path: Path, policy_text: str, write_policy
) -> None:
    faq = tmp_path / "faq"
    faq.mkdir()
    for name in COVERED:
        (faq / f"{name}.md").write_text((FAQ / f"{name}.md").read_text("utf-8"), encoding="utf-8")
    missing = write_policy(with_example_training(policy_text, (*COVERED, "no-such-page")))
    result = invoke("--policy", str(missing), "faq", "check", str(faq))
    assert result.exit_code == 2
    assert "trainings 第 1 条（2026-03-12《资助系统应用培训（示例）》）" in result.stderr
    assert "常见问题 no-such-page 在" in result.stderr and "不存在" in result.stderr

    draft = faq / "clear-browser-cache.md"
    draft.write_text(
        draft.read_text("utf-8").replace("\nupdated:", "\ndraft: true\nupdated:"), "utf-8"
    )
    policy = example_policy(policy_text)
    with pytest.raises(TrainingError, match="clear-browser-cache 还是草稿"):
        check_trainings(policy, load_entries(faq, policy, drafts=True), faq)
    fine = write_policy(with_example_training(policy_text, ("pwd-forgot-reset",)), "fine.yml")
    result = invoke("--policy", str(fine), "faq", "check", str(faq))
    assert result.exit_code == 0, result.stderr
    assert "其中已培训问题 1 篇、草稿 1 篇" in result.stdout


def test_the_site_shows_the_register_and_which_training_covered_a_page(policy_text: str) -> None:
    policy = example_policy(policy_text)
    entries = load_entries(FAQ, policy)
    pages = site.pages(policy, entries)
    register = pages[site.TRAININGS]
    assert "## 2026年3月12日 资助系统应用培训（示例） <span" in register
    assert "示例记录" in register and '!!! warning "含示例记录"' in register
    assert "组织：省级 · 示例组织单位" in register and "培训课件（示例）" in register
    for entry_id in COVERED:
        assert f"](faq/{entry_id}.md)" in register
    anchor = site.training_anchor(policy, policy.trainings[0])
    trained = pages[site.TRAINED]
    assert "共 2 篇" in trained and f"trainings.md#{anchor})" in trained
    reset = next(e for e in entries if e.id == "pwd-forgot-reset")
    header = site.entry_header(policy, reset)
    assert (
        f"讲解本问题的培训：[2026年3月12日 示例组织单位《{EXAMPLE_TITLE}》（示例记录）]" in header
    )
    assert f"(../trainings.md#{anchor})" in header
    assert "讲解本问题的培训" not in site.entry_header(policy, entries[0])
    assert {"培训安排": site.TRAININGS} in site.nav(policy)


def test_triage_cites_the_training_only_when_the_register_has_one(policy_text: str) -> None:
    title = "佛山市-义务教育-应用类问题：忘记登录密码，登录时一直提示密码错误"
    for policy, trained in (
        (parse_policy(policy_text, "gd.yml"), False),
        (example_policy(policy_text), True),
    ):
        rules = Rules.build(policy)
        index = FaqIndex.build(load_entries(FAQ, policy), policy)
        result = triage_plan(rules, index, title, "", (), [])
        assert result.faq and result.faq[0].id == "pwd-forgot-reset"
        suspected = rules.labels.fixed("suspected_trained")
        assert (suspected in result.labels_add) is trained
        comment = "\n".join(c.body for c in result.comments)
        assert (f"《{EXAMPLE_TITLE}》（示例记录）" in comment) is trained


def test_a_built_site_leaves_drafts_out_and_lists_the_trainings(
    tmp_path: Path, policy_text: str
) -> None:
    policy = tmp_path / "example.yml"
    policy.write_text(with_example_training(policy_text, ("username-format",)), encoding="utf-8")
    page = (FAQ / "username-format.md").read_text("utf-8")
    draft = (
        (FAQ / "gd-full-coverage.md")
        .read_text("utf-8")
        .replace("\nupdated:", "\ndraft: true\nupdated:")
    )
    config = small_site(tmp_path, {"username-format.md": page, "gd-full-coverage.md": draft})
    result = mkdocs_build(tmp_path / "site", config, ZZXT_POLICY=str(policy))
    assert result.returncode == 0, result.stderr
    built = tmp_path / "site"
    assert not (built / "faq" / "gd-full-coverage.html").exists()
    # The site's search (the index `zzxt faq search` uses) holds the answer, not the draft.
    index = read_index(built / INDEX)
    assert [doc[0] for doc in index["docs"]] == ["username-format"]
    words = {term for field in index["fields"] if not field["grams"] for term in field["terms"]}
    assert "标识码" in words  # the answer is indexed
    # The report box, sources and related list that end every page are not part of it.
    for boilerplate in ("仍未解决", "文档分享网站", "相关问题"):
        assert boilerplate not in words, boilerplate
    register = (built / "trainings.html").read_text("utf-8")
    assert EXAMPLE_TITLE in register and "username-format.html" in register
    answer = (built / "faq" / "username-format.html").read_text("utf-8")
    assert "讲解本问题的培训" in answer and 'class="zz-report"' in answer

    missing = tmp_path / "missing.yml"
    missing.write_text(with_example_training(policy_text, ("no-such-page",)), encoding="utf-8")
    failed = mkdocs_build(tmp_path / "site2", config, ZZXT_POLICY=str(missing))
    assert failed.returncode != 0
    assert "常见问题 no-such-page" in failed.stderr


def test_the_example_section_is_what_the_policy_comment_describes() -> None:
    text = (ROOT / "tracker" / "policies" / "guangdong.yml").read_text("utf-8")
    assert text.rstrip().endswith("trainings: []")
    for key in ("date:", "organiser:", "organiser_name:", "audience:", "title:", "entries:"):
        assert f"#   - {key}" in text or f"#     {key}" in text, key
        assert key.rstrip(":") in example_training()

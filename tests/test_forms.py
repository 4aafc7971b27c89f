"""Issue forms rendered from the policy, for GitHub and Gitea."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.support.paths import ROOT
from tests.support.specs import issue_config_schema, issue_forms_schema
from tracker.forge.kinds import KIND_NAMES, forge_kind
from tracker.policy import COMMON_FIELD_IDS, load_policy
from tracker.templates.forms import render_templates
from tracker.templates.generated import stale_files

FORM_FILES = ["01-application.yml", "02-technical.yml", "03-account.yml", "04-requirement.yml"]
# What Gitea's template validator accepts (modules/issue/template/template.go).
GITEA_TYPES = {"markdown", "textarea", "input", "dropdown", "checkboxes"}


def _rendered(flavor: str) -> dict[str, Any]:
    return {
        name: yaml.safe_load(text)
        for name, text in render_templates(load_policy(), flavor).items()  # type: ignore[arg-type]
    }


def _as_github(doc: dict[str, Any]) -> dict[str, Any]:
    """Gitea's native `about` is GitHub's `description`; everything else is shared."""
    doc = dict(doc)
    if "about" in doc:
        doc["description"] = doc.pop("about")
    return doc


@pytest.mark.parametrize("flavor", KIND_NAMES)
def test_forms_fit_the_issue_forms_schema(flavor: str) -> None:
    schema = issue_forms_schema()
    docs = _rendered(flavor)
    assert sorted(docs) == sorted([*FORM_FILES, "config.yml"])
    for name in FORM_FILES:
        jsonschema.validate(_as_github(docs[name]), schema)


@pytest.mark.parametrize("flavor", KIND_NAMES)
def test_config_fits_the_chooser_schema(flavor: str) -> None:
    schema = issue_config_schema()
    config = _rendered(flavor)["config.yml"]
    jsonschema.validate(config, schema)
    assert config["blank_issues_enabled"] is False
    links = {link["url"]: link["about"] for link in config["contact_links"]}
    assert "https://zzxt.example.com/" in links
    service = links["https://zzxt.example.com/guide/"]
    assert "020-87777742" in service
    assert "应用类问题、技术类问题同时发送至 3448874014@qq.com、gdzzxt@gdedu.gov.cn" in service
    assert "用户申请、需求建议发送至 gdzzxt@gdedu.gov.cn" in service


def test_gitea_forms_pass_giteas_own_rules() -> None:
    """Mirror what Gitea checks before it shows a template at all."""
    for name in FORM_FILES:
        doc = _rendered("gitea")[name]
        assert doc["name"].strip() and doc["about"].strip()
        assert "description" not in doc
        ids = set()
        for element in doc["body"]:
            assert element["type"] in GITEA_TYPES
            if element["type"] == "markdown":
                assert element["attributes"]["value"].strip()
                continue
            assert element["id"] not in ids
            ids.add(element["id"])
            assert element["attributes"]["label"].strip()
            if element["type"] in ("dropdown", "checkboxes"):
                assert element["attributes"]["options"]
            if element["type"] == "checkboxes":
                for option in element["attributes"]["options"]:
                    assert isinstance(option["label"], str) and isinstance(option["required"], bool)


@pytest.mark.parametrize(
    ("file", "title", "label"),
    [
        ("01-application.yml", "XX市-XX学段-应用类问题：", "类别/应用类问题"),
        ("02-technical.yml", "XX市-XX学段-技术类问题：", "类别/技术类问题"),
        ("03-account.yml", "XX市-XX学段-用户申请：", "类别/用户申请"),
        ("04-requirement.yml", "XX市-XX学段-需求建议：", "类别/需求建议"),
    ],
    ids=["应用类", "技术类", "用户申请", "需求建议"],
)
@pytest.mark.parametrize("flavor", KIND_NAMES)
def test_title_and_labels(flavor: str, file: str, title: str, label: str) -> None:
    doc = _rendered(flavor)[file]
    assert doc["title"] == title
    assert label in doc["labels"]
    assert "状态/待受理" in doc["labels"]


# Per category: the fields a responder needs (issue #2, section 4).
CATEGORY_FIELDS = {
    "01-application.yml": ["subcategory", "tried"],
    "02-technical.yml": ["subcategory", "module", "steps", "error", "affected"],
    "03-account.yml": ["request_type", "account_level", "account_role", "reason"],
    "04-requirement.yml": ["module", "current", "proposal", "benefit"],
}


@pytest.mark.parametrize("file", FORM_FILES)
def test_fields_capture_article_11_and_the_annex_forms(file: str) -> None:
    body = _rendered("github")[file]["body"]
    ids = [element.get("id") for element in body if element["type"] != "markdown"]
    assert ids[: len(COMMON_FIELD_IDS)] == list(COMMON_FIELD_IDS)
    for field_id in CATEGORY_FIELDS[file]:
        assert field_id in ids
    assert ids[-1] == "confirmations"
    confirm = body[-1]["attributes"]["options"]
    assert [option["required"] for option in confirm] == [True, True]
    assert "第十二条" in confirm[0]["label"] and "第十九条" in confirm[1]["label"]
    by_id = {element.get("id"): element for element in body}
    assert by_id["city"]["attributes"]["options"][-1] == "省直属"
    assert len(by_id["city"]["attributes"]["options"]) == 22
    assert by_id["unit_type"]["attributes"]["options"] == [
        "地级以上市教育局",
        "普通高校",
        "省属学校",
    ]
    assert all(by_id[i]["validations"]["required"] for i in COMMON_FIELD_IDS)


def test_subcategories_and_account_choices() -> None:
    docs = _rendered("github")

    def options(file: str, field_id: str) -> list[str]:
        element = next(e for e in docs[file]["body"] if e.get("id") == field_id)
        return list(element["attributes"]["options"])

    assert options("01-application.yml", "subcategory") == ["操作类", "系统登录类", "培训指导类"]
    assert options("02-technical.yml", "subcategory") == ["数据问题", "系统漏洞"]
    assert options("03-account.yml", "request_type") == [
        "新增账号",
        "权限变更",
        "停用账号",
        "重置密码",
    ]


def test_intro_carries_deadline_and_mailboxes() -> None:
    intro = _rendered("github")["02-technical.yml"]["body"][0]["attributes"]["value"]
    assert "原则上 3 个工作日内答复" in intro
    assert "同时发送至 3448874014@qq.com、gdzzxt@gdedu.gov.cn" in intro
    assert "https://zzxt.example.com/" in intro
    account = _rendered("github")["03-account.yml"]["body"][0]["attributes"]["value"]
    assert "本工具设置的时限，实施细则未规定" in account
    assert "3448874014@qq.com" not in account


@pytest.mark.parametrize("flavor", KIND_NAMES)
def test_committed_templates_are_in_sync(flavor: str) -> None:
    directory = ROOT / forge_kind(flavor).template_dir
    assert stale_files(render_templates(load_policy(), flavor), directory) == []  # type: ignore[arg-type]


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the committed templates, as a repository would hold them."""
    for flavor in KIND_NAMES:
        shutil.copytree(
            ROOT / forge_kind(flavor).template_dir, tmp_path / forge_kind(flavor).template_dir
        )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_check_passes_then_fails_after_a_policy_edit(
    invoke, checkout: Path, policy_text: str, write_policy
) -> None:
    result = invoke("forms", "render", "--check")
    assert result.exit_code == 0, result.stderr
    edited = write_policy(policy_text.replace("020-87777742", "020-12345678"))
    result = invoke("--policy", str(edited), "forms", "render", "--check")
    assert result.exit_code == 1
    assert "01-application.yml" in result.stderr and "config.yml" in result.stderr
    assert "zzxt forms render" in result.stderr
    result = invoke("--policy", str(edited), "forms", "render")
    assert result.exit_code == 0
    assert "020-12345678" in (checkout / ".gitea/ISSUE_TEMPLATE/config.yml").read_text("utf-8")
    assert invoke("--policy", str(edited), "forms", "render", "--check").exit_code == 0


def test_check_notices_a_hand_edit(invoke, checkout: Path) -> None:
    path = checkout / ".github/ISSUE_TEMPLATE/02-technical.yml"
    path.write_text(path.read_text("utf-8").replace("复现步骤", "重现步骤"), "utf-8")
    result = invoke("forms", "render", "--check")
    assert result.exit_code == 1
    assert ".github/ISSUE_TEMPLATE/02-technical.yml" in result.stderr
    assert ".gitea" not in result.stderr


def test_render_to_a_directory(invoke, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("forms", "render", "--flavor", "gitea", "--out", str(out))
    assert result.exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([*FORM_FILES, "config.yml"])
    assert yaml.safe_load((out / "01-application.yml").read_text("utf-8"))["about"]
    result = invoke("forms", "render", "--flavor", "gitea", "--out", str(out), "--check")
    assert result.exit_code == 0


def test_render_drops_our_files_the_policy_no_longer_has(
    invoke, tmp_path: Path, policy_text: str, write_policy
) -> None:
    out = tmp_path / "out"
    invoke("forms", "render", "--flavor", "github", "--out", str(out))
    (out / "notes.yml").write_text("name: 手写的模板\n", "utf-8")
    renamed = write_policy(
        policy_text.replace("file: 04-requirement.yml", "file: 04-suggestion.yml")
    )
    assert (
        invoke(
            "--policy", str(renamed), "forms", "render", "--flavor", "github", "--out", str(out)
        ).exit_code
        == 0
    )
    names = {p.name for p in out.iterdir()}
    assert "04-suggestion.yml" in names
    assert "04-requirement.yml" not in names
    assert "notes.yml" in names  # not ours: left alone, but --check reports it
    result = invoke(
        "--policy",
        str(renamed),
        "forms",
        "render",
        "--flavor",
        "github",
        "--out",
        str(out),
        "--check",
    )
    assert result.exit_code == 1
    assert "notes.yml" in result.stderr


def test_out_needs_a_flavor(invoke, tmp_path: Path) -> None:
    result = invoke("forms", "render", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "--flavor" in result.stderr


def test_unwritable_output_writes_nothing(invoke, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", "utf-8")
    result = invoke("forms", "render", "--flavor", "github", "--out", str(blocker / "forms"))
    assert result.exit_code == 2
    assert "无法创建输出目录" in result.stderr
    assert "Traceback" not in result.stderr

"""`zzxt site build`: a tracker deployment's knowledge base from its own policy and FAQ pages."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.support.paths import ROOT, Invoke
from tracker.kb.entries import load_entries
from tracker.kb.publish import MARKER, SHIM
from tracker.kb.search import FaqIndex
from tracker.policy import default_policy_text, parse_policy

URL = "https://zzxt.jyt.example.cn/kb/"
PHONE = "0771-5555123"
FAQ = ["pwd-forgot-reset.md", "id-number-validation.md"]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tracker checkout: its policy (own address and phone) and two FAQ pages."""
    root = tmp_path_factory.mktemp("tracker")
    text = default_policy_text().replace("https://zzxt.example.com/", URL)
    text = text.replace("020-87777742", PHONE)
    assert URL in text and PHONE in text
    (root / ".zzxt" / "faq").mkdir(parents=True)
    (root / ".zzxt" / "policy.yml").write_text(text, encoding="utf-8")
    for name in FAQ:
        shutil.copy(ROOT / "docs" / "faq" / name, root / ".zzxt" / "faq" / name)
    return root


def build(invoke: Invoke, root: Path, *args: str) -> object:
    return invoke("--policy", str(root / ".zzxt" / "policy.yml"), "site", "build", *args)


@pytest.fixture(scope="module")
def site(deployment: Path) -> tuple[Path, dict[str, object]]:
    from click.testing import CliRunner

    from tracker.cli import cli

    out = deployment / "public"
    result = CliRunner().invoke(
        cli,
        [
            *("--policy", str(deployment / ".zzxt/policy.yml"), "site", "build"),
            *("--faq-dir", str(deployment / ".zzxt/faq"), "--out", str(out), "--json"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    return out, json.loads(result.stdout)


def test_the_site_follows_the_trackers_policy(site: tuple[Path, dict[str, object]]) -> None:
    out, report = site
    assert report["entries"] == 2 and report["url"] == URL and report["file_search"] is False
    home = (out / "index.html").read_text("utf-8")
    assert PHONE in home and "020-87777742" not in home
    assert (out / "guide" / "index.html").is_file()
    assert (out / "stylesheets" / "zzxt.css").is_file()  # the package's own styles
    assert URL in (out / "sitemap.xml").read_text("utf-8")
    assert not (out / "admin").exists()  # this project's documents are not the tracker's
    assert (out / MARKER).is_file()


def test_triage_links_point_at_pages_the_site_has(
    site: tuple[Path, dict[str, object]], deployment: Path, tmp_path: Path
) -> None:
    """The triage bot and the site read the same folder and the same site.url."""
    out, _ = site
    policy = parse_policy((deployment / ".zzxt/policy.yml").read_text("utf-8"), "policy.yml")
    entries = load_entries(deployment / ".zzxt" / "faq", policy)
    index = FaqIndex.build(entries, policy, cache_dir=tmp_path)
    hits = index.search("忘记密码", 5) + index.search("身份证号 校验", 5)
    assert hits
    for hit in hits:
        assert hit.url.startswith(URL)
        assert (out / hit.url.removeprefix(URL)).is_file(), hit.url


def test_rebuild_replaces_the_old_site(
    site: tuple[Path, dict[str, object]], deployment: Path, invoke: Invoke, tmp_path: Path
) -> None:
    """Without the FAQ folder (a warning), with the file:// search shim: the old pages go."""
    out, _ = site
    shim = tmp_path / "shim.js"
    shim.write_text("/* iframe-worker */\n", encoding="utf-8")
    missing = deployment / "no-such-folder"
    result = build(
        invoke, deployment, "--faq-dir", str(missing), "--out", str(out), "--shim", str(shim)
    )
    assert result.exit_code == 0, result.stderr
    assert f"找不到常见问题目录 {missing}" in result.stderr
    assert "常见问题 0 篇" in result.stdout
    assert not list((out / "faq").glob("pwd-forgot-reset*"))
    assert (out / SHIM).read_text("utf-8") == shim.read_text("utf-8")
    assert str(SHIM) in (out / "index.html").read_text("utf-8")
    assert not list(out.parent.glob(".public*"))  # no half-written or old copies left


def test_a_folder_that_is_not_a_site_is_never_emptied(
    deployment: Path, invoke: Invoke, tmp_path: Path
) -> None:
    keep = tmp_path / "www"
    keep.mkdir()
    (keep / "别的网站.html").write_text("<p>保留</p>", encoding="utf-8")
    result = build(
        invoke, deployment, "--faq-dir", str(deployment / ".zzxt/faq"), "--out", str(keep)
    )
    assert result.exit_code == 2
    assert "不是空目录" in result.stderr and "Traceback" not in result.stderr
    assert [p.name for p in keep.iterdir()] == ["别的网站.html"]


def test_an_invalid_faq_page_names_the_file(
    deployment: Path, invoke: Invoke, tmp_path: Path
) -> None:
    faq = tmp_path / "faq"
    faq.mkdir()
    page = (ROOT / "docs" / "faq" / FAQ[0]).read_text("utf-8")
    broken = re.sub(r"(?m)^category: \w+$", "category: nope", page, count=1)
    assert broken != page
    (faq / FAQ[0]).write_text(broken, "utf-8")
    result = build(invoke, deployment, "--faq-dir", str(faq), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert FAQ[0] in result.stderr and "category" in result.stderr
    assert not (tmp_path / "out").exists()

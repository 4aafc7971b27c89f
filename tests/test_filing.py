"""附件1 every September (第七条): `zzxt filing remind` and `export`, and the public contacts page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import Invoke
from tests.support.sandbox import forge_args
from tests.support.tiers import clear_log, repo_state, writes
from tracker.attachments import parse_register
from tracker.bots.filing import filing_cities
from tracker.forge import connect, resolve_settings
from tracker.forge.model import FileChange
from tracker.kb import site
from tracker.policy import default_policy_text, load_policy
from tracker.sandbox import Sandbox, parse_seed

BOT = "t-filing-bot"
REPO = "gdzz/support"
REGISTER = "备案/备案登记.yml"
NOW = "2026-09-03T09:00:00+08:00"


def register_text(*cities: str, year: int = 2026) -> str:
    entries = "".join(
        f"""  - city: {city}
    year: {year}
    filed: {year}-09-0{i + 1}
    phone: 0{i + 20}-8000000{i}
    email: zizhu{i}@example.gov.cn
    head: {{name: 负责人{i}, title: 科长, phone: 0{i + 20}-80000010}}
    technical: {{name: 技术员{i}, phone: 0{i + 20}-80000020, email: it{i}@example.gov.cn}}
"""
        for i, city in enumerate(cities)
    )
    return "filings:\n" + entries


SEED = f"""\
users:
  - {{login: gd-bot, token: {BOT}, type: Bot}}
  - {{login: gz-zizhu}}
  - {{login: fs-a}}
  - {{login: fs-b}}
teams:
  - {{name: gdzz/foshan, members: [fs-a, fs-b]}}
repos:
  - name: {REPO}
    private: true
    # The cities' staff work on the province's tracker: they can be assigned reminders.
    writers: [gd-bot, gz-zizhu, fs-a, fs-b]
    files:
      {REGISTER}: |
{"".join("        " + line + chr(10) for line in register_text("广州市", "深圳市").splitlines())}"""


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(seed=parse_seed(SEED, "test_filing")) as sb:
        yield sb


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    text = default_policy_text().replace(
        "  assignees: {}\n", "  assignees:\n    深圳市: [gz-zizhu]\n    佛山市: [gdzz/foshan]\n"
    )
    path = tmp_path / "policy.yml"
    path.write_text(text, encoding="utf-8")
    return path


def zzxt(invoke: Invoke, policy: Path, *args: str) -> Any:
    return invoke("--policy", str(policy), *args, env={"ZZXT_TOKEN": BOT})


def reminders(sb: Sandbox) -> dict[str, dict[str, Any]]:
    return {
        i["title"].rsplit("：", 1)[1]: i
        for i in repo_state(sb.url, REPO)["issues"]
        if i["title"].startswith("2026年技术支持服务备案表")
    }


@pytest.mark.parametrize("forge", ["gitea", "github"])
def test_remind_opens_one_issue_per_missing_city_and_closes_it_on_filing(
    invoke: Invoke, box: Sandbox, policy: Path, forge: str
) -> None:
    args = ("filing", "remind", *forge_args(box.url, forge, repo=REPO), "--now", NOW)
    sync = invoke("--policy", str(policy), "sync", *forge_args(box.url, forge, repo=REPO), "--apply",
                  env={"ZZXT_TOKEN": BOT})  # fmt: skip
    assert sync.exit_code == 0, sync.stderr
    clear_log(box)
    dry = zzxt(invoke, policy, *args)
    assert dry.exit_code == 0, dry.stderr
    assert "已报送 2 个地市，未报送 19 个" in dry.stdout and writes(box) == []

    done = zzxt(invoke, policy, *args, "--apply", "--json")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["filed"] == ["广州市", "深圳市"]
    opened = reminders(box)
    expected = [c for c in filing_cities(load_policy(policy)) if c not in ("广州市", "深圳市")]
    assert sorted(opened) == sorted(expected) and "省直属" not in opened
    foshan = opened["佛山市"]
    assert foshan["assignees"] == ["fs-a", "fs-b"] and "@gdzz/foshan" in foshan["body"]
    assert set(foshan["labels"]) == {"备案/待报送", "地市/佛山市"}
    assert "第七条" in foshan["body"] and "2026年9月30日前" in foshan["body"]
    assert site.contacts_url(load_policy(policy)) in foshan["body"]
    assert opened["韶关市"]["assignees"] == []

    clear_log(box)
    assert zzxt(invoke, policy, *args, "--apply").exit_code == 0
    assert writes(box) == []

    # 佛山市 files; the province records it in the register in the repository.
    client = connect(resolve_settings({"ZZXT_TOKEN": BOT}, kind=forge, url=box.url, repo=REPO))
    try:
        current = client.read_file(REGISTER)
        assert current is not None
        change = FileChange(
            "update", REGISTER, register_text("广州市", "深圳市", "佛山市"), current.sha
        )
        client.write_files([change], "登记佛山市 2026 年备案表")
    finally:
        client.close()
    closing = zzxt(invoke, policy, *args, "--apply", "--json")
    assert closing.exit_code == 0, closing.stderr
    assert json.loads(closing.stdout)["close"] == [{"city": "佛山市", "number": foshan["number"]}]
    after = reminders(box)
    assert after["佛山市"]["state"] == "closed"
    assert (
        "已登记佛山市 2026 年的备案表（报送日期 2026-09-03）"
        in after["佛山市"]["comments"][-1]["body"]
    )
    assert after["韶关市"]["state"] == "open"
    clear_log(box)
    assert zzxt(invoke, policy, *args, "--apply").exit_code == 0
    assert writes(box) == []


def test_export_summarises_the_year_without_the_excluded_units(
    invoke: Invoke, tmp_path: Path, policy: Path
) -> None:
    register = tmp_path / "备案登记.yml"
    register.write_text(register_text("广州市", "深圳市"), encoding="utf-8")
    out = tmp_path / "附件1-2026.xlsx"
    result = zzxt(invoke, policy, "filing", "export", "--year", "2026", "--register", str(register),
                  "--out", str(out), "--json", "--now", NOW)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["cities"] == 21 and data["filed"] == 2 and "省直属" not in data["missing"]
    assert out.is_file()


def test_the_contacts_page_lists_every_city_of_the_register() -> None:
    policy = load_policy()
    register = parse_register(policy, register_text("广州市", "深圳市", "佛山市"), "登记.yml")
    older = parse_register(policy, register_text("广州市", year=2025), "旧.yml")
    page = site.contacts(
        policy, register.model_copy(update={"filings": [*older.filings, *register.filings]})
    )
    for i, city in enumerate(("广州市", "深圳市", "佛山市")):
        assert f"| {city} | 0{i + 20}-8000000{i} | zizhu{i}@example.gov.cn | 2026 |" in page
    assert "| 韶关市 | 尚未报送 | 尚未报送 | — |" in page
    assert "省直属" not in page
    assert "负责人" not in page.replace("负责人和技术联系人", "")  # only the public contacts
    for number in (1, 2, 3, 4):
        assert f"](<../downloads/附件{number}-" in page
    assert site.CONTACTS in site.pages(policy, [], register)
    city = load_policy(Path(__file__).parents[1] / "tracker/policies/examples/city-foshan.yml")
    assert site.CONTACTS not in site.pages(city, [], None)


def test_the_built_site_offers_the_page_and_the_blank_forms(built_site: Path) -> None:
    page = (built_site / "contacts" / "index.html").read_text("utf-8")
    assert "各市受理电话和邮箱" in page and "韶关市" in page
    names = sorted(p.name for p in (built_site / "downloads").iterdir())
    assert [n.split("-", 1)[0] for n in names] == ["附件1", "附件2", "附件3", "附件4"]
    assert all((built_site / "downloads" / n).read_bytes()[:2] == b"PK" for n in names)

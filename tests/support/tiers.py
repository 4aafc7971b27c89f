"""A province and a city tracker in one sandbox, and the city's policy pointing at it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import httpx

from tests.support.paths import ROOT, Invoke
from tests.support.pii import make_id
from tests.support.sandbox import forge_args
from tracker.bots.rules import Rules
from tracker.forge import connect, resolve_settings
from tracker.forge.model import Forge
from tracker.policy import load_policy
from tracker.sandbox import Sandbox, parse_seed
from tracker.templates.form_body import render_body
from tracker.templates.form_parse import Value

CITY_REPO = "fs/support"
PROVINCE_REPO = "gdzz/support"
CITY_BOT = "t-fs-bot"  # the city's bot on the city tracker
CITY_UP = "t-fs-up"  # the city's account on the province's tracker (ZZXT_UPSTREAM_TOKEN)
PROVINCE_BOT = "t-gd-bot"
PROVINCE_STAFF = "t-gd-staff"
SCHOOL = "t-school"
STUDENT_ID = make_id("440604", date(2010, 5, 1), 77)
EXAMPLE = ROOT / "tracker" / "policies" / "examples" / "city-foshan.yml"

SEED = """\
users:
  - {login: fs-bot, token: t-fs-bot, type: Bot}
  - {login: fs-up, token: t-fs-up}
  - {login: gd-bot, token: t-gd-bot, type: Bot}
  - {login: gd-staff1, token: t-gd-staff}
  - {login: nh-school, token: t-school}
repos:
  - name: fs/support
    private: true
  - name: gdzz/support
    private: true
"""


def sandbox(**options: Any) -> Sandbox:
    return Sandbox(seed=parse_seed(SEED, "tests/support/tiers.py"), **options)


def city_policy(folder: Path, url: str, upstream_forge: str, **replace: str) -> Path:
    """Write the example city policy, extending the built-in one, its upstream in the sandbox."""
    text = EXAMPLE.read_text("utf-8")
    text = text.replace("extends: ../guangdong.yml", "extends: builtin:guangdong.yml")
    text = text.replace(
        "  forge: github\n  url: https://github.com\n  repo: gdzz/support\n",
        f"  forge: {upstream_forge}\n  url: {url}\n  repo: {PROVINCE_REPO}\n",
    )
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    path = folder / "city.yml"
    path.write_text(text, encoding="utf-8")
    return path


def client(url: str, forge: str, token: str, repo: str) -> Forge:
    settings = resolve_settings({"ZZXT_TOKEN": token}, kind=forge, url=url, repo=repo)
    return connect(settings)


def sync_both(invoke: Invoke, url: str, city: str, province: str, policy: Path) -> None:
    """Create every label and form on both trackers, as each level's `zzxt sync` would."""
    for args, repo, forge, token in (
        (["--policy", str(policy)], CITY_REPO, city, CITY_BOT),
        ([], PROVINCE_REPO, province, PROVINCE_BOT),
    ):
        result = invoke(
            *args, "sync", *forge_args(url, forge, repo=repo), "--apply", env={"ZZXT_TOKEN": token}
        )
        assert result.exit_code == 0, result.stderr


def technical_answers(**over: Value) -> dict[str, Value]:
    answers: dict[str, Value] = {
        "city": "佛山市",
        "stage": "义务教育",
        "unit": "佛山市南海区教育局",
        "unit_type": "区县教育局",
        "reporter": "何老师",
        "role": "区资助系统管理员",
        "phone": "13712345678",
        "urgent": "是",
        "summary": "资助名单导入后人数不符",
        "subcategory": "数据问题",
        "module": "资助业务管理 > 名单导入",
        "steps": f"1. 导入名单\n2. 学生 {STUDENT_ID} 的记录丢失",
        "affected": "约 30 条",
        "confirmations": [],
        **over,
    }
    return answers


def open_city_issue(
    url: str, forge: str, policy: Path, category: str = "technical", **over: Value
) -> int:
    """A school files a report on the city's tracker through its form; return the number."""
    rules = Rules.build(load_policy(policy))
    form = next(f for f in rules.forms if f.category == category)
    answers = technical_answers(**over)
    if category != "technical":
        answers = {k: v for k, v in answers.items() if k in {e.id for e in form.elements}}
        answers.update(over)
    city = client(url, forge, SCHOOL, CITY_REPO)
    try:
        title = form.title.replace("XX市", "佛山市").replace("XX学段", str(answers["stage"]))
        issue = city.create_issue(title + str(answers["summary"]), render_body(form, answers), [])
        city.add_labels(issue.number, list(form.labels))
        return issue.number
    finally:
        city.close()


def repo_state(url: str, repo: str) -> dict[str, Any]:
    response = httpx.get(url + "/_sandbox/state")
    response.raise_for_status()
    return dict(response.json()["repos"][repo])


def issue_state(url: str, repo: str, number: int) -> dict[str, Any]:
    return next(i for i in repo_state(url, repo)["issues"] if i["number"] == number)


def writes(sb: Sandbox) -> list[dict[str, Any]]:
    return [
        r
        for r in sb.requests()
        if r["method"] in {"POST", "PUT", "PATCH", "DELETE"} and r["path"].startswith("/api/")
    ]


def clear_log(sb: Sandbox) -> None:
    sb.log.clear()

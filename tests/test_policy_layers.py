"""A city's policy laid over the province's (`extends`), and the tier sections of a policy."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import trustme

from tests.support.paths import ROOT, Invoke
from tracker.errors import PolicyError
from tracker.policy import default_policy_text, load_layers, load_policy

EXAMPLE = ROOT / "tracker" / "policies" / "examples" / "city-foshan.yml"
UPSTREAM = """\
upstream:
  forge: gitea
  url: https://git.gd.example.cn
  repo: gdzz/support
  reporting: {{city: 佛山市, unit: 佛山市教育局, unit_type: 地级以上市教育局, reporter: 资助中心, role: 管理员}}
"""
CITY_HEAD = "schema_version: 1\nlevel: city\nextends: {extends}\n" + UPSTREAM


def city(
    tmp_path: Path, body: str = "", extends: str = "builtin:guangdong.yml", **replace: str
) -> Path:
    path = tmp_path / "city.yml"
    text = CITY_HEAD.format(extends=extends) + body
    for old, new in replace.items():
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_city_keeps_the_provinces_rules_and_changes_its_own() -> None:
    layers = load_layers(EXAMPLE)
    policy, province = layers.policy, load_policy()
    assert layers.files == (str(EXAMPLE), str(ROOT / "tracker" / "policies" / "guangdong.yml"))
    assert layers.upstream == province
    assert policy.level == "city" and policy.service.phone != province.service.phone
    assert policy.accepted_units == ["区县教育局", "中小学校", "幼儿园", "中等职业学校"]
    # Deadlines, categories, stages and labels stay the province's.
    assert [c.deadline for c in policy.categories] == [c.deadline for c in province.categories]
    assert policy.stages == province.stages and policy.labels == province.labels
    # Keyed lists merge item by item: one common field changed, the others kept in order.
    assert [f.id for f in policy.forms.common] == [f.id for f in province.forms.common]
    assert (
        policy.forms.common[0].options == ["佛山市"]
        and policy.forms.common[1] == province.forms.common[1]
    )
    # The city's level has its own tier labels; the province's filing label is not among them.
    names = policy.label_book().names()
    assert {"层级/已报省", "层级/省已答复", "层级/省已办结", "账号/已报省"} <= set(names)
    assert "层级/地市报送" not in names and "备案/待报送" not in names


def test_each_value_remembers_its_file_and_line() -> None:
    layers = load_layers(EXAMPLE)
    text = EXAMPLE.read_text("utf-8").splitlines()
    file, line = layers.origin(("service", "phone")) or ("", 0)
    assert file == str(EXAMPLE) and "phone: 0757" in text[line - 1]
    file, line = layers.origin(("categories", "1", "deadline", "breach")) or ("", 0)
    assert file.endswith("guangdong.yml")
    assert "deadline: {warn: 2, breach: 3}" in default_policy_text().splitlines()[line - 1]


def test_policy_show_names_what_the_city_set_and_sources_lists_every_value(invoke: Invoke) -> None:
    shown = invoke("--policy", str(EXAMPLE), "policy", "show")
    assert shown.exit_code == 0, shown.stderr
    assert (
        "层级：市级" in shown.stdout
        and "上级问题台账：github https://github.com gdzz/support" in shown.stdout
    )
    assert "继承关系：" in shown.stdout and "  service.phone（第 19 行）" in shown.stdout
    assert "  categories" not in shown.stdout  # not set by the city
    sources = invoke("--policy", str(EXAMPLE), "policy", "show", "--sources", "--json")
    data = json.loads(sources.stdout)
    assert data["files"][0] == str(EXAMPLE)
    assert data["values"]["service.phone"]["file"] == str(EXAMPLE)
    assert data["values"]["categories.0.deadline.breach"]["file"].endswith("guangdong.yml")
    whole = json.loads(invoke("--policy", str(EXAMPLE), "policy", "show", "--json").stdout)
    assert whole["level"] == "city" and whole["categories"][0]["key"] == "application"


@pytest.mark.parametrize(
    ("body", "line", "field", "message"),
    [
        ("cities: [佛山市]\n", 9, "cities", "地市名单由上级政策规定，不能修改"),
        (
            "categories:\n  - {key: security, name: 数据安全, description: x, deadline: {warn: 1, breach: 2}}\n",
            10,
            "categories.0",
            "不能新增问题类别",
        ),
        ("stages:\n  - {key: special, name: 特殊教育}\n", 10, "stages.0", "不能新增学段"),
        (
            "categories:\n  - key: application\n    subcategories: [{key: other, name: 其他}]\n",
            11,
            "categories.0.subcategories.0",
            "不能新增子类",
        ),
        ("attachments:\n  summary_sheet: 总表\n", 10, "attachments.summary_sheet", "报送附件"),
        (
            "document:\n  number: 佛教助〔2026〕1号\n",
            10,
            "document.number",
            "所依据的文件由上级政策规定",
        ),
    ],
    ids=["cities", "new-category", "new-stage", "new-subcategory", "attachments", "document"],
)
def test_what_a_city_may_not_change_is_refused_at_its_line(
    tmp_path: Path, body: str, line: int, field: str, message: str
) -> None:
    path = city(tmp_path, body)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    text = caught.value.message
    assert f"{path} 第 {line} 行，字段 {field}：" in text and message in text
    assert "上级政策 <内置>/guangdong.yml" in text


def test_an_invalid_merged_value_names_the_citys_file(tmp_path: Path) -> None:
    path = city(tmp_path, "categories:\n  - {key: technical, deadline: {warn: 4, breach: 3}}\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert f"{path} 第 10 行，字段 categories[1].deadline" in caught.value.message
    assert "提醒线 warn 不能晚于超期线 breach" in caught.value.message


def test_a_city_may_rename_and_retime_what_it_inherits(tmp_path: Path) -> None:
    path = city(
        tmp_path,
        "categories:\n  - {key: technical, deadline: {warn: 1, breach: 2}}\n"
        "stages:\n  - {key: compulsory, name: 义务教育阶段}\n"
        "tiers:\n  labels:\n    - {key: escalated, name: 层级/已报省助学办}\n",
    )
    policy = load_policy(path)
    assert policy.category("technical").deadline.breach == 2
    assert policy.category("technical").name == "技术类问题"
    assert [s.name for s in policy.stages][1] == "义务教育阶段"
    assert policy.label_book().tier("escalated") == "层级/已报省助学办"
    assert policy.label_book().tier("upstream_answered") == "层级/省已答复"  # the default stays


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            UPSTREAM.replace("{{", "{").replace("}}", "}"),
            "",
            "level: city 的政策须写明上级问题台账",
        ),
        (
            "unit_type: 地级以上市教育局",
            "unit_type: 中小学校",
            "中小学校 不是上级政策受理的单位类型",
        ),
        ("city: 佛山市,", "city: 佛山,", "佛山 不在 cities 中"),
        (
            "level: city\n",
            "level: city\ntiers:\n  labels: [{key: escalate, name: 层级/报省}]\n",
            "未知的层级标签 key escalate",
        ),
        (
            "level: city\n",
            "level: city\nsla: {exempt_labels: [from_city]}\n",
            "没有 key 为 from_city 的固定标签",
        ),
    ],
    ids=["no-upstream", "unit-type", "city", "tier-key", "exempt-other-level"],
)
def test_tier_sections_are_checked(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(city(tmp_path, **{old: new}))
    assert message in caught.value.message


def test_a_province_has_no_upstream_and_state_keys_must_be_unique(write_policy) -> None:
    text = default_policy_text()
    with pytest.raises(PolicyError) as caught:
        load_policy(write_policy(text + "upstream:\n  forge: gitea\n  url: https://x.cn\n  repo: a/b\n"
                                 "  reporting: {city: 佛山市, unit: u, unit_type: 普通高校, reporter: r, role: r}\n"))  # fmt: skip
    assert "只有 level: city 的政策才有上级问题台账" in caught.value.message
    clash = text.replace("key: account_gathered", "key: pending")
    with pytest.raises(PolicyError) as caught:
        load_policy(write_policy(clash))
    assert "标签 key pending 与其他标签重复" in caught.value.message


def test_extends_chains_are_bounded_and_loops_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("extends: b.yml\n", encoding="utf-8")
    (tmp_path / "b.yml").write_text("extends: a.yml\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path / "a.yml")
    assert "extends 形成了循环" in caught.value.message
    missing = city(tmp_path, extends="../nowhere/province.yml")
    with pytest.raises(PolicyError) as caught:
        load_policy(missing)
    assert "找不到上级政策文件" in caught.value.message and "nowhere" in caught.value.message
    plain = city(tmp_path, extends="http://policy.example.cn/gd.yml")
    with pytest.raises(PolicyError) as caught:
        load_policy(plain)
    assert "不接受 http:// 地址" in caught.value.message


@pytest.fixture(scope="module")
def https_policy() -> Iterator[tuple[str, trustme.CA]]:
    """The province's policy served over https by a local server with a throwaway CA."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    body = default_policy_text().encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/policies/guangdong.yml":
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", ca
    finally:
        server.shutdown()
        server.server_close()


def test_extends_over_https_names_the_address(
    https_policy: tuple[str, trustme.CA], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, ca = https_policy
    with ca.cert_pem.tempfile() as bundle:
        monkeypatch.setenv("SSL_CERT_FILE", bundle)
        layers = load_layers(city(tmp_path, extends=f"{base}/policies/guangdong.yml"))
        assert layers.files[1] == f"{base}/policies/guangdong.yml"
        file, line = layers.origin(("service", "phone")) or ("", 0)
        assert file == f"{base}/policies/guangdong.yml"
        assert "phone: 020-87777742" in default_policy_text().splitlines()[line - 1]
        assert layers.policy.categories == load_policy().categories
        with pytest.raises(PolicyError) as caught:
            load_policy(city(tmp_path, extends=f"{base}/policies/missing.yml"))
        assert (
            f"无法获取上级政策 {base}/policies/missing.yml：服务器返回 HTTP 404"
            in caught.value.message
        )
    # Without the CA the certificate is not trusted: refused, and the address is named.
    monkeypatch.delenv("SSL_CERT_FILE")
    with pytest.raises(PolicyError) as caught:
        load_policy(city(tmp_path, extends=f"{base}/policies/guangdong.yml"))
    assert f"无法获取上级政策 {base}/policies/guangdong.yml" in caught.value.message

"""The policy's deploy section: pinned sources only, Chinese errors, nothing a shell could run."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tracker.errors import PolicyError
from tracker.policy import Deploy, default_policy_text, parse_policy
from tracker.templates.deployment import for_tracker
from tracker.templates.workflows import render_workflows

SHA = "0" * 64


def with_deploy(block: str) -> str:
    return default_policy_text() + "\ndeploy:\n" + block


@pytest.mark.parametrize(
    "block",
    [
        "  zzxt: zzxt==0.2.0\n",
        "  zzxt: zzxt==1.0.0rc1\n",
        "  zzxt: https://mirrors.example.cn/zzxt/zzxt-0.2.0-py3-none-any.whl\n",
        f"  zzxt: https://mirrors.example.cn/zzxt-0.2.0-py3-none-any.whl#sha256={SHA}\n",
        "  zzxt: file:///srv/wheels/zzxt-0.2.0-py3-none-any.whl\n",
        "  zzxt: git+https://gitea.example.cn/gdzz/zzxt.git@v0.2.0\n",
        "  zzxt: git+ssh://git@gitea.example.cn/gdzz/zzxt.git@3f2c1e9\n",
        "  index_url: http://10.1.2.3:8080/simple\n  python: '3.13'\n  runs_on: intranet-01\n",
        "  pages: true\n",
    ],
    ids=[
        "版本",
        "预发布版本",
        "wheel",
        "wheel 带校验和",
        "本地 wheel",
        "git 标签",
        "git ssh 提交",
        "内网软件源",
        "Pages",
    ],
)
def test_accepted(block: str) -> None:
    assert parse_policy(with_deploy(block), "p.yml").deploy


@pytest.mark.parametrize(
    ("block", "words"),
    [
        ("  zzxt: zzxt>=0.2\n", "没有固定版本"),
        ("  zzxt: zzxt\n", "没有固定版本"),
        ("  zzxt: git+https://gitea.example.cn/gdzz/zzxt.git\n", "@标签"),
        ("  zzxt: https://example.cn/other-1.0-py3-none-any.whl\n", "无法识别"),
        ('  zzxt: "zzxt==0.2.0; curl x | sh"\n', "无法识别"),
        ("  index_url: ftp://mirror.example.cn/simple\n", "软件源地址"),
        ("  python: 3.10\n", "须加引号"),
        ("  python: '3.9'\n", "3.11 及以上"),
        ("  runs_on: ubuntu latest\n", "运行器标签"),
        ('  zzxt: "https://x.cn/${{ secrets.ZZXT_TOKEN }}/zzxt-1-py3-none-any.whl"\n', "无法识别"),
    ],
    ids=[
        "范围",
        "无版本",
        "git 无标签",
        "不是 zzxt",
        "夹带命令",
        "ftp",
        "未加引号",
        "过旧",
        "空格",
        "表达式",
    ],
)
def test_refused_with_file_line_and_field(block: str, words: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(with_deploy(block), "p.yml")
    message = caught.value.message
    assert words in message and "p.yml 第 " in message and "deploy." in message


UNSAFE = set(" \t\n\"'`$\\{}<>|;")
POLICY = parse_policy(default_policy_text(), "p.yml")
ANY = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
# Mostly near misses: the accepted shapes with arbitrary text where a path or version goes.
SOURCES = st.one_of(
    ANY,
    st.builds("zzxt=={}".format, ANY),
    st.builds("https://mirrors.example.cn/{}/zzxt-{}.whl".format, ANY, ANY),
    st.builds("git+https://gitea.example.cn/{}.git@{}".format, ANY, ANY),
)


@settings(max_examples=400, deadline=None)
@given(SOURCES)
def test_an_accepted_source_is_inert_in_a_workflow(value: str) -> None:
    """Whatever gets through validation reaches the workflow verbatim and cannot run as code."""
    try:
        deploy = Deploy.model_validate({"zzxt": value})
    except ValidationError:
        return
    assert deploy.zzxt == value
    assert not (UNSAFE & set(value)), value
    assert "${{" not in value
    flows = render_workflows(
        for_tracker(POLICY.model_copy(update={"deploy": deploy}), "github", "0.1.0")
    )
    install = yaml.safe_load(flows["sla.yml"])["jobs"]["sla"]["steps"][2]
    assert install["env"]["ZZXT_PACKAGE"] in {value, f"zzxt @ {value}", "zzxt==0.1.0"}

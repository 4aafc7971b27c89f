"""Binary files through both clients and the sandbox: a .docx comes back byte for byte."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator

import pytest
from docx import Document

from tests.support.sandbox import state
from tests.support.specs import checker_for
from tracker.bots.writer import Writer
from tracker.errors import ForgeError
from tracker.forge import connect, forge_kind, resolve_settings
from tracker.forge.model import FileChange, Forge
from tracker.sandbox import Sandbox, parse_seed
from tracker.sandbox.state import blob_sha

SEED = """\
users:
  - {login: zzxt-bot, token: t-binary-bot, type: Bot}
repos:
  - name: gdzz/support
    private: true
    writers: [zzxt-bot]
    files:
      README.md: 资助系统技术支持
"""


def docx_bytes(words: str) -> bytes:
    document = Document()
    document.add_paragraph(words)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(params=["gitea", "github"])
def pair(request: pytest.FixtureRequest) -> Iterator[tuple[Sandbox, Forge]]:
    with Sandbox(seed=parse_seed(SEED, "binary"), record_bodies=True) as sb:
        settings = resolve_settings(
            {"ZZXT_TOKEN": "t-binary-bot"}, kind=request.param, url=sb.url, repo="gdzz/support"
        )
        client = connect(settings)
        try:
            yield sb, client
        finally:
            client.close()


def test_a_docx_is_byte_identical_after_the_round_trip(pair: tuple[Sandbox, Forge]) -> None:
    sb, client = pair
    first, second = docx_bytes("关于2026年11月的通报"), docx_bytes("改过的通报")
    png = bytes(range(256)) * 4  # every byte value, none of it UTF-8 text
    client.write_files(
        [
            FileChange("create", "reports/2026-11/通报.docx", data=first),
            FileChange("create", "reports/2026-11/图.png", data=png),
            FileChange("create", "reports/2026-11/report.md", "# 通报\n"),
        ],
        "月度通报",
    )
    read = client.read_file("reports/2026-11/通报.docx")
    assert read is not None
    assert read.content == first and read.data == first
    assert read.text == ""  # not text: nobody should mistake it for any
    assert read.sha == blob_sha(first)  # git's blob id, as both forges report it
    image = client.read_file("reports/2026-11/图.png")
    assert image is not None and image.content == png
    markdown = client.read_file("reports/2026-11/report.md")
    assert markdown is not None and markdown.text == "# 通报\n"

    client.write_files(
        [FileChange("update", "reports/2026-11/通报.docx", sha=read.sha, data=second)], "更新"
    )
    again = client.read_file("reports/2026-11/通报.docx")
    assert again is not None and again.content == second
    assert Document(io.BytesIO(again.content)).paragraphs[0].text == "改过的通报"
    # What the server stored is the bytes themselves, not their text or base64.
    stored = state(sb.url)["repos"]["gdzz/support"]["files"]["reports/2026-11/通报.docx"]
    assert bytes.fromhex(stored) == second
    assert checker_for(client.kind).check_all(sb.requests()).problems == []


def test_a_file_above_one_megabyte_is_read_whole(pair: tuple[Sandbox, Forge]) -> None:
    """GitHub leaves the content of a file over 1 MB out of the contents API: the blob API has it."""
    sb, client = pair
    big = random.Random(7).randbytes(1024 * 1024 + 17)
    client.write_files([FileChange("create", "reports/数据.xlsx", data=big)], "大文件")
    read = client.read_file("reports/数据.xlsx")
    assert read is not None and read.content == big
    blob_reads = [r for r in sb.requests() if "/git/blobs/" in r["path"]]
    assert len(blob_reads) == (1 if forge_kind(client.kind).uses_marketplace_actions else 0)
    assert checker_for(client.kind).check_all(sb.requests()).problems == []


def test_the_writer_reads_bytes_back_after_a_refusal(pair: tuple[Sandbox, Forge]) -> None:
    """A create refused because the file is there already counts as done when its bytes match."""
    _, client = pair
    data = docx_bytes("同一份通报")
    client.write_files([FileChange("create", "reports/通报.docx", data=data)], "第一次")
    writer = Writer(client, apply=True)
    writer.write_files([FileChange("create", "reports/通报.docx", data=data)], "第二次")
    assert [a.kind for a in writer.actions] == ["write_files"]
    other = Writer(client, apply=True)
    with pytest.raises(ForgeError, match=r"写入文件 reports/通报\.docx 失败"):
        other.write_files([FileChange("create", "reports/通报.docx", data=b"other")], "第三次")


def test_the_repository_names_its_default_branch(pair: tuple[Sandbox, Forge]) -> None:
    _, client = pair
    assert client.repository().default_branch == "main"

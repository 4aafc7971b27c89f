"""The report's files: opened by python-docx, openpyxl, LibreOffice and a CommonMark parser.

LibreOffice tests need Debian's libreoffice-writer, libreoffice-calc and
poppler-utils (pdftotext). Without them they are skipped, unless
ZZXT_REQUIRE_BROWSER=1 (set by .ci/run), which makes a missing program a failure.
Charts need fonts-noto-cjk.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

import pytest
from docx import Document
from docx.oxml.ns import qn
from markdown_it import MarkdownIt
from matplotlib import font_manager
from matplotlib.figure import Figure
from openpyxl import load_workbook

from tests.test_report_figures import (
    AFTER_Q4,
    APP,
    COMMENTS,
    GZ,
    ISSUES,
    POLICY,
    Q4,
    RESPONDERS,
    RULES,
    body,
    build,
    issue,
)
from tracker.errors import InputError
from tracker.report.charts import cjk_font
from tracker.report.figures import Report, compute
from tracker.report.write import write_report
from tracker.usertext import inline

FILES = {
    "通报.docx",
    "数据.xlsx",
    "report.md",
    *(
        f"{name}.{ext}"
        for name in ("每周受理量", "各地市按时答复率", "首次答复用时分布")
        for ext in ("png", "svg")
    ),
}
# A hostile title and unit: a spreadsheet formula and error value, Markdown table breakers, HTML.
HOSTILE_TITLE = '=HYPERLINK("http://x","点我")|<script>alert(1)</script>[链接](http://y)\x07'
HOSTILE_UNIT = "#N/A"


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("ZZXT_REQUIRE_BROWSER"):
        pytest.fail(f"{reason}（ZZXT_REQUIRE_BROWSER 已设置）")
    pytest.skip(reason)


def hostile_report() -> Report:
    """The fixture plus issue 30 (Guangzhou, application, never answered: overdue)."""
    text = body("广州市", "义务教育", HOSTILE_UNIT, "地级以上市教育局")
    bad = replace(
        issue(30, GZ, "义务教育", (APP,), "2025-11-11T10:00", text=text), title=HOSTILE_TITLE
    )
    return compute([*ISSUES, bad], COMMENTS, RULES, RESPONDERS, Q4, AFTER_Q4)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("report")
    write_report(hostile_report(), POLICY, directory)
    return directory


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """The soffice command, with a profile of its own (other users' LibreOffice stays apart)."""
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        unavailable("没有 LibreOffice（apt-get install libreoffice-writer libreoffice-calc）")
    if shutil.which("pdftotext") is None:
        unavailable("没有 pdftotext（apt-get install poppler-utils）")
    profile = tmp_path_factory.mktemp("lo-profile")
    yield [program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore"]


def convert(office: list[str], source: Path, target: str, into: Path) -> None:
    subprocess.run(
        [*office, "--convert-to", target, "--outdir", str(into), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_file_is_written_and_no_temp_file_is_left(out: Path) -> None:
    assert {p.name for p in out.iterdir()} == FILES


def test_docx_is_a4_with_chinese_fonts_set_for_east_asian_text(out: Path) -> None:
    document = Document(str(out / "通报.docx"))
    section = document.sections[0]
    assert section.page_width is not None and section.page_height is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "关于2025年第四季度资助系统技术支持服务情况的通报"
    assert paragraphs[1] == "各地级以上市教育局、各普通高校、各省属学校："

    def east_asian(style: str) -> str | None:
        fonts = document.styles[style].element.rPr.rFonts
        return fonts.get(qn("w:eastAsia"))

    assert east_asian("Normal") == "仿宋"
    assert east_asian("通报正文") == "仿宋"
    assert east_asian("通报标题") == "黑体"
    assert east_asian("通报一级标题") == "黑体"
    assert document.paragraphs[0].style.name == "通报标题"


def test_docx_renders_in_libreoffice(out: Path, office: list[str], tmp_path: Path) -> None:
    convert(office, out / "通报.docx", "pdf", tmp_path)
    pdf = tmp_path / "通报.pdf"
    layout = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True)
    assert "CJK" in fonts.stdout  # Chinese text drawn with a CJK font, not boxes
    flat = squeeze(layout)
    assert "关于2025年第四季度资助系统技术支持服务情况的通报" in flat
    assert squeeze("2025年第四季度，全省共受理资助系统技术支持问题 15 个") in flat
    assert squeeze("到期应答复的 10 个问题中，按时答复 5 个") in flat
    # The city ranking, best first, one row per line: rank, city, received, due, on time,
    # late, overdue, rate, median hours.
    rows = [squeeze(line) for line in layout.splitlines()]
    expected = [
        "1省直属5430175.0%0.5",
        "2广州市5522140.0%14.0",
        "3深圳市410010.0%—",
        "—珠海市10000——",
    ]
    found = [rows.index(row) for row in expected]
    assert found == sorted(found)


def test_xlsx_tables_in_openpyxl(out: Path) -> None:
    book = load_workbook(out / "数据.xlsx")
    assert book.sheetnames[:7] == [
        "汇总",
        "按地市",
        "按报送单位",
        "按单位类型",
        "按学段",
        "按类别",
        "按首位答复人",
    ]
    assert {"排名-地市", "排名-普通高校", "排名-省属学校", "按周", "超期清单", "问题明细"} <= set(
        book.sheetnames
    )
    cities = book["按地市"]
    header = [c.value for c in cities[1]]
    guangzhou = next(
        row for row in cities.iter_rows(min_row=2, values_only=True) if row[0] == "广州市"
    )
    values = dict(zip(header, guangzhou, strict=True))
    assert values["受理"] == 5 and values["按时答复"] == 2 and values["超期答复"] == 2
    assert values["超期未答复"] == 1  # the hostile issue 30, never answered
    assert values["按时答复率"] == pytest.approx(0.4)
    assert cities.cell(row=2, column=header.index("按时答复率") + 1).number_format == "0.0%"
    issues = book["问题明细"]
    assert issues.max_row == 1 + 15
    titles = {row[0]: row[1] for row in issues.iter_rows(min_row=2, values_only=True)}
    # Text, not a formula or an error value; the control character is dropped.
    assert titles[30] == HOSTILE_TITLE.rstrip("\x07")
    row = next(r for r in issues.iter_rows(min_row=2) if r[0].value == 30)
    assert (row[1].data_type, row[3].data_type, row[3].value) == ("s", "s", "#N/A")


def test_xlsx_opens_in_libreoffice(out: Path, office: list[str], tmp_path: Path) -> None:
    # Every sheet to its own CSV (sheet -1), UTF-8 (76), comma-separated (44).
    convert(
        office,
        out / "数据.xlsx",
        "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
        tmp_path,
    )
    with (tmp_path / "数据-按地市.csv").open(encoding="utf-8") as handle:
        cities = list(csv.reader(handle))
    assert cities[0][:2] == ["地市", "受理"]
    assert [row[0] for row in cities[1:]] == ["广州市", "深圳市", "珠海市", "省直属"]
    with (tmp_path / "数据-问题明细.csv").open(encoding="utf-8") as handle:
        details = {row[0]: row for row in csv.reader(handle)}
    assert details["30"][1] == HOSTILE_TITLE.rstrip("\x07")  # shown as text, not computed
    assert details["30"][3] == "#N/A"


def test_markdown_is_commonmark_with_user_text_kept_as_text(out: Path) -> None:
    text = (out / "report.md").read_text("utf-8")
    assert text.startswith("# 关于2025年第四季度资助系统技术支持服务情况的通报\n")
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    assert not [t for t in tokens if t.type in ("html_block", "html_inline")]
    runs = [t for t in tokens if t.type == "inline"]
    assert not [c for t in runs for c in t.children or [] if c.type in ("html_inline", "link_open")]
    # Every table row has as many cells as its header.
    html = MarkdownIt("commonmark").enable("table").render(text)
    for table in re.findall(r"<table>.*?</table>", html, re.S):
        widths = {
            len(re.findall(r"<t[hd]", row)) for row in re.findall(r"<tr>.*?</tr>", table, re.S)
        }
        assert len(widths) == 1
    # Shown as typed (masked, one line), and no auto-link forms where GitHub or Gitea links
    # bare addresses after resolving escapes: report publish puts this text in an issue.
    assert inline(HOSTILE_TITLE) in text
    shown = re.sub(r"<[^>]+>", "", html).replace("&quot;", '"')
    assert "HYPERLINK(" in shown and "http://" not in shown
    assert "![各地市按时答复率](各地市按时答复率.svg)" in text


def test_charts_draw_every_glyph_from_the_cjk_font(tmp_path: Path) -> None:
    family = cjk_font()
    path = font_manager.findfont(
        font_manager.FontProperties(family=family), fallback_to_default=False
    )
    assert "NotoSansCJK" in str(path) or "SourceHan" in str(path) or "wqy" in str(path).lower()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        write_report(build(), POLICY, tmp_path)
    assert not [w for w in caught if "missing" in str(w.message).lower()]


def test_missing_glyphs_would_be_caught(tmp_path: Path) -> None:
    """The check above can fail: a Latin-only font warns about every hanzi."""
    figure = Figure()
    figure.text(0.5, 0.5, "汉字", family="DejaVu Sans")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(tmp_path / "tofu.png")
    assert [w for w in caught if "missing" in str(w.message).lower()]


def test_svg_is_reproducible(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    write_report(build(), POLICY, first)
    write_report(build(), POLICY, second)
    for name in ("每周受理量.svg", "各地市按时答复率.svg"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
        assert b"<text" not in (first / name).read_bytes()  # glyphs are paths


def test_nothing_is_replaced_when_one_file_cannot_be(tmp_path: Path) -> None:
    (tmp_path / "通报.docx").write_bytes(b"old")
    (tmp_path / "数据.xlsx").mkdir()
    with pytest.raises(InputError, match=r"同名的文件夹：数据\.xlsx"):
        write_report(build(), POLICY, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["数据.xlsx", "通报.docx"]
    assert (tmp_path / "通报.docx").read_bytes() == b"old"


def test_an_output_path_that_is_a_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="无法创建输出目录"):
        write_report(build(), POLICY, tmp_path / "file")

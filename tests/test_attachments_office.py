"""The exported workbooks in LibreOffice: they open, compute their formulas and print as forms.

Needs Debian's `libreoffice-calc` (headless conversion to PDF) and `poppler-utils`
(pdftotext, pdfinfo). Without them these tests are skipped, unless
ZZXT_REQUIRE_BROWSER=1 (set by .ci/run), which makes a missing program a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

from tests.test_attachments import META, POLICY, STUDENT_ID, application, technical
from tracker.attachments import export_workbook, write_templates
from tracker.attachments.layout import layout

TIMEOUT = 240


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("ZZXT_REQUIRE_BROWSER"):
        pytest.fail(f"{reason}（ZZXT_REQUIRE_BROWSER 已设置）")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def soffice() -> str:
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        unavailable("没有 LibreOffice（apt-get install libreoffice-calc）")
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        unavailable("没有 pdftotext、pdfinfo（apt-get install poppler-utils）")
    return program


def to_pdf(soffice: str, files: list[Path], folder: Path) -> list[Path]:
    """Convert workbooks headless, with a profile of our own so no other instance interferes."""
    profile = folder / "lo-profile"
    result = subprocess.run(
        [
            soffice,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    pdfs = [folder / f"{f.stem}.pdf" for f in files]
    missing = [p.name for p in pdfs if not p.is_file()]
    assert not missing, f"LibreOffice 未能转换 {missing}：{result.stdout}{result.stderr}"
    return pdfs


def pdf_text(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    return subprocess.run(
        ["pdftotext", "-layout", *pages, str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def pdf_info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines())}


def test_exported_form_prints_as_an_office_form(soffice: str, tmp_path: Path) -> None:
    rows = [
        application(12, detail=f"学生身份证号 {STUDENT_ID} 导入失败"),
        application(14),
        technical(13),
        technical(15, stage="普通高中"),
    ]
    xlsx = tmp_path / "附件2.xlsx"
    export_workbook(POLICY, 2, rows, META, xlsx)
    (pdf,) = to_pdf(soffice, [xlsx], tmp_path)
    info = pdf_info(pdf)
    # One page per stage sheet and one for the summary; the hidden drop-down lists do not print.
    assert info["Pages"] == str(len(POLICY.stages) + 1)
    width, height = map(float, re.findall(r"[\d.]+", info["Page size"])[:2])
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    first = pdf_text(pdf, 1, 1)
    assert "附件2" in first
    assert "全国学生资助管理信息系统应用类及技术类问题反馈表" in first
    assert "填报单位（盖章）：广州市教育局" in first and "学段：学前教育" in first
    headers = [c.header for c in layout(POLICY, 2).columns]
    header_line = r"\s+".join(map(re.escape, headers))
    assert re.search(header_line, first), first
    everything = pdf_text(pdf)
    assert "导入资助名单时提示模板格式错误" in everything
    assert (
        STUDENT_ID not in everything
        and f"{STUDENT_ID[:4]}**********{STUDENT_ID[-4:]}" in everything
    )
    # The summary's formulas are computed: 义务教育 has two application and one technical problem.
    summary = pdf_text(pdf, len(POLICY.stages) + 1)
    assert re.search(r"义务教育\s+2\s+1\s+3", summary), summary
    assert re.search(r"普通高中\s+0\s+1\s+1", summary), summary
    assert re.search(r"合计\s+2\s+2\s+4", summary), summary


def test_blank_templates_print_their_titles(soffice: str, tmp_path: Path) -> None:
    files = write_templates(POLICY, tmp_path / "templates")
    pdfs = to_pdf(soffice, files, tmp_path)
    for number, pdf in zip((1, 2, 3, 4), pdfs, strict=True):
        form = layout(POLICY, number)
        text = pdf_text(pdf, 1, 1)
        assert f"附件{number}" in text and form.title in text
        assert re.search(r"\s+".join(re.escape(c.header) for c in form.columns[:6]), text), text

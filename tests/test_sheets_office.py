"""A 附件2 exported from a tracker, opened and printed by LibreOffice: the form's title and header.

Needs Debian's `libreoffice-calc` and `poppler-utils`, as tests/test_attachments_office.py does
(skipped without them unless ZZXT_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.paths import Invoke
from tests.support.sandbox import forge_args
from tests.test_attachments_office import pdf_text, soffice, to_pdf
from tests.test_sheets_forge import SOURCE, box, file_issue, sync, zzxt
from tracker.attachments.layout import layout
from tracker.policy import load_policy
from tracker.sandbox import Sandbox

__all__ = ["box", "soffice"]  # fixtures shared with the modules they come from


def test_a_form_exported_from_the_tracker_prints_its_title_and_header(
    invoke: Invoke, box: Sandbox, soffice: str, tmp_path: Path
) -> None:
    sync(invoke, box, "gitea", SOURCE)
    file_issue(box, "gitea", "application")
    file_issue(box, "gitea", "technical", summary="统计报表缺少已审核数据")
    xlsx = tmp_path / "附件2-台账导出.xlsx"
    result = zzxt(invoke, "attachments", "export", "--form", "2", *forge_args(box.url, "gitea", repo=SOURCE),
                  "--out", str(xlsx), "--period", "2025年10月")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    (pdf,) = to_pdf(soffice, [xlsx], tmp_path)
    form = layout(load_policy(), 2)
    first = pdf_text(pdf, 1, 1)
    assert "附件2" in first and form.title in first
    assert "填报单位（盖章）：广东省教育厅学生资助工作管理办公室" in first
    assert re.search(r"\s+".join(re.escape(c.header) for c in form.columns), first), first
    second = pdf_text(pdf, 2, 2)  # 义务教育, the second stage sheet, holds both problems
    assert "名单导入提示格式错误" in second and "统计报表缺少已审核数据" in second

"""Write every file of a report into one directory, all or none."""

from __future__ import annotations

from pathlib import Path

from tracker.policy import Policy
from tracker.report.charts import write_charts
from tracker.report.docx import write_docx
from tracker.report.figures import Report
from tracker.report.markdown import write_markdown
from tracker.report.output import staging
from tracker.report.xlsx import write_xlsx


def write_report(report: Report, policy: Policy, directory: Path) -> list[Path]:
    """Write 通报.docx, 数据.xlsx, the charts (PNG and SVG) and report.md; return their paths."""
    with staging(directory) as stage:
        charts = write_charts(report, stage)
        write_docx(report, policy, charts, stage)
        write_xlsx(report, stage)
        write_markdown(report, policy, charts, stage)
        return stage.commit()

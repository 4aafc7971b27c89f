"""report.md: the notice as Markdown, for the tracker or a wiki; charts linked as SVG.

Names taken from issues (units, titles) are data: they go through
`tracker.usertext.inline`, as everything else the bots write, so no table,
link, image, HTML, mention or auto-link can be injected when the text is shown
on the tracker (zzxt report publish puts it in an issue).
"""

from __future__ import annotations

from pathlib import Path

from tracker.policy import Policy
from tracker.report import text
from tracker.report.charts import Chart
from tracker.report.figures import GROUP_NAMES, OUTCOME_NAMES, Outcome, Report
from tracker.report.output import Staging
from tracker.usertext import inline

MAX_LISTED = 200


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def render(report: Report, policy: Policy, charts: list[Chart]) -> str:
    """Return the Markdown text of the report."""
    t = report.total
    lines = [
        f"# {text.title(report)}",
        "",
        text.addressees(policy),
        "",
        text.opening(policy, report),
        "",
    ]
    lines += ["## 总体情况", "", text.summary(report), ""]
    if report.provisional_years:
        lines += [f"> {text.provisional(report)}", ""]
    lines += _table(
        ["受理", "到期应答复", *OUTCOME_NAMES.values(), "按时答复率"],
        [
            [
                str(t.received),
                str(t.judged),
                *(str(count) for count in t.outcomes().values()),
                text.percent(t.on_time_rate),
            ]
        ],
    )
    lines += _table(
        ["类别", "受理"], [[inline(name), str(count)] for name, count in t.by_category.items()]
    )
    for ranking in report.rankings:
        lines += [f"## 各{inline(ranking.title)}答复情况", ""]
        if not ranking.rows:
            lines += [f"统计期内没有{inline(ranking.title)}报送的问题。", ""]
            continue
        lines += _table(
            [
                "排名",
                GROUP_NAMES[ranking.by],
                *("受理", "到期应答复", "按时答复", "超期答复", "超期未答复", "按时答复率"),
                "答复用时中位数（工作小时）",
            ],
            [
                [
                    str(place) if place else "—",
                    inline(g.name),
                    str(g.figures.received),
                    str(g.figures.judged),
                    str(g.figures.on_time),
                    str(g.figures.late),
                    str(g.figures.overdue),
                    text.percent(g.figures.on_time_rate),
                    text.number(g.figures.median_hours),
                ]
                for place, g in ranking.rows
            ],
        )
    lines += ["## 超过答复时限的问题", ""]
    missed = report.missed()
    if missed:
        lines += _table(
            ["编号", "标题", "地市", "报送单位", "类别", "答复期限", "首次答复", "结果"],
            [
                [
                    f"#{r.number}",
                    inline(r.title),
                    inline(r.city),
                    inline(r.unit),
                    inline(r.category),
                    text.moment(r.due),
                    text.moment(r.responded_at),
                    OUTCOME_NAMES[r.outcome]
                    + ("（已关闭）" if r.outcome is Outcome.OVERDUE and not r.open_at_end else ""),
                ]
                for r in missed[:MAX_LISTED]
            ],
        )
        if len(missed) > MAX_LISTED:
            lines += [f"另有 {len(missed) - MAX_LISTED} 个未列出，完整清单见数据.xlsx。", ""]
    else:
        lines += ["统计期内没有超过答复时限的问题。", ""]
    if charts:  # without them (the monthly issue links to the files instead), no heading
        lines += ["## 图表", ""]
        lines += [f"![{c.name}]({c.name}.svg)\n" for c in charts]
    lines += [
        f"统计期 {report.period.since.isoformat()} 至 {report.period.until.isoformat()}，"
        f"数据截至 {text.moment(report.as_of)}；工作小时按办公时段 "
        f"{'、'.join(report.settings.office_hours)} 计算，只计工作日。",
        "",
    ]
    return "\n".join(lines)


def write_markdown(report: Report, policy: Policy, charts: list[Chart], stage: Staging) -> Path:
    path = stage.path("report.md")
    path.write_text(render(report, policy, charts), encoding="utf-8", newline="\n")
    return path

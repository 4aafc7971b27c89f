"""The report's charts as PNG (for the Word document) and SVG, drawn in a CJK font.

Text is drawn with one CJK font found through matplotlib's font manager (Debian's
fonts-noto-cjk first); without one the report stops rather than print boxes.
SVG text is converted to paths, so it looks the same on any machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from tracker.errors import ZzxtError
from tracker.report.figures import Report
from tracker.report.output import Staging
from tracker.report.text import percent

# Simplified-Chinese faces first; a Japanese face of the same collection still has every hanzi.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans CJK JP",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
)
COLORS = ("#1d76db", "#d93f0b", "#0e8a16", "#5319e7", "#8b8b8b", "#fbca04")


@dataclass(frozen=True)
class Chart:
    key: str
    name: str  # file name without extension, and the caption
    png: Path
    svg: Path


def cjk_font() -> str:
    """Return the family of an installed CJK font, or stop with what to install."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    raise ZzxtError(
        "找不到可用于图表的中文字体，图中汉字会显示为方框。"
        "请安装 Noto CJK 字体（Debian/Ubuntu：apt-get install fonts-noto-cjk）后重试。"
    )


@contextmanager
def _style(family: str) -> Iterator[None]:
    with matplotlib.rc_context(
        {
            "font.family": [family],
            "font.size": 10,
            "axes.unicode_minus": False,
            "svg.fonttype": "path",
            "svg.hashsalt": "zzxt-report",
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    ):
        yield


def write_charts(report: Report, stage: Staging) -> list[Chart]:
    """Draw the three charts into staged PNG and SVG files."""
    family = cjk_font()
    charts = []
    with _style(family):
        for key, name, draw in (
            ("weekly", "每周受理量", _weekly),
            ("city_rate", "各地市按时答复率", _city_rate),
            ("reply_time", "首次答复用时分布", _reply_time),
        ):
            figure = draw(report)
            png, svg = stage.path(f"{name}.png"), stage.path(f"{name}.svg")
            figure.savefig(png, format="png", dpi=150)
            figure.savefig(svg, format="svg", metadata={"Date": None})
            charts.append(Chart(key, name, png, svg))
    return charts


def _weekly(report: Report) -> Figure:
    figure = Figure(figsize=(8, 4.2), layout="constrained")
    axes = figure.add_subplot()
    labels = [f"{w.start.month}/{w.start.day}" for w in report.weeks]
    positions = list(range(len(labels)))
    bottom = [0] * len(labels)
    for i, category in enumerate(report.categories):
        heights = [w.counts.get(category, 0) for w in report.weeks]
        axes.bar(positions, heights, bottom=bottom, label=category, color=COLORS[i % len(COLORS)])
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_xticks(
        positions,
        labels,
        rotation=45 if len(labels) > 8 else 0,
        ha="right" if len(labels) > 8 else "center",
    )
    axes.set_title(f"{report.period.label()}每周受理问题数（按类别）")
    axes.set_xlabel("周（起始日）")
    axes.set_ylabel("问题数")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    if report.categories:
        figure.legend(
            frameon=False, ncols=min(len(report.categories), 5), loc="outside lower center"
        )
    return figure


def _city_rate(report: Report) -> Figure:
    rated = [g for g in report.groups["city"] if g.figures.on_time_rate is not None]
    rated.sort(key=lambda g: (g.figures.on_time_rate or 0, g.name))
    figure = Figure(figsize=(8, max(3.0, 0.32 * len(rated) + 1.2)), layout="constrained")
    axes = figure.add_subplot()
    rates = [(g.figures.on_time_rate or 0) * 100 for g in rated]
    names = [g.name for g in rated]
    bars = axes.barh(range(len(names)), rates, color=COLORS[0])
    axes.set_yticks(range(len(names)), names)
    axes.bar_label(bars, [percent(g.figures.on_time_rate) for g in rated], padding=3)
    axes.set_xlim(0, 110)
    axes.set_xlabel("按时答复率（%）")
    axes.set_title("各地市按时答复率")
    if not rated:
        axes.text(0.5, 0.5, "统计期内没有到期应答复的问题", transform=axes.transAxes, ha="center")
    return figure


def _reply_time(report: Report) -> Figure:
    hours = [r.hours for r in report.issues if r.hours is not None]
    figure = Figure(figsize=(8, 4.2), layout="constrained")
    axes = figure.add_subplot()
    total = report.total
    if hours:
        axes.hist(hours, bins=min(30, max(5, len(hours) // 5)), color=COLORS[0])
        for value, name, color in (
            (total.median_hours, "中位数", COLORS[1]),
            (total.p90_hours, "90% 分位数", COLORS[2]),
        ):
            if value is not None:
                axes.axvline(value, color=color, linestyle="--", label=f"{name} {value:.1f} 小时")
        axes.legend(frameon=False)
    else:
        axes.text(0.5, 0.5, "统计期内没有已答复的问题", transform=axes.transAxes, ha="center")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title("首次答复用时分布（工作小时）")
    axes.set_xlabel("工作小时")
    axes.set_ylabel("问题数")
    return figure

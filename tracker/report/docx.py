"""通报.docx: the notice itself, A4, in the fonts of Chinese official documents.

East Asian text names the settings' fonts (仿宋 for the body, 黑体 for headings)
through `w:eastAsia`; Latin text and digits use Times New Roman. The font table
declares each Chinese font with the GB2312 charset and a Noto CJK alternative
(`w:altName`), so a word processor without 仿宋 or 黑体 substitutes a Chinese
font (LibreOffice picks an installed CJK font for every glyph on its own).
"""

from __future__ import annotations

import io
from datetime import UTC
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.oxml import serialize_part_xml
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt
from docx.styles.style import ParagraphStyle
from docx.table import Table

from tracker.policy import Policy
from tracker.report import text
from tracker.report.charts import Chart
from tracker.report.figures import OUTCOME_NAMES, Outcome, Ranking, Report
from tracker.report.output import Staging, settle_zip

LATIN = "Times New Roman"
# What a reader's word processor may use instead when the named font is missing.
ALTERNATIVES = {"serif": "Noto Serif CJK SC", "sans": "Noto Sans CJK SC"}
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
TABLE_SIZE = Pt(10.5)  # 五号
MAX_LISTED = 200  # rows of the missed-deadline list in the document; the spreadsheet has all


def write_docx(report: Report, policy: Policy, charts: list[Chart], stage: Staging) -> Path:
    """Write 通报.docx into the staging area and return its temp path."""
    document = Document()
    _page(document)
    settings = report.settings
    _styles(document, settings.body_font, settings.heading_font)
    _font_table(document, {settings.body_font: "serif", settings.heading_font: "sans"})
    title = text.title(report)
    document.core_properties.title = title
    document.core_properties.author = policy.document.authority
    # python-docx writes these as UTC without converting: convert here.
    moment = report.generated_at.astimezone(UTC).replace(tzinfo=None)
    document.core_properties.created = document.core_properties.modified = moment

    document.add_paragraph(title, style="通报标题")
    document.add_paragraph(text.addressees(policy), style="通报正文首行不缩进")
    document.add_paragraph(text.opening(policy, report), style="通报正文")

    sections = 0

    def heading(words: str) -> None:
        nonlocal sections
        sections += 1
        document.add_paragraph(f"{text.heading_number(sections)}、{words}", style="通报一级标题")

    heading("总体情况")
    document.add_paragraph(text.summary(report), style="通报正文")
    if report.provisional_years:
        document.add_paragraph(text.provisional(report), style="通报正文")
    for ranking in report.rankings:
        heading(f"各{ranking.title}答复情况")
        _ranking(document, ranking)
    heading("超过答复时限的问题")
    _missed(document, report)
    heading("图表")
    for i, chart in enumerate(charts, start=1):
        # From bytes, not the staged file: its temp name would land in the document.
        document.add_picture(io.BytesIO(chart.png.read_bytes()), width=Cm(15))
        document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        document.add_paragraph(f"图{i}  {chart.name}", style="通报图题")
    document.add_paragraph("", style="通报正文")
    for line in (policy.document.receiver, text.chinese_date(report.generated_at)):
        paragraph = document.add_paragraph(line, style="通报正文首行不缩进")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    path = stage.path("通报.docx")
    document.save(str(path))
    settle_zip(path, report.generated_at)
    return path


def _page(document: DocumentObject) -> None:
    """A4 with the margins of GB/T 9704."""
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)


def _fonts(style: ParagraphStyle, east_asia: str, size: Pt, bold: bool = False) -> None:
    style.font.name = LATIN
    style.font.size = size
    style.font.bold = bold
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asia)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)


def _styles(document: DocumentObject, body: str, head: str) -> None:
    styles = document.styles
    normal = styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    _fonts(normal, body, BODY_SIZE)

    def add(
        name: str, east_asia: str, size: Pt, indent: bool, align: int | None = None
    ) -> ParagraphStyle:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        assert isinstance(style, ParagraphStyle)
        style.base_style = normal
        _fonts(style, east_asia, size)
        layout = style.paragraph_format
        layout.line_spacing = Pt(28) if size >= BODY_SIZE else None
        layout.space_before = layout.space_after = Pt(0)
        if indent:
            layout.first_line_indent = Pt(size.pt * 2)
        if align is not None:
            layout.alignment = align
        return style

    title = add("通报标题", head, TITLE_SIZE, False, WD_ALIGN_PARAGRAPH.CENTER)
    title.paragraph_format.space_after = Pt(16)
    title.paragraph_format.line_spacing = Pt(36)
    add("通报正文", body, BODY_SIZE, True, WD_ALIGN_PARAGRAPH.JUSTIFY)
    add("通报正文首行不缩进", body, BODY_SIZE, False)
    level1 = add("通报一级标题", head, BODY_SIZE, True)
    outline = parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="0"/>')
    level1.element.get_or_add_pPr().append(outline)
    add("通报图题", body, TABLE_SIZE, False, WD_ALIGN_PARAGRAPH.CENTER)


def _font_table(document: DocumentObject, fonts: dict[str, str]) -> None:
    """Declare each Chinese font with a CJK alternative in word/fontTable.xml."""
    part = document.part.part_related_by(RELATIONSHIP_TYPE.FONT_TABLE)
    root = parse_xml(part.blob)
    for name, kind in fonts.items():
        for old in root.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                root.remove(old)
        family = "roman" if kind == "serif" else "swiss"
        root.append(
            parse_xml(
                f'<w:font {nsdecls("w")} w:name="{name}">'
                f'<w:altName w:val="{ALTERNATIVES[kind]}"/>'
                '<w:charset w:val="86"/>'
                f'<w:family w:val="{family}"/>'
                '<w:pitch w:val="variable"/>'
                "</w:font>"
            )
        )
    # A plain (not XML) part in python-docx: its bytes are the only way in.
    part._blob = serialize_part_xml(root)


def _table(
    document: DocumentObject, header: list[str], rows: list[list[str]], widths: list[float]
) -> Table:
    """A grid table; `widths` in centimetres, summing to the text width (15.6 cm)."""
    table: Table = document.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    head = table.rows[0]
    head._tr.get_or_add_trPr().append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
    for index, (row, values) in enumerate(zip(table.rows, [header, *rows], strict=True)):
        for cell, words, width in zip(row.cells, values, widths, strict=True):
            cell.width = Cm(width)  # Word reads each cell's width, not the column's
            # Formatting each cell directly: looking a style up by name costs
            # milliseconds per paragraph, which hundreds of rows would feel.
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(words)
            run.font.size = TABLE_SIZE
            run.bold = index == 0 or None
    return table


def _ranking(document: DocumentObject, ranking: Ranking) -> None:
    if not ranking.rows:
        document.add_paragraph(f"统计期内没有{ranking.title}报送的问题。", style="通报正文")
        return
    header = ["排名", ranking.title if ranking.by == "unit" else "地市", "受理", "到期应答复"]
    header += ["按时答复", "超期答复", "超期未答复", "按时答复率", "用时中位数（工作小时）"]
    rows = []
    for place, group in ranking.rows:
        f = group.figures
        rows.append(
            [
                str(place) if place else "—",
                group.name,
                str(f.received),
                str(f.judged),
                str(f.on_time),
                str(f.late),
                str(f.overdue),
                text.percent(f.on_time_rate),
                text.number(f.median_hours),
            ]
        )
    _table(document, header, rows, [1.3, 3.0, 1.2, 1.6, 1.6, 1.6, 1.6, 1.9, 1.8])
    document.add_paragraph(
        "名次依据按时答复率从高到低排列，答复率相同的名次并列；统计期内没有到期应答复问题的不参与排名。",
        style="通报图题",
    )


def _missed(document: DocumentObject, report: Report) -> None:
    missed = report.missed()
    if not missed:
        document.add_paragraph("统计期内没有超过答复时限的问题。", style="通报正文")
        return
    overdue = sum(1 for r in missed if r.outcome is Outcome.OVERDUE)
    document.add_paragraph(
        f"共 {len(missed)} 个，其中超期答复 {len(missed) - overdue} 个、超期未答复 {overdue} 个，按答复期限先后排列。",
        style="通报正文",
    )
    header = ["编号", "地市", "报送单位", "类别", "受理时间", "答复期限", "首次答复", "结果"]
    rows = [
        [
            f"#{r.number}",
            r.city,
            r.unit,
            r.category,
            text.moment(r.created_at),
            text.moment(r.due),
            text.moment(r.responded_at),
            OUTCOME_NAMES[r.outcome]
            + ("（已关闭）" if not r.open_at_end and r.outcome is Outcome.OVERDUE else ""),
        ]
        for r in missed[:MAX_LISTED]
    ]
    _table(document, header, rows, [1.2, 1.5, 2.3, 1.5, 2.35, 2.35, 2.35, 2.05])
    if len(missed) > MAX_LISTED:
        document.add_paragraph(
            f"另有 {len(missed) - MAX_LISTED} 个未列出，完整清单见数据.xlsx 的“超期清单”。",
            style="通报图题",
        )

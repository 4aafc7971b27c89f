"""附件1-4 as workbooks: the policy's columns, export by stage, import of what cities send back.

Fixture workbooks are built here with openpyxl, then re-packed the way Excel
(shared strings) and WPS (inline strings, Kingsoft properties, Chinese date
formats) save them, so the reader meets the files people actually send.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import to_excel

from tests.support.pii import make_card, make_id
from tracker.attachments import (
    export_register,
    export_workbook,
    parse_register,
    read_workbook,
    template_workbook,
    write_templates,
)
from tracker.attachments.export import prepare
from tracker.attachments.layout import layout
from tracker.attachments.rows import SheetRow, read_cells
from tracker.attachments.sheet import Meta
from tracker.attachments.values import clean_text, mask_personal
from tracker.errors import InputError, PolicyError
from tracker.policy import default_policy_text, load_policy, parse_policy

POLICY = load_policy()
STAGES = [s.name for s in POLICY.stages]
META = Meta(unit="广州市教育局", period="2025年9月", day=date(2025, 9, 30))
STUDENT_ID = make_id("440106", date(2008, 3, 1), 123)
BANK_CARD = make_card("622202", 19, "0012345678")
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def common(**extra: str) -> dict[str, str]:
    return {
        "city": "广州市",
        "stage": "义务教育",
        "unit": "广州市教育局",
        "unit_type": "地级以上市教育局",
        "reporter": "陈老师",
        "role": "市资助中心系统管理员",
        "phone": "13800138000",
        "urgent": "否",
        **extra,
    }


def application(number: int = 12, **fields: str) -> dict[str, Any]:
    own = {
        "subcategory": "操作类",
        "summary": "导入资助名单时提示模板格式错误",
        "menu": "资助业务管理 > 学生资助名单",
        "detail": "按模板填写后导入，提示第 3 列格式错误。",
        "tried": "已查阅操作手册",
    }
    return {
        "number": number,
        "url": f"https://git.example.cn/gdzz/support/issues/{number}",
        "created": "2025-09-30T16:00:00+08:00",
        "state": "open",
        "category": "application",
        "fields": common(**{**own, **fields}),
    }


def technical(number: int = 13, **fields: str) -> dict[str, Any]:
    return {
        "number": number,
        "url": f"https://git.example.cn/gdzz/support/issues/{number}",
        "created": "2025-10-09",
        "state": "closed",
        "category": "technical",
        "fields": common(
            **{
                "subcategory": "数据问题",
                "summary": "统计报表缺少已审核数据",
                "module": "统计分析",
                "steps": "1. 进入统计\n2. 选择本学年\n3. 人数为 0",
                "affected": "约 120 条记录",
                **fields,
            }
        ),
    }


def account(number: int = 20, **fields: str) -> dict[str, Any]:
    return {
        "number": number,
        "url": f"https://git.example.cn/gdzz/support/issues/{number}",
        "created": "2025-09-15",
        "category": "account",
        "fields": common(
            **{
                "request_type": "新增账号",
                "account_level": "市级",
                "account_role": "市级资助管理员",
                "account_count": "2",
                "summary": "新任工作人员开通账号",
                "reason": "岗位调整",
                **fields,
            }
        ),
    }


# Fixture workbooks as Excel and WPS save them.


def _rewrite(path: Path, change: Callable[[dict[str, bytes]], None]) -> None:
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    change(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def save_as_excel(path: Path) -> None:
    """Re-pack an openpyxl file as Excel writes it: a shared string table, Excel's app properties."""

    def change(parts: dict[str, bytes]) -> None:
        ElementTree.register_namespace("", MAIN)
        strings: list[str] = []
        for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
            root = ElementTree.fromstring(parts[name])
            for cell in root.iter(f"{{{MAIN}}}c"):
                if cell.get("t") != "inlineStr":
                    continue
                inline = cell.find(f"{{{MAIN}}}is")
                assert inline is not None
                text = "".join(t.text or "" for t in inline.iter(f"{{{MAIN}}}t"))
                cell.remove(inline)
                cell.set("t", "s")
                if text not in strings:
                    strings.append(text)
                ElementTree.SubElement(cell, f"{{{MAIN}}}v").text = str(strings.index(text))
            parts[name] = ElementTree.tostring(root, xml_declaration=True, encoding="UTF-8")
        items = "".join(f'<si><t xml:space="preserve">{_xml(text)}</t></si>' for text in strings)
        parts["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN}" '
            f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
        ).encode()
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>",
            b'<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            b"</Relationships>",
        )
        parts["docProps/app.xml"] = re.sub(
            rb"<Application>.*?</Application><AppVersion>.*?</AppVersion>",
            b"<Application>Microsoft Excel</Application><AppVersion>16.0300</AppVersion>",
            parts["docProps/app.xml"],
        )

    _rewrite(path, change)


def save_as_wps(path: Path) -> None:
    """Re-pack as WPS Office does: inline strings kept, its app name and Kingsoft build property."""

    def change(parts: dict[str, bytes]) -> None:
        parts["docProps/app.xml"] = re.sub(
            rb"<Application>.*?</Application>",
            "<Application>WPS 表格</Application>".encode(),
            parts["docProps/app.xml"],
        )
        parts["docProps/custom.xml"] = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" '
            b'pid="2" name="KSOProductBuildVer"><vt:lpwstr>2052-12.1.0.16120</vt:lpwstr>'
            b"</property></Properties>"
        )
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>",
            b'<Override PartName="/docProps/custom.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>',
        )
        parts["_rels/.rels"] = parts["_rels/.rels"].replace(
            b"</Relationships>",
            b'<Relationship Id="rIdCustom" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/>'
            b"</Relationships>",
        )

    _rewrite(path, change)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def city_sheet(
    wb: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    left: int = 1,
    top_rows: Sequence[str] = ("附件2", "广州市全国学生资助管理信息系统应用类及技术类问题反馈表"),
) -> Any:
    """Lay out a sheet as a city office might: title rows merged, then header and rows."""
    ws = wb.create_sheet(title)
    r = 1
    for text in top_rows:
        ws.cell(r, left, text)
        ws.merge_cells(
            start_row=r, start_column=left, end_row=r, end_column=left + len(headers) - 1
        )
        r += 1
    r += 1  # a blank row before the header
    for c, header in enumerate(headers):
        ws.cell(r, left + c, header)
    for row in rows:
        r += 1
        for c, value in enumerate(row):
            if value is not None:
                ws.cell(r, left + c, value)
    return ws


def fresh() -> Workbook:
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    return wb


# The policy section.


def test_builtin_policy_defines_the_four_forms() -> None:
    assert POLICY.attachments is not None
    forms = {f.number: f for f in POLICY.attachments.forms}
    assert {n: forms[n].categories for n in forms} == {
        1: [],
        2: ["application", "technical"],
        3: ["account"],
        4: ["requirement"],
    }
    for category in POLICY.categories:
        form = POLICY.attachments.form_for(category.key)
        assert form is not None
        assert category.report_form == f"附件{form.number} {form.title}"
    assert forms[1].title == "全国学生资助管理信息系统技术支持服务备案表"
    headers = {n: [c.header for c in forms[n].columns] for n in forms}
    for n in (2, 3, 4):
        for word in ("序号", "地市", "学段", "报送单位", "单位类型", "联系人", "身份", "联系电话"):
            assert word in headers[n]
        for word in ("问题简要描述", "是否紧急", "提交日期", "问题编号", "处理情况"):
            assert word in headers[n]
    assert {"问题类别", "问题子类"} <= set(headers[2])
    assert {"申请类型", "账号级别", "账号数量"} <= set(headers[3])
    assert "建议方案" in headers[4]
    assert {"受理电话", "受理邮箱", "负责人", "技术联系人"} <= set(headers[1])


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "at", "message"),
    [
        (
            "{header: 建议方案, field: proposal,",
            "{header: 建议方案, field: plan,",
            "{header: 建议方案, field: plan,",
            "字段 plan 不在需求建议的表单中；可用：",
        ),
        (
            "      categories: [account]\n",
            "      categories: [account, application]\n",
            "      categories: [account, application]\n",
            "类别 application 已由附件2 报送，一个类别只能对应一张附件",
        ),
        (
            "        - {header: 问题类别, source: category, width: 10, synonyms: [类别]}\n",
            "",
            "      columns:\n        - {header: 序号, source: seq, width: 6}\n        - {header: 地市, field: city, width: 9",
            "附件2 服务多个类别，须有 source: category 的“问题类别”列",
        ),
        (
            "{header: 申请理由, field: reason, width: 26, synonyms: [理由]}",
            "{header: 申请理由, field: reason, width: 26, synonyms: [申请类型]}",
            "{header: 申请理由, field: reason, width: 26, synonyms: [申请类型]}",
            "表头或同义词“申请类型”与第 9 列重复，导入时无法区分",
        ),
        (
            "{header: 现状与问题, field: current,",
            "{header: 现状与问题, source: seq, field: current,",
            "{header: 现状与问题, source: seq, field: current,",
            "每列须给出 field（表单字段）或 source（计算列）之一",
        ),
        (
            "    deadline: {warn: 4, breach: 5}\n    report_form: 附件4",
            "    deadline: {warn: 4, breach: 5}\n    report_form: 附件3",
            "      categories: [requirement]\n",
            "类别 requirement 的 report_form 为“附件3 全国学生资助管理信息系统需求建议表”，与附件4 不符",
        ),
        (
            "        - {header: 报送情况, source: status, width: 10}\n",
            "        - {header: 报送情况, source: progress, width: 10}\n",
            "        - {header: 报送情况, source: progress, width: 10}\n",
            "附件1 不能使用计算列 progress；可用：seq, status",
        ),
    ],
    ids=["未知字段", "类别重复", "缺类别列", "表头重复", "来源冲突", "附件号不符", "附件1计算列"],
)
def test_attachment_errors_name_line_and_field(old: str, new: str, at: str, message: str) -> None:
    text = default_policy_text()
    assert old in text
    text = text.replace(old, new, 1)
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.yml")
    first = caught.value.message.splitlines()[1]
    assert first.startswith(f"  p.yml 第 {_line_of(text, at)} 行，字段 attachments.forms[")
    assert message in first


def test_policy_without_attachments_still_loads_and_commands_explain() -> None:
    text = default_policy_text().split("\nattachments:", 1)[0]
    policy = parse_policy(text, "p.yml")
    assert policy.attachments is None
    with pytest.raises(InputError, match="政策文件没有 attachments 部分"):
        layout(policy, 2)
    assert write_templates(policy, Path(tempfile.mkdtemp())) == []


# Export.


def test_export_gathers_problems_by_stage_in_policy_order(tmp_path: Path) -> None:
    rows = [
        technical(13, stage="高等教育（本专科）"),
        application(12),
        application(14, stage="义务教育", summary="第二个问题"),
        application(15, stage="普通高中"),
    ]
    out = tmp_path / "附件2.xlsx"
    result = export_workbook(POLICY, 2, rows, META, out)
    assert result == {
        "form": 2,
        "rows": 4,
        "sheets": {
            "学前教育": 0,
            "义务教育": 2,
            "普通高中": 1,
            "中等职业教育": 0,
            "高等教育（本专科）": 1,
            "高等教育（研究生）": 0,
        },
        "warnings": [],
        "out": str(out),
    }
    wb = load_workbook(out)
    assert wb.sheetnames == [*STAGES, "汇总", "下拉选项"]
    assert wb["下拉选项"].sheet_state == "hidden"
    ws = wb["义务教育"]
    assert [ws.cell(r, 1).value for r in (5, 6)] == [1, 2]  # 序号 restarts on every sheet
    assert [ws.cell(r, 11).value for r in (5, 6)] == [
        "导入资助名单时提示模板格式错误",
        "第二个问题",
    ]
    assert wb["普通高中"].cell(5, 1).value == 1
    assert list(tmp_path.iterdir()) == [out]  # no temp file left behind


def test_export_looks_like_a_form_an_office_hands_in(tmp_path: Path) -> None:
    out = tmp_path / "附件2.xlsx"
    export_workbook(
        POLICY, 2, [application(12), technical(13, stage="高等教育（本专科）")], META, out
    )
    wb = load_workbook(out)
    ws = wb["义务教育"]
    form = layout(POLICY, 2)
    last = form.columns[-1].letter
    assert ws["A1"].value == "附件2"
    assert ws["A2"].value == "全国学生资助管理信息系统应用类及技术类问题反馈表"
    assert ws["A2"].font.bold and ws["A2"].alignment.horizontal == "center"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {f"A2:{last}2", f"A3:{last}3"} <= merged
    assert ws["A3"].value == (
        "填报单位（盖章）：广州市教育局　　学段：义务教育　　报送期间：2025年9月　　填报日期：2025年9月30日"
    )
    assert [c.value for c in ws[4]] == [c.header for c in form.columns]
    assert ws.freeze_panes == "A5"
    assert ws.column_dimensions["A"].width == 6
    assert ws.column_dimensions[form.field_column("summary").letter].width == 24  # type: ignore[union-attr]
    for cell in (ws["A4"], ws["K5"], ws[f"{last}5"]):
        assert cell.border.left.style == cell.border.right.style == "thin"
        assert cell.border.top.style == cell.border.bottom.style == "thin"
        assert cell.alignment.wrap_text
    assert ws["A4"].font.bold
    # The issue column links to the issue; the date is a real date.
    issue = ws[f"{form.column('issue').letter}5"]  # type: ignore[union-attr]
    assert issue.value == "#12"
    assert issue.hyperlink.target == "https://git.example.cn/gdzz/support/issues/12"
    created = ws[f"{form.column('created').letter}5"]  # type: ignore[union-attr]
    assert created.value == datetime(2025, 9, 30) and created.number_format == "yyyy-mm-dd"
    assert ws[f"{form.column('progress').letter}5"].value == "处理中"  # type: ignore[union-attr]
    assert wb["高等教育（本专科）"][f"{form.column('progress').letter}5"].value == "已办结"  # type: ignore[union-attr]
    # Print: A4 landscape, fitted to the width, header repeated on every page.
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$4:$4"


def _dropdown_choices(wb: Workbook, ws: Any, letter: str) -> list[str]:
    for check in ws.data_validations.dataValidation:
        if any(str(r).startswith(f"{letter}5:") for r in check.sqref.ranges):
            ref = wb.defined_names[check.formula1].attr_text
            sheet, cells = ref.split("!")
            lists = wb[sheet.strip("'")]
            column = re.match(r"\$([A-Z]+)\$", cells).group(1)  # type: ignore[union-attr]
            return [c.value for c in lists[column] if c.value is not None]
    return []


def test_export_offers_policy_choices_as_dropdowns(tmp_path: Path) -> None:
    out = tmp_path / "附件2.xlsx"
    export_workbook(POLICY, 2, [application()], META, out)
    wb = load_workbook(out)
    ws = wb["义务教育"]
    form = layout(POLICY, 2)

    def letter(field_id: str) -> str:
        return form.field_column(field_id).letter  # type: ignore[union-attr]

    assert _dropdown_choices(wb, ws, letter("city")) == list(POLICY.cities)
    assert _dropdown_choices(wb, ws, letter("stage")) == STAGES
    assert _dropdown_choices(wb, ws, form.column("category").letter) == ["应用类问题", "技术类问题"]  # type: ignore[union-attr]
    assert _dropdown_choices(wb, ws, letter("subcategory")) == [
        "操作类",
        "系统登录类",
        "培训指导类",
        "数据问题",
        "系统漏洞",
    ]
    assert _dropdown_choices(wb, ws, letter("urgent")) == ["否", "是"]
    assert _dropdown_choices(wb, ws, letter("summary")) == []
    check = ws.data_validations.dataValidation[0]
    assert check.showErrorMessage and check.error.endswith("请从下拉列表中选择。")


def test_summary_sheet_counts_each_stage_by_category(tmp_path: Path) -> None:
    out = tmp_path / "附件2.xlsx"
    export_workbook(POLICY, 2, [application(), technical()], META, out)
    ws = load_workbook(out)["汇总"]
    assert ws["A2"].value == "全国学生资助管理信息系统应用类及技术类问题反馈表（汇总）"
    assert [c.value for c in ws[4]] == ["学段", "应用类问题", "技术类问题", "合计"]
    category = layout(POLICY, 2).column("category").letter  # type: ignore[union-attr]
    assert ws["A6"].value == "义务教育"
    assert ws["B6"].value == f"=COUNTIF('义务教育'!${category}$5:${category}$1007,\"应用类问题\")"
    assert ws["D6"].value == "=SUM(B6:C6)"
    assert ws["A11"].value == "合计" and ws["D11"].value == "=SUM(D5:D10)"


def test_export_hides_personal_numbers_but_keeps_the_contact_phone(tmp_path: Path) -> None:
    row = application(
        detail=f"学生身份证号 {STUDENT_ID}，银行卡 {BANK_CARD}，家长电话 13912345678。",
        phone="13800138000",
    )
    other = application(13, phone=f"13800138000 / {STUDENT_ID}")
    out = tmp_path / "附件2.xlsx"
    export_workbook(POLICY, 2, [row, other], META, out)
    ws = load_workbook(out)["义务教育"]
    form = layout(POLICY, 2)
    detail = ws[f"{form.field_column('detail').letter}5"].value  # type: ignore[union-attr]
    assert detail == (
        f"学生身份证号 {STUDENT_ID[:4]}{'*' * 10}{STUDENT_ID[-4:]}，"
        f"银行卡 {BANK_CARD[:4]}{'*' * 11}{BANK_CARD[-4:]}，家长电话 139****5678。"
    )
    phone = form.field_column("phone").letter  # type: ignore[union-attr]
    assert ws[f"{phone}5"].value == "13800138000"
    assert ws[f"{phone}6"].value == f"13800138000 / {STUDENT_ID[:4]}{'*' * 10}{STUDENT_ID[-4:]}"
    with zipfile.ZipFile(out) as packed:
        everything = b"".join(packed.read(n) for n in packed.namelist())
    assert STUDENT_ID.encode() not in everything and BANK_CARD.encode() not in everything


def test_export_refuses_problems_without_a_place_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "附件2.xlsx"
    out.write_bytes(b"old")
    no_stage = application(14)
    no_stage["fields"]["stage"] = ""
    with pytest.raises(InputError) as caught:
        export_workbook(POLICY, 2, [application(), account(), no_stage], META, out)
    assert caught.value.message == (
        "有 2 个问题无法放入附件2：\n"
        "  第 2 条（#20）：类别“account”不由附件2 报送（附件2 报送应用类问题、技术类问题）\n"
        "  第 3 条（#14）：学段“”不是可选值，应为：学前教育、义务教育、普通高中、中等职业教育、"
        "高等教育（本专科）、高等教育（研究生）；附件按学段汇总，每个问题须有学段"
    )
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["附件2.xlsx"]


def test_export_warns_about_values_a_reader_would_reject(tmp_path: Path) -> None:
    rows = [application(12, city="广州"), application(13, phone="")]
    result = export_workbook(POLICY, 2, rows, META, tmp_path / "a.xlsx")
    assert result["warnings"] == [
        "第 1 条（#12） 地市：“广州”不是可选值，应为：广州市、深圳市、珠海市、汕头市、佛山市、韶关市、河源市、梅州市等",
        "第 2 条（#13） 联系电话：不能为空",
    ]


def test_export_rejects_a_non_problem_form_and_a_wrong_suffix(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="附件1 不是问题反馈表"):
        export_workbook(POLICY, 1, [], META, tmp_path / "a.xlsx")
    with pytest.raises(InputError, match=r"扩展名应为 \.xlsx"):
        export_workbook(POLICY, 2, [], META, tmp_path / "a.xls")


def test_text_stays_text(tmp_path: Path) -> None:
    row = application(summary="=1+2 不是公式", menu="007")
    out = tmp_path / "a.xlsx"
    export_workbook(POLICY, 2, [row], META, out)
    result = read_workbook(POLICY, out)
    assert result.rows[0].fields["summary"] == "=1+2 不是公式"
    assert result.rows[0].fields["menu"] == "007"


# Import.

HEADERS_2 = [
    "序号",
    "地 市",  # a space typed in
    "学段",
    "报送单位（盖章）",  # a note after the header
    "单位类型",
    "联系人姓名",  # a synonym
    "身份",
    "联系方式",  # a synonym
    "问题类别",
    "问题子类",
    "问题简要描述",
    "详细情况",
    "是否紧急",
    "提交日期",
]


def _city_row(seq: Any, created: Any, **over: Any) -> list[Any]:
    values = {
        "seq": seq,
        "city": "广州市",
        "stage": "义务教育",
        "unit": "广州市教育局",
        "unit_type": "地级以上市教育局",
        "reporter": "陈老师",
        "role": "系统管理员",
        "phone": 13800138000,  # typed as a number
        "category": "应用类问题",
        "subcategory": "操作类",
        "summary": "导入报错",
        "detail": "提示模板格式错误",
        "urgent": "否",
        "created": created,
    }
    values.update(over)
    return list(values.values())


def _expected_fields(**over: str) -> dict[str, str]:
    return {
        "city": "广州市",
        "stage": "义务教育",
        "unit": "广州市教育局",
        "unit_type": "地级以上市教育局",
        "reporter": "陈老师",
        "role": "系统管理员",
        "phone": "13800138000",
        "subcategory": "操作类",
        "summary": "导入报错",
        "detail": "提示模板格式错误",
        "menu": "",  # 功能菜单或模块: a column of 附件2, left out by this city
        "urgent": "否",
        **over,
    }


@pytest.mark.parametrize("saved_by", [save_as_excel, save_as_wps], ids=["Excel", "WPS"])
def test_read_a_city_workbook_as_excel_and_wps_save_it(tmp_path: Path, saved_by: Any) -> None:
    wb = fresh()
    ws = city_sheet(
        wb,
        "义务教育",
        HEADERS_2,
        [
            _city_row(1, "2025-9-30"),
            _city_row(2, "2025/09/30", reporter="黄老师"),
            [None] * len(HEADERS_2),  # a blank row in the middle
            _city_row(3, "2025年9月30日", reporter="林老师"),
            _city_row(4, datetime(2025, 9, 30), reporter="吴老师"),
            _city_row(5, to_excel(datetime(2025, 9, 30)), reporter="郑老师"),
            [6],  # a numbered empty row left in the template
        ],
    )
    date_cell = ws.cell(ws.max_row - 1, 14)
    date_cell.number_format = 'yyyy"年"m"月"d"日"'  # WPS's Chinese date format
    path = tmp_path / "广州市-附件2.xlsx"
    wb.save(path)
    saved_by(path)
    with zipfile.ZipFile(path) as packed:
        names = packed.namelist()
        app = packed.read("docProps/app.xml").decode()
    if saved_by is save_as_excel:
        assert "xl/sharedStrings.xml" in names and "Microsoft Excel" in app
    else:
        assert "docProps/custom.xml" in names and "WPS 表格" in app
    result = read_workbook(POLICY, path)
    assert result.errors == []
    assert result.form == 2
    assert [r.fields["reporter"] for r in result.rows] == [
        "陈老师",
        "黄老师",
        "林老师",
        "吴老师",
        "郑老师",
    ]
    assert {r.created for r in result.rows} == {"2025-09-30"}
    assert result.rows[0].fields == _expected_fields()
    assert result.rows[0].stage == "义务教育" and result.rows[0].category == "application"
    assert [r.source.row for r in result.rows] == [5, 6, 8, 9, 10]  # type: ignore[union-attr]
    assert result.rows[0].source.as_dict() == {  # type: ignore[union-attr]
        "file": "广州市-附件2.xlsx",
        "sheet": "义务教育",
        "row": 5,
    }
    assert result.sheets == {"义务教育": 5}


def test_read_forgives_layout_changes(tmp_path: Path) -> None:
    """Shuffled columns, full-width headers, an empty first column, stage from the sheet name,
    a merged 地市 for several rows, a note under the data, an extra column of the city's own."""
    headers = ["是否紧急", "问题简要描述", "　联系人　", "ＵＲＧＥＮＴ备注", "报送单位", "单位类型",
               "联系电话", "地市", "类别", "子类", "身份", "报送日期", "问题详细描述"]  # fmt: skip
    row = ["是", "登录后页面空白", "陈老师", "请尽快", "广州市教育局", "地级以上市教育局",
           "020-12345678", "广州市", "应用类", "系统登录类", "管理员", 45930, "清缓存无效"]  # fmt: skip
    second = [*row[:2], "黄老师", *row[3:7], None, *row[8:]]
    wb = fresh()
    ws = city_sheet(wb, "普通高中", headers, [row, second, [None] * 13], left=2, top_rows=["附件2"])
    ws.merge_cells("I4:I5")  # 地市 merged over both rows
    ws.cell(7, 2, "填表说明：本表按学段分别填写。")
    ws.merge_cells("B7:N7")
    path = tmp_path / "a.xlsx"
    wb.save(path)
    result = read_workbook(POLICY, path)
    assert result.errors == []
    assert result.warnings == [
        "a.xlsx 工作表“普通高中” 第 3 行（表头）：未识别的列已忽略：ＵＲＧＥＮＴ备注"
    ]
    assert [r.fields["reporter"] for r in result.rows] == ["陈老师", "黄老师"]
    first = result.rows[0]
    assert first.stage == "普通高中" and first.fields["stage"] == "普通高中"
    assert first.category == "application" and first.fields["subcategory"] == "系统登录类"
    assert first.fields["urgent"] == "是" and first.fields["phone"] == "020-12345678"
    assert result.rows[1].fields["city"] == "广州市"
    assert first.created == "2025-09-30"


def test_read_reports_every_bad_cell_and_keeps_the_good_rows(tmp_path: Path) -> None:
    wb = fresh()
    city_sheet(
        wb,
        "义务教育",
        HEADERS_2,
        [
            _city_row(1, "2025-9-30"),
            _city_row(2, "2025-13-01", city="广州", reporter=None),
            _city_row(3, "下周一", stage="高中", category="其他问题"),
            _city_row(4, "2025-9-30", subcategory="数据问题", urgent=f"是 {STUDENT_ID}"),
            _city_row(5, "1999-01-01", stage="普通高中"),
        ],
    )
    path = tmp_path / "广州市.xlsx"
    wb.save(path)
    result = read_workbook(POLICY, path)
    assert len(result.rows) == 1 and result.rows[0].seq == 1
    masked = f"{STUDENT_ID[:4]}{'*' * 10}{STUDENT_ID[-4:]}"
    assert result.errors == [
        "广州市.xlsx 工作表“义务教育” 第 6 行 第 B 列（地 市）：“广州”不是可选值，应为：广州市、深圳市、珠海市、汕头市、佛山市、韶关市、河源市、梅州市等",
        "广州市.xlsx 工作表“义务教育” 第 6 行 第 F 列（联系人姓名）：不能为空",
        "广州市.xlsx 工作表“义务教育” 第 6 行 第 N 列（提交日期）：“2025-13-01”不是真实的日期，请写成 2025-09-30 或 2025年9月30日",
        "广州市.xlsx 工作表“义务教育” 第 7 行 第 I 列（问题类别）：“其他问题”不是可选值，应为：应用类问题、技术类问题",
        "广州市.xlsx 工作表“义务教育” 第 7 行 第 C 列（学段）：“高中”不是可选值，应为：学前教育、义务教育、普通高中、中等职业教育、高等教育（本专科）、高等教育（研究生）",
        "广州市.xlsx 工作表“义务教育” 第 7 行 第 N 列（提交日期）：“下周一”不是日期，请写成 2025-09-30 或 2025年9月30日",
        "广州市.xlsx 工作表“义务教育” 第 8 行 第 J 列（问题子类）：“数据问题”不是可选值，应为：操作类、系统登录类、培训指导类",
        f"广州市.xlsx 工作表“义务教育” 第 8 行 第 M 列（是否紧急）：“是 {masked}”不是可选值，应为：否、是",
        "广州市.xlsx 工作表“义务教育” 第 9 行 第 C 列（学段）：“普通高中”与所在工作表“义务教育”的学段不一致",
        "广州市.xlsx 工作表“义务教育” 第 9 行 第 N 列（提交日期）：日期 1999-01-01 超出 2000-2099 年，请检查年份",
    ]


def test_read_reports_missing_columns_once_per_sheet(tmp_path: Path) -> None:
    wb = fresh()
    headers = [h for h in HEADERS_2 if h not in ("联系方式", "问题类别")]
    rows = [[v for h, v in zip(HEADERS_2, _city_row(1, "2025-9-30"), strict=True) if h in headers]]
    city_sheet(wb, "汇总表", headers, rows)
    path = tmp_path / "a.xlsx"
    wb.save(path)
    result = read_workbook(POLICY, path, 2)
    assert result.rows == []
    assert result.errors == [
        "a.xlsx 工作表“汇总表” 第 4 行（表头）：缺少“联系电话”列（必填）",
        "a.xlsx 工作表“汇总表” 第 4 行（表头）：缺少“问题类别”列，无法判断每行属于哪类问题",
    ]


def test_read_needs_a_stage_from_column_or_sheet_name(tmp_path: Path) -> None:
    wb = fresh()
    headers = [h for h in HEADERS_2 if h != "学段"]
    row = [v for h, v in zip(HEADERS_2, _city_row(1, "2025-9-30"), strict=True) if h != "学段"]
    city_sheet(wb, "Sheet1", headers, [row])
    city_sheet(wb, "义务教育", headers, [row])
    path = tmp_path / "a.xlsx"
    wb.save(path)
    result = read_workbook(POLICY, path)
    assert result.errors == [
        "a.xlsx 工作表“Sheet1” 第 4 行（表头）：没有“学段”列，工作表名称也不是学段，无法判断学段"
    ]
    assert [r.stage for r in result.rows] == ["义务教育"]


def test_read_forms_3_and_4_with_numbers_as_text(tmp_path: Path) -> None:
    wb = fresh()
    headers = ["序号", "地市", "学段", "报送单位", "单位类型", "联系人", "身份", "联系电话",
               "申请类型", "账号级别", "账号角色", "申请账号数量", "申请事项", "申请理由", "是否紧急"]  # fmt: skip
    base = ["广州市", "义务教育", "广州市教育局", "地级以上市教育局", "陈老师", "管理员",
            "13800138000", "新增账号", "市级", "市级资助管理员"]  # fmt: skip
    rows = [
        [1, *base, "３", "开通账号", "岗位调整", "否"],
        [2, *base, 2.0, "开通账号", "岗位调整", "否"],
        [3, *base, "两个", "开通账号", "岗位调整", "否"],
    ]
    city_sheet(
        wb, "义务教育", headers, rows, top_rows=["附件3", "全国学生资助管理信息系统用户申请表"]
    )
    path = tmp_path / "a.xlsx"
    wb.save(path)
    result = read_workbook(POLICY, path)
    assert result.form == 3
    assert [r.fields["account_count"] for r in result.rows] == ["3", "2"]
    assert result.rows[0].category == "account"
    assert result.errors == [
        "a.xlsx 工作表“义务教育” 第 7 行 第 L 列（申请账号数量）：“两个”不是整数，请只填阿拉伯数字"
    ]


def test_read_guesses_the_form_or_asks(tmp_path: Path) -> None:
    wb = fresh()
    headers = ["地市", "学段", "报送单位", "联系人", "联系电话"]
    city_sheet(wb, "义务教育", headers, [], top_rows=[])
    path = tmp_path / "a.xlsx"
    wb.save(path)
    with pytest.raises(InputError) as caught:
        read_workbook(POLICY, path)
    assert caught.value.message == "无法判断 a.xlsx 是附件几，请用 --form 指定（2、3 或 4）。"
    assert read_workbook(POLICY, path, 4).form == 4
    other = fresh()
    city_sheet(other, "义务教育", ["姓名", "年龄"], [["张三", 3]], top_rows=[])
    other.save(path)
    with pytest.raises(InputError, match="没有找到附件2、附件3、附件4的表头"):
        read_workbook(POLICY, path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "广州.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "广州.xls 不是 .xlsx 格式（旧版 .xls、WPS 的 .et 或加密的文件），无法读取。"
            "请在 Excel 或 WPS 中打开，选择“文件 → 另存为”，保存类型选“Excel 工作簿（*.xlsx）”"
            "（如设置了打开密码，请先取消密码），然后重试。",
        ),
        (
            "改名.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "改名.xlsx 不是 .xlsx 格式",
        ),
        ("a.csv", b"a,b\n", "a.csv：只能读取 Excel 工作簿（.xlsx）。"),
        (
            "坏.xlsx",
            b"not a zip",
            "坏.xlsx 不是有效的 .xlsx 文件（可能已损坏，或只是改了扩展名）。",
        ),
        ("空.xlsx", b"PK\x05\x06" + b"\0" * 18, "空.xlsx 无法作为 .xlsx 打开，文件可能已损坏。"),
    ],
    ids=["xls", "xls改名", "csv", "非zip", "空zip"],
)
def test_unreadable_files_are_explained(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_workbook(POLICY, path)
    assert caught.value.message.startswith(message)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="找不到文件"):
        read_workbook(POLICY, tmp_path / "无.xlsx")


def test_import_hides_personal_numbers_and_says_where(tmp_path: Path) -> None:
    wb = fresh()
    row = _city_row(1, "2025-9-30", detail=f"学生 {STUDENT_ID} 卡号 {BANK_CARD}")
    city_sheet(wb, "义务教育", HEADERS_2, [row])
    path = tmp_path / "a.xlsx"
    wb.save(path)
    found = read_workbook(POLICY, path).rows[0]
    assert STUDENT_ID not in found.fields["detail"] and BANK_CARD not in found.fields["detail"]
    assert [hit.as_dict() for hit in found.pii] == [
        {"column": "详细情况", "kind": "id_card"},
        {"column": "详细情况", "kind": "bank_card"},
    ]


def test_fingerprint_ignores_numbering_place_and_spacing(tmp_path: Path) -> None:
    wb = fresh()
    city_sheet(wb, "义务教育", HEADERS_2, [_city_row(1, "2025-9-30")])
    shuffled = list(reversed(HEADERS_2))
    city_sheet(wb, "Sheet2", shuffled, [list(reversed(_city_row(7, "2025年9月30日")))])
    city_sheet(wb, "Sheet3", HEADERS_2, [_city_row(1, "2025-9-30", summary=" 导入报错\u3000")])
    city_sheet(wb, "Sheet4", HEADERS_2, [_city_row(1, "2025-9-30", summary="登录报错")])
    path = tmp_path / "a.xlsx"
    wb.save(path)
    result = read_workbook(POLICY, path)
    prints = [r.fingerprint for r in result.rows]
    assert prints[0] == prints[1] == prints[2] != prints[3]
    assert re.fullmatch(r"[0-9a-f]{16}", prints[0])
    assert result.warnings == [
        "a.xlsx 工作表“Sheet2” 第 5 行：与工作表“义务教育”第 5 行内容相同，可能重复填报",
        "a.xlsx 工作表“Sheet3” 第 5 行：与工作表“义务教育”第 5 行内容相同，可能重复填报",
    ]


def test_export_then_import_gives_the_same_rows(tmp_path: Path) -> None:
    rows = [
        application(12),
        technical(13, stage="高等教育（研究生）"),
        application(14, urgent="是"),
    ]
    out = tmp_path / "a.xlsx"
    export_workbook(POLICY, 2, rows, META, out)
    result = read_workbook(POLICY, out)
    assert result.errors == [] and result.warnings == []
    by_number = {r.number: r for r in result.rows}
    assert by_number[12].fields == {
        k: v for k, v in application(12)["fields"].items() if k != "tried"
    }  # 本级已尝试的处理 has no column on 附件2
    assert by_number[13].fields["steps"] == "1. 进入统计\n2. 选择本学年\n3. 人数为 0"
    assert by_number[13].url == "https://git.example.cn/gdzz/support/issues/13"
    assert (by_number[13].created, by_number[13].progress) == ("2025-10-09", "已办结")


def test_templates_read_back_empty(tmp_path: Path) -> None:
    files = write_templates(POLICY, tmp_path)
    assert [f.name for f in files] == [
        "附件1-全国学生资助管理信息系统技术支持服务备案表.xlsx",
        "附件2-全国学生资助管理信息系统应用类及技术类问题反馈表.xlsx",
        "附件3-全国学生资助管理信息系统用户申请表.xlsx",
        "附件4-全国学生资助管理信息系统需求建议表.xlsx",
    ]
    for n, path in zip((2, 3, 4), files[1:], strict=True):
        result = read_workbook(POLICY, path)
        assert (result.form, result.rows, result.errors) == (n, [], [])
    register = load_workbook(files[0])["备案表"]
    assert [c.value for c in register[4]] == [
        "序号", "地市", "受理电话", "受理邮箱", "负责人", "负责人职务", "负责人电话",
        "技术联系人", "技术联系人职务", "技术联系人电话", "技术联系人邮箱", "报送日期", "备注",
    ]  # fmt: skip
    blank = template_workbook(POLICY, 3)["义务教育"]
    assert blank.print_area == "'义务教育'!$A$1:$R$24"  # the spare rows print, to fill by hand


# The round trip, over generated problems.

_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.sampled_from(["\n", "\t", "\r", "，", "。", "（", "）", "\u3000", "\x07", "\ufffe"]),
    ),
    max_size=60,
)


@st.composite
def problems(draw: st.DrawFn, form_no: int) -> dict[str, Any]:
    form = layout(POLICY, form_no)
    category = draw(st.sampled_from(form.categories))
    fields: dict[str, Any] = {}
    for column in form.columns:
        element = form.element(column, category)
        if element is None:
            continue
        if element.type == "dropdown":
            fields[element.id] = draw(st.sampled_from(element.options))
        elif column.kind == "integer":
            n = draw(st.integers(1, 500))
            fields[element.id] = draw(st.sampled_from([n, str(n)]))
        elif element.required:
            fields[element.id] = draw(_TEXT.filter(lambda t: t.strip("\r\n\t \u3000\x07\ufffe")))
        else:
            fields[element.id] = draw(_TEXT)
    created = draw(
        st.one_of(
            st.none(),
            st.dates(date(2018, 1, 1), date(2030, 12, 31)).map(date.isoformat),
            st.datetimes(datetime(2018, 1, 2), datetime(2030, 12, 30), timezones=st.just(timezone(timedelta(hours=-5)))).map(datetime.isoformat),
        )
    )  # fmt: skip
    number = draw(st.none() | st.integers(1, 99999))
    return {
        "number": number,
        "url": f"https://git.example.cn/gdzz/support/issues/{number}" if number else "",
        "created": created,
        "state": draw(st.sampled_from([None, "open", "closed"])),
        "progress": draw(st.sampled_from(["", "已转国家中心", "待地市补充材料"])),
        "category": category,
        "fields": fields,
    }


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_round_trip_over_generated_problems(data: st.DataObject) -> None:
    form_no = data.draw(st.sampled_from([2, 3, 4]))
    rows = data.draw(st.lists(problems(form_no), max_size=6))
    form = layout(POLICY, form_no)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "a.xlsx"
        export_workbook(POLICY, form_no, rows, META, out)
        result = read_workbook(POLICY, out, form_no)
    by_stage, _ = prepare(POLICY, form, rows)
    expected: list[SheetRow] = []
    for stage, placed in by_stage.items():
        for item in placed:
            row, problems_found = read_cells(POLICY, form, item.cells, sheet_stage=stage)
            assert problems_found == [] and row is not None
            expected.append(row)
    assert result.errors == []
    assert result.rows == expected
    # And what went in is what came out: the same values, cleaned of what a cell cannot hold.
    assert len(result.rows) == len(rows)
    originals = sorted(rows, key=lambda r: STAGES.index(r["fields"]["stage"]))
    for original, found in zip(originals, result.rows, strict=True):
        assert found.category == original["category"]
        assert found.number == original["number"]
        for key, value in original["fields"].items():
            column = form.field_column(key)
            assert column is not None
            element = form.element(column, original["category"])
            assert element is not None
            if isinstance(value, str) and element.type != "dropdown":
                value = mask_personal(clean_text(value), contact=column.contact)[0]
            assert found.fields[key] == str(value)


# 附件1: the register.

REGISTER = """\
filings:
  - city: 广州市
    year: 2025
    filed: 2025-09-12
    phone: 020-12345678
    email: zizhu@gz.example.cn
    head: {name: 张某某, title: 科长, phone: 020-12345679}
    technical: {name: 李某某, phone: 13800138000, email: it@gz.example.cn}
  - city: 深圳市
    year: 2025
    filed: 2025-10-08
    phone: 0755-1234567
    email: zizhu@sz.example.cn
    head: {name: 王某某}
    technical: {name: 赵某某}
  - city: 珠海市
    year: 2024
    phone: 0756-1234567
    email: zizhu@zh.example.cn
    head: {name: 钱某某}
    technical: {name: 孙某某}
"""


def test_register_summary_lists_every_city(tmp_path: Path) -> None:
    register = parse_register(POLICY, REGISTER, "备案.yml")
    out = tmp_path / "附件1.xlsx"
    result = export_register(POLICY, register, 2025, Meta(unit="省助学办"), out)
    assert result["filed"] == 1 and result["late"] == 1 and result["cities"] == 22
    assert result["missing"] == [c for c in POLICY.cities if c not in ("广州市", "深圳市")]
    assert result["statuses"][:3] == [
        {"city": "广州市", "status": "filed", "filed": "2025-09-12"},
        {"city": "深圳市", "status": "late", "filed": "2025-10-08"},
        {"city": "珠海市", "status": "missing", "filed": None},
    ]
    ws = load_workbook(out)["2025年"]
    assert ws["A2"].value == "全国学生资助管理信息系统技术支持服务备案表（2025年汇总）"
    assert [c.value for c in ws[5]][:5] == [
        1,
        "广州市",
        "020-12345678",
        "zizhu@gz.example.cn",
        "张某某",
    ]
    assert ws["J5"].value == "13800138000"  # a contact's own phone is not masked
    assert [ws.cell(r, 13).value for r in (5, 6, 7)] == ["已报送", "逾期报送", "未报送"]
    assert ws.max_row == 4 + 22


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            "city: 深圳市",
            "city: 深圳",
            9,
            "字段 filings[1].city：未知地市 深圳；应为政策文件 cities 中的名称，如 广州市",
        ),
        (
            "city: 深圳市",
            "city: 广州市",
            9,
            "字段 filings[1].city：广州市 2025 年的备案重复；同一地市每年只保留一条（以最新为准）",
        ),
        ("email: zizhu@sz.example.cn", "email: 没有", 13, "字段 filings[1].email：格式不符"),
        ("    head: {name: 王某某}\n", "", 9, "字段 filings[1].head：缺少必填字段"),
    ],
    ids=["未知地市", "重复", "邮箱", "缺负责人"],
)
def test_register_errors_name_line_and_field(old: str, new: str, line: int, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_register(POLICY, REGISTER.replace(old, new, 1), "备案.yml")
    assert f"  备案.yml 第 {line} 行，{message}" in caught.value.message

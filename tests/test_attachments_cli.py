"""`zzxt attachments`: templates, checking a city's workbook, offline export, the 附件1 register."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from tests.test_attachments import (
    HEADERS_2,
    POLICY,
    REGISTER,
    STUDENT_ID,
    _city_row,
    account,
    application,
    city_sheet,
    fresh,
    technical,
)


def _city_file(tmp_path: Path, *rows: list[object]) -> Path:
    wb = fresh()
    city_sheet(wb, "义务教育", HEADERS_2, list(rows))
    path = tmp_path / "广州市-附件2.xlsx"
    wb.save(path)
    return path


def test_template_writes_a_blank_form(invoke, tmp_path: Path) -> None:
    out = tmp_path / "附件3.xlsx"
    result = invoke("attachments", "template", "--form", "3", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"已生成 附件3 全国学生资助管理信息系统用户申请表：{out}\n"
    wb = load_workbook(out)
    assert wb.sheetnames[:2] == ["学前教育", "义务教育"]
    assert wb["义务教育"]["A2"].value == "全国学生资助管理信息系统用户申请表"


def test_template_refuses_an_unknown_form(invoke, tmp_path: Path) -> None:
    result = invoke("attachments", "template", "--form", "5", "--out", str(tmp_path / "a.xlsx"))
    assert result.exit_code == 2
    assert "不是可选值" in result.stderr


def test_check_lists_rows_and_passes(invoke, tmp_path: Path) -> None:
    path = _city_file(
        tmp_path, _city_row(1, "2025-9-30"), _city_row(2, "2025/10/8", summary="登录失败")
    )
    result = invoke("attachments", "check", str(path))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "附件2 全国学生资助管理信息系统应用类及技术类问题反馈表：读取 2 行（义务教育 2）\n"
        "  义务教育 第 5 行：广州市 · 广州市教育局 · 应用类问题：导入报错\n"
        "  义务教育 第 6 行：广州市 · 广州市教育局 · 应用类问题：登录失败\n"
    )


def test_check_prints_every_error_and_exits_1(invoke, tmp_path: Path) -> None:
    path = _city_file(
        tmp_path,
        _city_row(1, "2025-9-30", city="广州"),
        _city_row(2, "2025-9-30", detail=f"学生 {STUDENT_ID}", phone=None),
        _city_row(3, "2025-9-30", summary=f"学生 {STUDENT_ID} 无法导入"),
    )
    result = invoke("attachments", "check", str(path))
    assert result.exit_code == 1
    masked = f"{STUDENT_ID[:4]}{'*' * 10}{STUDENT_ID[-4:]}"
    assert result.stdout.splitlines()[1:] == [
        f"  义务教育 第 7 行：广州市 · 广州市教育局 · 应用类问题：学生 {masked} 无法导入",
        "错误：广州市-附件2.xlsx 工作表“义务教育” 第 5 行 第 B 列（地 市）：“广州”不是可选值，应为：广州市、深圳市、珠海市、汕头市、佛山市、韶关市、河源市、梅州市等",
        "错误：广州市-附件2.xlsx 工作表“义务教育” 第 6 行 第 H 列（联系方式）：不能为空",
    ]
    assert result.stderr == "错误：发现 2 处错误，请修改后重新检查。\n"
    assert STUDENT_ID not in result.stdout


def test_check_json(invoke, tmp_path: Path) -> None:
    path = _city_file(tmp_path, _city_row(1, "2025-9-30"))
    result = invoke("attachments", "check", str(path), "--form", "2", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["form"] == 2 and data["errors"] == [] and data["sheets"] == {"义务教育": 1}
    row = data["rows"][0]
    assert row["category"] == "application" and row["stage"] == "义务教育"
    assert row["fields"]["phone"] == "13800138000" and row["created"] == "2025-09-30"
    assert row["source"] == {"file": "广州市-附件2.xlsx", "sheet": "义务教育", "row": 5}
    assert len(row["fingerprint"]) == 16


def test_check_refuses_xls_with_exit_2(invoke, tmp_path: Path) -> None:
    path = tmp_path / "旧表.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    result = invoke("attachments", "check", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith("错误：旧表.xls 不是 .xlsx 格式")
    assert "另存为" in result.stderr and "Traceback" not in result.stderr


def test_export_from_json_then_check_it(invoke, tmp_path: Path) -> None:
    rows = tmp_path / "rows.json"
    rows.write_text(
        json.dumps([application(12), technical(13, stage="普通高中")], ensure_ascii=False),
        encoding="utf-8",
    )
    out = tmp_path / "out" / "附件2.xlsx"
    result = invoke(
        "attachments", "export", "--form", "2", "--from-json", str(rows), "--out", str(out),
        "--unit", "广州市教育局", "--period", "2025年9月", "--now", "2025-10-10T09:00:00+08:00",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"已导出 附件2 2 个问题（义务教育 1、普通高中 1）：{out}\n"
    info = load_workbook(out)["义务教育"]["A3"].value
    assert info.endswith("报送期间：2025年9月　　填报日期：2025年10月10日")
    checked = invoke("attachments", "check", str(out), "--json")
    assert checked.exit_code == 0
    assert [r["number"] for r in json.loads(checked.stdout)["rows"]] == [12, 13]


def test_export_json_from_stdin(invoke, tmp_path: Path) -> None:
    out = tmp_path / "附件3.xlsx"
    text = json.dumps({"rows": [account(20)]}, ensure_ascii=False)
    result = invoke(
        "attachments", "export", "--form", "3", "--from-json", "-", "--out", str(out),
        "--date", "2025-09-30", "--json", input=text,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "form": 3,
        "rows": 1,
        "sheets": {s.name: int(s.name == "义务教育") for s in POLICY.stages},
        "warnings": [],
        "out": str(out),
    }


def test_export_bad_input_writes_nothing(invoke, tmp_path: Path) -> None:
    out = tmp_path / "a.xlsx"
    bad = tmp_path / "bad.json"
    bad.write_text(
        '[{"category": "application", "number": "十二"}, {"fields": {}}]', encoding="utf-8"
    )
    result = invoke(
        "attachments", "export", "--form", "2", "--from-json", str(bad), "--out", str(out)
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"错误：{bad} 中有 2 处错误：\n"
        f"  {bad} 第 1 条，字段 number：应为整数\n"
        f"  {bad} 第 2 条，字段 category：缺少必填字段\n"
    )
    broken = tmp_path / "broken.json"
    broken.write_text("[{]", encoding="utf-8")
    result = invoke(
        "attachments", "export", "--form", "2", "--from-json", str(broken), "--out", str(out)
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(f"错误：{broken} 不是有效的 JSON（第 1 行第 3 列")
    assert not out.exists()


def test_export_prints_warnings_to_stderr(invoke, tmp_path: Path) -> None:
    rows = tmp_path / "rows.json"
    rows.write_text(
        json.dumps([application(12, city="广州")], ensure_ascii=False), encoding="utf-8"
    )
    out = tmp_path / "a.xlsx"
    result = invoke(
        "attachments", "export", "--form", "2", "--from-json", str(rows), "--out", str(out)
    )
    assert result.exit_code == 0
    assert result.stderr.startswith("提示：第 1 条（#12） 地市：“广州”不是可选值")


def test_register_lists_the_year_and_writes_the_summary(invoke, tmp_path: Path) -> None:
    data = tmp_path / "备案登记.yml"
    data.write_text(REGISTER, encoding="utf-8")
    out = tmp_path / "附件1-2025.xlsx"
    result = invoke(
        "attachments",
        "register",
        str(data),
        "--now",
        "2025-11-01T10:00:00+08:00",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "2025 年附件1 备案：22 个地市，已报送 1，逾期报送 1，未报送 20"
    assert lines[1:4] == [
        "  广州市：已报送（2025-09-12）",
        "  深圳市：逾期报送（2025-10-08）",
        "  珠海市：未报送",
    ]
    assert lines[-1] == f"已写出汇总表：{out}"
    assert load_workbook(out).sheetnames[0] == "2025年"
    as_json = invoke("attachments", "register", str(data), "--year", "2024", "--json")
    assert json.loads(as_json.stdout)["statuses"][2] == {
        "city": "珠海市",
        "status": "filed",
        "filed": None,
    }


def test_register_errors_exit_2(invoke, tmp_path: Path) -> None:
    data = tmp_path / "备案登记.yml"
    data.write_text(REGISTER.replace("city: 深圳市", "city: 深圳"), encoding="utf-8")
    result = invoke("attachments", "register", str(data))
    assert result.exit_code == 2
    assert result.stderr == (
        "错误：备案登记文件校验未通过：\n"
        f"  {data} 第 9 行，字段 filings[1].city：未知地市 深圳；应为政策文件 cities 中的名称，如 广州市\n"
        "请修改后运行 zzxt attachments register 重新校验。\n"
    )

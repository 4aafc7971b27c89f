"""附件1: the register of each city's public contacts, filed every September (第七条).

The register is a YAML file the province keeps, one entry per city and year:

    filings:
      - city: 广州市
        year: 2025
        filed: 2025-09-12
        phone: 020-12345678
        email: zizhu@example.gov.cn
        head: {name: 张某某, title: 科长, phone: 020-12345679}
        technical: {name: 李某某, phone: 020-12345670, email: it@example.gov.cn}

`load_register` validates it (Chinese errors with line numbers, cities from
the policy); `build_register_workbook` lays out one year's filings, every
city of the policy listed, with whether and when it filed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from openpyxl import Workbook
from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from tracker.attachments.layout import Layout, layout
from tracker.attachments.rows import Cell
from tracker.attachments.sheet import (
    Meta,
    Options,
    SheetColumn,
    add_dropdowns,
    save_atomic,
    start_sheet,
    write_rows,
)
from tracker.errors import InputError
from tracker.policy import Policy
from tracker.validation import LocatedError, Strict, validate_yaml

FILING_MONTH = 9  # 第七条: filed with the province every September
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


def _as_text(value: object) -> object:
    """Let a phone number written without quotes (a YAML integer) count as text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Phone = Annotated[
    str, BeforeValidator(_as_text), Field(pattern=r"^(?:\D*\d){7,}\D*$", max_length=40)
]
Status = Literal["filed", "late", "missing"]
STATUS_NAMES: dict[Status, str] = {"filed": "已报送", "late": "逾期报送", "missing": "未报送"}


class Person(Strict):
    name: Annotated[str, Field(min_length=1)]
    title: str = ""
    phone: Phone | Literal[""] = ""
    email: Email | Literal[""] = ""


class Filing(Strict):
    """One city's 附件1 for one year."""

    city: Annotated[str, Field(min_length=1)]
    year: Annotated[int, Field(ge=2018, le=2100)]
    filed: date | None = None
    phone: Phone
    email: Email
    head: Person
    technical: Person
    note: str = ""

    @field_validator("city")
    @classmethod
    def _known_city(cls, value: str, info: ValidationInfo) -> str:
        cities = (info.context or {}).get("cities", [])
        if cities and value not in cities:
            raise ValueError(f"未知地市 {value}；应为政策文件 cities 中的名称，如 {cities[0]}")
        return value

    def status(self) -> Status:
        """Return whether it came in time: by the end of September of its year."""
        if self.filed is not None and self.filed > date(self.year, FILING_MONTH, 30):
            return "late"
        return "filed"

    def values(self) -> dict[str, str | date | None]:
        """Return the values by 附件1 field id (`REGISTER_FIELD_IDS`)."""
        return {
            "city": self.city,
            "year": str(self.year),
            "filed": self.filed,
            "phone": self.phone,
            "email": self.email,
            "head_name": self.head.name,
            "head_title": self.head.title,
            "head_phone": self.head.phone,
            "tech_name": self.technical.name,
            "tech_title": self.technical.title,
            "tech_phone": self.technical.phone,
            "tech_email": self.technical.email,
            "note": self.note,
        }


class Register(Strict):
    filings: list[Filing] = []

    @model_validator(mode="after")
    def _one_per_city_and_year(self) -> Register:
        seen: set[tuple[str, int]] = set()
        for i, filing in enumerate(self.filings):
            key = (filing.city, filing.year)
            if key in seen:
                raise LocatedError(
                    ("filings", i, "city"),
                    f"{filing.city} {filing.year} 年的备案重复；同一地市每年只保留一条（以最新为准）",
                )
            seen.add(key)
        return self

    def year(self, year: int) -> dict[str, Filing]:
        return {f.city: f for f in self.filings if f.year == year}


def parse_register(policy: Policy, text: str, source: str) -> Register:
    """Validate a register; errors name the file, line and field in Chinese."""
    return validate_yaml(
        Register,
        text,
        source,
        kind="备案登记文件",
        hint="请修改后运行 zzxt attachments register 重新校验。",
        error=InputError,
        context={"cities": list(policy.cities)},
    )


def load_register(policy: Policy, path: Path) -> Register:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise InputError(f"找不到备案登记文件 {path}，请检查路径。") from None
    except UnicodeDecodeError:
        raise InputError(f"备案登记文件 {path} 不是 UTF-8 编码，请另存为 UTF-8 后重试。") from None
    except OSError as exc:
        raise InputError(f"无法读取备案登记文件 {path}：{exc.strerror}") from None
    return parse_register(policy, text, str(path))


@dataclass(frozen=True)
class CityStatus:
    city: str
    status: Status
    filing: Filing | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "city": self.city,
            "status": self.status,
            "filed": self.filing.filed.isoformat() if self.filing and self.filing.filed else None,
        }


def year_status(policy: Policy, register: Register, year: int) -> list[CityStatus]:
    """Return every city of the policy, in order, with its filing for `year` if any."""
    filings = register.year(year)
    out = []
    for city in policy.cities:
        filing = filings.get(city)
        out.append(CityStatus(city, filing.status() if filing else "missing", filing))
    return out


def register_summary(policy: Policy, register: Register, year: int) -> dict[str, Any]:
    """Return how many cities filed `year`'s 附件1 in time, late or not at all."""
    statuses = year_status(policy, register, year)
    return {
        "form": 1,
        "year": year,
        "cities": len(statuses),
        "filed": sum(1 for s in statuses if s.status == "filed"),
        "late": sum(1 for s in statuses if s.status == "late"),
        "missing": [s.city for s in statuses if s.status == "missing"],
        "statuses": [s.as_dict() for s in statuses],
    }


def _register_form(policy: Policy) -> Layout:
    return layout(policy, 1)


def register_columns(policy: Policy, form: Layout, *, blank: bool = False) -> list[SheetColumn]:
    """Return 附件1's columns as drawn; a blank form leaves out the province's status column."""
    return [
        SheetColumn(
            header=column.header,
            width=column.width,
            options=tuple(policy.cities) if "city" in column.field_ids else (),
            is_date=column.kind == "date",
        )
        for column in form.columns
        if not (blank and column.source == "status")
    ]


def build_register_workbook(
    policy: Policy, register: Register, year: int, meta: Meta
) -> tuple[Workbook, dict[str, Any]]:
    """Return the province's summary of one year's 附件1 filings, and what it says."""
    form = _register_form(policy)
    statuses = year_status(policy, register, year)
    columns = register_columns(policy, form)
    rows: list[dict[int, Cell]] = []
    for n, entry in enumerate(statuses, start=1):
        values: dict[str, str | date | None] = (
            entry.filing.values() if entry.filing else {"city": entry.city}
        )
        cells: dict[int, Cell] = {}
        for column in form.columns:
            if column.source == "seq":
                cells[column.position] = Cell(n)
            elif column.source == "status":
                cells[column.position] = Cell(STATUS_NAMES[entry.status])
            elif column.field_ids:
                value = values.get(column.field_ids[0])
                if value not in (None, ""):
                    cells[column.position] = Cell(value)
        rows.append(cells)
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    options = Options(wb)
    ws = wb.create_sheet(f"{year}年", index=0)
    start_sheet(ws, form.mark, f"{form.title}（{year}年汇总）", meta.line(), columns)
    write_rows(ws, columns, rows, spare=0)
    add_dropdowns(ws, columns, options, len(rows))
    wb.active = 0
    wb.properties.title = form.title
    wb.properties.creator = "zzxt"
    return wb, register_summary(policy, register, year)


def export_register(
    policy: Policy, register: Register, year: int, meta: Meta, out: Path
) -> dict[str, Any]:
    """Write one year's 附件1 summary to `out`; return what it holds and where."""
    wb, summary = build_register_workbook(policy, register, year, meta)
    save_atomic(wb, out)
    return {**summary, "out": str(out)}


def blank_register(policy: Policy, meta: Meta, spare: int) -> Workbook:
    """Return the empty 附件1 a city fills in (no status column)."""
    form = _register_form(policy)
    columns = register_columns(policy, form, blank=True)
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    options = Options(wb)
    ws = wb.create_sheet("备案表", index=0)
    start_sheet(ws, form.mark, form.title, meta.line(), columns)
    write_rows(ws, columns, [], spare=spare, print_spare=True)
    add_dropdowns(ws, columns, options, spare)
    wb.active = 0
    wb.properties.title = form.title
    wb.properties.creator = "zzxt"
    return wb

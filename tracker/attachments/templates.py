"""Blank 附件1-4 for cities to download and fill in.

The knowledge-base build calls `write_templates` to put all four beside the
service guide; `zzxt attachments template` writes one.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from tracker.attachments.export import build_workbook
from tracker.attachments.layout import FORM_NUMBERS, layout
from tracker.attachments.register import blank_register
from tracker.attachments.sheet import Meta, save_atomic
from tracker.errors import InputError
from tracker.policy import Policy

REGISTER_SPARE_ROWS = 3  # one city, room for a second technical contact or a correction


def template_workbook(policy: Policy, number: int) -> Workbook:
    """Return the blank workbook of 附件`number`, laid out as the exports are."""
    if number not in FORM_NUMBERS:
        raise InputError(f"没有附件{number}：附件编号为 1、2、3、4。")
    if number == 1:
        return blank_register(policy, Meta(), REGISTER_SPARE_ROWS)
    wb, _ = build_workbook(policy, number, [], Meta(), blank=True)
    return wb


def template_filename(policy: Policy, number: int) -> str:
    """Return the download name, e.g. `附件2-全国学生资助管理信息系统应用类及技术类问题反馈表.xlsx`."""
    form = layout(policy, number)
    return f"{form.mark}-{form.title}.xlsx"


def write_template(policy: Policy, number: int, out: Path) -> Path:
    save_atomic(template_workbook(policy, number), out)
    return out


def write_templates(policy: Policy, directory: Path) -> list[Path]:
    """Write every form the policy defines into `directory`; return the files in form order."""
    if policy.attachments is None:
        return []
    numbers = sorted(f.number for f in policy.attachments.forms)
    return [write_template(policy, n, directory / template_filename(policy, n)) for n in numbers]

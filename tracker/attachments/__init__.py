"""The rules' attachment forms (附件1-4) as spreadsheets, written and read back.

Cities report what they cannot solve to the province on official forms,
gathered by school stage (第七至十条): 附件2 for application and technical
problems, 附件3 for account requests, 附件4 for requirements, and every
September 附件1, the register of their public contacts. The columns of each
form are policy data (`attachments` in the policy file).

    export_workbook(policy, form_no, rows, meta, out)   problems -> .xlsx by stage
    read_workbook(policy, path, form_no=None)           a filled .xlsx -> rows + errors
    export_register(policy, register, year, meta, out)  附件1 filings -> the year's summary
    write_templates(policy, directory)                  blank 附件1-4 for download
"""

from tracker.attachments.export import build_workbook, export_workbook, parse_rows
from tracker.attachments.reader import ReadResult, read_workbook
from tracker.attachments.register import (
    Register,
    build_register_workbook,
    export_register,
    load_register,
    parse_register,
    year_status,
)
from tracker.attachments.rows import ExportRow, SheetRow
from tracker.attachments.sheet import Meta
from tracker.attachments.templates import (
    template_filename,
    template_workbook,
    write_template,
    write_templates,
)

__all__ = [
    "ExportRow",
    "Meta",
    "ReadResult",
    "Register",
    "SheetRow",
    "build_register_workbook",
    "build_workbook",
    "export_register",
    "export_workbook",
    "load_register",
    "parse_register",
    "parse_rows",
    "read_workbook",
    "template_filename",
    "template_workbook",
    "write_template",
    "write_templates",
    "year_status",
]

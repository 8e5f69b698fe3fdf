"""A payment list as CSV, XLSX (openpyxl) and a printable PDF (reportlab).

Every format renders the same PaymentSheet: one row per person and policy with the full ID
number (the payment needs it), totals per policy and a grand total. Text is in the active
language (Vietnamese by default). The PDF needs a font with Vietnamese diacritics: DejaVu Sans
from Debian's fonts-dejavu-core (`scripts/system-deps fonts-dejavu-core`).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from benefits.selectors import PaymentRow, PaymentSheet
from lib.money import format_vnd

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/local/share/fonts/truetype/dejavu"),
)


class ExportError(Exception):
    """A format that cannot be produced here, with the fix."""


def render(sheet: PaymentSheet, fmt: str) -> tuple[bytes, str]:
    """(content, content type) of the sheet in one of FORMATS."""
    if fmt not in FORMATS:
        raise ExportError(
            f"Định dạng {fmt!r} không được hỗ trợ; hãy chọn csv, xlsx hoặc pdf. / "
            f"Format {fmt!r} is not supported: choose csv, xlsx or pdf."
        )
    builder = {"csv": to_csv, "xlsx": to_xlsx, "pdf": to_pdf}[fmt]
    return builder(sheet), FORMATS[fmt]


def _headers() -> list[str]:
    return [
        _("No."),
        _("Full name"),
        _("Personal ID number"),
        _("Date of birth"),
        _("Village"),
        _("Policy"),
        _("Paid to (when not the person)"),
        _("Amount (đồng)"),
    ]


def payee_text(row: PaymentRow) -> str:
    """ "Name (relation), ID number" of who receives the money; empty when it is the person."""
    if not row.payee_name:
        return ""
    text = row.payee_name
    if row.payee_relation:
        text += f" ({row.payee_relation})"
    if row.payee_personal_id:
        text += f", {row.payee_personal_id}"
    return text


def _heading(sheet: PaymentSheet) -> str:
    if sheet.kind == "one_off":
        return _("PAYMENT LIST OF ONE-OFF SOCIAL SUPPORT")
    return _("PAYMENT LIST OF MONTHLY SOCIAL SUPPORT")


def _title(sheet: PaymentSheet) -> str:
    return _("Payment list %(number)s, %(month)s, %(commune)s") % {
        "number": sheet.number,
        "month": sheet.month.strftime("%m/%Y"),
        "commune": sheet.commune,
    }


def _day(value: object) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


def to_csv(sheet: PaymentSheet) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read the diacritics."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_title(sheet)])
    writer.writerow(_headers())
    for row in sheet.rows:
        writer.writerow(
            [
                row.number,
                row.full_name,
                row.personal_id,
                _day(row.date_of_birth),
                row.village,
                row.policy_title,
                payee_text(row),
                row.amount,
            ]
        )
    for title, count, amount in sheet.totals:
        writer.writerow(["", _("Total"), "", "", "", f"{title} ({count})", "", amount])
    writer.writerow(["", _("Grand total"), "", "", "", "", "", sheet.total])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(sheet: PaymentSheet) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    ws.title = sheet.month.strftime("%Y-%m")
    ws.append([_title(sheet)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(_headers())
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in sheet.rows:
        ws.append(
            [
                row.number,
                row.full_name,
                row.personal_id,
                row.date_of_birth,
                row.village,
                row.policy_title,
                payee_text(row),
                row.amount,
            ]
        )
        ws.cell(ws.max_row, 4).number_format = "DD/MM/YYYY"
        ws.cell(ws.max_row, 8).number_format = "#,##0"
    for title, count, amount in sheet.totals:
        ws.append([None, _("Total"), None, None, None, f"{title} ({count})", None, amount])
        ws.cell(ws.max_row, 8).number_format = "#,##0"
    ws.append([None, _("Grand total"), None, None, None, None, None, sheet.total])
    ws.cell(ws.max_row, 2).font = Font(bold=True)
    ws.cell(ws.max_row, 8).font = Font(bold=True)
    ws.cell(ws.max_row, 8).number_format = "#,##0"
    for letter, width in zip("ABCDEFGH", (6, 28, 16, 12, 18, 60, 36, 14), strict=True):
        ws.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _font() -> tuple[str, str]:
    """Register DejaVu Sans (regular, bold) once; refuse clearly when it is not installed."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DejaVuSans" in pdfmetrics.getRegisteredFontNames():
        return "DejaVuSans", "DejaVuSans-Bold"
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
            return "DejaVuSans", "DejaVuSans-Bold"
    raise ExportError(
        "Thiếu phông chữ DejaVu Sans để in tiếng Việt; hãy chạy scripts/system-deps "
        "fonts-dejavu-core. / The DejaVu Sans font is missing for Vietnamese text; run "
        "scripts/system-deps fonts-dejavu-core."
    )


def to_pdf(sheet: PaymentSheet) -> bytes:
    """A4 landscape: heading, the table with a column for the recipient's signature, totals,
    and the signature block (prepared by, accountant, chairman of the commune)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = _font()
    body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=11)
    centre = ParagraphStyle("centre", parent=body, alignment=1)
    heading = ParagraphStyle("heading", parent=centre, fontName=bold, fontSize=13, leading=16)
    strong = ParagraphStyle("strong", parent=centre, fontName=bold)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=_title(sheet),
    )
    story: list[object] = [
        Paragraph(f"{sheet.province} – {sheet.commune}".upper(), strong),
        Spacer(1, 4 * mm),
        Paragraph(_heading(sheet), heading),
        Paragraph(
            _("Month %(month)s – list number %(number)s")
            % {"month": sheet.month.strftime("%m/%Y"), "number": sheet.number},
            centre,
        ),
        Spacer(1, 5 * mm),
    ]
    data: list[list[object]] = [
        [Paragraph(text, strong) for text in [*_headers(), _("Recipient's signature")]]
    ]
    for row in sheet.rows:
        data.append(
            [
                str(row.number),
                Paragraph(row.full_name, body),
                row.personal_id,
                _day(row.date_of_birth),
                Paragraph(row.village, body),
                Paragraph(row.policy_title, body),
                Paragraph(payee_text(row), body),
                format_vnd(row.amount, symbol="").strip(),
                "",
            ]
        )
    for title, count, amount in sheet.totals:
        data.append(
            [
                "",
                Paragraph(_("Total"), body),
                "",
                "",
                "",
                Paragraph(f"{title} ({count})", body),
                "",
                format_vnd(amount, symbol="").strip(),
                "",
            ]
        )
    data.append(
        [
            "",
            Paragraph(_("Grand total"), strong),
            "",
            "",
            "",
            "",
            "",
            Paragraph(format_vnd(sheet.total, symbol="").strip(), strong),
            "",
        ]
    )
    widths = [9, 40, 26, 20, 24, 62, 45, 23, 24]
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), regular),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (7, 1), (7, -1), "RIGHT"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white]),
            ]
        )
    )
    story += [table, Spacer(1, 6 * mm)]
    story.append(
        Table(
            [
                ["", "", Paragraph(_("……, day …… month …… year ……"), centre)],
                [
                    Paragraph(_("Prepared by"), strong),
                    Paragraph(_("Accountant"), strong),
                    Paragraph(_("Chairman of the commune People's Committee"), strong),
                ],
                [Paragraph(_("(sign and write full name)"), centre)] * 3,
                ["", "", ""],
            ],
            colWidths=[90 * mm, 90 * mm, 90 * mm],
            rowHeights=[None, None, None, 25 * mm],
        )
    )
    doc.build(story)
    return out.getvalue()

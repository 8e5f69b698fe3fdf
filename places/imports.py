"""Reading the CSV files that people save from Excel, LibreOffice or Google Sheets.

Files arrive as UTF-8 (with or without the byte-order mark Excel writes for "CSV UTF-8"), as
UTF-16 (Excel's "Unicode text"), or in an old 8-bit encoding (Windows-1258, TCVN3, VNI). The
8-bit ones cannot be decoded without guessing, and a wrong guess silently corrupts Vietnamese
names, so such a file is refused as a whole with a message that says how to save it again.

Messages are English msgids translated through the catalogue; `both()` renders one in
Vietnamese and in English so that reports and errors carry the two languages side by side.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from lib.vn_text import fold, nfc

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
DELIMITERS = (",", ";", "\t")
# Columns the rejects file adds in front of and after the file's own columns; an import ignores
# them, so a corrected rejects file can be imported as it is.
REJECT_LINE_COLUMN = "line"
REJECT_REASON_COLUMNS = ("error_vi", "error_en")


def both(message: Any, **params: Any) -> tuple[str, str]:
    """The message in Vietnamese and in English, with %(name)s parameters filled in."""
    rendered = []
    for language in ("vi", "en"):
        with translation.override(language):
            text = str(message)
            rendered.append(text % params if params else text)
    return rendered[0], rendered[1]


def bilingual(message: Any, **params: Any) -> str:
    """ "Vietnamese / English": how messages about bad input are shown."""
    return " / ".join(both(message, **params))


class BilingualError(Exception):
    """A problem with a message in Vietnamese and English; `field` names the input at fault."""

    def __init__(self, message: Any, *, field: str | None = None, **params: Any) -> None:
        self.message_vi, self.message_en = both(message, **params)
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.message_vi} / {self.message_en}"


class ImportRefused(BilingualError):
    """The whole file cannot be read; nothing in it was imported."""


class RowError(BilingualError):
    """One row cannot be imported; the others still can."""


@dataclass
class CsvRow:
    line: int
    values: dict[str, str]
    raw: dict[str, str]


@dataclass
class Rejection:
    line: int
    values: dict[str, str]
    reason_vi: str
    reason_en: str

    def as_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "values": self.values,
            "reason_vi": self.reason_vi,
            "reason_en": self.reason_en,
        }


@dataclass
class ImportReport:
    """What became of each row of one file."""

    columns: list[str]
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    dry_run: bool = False
    run_id: int | None = None

    def reject(self, row: CsvRow, error: BilingualError) -> None:
        self.rejected.append(Rejection(row.line, row.raw, error.message_vi, error.message_en))

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged + len(self.rejected)


def decode(data: bytes) -> str:
    """Text of an uploaded file, or ImportRefused when it is not UTF-8 or UTF-16 with a BOM."""
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _not_unicode(exc, data) from exc
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    if b"\x00" in data:
        # UTF-16 without a byte-order mark: its NUL bytes are valid UTF-8 but the text is not.
        raise ImportRefused(
            _(
                "The file is not saved as UTF-8 text. Open it in Excel and choose "
                'File > Save As > "CSV UTF-8 (Comma delimited)", then upload it again.'
            ),
            field="file",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_unicode(exc, data) from exc


def _not_unicode(exc: UnicodeDecodeError, data: bytes) -> ImportRefused:
    line = data[: exc.start].count(b"\n") + 1
    return ImportRefused(
        _(
            "The file is not in UTF-8: line %(line)s has characters in an old encoding "
            "(such as Windows-1258, TCVN3 or VNI), so Vietnamese letters would be garbled. "
            'Open it in Excel and choose File > Save As > "CSV UTF-8 (Comma delimited)", '
            "then upload it again. Nothing was imported."
        ),
        field="file",
        line=line,
    )


def column_key(header: str) -> str:
    """A header cell reduced to the form column names and aliases are written in."""
    return "_".join(fold(header).replace("-", " ").replace("_", " ").split())


def read_rows(
    data: bytes,
    *,
    columns: Sequence[str],
    required: Iterable[str],
    aliases: Mapping[str, str] | None = None,
) -> tuple[list[str], list[CsvRow]]:
    """The header as written and every non-blank row, keyed by canonical column name.

    Unknown columns are ignored; a missing required column refuses the whole file.
    """
    text = decode(data)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise ImportRefused(
            _("The file is empty. Put the column names on the first line and one row per line."),
            field="file",
        )
    delimiter = max(DELIMITERS, key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    for cells in reader:
        if any(cell.strip() for cell in cells):
            header = [nfc(cell) for cell in cells]
            break
    lookup = {column: column for column in columns}
    lookup.update(aliases or {})
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        canonical = lookup.get(column_key(cell))
        if canonical is not None and canonical not in positions:
            positions[canonical] = index
    missing = [column for column in required if column not in positions]
    if missing:
        raise ImportRefused(
            _(
                "The first line must name the columns. Missing: %(missing)s. "
                "Expected: %(expected)s. Download the sample file to see the layout."
            ),
            field="file",
            missing=", ".join(missing),
            expected=",".join(columns),
        )
    rows: list[CsvRow] = []
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        values = {
            column: nfc(cells[index]) if index < len(cells) else ""
            for column, index in positions.items()
        }
        for column in columns:
            values.setdefault(column, "")
        raw = {
            name: (cells[index] if index < len(cells) else "")
            for index, name in enumerate(header)
            if name and name != REJECT_LINE_COLUMN and name not in REJECT_REASON_COLUMNS
        }
        rows.append(CsvRow(line=start, values=values, raw=raw))
    return [h for h in header if h], rows


def rejects_csv(columns: Sequence[str], rejected: Iterable[Mapping[str, Any]]) -> str:
    """The rejected rows as CSV: line number, the row as it was, and the reasons.

    The reasons sit in their own columns, which an import ignores, so people can correct the
    rows in this file and import it again.
    """
    own = [c for c in columns if c != REJECT_LINE_COLUMN and c not in REJECT_REASON_COLUMNS]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([REJECT_LINE_COLUMN, *own, *REJECT_REASON_COLUMNS])
    for item in rejected:
        values = item["values"]
        writer.writerow(
            [item["line"], *(values.get(c, "") for c in own), item["reason_vi"], item["reason_en"]]
        )
    return out.getvalue()

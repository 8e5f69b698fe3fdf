"""Population extracts: the columns, the readers (CSV, JSON Lines, Parquet) and row parsing.

Nothing here touches the database. A reader yields `RawRecord`s (a line number and the cell
values as text); `parse_record` turns one into a `Record` or a list of `Problem`s, each with a
Vietnamese and an English message that say what is wrong and how to fix it. The format is
documented in docs/reference/population-extract.md; keep the two in step.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from lib import ethnicity as ethnicity_lib
from lib import personal_id as pid_lib
from lib import phone as phone_lib
from lib.vn_text import fold, name_key, nfc

# Every column the importer understands, in the order the documentation lists them.
COLUMNS = (
    "personal_id",
    "legacy_id",
    "full_name",
    "date_of_birth",
    "sex",
    "ethnicity",
    "ethnicity_code",
    "ethnicity_code_list",
    "commune_code",
    "village",
    "household_id",
    "relation_to_head",
    "phone",
    "marital_status",
    "date_of_death",
    "disability_type",
    "disability_level",
    "disability_certified_on",
    "poverty_status",
    "poverty_period",
    "poverty_review_year",
    "monthly_pension_vnd",
    "has_hiv",
    "child_without_care",
    "is_studying",
    "has_supporter",
)
REQUIRED_COLUMNS = ("personal_id", "full_name", "date_of_birth", "sex", "commune_code")
BOOLEAN_FACTS = ("has_hiv", "child_without_care", "is_studying", "has_supporter")
FACT_COLUMNS = frozenset(
    {
        "disability_type",
        "disability_level",
        "disability_certified_on",
        "poverty_status",
        "poverty_period",
        "poverty_review_year",
        "monthly_pension_vnd",
        *BOOLEAN_FACTS,
    }
)


class ExtractError(Exception):
    """The whole file cannot be read; nothing was imported."""

    def __init__(self, code: str, message_vi: str, message_en: str) -> None:
        super().__init__(f"{message_vi} / {message_en}")
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en


@dataclass(frozen=True)
class Problem:
    """Why one record was refused."""

    code: str
    message_vi: str
    message_en: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message_vi, "message_en": self.message_en}


class CsvLayout:
    """Where the known columns sit in a CSV file's rows, decided once from its header."""

    __slots__ = ("names", "positions", "index", "signature")

    def __init__(self, header: list[str]) -> None:
        known = [(i, c) for i, c in enumerate(header) if c in COLUMNS]
        self.names = tuple(c for _i, c in known)
        self.positions = tuple(i for i, _c in known)
        self.index = {c: i for i, c in known}
        # Part of every row's digest: the same cells under other columns are another record.
        self.signature = "\x1f".join(header) + "\x1e"


class RawRecord:
    """One record as read: its line (or position) and its cells as text.

    A CSV row keeps its cells as a list and builds the column → value mapping only when it is
    needed: re-importing an unchanged file only reads the ID number and digests the row.
    """

    __slots__ = ("line", "_values", "_cells", "_layout", "problems")

    def __init__(
        self,
        line: int,
        values: dict[str, str] | None = None,
        problems: list[Problem] | None = None,
        *,
        cells: list[str] | None = None,
        layout: CsvLayout | None = None,
    ) -> None:
        self.line = line
        self._values = values
        self._cells = cells
        self._layout = layout
        self.problems = problems if problems is not None else []

    @property
    def values(self) -> dict[str, str]:
        """Column → cell text for the known columns present in the source."""
        if self._values is None:
            assert self._cells is not None and self._layout is not None
            cells = self._cells
            self._values = {
                c: cells[i].strip()
                for c, i in zip(self._layout.names, self._layout.positions, strict=True)
            }
        return self._values

    def get(self, column: str) -> str:
        if self._values is None and self._layout is not None:
            position = self._layout.index.get(column)
            return "" if position is None else self._cells[position].strip()  # type: ignore[index]
        return self.values.get(column) or ""

    def digest(self) -> str:
        """A digest of the known cells: equal digests mean the same source record.

        An absent column and an empty cell differ (absent columns leave fields as they are).
        """
        if self._layout is not None and self._cells is not None:
            text = self._layout.signature + "\x1f".join(self._cells)
        else:
            values = self.values
            text = "\x1f".join([f"{c}={values[c]}" for c in COLUMNS if c in values])
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@dataclass
class Disability:
    disability_type: str
    level: str
    certified_on: date | None


@dataclass
class Poverty:
    status: str
    period: str
    review_year: int


@dataclass
class Record:
    """One parsed record. Only columns present in the source appear in `present`."""

    line: int
    present: frozenset[str]
    personal_id: str | None
    legacy_id: str
    full_name: str
    name_key: str
    date_of_birth: date
    birth_precision: str
    sex: str
    ethnicity: str
    ethnicity_code: str
    ethnicity_code_list: str
    commune_code: int
    village: str
    household_code: str
    relation_to_head: str
    phone: str
    marital_status: str
    date_of_death: date | None
    disability: Disability | None = None
    disability_none: bool = False
    poverty: Poverty | None = None
    pension_vnd: int | None = None
    flags: dict[str, bool] = field(default_factory=dict)
    digest: str = ""


# Reading ------------------------------------------------------------------------------------


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise ExtractError(
        "format",
        f"Không nhận ra định dạng tệp {path.name}: dùng đuôi .csv, .jsonl hoặc .parquet "
        "(hoặc ghi rõ --format).",
        f"Cannot tell the format of {path.name}: use a .csv, .jsonl or .parquet file "
        "(or give --format).",
    )


_VIETNAMESE_LETTERS = set(
    "ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ"
)


def _not_utf8_error() -> ExtractError:
    return ExtractError(
        "encoding",
        "Tệp không ở dạng mã UTF-8 và không đọc được như Windows-1258 (có thể là TCVN3 hoặc "
        "VNI). Hãy mở tệp trong Excel và lưu lại với kiểu “CSV UTF-8 (Comma delimited)”.",
        "The file is not UTF-8 and cannot be read as Windows-1258 either (it may be TCVN3 or "
        "VNI). Open it in Excel and save it again as “CSV UTF-8 (Comma delimited)”.",
    )


def _decodes(path: Path, encoding: str, skip: int = 0) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as fh:
            fh.seek(skip)
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _looks_vietnamese(path: Path, encoding: str) -> bool:
    """After decoding, do the non-ASCII letters look like Vietnamese (rather than TCVN3 junk)?"""
    with path.open("r", encoding=encoding) as fh:
        sample = unicodedata.normalize("NFC", fh.read(1 << 20))
    others = [ch for ch in sample if not ch.isascii()]
    if not others:
        return True
    good = sum(1 for ch in others if ch in _VIETNAMESE_LETTERS)
    return good / len(others) >= 0.9


def detect_encoding(path: Path) -> tuple[str, str | None]:
    """The encoding to read a text file with, and a warning when it is not UTF-8.

    UTF-8 (with or without BOM) and UTF-16 (with BOM) are read as they are. Bytes that are not
    UTF-8 are tried as Windows-1258 (Vietnamese Windows), and the file is refused when that
    does not give Vietnamese text either.
    """
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return ("utf-8-sig", None) if _decodes(path, "utf-8", 3) else _fallback(path)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if not _decodes(path, "utf-16"):
            raise ExtractError(
                "encoding",
                "Tệp có dấu UTF-16 nhưng nội dung bị hỏng. Hãy lưu lại tệp dạng “CSV UTF-8”.",
                "The file starts like UTF-16 but its content is damaged. Save it again as "
                "“CSV UTF-8”.",
            )
        return "utf-16", None
    if _decodes(path, "utf-8"):
        return "utf-8", None
    return _fallback(path)


def _fallback(path: Path) -> tuple[str, str]:
    if _decodes(path, "cp1258") and _looks_vietnamese(path, "cp1258"):
        return "cp1258", (
            "Tệp không ở dạng UTF-8; đã đọc theo bảng mã Windows-1258. Lần sau hãy lưu dạng "
            "“CSV UTF-8”. / The file is not UTF-8; it was read as Windows-1258. Next time save "
            "it as “CSV UTF-8”."
        )
    raise _not_utf8_error()


def _header_map(header: list[str]) -> list[str]:
    return [h.strip().lstrip("\ufeff").strip().lower() for h in header]


def check_columns(columns: list[str]) -> list[str]:
    """Refuse a file without the required columns; return the unknown ones (ignored)."""
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        names = ", ".join(missing)
        raise ExtractError(
            "columns",
            f"Thiếu cột bắt buộc: {names}. Dòng đầu của tệp phải có tên các cột như trong "
            "tài liệu “population-extract”.",
            f"Required columns are missing: {names}. The first line of the file must name the "
            "columns as in the “population-extract” reference.",
        )
    seen: set[str] = set()
    for c in columns:
        if c in seen and c:
            raise ExtractError(
                "columns",
                f"Cột {c} xuất hiện hai lần ở dòng tiêu đề; hãy xoá một cột.",
                f"Column {c} appears twice in the header; remove one of them.",
            )
        seen.add(c)
    return [c for c in columns if c and c not in COLUMNS]


def _clean_text(value: str) -> str:
    value = value.strip()
    if value and not value.isascii():
        value = unicodedata.normalize("NFC", value)
    return value


class Extract:
    """An opened extract: its columns, unknown columns, a warning, and its records."""

    def __init__(self, path: Path, fmt: str | None = None, encoding: str | None = None) -> None:
        self.path = path
        if not path.exists():
            raise ExtractError(
                "missing",
                f"Không tìm thấy tệp {path}.",
                f"File {path} does not exist.",
            )
        self.format = fmt or detect_format(path)
        self.warning: str | None = None
        self.columns: list[str] = []
        self.unknown_columns: list[str] = []
        if self.format == "csv":
            if encoding:
                self.encoding = encoding
            else:
                self.encoding, self.warning = detect_encoding(path)
            self._open_csv()
        elif self.format == "jsonl":
            self.encoding = encoding or "utf-8-sig"
            self._open_jsonl()
        elif self.format == "parquet":
            self._open_parquet()
        else:
            raise ExtractError(
                "format",
                f"Định dạng {self.format} không được hỗ trợ; dùng csv, jsonl hoặc parquet.",
                f"Format {self.format} is not supported; use csv, jsonl or parquet.",
            )

    # CSV ---------------------------------------------------------------------------------------
    def _open_csv(self) -> None:
        try:
            with self.path.open("r", encoding=self.encoding, newline="") as fh:
                first = fh.readline()
        except (UnicodeDecodeError, LookupError) as exc:
            raise ExtractError(
                "encoding",
                f"Không đọc được tệp theo bảng mã {self.encoding}: {exc}. Hãy lưu tệp dạng "
                "“CSV UTF-8”, hoặc bỏ tuỳ chọn --encoding để tự nhận bảng mã.",
                f"The file cannot be read as {self.encoding}: {exc}. Save it as “CSV UTF-8”, "
                "or leave out --encoding to detect the encoding.",
            ) from exc
        if not first.strip():
            raise ExtractError(
                "empty",
                "Tệp trống: không có dòng tiêu đề.",
                "The file is empty: there is no header line.",
            )
        counts = {d: first.count(d) for d in (",", ";", "\t")}
        self.delimiter = max(counts, key=lambda d: counts[d])
        header = next(csv.reader([first], delimiter=self.delimiter))
        self.columns = _header_map(header)
        self.unknown_columns = check_columns(self.columns)

    def _csv_records(self) -> Iterator[RawRecord]:
        columns = self.columns
        known = [(i, c) for i, c in enumerate(columns) if c in COLUMNS]
        layout = CsvLayout(columns)
        width = len(columns)
        with self.path.open("r", encoding=self.encoding, newline="") as fh:
            reader = csv.reader(fh, delimiter=self.delimiter, strict=True)
            next(reader)
            line = 1
            while True:
                start = line + 1
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    line = max(reader.line_num, start)
                    yield RawRecord(
                        start,
                        {},
                        [
                            Problem(
                                "malformed",
                                f"Dòng CSV hỏng ({exc}); kiểm tra dấu ngoặc kép và dấu phẩy.",
                                f"Malformed CSV line ({exc}); check the quotes and commas.",
                            )
                        ],
                    )
                    continue
                line = reader.line_num
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != width:
                    values = {c: _clean_text(row[i]) for i, c in known if i < len(row)}
                    yield RawRecord(
                        start,
                        values,
                        [
                            Problem(
                                "malformed",
                                f"Dòng có {len(row)} ô nhưng tiêu đề có {width} cột; kiểm tra "
                                "dấu phẩy thừa hoặc thiếu.",
                                f"The line has {len(row)} cells but the header has {width} "
                                "columns; check for missing or extra commas.",
                            )
                        ],
                    )
                    continue
                yield RawRecord(start, cells=row, layout=layout)

    # JSON Lines -------------------------------------------------------------------------------
    def _open_jsonl(self) -> None:
        columns: set[str] = set()
        with self.path.open("r", encoding=self.encoding) as fh:
            for raw in fh:
                if raw.strip():
                    try:
                        obj = json.loads(raw)
                    except json.JSONDecodeError as exc:
                        raise ExtractError(
                            "malformed",
                            f"Dòng đầu tiên không phải JSON hợp lệ ({exc.msg}).",
                            f"The first line is not valid JSON ({exc.msg}).",
                        ) from exc
                    if isinstance(obj, dict):
                        columns = {str(k).strip().lower() for k in obj}
                    break
        if not columns:
            raise ExtractError(
                "empty",
                "Tệp trống hoặc dòng đầu không phải một đối tượng JSON.",
                "The file is empty or its first line is not a JSON object.",
            )
        self.columns = sorted(columns)
        self.unknown_columns = check_columns(self.columns)

    def _jsonl_records(self) -> Iterator[RawRecord]:
        with self.path.open("r", encoding=self.encoding) as fh:
            for line, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                except json.JSONDecodeError as exc:
                    yield RawRecord(
                        line,
                        {},
                        [
                            Problem(
                                "malformed",
                                f"Dòng không phải JSON hợp lệ ({exc.msg}, cột {exc.colno}).",
                                f"The line is not valid JSON ({exc.msg}, column {exc.colno}).",
                            )
                        ],
                    )
                    continue
                if not isinstance(obj, dict):
                    yield RawRecord(
                        line,
                        {},
                        [
                            Problem(
                                "malformed",
                                "Mỗi dòng phải là một đối tượng JSON {…}.",
                                "Each line must be one JSON object {…}.",
                            )
                        ],
                    )
                    continue
                yield RawRecord(line, values_from_mapping(obj))

    # Parquet ----------------------------------------------------------------------------------
    def _open_parquet(self) -> None:
        import pyarrow.parquet as pq

        try:
            self._parquet = pq.ParquetFile(self.path)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
            raise ExtractError(
                "malformed",
                f"Không đọc được tệp Parquet ({exc}).",
                f"Cannot read the Parquet file ({exc}).",
            ) from exc
        self.columns = [n.strip().lower() for n in self._parquet.schema_arrow.names]
        self.unknown_columns = check_columns(self.columns)

    def _parquet_records(self) -> Iterator[RawRecord]:
        names = self._parquet.schema_arrow.names
        wanted = [n for n in names if n.strip().lower() in COLUMNS]
        line = 0
        for batch in self._parquet.iter_batches(batch_size=5000, columns=wanted):
            for obj in batch.to_pylist():
                line += 1
                yield RawRecord(line, values_from_mapping(obj))

    def records(self) -> Iterator[RawRecord]:
        if self.format == "csv":
            return self._csv_records()
        if self.format == "jsonl":
            return self._jsonl_records()
        return self._parquet_records()


def values_from_mapping(obj: dict[str, Any]) -> dict[str, str]:
    """Cells from a JSON object or a Parquet row, turned into the text a CSV would hold.

    Numbers in the ID columns are zero-padded: every personal ID starts with 0, which a
    numeric column loses.
    """
    values: dict[str, str] = {}
    for key, value in obj.items():
        column = str(key).strip().lower()
        if column not in COLUMNS:
            continue
        if value is None:
            values[column] = ""
        elif isinstance(value, bool):
            values[column] = "true" if value else "false"
        elif isinstance(value, int) and column == "personal_id":
            values[column] = f"{value:012d}"
        elif isinstance(value, int) and column == "legacy_id":
            values[column] = f"{value:09d}"
        elif isinstance(value, date):
            values[column] = value.isoformat()[:10]
        elif isinstance(value, str):
            values[column] = _clean_text(value)
        else:
            values[column] = str(value)
    return values


# Parsing ------------------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_MY = re.compile(r"^(\d{1,2})[/.-](\d{4})$")
_Y = re.compile(r"^(\d{4})$")
_MONEY_NOISE = re.compile(r"[\s.,₫đ]|vnd|VND")
_PERIOD = re.compile(r"^(\d{4})\s*[-–/]\s*(\d{4})$")


def _aliases(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {fold(alias): value for value, aliases in table.items() for alias in (value, *aliases)}


SEX = _aliases({"male": ("nam", "m", "trai"), "female": ("nữ", "f", "gái", "nu")})
RELATIONS = _aliases(
    {
        "head": ("chủ hộ", "chu ho"),
        "spouse": ("vợ", "chồng", "vợ/chồng", "wife", "husband"),
        "child": ("con", "con đẻ", "con nuôi", "con trai", "con gái"),
        "parent": ("bố", "mẹ", "cha", "bố/mẹ", "cha/mẹ", "father", "mother"),
        "grandchild": ("cháu", "cháu nội", "cháu ngoại"),
        "grandparent": ("ông", "bà", "ông/bà"),
        "sibling": ("anh", "chị", "em", "anh/chị/em"),
        "relative": ("họ hàng", "other relative", "người thân"),
        "other": ("khác", "người ở cùng"),
    }
)
MARITAL = _aliases(
    {
        "single": ("độc thân", "chưa kết hôn", "chua ket hon"),
        "married": ("đã kết hôn", "có vợ", "có chồng", "kết hôn"),
        "divorced": ("ly hôn", "đã ly hôn"),
        "widowed": ("góa", "goá", "góa vợ", "góa chồng", "widow", "widower"),
        "separated": ("ly thân",),
    }
)
DISABILITY_TYPES = _aliases(
    {
        "mobility": ("vận động", "khuyết tật vận động"),
        "hearing_speech": ("nghe nói", "nghe, nói", "khuyết tật nghe nói", "hearing", "speech"),
        "visual": ("nhìn", "khuyết tật nhìn", "vision", "thị giác"),
        "mental": ("thần kinh", "tâm thần", "thần kinh, tâm thần", "thần kinh tâm thần"),
        "intellectual": ("trí tuệ", "khuyết tật trí tuệ"),
        "other": ("khác", "khuyết tật khác"),
    }
)
DISABILITY_LEVELS = _aliases(
    {
        "mild": ("nhẹ",),
        "severe": ("nặng",),
        "especially_severe": ("đặc biệt nặng", "especially severe", "very severe"),
        "none": ("không", "khong", "no", "0"),
    }
)
POVERTY = _aliases(
    {
        "poor": ("nghèo", "hộ nghèo"),
        "near_poor": ("cận nghèo", "hộ cận nghèo", "near-poor", "near poor"),
        "neither": ("không", "không nghèo", "none", "no", "binh thuong", "bình thường"),
    }
)
BOOLEANS = _aliases(
    {
        "true": ("1", "yes", "y", "x", "có", "co", "đúng", "t"),
        "false": ("0", "no", "n", "không", "khong", "sai", "f"),
    }
)
CODE_LISTS = {"1979", "2008"}


@lru_cache(maxsize=4096)
def _phone_prefix_valid(prefix: str) -> bool:
    """Whether 10-digit numbers starting with this prefix are valid.

    The Vietnamese numbering plan decides validity by the first digits (at most 0 + 4 of them),
    so one check per prefix through lib.phone stands for all numbers that share it.
    """
    return phone_lib.looks_like_phone(prefix + "0" * (10 - len(prefix)))


def normalise_phone(raw: str) -> str:
    """lib.phone.normalise, with a fast path for the common 10-digit national form."""
    digits = raw.replace(" ", "").replace(".", "").replace("-", "")
    if len(digits) == 10 and digits.isdigit() and digits[0] == "0":
        if _phone_prefix_valid(digits[:5]):
            return "+84" + digits[1:]
        raise phone_lib.PhoneError(raw)
    return phone_lib.normalise(raw)


def parse_date(raw: str) -> tuple[date, str]:
    """A date and its precision ("day", "month" or "year"); ValueError when impossible."""
    text = raw.strip()
    # The two usual shapes first, without regular expressions: a million rows notice.
    if len(text) == 10 and text[2] == "/" and text[5] == "/":
        return date(int(text[6:]), int(text[3:5]), int(text[:2])), "day"
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return date(int(text[:4]), int(text[5:7]), int(text[8:])), "day"
    if m := _ISO.match(text):
        return date(int(m[1]), int(m[2]), int(m[3])), "day"
    if m := _DMY.match(text):
        return date(int(m[3]), int(m[2]), int(m[1])), "day"
    if m := _MY.match(text):
        return date(int(m[2]), int(m[1]), 1), "month"
    if m := _Y.match(text):
        return date(int(m[1]), 1, 1), "year"
    raise ValueError(text)


def _date_problem(column: str, raw: str, detail_vi: str, detail_en: str) -> Problem:
    return Problem(
        f"{column}_invalid",
        f"{column} = “{raw}”: {detail_vi}",
        f"{column} = “{raw}”: {detail_en}",
    )


def _full_date(column: str, raw: str, today: date, problems: list[Problem]) -> date | None:
    value, precision = _any_date(column, raw, today, problems)
    if value is None:
        return None
    if precision != "day":
        problems.append(
            _date_problem(
                column,
                raw,
                "cần ngày đầy đủ, dạng YYYY-MM-DD hoặc dd/mm/yyyy.",
                "a full date is needed, as YYYY-MM-DD or dd/mm/yyyy.",
            )
        )
        return None
    return value


def _any_date(
    column: str, raw: str, today: date, problems: list[Problem]
) -> tuple[date | None, str]:
    try:
        value, precision = parse_date(raw)
    except ValueError:
        problems.append(
            _date_problem(
                column,
                raw,
                "không phải ngày hợp lệ; dùng YYYY-MM-DD, dd/mm/yyyy, mm/yyyy hoặc yyyy.",
                "not a valid date; use YYYY-MM-DD, dd/mm/yyyy, mm/yyyy or yyyy.",
            )
        )
        return None, ""
    if value > today:
        problems.append(
            _date_problem(
                column,
                raw,
                "ngày ở tương lai; kiểm tra lại.",
                "the date is in the future; check it.",
            )
        )
        return None, ""
    if value.year < 1880:
        problems.append(
            _date_problem(column, raw, "năm quá xa; kiểm tra lại.", "the year is implausible.")
        )
        return None, ""
    return value, precision


def _choice(
    column: str, raw: str, table: dict[str, str], problems: list[Problem], allowed: str
) -> str:
    if not raw:
        return ""
    value = table.get(raw) or table.get(fold(raw))
    if value is None:
        problems.append(
            Problem(
                f"{column}_invalid",
                f"{column} = “{raw}” không hợp lệ; dùng một trong: {allowed}.",
                f"{column} = “{raw}” is not valid; use one of: {allowed}.",
            )
        )
        return ""
    return value


def _bool(column: str, raw: str, problems: list[Problem]) -> bool | None:
    value = _choice(column, raw, BOOLEANS, problems, "true/false, 1/0, có/không")
    return None if not value else value == "true"


@lru_cache(maxsize=1024)
def resolve_ethnicity(name: str, code: str, code_list: str) -> tuple[str, str] | Problem:
    """The canonical name and the code on `code_list` (lib.ethnicity), or why they are wrong."""
    group = None
    if name:
        group = ethnicity_lib.find(name)
        if group is None:
            return Problem(
                "ethnicity_invalid",
                f"Không nhận ra dân tộc “{name}”; ghi tên một trong 54 dân tộc, ví dụ Kinh, "
                "Thái, Mông, Khơ me.",
                f"“{name}” is not a recognised ethnic group; write one of the 54 names, e.g. "
                "Kinh, Thái, Mông, Khơ me.",
            )
    if code:
        try:
            by_code = ethnicity_lib.by_code(code, code_list)  # type: ignore[arg-type]
        except ethnicity_lib.EthnicityError as exc:
            return Problem("ethnicity_code_invalid", exc.message_vi, exc.message_en)
        if group is not None and by_code != group:
            return Problem(
                "ethnicity_code_mismatch",
                f"Mã dân tộc {code} trong danh mục {code_list} là {by_code.name}, không phải "
                f"{name}; kiểm tra mã hoặc cột ethnicity_code_list.",
                f"Code {code} on the {code_list} list is {by_code.name}, not {name}; check the "
                "code or the ethnicity_code_list column.",
            )
        group = by_code
    assert group is not None
    return group.name, group.code(code_list)  # type: ignore[arg-type]


def _id_agrees(number: str, year: int, sex: str) -> bool:
    """The common case of lib.personal_id.check_against, answered cheaply.

    True only when the number certainly passes; anything else goes through check_against,
    which also says what is wrong.
    """
    if len(number) != 12 or not number.isdigit() or number[:3] not in pid_lib.PROVINCE_PREFIXES:
        return False
    digit = ord(number[3]) - 48
    century = 1900 + 100 * (digit // 2)
    return (
        (digit % 2 == 1) == (sex == "female")
        and century <= year < century + 100
        and year % 100 == int(number[4:6])
    )


def is_legacy_number(number: str) -> bool:
    """lib.personal_id.is_legacy_id for a number clean_number already cleaned."""
    return len(number) == 9 and number.isdigit()


def clean_number(raw: str) -> str:
    """lib.personal_id.clean, without its work for the usual all-digits case."""
    return raw if raw.isdigit() or not raw else pid_lib.clean(raw)


def _text(value: str) -> str:
    """lib.vn_text.nfc, without its work for text that is already composed and tidy.

    Windows-1258 files and some keyboards give decomposed marks, hence the NFC.
    """
    if value.isascii():
        return value if "  " not in value and "\t" not in value else nfc(value)
    composed = unicodedata.normalize("NFC", value)
    if "  " in composed or "\t" in composed or "\n" in composed or "\u00a0" in composed:
        return nfc(composed)
    return composed


# Names repeat a lot in a population ("Nguyễn Thị Lan", "Ấp 3"): their keys are worth keeping.
cached_name_key = lru_cache(maxsize=65536)(name_key)


def parse_record(raw: RawRecord, today: date) -> Record | list[Problem]:
    """Turn one raw record into a Record, or say everything that is wrong with it."""
    problems: list[Problem] = list(raw.problems)
    if problems:
        return problems
    v = raw.values
    # Readers give every cell as text ("" when empty), so a plain lookup is enough.
    get = v.get
    # Identity.
    personal_id: str | None = None
    legacy_id = clean_number(get("legacy_id", ""))
    if legacy_id and not is_legacy_number(legacy_id):
        problems.append(
            Problem(
                "legacy_id_invalid",
                f"legacy_id “{get('legacy_id')}” phải có đúng 9 chữ số (số CMND cũ).",
                f"legacy_id “{get('legacy_id')}” must have exactly 9 digits (old ID card).",
            )
        )
    raw_pid = clean_number(get("personal_id", ""))
    if is_legacy_number(raw_pid):
        legacy_id = legacy_id or raw_pid
    elif raw_pid:
        personal_id = raw_pid
    if not personal_id and not legacy_id:
        problems.append(
            Problem(
                "personal_id_missing",
                "Thiếu số định danh cá nhân (12 chữ số) hoặc số CMND cũ (9 chữ số).",
                "The personal ID number (12 digits) or the old ID card number (9 digits) "
                "is missing.",
            )
        )

    full_name = _text(get("full_name", ""))
    if not full_name:
        problems.append(
            Problem("full_name_missing", "Thiếu họ và tên.", "The full name is missing.")
        )
    elif len(full_name) > 150:
        problems.append(
            Problem(
                "full_name_invalid",
                "Họ và tên dài quá 150 ký tự.",
                "The full name is longer than 150 characters.",
            )
        )

    sex = _choice("sex", get("sex", ""), SEX, problems, "male/female, nam/nữ")
    if not get("sex", ""):
        problems.append(Problem("sex_missing", "Thiếu giới tính.", "Sex is missing."))

    dob: date | None = None
    precision = "day"
    if not get("date_of_birth", ""):
        problems.append(
            Problem("date_of_birth_missing", "Thiếu ngày sinh.", "The date of birth is missing.")
        )
    else:
        dob, precision = _any_date("date_of_birth", get("date_of_birth", ""), today, problems)

    if personal_id and sex and dob is not None:
        if not _id_agrees(personal_id, dob.year, sex):
            try:
                pid_lib.check_against(personal_id, birth_year=dob.year, sex=sex)  # type: ignore[arg-type]
            except pid_lib.PersonalIdError as exc:
                problems.append(Problem(f"personal_id_{exc.code}", exc.message_vi, exc.message_en))
    elif personal_id:
        try:
            pid_lib.parse(personal_id)
        except pid_lib.PersonalIdError as exc:
            problems.append(Problem(f"personal_id_{exc.code}", exc.message_vi, exc.message_en))

    commune_code = 0
    raw_commune = get("commune_code", "")
    if not raw_commune:
        problems.append(
            Problem("commune_code_missing", "Thiếu mã xã.", "The commune code is missing.")
        )
    elif not raw_commune.isdigit() or len(raw_commune) > 5:
        problems.append(
            Problem(
                "commune_code_invalid",
                f"Mã xã “{raw_commune}” phải là mã chính thức gồm 5 chữ số.",
                f"Commune code “{raw_commune}” must be the official 5-digit code.",
            )
        )
    else:
        commune_code = int(raw_commune)

    phone = ""
    if get("phone", ""):
        try:
            phone = normalise_phone(get("phone", ""))
        except phone_lib.PhoneError as exc:
            problems.append(Problem("phone_invalid", *str(exc).split(" / ", 1)))

    relation = _choice(
        "relation_to_head",
        get("relation_to_head", ""),
        RELATIONS,
        problems,
        "head, spouse, child, parent, grandchild, grandparent, sibling, relative, other",
    )
    household_code = get("household_id", "")
    if len(household_code) > 40:
        problems.append(
            Problem(
                "household_id_invalid",
                "Mã hộ dài quá 40 ký tự.",
                "The household ID is longer than 40 characters.",
            )
        )
    if relation and not household_code:
        problems.append(
            Problem(
                "household_id_missing",
                "Có quan hệ với chủ hộ nhưng thiếu mã hộ (household_id).",
                "A relation to the head is given but household_id is missing.",
            )
        )
    if household_code and not relation:
        problems.append(
            Problem(
                "relation_to_head_missing",
                "Có mã hộ nhưng thiếu quan hệ với chủ hộ (relation_to_head).",
                "household_id is given but relation_to_head is missing.",
            )
        )
    marital = _choice(
        "marital_status",
        get("marital_status", ""),
        MARITAL,
        problems,
        "single, married, divorced, widowed, separated",
    )

    dod: date | None = None
    if get("date_of_death", ""):
        dod = _full_date("date_of_death", get("date_of_death", ""), today, problems)
        if dod is not None and dob is not None and dod < dob:
            problems.append(
                Problem(
                    "date_of_death_invalid",
                    "Ngày mất trước ngày sinh; kiểm tra lại.",
                    "The date of death is before the date of birth; check both.",
                )
            )
            dod = None

    ethnicity = _text(get("ethnicity", ""))
    ethnicity_code = get("ethnicity_code", "")
    code_list = get("ethnicity_code_list", "") or "2008"
    if code_list not in CODE_LISTS:
        problems.append(
            Problem(
                "ethnicity_code_list_invalid",
                "ethnicity_code_list phải là 1979 hoặc 2008 (danh mục dân tộc của Tổng cục "
                "Thống kê).",
                "ethnicity_code_list must be 1979 or 2008 (the GSO ethnic-group list).",
            )
        )
    elif ethnicity or ethnicity_code:
        resolved = resolve_ethnicity(ethnicity, ethnicity_code, code_list)
        if isinstance(resolved, Problem):
            problems.append(resolved)
        else:
            ethnicity, ethnicity_code = resolved

    record_facts = _parse_facts(raw, today, problems)
    if problems:
        return problems
    assert dob is not None
    disability, disability_none, poverty, pension, flags = record_facts
    if poverty is not None and not household_code:
        return [
            Problem(
                "poverty_without_household",
                "Tình trạng nghèo là của hộ: cần mã hộ (household_id).",
                "Poverty status belongs to a household: household_id is needed.",
            )
        ]
    return Record(
        line=raw.line,
        present=frozenset(v),
        personal_id=personal_id,
        legacy_id=legacy_id,
        full_name=full_name,
        name_key=cached_name_key(full_name),
        date_of_birth=dob,
        birth_precision=precision,
        sex=sex,
        ethnicity=ethnicity,
        ethnicity_code=ethnicity_code,
        ethnicity_code_list=code_list,
        commune_code=commune_code,
        village=_text(get("village", ""))[:100],
        household_code=household_code,
        relation_to_head=relation,
        phone=phone,
        marital_status=marital,
        date_of_death=dod,
        disability=disability,
        disability_none=disability_none,
        poverty=poverty,
        pension_vnd=pension,
        flags=flags,
    )


def _parse_facts(
    raw: RawRecord, today: date, problems: list[Problem]
) -> tuple[Disability | None, bool, Poverty | None, int | None, dict[str, bool]]:
    v = raw.values
    if not any(v.get(c) for c in FACT_COLUMNS):
        return None, False, None, None, {}
    get = v.get
    disability: Disability | None = None
    disability_none = False
    level = _choice(
        "disability_level",
        get("disability_level", ""),
        DISABILITY_LEVELS,
        problems,
        "mild, severe, especially_severe, none (nhẹ, nặng, đặc biệt nặng, không)",
    )
    dtype = _choice(
        "disability_type",
        get("disability_type", ""),
        DISABILITY_TYPES,
        problems,
        "mobility, hearing_speech, visual, mental, intellectual, other",
    )
    certified: date | None = None
    if get("disability_certified_on", ""):
        certified = _full_date(
            "disability_certified_on", get("disability_certified_on", ""), today, problems
        )
    if level == "none":
        disability_none = True
    elif level and not dtype:
        problems.append(
            Problem(
                "disability_type_missing",
                "Có mức độ khuyết tật nhưng thiếu dạng khuyết tật (disability_type).",
                "A disability level is given but disability_type is missing.",
            )
        )
    elif dtype and not level and get("disability_type", ""):
        problems.append(
            Problem(
                "disability_level_missing",
                "Có dạng khuyết tật nhưng thiếu mức độ (disability_level: mild, severe, "
                "especially_severe).",
                "A disability type is given but disability_level is missing (mild, severe, "
                "especially_severe).",
            )
        )
    elif level and dtype:
        disability = Disability(dtype, level, certified)

    poverty: Poverty | None = None
    status = _choice(
        "poverty_status",
        get("poverty_status", ""),
        POVERTY,
        problems,
        "poor, near_poor, neither (nghèo, cận nghèo, không)",
    )
    if status:
        period = get("poverty_period", "")
        m = _PERIOD.match(period)
        if not m or int(m[2]) < int(m[1]):
            problems.append(
                Problem(
                    "poverty_period_invalid",
                    f"poverty_period “{period}” phải là giai đoạn chuẩn nghèo, ví dụ 2022-2025.",
                    f"poverty_period “{period}” must be a poverty-standard period, e.g. 2022-2025.",
                )
            )
        year_raw = get("poverty_review_year", "")
        year = today.year
        if year_raw:
            if not year_raw.isdigit() or not 2000 <= int(year_raw) <= today.year:
                problems.append(
                    Problem(
                        "poverty_review_year_invalid",
                        f"poverty_review_year “{year_raw}” phải là năm rà soát (không ở tương lai).",
                        f"poverty_review_year “{year_raw}” must be the review year (not in the future).",
                    )
                )
            else:
                year = int(year_raw)
        if m:
            poverty = Poverty(status, f"{m[1]}-{m[2]}", year)

    pension: int | None = None
    pension_raw = get("monthly_pension_vnd", "")
    if pension_raw:
        digits = _MONEY_NOISE.sub("", pension_raw)
        if not digits.isdigit() or len(digits) > 10:
            problems.append(
                Problem(
                    "monthly_pension_vnd_invalid",
                    f"monthly_pension_vnd “{pension_raw}” phải là số đồng nguyên, không âm, "
                    "ví dụ 1500000.",
                    f"monthly_pension_vnd “{pension_raw}” must be a whole, non-negative number of "
                    "đồng, e.g. 1500000.",
                )
            )
        else:
            pension = int(digits)

    flags: dict[str, bool] = {}
    for column in BOOLEAN_FACTS:
        if get(column):
            value = _bool(column, get(column), problems)
            if value is not None:
                flags[column] = value
    return disability, disability_none, poverty, pension, flags

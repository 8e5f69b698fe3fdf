"""Small builders for registry tests: valid ID numbers and extract files."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path
from typing import Any

from lib import personal_id

HEADER = [
    "personal_id",
    "full_name",
    "date_of_birth",
    "sex",
    "ethnicity",
    "commune_code",
    "village",
    "household_id",
    "relation_to_head",
    "phone",
    "marital_status",
    "date_of_death",
]

_rng = random.Random(7)


def pid(year: int = 1988, sex: str = "female", prefix: str = "096") -> str:
    """A structurally valid personal ID number for that birth year and sex."""
    return personal_id.generate(_rng, prefix=prefix, birth_year=year, sex=sex)  # type: ignore[arg-type]


def row(**values: Any) -> dict[str, str]:
    """A valid extract row for commune 31825; override any column."""
    base = {
        "personal_id": values.pop("personal_id", None) or pid(),
        "full_name": "Thạch Thị Sà Quân",
        "date_of_birth": "14/03/1988",
        "sex": "female",
        "ethnicity": "Khmer",
        "commune_code": "31825",
        "village": "",
        "household_id": "",
        "relation_to_head": "",
        "phone": "",
        "marital_status": "",
        "date_of_death": "",
    }
    base.update({k: "" if v is None else str(v) for k, v in values.items()})
    return base


def csv_text(rows: list[dict[str, str]], header: list[str] | None = None) -> str:
    columns = header or list(dict.fromkeys(k for r in rows for k in r))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow(r)
    return out.getvalue()


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    *,
    encoding: str = "utf-8",
    header: list[str] | None = None,
) -> Path:
    path.write_bytes(csv_text(rows, header).encode(encoding))
    return path


def write_jsonl(path: Path, objects: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects), "utf-8")
    return path


def read_rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: base letters precomposed, tone marks as combining characters."""
    import unicodedata

    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if out and unicodedata.combining(ch):
            composed = unicodedata.normalize("NFC", out[-1] + ch)
            if len(composed) == 1:
                try:
                    composed.encode("cp1258")
                except UnicodeEncodeError:
                    pass
                else:
                    out[-1] = composed
                    continue
        out.append(ch)
    return "".join(out).encode("cp1258")

"""The curated ICD-10 list of the conditions common in home care, with Vietnamese names.

The list (data/icd10.csv) is short on purpose: a commune health worker picks from the conditions
they meet at home (hypertension, diabetes, stroke sequelae, COPD, ...) instead of searching the
whole classification. Any other well-formed ICD-10 code may still be entered with its name.
Pure module: no Django, so the FHIR mapper and the forms share it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "icd10.csv"
SYSTEM = "http://hl7.org/fhir/sid/icd-10"
# A letter, two digits, then an optional subcategory (I10, E11.9, Z99.3).
CODE_PATTERN = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$")
GROUPS_VI = {
    "circulatory": "Tim mạch",
    "endocrine": "Nội tiết, chuyển hóa, dinh dưỡng",
    "respiratory": "Hô hấp",
    "musculoskeletal": "Cơ xương khớp, vận động",
    "nervous": "Thần kinh",
    "mental": "Tâm thần, phát triển",
    "senses": "Mắt, tai",
    "other": "Bệnh khác",
}
GROUPS_EN = {
    "circulatory": "Heart and circulation",
    "endocrine": "Endocrine, metabolic, nutrition",
    "respiratory": "Breathing",
    "musculoskeletal": "Bones, joints, mobility",
    "nervous": "Nervous system",
    "mental": "Mental health and development",
    "senses": "Eyes and ears",
    "other": "Other conditions",
}


@dataclass(frozen=True)
class Entry:
    code: str
    name_vi: str
    name_en: str
    group: str

    def name(self, language: str) -> str:
        return self.name_en if language.startswith("en") else self.name_vi


@cache
def entries() -> tuple[Entry, ...]:
    with DATA_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Entry(row["code"], row["name_vi"], row["name_en"], row["group"])
            for row in csv.DictReader(handle)
        )


def normalise(code: str) -> str:
    """Upper case, no spaces; "e11 9" and "E119" become "E11.9"."""
    compact = re.sub(r"[\s.]", "", code.upper())
    if len(compact) > 3:
        return f"{compact[:3]}.{compact[3:]}"
    return compact


def is_valid(code: str) -> bool:
    return bool(CODE_PATTERN.match(code))


def lookup(code: str) -> Entry | None:
    """The curated entry for a code, or for its three-character category (E11.9 → E11)."""
    by_code = {e.code: e for e in entries()}
    code = normalise(code)
    return by_code.get(code) or by_code.get(code[:3])


def grouped(language: str) -> list[tuple[str, list[Entry]]]:
    """The entries by group, in the file's order, with the group's name in the language."""
    names = GROUPS_EN if language.startswith("en") else GROUPS_VI
    groups: dict[str, list[Entry]] = {}
    for entry in entries():
        groups.setdefault(entry.group, []).append(entry)
    return [(names.get(group, group), items) for group, items in groups.items()]

"""How people write village kinds, area statuses, commune codes and dates in their files.

Each parser takes the text of one cell and returns the value Làng Số stores, or raises RowError
with a message that says what was expected.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django.utils.translation import gettext_lazy as _

from lib.vn_text import fold
from places.imports import RowError
from places.models import AreaStatus, Village

Kind = Village.Kind
Status = AreaStatus.Status

# Folded spellings (no diacritics, lower case, single spaces) of each village kind.
KIND_WORDS: dict[str, str] = {
    "thon": Kind.THON,
    "lang": Kind.THON,
    "xom": Kind.THON,
    "ap": Kind.AP,
    "ban": Kind.BAN,
    "buon": Kind.BAN,
    "bon": Kind.BAN,
    "plei": Kind.BAN,
    "to dan pho": Kind.TO_DAN_PHO,
    "tdp": Kind.TO_DAN_PHO,
    "to": Kind.TO_DAN_PHO,
    "khu pho": Kind.TO_DAN_PHO,
    "khom": Kind.KHOM,
    "other": Kind.OTHER,
    "khac": Kind.OTHER,
    "soc": Kind.OTHER,
    "phum": Kind.OTHER,
}
# Words a village name may start with, longest first, to infer the kind when none is given.
_NAME_PREFIXES = sorted(
    ((word, kind) for word, kind in KIND_WORDS.items() if word not in {"other", "khac", "tdp"}),
    key=lambda item: -len(item[0]),
)

_REGION_PREFIXES = ("xa khu vuc", "khu vuc", "xa kv", "kv", "region", "xa")
_REGION_NUMBERS = {
    "1": Status.REGION_I,
    "i": Status.REGION_I,
    "2": Status.REGION_II,
    "ii": Status.REGION_II,
    "3": Status.REGION_III,
    "iii": Status.REGION_III,
}
REGIONS = frozenset({Status.REGION_I, Status.REGION_II, Status.REGION_III})
VILLAGE_STATUSES = frozenset({Status.ESPECIALLY_DIFFICULT_VILLAGE, Status.EM_AREA_VILLAGE})
# The choices' values, computed once: TextChoices.values builds a new list on every access.
_STATUS_CODES = frozenset(Status.values)
_KIND_CODES = frozenset(Kind.values)
_DIGITS = re.compile(r"\d+")


def _words(text: str) -> str:
    """Folded text with punctuation as spaces: "Khu vực III." -> "khu vuc iii"."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(text)).split())


def parse_kind(text: str, *, name: str = "") -> str:
    """A village kind from its code or Vietnamese word; empty means "guess from the name"."""
    words = _words(text)
    if not words:
        folded = _words(name)
        for word, kind in _NAME_PREFIXES:
            if folded == word or folded.startswith(word + " "):
                return kind
        return Kind.OTHER
    if text.strip() in _KIND_CODES:
        return text.strip()
    kind = KIND_WORDS.get(words) or KIND_WORDS.get(words.replace(" ", "_"))
    if kind is None and words.replace(" ", "_") in _KIND_CODES:
        kind = words.replace(" ", "_")
    if kind is None:
        raise RowError(
            _(
                'The kind "%(value)s" is not known. Write one of: thon, ap, ban, to_dan_pho, '
                "khom, other (or thôn, ấp, bản, tổ dân phố, khóm), or leave it empty."
            ),
            field="kind",
            value=text,
        )
    return kind


def parse_status(text: str) -> str:
    """An area status from its code, a Roman numeral, or the Vietnamese way of writing it."""
    raw = text.strip()
    if raw in _STATUS_CODES:
        return raw
    words = _words(raw)
    if words.replace(" ", "_") in _STATUS_CODES:
        return words.replace(" ", "_")
    padded = f" {words} "
    if " dbkk " in padded or " dac biet kho khan " in padded:
        # "xã ĐBKK" is how people write a region III commune; any other place is a village.
        return Status.REGION_III if words.startswith("xa ") else Status.ESPECIALLY_DIFFICULT_VILLAGE
    if any(f" {marker} " in padded for marker in ("dtts", "dbdtts", "dan toc thieu so")):
        return Status.EM_AREA_VILLAGE
    rest = words
    for prefix in _REGION_PREFIXES:
        if rest.startswith(prefix + " "):
            rest = rest[len(prefix) + 1 :]
            break
        if prefix in {"kv", "region"} and rest.startswith(prefix):
            rest = rest[len(prefix) :].strip()
            break
    if rest in _REGION_NUMBERS:
        return _REGION_NUMBERS[rest]
    raise RowError(
        _(
            'The status "%(value)s" is not known. Write region_1, region_2, region_3 '
            '(or I, II, III, "khu vực III"), especially_difficult_village ("thôn ĐBKK") or '
            'em_area_village ("thôn vùng ĐBDTTS&MN").'
        ),
        field="status",
        value=text,
    )


def parse_commune_code(text: str) -> int:
    """A commune code as digits; leading zeros may be there or not."""
    raw = text.strip()
    if not raw:
        raise RowError(
            _("The commune code is empty. Write the 5-digit official code, e.g. 31825."),
            field="commune_code",
        )
    if not _DIGITS.fullmatch(raw) or len(raw.lstrip("0")) > 5:
        raise RowError(
            _(
                'The commune code "%(value)s" is not a code: write the 5-digit official code '
                "of the commune, digits only, e.g. 31825 or 00004."
            ),
            field="commune_code",
            value=raw,
        )
    return int(raw)


def parse_date(text: str, *, field: str, required: bool) -> date | None:
    """A date written YYYY-MM-DD or dd/mm/yyyy; empty is None unless the date is required."""
    raw = text.strip()
    if not raw:
        if required:
            raise RowError(
                _(
                    "The date in column %(column)s is empty. Write it as YYYY-MM-DD or "
                    "dd/mm/yyyy, e.g. 2026-01-01 or 01/01/2026."
                ),
                field=field,
                column=field,
            )
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, pattern).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise RowError(
        _(
            'The date "%(value)s" in column %(column)s is not a date. Write it as YYYY-MM-DD '
            "or dd/mm/yyyy, e.g. 2026-01-01 or 01/01/2026."
        ),
        field=field,
        value=raw,
        column=field,
    )

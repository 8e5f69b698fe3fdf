"""Normalisation and tokenisation: folded syllables plus adjacent-syllable pairs."""

from __future__ import annotations

import enum
import re
import unicodedata

from lib.vn_text import fold

MAX_QUERY_LENGTH = 200
_SYLLABLE = re.compile(r"[^\W_]+")
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")


# lib.vn_text.fold, precomputed per character for every Latin letter with marks: str.translate
# runs in C, which makes indexing a large knowledge base about three times faster. Text that
# still holds a combining mark after NFC (rare) goes through lib.vn_text.fold itself.
_FOLD_TABLE = {
    cp: fold(chr(cp)) for cp in range(0x00C0, 0x1EFA) if fold(chr(cp)) not in (chr(cp), "")
}
_COMBINING = re.compile(r"[\u0300-\u036f]")


def fast_fold(text: str) -> str:
    """The same result as lib.vn_text.fold for searching (white space aside), only faster."""
    lowered = unicodedata.normalize("NFC", text).lower().translate(_FOLD_TABLE)
    return fold(lowered) if _COMBINING.search(lowered) else lowered


# Syllables are cut before folding and each distinct one is folded once: a knowledge base holds
# a few thousand distinct syllables, so folding becomes one dict lookup per syllable. That cuts
# in the same places because folding turns a letter into letters and anything else into
# itself, except for combining marks (rare after NFC) and a few non-Latin letters, which are
# looked for first and sent the slow way.
_FOLDED: dict[str, str] = {}
_FOLDED_MAX = 100_000
_UNSAFE = re.compile(
    "[\u0300-\u036f"
    + "".join(
        re.escape(chr(cp))
        for cp, folded in _FOLD_TABLE.items()
        if bool(_SYLLABLE.fullmatch(chr(cp))) != bool(_SYLLABLE.fullmatch(folded))
    )
    + "]"
)


def syllables(text: str) -> list[str]:
    """Folded syllables: "Bảo hiểm Y tế" -> ["bao", "hiem", "y", "te"] (1-letter ones kept)."""
    lowered = unicodedata.normalize("NFC", text).lower()
    if _UNSAFE.search(lowered):
        return _SYLLABLE.findall(fast_fold(text))
    written = _SYLLABLE.findall(lowered)
    folded = list(map(_FOLDED.get, written))
    if None in folded:
        if len(_FOLDED) > _FOLDED_MAX:
            _FOLDED.clear()
        for i, syllable in enumerate(written):
            if folded[i] is None:
                folded[i] = _FOLDED[syllable] = syllable.translate(_FOLD_TABLE)
    return folded  # type: ignore[return-value]


def pairs(syls: list[str]) -> list[str]:
    return [a + "_" + b for a, b in zip(syls, syls[1:], strict=False)]


def index_tokens(text: str) -> list[str]:
    """What BM25 indexes: each syllable and each pair of neighbouring syllables."""
    syls = syllables(text)
    return syls + pairs(syls)


class QueryProblem(enum.Enum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    MARKUP = "markup"
    NO_WORDS = "no_words"
    MIXED_SCRIPT = "mixed_script"


def check_query(query: str) -> QueryProblem | None:
    """Why a query cannot be searched, or None when it can."""
    text = unicodedata.normalize("NFC", query or "").strip()
    if not text:
        return QueryProblem.EMPTY
    if len(text) > MAX_QUERY_LENGTH:
        return QueryProblem.TOO_LONG
    if _MARKUP.search(text):
        return QueryProblem.MARKUP
    letters = [ch for ch in text if ch.isalpha()]
    if not letters and not any(ch.isdigit() for ch in text):
        return QueryProblem.NO_WORDS
    if any(not unicodedata.name(ch, "").startswith("LATIN") for ch in letters):
        return QueryProblem.MIXED_SCRIPT
    return None

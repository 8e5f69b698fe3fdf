"""Normalisation and tokenisation: folded syllables plus adjacent-syllable pairs."""

from __future__ import annotations

import enum
import re
import unicodedata

from lib.vn_text import fold

MAX_QUERY_LENGTH = 200
_SYLLABLE = re.compile(r"[^\W_]+")
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")


def syllables(text: str) -> list[str]:
    """Folded syllables: "Bảo hiểm Y tế" -> ["bao", "hiem", "y", "te"] (1-letter ones kept)."""
    return _SYLLABLE.findall(fold(text))


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

"""Vietnamese text normalisation for matching and search.

People type Vietnamese without diacritics, with tone marks placed by old or new convention
("Thuỷ" / "Thủy", "Hoà" / "Hòa"), and in any case. Everything that compares names folds both
sides the same way: NFC, then tone-mark placement, or all the way down to plain ASCII.
"""

from __future__ import annotations

import re
import unicodedata

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_SPACES = re.compile(r"\s+")
# Old-style placement puts the tone on the first vowel of "oa", "oe", "uy" when the syllable
# ends there ("hòa", "thủy", "khỏe"); the new style of the 1980s spelling rules puts it on the
# second ("hoà", "thuỷ", "khoẻ"). Official data holds both, so both fold to the new style.
_OLD_STYLE = re.compile(
    r"(?i)([oO])([\u0300\u0301\u0303\u0309\u0323])([aAeE])(?![a-zA-Z\u00C0-\u1EF9])"
    r"|([uU])([\u0300\u0301\u0303\u0309\u0323])([yY])(?![a-zA-Z\u00C0-\u1EF9])"
)


def nfc(text: str) -> str:
    """Compose text to NFC and collapse runs of white space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def normalise_tone_placement(text: str) -> str:
    """Move tone marks on "oa", "oe", "uy" to the new-style position, keeping NFC."""
    decomposed = unicodedata.normalize("NFD", text)

    def _swap(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(1) + match.group(3) + match.group(2)
        return match.group(4) + match.group(6) + match.group(5)

    return unicodedata.normalize("NFC", _OLD_STYLE.sub(_swap, decomposed))


def fold(text: str) -> str:
    """Lower-case ASCII with diacritics removed and đ → d: the form search and matching use."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped.lower()).strip()


def name_key(text: str) -> str:
    """The key under which two spellings of the same name compare equal."""
    return fold(normalise_tone_placement(nfc(text)))


def has_tone_mark(text: str) -> bool:
    return any(ch in _TONE_MARKS for ch in unicodedata.normalize("NFD", text))

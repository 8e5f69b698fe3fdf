"""The Vietnamese syllable list (Debian's hunspell-vi), folded the way queries are.

Typo repair asks it whether a query syllable is a real Vietnamese syllable: a real syllable
that happens not to be in any article is left alone rather than "repaired" into another word.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from lib.vn_text import fold

logger = logging.getLogger(__name__)

# Debian's hunspell-vi (`apt-get install hunspell-vi`); LANGSO_HUNSPELL_VI overrides it.
DEFAULT_PATH = Path("/usr/share/hunspell/vi_VN.dic")


def read(path: Path) -> frozenset[str]:
    """The folded single-syllable entries of a hunspell .dic file (first line: the count)."""
    words = set()
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    for line in lines:
        word = line.split("/", 1)[0].strip()
        if word and " " not in word:
            words.add(fold(word))
    return frozenset(words)


@functools.cache
def vietnamese_syllables() -> frozenset[str]:
    """The syllable list, or an empty set (with a warning) where it is not installed."""
    from django.conf import settings  # noqa: PLC0415  (search runs without Django too)

    configured = settings.configured and getattr(settings, "LANGSO_HUNSPELL_VI", "")
    path = Path(configured) if configured else DEFAULT_PATH
    try:
        return read(path)
    except OSError as exc:
        logger.warning(
            "Không đọc được danh sách âm tiết tiếng Việt %s (%s); cài gói hunspell-vi. / "
            "Cannot read the Vietnamese syllable list %s (%s); install hunspell-vi.",
            path,
            exc,
            path,
            exc,
        )
        return frozenset()

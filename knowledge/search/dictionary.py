"""The abbreviation and everyday-word dictionary that widens a query.

Entries map what people type ("bhyt", "so do") to the words the articles use ("bảo hiểm y tế",
"giấy chứng nhận quyền sử dụng đất"). Matching is on folded syllables, longest phrase first, and
expansion is additive: the words people typed are always kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from knowledge.search.text import syllables

DEFAULT_FILE = Path(__file__).with_name("default_terms.txt")


class Dictionary:
    def __init__(self, entries: Iterable[tuple[str, str]] = ()) -> None:
        self._entries: dict[tuple[str, ...], list[list[str]]] = {}
        self.longest = 0
        for term, expansion in entries:
            self.add(term, expansion)

    def add(self, term: str, expansion: str) -> None:
        key = tuple(syllables(term))
        value = syllables(expansion)
        if not key or not value or list(key) == value:
            return
        self._entries.setdefault(key, [])
        if value not in self._entries[key]:
            self._entries[key].append(value)
        self.longest = max(self.longest, len(key))

    def __len__(self) -> int:
        return len(self._entries)

    def words(self) -> set[str]:
        """Every syllable a term is made of: typo repair leaves these alone."""
        return {syl for key in self._entries for syl in key}

    def expansions(self, syls: list[str]) -> list[list[str]]:
        """The expansions of every phrase in `syls`, trying longer phrases first at each place."""
        found: list[list[str]] = []
        i = 0
        while i < len(syls):
            step = 1
            for size in range(min(self.longest, len(syls) - i), 0, -1):
                key = tuple(syls[i : i + size])
                if key in self._entries:
                    found.extend(self._entries[key])
                    step = size
                    break
            i += step
        return found


def parse(lines: Iterable[str]) -> list[tuple[str, str]]:
    """Lines of `term = expansion`; `#` starts a comment; one term may appear on several lines."""
    entries = []
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=" not in line:
            raise ValueError(f"line {number}: expected 'term = expansion', got {raw.strip()!r}")
        term, expansion = (part.strip() for part in line.split("=", 1))
        entries.append((term, expansion))
    return entries


def default_dictionary(extra: Iterable[tuple[str, str]] = ()) -> Dictionary:
    """The committed default entries plus any `extra` ones (editors' entries from the database)."""
    entries = parse(DEFAULT_FILE.read_text(encoding="utf-8").splitlines())
    return Dictionary([*entries, *extra])

"""Typo repair for query syllables that appear nowhere in the index.

Vietnamese syllables are short and dense: one edit away from a real syllable is usually another
real syllable, so only unknown syllables are repaired (in no article and not in the Vietnamese
syllable list, see lexicon.py), and the repair is added to the query
rather than put in place of what was typed. Candidates come from a deletion neighbourhood
(SymSpell) over the index's own syllables, at edit distance 1, then 2; among equally close ones
the syllable used by the most documents wins.
"""

from __future__ import annotations

from collections.abc import Mapping


def _deletes(word: str, depth: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def distance(a: str, b: str) -> int:
    """Optimal string alignment distance (adjacent swaps count as one edit)."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, start=1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


class Repairer:
    MAX_DISTANCE = 2
    MIN_LENGTH = 3

    def __init__(
        self, frequencies: Mapping[str, int], lexicon: frozenset[str] = frozenset()
    ) -> None:
        self.frequencies = dict(frequencies)
        self.lexicon = lexicon
        self._neighbours: dict[str, list[str]] = {}
        for word in self.frequencies:
            if len(word) >= self.MIN_LENGTH - 1:
                for variant in _deletes(word, self.MAX_DISTANCE):
                    self._neighbours.setdefault(variant, []).append(word)

    def known(self, word: str) -> bool:
        return word in self.frequencies or word in self.lexicon

    def repair(self, word: str) -> str | None:
        """The closest, most used known syllable, or None if nothing is close enough."""
        if self.known(word) or len(word) < self.MIN_LENGTH or not word.isalpha():
            return None
        # Short syllables tolerate one edit only; two would reach almost anything.
        limit = 1 if len(word) <= 5 else self.MAX_DISTANCE
        best: tuple[int, int, str] | None = None
        for variant in _deletes(word, limit):
            for candidate in self._neighbours.get(variant, ()):
                if abs(len(candidate) - len(word)) > limit:
                    continue
                d = distance(word, candidate)
                if d > limit:
                    continue
                key = (d, -self.frequencies[candidate], candidate)
                if best is None or key < best:
                    best = key
        return best[2] if best else None

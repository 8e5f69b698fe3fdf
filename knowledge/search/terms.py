"""Each document's term counts, kept between index rebuilds so that only new text is tokenised.

Folding and tokenising the text is most of what building an index costs, and a publication
changes one article. A TermCache remembers the weighted term counts of every document of the
last build, keyed by the document itself (its id and every word of its text, so a changed
article is a new key and is tokenised again), as arrays of ids into a vocabulary that lives as
long as the cache. The index then assembles its BM25 matrix from these arrays with numpy.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

K = TypeVar("K", bound=Hashable)

# Terms that no document uses any more stay in the vocabulary until they are this many times the
# terms in use (and at least this many): then the ids are renumbered, which costs one pass over
# the stored arrays.
_COMPACT_RATIO = 2
_COMPACT_MIN = 50_000


@dataclass(frozen=True)
class TermCounts:
    """One document's terms, each once, with how many times it counts (field weights applied)."""

    terms: np.ndarray  # int32 ids into TermCache.vocabulary
    counts: np.ndarray  # int32, same length
    length: int  # the sum of counts: the document length BM25 uses


class TermCache:
    """The term counts of the documents indexed last time, and the vocabulary they use.

    `update()` is the only way in: it returns the counts of the documents asked for, tokenising
    only those it has not seen, and forgets the documents that were not asked for. A lock keeps
    two builds from using one cache at once.
    """

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self.lock = threading.Lock()
        self.tokenised = 0  # documents the last update had to tokenise
        self._documents: dict[Hashable, TermCounts] = {}

    def __len__(self) -> int:
        return len(self._documents)

    def update(
        self, documents: Sequence[K], tokenise: Callable[[K], list[str]]
    ) -> list[TermCounts]:
        """The counts of `documents`, in order; `tokenise(document)` gives the terms of one."""
        kept: dict[Hashable, TermCounts] = {}
        found = []
        tokenised = 0
        for document in documents:
            counts = self._documents.get(document) or kept.get(document)
            if counts is None:
                counts = self._count(tokenise(document))
                tokenised += 1
            kept[document] = counts
            found.append(counts)
        self._documents = kept
        self.tokenised = tokenised
        if len(self.vocabulary) > _COMPACT_MIN and self._compact():
            found = [self._documents[document] for document in documents]
        return found

    def words(self) -> list[str]:
        """The vocabulary as a list: words()[id] is the term with that id."""
        words = [""] * len(self.vocabulary)
        for term, term_id in self.vocabulary.items():
            words[term_id] = term
        return words

    def _count(self, tokens: list[str]) -> TermCounts:
        counted = Counter(tokens)
        vocabulary = self.vocabulary
        ids = list(map(vocabulary.get, counted))
        if None in ids:
            for i, term in enumerate(counted):
                if ids[i] is None:
                    ids[i] = vocabulary.setdefault(term, len(vocabulary))
        return TermCounts(
            terms=np.array(ids, dtype=np.int32),
            counts=np.fromiter(counted.values(), dtype=np.int32, count=len(counted)),
            length=len(tokens),
        )

    def _compact(self) -> bool:
        """Renumber the terms in use if the unused ones have come to outnumber them."""
        used = np.zeros(len(self.vocabulary), dtype=bool)
        for counts in self._documents.values():
            used[counts.terms] = True
        if len(self.vocabulary) <= _COMPACT_RATIO * int(used.sum()):
            return False
        renumber = np.cumsum(used, dtype=np.int64).astype(np.int32) - 1
        self.vocabulary = {
            term: int(renumber[term_id])
            for term, term_id in self.vocabulary.items()
            if used[term_id]
        }
        self._documents = {
            document: TermCounts(renumber[c.terms], c.counts, c.length)
            for document, c in self._documents.items()
        }
        return True

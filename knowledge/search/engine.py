"""The in-memory BM25 index over published articles."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import bm25s
import numpy as np
from bm25s.tokenization import Tokenized

from knowledge.search.dictionary import Dictionary
from knowledge.search.text import index_tokens, pairs, syllables
from knowledge.search.typo import Repairer

# Titles and question phrasings say what an article answers; the body also says much else.
TITLE_WEIGHT = 3
PHRASING_WEIGHT = 2
SUMMARY_WEIGHT = 1
BODY_WEIGHT = 1
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+")
# bm25s logs every index build at DEBUG; a rebuild is routine here, not worth a log line.
logging.getLogger("bm25s").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Document:
    id: int
    title: str
    summary: str = ""
    body: str = ""
    phrasings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    id: int
    score: float
    snippet: str


@dataclass
class QueryPlan:
    """How a query was read: its syllables, the repairs and expansions added, the BM25 terms."""

    syllables: list[str]
    repairs: dict[str, str] = field(default_factory=dict)
    expansions: list[list[str]] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)


def document_tokens(doc: Document) -> list[str]:
    tokens: list[str] = []
    tokens += index_tokens(doc.title) * TITLE_WEIGHT
    for phrasing in doc.phrasings:
        tokens += index_tokens(phrasing) * PHRASING_WEIGHT
    tokens += index_tokens(doc.summary) * SUMMARY_WEIGHT
    tokens += index_tokens(doc.body) * BODY_WEIGHT
    return tokens


class SearchIndex:
    """Build once from documents, then search many times; rebuild when the content changes."""

    def __init__(self, documents: Iterable[Document], dictionary: Dictionary) -> None:
        self.documents = list(documents)
        self.dictionary = dictionary
        corpus = [document_tokens(doc) for doc in self.documents]
        frequencies: Counter[str] = Counter()
        for tokens in corpus:
            frequencies.update({t for t in tokens if "_" not in t})
        self.repairer = Repairer(frequencies)
        self._dictionary_words = dictionary.words()
        self._bm25 = bm25s.BM25()
        if corpus:
            # Token ids made here cost half what bm25s's own string handling does.
            vocab: dict[str, int] = {}
            ids = [[vocab.setdefault(token, len(vocab)) for token in doc] for doc in corpus]
            self._bm25.index(Tokenized(ids=ids, vocab=vocab), show_progress=False)
        self._vocab = getattr(self._bm25, "vocab_dict", {}) or {}

    def __len__(self) -> int:
        return len(self.documents)

    def plan(self, query: str) -> QueryPlan:
        syls = syllables(query)
        plan = QueryPlan(syllables=syls)
        repaired = list(syls)
        for i, syl in enumerate(syls):
            if syl in self._dictionary_words:
                continue
            fix = self.repairer.repair(syl)
            if fix:
                plan.repairs[syl] = fix
                repaired[i] = fix
        plan.expansions = self.dictionary.expansions(syls)
        if repaired != syls:
            plan.expansions += self.dictionary.expansions(repaired)
        terms = syls + pairs(syls)
        if repaired != syls:
            terms += repaired + pairs(repaired)
        for expansion in plan.expansions:
            terms += expansion + pairs(expansion)
        # Each term once: repeating a term would count it twice in BM25.
        plan.terms = [t for t in dict.fromkeys(terms) if t in self._vocab]
        return plan

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        plan = self.plan(query)
        if not plan.terms or not self.documents:
            return []
        scores = self._bm25.get_scores(plan.terms)
        limit = max(1, min(limit, len(self.documents)))
        top = np.argpartition(-scores, limit - 1)[:limit]
        ranked = sorted(top.tolist(), key=lambda i: (-float(scores[i]), i))
        words = set(plan.syllables) | set(plan.repairs.values())
        for expansion in plan.expansions:
            words |= set(expansion)
        return [
            Hit(
                id=self.documents[i].id,
                score=round(float(scores[i]), 4),
                snippet=snippet(self.documents[i], words),
            )
            for i in ranked
            if scores[i] > 0
        ]


def snippet(doc: Document, words: set[str], length: int = 220) -> str:
    """The sentence of the summary or body that shares the most syllables with the query."""
    sentences = [s for s in _SENTENCE.split(f"{doc.summary} {doc.body}".strip()) if s]
    if not sentences:
        return ""
    best = max(sentences, key=lambda s: (len(words & set(syllables(s))), -sentences.index(s)))
    if len(best) > length:
        best = best[: length - 1].rsplit(" ", 1)[0] + "…"
    return best

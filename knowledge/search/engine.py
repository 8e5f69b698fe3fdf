"""The in-memory BM25 index over published articles."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import bm25s
import numpy as np

from knowledge.search.dictionary import Dictionary
from knowledge.search.lexicon import vietnamese_syllables
from knowledge.search.terms import TermCache, TermCounts
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
    """Build once from documents, then search many times; rebuild when the content changes.

    Give every build of one index the same `cache` (a TermCache) and a rebuild tokenises only
    the documents that changed since the last one; without it every document is tokenised.
    """

    def __init__(
        self,
        documents: Iterable[Document],
        dictionary: Dictionary,
        *,
        cache: TermCache | None = None,
    ) -> None:
        self.documents = list(documents)
        self.dictionary = dictionary
        self._dictionary_words = dictionary.words()
        cache = cache if cache is not None else TermCache()
        with cache.lock:
            counts = cache.update(self.documents, document_tokens)
            words = cache.words()
        self._bm25 = bm25s.BM25()
        self._vocab, frequencies = _index(self._bm25, counts, words)
        self.repairer = Repairer(frequencies, vietnamese_syllables())

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


def _index(
    bm25: bm25s.BM25, counts: list[TermCounts], words: list[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """Give `bm25` the scores of every term in every document, as bm25s's own index() would.

    bm25s builds its matrix in Python loops over the documents, which costs seconds for a large
    knowledge base; this does the same arithmetic on whole arrays, in the same order and the
    same floating-point types, so every score is bit for bit what bm25s computes (a test holds
    it to that). Returns the index's vocabulary and each syllable's document frequency.
    """
    if bm25.method != "lucene":
        raise ValueError(f"only bm25s's 'lucene' scoring is reproduced, not {bm25.method!r}")
    n_docs = len(counts)
    sizes = np.fromiter((len(c.terms) for c in counts), dtype=np.int64, count=n_docs)
    terms = np.concatenate([c.terms for c in counts]) if n_docs else np.zeros(0, np.int32)
    tf = np.concatenate([c.counts for c in counts]) if n_docs else np.zeros(0, np.int32)
    # Only the terms these documents use, numbered in the cache's order.
    doc_freqs = np.bincount(terms, minlength=len(words))
    used = np.flatnonzero(doc_freqs)
    column = np.zeros(len(words), dtype=np.int32)
    column[used] = np.arange(len(used), dtype=np.int32)
    vocab = {words[term_id]: i for i, term_id in enumerate(used.tolist())}
    frequencies = {
        words[term_id]: int(doc_freqs[term_id])
        for term_id in used.tolist()
        if "_" not in words[term_id]
    }
    if not n_docs:
        return vocab, frequencies
    columns = column[terms]
    df = doc_freqs[used]
    # The idf with math.log as bm25s does (lucene variant), once per distinct frequency.
    distinct, position = np.unique(df, return_inverse=True)
    idf = np.array(
        [math.log(1 + (n_docs - d + 0.5) / (d + 0.5)) for d in distinct.tolist()],
        dtype=bm25.dtype,
    )[position]
    lengths = np.fromiter((c.length for c in counts), dtype=np.int64, count=n_docs)
    avg_doc_len = lengths.mean()
    k1, b = bm25.k1, bm25.b
    # Per document as bm25s: k1 * ((1 - b) + b * l_d / l_avg), in float64.
    norm = k1 * ((1 - b) + b * lengths.astype(np.float64) / avg_doc_len)
    tf_float = tf.astype(bm25.dtype).astype(np.float64)
    tfc = tf_float / (np.repeat(norm, sizes) + tf_float)
    scores = (idf[columns].astype(np.float64) * tfc).astype(bm25.dtype)
    # Column by column, documents in order within each (a stable sort keeps them so).
    order = _stable_order(columns)
    indptr = np.zeros(len(used) + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    rows = np.repeat(np.arange(n_docs, dtype=np.int32), sizes)
    bm25.scores = {
        "data": scores[order],
        "indices": rows[order],
        "indptr": indptr,
        "num_docs": n_docs,
    }
    bm25.vocab_dict = vocab
    bm25.unique_token_ids_set = set(range(len(used)))
    bm25.nonoccurrence_array = None
    return vocab, frequencies


def _stable_order(keys: np.ndarray) -> np.ndarray:
    """np.argsort(keys, kind="stable") for keys in 0 .. 2**31, eight times as fast.

    numpy radix-sorts 16-bit keys; two stable passes, low half then high half, sort 32 bits.
    """
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    high = (keys >> 16).astype(np.uint16)
    if high.any():
        order = order[np.argsort(high[order], kind="stable")]
    return order


def snippet(doc: Document, words: set[str], length: int = 220) -> str:
    """The sentence of the summary or body that shares the most syllables with the query."""
    sentences = [s for s in _SENTENCE.split(f"{doc.summary} {doc.body}".strip()) if s]
    if not sentences:
        return ""
    best = max(sentences, key=lambda s: (len(words & set(syllables(s))), -sentences.index(s)))
    if len(best) > length:
        best = best[: length - 1].rsplit(" ", 1)[0] + "…"
    return best

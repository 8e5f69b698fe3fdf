"""Search quality over the real articles, on labelled queries, slice by slice.

The test fails when any slice falls below recall@5 0.90 or MRR@10 0.80. The "no_diacritics"
slice is the accented one folded to plain ASCII; the "typo" slice adds one deterministic typing
mistake (a dropped, doubled, swapped or mistyped letter) to the longest word of each folded query.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

import pytest

from knowledge.loading import read_all
from knowledge.markdown import plain_text
from knowledge.search import Document, SearchIndex, default_dictionary
from lib.vn_text import fold

QUERIES = Path(__file__).with_name("queries.tsv")
MIN_RECALL_AT_5 = 0.90
MIN_MRR_AT_10 = 0.80
_NEIGHBOUR = dict(zip("aeioudhntgcmy", "sriplsjbrhvnt", strict=True))


def add_typo(query: str) -> str:
    """One typing mistake in the longest word (4+ letters), chosen by a hash of the query."""
    words = query.split()
    i = max(range(len(words)), key=lambda k: (len(words[k]), -k))
    word = words[i]
    if len(word) < 4:
        return query
    seed = int(hashlib.sha256(query.encode()).hexdigest(), 16)
    at = 1 + seed % (len(word) - 2)
    kind = (seed // 7) % 4
    if kind == 0:
        word = word[:at] + word[at + 1 :]
    elif kind == 1:
        word = word[:at] + word[at] + word[at:]
    elif kind == 2:
        word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    else:
        word = word[:at] + _NEIGHBOUR.get(word[at], "x") + word[at + 1 :]
    if word == words[i]:  # swapping or retyping a letter changed nothing: drop it instead
        word = word[:at] + word[at + 1 :]
    words[i] = word
    return " ".join(words)


def labelled_queries() -> dict[str, list[tuple[str, set[str]]]]:
    slices: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
    for line in QUERIES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, query, expected = line.split("\t")
        slugs = set(expected.split("|"))
        slices[name].append((query, slugs))
        if name == "accented":
            slices["no_diacritics"].append((fold(query), slugs))
            slices["typo"].append((add_typo(fold(query)), slugs))
    return slices


@pytest.fixture(scope="module")
def index_and_slugs() -> tuple[SearchIndex, dict[int, str]]:
    files = read_all()
    documents = [
        Document(
            id=n,
            title=f.fields["title"],
            summary=f.fields["summary"],
            body=plain_text(f.fields["body"]),
            phrasings=tuple(f.fields["phrasings"]),
        )
        for n, f in enumerate(files)
    ]
    return SearchIndex(documents, default_dictionary()), {n: f.slug for n, f in enumerate(files)}


def test_it_has_at_least_200_labelled_queries_naming_real_articles():
    slices = labelled_queries()
    slugs = {f.slug for f in read_all()}
    assert sum(len(v) for v in slices.values()) >= 200
    assert {"accented", "no_diacritics", "abbreviation", "typo"} <= set(slices)
    unknown = {
        s for queries in slices.values() for _, expected in queries for s in expected
    } - slugs
    assert not unknown


def test_it_makes_exactly_one_typo():
    typed = add_typo("kich hoat tai khoan")
    assert typed != "kich hoat tai khoan" and typed.startswith("kich hoat tai ")
    assert add_typo("y te") == "y te"


@pytest.mark.parametrize("name", ["accented", "no_diacritics", "abbreviation", "typo"])
def test_it_keeps_recall_and_mrr_above_the_floor(index_and_slugs, name):
    index, slug_of = index_and_slugs
    queries = labelled_queries()[name]
    found_in_5 = 0
    reciprocal = 0.0
    misses = []
    for query, expected in queries:
        ranked = [slug_of[hit.id] for hit in index.search(query, limit=10)]
        rank = next((k for k, slug in enumerate(ranked, start=1) if slug in expected), None)
        if rank is not None and rank <= 5:
            found_in_5 += 1
        if rank is not None:
            reciprocal += 1 / rank
        if rank != 1:
            misses.append((query, sorted(expected), ranked[:3]))
    recall, mrr = found_in_5 / len(queries), reciprocal / len(queries)
    figures = f"{name}: n={len(queries)} recall@5={recall:.3f} MRR@10={mrr:.3f}"
    assert recall >= MIN_RECALL_AT_5 and mrr >= MIN_MRR_AT_10, (figures, misses)

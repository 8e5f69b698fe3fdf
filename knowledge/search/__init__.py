"""Vietnamese search over the knowledge base, as plain Python without Django.

People type without diacritics, with abbreviations and typos. Both the index and the query are
folded to plain ASCII (đ -> d), split into syllables plus adjacent-syllable pairs, widened by an
editable abbreviation and synonym dictionary, repaired against the index's syllables, and ranked
with BM25 (bm25s). A TermCache keeps each document's terms between rebuilds, so a rebuild
tokenises only what changed. The design and its measurements are in docs/guides/knowledge.md.
"""

from knowledge.search.dictionary import Dictionary, default_dictionary
from knowledge.search.engine import Document, Hit, SearchIndex
from knowledge.search.terms import TermCache
from knowledge.search.text import MAX_QUERY_LENGTH, QueryProblem, check_query, index_tokens

__all__ = [
    "MAX_QUERY_LENGTH",
    "Dictionary",
    "Document",
    "Hit",
    "QueryProblem",
    "SearchIndex",
    "TermCache",
    "check_query",
    "default_dictionary",
    "index_tokens",
]

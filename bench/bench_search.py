#!/usr/bin/env python
"""How fast the knowledge search answers over a province-sized knowledge base.

    .venv/bin/python bench/bench_search.py [--articles 10000] [--queries 2000]

It builds variants of the real articles in knowledge/content/ until there are --articles of
them (each variant names another commune and programme year, drops and reorders sentences and
borrows sentences from other articles, so the vocabulary is the real one and the index is as
dense as a real knowledge base), indexes them with the same code the site uses, and times
--queries searches drawn from the labelled queries in knowledge/tests/queries.tsv (accented,
unaccented, abbreviated and mistyped). It prints the build time, the latency percentiles of one
search (query reading, typo repair, BM25 and snippets) and the peak RSS. The budget is 20 ms p95
on a 2-core machine. No database is used: this is the per-process in-memory index.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "langso.settings")

from knowledge.loading import read_all  # noqa: E402
from knowledge.markdown import plain_text  # noqa: E402
from knowledge.search import Document, SearchIndex, default_dictionary  # noqa: E402
from lib.vn_text import fold  # noqa: E402

COMMUNES = [
    "Phường Bạc Liêu",
    "Phường Giá Rai",
    "Xã Hồng Dân",
    "Phường An Xuyên",
    "Xã Mường Lạn",
    "Xã Phiêng Khoài",
    "Xã Suối Tọ",
    "Xã Ngọc Chiến",
    "Xã Tân Yên",
    "Xã Mường Bám",
]


def variants(count: int, seed: int = 7) -> list[Document]:
    rng = random.Random(seed)
    real = read_all()
    sentences = [s for f in real for s in plain_text(f.fields["body"]).split(". ") if len(s) > 20]
    docs = []
    for n in range(count):
        f = real[n % len(real)]
        body = plain_text(f.fields["body"]).split(". ")
        if n >= len(real):
            rng.shuffle(body)
            body = body[: max(3, int(len(body) * rng.uniform(0.5, 1.0)))]
            body += rng.sample(sentences, 4)
        commune = rng.choice(COMMUNES)
        title = f.fields["title"] if n < len(real) else f"{f.fields['title']} ({commune})"
        docs.append(
            Document(
                id=n,
                title=title,
                summary=f.fields["summary"],
                body=". ".join(body) + f". Áp dụng tại {commune}, năm {2024 + n % 4}.",
                phrasings=tuple(f.fields["phrasings"][: 1 + n % 3]),
            )
        )
    return docs


def queries() -> list[str]:
    found = []
    for line in (ROOT / "knowledge/tests/queries.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            _, query, _ = line.split("\t")
            found += [query, fold(query)]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=2_000)
    args = parser.parse_args()

    started = time.perf_counter()
    docs = variants(args.articles)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    index = SearchIndex(docs, default_dictionary())
    built = time.perf_counter() - started

    pool = queries()
    rng = random.Random(11)
    # Half the searches get one dropped letter, as people type on a small phone keyboard.
    asked = []
    for _ in range(args.queries):
        query = rng.choice(pool)
        if rng.random() < 0.5 and len(query) > 6:
            at = rng.randrange(1, len(query) - 1)
            query = query[:at] + query[at + 1 :]
        asked.append(query)
    for query in asked[:50]:  # warm up
        index.search(query, limit=10)
    timings = []
    for query in asked:
        t0 = time.perf_counter()
        index.search(query, limit=10)
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()

    def pct(p: float) -> float:
        return timings[min(len(timings) - 1, int(p * len(timings)))]

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"machine: {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}"
    )
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print(f"articles: {len(docs):,} (generated in {generated:.1f} s)")
    print(f"index build: {built:.2f} s")
    print(
        f"search over {len(timings):,} queries: p50 {pct(0.50):.2f} ms, p95 {pct(0.95):.2f} ms, "
        f"p99 {pct(0.99):.2f} ms, mean {statistics.fmean(timings):.2f} ms, max {timings[-1]:.2f} ms"
    )
    print(f"peak RSS: {rss:.0f} MB")
    print("budget: p95 <= 20 ms:", "met" if pct(0.95) <= 20 else "NOT met")


if __name__ == "__main__":
    main()

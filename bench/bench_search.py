#!/usr/bin/env python
"""How fast the knowledge search answers, and how fast its index is rebuilt, at province size.

    .venv/bin/python bench/bench_search.py [--articles 1000 3000 10000] [--queries 2000]
    .venv/bin/python bench/bench_search.py --database [--articles 10000]

It builds variants of the real articles in knowledge/content/ until there are --articles of
them (each variant names another commune and programme year, drops and reorders sentences and
borrows sentences from other articles, so the vocabulary is the real one and the index is as
dense as a real knowledge base).

Without --database (the per-process in-memory index, no database), for each size it prints:
the build from nothing (a fresh process), the rebuild after one article changed and after 1% of
them changed (what a publication costs: the process keeps each article's terms between builds),
and the latency percentiles of --queries searches drawn from the labelled queries in
knowledge/tests/queries.tsv (accented, unaccented, abbreviated and mistyped; query reading, typo
repair, BM25 and snippets). The budgets are 2 s for a rebuild and 20 ms p95 for a search on a
2-core machine. Times are wall-clock; "cpu" is this process's CPU time, which other work on the
machine disturbs less.

With --database, the articles are stored in a fresh SQLite database (and PostgreSQL too when
DATABASE_URL points at one), and it times what the site does: the first index of a process,
publishing one changed article through the loader (its transaction, then the rebuild when it
commits), and a rebuild when nothing changed (another process that finds the stamp moved).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "langso.settings")

from bench.bench_demo import machine, run_everywhere  # noqa: E402
from knowledge.loading import read_all  # noqa: E402
from knowledge.markdown import plain_text  # noqa: E402
from knowledge.search import Document, SearchIndex, TermCache, default_dictionary  # noqa: E402
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


def edited(doc: Document, n: int) -> Document:
    """The same article after an editor added a sentence."""
    return dataclasses.replace(doc, body=f"{doc.body} Cập nhật lần {n}: gọi tổng đài 1900.")


def queries() -> list[str]:
    found = []
    for line in (ROOT / "knowledge/tests/queries.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            _, query, _ = line.split("\t")
            found += [query, fold(query)]
    return found


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def in_memory(count: int, searches: int) -> None:
    docs = variants(count)
    dictionary = default_dictionary()
    cache = TermCache()
    cold = timed(lambda: SearchIndex(docs, dictionary, cache=cache))
    docs[count // 2] = edited(docs[count // 2], 1)
    one = timed(lambda: SearchIndex(docs, dictionary, cache=cache))
    assert cache.tokenised == 1
    for i in range(0, count, 100):
        docs[i] = edited(docs[i], 2)
    many = timed(lambda: SearchIndex(docs, dictionary, cache=cache))
    index = SearchIndex(docs, dictionary, cache=cache)

    pool = queries()
    rng = random.Random(11)
    # Half the searches get one dropped letter, as people type on a small phone keyboard.
    asked = []
    for _ in range(searches):
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
    print(f"\narticles: {len(docs):,} (load average {os.getloadavg()[0]:.1f})")
    print(f"  build from nothing:     {cold[0]:6.2f} s (cpu {cold[1]:.2f} s)")
    print(f"  rebuild, 1 changed:     {one[0]:6.2f} s (cpu {one[1]:.2f} s)")
    print(f"  rebuild, 1% changed:    {many[0]:6.2f} s (cpu {many[1]:.2f} s)")
    print(
        f"  search over {len(timings):,} queries: p50 {pct(0.50):.2f} ms, p95 {pct(0.95):.2f} ms, "
        f"p99 {pct(0.99):.2f} ms, mean {statistics.fmean(timings):.2f} ms"
    )
    print(f"  peak RSS so far: {rss:.0f} MB")
    print(
        "  budgets (rebuild <= 2 s, search p95 <= 20 ms):",
        "met" if max(one[0], many[0]) <= 2 and pct(0.95) <= 20 else "NOT met",
    )


def child(count: int) -> None:
    """Runs inside the child process: store the articles, then time the site's own index."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from knowledge import selectors, services
    from knowledge.models import Article, ArticleVersion, Status

    call_command("migrate", verbosity=0)
    docs = variants(count)
    now = timezone.now()
    articles = Article.objects.bulk_create(
        [
            Article(
                slug=f"bai-{d.id}",
                title=d.title,
                summary=d.summary,
                body=d.body,
                topic="health",
                status=Status.PUBLISHED,
            )
            for d in docs
        ],
        batch_size=500,
    )
    versions = ArticleVersion.objects.bulk_create(
        [
            ArticleVersion(
                article=a,
                number=1,
                title=d.title,
                summary=d.summary,
                body=d.body,
                phrasings=list(d.phrasings),
                topic="health",
                audience="everyone",
                language="vi",
                published_at=now,
            )
            for a, d in zip(articles, docs, strict=True)
        ],
        batch_size=500,
    )
    for a, v in zip(articles, versions, strict=True):
        a.published_version = v
    Article.objects.bulk_update(articles, ["published_version"], batch_size=500)

    cold = timed(selectors.search_index_refresh)
    changed = edited(docs[count // 2], 1)
    publish = timed(
        lambda: services.article_import(
            slug=f"bai-{changed.id}",
            title=changed.title,
            summary=changed.summary,
            body=changed.body,
            topic="health",
            phrasings=changed.phrasings,
        )
    )
    assert selectors.search_index_refresh().search(changed.title, limit=1)
    same = timed(selectors.search_index_refresh)
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "articles": count,
                "cold": cold,
                "publish": publish,
                "same": same,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[10_000])
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--database", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.articles[0])
        return
    print(f"machine: {machine()}; {time.strftime('%Y-%m-%d')}")
    if not args.database:
        for count in args.articles:
            in_memory(count, args.queries)
        return
    for count in args.articles:
        for r in run_everywhere(__file__, [f"--articles={count}"], "search"):
            print(f"\n{r['database']}, {r['articles']:,} articles:")
            for key, label in (
                ("cold", "first index of a process"),
                ("publish", "publish 1 changed + rebuild"),
                ("same", "rebuild, nothing changed"),
            ):
                wall, cpu = r[key]  # type: ignore[misc]
                print(f"  {label:<30} {wall:6.2f} s (cpu {cpu:.2f} s)")
            print(f"  peak RSS: {r['peak_rss_mb']} MB")


if __name__ == "__main__":
    main()

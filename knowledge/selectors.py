"""Reads for the knowledge base, and the per-process search index.

Each process keeps one SearchIndex in memory, built from the latest published version of every
article and from the dictionary (the committed default file plus editors' entries). Before each
search the process reads the one-row SearchIndexStamp; when another process has published since,
the index is rebuilt, so every worker answers from the same content within a moment of a
publication. A rebuild reads every published version but converts and tokenises only the text
that is new since the last one (the rest is kept in memory): a fraction of a second for 10,000
articles, where building from nothing takes a few seconds.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet

from knowledge.markdown import plain_text
from knowledge.models import (
    Article,
    ArticleVersion,
    Audio,
    Lesson,
    LessonStep,
    SearchIndexStamp,
    SearchTerm,
    Topic,
)
from knowledge.search import Document, Hit, SearchIndex, TermCache, default_dictionary


@dataclass
class _Cache:
    stamp: tuple[int, object] | None = None
    index: SearchIndex | None = None
    # Between rebuilds: each body's plain text (Markdown is converted once per text) and each
    # document's terms (only new text is tokenised).
    plain_texts: dict[str, str] = field(default_factory=dict)
    terms: TermCache = field(default_factory=TermCache)


_cache = _Cache()
_lock = threading.Lock()


def published_articles() -> QuerySet[Article]:
    return Article.objects.filter(published_version__isnull=False).select_related(
        "published_version"
    )


def _current_stamp() -> tuple[int, object]:
    row = SearchIndexStamp.objects.filter(pk=1).values_list("version", "changed_at").first()
    return row or (0, None)


def _build() -> SearchIndex:
    rows = (
        ArticleVersion.objects.filter(
            pk__in=Article.objects.filter(published_version__isnull=False).values(
                "published_version"
            )
        )
        .order_by("article_id")
        .values_list("article_id", "title", "summary", "body", "phrasings")
    )
    known, plain_texts = _cache.plain_texts, {}
    documents = []
    for article_id, title, summary, body, phrasings in rows:
        text = known.get(body)
        if text is None:
            text = plain_text(body)
        plain_texts[body] = text
        documents.append(
            Document(
                id=article_id, title=title, summary=summary, body=text, phrasings=tuple(phrasings)
            )
        )
    _cache.plain_texts = plain_texts
    extra = SearchTerm.objects.filter(enabled=True).values_list("term", "expansion")
    return SearchIndex(documents, default_dictionary(list(extra)), cache=_cache.terms)


def search_index_refresh() -> SearchIndex:
    """Rebuild this process's index now (called after a publication commits)."""
    with _lock:
        stamp = _current_stamp()
        _cache.index, _cache.stamp = _build(), stamp
        return _cache.index


def search_index() -> SearchIndex:
    """This process's index, rebuilt first if the content changed anywhere since it was built."""
    stamp = _current_stamp()
    if _cache.index is not None and _cache.stamp == stamp:
        return _cache.index
    with _lock:
        if _cache.index is None or _cache.stamp != stamp:
            _cache.index, _cache.stamp = _build(), stamp
        return _cache.index


def search_articles(query: str, limit: int = 10) -> list[tuple[Article, Hit]]:
    """The published articles that best answer `query`, best first, with their scores.

    Each article comes with its `published_version` loaded: show that, not the working copy.
    """
    hits = search_index().search(query, limit=limit)
    articles = {a.pk: a for a in published_articles().filter(pk__in=[h.id for h in hits])}
    return [(articles[h.id], h) for h in hits if h.id in articles]


def articles_by_topic() -> list[tuple[str, list[tuple[str, str]]]]:
    """(topic label, [(slug, published title), ...]) for browsing, in the topics' order."""
    rows = published_articles().values_list(
        "slug", "published_version__title", "published_version__topic"
    )
    grouped: dict[str, list[tuple[str, str]]] = {}
    for slug, title, topic in rows.order_by("published_version__title"):
        grouped.setdefault(topic, []).append((slug, title))
    return [(label, grouped[value]) for value, label in Topic.choices if value in grouped]


def search_terms() -> QuerySet[SearchTerm]:
    return SearchTerm.objects.order_by("term")


def published_article(slug: str) -> Article | None:
    return published_articles().filter(slug=slug).first()


# Audio and lessons ----------------------------------------------------------------------------


def article_audio(article: Article) -> list[Audio]:
    """An article's readings to offer: people's recordings first, then the computer voice.

    The computer voice is included while it is being prepared, so the page can say so.
    """
    rows = list(
        Audio.objects.filter(article=article).exclude(
            kind=Audio.Kind.RECORDING, state=Audio.State.FAILED
        )
    )
    return sorted(rows, key=lambda a: (a.kind != Audio.Kind.RECORDING, a.language != "vi", a.pk))


def public_audio(pk: int) -> Audio | None:
    """A ready audio file that anyone may download: of a published article or a lesson step."""
    return (
        Audio.objects.filter(pk=pk, state=Audio.State.READY)
        .exclude(article__isnull=False, article__published_version__isnull=True)
        .first()
    )


def lessons() -> list[tuple[str, str, str]]:
    """(slug, title, skill) of every lesson, in teaching order: the skills other apps record."""
    return list(Lesson.objects.order_by("position", "title").values_list("slug", "title", "skill"))


def lesson_list(topic: str = "") -> QuerySet[Lesson]:
    rows = Lesson.objects.annotate(step_count=Count("steps")).order_by("position", "title")
    return rows.filter(topic=topic) if topic else rows


def lesson_topics() -> list[str]:
    """The topics that have at least one lesson."""
    return list(Lesson.objects.values_list("topic", flat=True).distinct())


def lesson_by_slug(slug: str, *, with_audio: bool = False) -> Lesson | None:
    steps = LessonStep.objects.order_by("number").defer("picture_svg")
    if with_audio:
        steps = steps.prefetch_related(
            Prefetch("audio", queryset=Audio.objects.filter(kind=Audio.Kind.SYNTHETIC))
        )
    return (
        Lesson.objects.prefetch_related(Prefetch("steps", queryset=steps)).filter(slug=slug).first()
    )


def lesson_picture(slug: str, number: int) -> LessonStep | None:
    return (
        LessonStep.objects.filter(lesson__slug=slug, number=number)
        .only("picture_svg", "lesson_id")
        .first()
    )


def lessons_for_articles(slugs: list[str]) -> list[Lesson]:
    """The lessons that teach what these articles explain (in teaching order)."""
    wanted = set(slugs)
    if not wanted:
        return []
    return [
        lesson
        for lesson in Lesson.objects.order_by("position", "title").only(
            "slug", "title", "summary", "articles"
        )
        if wanted & set(lesson.articles)
    ]

"""JSON API of the knowledge app: public search over published articles."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import Field

from knowledge import selectors
from knowledge.search import check_query
from knowledge.views import problem_message

router = Router(tags=["knowledge"])


class SearchIn(Schema):
    q: str = Field("", description="The question, with or without diacritics.")
    limit: int = Field(10, ge=1, le=50, description="How many results (1-50).")


class SearchHit(Schema):
    id: int
    title: str
    snippet: str
    url: str
    score: float


class SearchOut(Schema):
    query: str
    results: list[SearchHit]


@router.get(
    "/search",
    response=SearchOut,
    auth=None,
    summary="Search the published articles the way people type",
    description=(
        "Diacritics, case, common abbreviations (bhyt, cccd, vneid...) and small typos do not "
        "matter. A query that cannot be searched (empty, over 200 characters, web code, emoji "
        "only, another alphabet) gets a 422 error whose message says how to fix it."
    ),
)
def search(request: HttpRequest, params: Query[SearchIn]) -> SearchOut | HttpResponse:
    from langso.api import error_response

    problem = check_query(params.q)
    if problem is not None:
        vi, en = problem_message(problem)
        return error_response(request, 422, f"query_{problem.value}", vi, en)
    found = selectors.search_articles(params.q, limit=params.limit)
    return SearchOut(
        query=params.q,
        results=[
            SearchHit(
                id=article.pk,
                title=article.published_version.title,
                snippet=hit.snippet,
                url=reverse("knowledge:article", args=[article.slug]),
                score=hit.score,
            )
            for article, hit in found
        ],
    )

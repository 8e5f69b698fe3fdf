"""The per-process search index stays fresh, and a rebuild tokenises only what changed."""

from __future__ import annotations

from typing import Any

import pytest

from knowledge import selectors, services

pytestmark = pytest.mark.django_db

ARTICLES = {
    "the-bhyt": ("Thẻ bảo hiểm y tế cho hộ nghèo", "Nhà nước đóng tiền thẻ cho hộ nghèo."),
    "vneid": ("Kích hoạt tài khoản định danh điện tử", "Mang căn cước đến công an xã."),
    "huu-tri": ("Trợ cấp hưu trí xã hội", "Người từ 75 tuổi được nhận 500.000 đồng mỗi tháng."),
}


def load(slug: str, title: str, body: str, **fields: Any) -> str:
    return services.article_import(
        slug=slug,
        title=title,
        summary=f"{title}.",
        body=body,
        topic="health",
        phrasings=fields.pop("phrasings", []),
        **fields,
    )


@pytest.fixture
def loaded() -> None:
    # Each load moves the stamp; the next search rebuilds (the audio tasks are left unrun).
    for slug, (title, body) in ARTICLES.items():
        load(slug, title, body)


def slugs(query: str) -> list[str]:
    return [article.slug for article, _hit in selectors.search_articles(query)]


def test_it_tokenises_only_the_republished_article(loaded):
    assert slugs("kich hoat dinh danh")[0] == "vneid"
    load("vneid", "Kích hoạt tài khoản định danh điện tử", "Làm tại bộ phận một cửa.")
    assert slugs("bo phan mot cua")[0] == "vneid"
    assert selectors._cache.terms.tokenised == 1
    assert len(selectors._cache.terms) == len(ARTICLES)


def test_it_finds_the_new_words_of_a_republished_article_and_not_the_old(loaded):
    assert slugs("viettel money") == []
    assert slugs("500.000") == ["huu-tri"]
    load("huu-tri", "Trợ cấp hưu trí xã hội", "Lĩnh tiền qua Viettel Money.")
    [(article, hit)] = selectors.search_articles("viettel money")
    assert article.slug == "huu-tri"
    assert hit.snippet == "Lĩnh tiền qua Viettel Money."
    assert "500.000 đồng" not in article.published_version.body
    assert slugs("500.000") == []


def test_it_rebuilds_on_commit_in_the_publishing_process(
    loaded, django_capture_on_commit_callbacks
):
    selectors.search_index()
    with django_capture_on_commit_callbacks() as callbacks:
        load("the-bhyt", "Thẻ bảo hiểm y tế cho hộ nghèo", "Xin cấp lại thẻ tại bưu điện xã.")
    before = selectors._cache.index
    callbacks[0]()  # the rebuild; the audio task that follows is not needed here
    assert selectors._cache.index is not before
    assert selectors._cache.terms.tokenised == 1
    assert slugs("cap lai the tai buu dien")[0] == "the-bhyt"


def test_it_gives_the_same_results_as_an_index_built_from_nothing(loaded):
    kept = selectors.search_index()
    selectors._cache.terms = type(selectors._cache.terms)()
    selectors._cache.plain_texts = {}
    fresh = selectors.search_index_refresh()
    for query in ("bhyt ho ngheo", "kich hoat", "tro cap 75 tuoi", "cong an xa"):
        assert kept.search(query) == fresh.search(query)

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import login
from knowledge.models import Status
from knowledge.tests.factories import draft, published


@pytest.fixture
def article(officer_a, province_admin, commune_a):
    return published(officer_a, province_admin, commune_a)


def test_it_searches_without_diacritics_and_links_the_article(client, article):
    response = client.get(reverse("knowledge:search"), {"q": "the bhyt ho ngheo"})
    assert response.status_code == 200
    assert reverse("knowledge:article", args=[article.slug]) in response.content.decode()


@pytest.mark.parametrize(
    "query,message",
    [
        ("", "Hãy nhập câu hỏi"),
        ("x" * 300, "quá dài"),
        ("<script>alert(1)</script>", "mã trang web"),
        ("😀😀", "không có chữ"),
        ("bảo hiểm страховка", "bảng chữ cái khác"),
    ],
)
def test_it_explains_a_bad_query_instead_of_failing(client, db, query, message):
    response = client.get(reverse("knowledge:search"), {"q": query}, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "<script>alert" not in response.content.decode()


def test_it_shows_a_published_article_light_and_escaped(
    client, officer_a, province_admin, commune_a
):
    article = published(
        officer_a, province_admin, commune_a, body="Xem <b>đây</b>\n\n1. Bước **một**"
    )
    response = client.get(reverse("knowledge:article", args=[article.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "&lt;b&gt;đây&lt;/b&gt;" in html and "<strong>một</strong>" in html
    assert len(response.content) < 50_000


def test_it_hides_a_draft_from_citizens(client, officer_a, commune_a):
    article = draft(officer_a, commune_a)
    assert client.get(reverse("knowledge:article", args=[article.slug])).status_code == 404


def test_it_lists_only_the_editors_communes(
    client, officer_a, officer_b, commune_a, commune_b, django_assert_max_num_queries
):
    mine = draft(officer_a, commune_a, title="Bài của xã A")
    draft(officer_b, commune_b, title="Bài của xã B")
    login(client, officer_a)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("knowledge:staff_list"))
    html = response.content.decode()
    assert mine.title in html and "Bài của xã B" not in html


def test_it_refuses_citizens_and_helpers_on_editor_pages(client, citizen, helper_a):
    for user in (citizen, helper_a):
        login(client, user)
        assert client.get(reverse("knowledge:staff_list")).status_code == 403
        assert client.get(reverse("knowledge:staff_create")).status_code == 403


def test_it_refuses_another_communes_article(client, officer_a, officer_b, commune_a):
    article = draft(officer_a, commune_a)
    login(client, officer_b)
    assert client.get(reverse("knowledge:staff_edit", args=[article.pk])).status_code == 404
    response = client.post(reverse("knowledge:staff_submit", args=[article.pk]))
    assert response.status_code == 404


def test_it_takes_a_draft_through_review_to_publication(client, officer_a, make_user, commune_a):
    login(client, officer_a)
    response = client.post(
        reverse("knowledge:staff_create"),
        {
            "title": "Lịch tiêm chủng ở trạm y tế",
            "summary": "Trạm y tế tiêm chủng vào sáng thứ Hai.",
            "body": "1. Mang sổ tiêm chủng.",
            "phrasings": "lich tiem chung\nngay nao tiem phong",
            "topic": "health",
            "audience": "children",
            "language": "vi",
            "commune": str(commune_a.code),
            "reviewed_on": "01/11/2026",
        },
    )
    article = officer_a.articles.get()
    assert response.status_code == 302 and article.phrasings.count() == 2
    client.post(reverse("knowledge:staff_submit", args=[article.pk]))
    client.post(reverse("knowledge:staff_publish", args=[article.pk]))
    article.refresh_from_db()
    assert article.status == Status.IN_REVIEW  # the author cannot publish
    login(client, make_user("officer.a2", "commune_officer", (commune_a.code,)))
    client.post(reverse("knowledge:staff_publish", args=[article.pk]))
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED


def test_it_answers_the_api_search_publicly(client, article):
    response = client.get("/api/v1/knowledge/search", {"q": "bao hiem y te ho ngheo", "limit": 3})
    assert response.status_code == 200
    [hit] = response.json()["results"]
    assert hit["id"] == article.pk and hit["url"] == f"/knowledge/a/{article.slug}/"
    assert hit["score"] > 0 and hit["title"] == article.title


def test_it_explains_a_bad_api_query_in_both_languages(client, db):
    response = client.get("/api/v1/knowledge/search", {"q": "🙏"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "query_no_words"
    assert "không có chữ" in error["message"] and "no letters" in error["message_en"]
    assert client.get("/api/v1/knowledge/search", {"q": "a", "limit": 999}).status_code == 422


def test_it_lists_published_articles_by_topic_when_nothing_is_asked(
    client, article, officer_a, commune_a, django_assert_max_num_queries
):
    draft(officer_a, commune_a, title="Bản nháp chưa đăng")
    with django_assert_max_num_queries(3):
        response = client.get(reverse("knowledge:search"))
    html = response.content.decode()
    assert reverse("knowledge:article", args=[article.slug]) in html
    assert "Bản nháp chưa đăng" not in html


def test_it_lets_an_editor_add_a_search_term(client, province_admin, citizen, helper_a):
    for user in (citizen, helper_a):
        login(client, user)
        assert client.get(reverse("knowledge:staff_terms")).status_code == 403
    login(client, province_admin)
    response = client.post(
        reverse("knowledge:staff_terms"),
        {"term": "Bìa Đỏ", "expansion": "giấy chứng nhận", "kind": "synonym", "note": ""},
    )
    assert response.status_code == 302
    assert "bia do" in client.get(reverse("knowledge:staff_terms")).content.decode()

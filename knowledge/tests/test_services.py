from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEntry
from knowledge import selectors, services
from knowledge.models import ArticleVersion, Status
from knowledge.tests.factories import draft, published


def test_it_publishes_after_review_by_another_officer(officer_a, make_user, commune_a):
    second = make_user("officer.a2", "commune_officer", (commune_a.code,))
    article = draft(officer_a, commune_a)
    services.article_submit(actor=officer_a, article=article)
    version = services.article_publish(actor=second, article=article)
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    assert article.published_version == version
    assert version.number == 1 and version.phrasings == ["hộ nghèo có được thẻ bhyt không"]
    assert (
        AuditEntry.objects.filter(object_type="knowledge.article", object_id=article.pk).count()
        == 3
    )


def test_it_refuses_that_the_author_publishes_their_own_draft(province_admin):
    article = draft(province_admin)
    services.article_submit(actor=province_admin, article=article)
    with pytest.raises(ValidationError, match="không tự đăng"):
        services.article_publish(actor=province_admin, article=article)


def test_it_refuses_to_publish_a_draft_not_sent_for_review(officer_a, province_admin, commune_a):
    article = draft(officer_a, commune_a)
    with pytest.raises(ValidationError, match="gửi duyệt"):
        services.article_publish(actor=province_admin, article=article)


def test_it_refuses_another_communes_officer(officer_a, officer_b, commune_a):
    article = draft(officer_a, commune_a)
    services.article_submit(actor=officer_a, article=article)
    with pytest.raises(PermissionDenied):
        services.article_publish(actor=officer_b, article=article)
    with pytest.raises(PermissionDenied):
        services.article_update(actor=officer_b, article=article, title="Khác")


def test_it_refuses_a_province_wide_article_from_a_commune_officer(officer_a):
    with pytest.raises(ValidationError):
        draft(officer_a, None)


def test_it_refuses_citizens_and_helpers(citizen, helper_a, commune_a):
    for user in (citizen, helper_a):
        with pytest.raises(PermissionDenied):
            draft(user, commune_a)


def test_it_keeps_the_published_version_while_an_edit_is_reviewed(
    officer_a, province_admin, commune_a
):
    article = published(officer_a, province_admin, commune_a)
    services.article_update(actor=officer_a, article=article, title="Tiêu đề mới")
    article.refresh_from_db()
    assert article.status == Status.DRAFT
    assert article.published_version.title == "Thẻ bảo hiểm y tế cho hộ nghèo"
    services.article_submit(actor=officer_a, article=article)
    services.article_publish(actor=province_admin, article=article)
    assert list(ArticleVersion.objects.filter(article=article).values_list("number", "title")) == [
        (2, "Tiêu đề mới"),
        (1, "Thẻ bảo hiểm y tế cho hộ nghèo"),
    ]


def test_it_explains_missing_fields_in_both_languages(province_admin):
    with pytest.raises(ValidationError) as error:
        draft(province_admin, title=" ", body="")
    assert "tiêu đề" in str(error.value.message_dict["title"])
    assert "needs a title" in str(error.value.message_dict["title"])
    assert "body" in error.value.message_dict


def test_it_imports_idempotently_and_updates_on_change(db):
    fields = {
        "slug": "the-bhyt",
        "title": "Thẻ bảo hiểm y tế",
        "summary": "Tóm tắt.",
        "body": "Nội dung.",
        "topic": "health",
        "phrasings": ["bhyt là gì"],
    }
    assert services.article_import(**fields) == "created"
    assert services.article_import(**fields) == "unchanged"
    assert services.article_import(**{**fields, "body": "Nội dung mới."}) == "updated"
    assert ArticleVersion.objects.filter(article__slug="the-bhyt").count() == 2


def test_it_finds_a_new_publication_in_the_same_and_other_processes(
    officer_a, province_admin, commune_a, django_capture_on_commit_callbacks
):
    assert selectors.search_articles("bhyt ho ngheo") == []
    with django_capture_on_commit_callbacks(execute=True):
        article = published(officer_a, province_admin, commune_a)
    [(version, hit)] = selectors.search_articles("bhyt ho ngheo")
    assert version.pk == article.pk and hit.score > 0
    # Another process: its index was built before the publication; the stamp tells it to rebuild.
    selectors._cache.stamp = (0, None)
    assert selectors.search_articles("the bao hiem")[0][0].pk == article.pk


def test_it_widens_search_with_an_editors_search_term(province_admin, officer_a, commune_a):
    published(officer_a, province_admin, commune_a, title="Giấy chứng nhận quyền sử dụng đất")
    assert selectors.search_articles("sổ hường") == []
    services.search_term_save(actor=province_admin, term="sổ hường", expansion="quyền sử dụng đất")
    assert [v.title for v, _ in selectors.search_articles("so huong")] == [
        "Giấy chứng nhận quyền sử dụng đất"
    ]

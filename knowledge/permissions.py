"""Who may edit, submit and publish knowledge articles.

Province administrators edit every article; commune officers edit the articles of their own
communes. Publishing needs a second person: whoever owns or submitted a draft cannot publish it.
Everyone, signed in or not, reads published articles.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Role, User
from accounts.permissions import commune_codes_for_user, require_roles, scope_to_communes
from knowledge.models import Article

EDITOR_ROLES = (Role.COMMUNE_OFFICER, Role.PROVINCE_ADMIN)


def articles_for_user(user: User) -> QuerySet[Article]:
    """The articles a user may edit: every one for a province administrator, else their communes'."""
    require_roles(user, EDITOR_ROLES)
    articles = Article.objects.select_related("commune", "owner", "published_version")
    if commune_codes_for_user(user) is None:
        return articles
    return scope_to_communes(articles.filter(commune__isnull=False), user)


def get_article_for_user(user: User, pk: int) -> Article:
    """An article the user may edit, or 404 (403 for roles that edit nothing)."""
    try:
        return articles_for_user(user).get(pk=pk)
    except Article.DoesNotExist as exc:
        raise Http404 from exc


def can_edit(user: User, article: Article) -> bool:
    if not user.is_authenticated or user.role not in EDITOR_ROLES:
        return False
    codes = commune_codes_for_user(user)
    return codes is None or (article.commune_id is not None and article.commune_id in codes)


def can_publish(user: User, article: Article) -> bool:
    """An editor of the article who neither owns nor submitted it."""
    return (
        can_edit(user, article)
        and user.pk != article.owner_id
        and user.pk != article.submitted_by_id
    )

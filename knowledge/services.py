"""Writes for the knowledge base: drafts, review, publication, the loader, search terms.

An article goes draft -> in review -> published. Editing an article that is in review or
published sends the working copy back to draft; people keep reading the last published version
until a second person publishes the new one. Every change is written to the audit log, and
every publication bumps the search-index stamp so that each process rebuilds its index.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from accounts.services import audit_record
from knowledge.models import (
    Article,
    ArticleVersion,
    Audience,
    FaqPhrasing,
    Language,
    SearchIndexStamp,
    SearchTerm,
    Status,
    Topic,
)
from knowledge.permissions import EDITOR_ROLES, can_edit, can_publish
from lib.vn_text import fold, nfc

MAX_PHRASINGS = 8

# The fields an editor sets; the same names are used by forms, the loader and the API.
CONTENT_FIELDS = (
    "title",
    "summary",
    "body",
    "topic",
    "audience",
    "language",
    "legal_source",
    "reviewed_on",
    "related_policies",
)


def _clean_phrasings(phrasings: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    cleaned = []
    for raw in phrasings:
        text = nfc(raw)
        if text and fold(text) not in seen:
            seen.add(fold(text))
            cleaned.append(text[:300])
    if len(cleaned) > MAX_PHRASINGS:
        raise ValidationError(
            {
                "phrasings": f"Tối đa {MAX_PHRASINGS} cách hỏi cho một bài; hãy bớt những cách "
                f"hỏi gần giống nhau. / At most {MAX_PHRASINGS} question phrasings per article; "
                "remove the ones that say the same thing."
            }
        )
    return cleaned


def _clean_content(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned = dict(values)
    for name in ("title", "summary", "legal_source", "related_policies"):
        if name in cleaned:
            cleaned[name] = nfc(cleaned[name] or "")
    if "body" in cleaned:
        cleaned["body"] = (cleaned["body"] or "").replace("\r\n", "\n").strip()
    if not cleaned.get("title"):
        errors["title"] = "Bài viết cần có tiêu đề. / The article needs a title."
    if not cleaned.get("summary"):
        errors["summary"] = (
            "Hãy viết một hai câu tóm tắt bài. / Write a one- or two-sentence summary."
        )
    if not cleaned.get("body"):
        errors["body"] = "Bài viết cần có nội dung. / The article needs a body."
    if cleaned.get("topic") not in Topic.values:
        errors["topic"] = (
            f"Chủ đề phải là một trong: {', '.join(Topic.values)}. / "
            f"The topic must be one of: {', '.join(Topic.values)}."
        )
    if cleaned.get("audience", Audience.EVERYONE) not in Audience.values:
        errors["audience"] = (
            f"Đối tượng phải là một trong: {', '.join(Audience.values)}. / "
            f"The audience must be one of: {', '.join(Audience.values)}."
        )
    if cleaned.get("language", Language.VI) not in Language.values:
        errors["language"] = "Ngôn ngữ phải là vi hoặc en. / The language must be vi or en."
    reviewed = cleaned.get("reviewed_on")
    if reviewed is not None and not isinstance(reviewed, date):
        errors["reviewed_on"] = (
            "Ngày rà soát phải có dạng ngày/tháng/năm. / The review date must be a date."
        )
    elif reviewed is not None and reviewed > timezone.localdate():
        errors["reviewed_on"] = (
            "Ngày rà soát không thể ở tương lai. / The review date cannot be in the future."
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


def _unique_slug(title: str, wanted: str = "") -> str:
    base = slugify(fold(wanted or title))[:100] or "bai-viet"
    slug, n = base, 2
    while Article.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _set_phrasings(article: Article, phrasings: list[str]) -> None:
    article.phrasings.all().delete()
    FaqPhrasing.objects.bulk_create(
        FaqPhrasing(article=article, text=text, position=i) for i, text in enumerate(phrasings)
    )


def search_index_stamp_bump() -> None:
    """Tell every process that the searchable content changed (a conditional UPDATE, no lock)."""
    updated = SearchIndexStamp.objects.filter(pk=1).update(
        version=F("version") + 1, changed_at=timezone.now()
    )
    if not updated:
        SearchIndexStamp.objects.get_or_create(
            pk=1, defaults={"version": 1, "changed_at": timezone.now()}
        )


def _after_publication() -> None:
    from knowledge import selectors

    # Rebuilds only if the stamp moved since this process last built: a load of many
    # articles in one transaction rebuilds once, not once per article.
    selectors.search_index()


def _content_changed() -> None:
    # The stamp moves inside the transaction, so other processes see it exactly when the new
    # content commits; this process rebuilds its own index as soon as the commit is done.
    search_index_stamp_bump()
    transaction.on_commit(_after_publication)


def _audit(
    actor: User | None,
    action: str,
    article: Article,
    request: HttpRequest | None,
    via: str,
    **d: Any,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="knowledge.article",
        object_id=article.pk,
        object_label=article.title,
        commune_code=article.commune_id,
        request=request,
        via=via,
        details=d,
    )


@transaction.atomic
def article_create(
    *,
    actor: User,
    title: str,
    summary: str,
    body: str,
    topic: str,
    audience: str = Audience.EVERYONE,
    language: str = Language.VI,
    legal_source: str = "",
    reviewed_on: date | None = None,
    related_policies: str = "",
    phrasings: Iterable[str] = (),
    commune: Any = None,
    slug: str = "",
    request: HttpRequest | None = None,
    via: str = "web",
) -> Article:
    """Start a draft. Commune officers write for one of their communes; the province for all."""
    if not actor.is_authenticated or actor.role not in EDITOR_ROLES:
        raise PermissionDenied
    commune_code = getattr(commune, "pk", commune)
    probe = Article(commune_id=commune_code)
    if not can_edit(actor, probe):
        raise ValidationError(
            {
                "commune": "Hãy chọn một xã mà bạn phụ trách; bài chung cho cả tỉnh do quản trị "
                "tỉnh viết. / Choose one of your communes; province-wide articles are written by "
                "a province administrator."
            }
        )
    content = _clean_content(
        {
            "title": title,
            "summary": summary,
            "body": body,
            "topic": topic,
            "audience": audience,
            "language": language,
            "legal_source": legal_source,
            "reviewed_on": reviewed_on,
            "related_policies": related_policies,
        }
    )
    cleaned_phrasings = _clean_phrasings(phrasings)
    article = Article.objects.create(
        slug=_unique_slug(content["title"], slug),
        commune_id=commune_code,
        owner=actor,
        status=Status.DRAFT,
        **content,
    )
    _set_phrasings(article, cleaned_phrasings)
    _audit(actor, "create", article, request, via)
    return article


@transaction.atomic
def article_update(
    *,
    actor: User,
    article: Article,
    phrasings: Iterable[str] | None = None,
    request: HttpRequest | None = None,
    via: str = "web",
    **changes: Any,
) -> Article:
    """Change the working copy; a copy in review or published goes back to draft."""
    if not can_edit(actor, article):
        raise PermissionDenied
    unknown = set(changes) - set(CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"article_update does not change {sorted(unknown)}")
    current = {name: getattr(article, name) for name in CONTENT_FIELDS}
    content = _clean_content({**current, **changes})
    changed = [name for name in CONTENT_FIELDS if content[name] != current[name]]
    new_phrasings = None if phrasings is None else _clean_phrasings(phrasings)
    old_phrasings = list(article.phrasings.values_list("text", flat=True))
    phrasings_changed = new_phrasings is not None and new_phrasings != old_phrasings
    if not changed and not phrasings_changed:
        return article
    for name in changed:
        setattr(article, name, content[name])
    article.status = Status.DRAFT
    article.submitted_by = None
    article.save(update_fields=[*changed, "status", "submitted_by", "updated_at"])
    if phrasings_changed:
        _set_phrasings(article, new_phrasings or [])
    _audit(actor, "update", article, request, via, fields=changed, phrasings=phrasings_changed)
    return article


@transaction.atomic
def article_submit(
    *, actor: User, article: Article, request: HttpRequest | None = None, via: str = "web"
) -> Article:
    """Send a draft for review by another editor."""
    if not can_edit(actor, article):
        raise PermissionDenied
    if article.status != Status.DRAFT:
        raise ValidationError(
            "Chỉ gửi duyệt được bài đang là bản nháp; bài này đã được gửi hoặc đã đăng. / "
            "Only a draft can be sent for review; this article is already in review or published."
        )
    article.status = Status.IN_REVIEW
    article.submitted_by = actor
    article.save(update_fields=["status", "submitted_by", "updated_at"])
    _audit(actor, "update", article, request, via, status=Status.IN_REVIEW)
    return article


def _freeze(article: Article, published_by: User | None) -> ArticleVersion:
    number = (article.published_version.number if article.published_version else 0) + 1
    version = ArticleVersion.objects.create(
        article=article,
        number=number,
        phrasings=list(article.phrasings.values_list("text", flat=True)),
        published_by=published_by,
        published_at=timezone.now(),
        **{name: getattr(article, name) for name in CONTENT_FIELDS},
    )
    article.published_version = version
    article.status = Status.PUBLISHED
    article.save(update_fields=["published_version", "status", "updated_at"])
    return version


@transaction.atomic
def article_publish(
    *, actor: User, article: Article, request: HttpRequest | None = None, via: str = "web"
) -> ArticleVersion:
    """Publish an article in review. The owner and the submitter may not publish it."""
    if not can_edit(actor, article):
        raise PermissionDenied
    if article.status != Status.IN_REVIEW:
        raise ValidationError(
            "Chỉ đăng được bài đã gửi duyệt; hãy gửi duyệt bản nháp trước. / "
            "Only an article in review can be published; send the draft for review first."
        )
    if not can_publish(actor, article):
        raise ValidationError(
            "Người viết hoặc người gửi duyệt không tự đăng bài của mình; hãy nhờ một cán bộ khác "
            "duyệt. / The author or submitter cannot publish their own article; ask another "
            "editor to review it."
        )
    version = _freeze(article, actor)
    _audit(actor, "update", article, request, via, status=Status.PUBLISHED, version=version.number)
    _content_changed()
    return version


def _same_as_published(article: Article, content: dict[str, Any], phrasings: list[str]) -> bool:
    published = article.published_version
    if published is None or article.status != Status.PUBLISHED:
        return False
    return published.phrasings == phrasings and all(
        getattr(published, name) == content[name] for name in CONTENT_FIELDS
    )


@transaction.atomic
def article_import(*, slug: str, phrasings: Iterable[str], source: str = "", **fields: Any) -> str:
    """Create or update a province-wide article from the repository's content and publish it.

    The repository's content is reviewed before it is merged, so it is published as it is. Loading
    the same files twice changes nothing. Returns "created", "updated" or "unchanged".
    """
    defaults = {
        "audience": Audience.EVERYONE,
        "language": Language.VI,
        "legal_source": "",
        "reviewed_on": None,
        "related_policies": "",
    }
    content = _clean_content({**defaults, **fields})
    cleaned_phrasings = _clean_phrasings(phrasings)
    article = Article.objects.select_related("published_version").filter(slug=slug).first()
    if article is not None and _same_as_published(article, content, cleaned_phrasings):
        return "unchanged"
    outcome = "updated"
    if article is None:
        article = Article.objects.create(slug=slug, status=Status.DRAFT, **content)
        outcome = "created"
    else:
        for name in CONTENT_FIELDS:
            setattr(article, name, content[name])
        article.save(update_fields=[*CONTENT_FIELDS, "updated_at"])
    _set_phrasings(article, cleaned_phrasings)
    version = _freeze(article, None)
    _audit(None, "import", article, None, "cli", source=source, version=version.number)
    _content_changed()
    return outcome


@transaction.atomic
def search_term_save(
    *,
    actor: User,
    term: str,
    expansion: str,
    kind: str = SearchTerm.Kind.SYNONYM,
    note: str = "",
    enabled: bool = True,
    request: HttpRequest | None = None,
) -> SearchTerm:
    """Add or change a dictionary entry: what people type -> the words the articles use."""
    if not actor.is_authenticated or actor.role not in EDITOR_ROLES:
        raise PermissionDenied
    folded = fold(term)
    if not folded or not fold(expansion):
        raise ValidationError(
            "Hãy nhập cả từ người dân gõ và từ dùng trong bài. / "
            "Enter both what people type and the words the articles use."
        )
    if kind not in SearchTerm.Kind.values:
        raise ValidationError(f"Loại không hợp lệ: {kind}. / Unknown kind: {kind}.")
    entry, _created = SearchTerm.objects.update_or_create(
        term=folded[:80],
        defaults={
            "expansion": nfc(expansion)[:200],
            "kind": kind,
            "note": nfc(note)[:200],
            "enabled": enabled,
            "created_by": actor,
        },
    )
    audit_record(
        actor=actor,
        action="update",
        object_type="knowledge.searchterm",
        object_id=entry.pk,
        object_label=str(entry)[:200],
        request=request,
    )
    _content_changed()
    return entry

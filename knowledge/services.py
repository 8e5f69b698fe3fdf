"""Writes for the knowledge base: drafts, review, publication, the loader, search terms, audio
and lessons.

An article goes draft -> in review -> published. Editing an article that is in review or
published sends the working copy back to draft; people keep reading the last published version
until a second person publishes the new one. Every change is written to the audit log, and
every publication bumps the search-index stamp so that each process rebuilds its index.

Every publication also asks for the article's audio: the text is normalised for speech at once,
and if a reading of exactly that text (same voice and settings) is already stored it is used
again; otherwise a background task synthesises it. Editors may add recordings read by a person,
which are listed before the computer voice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from accounts.services import audit_record
from knowledge import voice
from knowledge.models import (
    Article,
    ArticleVersion,
    Audience,
    Audio,
    FaqPhrasing,
    Language,
    Lesson,
    LessonStep,
    RecordingLanguage,
    SearchIndexStamp,
    SearchTerm,
    Status,
    Topic,
)
from knowledge.permissions import EDITOR_ROLES, can_edit, can_publish
from knowledge.search.dictionary import DEFAULT_FILE, parse
from lib.vn_text import fold, nfc

logger = logging.getLogger("langso.knowledge")

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
    audio_request(article=article)
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
    audio_request(article=article)
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


# Audio ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _default_abbreviations() -> tuple[tuple[str, str], ...]:
    return tuple(parse(DEFAULT_FILE.read_text(encoding="utf-8").splitlines()))


def speech_abbreviations() -> dict[str, str]:
    """Abbreviation -> words, for reading aloud: editors' entries first, then the default file.

    Only the first expansion of a term is used ("cccd" is read "căn cước công dân").
    """
    editors = SearchTerm.objects.filter(enabled=True, kind=SearchTerm.Kind.ABBREVIATION)
    entries = [*editors.values_list("term", "expansion"), *_default_abbreviations()]
    spoken: dict[str, str] = {}
    for term, expansion in entries:
        spoken.setdefault(fold(term), expansion)
    return spoken


def _speech_for(audio: Audio, abbreviations: dict[str, str] | None = None) -> voice.Speech | None:
    """What the synthetic voice reads for this audio's article or step (None if nothing)."""
    words = speech_abbreviations() if abbreviations is None else abbreviations
    if audio.step_id is not None:
        step = audio.step
        return voice.prepare([f"Bước {step.number}. {step.title}", step.text], words)
    version = audio.article.published_version if audio.article else None
    if version is None:
        return None
    return voice.prepare([version.title, version.summary, version.body], words)


def _delete_file_if_unused(name: str) -> None:
    if name and not Audio.objects.filter(file=name).exists():
        default_storage.delete(name)


def _mark_ready(audio: Audio, text_hash: str, name: str, data: bytes, seconds: int) -> bool:
    old = audio.file.name
    updated = Audio.objects.filter(pk=audio.pk, text_hash=text_hash).update(
        state=Audio.State.READY,
        file=name,
        size=len(data),
        duration_seconds=seconds or None,
        content_type="audio/ogg",
        error="",
        updated_at=timezone.now(),
    )
    if updated and old and old != name:
        transaction.on_commit(lambda: _delete_file_if_unused(old))
    return bool(updated)


@transaction.atomic
def audio_request(
    *,
    article: Article | None = None,
    step: LessonStep | None = None,
    abbreviations: dict[str, str] | None = None,
    enqueue: bool = True,
) -> Audio | None:
    """Make sure the synthetic reading of an article's published text (or a step) is coming.

    A reading of the same words with the same voice and settings is never made twice: if it is
    stored already, the audio is ready at once; otherwise a background task is enqueued when
    the transaction commits (unless `enqueue` is False: the caller synthesises it itself).
    """
    target = {"article": article} if article is not None else {"step": step}
    audio = Audio.objects.filter(kind=Audio.Kind.SYNTHETIC, **target).first()
    probe = audio or Audio(kind=Audio.Kind.SYNTHETIC, **target)
    speech = _speech_for(probe, abbreviations)
    if speech is None:
        return None
    if audio is None:
        audio = Audio.objects.create(
            kind=Audio.Kind.SYNTHETIC, language="vi", text_hash=speech.hash, **target
        )
    elif audio.text_hash == speech.hash and audio.state == Audio.State.READY:
        return audio
    else:
        Audio.objects.filter(pk=audio.pk).update(
            text_hash=speech.hash, state=Audio.State.PENDING, error="", updated_at=timezone.now()
        )
        audio.text_hash, audio.state = speech.hash, Audio.State.PENDING
    if default_storage.exists(speech.file_name):
        with default_storage.open(speech.file_name, "rb") as stored:
            data = stored.read()
        _mark_ready(audio, speech.hash, speech.file_name, data, voice.ogg_seconds(data))
        audio.refresh_from_db()
        return audio
    if enqueue:
        from knowledge.tasks import synthesise_audio

        audio_id, text_hash = audio.pk, speech.hash
        transaction.on_commit(lambda: synthesise_audio.enqueue(audio_id, text_hash))
    return audio


def audio_synthesise(*, audio_id: int, text_hash: str = "", force: bool = False) -> str:
    """Synthesise one reading now. Returns "synthesised", "cached", "superseded" or "gone".

    Runs outside any transaction while espeak-ng and opusenc work, then records the file with a
    conditional UPDATE on the text hash, so a newer publication that happened meanwhile wins.
    `force` makes the reading again even if a file of the same text is stored (for a new
    version of espeak-ng). A failure is recorded on the audio and raised.
    """
    audio = (
        Audio.objects.select_related("article__published_version", "step")
        .filter(pk=audio_id, kind=Audio.Kind.SYNTHETIC)
        .first()
    )
    if audio is None:
        return "gone"
    if text_hash and audio.text_hash != text_hash:
        return "superseded"
    speech = _speech_for(audio)
    if speech is None:
        return "gone"
    if speech.hash != audio.text_hash:
        # The dictionary changed since the request: read the current words.
        Audio.objects.filter(pk=audio.pk, text_hash=audio.text_hash).update(text_hash=speech.hash)
    name = speech.file_name
    outcome = "cached"
    if force or not default_storage.exists(name):
        try:
            data, seconds = voice.synthesise(speech.text)
        except voice.VoiceError as exc:
            Audio.objects.filter(pk=audio.pk).update(
                state=Audio.State.FAILED, error=str(exc)[:500], updated_at=timezone.now()
            )
            logger.error("audio %s failed: %s", audio.pk, exc)
            raise
        if default_storage.exists(name):
            default_storage.delete(name)
        name = default_storage.save(name, ContentFile(data))
        outcome = "synthesised"
    else:
        with default_storage.open(name, "rb") as stored:
            data = stored.read()
        seconds = voice.ogg_seconds(data)
    with transaction.atomic():
        if not _mark_ready(audio, speech.hash, name, data, seconds):
            return "superseded"
    return outcome


def _recording_error(message_vi: str, message_en: str) -> ValidationError:
    return ValidationError({"file": f"{message_vi} / {message_en}"})


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


@transaction.atomic
def recording_add(
    *,
    actor: User,
    article: Article,
    upload: UploadedFile,
    language: str,
    speaker: str = "",
    request: HttpRequest | None = None,
) -> Audio:
    """Add a person's reading of an article (any supported language); it is listed first.

    The file is checked by its content, not its name: Ogg (Opus or Vorbis), MP3, M4A/AAC or WAV,
    at most LANGSO_AUDIO_MAX_BYTES.
    """
    if not can_edit(actor, article):
        raise PermissionDenied
    if language not in RecordingLanguage.values:
        raise ValidationError(
            {"language": "Hãy chọn ngôn ngữ của bản ghi. / Choose the recording's language."}
        )
    limit = settings.LANGSO_AUDIO_MAX_BYTES
    size = upload.size or 0
    if size > limit:
        raise _recording_error(
            f"Tệp ghi âm quá lớn ({_megabytes(size)} MB); giới hạn là {_megabytes(limit)} MB. "
            "Hãy ghi ngắn hơn hoặc lưu ở chất lượng thấp hơn (ví dụ MP3 64 kbit/s)",
            f"The recording is too large ({_megabytes(size)} MB); the limit is "
            f"{_megabytes(limit)} MB. Record a shorter reading or save it at a lower quality "
            "(for example MP3 at 64 kbit/s)",
        )
    data = b"".join(upload.chunks())
    content_type = voice.sniff(data)
    if content_type is None:
        raise _recording_error(
            "Tệp này không phải là âm thanh ở dạng hệ thống nhận (Opus/Ogg, MP3, M4A/AAC hoặc "
            "WAV). Hãy lưu bản ghi ở một trong các dạng đó rồi tải lên lại",
            "This file is not audio in a format we accept (Opus/Ogg, MP3, M4A/AAC or WAV). "
            "Save the recording in one of those formats and upload it again",
        )
    extension = voice.ACCEPTED[content_type]
    name = default_storage.save(
        f"knowledge/recordings/{article.pk}-{uuid.uuid4().hex[:12]}.{extension}", ContentFile(data)
    )
    try:
        seconds = voice.wav_seconds(data) or voice.ogg_seconds(data)
        audio = Audio.objects.create(
            article=article,
            kind=Audio.Kind.RECORDING,
            language=language,
            state=Audio.State.READY,
            file=name,
            content_type=content_type,
            size=len(data),
            duration_seconds=seconds or None,
            speaker=nfc(speaker)[:120],
            uploaded_by=actor,
        )
    except Exception:
        default_storage.delete(name)
        raise
    audit_record(
        actor=actor,
        action="create",
        object_type="knowledge.audio",
        object_id=audio.pk,
        object_label=article.title,
        commune_code=article.commune_id,
        request=request,
        details={
            "article": article.pk,
            "language": language,
            "content_type": content_type,
            "size": len(data),
        },
    )
    return audio


@transaction.atomic
def recording_remove(*, actor: User, audio: Audio, request: HttpRequest | None = None) -> None:
    """Take a person's recording off an article and delete its file."""
    article = audio.article
    if article is None or audio.kind != Audio.Kind.RECORDING or not can_edit(actor, article):
        raise PermissionDenied
    name = audio.file.name
    audit_record(
        actor=actor,
        action="delete",
        object_type="knowledge.audio",
        object_id=audio.pk,
        object_label=article.title,
        commune_code=article.commune_id,
        request=request,
        details={"article": article.pk, "language": audio.language},
    )
    audio.delete()
    transaction.on_commit(lambda: _delete_file_if_unused(name))


# Lessons --------------------------------------------------------------------------------------


@transaction.atomic
def lesson_import(*, fields: dict[str, Any], steps: list[dict[str, str]], source_hash: str) -> str:
    """Create or update a lesson and its steps from the repository; returns the outcome.

    Steps are updated in place by number, so their audio is kept when their words do not
    change. A lesson's skill code never changes once loaded: other apps record it.
    """
    from knowledge.models import LessonTopic

    slug, skill = str(fields["slug"]), str(fields["skill"])
    if fields.get("topic") not in LessonTopic.values:
        raise ValidationError(
            f"Chủ đề phải là một trong: {', '.join(LessonTopic.values)}. / "
            f"The topic must be one of: {', '.join(LessonTopic.values)}."
        )
    lesson = Lesson.objects.filter(slug=slug).first()
    if lesson is not None and lesson.skill != skill:
        raise ValidationError(
            f"Mã kỹ năng của bài {slug} là {lesson.skill}, không được đổi thành {skill}; hãy giữ "
            f"mã cũ. / The skill code of {slug} is {lesson.skill} and cannot change to {skill}; "
            "keep the old code."
        )
    if Lesson.objects.filter(skill=skill).exclude(slug=slug).exists():
        raise ValidationError(
            f"Mã kỹ năng {skill} đã dùng cho bài khác. / Skill code {skill} is used by another lesson."
        )
    if lesson is not None and lesson.source_hash == source_hash:
        return "unchanged"
    values = {
        "skill": skill,
        "title": nfc(str(fields["title"]))[:200],
        "summary": nfc(str(fields["summary"]))[:500],
        "topic": fields["topic"],
        "needs": [nfc(n) for n in fields["needs"]],
        "practice": nfc(str(fields["practice"])),
        "articles": list(fields.get("articles") or []),
        "position": int(fields.get("position") or 0),
        "reviewed_on": fields.get("reviewed_on"),
        "source_hash": source_hash,
    }
    outcome = "updated"
    if lesson is None:
        lesson = Lesson.objects.create(slug=slug, **values)
        outcome = "created"
    else:
        for name, value in values.items():
            setattr(lesson, name, value)
        lesson.save(update_fields=[*values, "updated_at"])
    lesson.steps.filter(number__gt=len(steps)).delete()
    abbreviations = speech_abbreviations()
    for number, item in enumerate(steps, start=1):
        step, _created = LessonStep.objects.update_or_create(
            lesson=lesson,
            number=number,
            defaults={
                "title": nfc(item["title"])[:200],
                "text": item["text"].replace("\r\n", "\n").strip(),
                "picture_svg": item["svg"],
                "picture_alt": nfc(item["alt"])[:300],
            },
        )
        audio_request(step=step, abbreviations=abbreviations)
    audit_record(
        actor=None,
        action="import",
        object_type="knowledge.lesson",
        object_id=lesson.pk,
        object_label=lesson.title,
        via="cli",
        details={"slug": slug, "steps": len(steps)},
    )
    return outcome


def audio_build(*, rebuild: bool = False) -> dict[str, int]:
    """Make every missing reading now, in this process (`langso knowledge audio`).

    With `rebuild`, every article and step is read again even if a file of the same words is
    stored. Returns how many were already ready, taken from the store, synthesised or failed.
    """
    from collections import Counter

    counts: Counter[str] = Counter()
    abbreviations = speech_abbreviations()
    targets: list[dict[str, Any]] = [
        {"article": a} for a in Article.objects.filter(published_version__isnull=False)
    ]
    targets += [{"step": s} for s in LessonStep.objects.select_related("lesson")]
    for target in targets:
        audio = audio_request(abbreviations=abbreviations, enqueue=False, **target)
        if audio is None:
            continue
        if audio.state == Audio.State.READY and not rebuild:
            counts["ready"] += 1
            continue
        try:
            counts[audio_synthesise(audio_id=audio.pk, force=rebuild)] += 1
        except voice.VoiceError:
            counts["failed"] += 1
            if voice.missing_programs():
                raise
    return dict(counts)

"""Citizen pages (search, article, audio, lessons) and editor pages (list, draft, submit,
publish, recordings).

Every view is permissions -> form -> service -> redirect (or render). Search never fails on bad
input: it says in plain words what is wrong with the question and how to ask it.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.permissions import commune_codes_for_user, communes_for_user, role_required
from knowledge import forms, selectors, services
from knowledge.markdown import render as render_markdown
from knowledge.models import Audio, LessonTopic
from knowledge.permissions import (
    EDITOR_ROLES,
    articles_for_user,
    can_edit,
    can_publish,
    get_article_for_user,
)
from knowledge.search import MAX_QUERY_LENGTH, QueryProblem, check_query

RESULTS_SHOWN = 10

_PROBLEMS = {
    QueryProblem.EMPTY: gettext_lazy(
        "Type a question first, for example “trợ cấp người khuyết tật”."
    ),
    QueryProblem.TOO_LONG: gettext_lazy(
        "The question is too long. Use at most %(limit)s characters: a few key words are enough."
    ),
    QueryProblem.MARKUP: gettext_lazy(
        "The question contains web code (< >). Type only words, for example “cách kích hoạt VNeID”."
    ),
    QueryProblem.NO_WORDS: gettext_lazy(
        "The question has no letters or numbers (only symbols or emoji). Type it in words."
    ),
    QueryProblem.MIXED_SCRIPT: gettext_lazy(
        "The question contains letters of another alphabet. Type it in Vietnamese or English letters."
    ),
}


def problem_message(problem: QueryProblem) -> tuple[str, str]:
    """The explanation of a bad query in Vietnamese and in English."""
    texts = []
    for language in ("vi", "en"):
        with translation.override(language):
            texts.append(str(_PROBLEMS[problem]) % {"limit": MAX_QUERY_LENGTH})
    return texts[0], texts[1]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# Citizens -------------------------------------------------------------------------------------


def search(request: HttpRequest) -> HttpResponse:
    form = forms.SearchForm(request.GET or None)
    results = None
    problem = ""
    query = ""
    if "q" in request.GET and form.is_valid():
        query = form.cleaned_data["q"]
        found = check_query(query)
        if found is not None:
            problem = str(_PROBLEMS[found]) % {"limit": MAX_QUERY_LENGTH}
        else:
            results = selectors.search_articles(query, limit=RESULTS_SHOWN)
    topics = None
    lessons = []
    if not query and not problem:
        topics = selectors.articles_by_topic()
        lessons = list(selectors.lesson_list())
    elif results:
        lessons = selectors.lessons_for_articles([found.slug for found, _hit in results])
    return render(
        request,
        "knowledge/search.html",
        {
            "form": form,
            "results": results,
            "problem": problem,
            "query": query,
            "topics": topics,
            "lessons": lessons,
        },
    )


def article(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.published_article(slug)
    if found is None or found.published_version is None:
        raise Http404
    version = found.published_version
    return render(
        request,
        "knowledge/article.html",
        {
            "article": found,
            "version": version,
            "body": mark_safe(render_markdown(version.body)),  # noqa: S308 - escaped by the renderer
            "audio": selectors.article_audio(found),
            "lessons": selectors.lessons_for_articles([found.slug]),
        },
    )


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def audio(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """One audio file, with byte ranges so that phones can seek and iPhones play at all."""
    found = selectors.public_audio(pk)
    if found is None or not found.file:
        raise Http404
    size = found.file.size
    handle = found.file.open("rb")
    content_type = found.content_type or "application/octet-stream"
    wanted = _RANGE.match(request.headers.get("Range", ""))
    if wanted and (wanted.group(1) or wanted.group(2)):
        if wanted.group(1):
            start = int(wanted.group(1))
            end = min(int(wanted.group(2) or size - 1), size - 1)
        else:  # the last N bytes
            start, end = max(0, size - int(wanted.group(2))), size - 1
        if start > end or start >= size:
            handle.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        handle.seek(start)
        body = handle.read(end - start + 1)
        handle.close()
        response = HttpResponse(body, status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    else:
        response = FileResponse(handle, content_type=content_type)
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    # The address names the file's content (its hash or upload name), so it can be kept long.
    patch_cache_control(response, public=True, max_age=30 * 24 * 3600)
    return response


# Lessons --------------------------------------------------------------------------------------


def lesson_list(request: HttpRequest) -> HttpResponse:
    topic = request.GET.get("topic", "")
    if topic not in LessonTopic.values:
        topic = ""
    present = set(selectors.lesson_topics())
    return render(
        request,
        "knowledge/lesson_list.html",
        {
            "lessons": selectors.lesson_list(topic),
            "topic": topic,
            "topics": [(value, label) for value, label in LessonTopic.choices if value in present],
        },
    )


def _lesson(slug: str, *, with_audio: bool = False) -> Any:
    found = selectors.lesson_by_slug(slug, with_audio=with_audio)
    if found is None:
        raise Http404
    return found


def lesson(request: HttpRequest, slug: str) -> HttpResponse:
    found = _lesson(slug)
    return render(
        request, "knowledge/lesson.html", {"lesson": found, "steps": list(found.steps.all())}
    )


def lesson_step(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    found = _lesson(slug, with_audio=True)
    steps = list(found.steps.all())
    if not 1 <= number <= len(steps):
        raise Http404
    step = steps[number - 1]
    ready = [a for a in step.audio.all() if a.state == Audio.State.READY]
    return render(
        request,
        "knowledge/lesson_step.html",
        {
            "lesson": found,
            "step": step,
            "count": len(steps),
            "previous": number - 1 if number > 1 else None,
            "next": number + 1 if number < len(steps) else None,
            "audio": ready[0] if ready else None,
            "pending": bool(step.audio.all()) and not ready,
        },
    )


def lesson_print(request: HttpRequest, slug: str) -> HttpResponse:
    found = _lesson(slug)
    return render(
        request,
        "knowledge/lesson_print.html",
        {"lesson": found, "steps": list(found.steps.all())},
    )


def lesson_picture(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    step = selectors.lesson_picture(slug, number)
    if step is None:
        raise Http404
    response = HttpResponse(step.picture_svg, content_type="image/svg+xml; charset=utf-8")
    # Pictures come from the repository and are checked on load; this is a second wall.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    patch_cache_control(response, public=True, max_age=24 * 3600)
    return response


# Editors --------------------------------------------------------------------------------------


def _article_form(user: User, *args: Any, **kwargs: Any) -> forms.ArticleForm:
    return forms.ArticleForm(
        *args,
        communes=communes_for_user(user).order_by("name"),
        province_wide=commune_codes_for_user(user) is None,
        **kwargs,
    )


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


@role_required(*EDITOR_ROLES)
def staff_list(request: HttpRequest) -> HttpResponse:
    articles = articles_for_user(_user(request)).order_by("-updated_at", "pk")
    page = Paginator(articles, forms.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "knowledge/staff_list.html", {"page": page})


@role_required(*EDITOR_ROLES)
def staff_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = _article_form(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.article_create(
                actor=user,
                commune=int(form.cleaned_data["commune"]) if form.cleaned_data["commune"] else None,
                phrasings=form.phrasing_list(),
                request=request,
                **form.content(),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect("knowledge:staff_edit", pk=created.pk)
    return render(request, "knowledge/staff_form.html", {"form": form, "article": None})


@role_required(*EDITOR_ROLES)
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    found = get_article_for_user(user, pk)
    form = _article_form(user, request.POST or None, initial=forms.ArticleForm.initial_for(found))
    form.fields["commune"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.article_update(
                actor=user,
                article=found,
                phrasings=form.phrasing_list(),
                request=request,
                **form.content(),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect("knowledge:staff_edit", pk=found.pk)
    return render(
        request,
        "knowledge/staff_form.html",
        {
            "form": form,
            "article": found,
            "can_edit": can_edit(user, found),
            "can_publish": can_publish(user, found),
            "audio": selectors.article_audio(found),
            "recording_form": forms.RecordingForm(),
        },
    )


@role_required(*EDITOR_ROLES)
@require_POST
def staff_recording_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a person's reading of the article; errors are shown as messages (PRG)."""
    user = _user(request)
    found = get_article_for_user(user, pk)
    form = forms.RecordingForm(request.POST, request.FILES)
    if not form.is_valid():
        for problems in form.errors.values():
            messages.error(request, " ".join(problems))
        return redirect("knowledge:staff_edit", pk=found.pk)
    try:
        services.recording_add(
            actor=user,
            article=found,
            upload=form.cleaned_data["file"],
            language=form.cleaned_data["language"],
            speaker=form.cleaned_data["speaker"],
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The recording is added. It is listed before the computer voice.")
        )
    return redirect("knowledge:staff_edit", pk=found.pk)


@role_required(*EDITOR_ROLES)
@require_POST
def staff_recording_remove(request: HttpRequest, pk: int, audio_pk: int) -> HttpResponse:
    user = _user(request)
    found = get_article_for_user(user, pk)
    recording = get_object_or_404(Audio, pk=audio_pk, article=found, kind=Audio.Kind.RECORDING)
    services.recording_remove(actor=user, audio=recording, request=request)
    messages.success(request, _("The recording is removed."))
    return redirect("knowledge:staff_edit", pk=found.pk)


@role_required(*EDITOR_ROLES)
@require_POST
def staff_submit(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_article_for_user(_user(request), pk)
    try:
        services.article_submit(actor=_user(request), article=found, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Sent for review. Another editor publishes it."))
    return redirect("knowledge:staff_edit", pk=found.pk)


@role_required(*EDITOR_ROLES)
@require_POST
def staff_publish(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_article_for_user(_user(request), pk)
    try:
        services.article_publish(actor=_user(request), article=found, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Published. Search finds it within a few seconds."))
    return redirect("knowledge:staff_edit", pk=found.pk)


@role_required(*EDITOR_ROLES)
def staff_terms(request: HttpRequest) -> HttpResponse:
    """The search dictionary: editors add what people type and the words articles use."""
    form = forms.SearchTermForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.search_term_save(actor=_user(request), request=request, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The search term is saved. Search uses it from now on."))
            return redirect("knowledge:staff_terms")
    terms = selectors.search_terms()
    return render(request, "knowledge/staff_terms.html", {"form": form, "terms": terms})

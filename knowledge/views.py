"""Citizen pages (search, article) and editor pages (list, draft, submit, publish).

Every view is permissions -> form -> service -> redirect (or render). Search never fails on bad
input: it says in plain words what is wrong with the question and how to ask it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.permissions import commune_codes_for_user, communes_for_user, role_required
from knowledge import forms, selectors, services
from knowledge.markdown import render as render_markdown
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
    if not query and not problem:
        topics = selectors.articles_by_topic()
    return render(
        request,
        "knowledge/search.html",
        {
            "form": form,
            "results": results,
            "problem": problem,
            "query": query,
            "topics": topics,
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
        },
    )


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
        },
    )


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

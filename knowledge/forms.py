"""Forms of the knowledge pages. They turn typed text into values; services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from knowledge.models import Article, Audience, Language, RecordingLanguage, SearchTerm, Topic
from knowledge.search import MAX_QUERY_LENGTH
from places.models import Commune

PAGE_SIZE = 25


class SearchForm(forms.Form):
    # No max_length here: a long query gets the search's own explanation, not a form error.
    q = forms.CharField(
        label=_("Your question"),
        required=False,
        strip=True,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "maxlength": MAX_QUERY_LENGTH * 2}
        ),
        help_text=_("Type as you speak, with or without diacritics, e.g. “the bhyt cho con”."),
    )


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One or two short sentences that answer the question."),
    )
    body = forms.CharField(
        label=_("Body"),
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_(
            "Markdown: “## ” starts a heading, “1. ” a numbered step, “- ” a bullet, "
            "**bold**, [text](https://address)."
        ),
    )
    phrasings = forms.CharField(
        label=_("Questions this article answers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line, the way people ask, e.g. “tien gia 75 tuoi nhan o dau”."),
    )
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    commune = forms.ChoiceField(label=_("Commune"), required=False)
    legal_source = forms.CharField(label=_("Legal source"), max_length=300, required=False)
    reviewed_on = forms.DateField(
        label=_("Last review date"),
        required=False,
        help_text=_("dd/mm/yyyy"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
    )
    related_policies = forms.CharField(
        label=_("Related policy ids"), max_length=300, required=False
    )

    def __init__(
        self, *args: Any, communes: QuerySet[Commune], province_wide: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(c.code), c.name) for c in communes]
        if province_wide:
            choices.insert(0, ("", str(_("The whole province"))))
        self.fields["commune"].choices = choices
        self.fields["commune"].required = not province_wide

    @staticmethod
    def initial_for(article: Article) -> dict[str, Any]:
        return {
            "title": article.title,
            "summary": article.summary,
            "body": article.body,
            "phrasings": "\n".join(article.phrasings.values_list("text", flat=True)),
            "topic": article.topic,
            "audience": article.audience,
            "language": article.language,
            "commune": str(article.commune_id or ""),
            "legal_source": article.legal_source,
            "reviewed_on": article.reviewed_on,
            "related_policies": article.related_policies,
        }

    def content(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
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
        }

    def phrasing_list(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["phrasings"].splitlines() if line.strip()
        ]


class SearchTermForm(forms.Form):
    term = forms.CharField(
        label=_("What people type"),
        max_length=80,
        help_text=_("An abbreviation or everyday word, e.g. “so do” or “tien gia”."),
    )
    expansion = forms.CharField(
        label=_("Words the articles use"),
        max_length=200,
        help_text=_("e.g. “giấy chứng nhận quyền sử dụng đất”."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=SearchTerm.Kind.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class RecordingForm(forms.Form):
    file = forms.FileField(
        label=_("Recording"),
        help_text=_("Opus/Ogg, MP3, M4A/AAC or WAV, at most %(size)s MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "audio/*"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=RecordingLanguage.choices)
    speaker = forms.CharField(
        label=_("Read by"),
        max_length=120,
        required=False,
        help_text=_("Optional, e.g. “Lò Thị Hoa, Tổ công nghệ số bản Nà Sản”."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.LANGSO_AUDIO_MAX_BYTES / 1024 / 1024
        self.fields["file"].help_text = str(self.fields["file"].help_text) % {"size": f"{limit:g}"}

"""The knowledge base: articles, their published versions, question phrasings, search terms.

An Article is the working copy editors change; an ArticleVersion is a frozen copy made at each
publication. Citizens and the search index only ever see the latest published version, so an
editor can rework a published article without taking it off the site while it is reviewed.
Rows change only through knowledge.services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Topic(models.TextChoices):
    LAW = "law", _("Law and policy")
    BENEFITS = "benefits", _("Social benefits")
    HEALTH = "health", _("Health and health insurance")
    EDUCATION = "education", _("Education")
    DIGITAL = "digital", _("Digital skills and online public services")
    JOBS = "jobs", _("Jobs and training")
    SAFETY = "safety", _("Safety online")


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    OLDER_PEOPLE = "older_people", _("Older people")
    DISABILITY = "disability", _("People with disabilities and their families")
    POOR_HOUSEHOLDS = "poor_households", _("Poor and near-poor households")
    ETHNIC_MINORITIES = "ethnic_minorities", _("Ethnic-minority families")
    CHILDREN = "children", _("Children, pupils and their families")
    WORKERS = "workers", _("Workers and job seekers")


class Language(models.TextChoices):
    VI = "vi", "Tiếng Việt"
    EN = "en", "English"


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    IN_REVIEW = "in_review", _("in review")
    PUBLISHED = "published", _("published")


class Article(models.Model):
    """The working copy of one article; `published_version` is what people read."""

    slug = models.SlugField(_("address name"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500)
    body = models.TextField(_("body"), help_text=_("Markdown: headings, lists, bold, links."))
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    audience = models.CharField(
        _("audience"), max_length=30, choices=Audience.choices, default=Audience.EVERYONE
    )
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.VI
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # Null for province-wide articles (province administrators edit them); a commune's own
    # articles are edited by its officers.
    commune = models.ForeignKey(
        "places.Commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("commune"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("owner"),
    )
    legal_source = models.CharField(_("legal source"), max_length=300, blank=True)
    reviewed_on = models.DateField(_("last review date"), null=True, blank=True)
    related_policies = models.CharField(
        _("related policy ids"), max_length=300, blank=True, help_text=_("Separated by commas.")
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_version = models.ForeignKey(
        "knowledge.ArticleVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return self.title


class ArticleVersion(models.Model):
    """A frozen copy of an article as it was published. Rows are only ever inserted."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500)
    body = models.TextField(_("body"))
    phrasings = models.JSONField(_("question phrasings"), default=list)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    audience = models.CharField(_("audience"), max_length=30, choices=Audience.choices)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    legal_source = models.CharField(_("legal source"), max_length=300, blank=True)
    reviewed_on = models.DateField(_("last review date"), null=True, blank=True)
    related_policies = models.CharField(_("related policy ids"), max_length=300, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_unique")
        ]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"


class FaqPhrasing(models.Model):
    """One way people ask the question an article answers ("làm thẻ bhyt cho con ở đâu")."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="phrasings")
    text = models.CharField(_("question"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["article", "position", "id"]
        verbose_name = _("question phrasing")
        verbose_name_plural = _("question phrasings")

    def __str__(self) -> str:
        return self.text


class SearchTerm(models.Model):
    """An abbreviation or everyday word that search widens to the words articles use."""

    class Kind(models.TextChoices):
        ABBREVIATION = "abbr", _("abbreviation")
        SYNONYM = "synonym", _("everyday word")
        LOCAL = "local", _("local word")

    term = models.CharField(_("what people type"), max_length=80, unique=True)
    expansion = models.CharField(_("words in the articles"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SYNONYM)
    enabled = models.BooleanField(_("in use"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term"]
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")

    def __str__(self) -> str:
        return f"{self.term} → {self.expansion}"


class SearchIndexStamp(models.Model):
    """One row whose `version` goes up whenever published content or search terms change.

    Each process keeps its search index in memory and rebuilds it when the stamp it built from
    is older than this one, so a publication on one web worker reaches every other worker.
    """

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"search index v{self.version}"

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


# Audio ----------------------------------------------------------------------------------------


class RecordingLanguage(models.TextChoices):
    """Languages of audio; codes are BCP 47 so that pages can mark them with `lang`."""

    VI = "vi", "Tiếng Việt"
    KM = "km", "Tiếng Khmer"
    HMN = "hmn", "Tiếng Mông"
    TAI = "tai", "Tiếng Thái"
    TYZ = "tyz", "Tiếng Tày"
    NUT = "nut", "Tiếng Nùng"
    MTQ = "mtq", "Tiếng Mường"
    EN = "en", "English"


class Audio(models.Model):
    """One reading of an article or of a lesson step: the synthetic voice or a person's recording.

    Each article and each step has at most one synthetic reading, regenerated when its text
    changes; `text_hash` names the text, voice and settings it was made from, and the file is
    stored under that hash so identical text is never synthesised twice. Recordings uploaded by
    editors are listed first.
    """

    class Kind(models.TextChoices):
        SYNTHETIC = "synthetic", _("computer voice")
        RECORDING = "recording", _("recorded by a person")

    class State(models.TextChoices):
        PENDING = "pending", _("being prepared")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="audio"
    )
    step = models.ForeignKey(
        "knowledge.LessonStep",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="audio",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    language = models.CharField(
        _("language"), max_length=12, choices=RecordingLanguage.choices, default="vi"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    text_hash = models.CharField(max_length=64, blank=True)
    file = models.FileField(_("file"), upload_to="knowledge/audio/", max_length=200, blank=True)
    content_type = models.CharField(max_length=60, blank=True)
    size = models.PositiveIntegerField(default=0)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    speaker = models.CharField(_("read by"), max_length=120, blank=True)
    error = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-kind", "language", "id"]  # recordings before the synthetic voice
        constraints = [
            models.CheckConstraint(
                condition=models.Q(article__isnull=False, step__isnull=True)
                | models.Q(article__isnull=True, step__isnull=False),
                name="knowledge_audio_one_owner",
            ),
            models.UniqueConstraint(
                fields=["article"],
                condition=models.Q(kind="synthetic"),
                name="knowledge_audio_one_synthetic_per_article",
            ),
            models.UniqueConstraint(
                fields=["step"],
                condition=models.Q(kind="synthetic"),
                name="knowledge_audio_one_synthetic_per_step",
            ),
        ]
        verbose_name = _("audio")
        verbose_name_plural = _("audio")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language}, {self.state})"

    @property
    def download_name(self) -> str:
        """The file's own name, used in its address so a new file gets a new address."""
        return self.file.name.rsplit("/", 1)[-1]


# Lessons --------------------------------------------------------------------------------------


class LessonTopic(models.TextChoices):
    IDENTITY = "identity", _("VNeID and identity papers")
    PUBLIC_SERVICES = "public_services", _("Online public services")
    HEALTH = "health", _("Health insurance and health")
    PAYMENTS = "payments", _("Paying bills and money")
    SAFETY = "safety", _("Staying safe online")
    CONTACT = "contact", _("Keeping in touch")
    JOBS = "jobs", _("Jobs")


class Lesson(models.Model):
    """A step-by-step guide to one digital task, taught at a corner or followed at home.

    `skill` is the stable code other apps use to record that a person has shown the skill; it
    never changes once published, even if the lesson's slug or title does. Lessons are kept as
    files in knowledge/lessons/ and loaded by `langso knowledge load`.
    """

    slug = models.SlugField(_("address name"), max_length=80, unique=True)
    skill = models.SlugField(_("skill code"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500)
    topic = models.CharField(_("topic"), max_length=20, choices=LessonTopic.choices)
    needs = models.JSONField(_("what you need"), default=list)
    practice = models.TextField(_("practice task"))
    articles = models.JSONField(_("related articles"), default=list)
    position = models.PositiveSmallIntegerField(default=0)
    reviewed_on = models.DateField(_("last review date"), null=True, blank=True)
    source_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "title"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def __str__(self) -> str:
        return self.title


class LessonStep(models.Model):
    """One step of a lesson: a short instruction, a picture of the phone, and its audio."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField(_("step"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    picture_svg = models.TextField(_("picture (SVG)"))
    picture_alt = models.CharField(_("picture description"), max_length=300)

    class Meta:
        ordering = ["lesson", "number"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "number"], name="knowledge_step_unique")
        ]
        verbose_name = _("lesson step")
        verbose_name_plural = _("lesson steps")

    def __str__(self) -> str:
        return f"{self.lesson.title}: {self.number}. {self.title}"

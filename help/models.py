"""Digital corners: where helpers serve people, the cases they work on, appointments and queues.

A corner ("điểm chuyển đổi số cộng đồng") belongs to a commune. Its helpers (users with the
helper role, scoped to that commune) mostly act **on behalf of** a person, so a case records the
person's consent and every action records who did it for whom.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    """Languages a helper speaks: Vietnamese, the main minority languages, sign language."""

    VIETNAMESE = "vi", "Tiếng Việt"
    KHMER = "km", "Khmer"
    TAY = "tay", "Tày"
    THAI = "thai", "Thái"
    MUONG = "muong", "Mường"
    HMONG = "hmong", "Mông"
    NUNG = "nung", "Nùng"
    DAO = "dao", "Dao"
    GIARAI = "giarai", "Gia Rai"
    EDE = "ede", "Ê Đê"
    BANA = "bana", "Ba Na"
    CHAM = "cham", "Chăm"
    HOA = "hoa", "Hoa"
    SIGN = "sign", _("Vietnamese sign language")


class Topic(models.TextChoices):
    """What a person came for, tied to concrete tasks."""

    VNEID_LEVEL2 = "vneid", _("Activate VNeID level 2")
    DOSSIER = "dossier", _("Submit a public-service dossier")
    HEALTH_INSURANCE_APP = "hi_app", _("Health-insurance app")
    E_PAYMENT = "payment", _("E-payment")
    E_COMMERCE = "commerce", _("Selling online")
    JOB_APPLICATION = "job", _("Job application")
    DEVICE_PROBLEM = "device", _("Device problem")
    COURSE_ENROLMENT = "course", _("Course enrolment")
    BENEFITS_QUESTION = "benefits", _("Benefits question")
    KNOWLEDGE_QUESTION = "question", _("Question from the knowledge site")
    OTHER = "other", _("Other")


# Service-level targets (hours from opening to closing) when no TopicTarget row overrides them.
DEFAULT_TARGET_HOURS: dict[str, int] = {
    Topic.VNEID_LEVEL2: 72,
    Topic.DOSSIER: 120,
    Topic.HEALTH_INSURANCE_APP: 48,
    Topic.E_PAYMENT: 48,
    Topic.E_COMMERCE: 120,
    Topic.JOB_APPLICATION: 72,
    Topic.DEVICE_PROBLEM: 72,
    Topic.COURSE_ENROLMENT: 72,
    Topic.BENEFITS_QUESTION: 72,
    Topic.KNOWLEDGE_QUESTION: 48,
    Topic.OTHER: 72,
}


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("walk-in")
    HOME_VISIT = "home_visit", _("home visit")
    PHONE = "phone", _("phone call")
    ZALO = "zalo", "Zalo"
    SMS = "sms", "SMS"
    ONLINE = "online", _("online form")


class Corner(models.Model):
    class Wifi(models.TextChoices):
        NONE = "none", _("no Wi-Fi")
        FREE = "free", _("free Wi-Fi for visitors")
        STAFF = "staff", _("Wi-Fi for staff only")

    commune = models.ForeignKey(
        "places.Commune",
        on_delete=models.PROTECT,
        related_name="corners",
        verbose_name=_("commune"),
    )
    village = models.ForeignKey(
        "places.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corners",
        verbose_name=_("village"),
    )
    name = models.CharField(_("name"), max_length=150)
    address = models.CharField(_("address"), max_length=255)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    phone = models.CharField(_("phone number"), max_length=16, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Accessibility of the site, shown to people before they travel.
    step_free = models.BooleanField(_("step-free entrance"), default=False)
    seating = models.BooleanField(_("seats while waiting"), default=False)
    accessible_toilet = models.BooleanField(_("accessible toilet"), default=False)
    accessibility_note = models.CharField(_("accessibility note"), max_length=255, blank=True)
    equipment = models.TextField(_("equipment"), blank=True)
    wifi = models.CharField(_("Wi-Fi"), max_length=5, choices=Wifi.choices, default=Wifi.NONE)
    # Booking: a slot lasts slot_minutes and serves up to `desks` people at once.
    slot_minutes = models.PositiveSmallIntegerField(_("minutes per appointment"), default=20)
    desks = models.PositiveSmallIntegerField(_("people served at once"), default=1)
    is_active = models.BooleanField(_("open to the public"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["commune", "name"]
        verbose_name = _("digital corner")
        verbose_name_plural = _("digital corners")

    def __str__(self) -> str:
        return self.name


class CornerService(models.Model):
    """A topic a corner offers help with."""

    corner = models.ForeignKey(Corner, on_delete=models.CASCADE, related_name="services")
    topic = models.CharField(_("service"), max_length=10, choices=Topic.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["corner", "topic"], name="help_corner_service_once")
        ]

    def __str__(self) -> str:
        return f"{self.corner_id} {self.topic}"


class OpeningHours(models.Model):
    """One opening interval on one weekday (0 = Monday); a day may have several."""

    corner = models.ForeignKey(Corner, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="help_hours_weekday"),
            models.CheckConstraint(
                condition=Q(opens__lt=models.F("closes")), name="help_hours_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens}-{self.closes}"


class Closure(models.Model):
    """A day the corner is closed although its hours say open (holiday, training day)."""

    corner = models.ForeignKey(Corner, on_delete=models.CASCADE, related_name="closures")
    day = models.DateField(_("day"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["corner", "day"], name="help_closure_once")]

    def __str__(self) -> str:
        return f"{self.corner_id} {self.day}"


class Member(models.Model):
    """A helper serving at a corner."""

    corner = models.ForeignKey(Corner, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="corner_memberships"
    )
    position = models.CharField(_("position in the team"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)

    class Meta:
        ordering = ["corner", "user__full_name"]
        constraints = [models.UniqueConstraint(fields=["corner", "user"], name="help_member_once")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.corner_id}"


class MemberLanguage(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "language"], name="help_member_language_once")
        ]

    def __str__(self) -> str:
        return self.language


class TopicTarget(models.Model):
    """The province's service-level target for a topic, overriding DEFAULT_TARGET_HOURS."""

    topic = models.CharField(_("topic"), max_length=10, choices=Topic.choices, unique=True)
    target_hours = models.PositiveSmallIntegerField(_("target (hours)"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.topic} {self.target_hours} h"


class Appointment(models.Model):
    """A booked visit: at the corner, at home (people who cannot travel) or by phone."""

    class Kind(models.TextChoices):
        AT_CORNER = "corner", _("at the corner")
        HOME_VISIT = "home", _("home visit")
        PHONE = "phone", _("by phone")

    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        ARRIVED = "arrived", _("arrived")
        DONE = "done", _("done")
        NO_SHOW = "no_show", _("did not come")
        CANCELLED = "cancelled", _("cancelled")

    ACTIVE = (Status.BOOKED, Status.ARRIVED, Status.DONE)

    corner = models.ForeignKey(Corner, on_delete=models.PROTECT, related_name="appointments")
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="help_appointments",
        verbose_name=_("helper"),
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="help_appointments",
    )
    name = models.CharField(_("name"), max_length=150)
    phone = models.CharField(_("phone number"), max_length=16, db_index=True)
    topic = models.CharField(_("topic"), max_length=10, choices=Topic.choices)
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices, default=Kind.AT_CORNER)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    # Which of the corner's desks the slot uses (1..desks): with the constraint below the
    # database itself refuses a double booking, whatever the timing of two requests.
    desk = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.BOOKED
    )
    # A short code a person can read aloud on the phone or show on arrival.
    code = models.CharField(_("booking code"), max_length=8, unique=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            models.UniqueConstraint(
                fields=["corner", "starts_at", "desk"],
                condition=Q(status__in=["booked", "arrived", "done"]),
                name="help_appointment_no_double_booking",
            ),
            models.UniqueConstraint(
                fields=["helper", "starts_at"],
                condition=Q(status__in=["booked", "arrived", "done"]),
                name="help_appointment_helper_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.starts_at:%Y-%m-%d %H:%M}"


class QueueToken(models.Model):
    """A numbered ticket for someone waiting at a corner today (walk-in or arrived appointment)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        CALLED = "called", _("called")
        SERVING = "serving", _("being served")
        DONE = "done", _("done")
        LEFT = "left", _("left before being served")

    corner = models.ForeignKey(Corner, on_delete=models.PROTECT, related_name="tokens")
    day = models.DateField(_("day"))
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=150, blank=True)
    phone = models.CharField(_("phone number"), max_length=16, blank=True)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    topic = models.CharField(_("topic"), max_length=10, choices=Topic.choices)
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="token"
    )
    # People who cannot wait standing (disability, old age, pregnancy) are called first.
    priority = models.BooleanField(_("priority"), default=False)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.WAITING
    )
    issued_at = models.DateTimeField(_("issued"))
    called_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["day", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["corner", "day", "number"], name="help_token_number_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} #{self.number}"


class GroupSession(models.Model):
    """A class at a corner (e.g. "using VNeID"), with a capacity and attendance."""

    corner = models.ForeignKey(Corner, on_delete=models.PROTECT, related_name="sessions")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # The knowledge lesson's skill code the class teaches, if any.
    skill = models.CharField(_("skill taught"), max_length=80, blank=True)
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="help_sessions"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveSmallIntegerField(_("places"))
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return self.title


class SessionSeat(models.Model):
    """A place in a class: booked by phone, then attendance marked by the helper."""

    session = models.ForeignKey(GroupSession, on_delete=models.CASCADE, related_name="seats")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=150)
    phone = models.CharField(_("phone number"), max_length=16)
    booked_at = models.DateTimeField(auto_now_add=True)
    attended = models.BooleanField(_("attended"), null=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["booked_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "phone"], name="help_seat_once_per_phone")
        ]

    def __str__(self) -> str:
        return f"{self.session_id} {self.name}"


class Case(models.Model):
    """One person's request, from the first contact to closing and feedback."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        WAITING = "waiting", _("waiting for the person")
        REFERRED = "referred", _("referred to another agency")
        CLOSED = "closed", _("closed")

    class Outcome(models.TextChoices):
        DONE = "done", _("done")
        DONE_ON_BEHALF = "on_behalf", _("done on behalf of the person")
        TAUGHT = "taught", _("the person learnt to do it")
        REFERRED = "referred", _("referred elsewhere")
        NOT_POSSIBLE = "not_possible", _("could not be done")
        WITHDRAWN = "withdrawn", _("no longer needed")

    class ConsentMethod(models.TextChoices):
        PAPER = "paper", _("signed paper form")
        VERBAL = "verbal", _("spoken, in front of the helper")
        ONLINE = "online", _("online, by the person")

    commune = models.ForeignKey(
        "places.Commune", on_delete=models.PROTECT, related_name="help_cases"
    )
    corner = models.ForeignKey(
        Corner, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="help_cases"
    )
    name = models.CharField(_("name"), max_length=150)
    phone = models.CharField(_("phone number"), max_length=16, blank=True, db_index=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    topic = models.CharField(_("topic"), max_length=10, choices=Topic.choices)
    summary = models.TextField(_("what the person needs"))
    # A question asked on the knowledge site, and the article it was asked from.
    question_audio = models.FileField(upload_to="help/questions/%Y/%m/", blank=True)
    article = models.ForeignKey(
        "knowledge.Article", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    token = models.OneToOneField(
        QueueToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="case"
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="help_cases",
        verbose_name=_("helper"),
    )
    opened_at = models.DateTimeField(_("opened"), db_index=True)
    due_at = models.DateTimeField(_("due"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    minutes_spent = models.PositiveIntegerField(_("minutes spent"), default=0)
    # Consent for acting on behalf of the person, for this case.
    consent_method = models.CharField(
        _("consent given"), max_length=6, choices=ConsentMethod.choices, blank=True
    )
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    # "Did it alone next time": the person later did this kind of task without help.
    did_alone_at = models.DateTimeField(null=True, blank=True)
    did_alone_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["commune", "status", "due_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"

    @property
    def has_consent(self) -> bool:
        return bool(self.consent_method) and self.consent_withdrawn_at is None


class CaseAction(models.Model):
    """One thing done in a case: stamped with who did it, for whom, and how long it took."""

    class Kind(models.TextChoices):
        NOTE = "note", _("note")
        ON_BEHALF = "on_behalf", _("done on behalf of the person")
        TAUGHT = "taught", _("taught the person")
        CALL = "call", _("phone call")
        MESSAGE = "message", _("message sent")
        STATUS = "status", _("status changed")
        REFERRAL = "referral", _("referral")
        CONSENT = "consent", _("consent")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    description = models.TextField(_("what was done"))
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The person the action was done for, frozen at the time (the case's person may change).
    done_for = models.CharField(_("done for"), max_length=150)
    minutes = models.PositiveSmallIntegerField(_("minutes"), default=0)
    at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class Attachment(models.Model):
    """A photo of a document or a voice note, kept private to the case's commune."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("photo")
        AUDIO = "audio", _("voice note")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    file = models.FileField(upload_to="help/attachments/%Y/%m/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    description = models.CharField(_("description"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class Referral(models.Model):
    """A case sent to another agency, followed until the loop is closed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for an answer")
        GOT_HELP = "got_help", _("got help")
        REFERRED_ELSEWHERE = "elsewhere", _("referred elsewhere")
        COULD_NOT_CONTACT = "no_contact", _("could not contact the person")
        NOT_ELIGIBLE = "not_eligible", _("not eligible")
        NO_CAPACITY = "no_capacity", _("the agency had no capacity")
        COULD_NOT_GET_HELP = "no_help", _("could not get help")
        NO_LONGER_INTERESTED = "not_interested", _("no longer interested")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    agency = models.CharField(_("agency"), max_length=200)
    reason = models.TextField(_("reason"))
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    referred_at = models.DateTimeField(_("referred"))
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.PENDING
    )
    status_at = models.DateTimeField(null=True, blank=True)
    status_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-referred_at"]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.agency}"


class Feedback(models.Model):
    """Two-option feedback after a case is closed: did it help or not, and an optional comment."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField(_("it helped"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.case_id} {self.helpful}"


class SkillAttestation(models.Model):
    """A practical skill a person showed a helper (e.g. "paid a bill with a banking app")."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=150)
    phone = models.CharField(_("phone number"), max_length=16, blank=True, db_index=True)
    commune = models.ForeignKey("places.Commune", on_delete=models.PROTECT, related_name="+")
    # The knowledge lesson's skill code.
    skill = models.CharField(_("skill"), max_length=80)
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    attested_at = models.DateTimeField(_("attested"))
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="skills"
    )
    session = models.ForeignKey(
        GroupSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="skills"
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["-attested_at"]

    def __str__(self) -> str:
        return f"{self.name} {self.skill}"

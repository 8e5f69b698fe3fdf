"""Reads of the corners part: public corner lists, free slots, days, queues, classes, skills.

Slots are computed, never stored: a corner's opening hours are cut into slots of slot_minutes
from each opening time, a slot has `desks` places, and a place is free when no active
appointment holds it. Closures remove whole days. All times are the corner's local time
(Asia/Ho_Chi_Minh); the database stores UTC.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from help.models import (
    Appointment,
    Closure,
    Corner,
    GroupSession,
    Member,
    OpeningHours,
    QueueToken,
    SessionSeat,
    SkillAttestation,
)
from lib import phone as phone_lib

# How far ahead people may book, and how far the corner list looks for the next free slot.
BOOKING_HORIZON_DAYS = 60
NEXT_SLOT_DAYS = 14

# Practical skills a helper can attest when the knowledge base has no lessons loaded yet: the
# skill codes of knowledge/lessons, so that attestations keep their meaning once they are.
FALLBACK_SKILLS: tuple[tuple[str, str], ...] = (
    ("vneid-install-login", _("Install and log in to the VNeID app")),
    ("vneid-level-2", _("Register a level 2 electronic identity account (VNeID)")),
    ("zalo-video-call", _("Make a Zalo video call to a relative")),
    ("spot-online-scams", _("Recognise and avoid scams by phone and online")),
    ("submit-public-service-dossier", _("Submit a dossier on the national public-service portal")),
    ("health-insurance-card-app", _("Show the health-insurance card in VNeID or VssID")),
    ("find-a-job-online", _("Find a job online safely")),
    ("pay-utility-bill", _("Pay the electricity or water bill with a banking app")),
)


def local_tz():  # type: ignore[no-untyped-def]
    return timezone.get_default_timezone()


def at_local(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=local_tz())


# Slots -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    free: int

    @property
    def value(self) -> str:
        """The slot as the booking forms post it: local ISO time without seconds."""
        return timezone.localtime(self.starts_at).strftime("%Y-%m-%dT%H:%M")


def slot_grid(corner: Corner, day: date, hours: Iterable[OpeningHours]) -> list[datetime]:
    """Every slot start of a day from the opening hours (closures not considered)."""
    step = timedelta(minutes=corner.slot_minutes)
    starts: list[datetime] = []
    for interval in hours:
        if interval.weekday != day.weekday():
            continue
        start, end = at_local(day, interval.opens), at_local(day, interval.closes)
        while start + step <= end:
            starts.append(start)
            start += step
    return sorted(starts)


def _active_appointments() -> QuerySet[Appointment]:
    return Appointment.objects.filter(status__in=Appointment.ACTIVE)


def day_slots(
    corner: Corner,
    day: date,
    *,
    helper_id: int | None = None,
    now: datetime | None = None,
    exclude_appointment: int | None = None,
) -> list[Slot]:
    """The slots of one day with their free places (past slots and closed days give none).

    With helper_id, only slots where that helper is free as well.
    """
    now = now or timezone.now()
    if Closure.objects.filter(corner=corner, day=day).exists():
        return []
    grid = [s for s in slot_grid(corner, day, corner.hours.all()) if s > now]
    if not grid:
        return []
    taken_rows = _active_appointments().filter(corner=corner, starts_at__in=grid)
    if exclude_appointment is not None:
        taken_rows = taken_rows.exclude(pk=exclude_appointment)
    taken = dict(
        taken_rows.values_list("starts_at").annotate(n=Count("id")).values_list("starts_at", "n")
    )
    busy: set[datetime] = set()
    if helper_id is not None:
        helper_rows = _active_appointments().filter(helper_id=helper_id, starts_at__in=grid)
        if exclude_appointment is not None:
            helper_rows = helper_rows.exclude(pk=exclude_appointment)
        busy = set(helper_rows.values_list("starts_at", flat=True))
    step = timedelta(minutes=corner.slot_minutes)
    slots = []
    for start in grid:
        free = 0 if start in busy else max(corner.desks - taken.get(start, 0), 0)
        slots.append(Slot(start, start + step, free))
    return slots


def free_slots(corner: Corner, day: date, **kwargs: object) -> list[Slot]:
    return [s for s in day_slots(corner, day, **kwargs) if s.free > 0]  # type: ignore[arg-type]


def next_free_slots(
    corners: Iterable[Corner], *, now: datetime | None = None, days: int = NEXT_SLOT_DAYS
) -> dict[int, datetime | None]:
    """The first free slot of each corner within `days`, in three queries for any number of
    corners (the corners' hours must be prefetched)."""
    now = now or timezone.now()
    corners = list(corners)
    ids = [c.pk for c in corners]
    today = timezone.localdate(now)
    last = today + timedelta(days=days)
    closed: dict[int, set[date]] = defaultdict(set)
    for corner_id, day in Closure.objects.filter(
        corner_id__in=ids, day__gte=today, day__lte=last
    ).values_list("corner_id", "day"):
        closed[corner_id].add(day)
    taken: dict[tuple[int, datetime], int] = {}
    rows = (
        _active_appointments()
        .filter(corner_id__in=ids, starts_at__gte=now, starts_at__lt=at_local(last, time.max))
        .values("corner_id", "starts_at")
        .annotate(n=Count("id"))
    )
    for row in rows:
        taken[(row["corner_id"], row["starts_at"])] = row["n"]
    found: dict[int, datetime | None] = {}
    for corner in corners:
        found[corner.pk] = None
        hours = list(corner.hours.all())
        for offset in range(days + 1):
            day = today + timedelta(days=offset)
            if day in closed[corner.pk]:
                continue
            start = next(
                (
                    s
                    for s in slot_grid(corner, day, hours)
                    if s > now and taken.get((corner.pk, s), 0) < corner.desks
                ),
                None,
            )
            if start is not None:
                found[corner.pk] = start
                break
    return found


def slot_refusal(corner: Corner, starts_at: datetime, *, now: datetime | None = None) -> str:
    """Why a slot cannot be booked ("" when it is a real slot of the corner's hours), bilingual."""
    now = now or timezone.now()
    local = timezone.localtime(starts_at)
    day = local.date()
    when = local.strftime("%H:%M %d/%m/%Y")
    if starts_at <= now:
        return (
            f"Giờ hẹn {when} đã qua; hãy chọn một giờ sau bây giờ. / "
            f"The time {when} has passed; choose a later time."
        )
    if day > timezone.localdate(now) + timedelta(days=BOOKING_HORIZON_DAYS):
        return (
            f"Chỉ đặt lịch trước tối đa {BOOKING_HORIZON_DAYS} ngày; hãy chọn ngày sớm hơn. / "
            f"Bookings open at most {BOOKING_HORIZON_DAYS} days ahead; choose an earlier day."
        )
    closure = Closure.objects.filter(corner=corner, day=day).first()
    if closure is not None:
        reason = f" ({closure.reason})" if closure.reason else ""
        return (
            f"Điểm hỗ trợ nghỉ ngày {day:%d/%m/%Y}{reason}; hãy chọn ngày khác. / "
            f"The corner is closed on {day:%d/%m/%Y}{reason}; choose another day."
        )
    grid = slot_grid(corner, day, corner.hours.all())
    if starts_at not in grid:
        hours = hours_text(corner.hours.all(), day.weekday())
        opening = (
            f"giờ mở cửa hôm đó: {hours} / opening hours that day: {hours}"
            if hours
            else "hôm đó không mở cửa / it is not open that day"
        )
        return (
            f"{when} không phải giờ hẹn của điểm hỗ trợ ({opening}); hãy chọn một giờ trong "
            f"danh sách giờ còn trống. / {when} is not an appointment time of the corner; "
            "choose one of the free times listed."
        )
    return ""


# Hours -----------------------------------------------------------------------------------------


def hours_text(hours: Iterable[OpeningHours], weekday: int) -> str:
    return ", ".join(f"{h.opens:%H:%M}–{h.closes:%H:%M}" for h in hours if h.weekday == weekday)


def hours_summary(hours: Iterable[OpeningHours]) -> list[tuple[str, str]]:
    """Opening hours as (days, times) lines, consecutive days with the same times together:
    ("Thứ 2 – Thứ 6", "07:30–11:30, 13:30–17:00")."""
    rows = list(hours)
    by_day = [hours_text(rows, wd) for wd in range(7)]
    lines: list[tuple[str, str]] = []
    start = 0
    while start < 7:
        end = start
        while end + 1 < 7 and by_day[end + 1] == by_day[start]:
            end += 1
        if by_day[start]:
            days = str(WEEKDAYS[start])
            if end > start:
                days = f"{WEEKDAYS[start]} – {WEEKDAYS[end]}"
            lines.append((days, by_day[start]))
        start = end + 1
    return lines


def open_now(corner: Corner, now: datetime | None = None) -> bool:
    local = timezone.localtime(now or timezone.now())
    return any(
        h.weekday == local.weekday() and h.opens <= local.time() < h.closes
        for h in corner.hours.all()
    )


# Corners ---------------------------------------------------------------------------------------


def _with_details(rows: QuerySet[Corner]) -> QuerySet[Corner]:
    active_members = Member.objects.filter(is_active=True).select_related("user")
    return rows.select_related("commune", "village").prefetch_related(
        "hours",
        "services",
        Prefetch("members", queryset=active_members.prefetch_related("languages")),
    )


def public_corners(
    *, commune_code: int | None = None, language: str = "", topic: str = ""
) -> QuerySet[Corner]:
    """Corners open to the public in the province, with what their cards show prefetched."""
    rows = Corner.objects.filter(is_active=True, commune__province_id=settings.PROVINCE_CODE)
    if commune_code:
        rows = rows.filter(commune_id=commune_code)
    if language:
        rows = rows.filter(
            pk__in=Member.objects.filter(is_active=True, languages__language=language).values(
                "corner_id"
            )
        )
    if topic:
        rows = rows.filter(services__topic=topic)
    return _with_details(rows).order_by("commune__name", "name")


def corner_details(corner_id: int) -> Corner:
    return _with_details(Corner.objects.filter(pk=corner_id)).get()


def corner_languages(corner: Corner) -> list[str]:
    """The languages spoken at a corner (members prefetched), Vietnamese first."""
    codes = {lang.language for m in corner.members.all() for lang in m.languages.all()}
    from help.models import Language

    return [label for value, label in Language.choices if value in codes]


def communes_with_corners() -> list[tuple[int, str]]:
    rows = (
        Corner.objects.filter(is_active=True, commune__province_id=settings.PROVINCE_CODE)
        .values_list("commune_id", "commune__name")
        .distinct()
        .order_by("commune__name")
    )
    return list(rows)


def corner_helpers(corner: Corner) -> list[Member]:
    return list(
        corner.members.filter(is_active=True)
        .select_related("user")
        .prefetch_related("languages")
        .order_by("user__full_name")
    )


# Appointments ----------------------------------------------------------------------------------


def day_appointments(corner: Corner, day: date) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(
            corner=corner,
            starts_at__gte=at_local(day, time.min),
            starts_at__lt=at_local(day + timedelta(days=1), time.min),
        )
        .select_related("helper", "token")
        .order_by("starts_at", "desk")
    )


def appointments_on_closed_day(corner: Corner, day: date) -> int:
    return day_appointments(corner, day).filter(status=Appointment.Status.BOOKED).count()


def booked_outside_hours(corner: Corner, *, now: datetime | None = None) -> list[Appointment]:
    """Future bookings that no longer fall on a slot (after the hours were changed)."""
    now = now or timezone.now()
    hours = list(corner.hours.all())
    rows = corner.appointments.filter(status=Appointment.Status.BOOKED, starts_at__gt=now)
    return [
        a
        for a in rows
        if a.starts_at not in slot_grid(corner, timezone.localtime(a.starts_at).date(), hours)
    ]


def find_booking(code: str, phone: str) -> Appointment | None:
    """A booking by the code and the phone number it was made with (either wrong: None)."""
    code = (code or "").strip().upper().replace(" ", "")
    try:
        normalised = phone_lib.normalise(phone or "")
    except phone_lib.PhoneError:
        return None
    return (
        Appointment.objects.select_related("corner", "corner__commune", "helper")
        .filter(code=code, phone=normalised)
        .first()
    )


def bookings_by_code(codes: Iterable[str]) -> QuerySet[Appointment]:
    return Appointment.objects.select_related("corner", "corner__commune").filter(
        code__in=list(codes)
    )


# Queue -----------------------------------------------------------------------------------------


def waiting_order(rows: QuerySet[QueueToken]) -> QuerySet[QueueToken]:
    """Who is called next: priority first (disability, old age, pregnancy), then people with an
    appointment, then by number."""
    return rows.annotate(
        with_appointment=ExpressionWrapper(
            Q(appointment__isnull=False), output_field=BooleanField()
        )
    ).order_by("-priority", "-with_appointment", "number")


def queue_of(corner: Corner, day: date) -> dict[str, object]:
    tokens = list(
        QueueToken.objects.filter(corner=corner, day=day)
        .select_related("served_by", "appointment")
        .order_by("number")
    )
    waiting_ids = list(
        waiting_order(
            QueueToken.objects.filter(corner=corner, day=day, status=QueueToken.Status.WAITING)
        ).values_list("pk", flat=True)
    )
    by_id = {t.pk: t for t in tokens}
    active = (QueueToken.Status.CALLED, QueueToken.Status.SERVING)
    return {
        "waiting": [by_id[pk] for pk in waiting_ids],
        "now": [t for t in tokens if t.status in active],
        "finished": [
            t for t in tokens if t.status in (QueueToken.Status.DONE, QueueToken.Status.LEFT)
        ],
        "issued": len(tokens),
    }


def queue_screen(corner: Corner, day: date) -> dict[str, object]:
    """What the screen in the waiting room shows: numbers only, never names."""
    queue = queue_of(corner, day)
    return {
        "called": [t.number for t in queue["now"]],  # type: ignore[attr-defined]
        "next": [t.number for t in queue["waiting"][:5]],  # type: ignore[index]
        "waiting": len(queue["waiting"]),  # type: ignore[arg-type]
    }


def token_position(token: QueueToken) -> int:
    """How many people are called before this token (0 when it is next or already called)."""
    if token.status != QueueToken.Status.WAITING:
        return 0
    ids = list(
        waiting_order(
            QueueToken.objects.filter(
                corner_id=token.corner_id, day=token.day, status=QueueToken.Status.WAITING
            )
        ).values_list("pk", flat=True)
    )
    return ids.index(token.pk) if token.pk in ids else 0


# Classes ---------------------------------------------------------------------------------------


def upcoming_sessions(corner: Corner, *, now: datetime | None = None) -> QuerySet[GroupSession]:
    now = now or timezone.now()
    return (
        corner.sessions.filter(ends_at__gt=now, cancelled_at__isnull=True)
        .select_related("helper")
        .annotate(booked=Count("seats"))
        .order_by("starts_at")
    )


def sessions_for_corner(corner: Corner) -> QuerySet[GroupSession]:
    return (
        corner.sessions.select_related("helper")
        .annotate(
            booked=Count("seats"),
            attended=Count("seats", filter=Q(seats__attended=True)),
        )
        .order_by("-starts_at")
    )


def session_seats(session: GroupSession) -> QuerySet[SessionSeat]:
    return session.seats.select_related("person").order_by("booked_at", "pk")


# Skills ----------------------------------------------------------------------------------------


def skill_choices() -> list[tuple[str, str]]:
    """Skill codes to attest: the knowledge lessons' skills, or the built-in list without them."""
    try:
        from knowledge.selectors import lessons  # type: ignore[attr-defined]
    except ImportError:
        lessons = None
    choices: list[tuple[str, str]] = []
    if lessons is not None:
        seen: set[str] = set()
        for _slug, title, skill in lessons():
            if skill and skill not in seen:
                seen.add(skill)
                choices.append((skill, str(title)))
    return choices or [(code, str(label)) for code, label in FALLBACK_SKILLS]


def skill_label(code: str) -> str:
    return dict(skill_choices()).get(code, code)


def attestations_for_user(
    user_codes: set[int] | None, *, phone: str = ""
) -> QuerySet[SkillAttestation]:
    rows = SkillAttestation.objects.select_related("attested_by", "commune", "person")
    if user_codes is not None:
        rows = rows.filter(commune_id__in=user_codes)
    if phone:
        rows = rows.filter(phone=phone)
    return rows.order_by("-attested_at", "-pk")

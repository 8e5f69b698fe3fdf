"""Pages of the corners part: finding a corner, booking by phone, the walk-in queue, classes,
skills, and the staff pages that keep corners, hours and teams.

Every view is permissions -> form -> service -> redirect (or render). A person manages a booking
with its code and phone number; once both match, the booking is remembered in the session so
that the confirmation, cancel and reschedule pages need no login.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import AuditEntry, Role, User
from accounts.permissions import commune_codes_for_user, communes_for_user, role_required
from accounts.services import audit_record
from help import forms, selectors, services
from help.models import Appointment, Closure, GroupSession, Member, QueueToken
from help.permissions import (
    CORNER_ADMIN_ROLES,
    STAFF_ROLES,
    can_edit_corner,
    can_edit_hours,
    corners_for_user,
    get_appointment_for_user,
    get_corner_for_user,
    get_public_corner,
    get_session_for_user,
    get_token_for_user,
)
from langso.posting import Saved, apply_posted, save_posted
from lib import phone as phone_lib

T = TypeVar("T")

BOOKINGS_SESSION_KEY = "help_bookings"
BOOKINGS_REMEMBERED = 20


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _day(raw: str | None, default: date) -> date:
    try:
        return date.fromisoformat(raw or "")
    except ValueError:
        return default


def _actor(request: HttpRequest) -> User | None:
    user = _user(request)
    return user if user.is_authenticated else None


def _audit_view(request: HttpRequest, obj: Any, object_type: str, commune_code: int) -> None:
    audit_record(
        actor=_user(request),
        action=AuditEntry.Action.VIEW,
        object_type=object_type,
        object_id=obj.pk,
        object_label=str(obj),
        commune_code=commune_code,
        request=request,
    )


def _flash_refusal(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _save(request: HttpRequest, form: Any, save: Callable[[dict[str, Any]], T]) -> Saved[T] | None:
    """save_posted, with the service's field names mapped onto the corners' forms."""
    return save_posted(request, form, save, on_refusal=forms.add_service_errors)


def _case_open_url(**query: int) -> str:
    """The cases part's "open a case" page for a ticket or a booking, when it is there."""
    try:
        base = reverse("help:case_open")
    except NoReverseMatch:
        return ""
    return base + "?" + "&".join(f"{k}={v}" for k, v in query.items())


# Finding a corner ------------------------------------------------------------------------------


def find(request: HttpRequest) -> HttpResponse:
    """The public "find a corner" page: by commune, language and service, with the next slot."""
    form = forms.CornerFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {
            "commune_code": form.cleaned_data["commune"],
            "language": form.cleaned_data["language"],
            "topic": form.cleaned_data["topic"],
        }
    corners = list(selectors.public_corners(**filters))
    next_slots = selectors.next_free_slots(corners)
    cards = [
        {
            "corner": c,
            "next_slot": next_slots[c.pk],
            "languages": selectors.corner_languages(c),
            "hours": selectors.hours_summary(c.hours.all()),
        }
        for c in corners
    ]
    return render(request, "help/find.html", {"form": form, "cards": cards})


def corner_page(request: HttpRequest, pk: int) -> HttpResponse:
    get_public_corner(pk)
    corner = selectors.corner_details(pk)
    today = timezone.localdate()
    return render(
        request,
        "help/corner.html",
        {
            "corner": corner,
            "hours": selectors.hours_summary(corner.hours.all()),
            "languages": selectors.corner_languages(corner),
            "next_slot": selectors.next_free_slots([corner])[corner.pk],
            "closures": corner.closures.filter(day__gte=today)[:5],
            "sessions": selectors.upcoming_sessions(corner)[:10],
            "open_now": selectors.open_now(corner),
        },
    )


# Booking (people) ------------------------------------------------------------------------------


def _remember(request: HttpRequest, code: str) -> None:
    codes = [c for c in request.session.get(BOOKINGS_SESSION_KEY, []) if c != code]
    request.session[BOOKINGS_SESSION_KEY] = [code, *codes][:BOOKINGS_REMEMBERED]


def _remembered(request: HttpRequest, code: str) -> Appointment:
    if code not in request.session.get(BOOKINGS_SESSION_KEY, []):
        raise Http404
    found = selectors.bookings_by_code([code]).first()
    if found is None:
        raise Http404
    return found


def _booking_day(request: HttpRequest, corner: Any) -> date:
    """The day asked for, or the day of the next free slot, or today."""
    today = timezone.localdate()
    asked = request.POST.get("day") or request.GET.get("day")
    if asked:
        return max(_day(asked, today), today)
    first = selectors.next_free_slots([corner], days=selectors.BOOKING_HORIZON_DAYS)[corner.pk]
    return timezone.localtime(first).date() if first else today


def _day_links(day: date) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "day": day,
        "previous_day": day - timedelta(days=1) if day > today else None,
        "next_day": day + timedelta(days=1),
        "day_form": forms.DayForm(initial={"day": day}),
    }


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, pk: int) -> HttpResponse:
    """Book a slot with a name and a phone number: no account, no e-mail."""
    get_public_corner(pk)
    corner = selectors.corner_details(pk)
    day = _booking_day(request, corner)
    slots = selectors.free_slots(corner, day)
    user = _user(request)
    initial = {}
    if user.is_authenticated and user.role == Role.CITIZEN:
        # A citizen who is logged in books for themselves: their name and phone are known.
        initial = {"name": user.full_name, "phone": phone_lib.display(user.phone or "")}
    form = forms.BookingForm(request.POST or None, corner=corner, slots=slots, initial=initial)
    booked = _save(
        request,
        form,
        lambda data: services.appointment_book(
            corner=corner,
            starts_at=data["slot"],
            name=data["name"],
            phone=data["phone"],
            topic=data["topic"],
            kind=data["kind"],
            note=data["note"],
            by=_actor(request),
            request=request,
        ),
    )
    if booked:
        _remember(request, booked.result.code)
        return redirect("help:booking", code=booked.result.code)
    return render(
        request,
        "help/book.html",
        {"corner": corner, "form": form, "slots": slots, **_day_links(day)},
    )


@require_http_methods(["GET", "POST"])
def booking_lookup(request: HttpRequest) -> HttpResponse:
    """Find one's booking with its code and phone number, to see, move or cancel it."""
    form = forms.LookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        found = selectors.find_booking(form.cleaned_data["code"], form.cleaned_data["phone"])
        if found is None:
            form.add_error(
                None,
                _(
                    "No booking has this code and phone number. Check the code in the SMS "
                    "(letters and digits) and use the phone number you booked with."
                ),
            )
        else:
            _remember(request, found.code)
            return redirect("help:booking", code=found.code)
    return render(request, "help/booking_lookup.html", {"form": form})


def booking(request: HttpRequest, code: str) -> HttpResponse:
    appointment = _remembered(request, code)
    return render(
        request,
        "help/booking.html",
        {
            "appointment": appointment,
            "can_change": appointment.status == Appointment.Status.BOOKED
            and appointment.starts_at > timezone.now(),
            "phone": phone_lib.display(appointment.phone),
        },
    )


@require_POST
def booking_cancel(request: HttpRequest, code: str) -> HttpResponse:
    appointment = _remembered(request, code)
    try:
        services.appointment_cancel(appointment=appointment, by=_actor(request), request=request)
    except ValidationError as error:
        _flash_refusal(request, error)
    else:
        messages.success(request, _("Your booking is cancelled. You can book again at any time."))
    return redirect("help:booking", code=code)


@require_http_methods(["GET", "POST"])
def booking_reschedule(request: HttpRequest, code: str) -> HttpResponse:
    appointment = _remembered(request, code)
    corner = appointment.corner
    day = _booking_day(request, corner)
    slots = selectors.free_slots(corner, day, exclude_appointment=appointment.pk)
    form = forms.RescheduleForm(request.POST or None, slots=slots)
    if _save(
        request,
        form,
        lambda data: services.appointment_reschedule(
            appointment=appointment, starts_at=data["slot"], by=_actor(request), request=request
        ),
    ):
        messages.success(request, _("Your booking is moved. We sent the new time by SMS."))
        return redirect("help:booking", code=code)
    return render(
        request,
        "help/booking_reschedule.html",
        {"appointment": appointment, "form": form, "slots": slots, **_day_links(day)},
    )


# Queue screen (public) -------------------------------------------------------------------------


def queue_screen(request: HttpRequest, pk: int) -> HttpResponse:
    """The waiting-room screen: numbers being called and next, never names."""
    corner = get_public_corner(pk)
    return render(
        request,
        "help/queue_screen.html",
        {
            "corner": corner,
            "screen": selectors.queue_screen(corner, timezone.localdate()),
            "now": timezone.now(),
        },
    )


# Classes (public) ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def session_page(request: HttpRequest, pk: int) -> HttpResponse:
    session = (
        GroupSession.objects.select_related("corner", "corner__commune", "helper")
        .annotate(booked=Count("seats"))
        .filter(pk=pk, corner__is_active=True)
        .first()
    )
    if session is None:
        raise Http404
    form = forms.SeatForm(request.POST or None)
    if _save(
        request,
        form,
        lambda data: services.seat_book(
            session=session,
            name=data["name"],
            phone=data["phone"],
            by=_actor(request),
            request=request,
        ),
    ):
        messages.success(request, _("Your place is booked. We sent a confirmation by SMS."))
        return redirect("help:session", pk=pk)
    open_for_booking = session.cancelled_at is None and session.starts_at > timezone.now()
    return render(
        request,
        "help/session.html",
        {
            "session": session,
            "form": form,
            "open_for_booking": open_for_booking,
            "places_left": max(session.capacity - session.booked, 0),  # type: ignore[attr-defined]
            "skill": selectors.skill_label(session.skill) if session.skill else "",
        },
    )


# Corners (staff) -------------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
def staff_corners(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    corners = corners_for_user(user).annotate(
        waiting=Count(
            "tokens",
            filter=Q(tokens__day=today, tokens__status=QueueToken.Status.WAITING),
            distinct=True,
        ),
    )
    page = Paginator(corners.order_by("commune__name", "name"), forms.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "help/staff/corner_list.html",
        {"page": page, "can_create": can_edit_corner(user)},
    )


@role_required(*CORNER_ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def corner_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = forms.CornerForm(request.POST or None, communes=communes_for_user(user))
    created = _save(
        request,
        form,
        lambda data: services.corner_create(
            commune_code=data["commune"],
            topics=data["topics"],
            by=user,
            request=request,
            **form.service_fields(),
        ),
    )
    if created:
        corner = created.result
        messages.success(
            request,
            _("The corner “%(name)s” is registered. Now set its opening hours.")
            % {"name": corner.name},
        )
        return redirect("help:corner_hours", pk=corner.pk)
    return render(request, "help/staff/corner_form.html", {"form": form, "corner": None})


@role_required(*STAFF_ROLES)
def corner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    corner = get_corner_for_user(user, pk)
    corner = selectors.corner_details(pk)
    today = timezone.localdate()
    return render(
        request,
        "help/staff/corner_detail.html",
        {
            "corner": corner,
            "hours": selectors.hours_summary(corner.hours.all()),
            "members": selectors.corner_helpers(corner),
            "closures": corner.closures.filter(day__gte=today),
            "closure_form": forms.ClosureForm(),
            "outside_hours": selectors.booked_outside_hours(corner),
            "can_edit": can_edit_corner(user),
            "can_edit_hours": can_edit_hours(user, corner),
            "today": today,
        },
    )


@role_required(*CORNER_ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def corner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    corner = get_corner_for_user(user, pk, write=True)
    form = forms.CornerForm(request.POST or None, communes=communes_for_user(user), corner=corner)
    if _save(
        request,
        form,
        lambda data: services.corner_update(
            corner=corner, topics=data["topics"], by=user, request=request, **form.service_fields()
        ),
    ):
        messages.success(request, _("The corner is saved."))
        return redirect("help:corner_detail", pk=corner.pk)
    return render(request, "help/staff/corner_form.html", {"form": form, "corner": corner})


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def corner_hours(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    corner = get_corner_for_user(user, pk, hours=True)
    form = forms.HoursForm(request.POST or None, hours=list(corner.hours.all()))
    if _save(
        request,
        form,
        lambda data: services.corner_hours_set(
            corner=corner, intervals=data["intervals"], by=user, request=request
        ),
    ):
        moved = selectors.booked_outside_hours(corner)
        messages.success(request, _("The opening hours are saved."))
        if moved:
            messages.warning(
                request,
                _(
                    "%(n)s bookings no longer fall within the opening hours. Call each "
                    "person and move or cancel the booking (listed on the corner page)."
                )
                % {"n": len(moved)},
            )
        return redirect("help:corner_detail", pk=corner.pk)
    return render(request, "help/staff/corner_hours.html", {"form": form, "corner": corner})


@role_required(*STAFF_ROLES)
@require_POST
def closure_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    corner = get_corner_for_user(user, pk, hours=True)
    added = apply_posted(
        request,
        forms.ClosureForm(request.POST),
        lambda data: services.closure_add(
            corner=corner, day=data["day"], reason=data["reason"], by=user, request=request
        ),
        _("The closed day is added."),
    )
    affected = added.result[1] if added else 0  # people booked on the closed day
    if affected:
        messages.warning(
            request,
            _(
                "%(n)s people are booked on that day. Open the day's list, call them "
                "and move their bookings."
            )
            % {"n": affected},
        )
    return redirect("help:corner_detail", pk=corner.pk)


@role_required(*STAFF_ROLES)
@require_POST
def closure_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    closure = Closure.objects.filter(pk=pk).first()
    if closure is None:
        raise Http404
    corner = get_corner_for_user(user, closure.corner_id, hours=True)
    services.closure_remove(closure=closure, by=user, request=request)
    messages.success(request, _("The corner is open again on that day."))
    return redirect("help:corner_detail", pk=corner.pk)


@role_required(*CORNER_ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    corner = get_corner_for_user(user, pk, write=True)
    current = corner.members.filter(is_active=True).values("user_id")
    candidates = list(
        User.objects.filter(role=Role.HELPER, is_active=True, communes=corner.commune_id)
        .exclude(pk__in=current)
        .order_by("full_name", "username")
    )
    form = forms.MemberForm(request.POST or None, candidates=candidates)
    joined = _save(
        request,
        form,
        lambda data: services.member_add(
            corner=corner,
            user=next(u for u in candidates if u.pk == data["user"]),
            languages=data["languages"],
            position=data["position"],
            joined_on=data["joined_on"],
            by=user,
            request=request,
        ),
    )
    if joined:
        messages.success(request, _("%(name)s joined the team.") % {"name": joined.result.user})
        return redirect("help:corner_detail", pk=corner.pk)
    return render(
        request,
        "help/staff/member_form.html",
        {"form": form, "corner": corner, "member": None, "no_candidates": not candidates},
    )


@role_required(*CORNER_ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    member = Member.objects.select_related("user").filter(pk=pk).first()
    if member is None:
        raise Http404
    corner = get_corner_for_user(user, member.corner_id, write=True)
    form = forms.MemberEditForm(
        request.POST or None,
        initial={
            "position": member.position,
            "languages": list(member.languages.values_list("language", flat=True)),
            "is_active": member.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.member_update(
            member=member,
            languages=form.cleaned_data["languages"],
            position=form.cleaned_data["position"],
            is_active=form.cleaned_data["is_active"],
            by=user,
            request=request,
        )
        messages.success(request, _("The team member is saved."))
        return redirect("help:corner_detail", pk=corner.pk)
    return render(
        request,
        "help/staff/member_form.html",
        {"form": form, "corner": corner, "member": member, "no_candidates": False},
    )


# Appointments (staff) --------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
def corner_day(request: HttpRequest, pk: int) -> HttpResponse:
    """A corner's appointments of one day, to receive people and mark who came."""
    user = _user(request)
    corner = get_corner_for_user(user, pk)
    today = timezone.localdate()
    day = _day(request.GET.get("day"), today)
    return render(
        request,
        "help/staff/corner_day.html",
        {
            "corner": corner,
            "day": day,
            "today": today,
            "appointments": selectors.day_appointments(corner, day),
            "closure": corner.closures.filter(day=day).first(),
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "day_form": forms.DayForm(initial={"day": day}),
        },
    )


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def staff_book(request: HttpRequest, pk: int) -> HttpResponse:
    """A helper books a slot for someone (on the phone, or at the counter for a later day)."""
    user = _user(request)
    corner = get_corner_for_user(user, pk)
    corner = selectors.corner_details(pk)
    helpers = selectors.corner_helpers(corner)
    day = _booking_day(request, corner)
    helper_id = request.POST.get("helper") or request.GET.get("helper")
    helper_pk = int(helper_id) if helper_id and helper_id.isdigit() else None
    slots = selectors.free_slots(corner, day, helper_id=helper_pk)
    form = forms.BookingForm(
        request.POST or None, corner=corner, slots=slots, staff=True, helpers=helpers
    )
    booked = _save(
        request,
        form,
        lambda data: services.appointment_book(
            corner=corner,
            starts_at=data["slot"],
            name=data["name"],
            phone=data["phone"],
            topic=data["topic"],
            kind=data["kind"],
            note=data["note"],
            helper=next((m.user for m in helpers if m.user_id == data["helper"]), None),
            by=user,
            request=request,
        ),
    )
    if booked:
        appointment = booked.result
        messages.success(
            request,
            _("Booked: code %(code)s, sent to the person by SMS.") % {"code": appointment.code},
        )
        return redirect("help:appointment", pk=appointment.pk)
    return render(
        request,
        "help/staff/book.html",
        {
            "corner": corner,
            "form": form,
            "slots": slots,
            "helpers": helpers,
            "helper_pk": helper_pk,
            **_day_links(day),
        },
    )


@role_required(*STAFF_ROLES)
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    appointment = get_appointment_for_user(user, pk)
    _audit_view(request, appointment, "help_appointment", appointment.corner.commune_id)
    is_today = timezone.localtime(appointment.starts_at).date() == timezone.localdate()
    token = QueueToken.objects.filter(appointment=appointment).first()
    return render(
        request,
        "help/staff/appointment.html",
        {
            "appointment": appointment,
            "token": token,
            "can_arrive": is_today and appointment.status == Appointment.Status.BOOKED,
            "phone": phone_lib.display(appointment.phone),
            "case_url": _case_open_url(appointment=appointment.pk),
        },
    )


@role_required(*STAFF_ROLES)
@require_POST
def appointment_arrive(request: HttpRequest, pk: int) -> HttpResponse:
    """The person with a booking has arrived: give them a number in today's queue."""
    user = _user(request)
    appointment = get_appointment_for_user(user, pk)
    try:
        token = services.token_issue(
            corner=appointment.corner,
            topic=appointment.topic,
            appointment=appointment,
            priority=request.POST.get("priority") == "on",
            by=user,
            request=request,
        )
    except ValidationError as error:
        _flash_refusal(request, error)
        return redirect("help:appointment", pk=pk)
    return redirect("help:token", pk=token.pk)


@role_required(*STAFF_ROLES)
@require_POST
def appointment_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    appointment = get_appointment_for_user(user, pk)
    status = request.POST.get("status", "")
    try:
        if status == Appointment.Status.CANCELLED:
            services.appointment_cancel(appointment=appointment, by=user, request=request)
        else:
            services.appointment_status_set(
                appointment=appointment, status=status, by=user, request=request
            )
    except ValidationError as error:
        _flash_refusal(request, error)
    else:
        messages.success(request, _("The booking is updated."))
    return redirect("help:appointment", pk=pk)


# Queue (staff) ---------------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def queue(request: HttpRequest, pk: int) -> HttpResponse:
    """Today's walk-in queue of a corner: give numbers, call the next person."""
    user = _user(request)
    corner = get_corner_for_user(user, pk)
    form = forms.TokenForm(request.POST or None)
    issued = _save(
        request,
        form,
        lambda data: services.token_issue(
            corner=corner,
            topic=data["topic"],
            name=data["name"],
            phone=data["phone"],
            priority=data["priority"],
            by=user,
            request=request,
        ),
    )
    if issued:
        return redirect("help:token", pk=issued.result.pk)
    today = timezone.localdate()
    return render(
        request,
        "help/staff/queue.html",
        {
            "corner": corner,
            "form": form,
            "queue": selectors.queue_of(corner, today),
            "today": today,
            "arrivals": selectors.day_appointments(corner, today).filter(
                status=Appointment.Status.BOOKED
            ),
        },
    )


@role_required(*STAFF_ROLES)
@require_POST
def queue_call_next(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    corner = get_corner_for_user(user, pk)
    token = services.token_call_next(corner=corner, by=user, request=request)
    if token is None:
        messages.info(request, _("Nobody is waiting."))
        return redirect("help:queue", pk=pk)
    return redirect("help:token", pk=token.pk)


@role_required(*STAFF_ROLES)
def token_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    token = get_token_for_user(user, pk)
    _audit_view(request, token, "help_token", token.corner.commune_id)
    case = getattr(token, "case", None)
    return render(
        request,
        "help/staff/token.html",
        {
            "token": token,
            "position": selectors.token_position(token),
            "phone": phone_lib.display(token.phone) if token.phone else "",
            "case": case,
            "case_url": "" if case else _case_open_url(token=token.pk),
            "moves": [
                (status, label)
                for status, label in QueueToken.Status.choices
                if token.status in services.TOKEN_MOVES.get(status, ())
            ],
        },
    )


@role_required(*STAFF_ROLES)
@require_POST
def token_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    token = get_token_for_user(user, pk)
    try:
        services.token_status_set(
            token=token, status=request.POST.get("status", ""), by=user, request=request
        )
    except ValidationError as error:
        _flash_refusal(request, error)
    if (
        token.status in (QueueToken.Status.DONE, QueueToken.Status.LEFT)
        or request.POST.get("next") == "queue"
    ):
        return redirect("help:queue", pk=token.corner_id)
    return redirect("help:token", pk=pk)


# Classes (staff) -------------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def sessions(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    corner = get_corner_for_user(user, pk)
    helpers = selectors.corner_helpers(corner)
    form = forms.SessionForm(request.POST or None, helpers=helpers)

    def plan(data: dict[str, Any]) -> GroupSession:
        starts_at, ends_at = form.moments()
        return services.session_create(
            corner=corner,
            title=data["title"],
            description=data["description"],
            skill=data["skill"],
            helper=next(m.user for m in helpers if m.user_id == data["helper"]),
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=data["capacity"],
            by=user,
            request=request,
        )

    if planned := _save(request, form, plan):
        messages.success(request, _("The class is planned."))
        return redirect("help:staff_session", pk=planned.result.pk)
    page = Paginator(selectors.sessions_for_corner(corner), forms.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "help/staff/sessions.html",
        {"corner": corner, "form": form, "page": page, "no_helpers": not helpers},
    )


@role_required(*STAFF_ROLES)
def staff_session(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    session = get_session_for_user(user, pk)
    seats = list(selectors.session_seats(session))
    _audit_view(request, session, "help_session_seats", session.corner.commune_id)
    return render(
        request,
        "help/staff/session.html",
        {
            "session": session,
            "seats": seats,
            "seat_form": forms.SeatForm(),
            "attendance_form": forms.AttendanceForm(seats=seats),
            "started": session.starts_at <= timezone.now(),
            "skill": selectors.skill_label(session.skill) if session.skill else "",
        },
    )


@role_required(*STAFF_ROLES)
@require_POST
def session_seat_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    session = get_session_for_user(user, pk)
    apply_posted(
        request,
        forms.SeatForm(request.POST),
        lambda data: services.seat_book(
            session=session, name=data["name"], phone=data["phone"], by=user, request=request
        ),
        _("The place is booked and confirmed by SMS."),
    )
    return redirect("help:staff_session", pk=pk)


@role_required(*STAFF_ROLES)
@require_POST
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    session = get_session_for_user(user, pk)
    seats = list(selectors.session_seats(session))
    form = forms.AttendanceForm(request.POST, seats=seats)
    if form.is_valid():
        try:
            changed = services.seat_attendance_set(
                session=session, attended=form.attended(), by=user, request=request
            )
        except ValidationError as error:
            _flash_refusal(request, error)
        else:
            messages.success(request, _("Attendance saved (%(n)s changed).") % {"n": changed})
    return redirect("help:staff_session", pk=pk)


@role_required(*STAFF_ROLES)
@require_POST
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    session = get_session_for_user(user, pk)
    try:
        told = services.session_cancel(session=session, by=user, request=request)
    except ValidationError as error:
        _flash_refusal(request, error)
    else:
        messages.success(
            request, _("The class is cancelled; %(n)s people were told by SMS.") % {"n": told}
        )
    return redirect("help:staff_session", pk=pk)


# Skills (staff) --------------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def skills(request: HttpRequest) -> HttpResponse:
    """Record a practical skill a person showed, and look up a person's skills by phone."""
    user = _user(request)
    communes = communes_for_user(user).order_by("name")
    form = forms.SkillForm(
        request.POST or None,
        communes=communes,
        initial={"phone": request.GET.get("phone", "")},
    )

    def attest(data: dict[str, Any]) -> Any:
        if data["commune"] not in {c.code for c in communes}:
            raise Http404
        return services.skill_attest(
            commune_code=data["commune"],
            name=data["name"],
            phone=data["phone"],
            skill=data["skill"],
            note=data["note"],
            by=user,
            request=request,
        )

    if attested := _save(request, form, attest):
        attestation = attested.result
        messages.success(
            request,
            _("Recorded: %(name)s can %(skill)s.")
            % {"name": attestation.name, "skill": selectors.skill_label(attestation.skill)},
        )
        query = f"?phone={attestation.phone}" if attestation.phone else ""
        return redirect(reverse("help:skills") + query)
    filter_form = forms.SkillFilterForm(request.GET or None)
    phone = ""
    if filter_form.is_valid() and filter_form.cleaned_data["phone"]:
        try:
            phone = phone_lib.normalise(filter_form.cleaned_data["phone"])
        except phone_lib.PhoneError as exc:
            filter_form.add_error("phone", str(exc))
    rows = selectors.attestations_for_user(commune_codes_for_user(user), phone=phone)
    page = Paginator(rows, forms.PAGE_SIZE).get_page(request.GET.get("page"))
    if phone:
        audit_record(
            actor=user,
            action=AuditEntry.Action.VIEW,
            object_type="help_skill",
            object_label=phone_lib.display(phone),
            reason="skills by phone",
            request=request,
        )
    labels = dict(selectors.skill_choices())
    for row in page.object_list:
        row.skill_label = labels.get(row.skill, row.skill)
    return render(
        request,
        "help/staff/skills.html",
        {
            "form": form,
            "filter_form": filter_form,
            "page": page,
            "phone": phone,
        },
    )

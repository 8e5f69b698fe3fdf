"""JSON API of the help app: corners, appointments, queues and cases.

Finding corners, free slots, the waiting-room screen and booking by phone are public, like the
web pages; a booking is then managed with its code and the phone number it was made with.
The day's appointments and the queue are for the corner's staff (bearer token or session).
Times are ISO 8601 in Vietnam's time (+07:00).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from accounts.api_auth import token_or_session
from accounts.models import User
from help import selectors, services
from help.case_api import router as case_router
from help.models import Appointment, Corner, QueueToken
from help.permissions import get_corner_for_user, get_public_corner, get_token_for_user

router = Router(tags=["help"])


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment is not None else None


def _actor(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None  # type: ignore[return-value]


# Corners ---------------------------------------------------------------------------------------


class HoursOut(Schema):
    weekday: int = Field(..., description="0 = Monday … 6 = Sunday")
    opens: str
    closes: str


class CornerOut(Schema):
    id: int
    name: str
    commune_code: int
    commune: str
    village: str | None
    address: str
    latitude: float | None
    longitude: float | None
    phone: str
    services: list[str] = Field(..., description="Topic codes the corner helps with")
    languages: list[str] = Field(..., description="Language codes its active helpers speak")
    step_free: bool
    seating: bool
    accessible_toilet: bool
    accessibility_note: str
    wifi: str
    slot_minutes: int
    desks: int
    hours: list[HoursOut]
    next_free_slot: datetime | None


class CornerFilter(Schema):
    commune: int | None = Field(None, description="Commune code")
    language: str = Field("", description="Language code, e.g. km for Khmer")
    topic: str = Field("", description="Topic code, e.g. vneid")


def _corner_out(corner: Corner, next_slot: datetime | None) -> dict[str, Any]:
    languages = sorted({lang.language for m in corner.members.all() for lang in m.languages.all()})
    return {
        "id": corner.pk,
        "name": corner.name,
        "commune_code": corner.commune_id,
        "commune": corner.commune.name,
        "village": corner.village.name if corner.village else None,
        "address": corner.address,
        "latitude": float(corner.latitude) if corner.latitude is not None else None,
        "longitude": float(corner.longitude) if corner.longitude is not None else None,
        "phone": corner.phone,
        "services": sorted(s.topic for s in corner.services.all()),
        "languages": languages,
        "step_free": corner.step_free,
        "seating": corner.seating,
        "accessible_toilet": corner.accessible_toilet,
        "accessibility_note": corner.accessibility_note,
        "wifi": corner.wifi,
        "slot_minutes": corner.slot_minutes,
        "desks": corner.desks,
        "hours": [
            {"weekday": h.weekday, "opens": f"{h.opens:%H:%M}", "closes": f"{h.closes:%H:%M}"}
            for h in corner.hours.all()
        ],
        "next_free_slot": _local(next_slot),
    }


@router.get(
    "/corners",
    response=list[CornerOut],
    auth=None,
    summary="Corners open to the public, by commune, language and service",
)
def corner_list(request: HttpRequest, filters: Query[CornerFilter]) -> list[dict[str, Any]]:
    corners = list(
        selectors.public_corners(
            commune_code=filters.commune, language=filters.language, topic=filters.topic
        )
    )
    next_slots = selectors.next_free_slots(corners)
    return [_corner_out(c, next_slots[c.pk]) for c in corners]


@router.get("/corners/{corner_id}", response=CornerOut, auth=None, summary="One corner")
def corner_detail(request: HttpRequest, corner_id: int) -> dict[str, Any]:
    get_public_corner(corner_id)
    corner = selectors.corner_details(corner_id)
    return _corner_out(corner, selectors.next_free_slots([corner])[corner.pk])


class SlotOut(Schema):
    starts_at: datetime
    ends_at: datetime
    free: int = Field(..., description="Places still free in this slot")


class SlotFilter(Schema):
    day: date
    helper_id: int | None = Field(None, description="Only slots where this helper is free")


@router.get(
    "/corners/{corner_id}/slots",
    response=list[SlotOut],
    auth=None,
    summary="Free appointment slots of one day",
)
def corner_slots(
    request: HttpRequest, corner_id: int, filters: Query[SlotFilter]
) -> list[dict[str, Any]]:
    corner = get_public_corner(corner_id)
    return [
        {"starts_at": _local(s.starts_at), "ends_at": _local(s.ends_at), "free": s.free}
        for s in selectors.free_slots(corner, filters.day, helper_id=filters.helper_id)
    ]


class QueueScreenOut(Schema):
    called: list[int] = Field(..., description="Numbers being called or served")
    next: list[int] = Field(..., description="The next five numbers")
    waiting: int


@router.get(
    "/corners/{corner_id}/queue-screen",
    response=QueueScreenOut,
    auth=None,
    url_name="help_queue_screen",
    summary="Today's queue as the waiting-room screen shows it (numbers only)",
)
def queue_screen(request: HttpRequest, corner_id: int) -> dict[str, Any]:
    corner = get_public_corner(corner_id)
    return selectors.queue_screen(corner, timezone.localdate())


# Appointments ----------------------------------------------------------------------------------


class BookingIn(Schema):
    corner_id: int
    starts_at: datetime = Field(..., description="A slot start from /corners/{id}/slots")
    name: str = Field(..., max_length=150)
    phone: str = Field(..., max_length=20, description="Vietnamese phone number; no e-mail")
    topic: str
    kind: str = Appointment.Kind.AT_CORNER
    note: str = Field("", max_length=500)
    helper_id: int | None = Field(None, description="Staff only: the helper to meet")


class BookingOut(Schema):
    code: str
    corner_id: int
    corner: str
    starts_at: datetime
    ends_at: datetime
    status: str
    topic: str
    kind: str
    name: str


def _booking_out(appointment: Appointment) -> dict[str, Any]:
    return {
        "code": appointment.code,
        "corner_id": appointment.corner_id,
        "corner": appointment.corner.name,
        "starts_at": _local(appointment.starts_at),
        "ends_at": _local(appointment.ends_at),
        "status": appointment.status,
        "topic": appointment.topic,
        "kind": appointment.kind,
        "name": appointment.name,
    }


@router.post(
    "/appointments",
    response={201: BookingOut},
    auth=None,
    summary="Book a slot with a name and phone number (the code is sent by SMS)",
)
def appointment_book(request: HttpRequest, payload: BookingIn) -> Status[dict[str, Any]]:
    corner = get_public_corner(payload.corner_id)
    actor = _actor(request)
    helper = None
    if payload.helper_id is not None:
        # Choosing the helper is a staff decision, checked like the staff pages.
        get_corner_for_user(request.user, corner.pk)  # type: ignore[arg-type]
        helper = User.objects.filter(pk=payload.helper_id).first()
        if helper is None:
            raise Http404
    appointment = services.appointment_book(
        corner=corner,
        starts_at=payload.starts_at,
        name=payload.name,
        phone=payload.phone,
        topic=payload.topic,
        kind=payload.kind,
        note=payload.note,
        helper=helper,
        by=actor,
        request=request,
        via="api",
    )
    return Status(201, _booking_out(appointment))


class LookupIn(Schema):
    phone: str = Field(..., max_length=20, description="The phone number used for the booking")


class RescheduleIn(LookupIn):
    starts_at: datetime


def _booking(code: str, phone: str) -> Appointment:
    found = selectors.find_booking(code, phone)
    if found is None:
        raise Http404
    return found


@router.post(
    "/appointments/{code}/lookup",
    response=BookingOut,
    auth=None,
    summary="A booking by its code and phone number",
)
def appointment_lookup(request: HttpRequest, code: str, payload: LookupIn) -> dict[str, Any]:
    return _booking_out(_booking(code, payload.phone))


@router.post(
    "/appointments/{code}/cancel",
    response=BookingOut,
    auth=None,
    summary="Cancel a booking with its code and phone number",
)
def appointment_cancel(request: HttpRequest, code: str, payload: LookupIn) -> dict[str, Any]:
    appointment = services.appointment_cancel(
        appointment=_booking(code, payload.phone), by=_actor(request), request=request, via="api"
    )
    return _booking_out(appointment)


@router.post(
    "/appointments/{code}/reschedule",
    response=BookingOut,
    auth=None,
    summary="Move a booking to another free slot, with its code and phone number",
)
def appointment_reschedule(
    request: HttpRequest, code: str, payload: RescheduleIn
) -> dict[str, Any]:
    appointment = services.appointment_reschedule(
        appointment=_booking(code, payload.phone),
        starts_at=payload.starts_at,
        by=_actor(request),
        request=request,
        via="api",
    )
    return _booking_out(appointment)


class AppointmentOut(BookingOut):
    id: int
    phone: str
    helper_id: int | None
    person_id: int | None
    note: str


class DayFilter(Schema):
    day: date | None = Field(None, description="Default: today")


@router.get(
    "/corners/{corner_id}/appointments",
    response=list[AppointmentOut],
    auth=token_or_session(),
    summary="A corner's appointments of one day (staff)",
)
def corner_appointments(
    request: HttpRequest, corner_id: int, filters: Query[DayFilter]
) -> list[dict[str, Any]]:
    corner = get_corner_for_user(request.user, corner_id)  # type: ignore[arg-type]
    rows = selectors.day_appointments(corner, filters.day or timezone.localdate())
    return [
        {
            **_booking_out(a),
            "id": a.pk,
            "phone": a.phone,
            "helper_id": a.helper_id,
            "person_id": a.person_id,
            "note": a.note,
        }
        for a in rows
    ]


# Queue -----------------------------------------------------------------------------------------


class TokenIn(Schema):
    topic: str = Field("", description="Required unless appointment_id is given")
    name: str = Field("", max_length=150)
    phone: str = Field("", max_length=20)
    priority: bool = False
    appointment_id: int | None = Field(None, description="A booking of today that has arrived")


class TokenOut(Schema):
    id: int
    corner_id: int
    day: date
    number: int
    name: str
    phone: str
    topic: str
    priority: bool
    status: str
    appointment_id: int | None
    issued_at: datetime
    called_at: datetime | None
    finished_at: datetime | None


def _token_out(token: QueueToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "corner_id": token.corner_id,
        "day": token.day,
        "number": token.number,
        "name": token.name,
        "phone": token.phone,
        "topic": token.topic,
        "priority": token.priority,
        "status": token.status,
        "appointment_id": token.appointment_id,
        "issued_at": _local(token.issued_at),
        "called_at": _local(token.called_at),
        "finished_at": _local(token.finished_at),
    }


@router.get(
    "/corners/{corner_id}/tokens",
    response=list[TokenOut],
    auth=token_or_session(),
    summary="Today's queue tickets of a corner, waiting ones in calling order (staff)",
)
def token_list(request: HttpRequest, corner_id: int) -> list[dict[str, Any]]:
    corner = get_corner_for_user(request.user, corner_id)  # type: ignore[arg-type]
    queue = selectors.queue_of(corner, timezone.localdate())
    tokens = [*queue["now"], *queue["waiting"], *queue["finished"]]  # type: ignore[misc]
    return [_token_out(t) for t in tokens]


@router.post(
    "/corners/{corner_id}/tokens",
    response={201: TokenOut},
    auth=token_or_session(),
    summary="Give a queue number to someone who arrives (staff)",
)
def token_issue(request: HttpRequest, corner_id: int, payload: TokenIn) -> Status[dict[str, Any]]:
    corner = get_corner_for_user(request.user, corner_id)  # type: ignore[arg-type]
    appointment = None
    if payload.appointment_id is not None:
        appointment = corner.appointments.filter(pk=payload.appointment_id).first()
        if appointment is None:
            raise Http404
    token = services.token_issue(
        corner=corner,
        topic=payload.topic,
        name=payload.name,
        phone=payload.phone,
        priority=payload.priority,
        appointment=appointment,
        by=request.user,  # type: ignore[arg-type]
        request=request,
        via="api",
    )
    return Status(201, _token_out(token))


@router.post(
    "/corners/{corner_id}/tokens/call-next",
    response={200: TokenOut, 204: None},
    auth=token_or_session(),
    summary="Call the next person waiting (204 when nobody waits) (staff)",
)
def token_call_next(request: HttpRequest, corner_id: int) -> Status[Any]:
    corner = get_corner_for_user(request.user, corner_id)  # type: ignore[arg-type]
    token = services.token_call_next(corner=corner, by=request.user, request=request, via="api")  # type: ignore[arg-type]
    if token is None:
        return Status(204, None)
    return Status(200, _token_out(token))


class TokenStatusIn(Schema):
    status: str = Field(..., description="called, serving, done, left or waiting")


@router.post(
    "/tokens/{token_id}/status",
    response=TokenOut,
    auth=token_or_session(),
    summary="Move a queue ticket: called, serving, done, left, back to waiting (staff)",
)
def token_status(request: HttpRequest, token_id: int, payload: TokenStatusIn) -> dict[str, Any]:
    token = get_token_for_user(request.user, token_id)  # type: ignore[arg-type]
    token = services.token_status_set(
        token=token,
        status=payload.status,
        by=request.user,  # type: ignore[arg-type]
        request=request,
        via="api",
    )
    return _token_out(token)


router.add_router("", case_router)

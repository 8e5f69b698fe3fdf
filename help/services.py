"""Writes of the corners part: corners, hours, closures, teams, appointments, the walk-in queue,
classes and skill attestations.

Every write goes through a function here, in one transaction, with its notifications queued in
the outbox (delivered once the transaction commits). Refusals are ValidationError with a message
in Vietnamese first and English second, saying what is wrong and how to fix it.

Double booking is refused by the database itself (Appointment's partial unique constraints on
corner + time + desk and on helper + time), so two people pressing "book" at the same moment on
two phones cannot both get the last place, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AuditEntry, Role
from accounts.services import audit_record
from help import selectors
from help.models import (
    Appointment,
    Closure,
    Corner,
    GroupSession,
    Language,
    Member,
    OpeningHours,
    QueueToken,
    SessionSeat,
    SkillAttestation,
    Topic,
)
from lib import phone as phone_lib
from lib.vn_text import nfc
from notifications.services import message_queue
from people.models import Person
from places.models import Commune, Village

if TYPE_CHECKING:
    from accounts.models import User

# Booking codes avoid letters and digits that are confused when read aloud or on a small screen.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
# Reminders go out the day before at this local hour (outside the outbox's quiet hours).
REMINDER_HOUR = 17
MAX_DESKS = 20
# Upcoming bookings one phone number may hold: enough for a family, and it keeps the public
# booking form from being used to flood someone's phone with confirmation messages.
MAX_UPCOMING_PER_PHONE = 3


def _refuse(field: str | None, vi: str, en: str) -> ValidationError:
    message = f"{vi} / {en}"
    return ValidationError({field: message} if field else message)


def _clean_phone(raw: str, *, field: str = "phone", required: bool = True) -> str:
    raw = (raw or "").strip()
    if not raw:
        if required:
            raise _refuse(
                field,
                "Hãy nhập số điện thoại để nhận tin nhắn xác nhận, ví dụ 0912 345 678",
                "Enter a phone number to receive the confirmation, e.g. 0912 345 678",
            )
        return ""
    try:
        return phone_lib.normalise(raw)
    except phone_lib.PhoneError as exc:
        raise ValidationError({field: str(exc)}) from None


def _clean_name(raw: str, *, field: str = "name") -> str:
    name = " ".join(nfc(raw or "").split())
    if not name:
        raise _refuse(
            field,
            "Hãy nhập họ tên (hoặc tên gọi) của người cần hỗ trợ",
            "Enter the name of the person who needs help",
        )
    return name[:150]


def _clean_topic(topic: str) -> str:
    if topic not in Topic.values:
        raise _refuse(
            "topic",
            f"Nội dung {topic!r} không có trong danh sách; hãy chọn một nội dung cần hỗ trợ",
            f"{topic!r} is not in the list; choose what the person needs help with",
        )
    return topic


def _problems(*checks: Any) -> dict[str, str]:
    """Run several field checks and gather their refusals, so that a form shows all at once."""
    errors: dict[str, str] = {}
    for check in checks:
        try:
            check()
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    return errors


def _audit(
    *,
    by: User | None,
    action: str,
    obj: Any,
    object_type: str,
    commune_code: int | None,
    request: HttpRequest | None = None,
    via: str = "web",
    label: str = "",
    on_behalf_of: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    audit_record(
        actor=by,
        action=action,
        object_type=object_type,
        object_id=obj.pk,
        object_label=label or str(obj),
        commune_code=commune_code,
        on_behalf_of=on_behalf_of,
        request=request,
        via=via,
        details=details,
    )


def _sms(phone: str, body: str) -> None:
    """Queue an SMS in the outbox (delivered after the transaction commits)."""
    if phone:
        message_queue(channel="sms", recipient=phone, body=body)


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


# Corners ---------------------------------------------------------------------------------------

CORNER_FIELDS = (
    "name",
    "address",
    "village_id",
    "latitude",
    "longitude",
    "phone",
    "description",
    "step_free",
    "seating",
    "accessible_toilet",
    "accessibility_note",
    "equipment",
    "wifi",
    "slot_minutes",
    "desks",
    "is_active",
)


def _clean_corner(commune: Commune, fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(CORNER_FIELDS)
    if unknown:
        raise TypeError(f"unknown corner fields: {sorted(unknown)}")
    cleaned = dict(fields)
    errors: dict[str, str] = {}
    for key in ("name", "address"):
        if key in cleaned:
            cleaned[key] = " ".join(nfc(cleaned[key] or "").split())
    if "name" in cleaned and not cleaned["name"]:
        errors["name"] = (
            "Hãy đặt tên cho điểm hỗ trợ, ví dụ “Điểm CĐS ấp Hòa Bình”. / "
            "Give the corner a name, e.g. “Điểm CĐS ấp Hòa Bình”."
        )
    if "address" in cleaned and not cleaned["address"]:
        errors["address"] = (
            "Hãy nhập địa chỉ để người dân tìm đến (số nhà, đường, ấp). / "
            "Enter the address people go to (number, street, hamlet)."
        )
    village_id = cleaned.get("village_id")
    if village_id and not Village.objects.filter(pk=village_id, commune=commune).exists():
        errors["village_id"] = (
            f"Ấp/thôn này không thuộc {commune.name}; hãy chọn ấp/thôn của xã này. / "
            f"This village is not in {commune.name}; choose one of its villages."
        )
    lat, lon = cleaned.get("latitude"), cleaned.get("longitude")
    if ("latitude" in cleaned or "longitude" in cleaned) and (lat is None) != (lon is None):
        errors["latitude"] = (
            "Nhập cả vĩ độ và kinh độ, hoặc để trống cả hai. / "
            "Enter both latitude and longitude, or neither."
        )
    elif lat is not None and lon is not None:
        if not (Decimal(-90) <= Decimal(lat) <= Decimal(90)) or not (
            Decimal(-180) <= Decimal(lon) <= Decimal(180)
        ):
            errors["latitude"] = (
                "Tọa độ không hợp lệ: vĩ độ từ -90 đến 90, kinh độ từ -180 đến 180 (Cà Mau "
                "khoảng 9.17, 105.15). / Invalid coordinates: latitude -90 to 90, longitude "
                "-180 to 180 (Cà Mau is about 9.17, 105.15)."
            )
    if cleaned.get("phone"):
        try:
            cleaned["phone"] = phone_lib.normalise(cleaned["phone"])
        except phone_lib.PhoneError as exc:
            errors["phone"] = str(exc)
    minutes = cleaned.get("slot_minutes")
    if minutes is not None and not 5 <= int(minutes) <= 240:
        errors["slot_minutes"] = (
            "Mỗi lượt hẹn dài từ 5 đến 240 phút. / An appointment lasts 5 to 240 minutes."
        )
    desks = cleaned.get("desks")
    if desks is not None and not 1 <= int(desks) <= MAX_DESKS:
        errors["desks"] = (
            f"Số người được phục vụ cùng lúc từ 1 đến {MAX_DESKS}. / "
            f"People served at once: 1 to {MAX_DESKS}."
        )
    if "wifi" in cleaned and cleaned["wifi"] not in Corner.Wifi.values:
        errors["wifi"] = "Chọn một tình trạng Wi-Fi. / Choose a Wi-Fi status."
    if errors:
        raise ValidationError(errors)
    return cleaned


def _sync_rows(rows: Any, field: str, wanted: set[str], **parent: Any) -> None:
    """Make a parent's child rows (a corner's services, a member's languages) hold exactly
    `wanted` in `field`: delete the others, add the missing ones."""
    rows.exclude(**{f"{field}__in": wanted}).delete()
    have = set(rows.values_list(field, flat=True))
    rows.model.objects.bulk_create(
        [rows.model(**parent, **{field: value}) for value in sorted(wanted - have)]
    )


def _set_services(corner: Corner, topics: Iterable[str]) -> None:
    _sync_rows(corner.services, "topic", {_clean_topic(t) for t in topics}, corner=corner)


@transaction.atomic
def corner_create(
    *,
    commune_code: int,
    topics: Iterable[str] = (),
    by: User | None,
    request: HttpRequest | None = None,
    via: str = "web",
    **fields: Any,
) -> Corner:
    """Register a corner in a commune with the topics it helps with."""
    commune = Commune.objects.filter(code=commune_code).first()
    if commune is None:
        raise _refuse(
            "commune",
            f"Không có xã mã {commune_code}; hãy chọn xã trong danh sách",
            f"There is no commune with code {commune_code}; choose one from the list",
        )
    cleaned = _clean_corner(commune, {"name": "", "address": "", **fields})
    corner = Corner.objects.create(commune=commune, **cleaned)
    _set_services(corner, topics)
    _audit(
        by=by,
        action=AuditEntry.Action.CREATE,
        obj=corner,
        object_type="help_corner",
        commune_code=commune.code,
        request=request,
        via=via,
    )
    return corner


@transaction.atomic
def corner_update(
    *,
    corner: Corner,
    topics: Iterable[str] | None = None,
    by: User | None,
    request: HttpRequest | None = None,
    via: str = "web",
    **fields: Any,
) -> Corner:
    """Change a corner's description, booking settings and topics."""
    cleaned = _clean_corner(corner.commune, fields)
    changed = [k for k, v in cleaned.items() if getattr(corner, k) != v]
    for key in changed:
        setattr(corner, key, cleaned[key])
    if changed:
        corner.save(update_fields=changed)
    if topics is not None:
        _set_services(corner, topics)
    _audit(
        by=by,
        action=AuditEntry.Action.UPDATE,
        obj=corner,
        object_type="help_corner",
        commune_code=corner.commune_id,
        request=request,
        via=via,
        details={"changed": changed},
    )
    return corner


@transaction.atomic
def corner_hours_set(
    *,
    corner: Corner,
    intervals: Iterable[tuple[int, time, time]],
    by: User | None,
    request: HttpRequest | None = None,
) -> list[OpeningHours]:
    """Replace a corner's weekly opening hours with (weekday 0=Monday, opens, closes) intervals.

    Bookings already made stay; selectors.booked_outside_hours lists those that no longer fall
    on a slot, for the helper to call and move.
    """
    rows = sorted(set(intervals))
    for weekday, opens, closes in rows:
        if not 0 <= weekday <= 6:
            raise _refuse(None, "Ngày trong tuần không hợp lệ", "Invalid weekday")
        if opens >= closes:
            raise _refuse(
                None,
                f"{opens:%H:%M}–{closes:%H:%M}: giờ đóng cửa phải sau giờ mở cửa",
                f"{opens:%H:%M}–{closes:%H:%M}: the closing time must be after the opening time",
            )
    for (wd1, _o1, c1), (wd2, o2, _c2) in zip(rows, rows[1:], strict=False):
        if wd1 == wd2 and o2 < c1:
            raise _refuse(
                None,
                "Hai khoảng giờ trong cùng một ngày chồng lên nhau; hãy sửa để buổi chiều bắt "
                "đầu sau khi buổi sáng kết thúc",
                "Two opening intervals on the same day overlap; make the afternoon start after "
                "the morning ends",
            )
    corner.hours.all().delete()
    created = OpeningHours.objects.bulk_create(
        [OpeningHours(corner=corner, weekday=w, opens=o, closes=c) for w, o, c in rows]
    )
    _audit(
        by=by,
        action=AuditEntry.Action.UPDATE,
        obj=corner,
        object_type="help_corner_hours",
        commune_code=corner.commune_id,
        request=request,
        details={"intervals": [f"{w} {o:%H:%M}-{c:%H:%M}" for w, o, c in rows]},
    )
    return created


@transaction.atomic
def closure_add(
    *,
    corner: Corner,
    day: date,
    reason: str = "",
    by: User | None,
    request: HttpRequest | None = None,
) -> tuple[Closure, int]:
    """Close a corner for a day; returns the closure and how many bookings that day to move."""
    if day < timezone.localdate():
        raise _refuse(
            "day",
            "Không thể báo nghỉ cho ngày đã qua; hãy chọn hôm nay hoặc ngày sau",
            "A day in the past cannot be closed; choose today or a later day",
        )
    if Closure.objects.filter(corner=corner, day=day).exists():
        raise _refuse(
            "day",
            f"Ngày {day:%d/%m/%Y} đã được báo nghỉ",
            f"{day:%d/%m/%Y} is already a closed day",
        )
    closure = Closure.objects.create(corner=corner, day=day, reason=nfc(reason).strip()[:200])
    _audit(
        by=by,
        action=AuditEntry.Action.CREATE,
        obj=closure,
        object_type="help_closure",
        commune_code=corner.commune_id,
        request=request,
    )
    return closure, selectors.appointments_on_closed_day(corner, day)


@transaction.atomic
def closure_remove(
    *, closure: Closure, by: User | None, request: HttpRequest | None = None
) -> None:
    """Open a closed day again."""
    _audit(
        by=by,
        action=AuditEntry.Action.DELETE,
        obj=closure,
        object_type="help_closure",
        commune_code=closure.corner.commune_id,
        request=request,
    )
    closure.delete()


# Team ------------------------------------------------------------------------------------------


def _set_languages(member: Member, languages: Iterable[str]) -> None:
    wanted = set(languages)
    unknown = wanted - set(Language.values)
    if unknown:
        raise _refuse(
            "languages",
            f"Ngôn ngữ không có trong danh sách: {', '.join(sorted(unknown))}",
            f"Languages not in the list: {', '.join(sorted(unknown))}",
        )
    _sync_rows(member.languages, "language", wanted, member=member)


@transaction.atomic
def member_add(
    *,
    corner: Corner,
    user: User,
    languages: Iterable[str] = (Language.VIETNAMESE,),
    position: str = "",
    joined_on: date | None = None,
    by: User | None,
    request: HttpRequest | None = None,
) -> Member:
    """Add a helper to a corner's team (or bring a former member back)."""
    if user.role != Role.HELPER or not user.is_active:
        raise _refuse(
            "user",
            f"{user} không phải thành viên tổ công nghệ số cộng đồng đang hoạt động; quản trị "
            "viên tỉnh cấp vai trò này trong trang Người dùng",
            f"{user} is not an active community digital-technology team member; the province "
            "administrator gives this role on the Users page",
        )
    if not user.communes.filter(code=corner.commune_id).exists():
        raise _refuse(
            "user",
            f"{user} không được phân công ở {corner.commune}; hãy nhờ quản trị viên tỉnh thêm "
            "xã này vào tài khoản trước",
            f"{user} is not assigned to {corner.commune}; ask the province administrator to add "
            "this commune to the account first",
        )
    member, created = Member.objects.get_or_create(
        corner=corner,
        user=user,
        defaults={"position": position.strip()[:100], "joined_on": joined_on},
    )
    if not created:
        if member.is_active:
            raise _refuse(
                "user",
                f"{user} đã ở trong tổ của điểm này",
                f"{user} is already in this corner's team",
            )
        member.is_active = True
        member.position = position.strip()[:100]
        member.joined_on = joined_on or member.joined_on
        member.save(update_fields=["is_active", "position", "joined_on"])
    _set_languages(member, languages)
    _audit(
        by=by,
        action=AuditEntry.Action.CREATE,
        obj=member,
        object_type="help_member",
        commune_code=corner.commune_id,
        request=request,
        label=f"{user} @ {corner}",
    )
    return member


@transaction.atomic
def member_update(
    *,
    member: Member,
    languages: Iterable[str],
    position: str,
    is_active: bool,
    by: User | None,
    request: HttpRequest | None = None,
) -> Member:
    """Change a team member's languages and position, or take them off the team."""
    member.position = position.strip()[:100]
    member.is_active = is_active
    member.save(update_fields=["position", "is_active"])
    _set_languages(member, languages)
    _audit(
        by=by,
        action=AuditEntry.Action.UPDATE,
        obj=member,
        object_type="help_member",
        commune_code=member.corner.commune_id,
        request=request,
        label=f"{member.user} @ {member.corner}",
    )
    return member


# Appointments ----------------------------------------------------------------------------------


def _new_code() -> str:
    for _attempt in range(20):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not Appointment.objects.filter(code=code).exists():
            return code
    raise RuntimeError("could not find a free booking code")  # pragma: no cover


def _person_by_phone(commune_id: int, phone: str) -> Person | None:
    """The registry person of the commune with this phone number, when exactly one has it."""
    if not phone:
        return None
    found = list(
        Person.objects.living().filter(commune_id=commune_id, phone=phone).values_list("pk")[:2]
    )
    return Person.objects.get(pk=found[0][0]) if len(found) == 1 else None


def _check_helper(corner: Corner, helper: User | None) -> None:
    if helper is not None and not corner.members.filter(user=helper, is_active=True).exists():
        raise _refuse(
            "helper",
            f"{helper} không trong tổ của điểm này; hãy chọn một thành viên của điểm",
            f"{helper} is not in this corner's team; choose one of its members",
        )


def _full_slot() -> ValidationError:
    return _refuse(
        "starts_at",
        "Giờ này vừa có người đặt hết chỗ; hãy chọn một giờ khác còn trống",
        "This time has just been fully booked; choose another free time",
    )


def _helper_busy(helper: User) -> ValidationError:
    return _refuse(
        "helper",
        f"{helper} đã có lịch hẹn vào giờ này; hãy chọn giờ khác hoặc người hỗ trợ khác",
        f"{helper} already has an appointment at this time; choose another time or helper",
    )


def _place_at(
    appointment: Appointment, corner: Corner, starts_at: datetime, *, creating: bool
) -> None:
    """Put an appointment on the first free desk at starts_at, letting the database's
    constraints decide between racing requests."""
    taken = set(
        Appointment.objects.filter(
            corner=corner, starts_at=starts_at, status__in=Appointment.ACTIVE
        )
        .exclude(pk=appointment.pk)
        .values_list("desk", flat=True)
    )
    for desk in range(1, corner.desks + 1):
        if desk in taken:
            continue
        appointment.desk = desk
        appointment.starts_at = starts_at
        appointment.ends_at = starts_at + timedelta(minutes=corner.slot_minutes)
        try:
            with transaction.atomic():
                if creating:
                    appointment.save(force_insert=True)
                else:
                    appointment.save(update_fields=["starts_at", "ends_at", "desk"])
        except IntegrityError:
            if appointment.helper_id is not None and (
                Appointment.objects.filter(
                    helper_id=appointment.helper_id,
                    starts_at=starts_at,
                    status__in=Appointment.ACTIVE,
                )
                .exclude(pk=appointment.pk)
                .exists()
            ):
                raise _helper_busy(appointment.helper) from None
            continue
        return
    raise _full_slot()


def _same_person_conflict(phone: str, starts_at: datetime, *, exclude: int | None) -> None:
    rows = Appointment.objects.filter(
        phone=phone, starts_at=starts_at, status__in=Appointment.ACTIVE
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    existing = rows.select_related("corner").first()
    if existing is not None:
        raise _refuse(
            "starts_at",
            f"Số điện thoại này đã có lịch hẹn lúc {_when(starts_at)} tại {existing.corner} (mã "
            f"{existing.code}); không đặt trùng giờ. Hãy chọn giờ khác, hoặc đổi lịch cũ bằng "
            "mã đặt lịch",
            f"This phone number already has an appointment at {_when(starts_at)} at "
            f"{existing.corner} (code {existing.code}); a second one at the same time is not "
            "allowed. Choose another time, or change the first booking with its code",
        )


def _reminder_moment(starts_at: datetime) -> datetime:
    day_before = timezone.localtime(starts_at).date() - timedelta(days=1)
    return selectors.at_local(day_before, time(REMINDER_HOUR))


def _schedule_reminder(appointment_id: int, starts_at: datetime) -> None:
    # Imported here because the task module imports this one.
    from help.tasks import send_appointment_reminder

    moment = _reminder_moment(starts_at)
    if moment <= timezone.now():
        return  # booked less than a day ahead: the confirmation is the reminder
    task = send_appointment_reminder
    if not task.get_backend().supports_defer:
        return  # appointment_reminders_send_due picks it up when run
    task.using(run_after=moment).enqueue(
        appointment_id=appointment_id, starts_at=starts_at.isoformat()
    )


@transaction.atomic
def appointment_book(
    *,
    corner: Corner,
    starts_at: datetime,
    name: str,
    phone: str,
    topic: str,
    kind: str = Appointment.Kind.AT_CORNER,
    helper: User | None = None,
    person: Person | None = None,
    note: str = "",
    by: User | None = None,
    request: HttpRequest | None = None,
    via: str = "web",
) -> Appointment:
    """Book a slot by phone number alone (no e-mail), for oneself or, by a helper, for someone.

    Refuses a time outside the opening hours or on a closed day, a full slot, a helper who is
    busy, and a second appointment of the same phone number at the same time. The person gets an
    SMS with the code, and another the day before.
    """
    if not corner.is_active:
        raise _refuse(
            None,
            "Điểm hỗ trợ này tạm ngừng nhận lịch hẹn; hãy chọn điểm khác",
            "This corner is not taking bookings; choose another corner",
        )
    errors = _problems(lambda: _clean_name(name), lambda: _clean_phone(phone))
    errors.update(_problems(lambda: _clean_topic(topic)))
    if kind not in Appointment.Kind.values:
        errors["kind"] = "Chọn hình thức hẹn. / Choose how to meet."
    refusal = selectors.slot_refusal(corner, starts_at)
    if refusal:
        errors["starts_at"] = refusal
    if errors:
        raise ValidationError(errors)
    _check_helper(corner, helper)
    phone = _clean_phone(phone)
    _same_person_conflict(phone, starts_at, exclude=None)
    upcoming = Appointment.objects.filter(
        phone=phone, status=Appointment.Status.BOOKED, starts_at__gt=timezone.now()
    ).count()
    if upcoming >= MAX_UPCOMING_PER_PHONE:
        raise _refuse(
            "phone",
            f"Số điện thoại này đã có {upcoming} lịch hẹn sắp tới; hãy hủy bớt một lịch (bằng mã "
            "đặt lịch) trước khi đặt thêm",
            f"This phone number already has {upcoming} bookings to come; cancel one (with its "
            "booking code) before booking another",
        )
    appointment = Appointment(
        corner=corner,
        helper=helper,
        person=person or _person_by_phone(corner.commune_id, phone),
        name=_clean_name(name),
        phone=phone,
        topic=topic,
        kind=kind,
        note=nfc(note or "").strip()[:500],
        code=_new_code(),
        created_by=by if by is not None and by.is_authenticated else None,
    )
    _place_at(appointment, corner, starts_at, creating=True)
    _sms(
        phone,
        f"Lang So: ban da dat lich {_when(starts_at)} tai {corner.name}, {corner.address}. "
        f"Ma dat lich: {appointment.code}. Doi/huy lich: nhap ma va so dien thoai tren trang "
        "Lang So.",
    )
    _audit(
        by=by,
        action=AuditEntry.Action.CREATE,
        obj=appointment,
        object_type="help_appointment",
        commune_code=corner.commune_id,
        request=request,
        via=via,
        label=appointment.code,
        on_behalf_of=appointment.name if by is not None and by.is_authenticated else "",
    )
    transaction.on_commit(partial(_schedule_reminder, appointment.pk, appointment.starts_at))
    return appointment


@transaction.atomic
def appointment_reschedule(
    *,
    appointment: Appointment,
    starts_at: datetime,
    by: User | None = None,
    request: HttpRequest | None = None,
    via: str = "web",
) -> Appointment:
    """Move a booking to another free slot of the same corner; the code stays the same."""
    if appointment.status != Appointment.Status.BOOKED:
        raise _refuse(
            None,
            f"Lịch hẹn {appointment.code} đang ở trạng thái “{appointment.get_status_display()}”, "
            "không đổi được; hãy đặt lịch mới",
            f"Booking {appointment.code} is {appointment.get_status_display()} and cannot be "
            "moved; make a new booking",
        )
    corner = appointment.corner
    refusal = selectors.slot_refusal(corner, starts_at)
    if refusal:
        raise ValidationError({"starts_at": refusal})
    _same_person_conflict(appointment.phone, starts_at, exclude=appointment.pk)
    previous = appointment.starts_at
    _place_at(appointment, corner, starts_at, creating=False)
    Appointment.objects.filter(pk=appointment.pk).update(reminder_sent_at=None)
    appointment.reminder_sent_at = None
    _sms(
        appointment.phone,
        f"Lang So: lich hen {appointment.code} da doi sang {_when(starts_at)} tai {corner.name}.",
    )
    _audit(
        by=by,
        action=AuditEntry.Action.UPDATE,
        obj=appointment,
        object_type="help_appointment",
        commune_code=corner.commune_id,
        request=request,
        via=via,
        label=appointment.code,
        details={"from": previous.isoformat(), "to": starts_at.isoformat()},
    )
    transaction.on_commit(partial(_schedule_reminder, appointment.pk, appointment.starts_at))
    return appointment


@transaction.atomic
def appointment_cancel(
    *,
    appointment: Appointment,
    by: User | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
    via: str = "web",
) -> Appointment:
    """Cancel a booking; the slot is free again at once. The person gets an SMS when staff
    cancel for them."""
    claimed = Appointment.objects.filter(
        pk=appointment.pk, status=Appointment.Status.BOOKED
    ).update(status=Appointment.Status.CANCELLED, cancelled_at=timezone.now())
    if not claimed:
        raise _refuse(
            None,
            f"Lịch hẹn {appointment.code} không còn ở trạng thái đã đặt nên không hủy được",
            f"Booking {appointment.code} is no longer booked and cannot be cancelled",
        )
    appointment.refresh_from_db(fields=["status", "cancelled_at"])
    if by is not None and by.is_authenticated:
        _sms(
            appointment.phone,
            f"Lang So: lich hen {appointment.code} luc {_when(appointment.starts_at)} tai "
            f"{appointment.corner.name} da bi huy. Vui long dat lai lich khac.",
        )
    _audit(
        by=by,
        action=AuditEntry.Action.UPDATE,
        obj=appointment,
        object_type="help_appointment",
        commune_code=appointment.corner.commune_id,
        request=request,
        via=via,
        label=appointment.code,
        details={"status": "cancelled", "reason": reason[:200]},
    )
    return appointment


@transaction.atomic
def appointment_status_set(
    *,
    appointment: Appointment,
    status: str,
    by: User,
    request: HttpRequest | None = None,
    via: str = "web",
) -> Appointment:
    """Mark a booking done or not come (arrival is token_issue with the appointment)."""
    allowed = {
        Appointment.Status.DONE: (Appointment.Status.BOOKED, Appointment.Status.ARRIVED),
        Appointment.Status.NO_SHOW: (Appointment.Status.BOOKED,),
        Appointment.Status.BOOKED: (Appointment.Status.NO_SHOW,),
    }
    if status not in allowed:
        raise _refuse("status", "Trạng thái không hợp lệ", "Invalid status")
    claimed = Appointment.objects.filter(pk=appointment.pk, status__in=allowed[status]).update(
        status=status
    )
    if not claimed:
        raise _refuse(
            "status",
            f"Lịch hẹn {appointment.code} đang “{appointment.get_status_display()}”; không đổi "
            "được sang trạng thái này",
            f"Booking {appointment.code} is {appointment.get_status_display()}; it cannot "
            "change to this status",
        )
    appointment.refresh_from_db(fields=["status"])
    _audit(
        by=by,
        action=AuditEntry.Action.UPDATE,
        obj=appointment,
        object_type="help_appointment",
        commune_code=appointment.corner.commune_id,
        request=request,
        via=via,
        label=appointment.code,
        details={"status": status},
    )
    return appointment


def appointment_reminder_send(*, appointment_id: int, starts_at: str | None = None) -> bool:
    """Send one booking's reminder if it is still booked at the time it was planned for.

    The reminder is claimed with a conditional UPDATE, so a reminder is sent once however many
    tasks or sweeps reach it. True when a reminder was queued.
    """
    now = timezone.now()
    appointment = Appointment.objects.select_related("corner").filter(pk=appointment_id).first()
    if appointment is None or appointment.status != Appointment.Status.BOOKED:
        return False
    if starts_at is not None and appointment.starts_at.isoformat() != starts_at:
        return False  # moved since: the reminder planned for the new time takes over
    if appointment.starts_at <= now or _reminder_moment(appointment.starts_at) > now:
        return False
    with transaction.atomic():
        claimed = Appointment.objects.filter(
            pk=appointment.pk, reminder_sent_at__isnull=True, status=Appointment.Status.BOOKED
        ).update(reminder_sent_at=now)
        if not claimed:
            return False
        corner = appointment.corner
        _sms(
            appointment.phone,
            f"Lang So nhac lich: {_when(appointment.starts_at)} tai {corner.name}, "
            f"{corner.address}. Ma: {appointment.code}. Neu khong den duoc, vui long huy lich.",
        )
    return True


def appointment_reminders_send_due(*, now: datetime | None = None) -> int:
    """Send every reminder that is due (tomorrow's bookings made before today); for backends
    without deferred tasks and to catch reminders whose task was lost. Returns the count."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    tomorrow = today + timedelta(days=1)
    if timezone.localtime(now).hour < REMINDER_HOUR:
        return 0
    due = Appointment.objects.filter(
        status=Appointment.Status.BOOKED,
        reminder_sent_at__isnull=True,
        starts_at__gte=selectors.at_local(tomorrow, time.min),
        starts_at__lt=selectors.at_local(tomorrow + timedelta(days=1), time.min),
        created_at__lt=selectors.at_local(today, time.min),
    ).values_list("pk", flat=True)
    return sum(appointment_reminder_send(appointment_id=pk) for pk in list(due))


# Queue -----------------------------------------------------------------------------------------


@transaction.atomic
def token_issue(
    *,
    corner: Corner,
    topic: str,
    name: str = "",
    phone: str = "",
    priority: bool = False,
    person: Person | None = None,
    appointment: Appointment | None = None,
    by: User,
    request: HttpRequest | None = None,
    via: str = "web",
) -> QueueToken:
    """Give someone who arrives a numbered ticket for today's queue.

    With an appointment, the booking is marked arrived and its details fill the ticket. Numbers
    start at 1 each day; two helpers issuing at once each get their own number (the database
    refuses a repeated number and the next one is taken).
    """
    now = timezone.now()
    day = timezone.localdate(now)
    if appointment is not None:
        if appointment.corner_id != corner.pk:
            raise _refuse(
                None,
                "Lịch hẹn này thuộc điểm hỗ trợ khác",
                "This booking belongs to another corner",
            )
        if QueueToken.objects.filter(appointment=appointment).exists():
            raise _refuse(
                None,
                f"Lịch hẹn {appointment.code} đã được cấp số rồi",
                f"Booking {appointment.code} already has a number",
            )
        if timezone.localtime(appointment.starts_at).date() != day:
            raise _refuse(
                None,
                f"Lịch hẹn {appointment.code} không phải hôm nay "
                f"({_when(appointment.starts_at)}); hãy cấp số như khách vãng lai",
                f"Booking {appointment.code} is not for today ({_when(appointment.starts_at)}); "
                "issue a walk-in number instead",
            )
        claimed = Appointment.objects.filter(
            pk=appointment.pk, status=Appointment.Status.BOOKED
        ).update(status=Appointment.Status.ARRIVED)
        if not claimed:
            raise _refuse(
                None,
                f"Lịch hẹn {appointment.code} đang “{appointment.get_status_display()}”",
                f"Booking {appointment.code} is {appointment.get_status_display()}",
            )
        name = name or appointment.name
        phone = phone or appointment.phone
        topic = topic or appointment.topic
        person = person or appointment.person
    clean_topic = _clean_topic(topic)
    clean_phone = _clean_phone(phone, required=False)
    clean_name = " ".join(nfc(name or "").split())[:150]
    for _attempt in range(10):
        last = QueueToken.objects.filter(corner=corner, day=day).aggregate(n=Max("number"))["n"]
        token = QueueToken(
            corner=corner,
            day=day,
            number=(last or 0) + 1,
            name=clean_name,
            phone=clean_phone,
            person=person,
            topic=clean_topic,
            appointment=appointment,
            priority=priority,
            issued_at=now,
        )
        try:
            with transaction.atomic():
                token.save(force_insert=True)
        except IntegrityError:
            continue
        break
    else:  # pragma: no cover - ten collisions in a row
        raise _refuse(None, "Hệ thống bận, hãy thử lại", "The system is busy, try again")
    _audit(
        by=by,
        action=AuditEntry.Action.CREATE,
        obj=token,
        object_type="help_token",
        commune_code=corner.commune_id,
        request=request,
        via=via,
        label=f"{corner} #{token.number}",
        on_behalf_of=clean_name,
    )
    return token


TOKEN_MOVES: dict[str, tuple[str, ...]] = {
    QueueToken.Status.CALLED: (QueueToken.Status.WAITING, QueueToken.Status.CALLED),
    QueueToken.Status.SERVING: (QueueToken.Status.WAITING, QueueToken.Status.CALLED),
    QueueToken.Status.DONE: (QueueToken.Status.CALLED, QueueToken.Status.SERVING),
    QueueToken.Status.LEFT: (
        QueueToken.Status.WAITING,
        QueueToken.Status.CALLED,
        QueueToken.Status.SERVING,
    ),
    # Called but not there yet: back in line, keeping the number.
    QueueToken.Status.WAITING: (QueueToken.Status.CALLED,),
}


@transaction.atomic
def token_status_set(
    *,
    token: QueueToken,
    status: str,
    by: User,
    request: HttpRequest | None = None,
    via: str = "web",
) -> QueueToken:
    """Move a ticket along: called, being served, done, left, or back to waiting."""
    if status not in TOKEN_MOVES:
        raise _refuse("status", "Trạng thái không hợp lệ", "Invalid status")
    now = timezone.now()
    updates: dict[str, Any] = {"status": status}
    if status == QueueToken.Status.CALLED:
        updates["called_at"] = now
        updates["served_by"] = by
    elif status == QueueToken.Status.SERVING:
        updates["called_at"] = token.called_at or now
        updates["served_by"] = by
    elif status in (QueueToken.Status.DONE, QueueToken.Status.LEFT):
        updates["finished_at"] = now
    claimed = QueueToken.objects.filter(pk=token.pk, status__in=TOKEN_MOVES[status]).update(
        **updates
    )
    if not claimed:
        token.refresh_from_db(fields=["status"])
        raise _refuse(
            "status",
            f"Số {token.number} đang “{token.get_status_display()}”, không chuyển được; trang "
            "có thể đã cũ, hãy tải lại",
            f"Number {token.number} is {token.get_status_display()} and cannot move there; "
            "the page may be out of date, reload it",
        )
    token.refresh_from_db()
    if status == QueueToken.Status.DONE and token.appointment_id:
        Appointment.objects.filter(
            pk=token.appointment_id, status=Appointment.Status.ARRIVED
        ).update(status=Appointment.Status.DONE)
    _audit(
        by=by,
        action=AuditEntry.Action.UPDATE,
        obj=token,
        object_type="help_token",
        commune_code=token.corner.commune_id,
        request=request,
        via=via,
        label=f"{token.corner} #{token.number}",
        details={"status": status},
    )
    return token


def token_call_next(
    *, corner: Corner, by: User, request: HttpRequest | None = None, via: str = "web"
) -> QueueToken | None:
    """Call the next person waiting (see selectors.waiting_order); None when nobody waits.

    Two helpers pressing "call next" at once call two different people: each claim is a
    conditional UPDATE and the loser takes the following ticket.
    """
    day = timezone.localdate()
    for _attempt in range(10):
        token = selectors.waiting_order(
            QueueToken.objects.filter(corner=corner, day=day, status=QueueToken.Status.WAITING)
        ).first()
        if token is None:
            return None
        try:
            return token_status_set(
                token=token, status=QueueToken.Status.CALLED, by=by, request=request, via=via
            )
        except ValidationError:
            continue
    return None


# Classes ---------------------------------------------------------------------------------------


@transaction.atomic
def session_create(
    *,
    corner: Corner,
    title: str,
    helper: User,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    description: str = "",
    skill: str = "",
    by: User,
    request: HttpRequest | None = None,
) -> GroupSession:
    """Plan a class at a corner, led by one of its helpers."""
    errors: dict[str, str] = {}
    title = " ".join(nfc(title or "").split())
    if not title:
        errors["title"] = (
            "Hãy đặt tên lớp, ví dụ “Cài đặt và dùng VNeID”. / "
            "Give the class a title, e.g. “Cài đặt và dùng VNeID”."
        )
    if ends_at <= starts_at:
        errors["ends_at"] = "Giờ kết thúc phải sau giờ bắt đầu. / The end must be after the start."
    if starts_at <= timezone.now():
        errors["starts_at"] = (
            "Giờ bắt đầu đã qua; hãy chọn thời gian sắp tới. / "
            "The start has passed; choose a time to come."
        )
    if not 1 <= capacity <= 200:
        errors["capacity"] = "Số chỗ từ 1 đến 200. / Places: 1 to 200."
    if skill and skill not in dict(selectors.skill_choices()):
        errors["skill"] = "Chọn kỹ năng trong danh sách. / Choose a skill from the list."
    if errors:
        raise ValidationError(errors)
    _check_helper(corner, helper)
    session = GroupSession.objects.create(
        corner=corner,
        title=title[:200],
        description=nfc(description or "").strip(),
        skill=skill,
        helper=helper,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
    )
    _audit(
        by=by,
        action=AuditEntry.Action.CREATE,
        obj=session,
        object_type="help_session",
        commune_code=corner.commune_id,
        request=request,
    )
    return session


@transaction.atomic
def session_cancel(*, session: GroupSession, by: User, request: HttpRequest | None = None) -> int:
    """Cancel a class and tell everyone booked by SMS; returns how many were told."""
    claimed = GroupSession.objects.filter(pk=session.pk, cancelled_at__isnull=True).update(
        cancelled_at=timezone.now()
    )
    if not claimed:
        raise _refuse(None, "Lớp này đã bị hủy", "This class is already cancelled")
    phones = list(session.seats.values_list("phone", flat=True))
    for phone in phones:
        _sms(
            phone,
            f"Lang So: lop “{session.title}” luc {_when(session.starts_at)} tai "
            f"{session.corner.name} da bi huy. Xin loi vi su bat tien.",
        )
    _audit(
        by=by,
        action=AuditEntry.Action.UPDATE,
        obj=session,
        object_type="help_session",
        commune_code=session.corner.commune_id,
        request=request,
        details={"cancelled": True, "told": len(phones)},
    )
    return len(phones)


@transaction.atomic
def seat_book(
    *,
    session: GroupSession,
    name: str,
    phone: str,
    person: Person | None = None,
    by: User | None = None,
    request: HttpRequest | None = None,
    via: str = "web",
) -> SessionSeat:
    """Book a place in a class by phone number; refused when full, cancelled, started or when
    this phone already has a place."""
    errors = _problems(lambda: _clean_name(name), lambda: _clean_phone(phone))
    if errors:
        raise ValidationError(errors)
    phone = _clean_phone(phone)
    # Touch the class row first: on PostgreSQL this UPDATE holds the row until commit, so two
    # bookings of the last place are counted one after the other (SQLite writers already are).
    GroupSession.objects.filter(pk=session.pk).update(capacity=F("capacity"))
    session.refresh_from_db()
    if session.cancelled_at is not None or session.starts_at <= timezone.now():
        raise _refuse(
            None,
            "Lớp này đã bị hủy hoặc đã bắt đầu; hãy chọn lớp khác",
            "This class is cancelled or has started; choose another class",
        )
    if session.seats.filter(phone=phone).exists():
        raise _refuse(
            "phone",
            "Số điện thoại này đã đăng ký lớp này rồi",
            "This phone number already has a place in this class",
        )
    if session.seats.count() >= session.capacity:
        raise _refuse(
            None,
            "Lớp đã đủ chỗ; hãy chọn lớp khác hoặc hỏi điểm hỗ trợ về lớp sau",
            "The class is full; choose another class or ask the corner about the next one",
        )
    seat = SessionSeat.objects.create(
        session=session,
        name=_clean_name(name),
        phone=phone,
        person=person or _person_by_phone(session.corner.commune_id, phone),
    )
    _sms(
        phone,
        f"Lang So: ban da dang ky lop “{session.title}” luc {_when(session.starts_at)} tai "
        f"{session.corner.name}, {session.corner.address}.",
    )
    _audit(
        by=by,
        action=AuditEntry.Action.CREATE,
        obj=seat,
        object_type="help_seat",
        commune_code=session.corner.commune_id,
        request=request,
        via=via,
        on_behalf_of=seat.name if by is not None and by.is_authenticated else "",
    )
    return seat


@transaction.atomic
def seat_attendance_set(
    *,
    session: GroupSession,
    attended: dict[int, bool | None],
    by: User,
    request: HttpRequest | None = None,
) -> int:
    """Record who came to a class (seat id -> came / did not come / unknown); returns the
    number of seats changed."""
    if session.starts_at > timezone.now():
        raise _refuse(
            None,
            "Chỉ điểm danh khi lớp đã bắt đầu",
            "Attendance can be taken once the class has started",
        )
    changed = 0
    for seat in session.seats.filter(pk__in=list(attended)):
        value = attended[seat.pk]
        if seat.attended != value:
            SessionSeat.objects.filter(pk=seat.pk).update(attended=value, marked_by=by)
            changed += 1
    _audit(
        by=by,
        action=AuditEntry.Action.UPDATE,
        obj=session,
        object_type="help_session_attendance",
        commune_code=session.corner.commune_id,
        request=request,
        details={"changed": changed},
    )
    return changed


# Skills ----------------------------------------------------------------------------------------


@transaction.atomic
def skill_attest(
    *,
    commune_code: int,
    skill: str,
    by: User,
    name: str = "",
    phone: str = "",
    person: Person | None = None,
    case: Any = None,
    session: GroupSession | None = None,
    note: str = "",
    request: HttpRequest | None = None,
    via: str = "web",
) -> SkillAttestation:
    """Record that a person showed a practical skill in front of the helper."""
    if skill not in dict(selectors.skill_choices()):
        raise _refuse(
            "skill",
            "Kỹ năng không có trong danh sách; hãy chọn một kỹ năng của bài học",
            "The skill is not in the list; choose one of the lessons' skills",
        )
    if person is not None:
        name = name or person.full_name
        phone = phone or person.phone
        if person.commune_id != commune_code:
            raise _refuse(
                None,
                "Người này thuộc xã khác; hãy ghi nhận tại xã của người đó",
                "This person belongs to another commune; record it in their commune",
            )
    clean_name = _clean_name(name)
    clean_phone = _clean_phone(phone, required=False)
    if person is None:
        person = _person_by_phone(commune_code, clean_phone)
    attestation = SkillAttestation.objects.create(
        person=person,
        name=clean_name,
        phone=clean_phone,
        commune_id=commune_code,
        skill=skill,
        attested_by=by,
        attested_at=timezone.now(),
        case=case,
        session=session,
        note=nfc(note or "").strip()[:255],
    )
    _audit(
        by=by,
        action=AuditEntry.Action.CREATE,
        obj=attestation,
        object_type="help_skill",
        commune_code=commune_code,
        request=request,
        via=via,
        on_behalf_of=clean_name,
        details={"skill": skill},
    )
    return attestation

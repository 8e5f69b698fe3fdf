"""Writes for help cases: open, consent, actions, attachments, referrals, close, feedback, ask.

A case is one person's request at a corner, from the first contact to closing and feedback.
Helpers mostly act on behalf of the person, so consent is recorded on the case and every action
is stamped with who did it and for whom; an on-behalf action without consent is refused. Every
write is audited; messages to the person (feedback requests, answers to questions) go through
the notification outbox in the same transaction, so nothing is sent for a write that failed.

Errors are ValidationErrors whose text says, in Vietnamese and then in English, what is wrong
and how to fix it: they reach helpers through the forms and clients through the API.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import AuditEntry, Role, User
from accounts.permissions import user_can_act_in_commune
from accounts.services import audit_record
from help import services as corner_services
from help.models import (
    DEFAULT_TARGET_HOURS,
    Appointment,
    Attachment,
    Case,
    CaseAction,
    Channel,
    Corner,
    CornerService,
    Feedback,
    QueueToken,
    Referral,
    Topic,
    TopicTarget,
)
from lib import personal_id as pid_lib
from lib import phone as phone_lib
from lib.vn_text import nfc
from notifications import services as notify
from people.models import Person
from places.models import Commune

# The kinds of action a helper adds by hand; consent, status and referral actions are written
# by the services that change those.
MANUAL_ACTION_KINDS = (
    CaseAction.Kind.NOTE,
    CaseAction.Kind.ON_BEHALF,
    CaseAction.Kind.TAUGHT,
    CaseAction.Kind.CALL,
    CaseAction.Kind.MESSAGE,
)
MAX_ACTION_MINUTES = 600
MAX_ANSWER_SMS = 320
# Outcomes that mean the helper did the task for the person, which needs their consent.
ON_BEHALF_OUTCOMES = (Case.Outcome.DONE_ON_BEHALF,)
# The knowledge topic an FAQ drafted from a case's answer is filed under.
KNOWLEDGE_TOPIC_OF = {
    Topic.VNEID_LEVEL2: "digital",
    Topic.DOSSIER: "digital",
    Topic.HEALTH_INSURANCE_APP: "health",
    Topic.E_PAYMENT: "digital",
    Topic.E_COMMERCE: "digital",
    Topic.JOB_APPLICATION: "jobs",
    Topic.DEVICE_PROBLEM: "digital",
    Topic.COURSE_ENROLMENT: "jobs",
    Topic.BENEFITS_QUESTION: "benefits",
    Topic.KNOWLEDGE_QUESTION: "digital",
    Topic.OTHER: "digital",
}
# The case code people read from an SMS: "<case number>-<five letters>". The letters are a
# keyed digest of the number, so a code cannot be guessed from another one.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CODE_LETTERS = 5


def _error(field: str | None, vi: str, en: str) -> ValidationError:
    message = f"{vi} / {en}"
    return ValidationError({field: message} if field else message)


# Codes and targets ---------------------------------------------------------------------------


def _code_letters(pk: int) -> str:
    digest = salted_hmac("help.case.code", str(pk)).digest()
    number = int.from_bytes(digest[:8], "big")
    letters = []
    for _i in range(_CODE_LETTERS):
        number, index = divmod(number, len(_CODE_ALPHABET))
        letters.append(_CODE_ALPHABET[index])
    return "".join(letters)


def case_code(case: Case | int) -> str:
    """The code a person uses to read their answer or give feedback, e.g. "1234-K7QMZ"."""
    pk = case if isinstance(case, int) else case.pk
    return f"{pk}-{_code_letters(pk)}"


def case_pk_from_code(code: str) -> int | None:
    """The case number a code stands for, or None when the code is not one we issued."""
    text = "".join(code.split()).upper().replace("_", "-")
    number, _sep, letters = text.partition("-")
    if not number.isdigit() or len(number) > 12:
        return None
    pk = int(number)
    return pk if constant_time_compare(letters, _code_letters(pk)) else None


def target_hours(topic: str) -> int:
    """The province's service-level target for a topic, in hours from opening to closing."""
    override = TopicTarget.objects.filter(topic=topic).values_list("target_hours", flat=True)
    found = override.first()
    return int(found) if found else DEFAULT_TARGET_HOURS.get(topic, 72)


@transaction.atomic
def topic_target_set(
    *, topic: str, hours: int, actor: User, request: HttpRequest | None = None
) -> TopicTarget:
    """Set the province's target for a topic (province administrators). Open cases keep the
    due time they were given."""
    if actor.role != Role.PROVINCE_ADMIN:
        raise PermissionDenied
    if topic not in Topic.values:
        raise _error("topic", "Chủ đề không tồn tại.", "Unknown topic.")
    if not 1 <= int(hours) <= 2000:
        raise _error(
            "hours",
            "Thời hạn phải từ 1 đến 2000 giờ.",
            "The target must be between 1 and 2000 hours.",
        )
    target, _created = TopicTarget.objects.update_or_create(
        topic=topic, defaults={"target_hours": int(hours), "updated_by": actor}
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="help.topic_target",
        object_id=topic,
        object_label=f"{topic}: {hours} h",
        request=request,
    )
    return target


# Helpers -------------------------------------------------------------------------------------


def _audit(
    case: Case,
    actor: User | None,
    action: str,
    *,
    request: HttpRequest | None = None,
    via: str = "web",
    on_behalf: bool = False,
    reason: str = "",
    **details: Any,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="help.case",
        object_id=case.pk,
        object_label=f"#{case.pk} {case.name}",
        commune_code=case.commune_id,
        on_behalf_of=_done_for(case) if on_behalf else "",
        reason=reason,
        request=request,
        via=via,
        details=details,
    )


def _done_for(case: Case) -> str:
    return (case.person.full_name if case.person_id and case.person else case.name)[:150]


def _action(case: Case, actor: User, kind: str, description: str, minutes: int = 0) -> CaseAction:
    return CaseAction.objects.create(
        case=case,
        kind=kind,
        description=description,
        done_by=actor,
        done_for=_done_for(case),
        minutes=minutes,
        at=timezone.now(),
    )


def _normalised_phone(raw: str, *, required: bool = False) -> str:
    raw = (raw or "").strip()
    if not raw:
        if required:
            raise _error(
                "phone",
                "Hãy nhập số điện thoại để nhận câu trả lời, ví dụ 0912 345 678.",
                "Enter a phone number to receive the answer, e.g. 0912 345 678.",
            )
        return ""
    try:
        return phone_lib.normalise(raw)
    except phone_lib.PhoneError as exc:
        raise ValidationError({"phone": str(exc)}) from None


def _require_can_act(actor: User, commune_code: int) -> None:
    if not user_can_act_in_commune(actor, commune_code):
        raise PermissionDenied


def _require_not_closed(case: Case) -> None:
    if case.status == Case.Status.CLOSED:
        raise _error(
            None,
            "Yêu cầu này đã đóng; hãy mở lại yêu cầu trước khi ghi thêm.",
            "This case is closed; reopen it before recording more.",
        )


def _reload(case: Case) -> Case:
    """The case as the database holds it now, inside the caller's transaction."""
    return Case.objects.select_related("person", "corner").get(pk=case.pk)


def _other_commune_error(person: Person, commune: Commune) -> ValidationError:
    other = person.commune.name if person.commune_id else "?"
    return _error(
        "person",
        f"{person.full_name} có tên trong sổ của {other}, không phải {commune.name}. Hãy hướng "
        f"dẫn người này đến điểm hỗ trợ của {other}, hoặc nhờ cán bộ xã cập nhật nơi ở trước.",
        f"{person.full_name} is registered in {other}, not {commune.name}. Send the person to "
        f"a corner of {other}, or ask a commune officer to update where they live first.",
    )


def _find_person(
    *, commune: Commune, person: Person | None, personal_id: str, phone: str
) -> Person | None:
    """The registry person a case is for: the one given, the holder of the ID number, or the
    only living person of the commune with that phone number; None when unknown."""
    if person is None and personal_id.strip():
        try:
            number = pid_lib.parse(personal_id).number
        except pid_lib.PersonalIdError as exc:
            raise _error("personal_id", exc.message_vi, exc.message_en) from None
        person = (
            Person.objects.active().select_related("commune").filter(personal_id=number).first()
        )
        if person is None:
            raise _error(
                "personal_id",
                "Không có ai mang số định danh này trong sổ. Kiểm tra lại số, hoặc để trống ô "
                "này để mở yêu cầu chỉ với số điện thoại.",
                "No one in the registry has this ID number. Check it, or leave it empty to "
                "open the case with the phone number only.",
            )
    if person is not None:
        if person.commune_id != commune.pk:
            raise _other_commune_error(person, commune)
        return person
    if phone:
        matches = list(
            Person.objects.living()
            .filter(commune=commune, phone=phone)
            .select_related("commune")[:2]
        )
        if len(matches) == 1:
            return matches[0]
    return None


def _audit_person_link(
    person: Person, actor: User | None, case: Case, request: HttpRequest | None, via: str
) -> None:
    audit_record(
        actor=actor,
        action=AuditEntry.Action.VIEW,
        object_type="person",
        object_id=person.pk,
        object_label=person.full_name,
        commune_code=person.commune_id,
        reason=f"help case #{case.pk}",
        request=request,
        via=via,
    )


def _check_choice(field: str, value: str, choices: Any, vi: str, en: str) -> str:
    if value not in choices.values:
        raise _error(field, vi, en)
    return value


def _clean_text(field: str, value: str, vi: str, en: str, *, limit: int | None = None) -> str:
    text = nfc(value or "").strip()
    if not text:
        raise _error(field, vi, en)
    return text[:limit] if limit else text


# Opening -------------------------------------------------------------------------------------


@transaction.atomic
def case_open(
    *,
    actor: User,
    channel: str,
    topic: str,
    summary: str,
    name: str = "",
    phone: str = "",
    corner: Corner | None = None,
    commune: Commune | None = None,
    person: Person | None = None,
    personal_id: str = "",
    token: QueueToken | None = None,
    appointment: Appointment | None = None,
    assigned_to: User | None = None,
    request: HttpRequest | None = None,
    via: str = "web",
) -> Case:
    """Open a case at a corner (or in a commune), from a queue token, an appointment, a phone
    call or from scratch.

    The person is linked to the registry when known (given, found by ID number, or the only
    person of the commune with that phone number) and must live in the case's commune; an
    unknown person is served with a name and a phone number only. The due time comes from the
    topic's service-level target. A helper who opens a case is assigned to it.
    """
    if token is not None:
        if QueueToken.objects.filter(pk=token.pk, case__isnull=False).exists():
            raise _error(
                None,
                f"Số thứ tự {token.number} đã có một yêu cầu; hãy mở yêu cầu đó.",
                f"Ticket {token.number} already has a case; open that one.",
            )
        corner = token.corner
        name = name or token.name
        phone = phone or token.phone
        person = person or token.person
        topic = topic or token.topic
        appointment = appointment or token.appointment
    if appointment is not None:
        corner = corner or appointment.corner
        name = name or appointment.name
        phone = phone or appointment.phone
        person = person or appointment.person
        topic = topic or appointment.topic
    if corner is not None:
        commune = corner.commune
    if commune is None:
        raise _error(
            "corner", "Hãy chọn điểm hỗ trợ.", "Choose the corner where the person is served."
        )
    _require_can_act(actor, commune.pk)
    _check_choice(
        "channel", channel, Channel, "Hãy chọn cách người dân liên hệ.", "Choose the channel."
    )
    _check_choice("topic", topic, Topic, "Hãy chọn việc cần làm.", "Choose the topic.")
    summary = _clean_text(
        "summary",
        summary,
        "Hãy ghi ngắn gọn người dân cần gì.",
        "Write in a few words what the person needs.",
    )
    phone = _normalised_phone(phone)
    person = _find_person(commune=commune, person=person, personal_id=personal_id, phone=phone)
    name = nfc(name or "").strip() or (person.full_name if person else "")
    if not name:
        raise _error(
            "name",
            "Hãy nhập tên người cần hỗ trợ (có thể chỉ là tên gọi).",
            "Enter the person's name (a first name is enough).",
        )
    if not phone and person is not None and person.phone:
        phone = person.phone
    if assigned_to is None and actor.role == Role.HELPER:
        assigned_to = actor
    now = timezone.now()
    try:
        with transaction.atomic():
            case = Case.objects.create(
                commune=commune,
                corner=corner,
                person=person,
                name=name[:150],
                phone=phone,
                channel=channel,
                topic=topic,
                summary=summary,
                token=token,
                appointment=appointment,
                opened_by=actor,
                assigned_to=assigned_to,
                opened_at=now,
                due_at=now + timedelta(hours=target_hours(topic)),
            )
    except IntegrityError:
        # Two helpers opened a case for the same ticket at the same moment.
        raise _error(
            None,
            "Số thứ tự này vừa có người mở yêu cầu; hãy tải lại trang.",
            "Someone has just opened a case for this ticket; reload the page.",
        ) from None
    if token is not None and token.status in (
        QueueToken.Status.WAITING,
        QueueToken.Status.CALLED,
    ):
        corner_services.token_status_set(
            token=token, status=QueueToken.Status.SERVING, by=actor, request=request, via=via
        )
    _audit(case, actor, AuditEntry.Action.CREATE, request=request, via=via, topic=topic)
    if person is not None:
        _audit_person_link(person, actor, case, request, via)
    return case


@transaction.atomic
def case_person_link(
    *,
    case: Case,
    actor: User,
    person: Person | None = None,
    personal_id: str = "",
    request: HttpRequest | None = None,
    via: str = "web",
) -> Case:
    """Link a case to the registry person it is for (found by the helper, or by ID number)."""
    _require_can_act(actor, case.commune_id)
    if person is None and not personal_id.strip():
        raise _error(
            "personal_id",
            "Hãy nhập số định danh 12 chữ số hoặc chọn một người trong danh sách.",
            "Enter the 12-digit ID number or choose a person from the list.",
        )
    found = _find_person(commune=case.commune, person=person, personal_id=personal_id, phone="")
    assert found is not None
    Case.objects.filter(pk=case.pk).update(person=found, name=found.full_name[:150])
    case.person, case.name = found, found.full_name[:150]
    if not case.phone and found.phone:
        Case.objects.filter(pk=case.pk).update(phone=found.phone)
        case.phone = found.phone
    _audit(case, actor, AuditEntry.Action.UPDATE, request=request, via=via, person=found.pk)
    _audit_person_link(found, actor, case, request, via)
    return case


@transaction.atomic
def case_assign(
    *, case: Case, actor: User, helper: User | None, request: HttpRequest | None = None
) -> Case:
    """Give the case to a helper of its commune (None: to nobody, for the team to pick up)."""
    _require_can_act(actor, case.commune_id)
    if helper is not None and not (
        helper.is_active
        and helper.role == Role.HELPER
        and helper.communes.filter(code=case.commune_id).exists()
    ):
        raise _error(
            "helper",
            "Chỉ giao được cho thành viên tổ công nghệ số của xã này.",
            "A case can only be given to a team member of its commune.",
        )
    Case.objects.filter(pk=case.pk).update(assigned_to=helper)
    case.assigned_to = helper
    label = (helper.full_name or helper.username) if helper else "—"
    _action(case, actor, CaseAction.Kind.STATUS, f"Giao cho / assigned to: {label}")
    _audit(
        case,
        actor,
        AuditEntry.Action.UPDATE,
        request=request,
        assigned_to=getattr(helper, "pk", None),
    )
    return case


# Consent -------------------------------------------------------------------------------------

CONSENT_LABEL_VI = {
    Case.ConsentMethod.PAPER: "ký giấy",
    Case.ConsentMethod.VERBAL: "nói trước mặt thành viên tổ",
    Case.ConsentMethod.ONLINE: "tự xác nhận trực tuyến",
}


@transaction.atomic
def case_consent_record(
    *,
    case: Case,
    actor: User,
    method: str,
    request: HttpRequest | None = None,
    via: str = "web",
) -> Case:
    """Record that the person agrees to the helper acting on their behalf for this case."""
    _require_can_act(actor, case.commune_id)
    _require_not_closed(case)
    _check_choice(
        "method",
        method,
        Case.ConsentMethod,
        "Hãy chọn cách người dân đồng ý (ký giấy, nói trực tiếp hoặc trực tuyến).",
        "Choose how the person gave consent (paper form, spoken, or online).",
    )
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(
        consent_method=method, consent_at=now, consent_recorded_by=actor, consent_withdrawn_at=None
    )
    case.consent_method, case.consent_at, case.consent_withdrawn_at = method, now, None
    case.consent_recorded_by = actor
    _action(
        case,
        actor,
        CaseAction.Kind.CONSENT,
        f"Đồng ý cho làm thay ({CONSENT_LABEL_VI[method]}) / consent to act on their behalf "
        f"({method})",
    )
    _audit(
        case,
        actor,
        AuditEntry.Action.UPDATE,
        request=request,
        via=via,
        on_behalf=True,
        consent=method,
    )
    return case


@transaction.atomic
def case_consent_withdraw(
    *, case: Case, actor: User, request: HttpRequest | None = None, via: str = "web"
) -> Case:
    """The person withdraws their consent; nothing more may be done on their behalf."""
    _require_can_act(actor, case.commune_id)
    if not case.has_consent:
        return case
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(consent_withdrawn_at=now)
    case.consent_withdrawn_at = now
    _action(
        case,
        actor,
        CaseAction.Kind.CONSENT,
        "Người dân rút lại sự đồng ý / the person withdrew consent",
    )
    _audit(case, actor, AuditEntry.Action.UPDATE, request=request, via=via, consent="withdrawn")
    return case


def _consent_missing(case: Case) -> ValidationError:
    return _error(
        "kind",
        f"Chưa có sự đồng ý của {_done_for(case)} để làm thay. Hãy hỏi người dân và ghi nhận sự "
        "đồng ý (ký giấy, nói trực tiếp hoặc trực tuyến) trước, hoặc hướng dẫn để họ tự làm.",
        f"{_done_for(case)} has not consented to you acting on their behalf. Ask them and "
        "record their consent (paper form, spoken, or online) first, or guide them to do it "
        "themselves.",
    )


# Actions -------------------------------------------------------------------------------------


@transaction.atomic
def case_action_add(
    *,
    case: Case,
    actor: User,
    kind: str,
    description: str,
    minutes: int = 0,
    request: HttpRequest | None = None,
    via: str = "web",
) -> CaseAction:
    """Record one thing done in a case, stamped "done by <actor> for <person>".

    An action done on behalf of the person is refused unless the case holds their consent.
    """
    _require_can_act(actor, case.commune_id)
    case = _reload(case)
    _require_not_closed(case)
    if kind not in MANUAL_ACTION_KINDS:
        raise _error("kind", "Hãy chọn loại việc đã làm.", "Choose what kind of action it was.")
    if kind == CaseAction.Kind.ON_BEHALF and not case.has_consent:
        raise _consent_missing(case)
    description = _clean_text(
        "description",
        description,
        "Hãy ghi ngắn gọn đã làm gì.",
        "Write in a few words what was done.",
    )
    minutes = int(minutes or 0)
    if not 0 <= minutes <= MAX_ACTION_MINUTES:
        raise _error(
            "minutes",
            f"Số phút phải từ 0 đến {MAX_ACTION_MINUTES}.",
            f"Minutes must be between 0 and {MAX_ACTION_MINUTES}.",
        )
    action = _action(case, actor, kind, description, minutes)
    if minutes:
        Case.objects.filter(pk=case.pk).update(minutes_spent=F("minutes_spent") + minutes)
    _audit(
        case,
        actor,
        AuditEntry.Action.UPDATE,
        request=request,
        via=via,
        on_behalf=kind == CaseAction.Kind.ON_BEHALF,
        kind=kind,
        minutes=minutes,
    )
    return action


@transaction.atomic
def case_status_set(
    *, case: Case, actor: User, status: str, request: HttpRequest | None = None, via: str = "web"
) -> Case:
    """Put a case on hold while waiting for the person (a document, a code), or resume it."""
    _require_can_act(actor, case.commune_id)
    _require_not_closed(case)
    if status not in (Case.Status.OPEN, Case.Status.WAITING):
        raise _error(
            "status",
            "Chỉ chuyển được giữa “đang xử lý” và “chờ người dân”.",
            "A case can only move between open and waiting for the person.",
        )
    if case.status == status:
        return case
    Case.objects.filter(pk=case.pk).update(status=status)
    before, case.status = case.status, status
    _action(case, actor, CaseAction.Kind.STATUS, f"{before} → {status}")
    _audit(case, actor, AuditEntry.Action.UPDATE, request=request, via=via, status=status)
    return case


# Attachments ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileKind:
    kind: str  # Attachment.Kind
    content_type: str
    extension: str


_IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"mp41", b"mp42", b"isom", b"iso2", b"3gp4", b"3gp5", b"3gp6"}


def sniff_audio(head: bytes) -> FileKind | None:
    """The audio format a file starts with (Ogg/Opus, MP3, M4A/AAC, WAV, AMR, WebM), or None.

    Zalo and Android voice recorders save M4A or AMR; browsers record Ogg or WebM with Opus.
    """
    if head.startswith(b"OggS"):
        return FileKind(Attachment.Kind.AUDIO, "audio/ogg", ".ogg")
    if head.startswith(b"#!AMR"):
        return FileKind(Attachment.Kind.AUDIO, "audio/amr", ".amr")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return FileKind(Attachment.Kind.AUDIO, "audio/wav", ".wav")
    if head[4:8] == b"ftyp" and head[8:12] in _M4A_BRANDS:
        return FileKind(Attachment.Kind.AUDIO, "audio/mp4", ".m4a")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return FileKind(Attachment.Kind.AUDIO, "audio/webm", ".webm")
    if head.startswith(b"ID3"):
        return FileKind(Attachment.Kind.AUDIO, "audio/mpeg", ".mp3")
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        layer = (head[1] >> 1) & 0x03
        if layer == 0:  # an ADTS frame: raw AAC
            return FileKind(Attachment.Kind.AUDIO, "audio/aac", ".aac")
        return FileKind(Attachment.Kind.AUDIO, "audio/mpeg", ".mp3")
    return None


def _sniff_image(upload: IO[bytes]) -> FileKind | None:
    from PIL import Image, UnidentifiedImageError

    upload.seek(0)
    try:
        with Image.open(upload) as image:
            found = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)
    if found not in _IMAGE_FORMATS:
        return None
    content_type, extension = _IMAGE_FORMATS[found]
    return FileKind(Attachment.Kind.IMAGE, content_type, extension)


def check_upload(upload: Any, *, audio_only: bool = False) -> FileKind:
    """What an uploaded file really is, from its content (never its name or declared type).

    Refuses files larger than HELP_ATTACHMENT_MAX_BYTES and anything that is not a photo
    (JPEG, PNG, WebP) or a voice note, with a message saying what to do instead.
    """
    limit = int(settings.HELP_ATTACHMENT_MAX_BYTES)
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise _error(
            "file", "Tệp đang trống; hãy chọn lại tệp.", "The file is empty; choose it again."
        )
    if size > limit:
        mb = f"{limit / 1024 / 1024:.0f}"
        raise _error(
            "file",
            f"Tệp nặng {size / 1024 / 1024:.1f} MB, quá giới hạn {mb} MB. Hãy chụp ảnh với độ "
            "phân giải thấp hơn, hoặc ghi âm ngắn hơn.",
            f"The file is {size / 1024 / 1024:.1f} MB, over the {mb} MB limit. Take the photo "
            "at a lower resolution, or record a shorter voice note.",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    found = sniff_audio(head)
    if found is None and not audio_only:
        found = _sniff_image(upload)
    if found is None:
        if audio_only:
            raise _error(
                "audio",
                "Tệp này không phải bản ghi âm (Ogg, MP3, M4A, WAV, AMR). Hãy ghi âm lại bằng "
                "điện thoại, hoặc gõ câu hỏi.",
                "This file is not a voice recording (Ogg, MP3, M4A, WAV, AMR). Record again "
                "with the phone, or type the question.",
            )
        raise _error(
            "file",
            "Chỉ nhận ảnh (JPEG, PNG, WebP) hoặc ghi âm (Ogg, MP3, M4A, WAV, AMR). Tệp này "
            "không phải loại đó: hãy chụp lại giấy tờ hoặc ghi âm lại bằng điện thoại.",
            "Only photos (JPEG, PNG, WebP) and voice notes (Ogg, MP3, M4A, WAV, AMR) are "
            "accepted. This file is neither: photograph the document or record the note again "
            "with the phone.",
        )
    return found


def _stored_file(upload: Any, kind: FileKind) -> ContentFile:
    # A random name: even a misconfigured server that publishes MEDIA_ROOT reveals nothing.
    upload.seek(0)
    return ContentFile(upload.read(), name=f"{uuid.uuid4().hex}{kind.extension}")


@transaction.atomic
def attachment_add(
    *,
    case: Case,
    actor: User,
    upload: Any,
    description: str = "",
    request: HttpRequest | None = None,
    via: str = "web",
) -> Attachment:
    """Attach a photo of a document or a voice note to a case, after checking its content."""
    _require_can_act(actor, case.commune_id)
    _require_not_closed(case)
    kind = check_upload(upload)
    attachment = Attachment(
        case=case,
        kind=kind.kind,
        content_type=kind.content_type,
        size=int(upload.size),
        description=nfc(description or "").strip()[:255],
        uploaded_by=actor,
    )
    stored = _stored_file(upload, kind)
    attachment.file.save(stored.name, stored, save=False)
    try:
        attachment.save()
    except Exception:
        # Nothing half-written: a row that could not be stored leaves no file behind.
        attachment.file.storage.delete(attachment.file.name)
        raise
    _audit(
        case,
        actor,
        AuditEntry.Action.CREATE,
        request=request,
        via=via,
        attachment=attachment.pk,
        kind=kind.kind,
    )
    return attachment


def case_view_record(
    *, case: Case, actor: User, request: HttpRequest | None = None, via: str = "web"
) -> None:
    """Opening a case (who the person is, what they need, what was done) is audited."""
    _audit(case, actor, AuditEntry.Action.VIEW, request=request, via=via)


def attachment_view_record(
    *, attachment: Attachment, actor: User, request: HttpRequest | None = None
) -> None:
    """Opening a photo of a document or a voice note goes to the audit log."""
    _audit(
        attachment.case,
        actor,
        AuditEntry.Action.VIEW,
        request=request,
        attachment=attachment.pk,
    )


# Referrals -----------------------------------------------------------------------------------


@transaction.atomic
def referral_create(
    *,
    case: Case,
    actor: User,
    agency: str,
    reason: str,
    request: HttpRequest | None = None,
    via: str = "web",
) -> Referral:
    """Send the case to another agency; the case waits for the agency's answer."""
    _require_can_act(actor, case.commune_id)
    _require_not_closed(case)
    agency = _clean_text(
        "agency",
        agency,
        "Hãy ghi tên cơ quan nhận (ví dụ: Bảo hiểm xã hội, Công an xã).",
        "Name the agency (e.g. Social Insurance, commune police).",
        limit=200,
    )
    reason = _clean_text(
        "reason",
        reason,
        "Hãy ghi lý do chuyển.",
        "Say why the case is referred.",
    )
    now = timezone.now()
    referral = Referral.objects.create(
        case=case, agency=agency, reason=reason, referred_by=actor, referred_at=now
    )
    Case.objects.filter(pk=case.pk).update(status=Case.Status.REFERRED)
    case.status = Case.Status.REFERRED
    _action(case, actor, CaseAction.Kind.REFERRAL, f"→ {agency}: {reason}")
    _audit(case, actor, AuditEntry.Action.UPDATE, request=request, via=via, referral=referral.pk)
    return referral


@transaction.atomic
def referral_status_set(
    *,
    referral: Referral,
    actor: User,
    status: str,
    note: str = "",
    request: HttpRequest | None = None,
    via: str = "web",
) -> Referral:
    """Record what came of a referral (closing the loop). When no referral of the case waits
    any more, the case is open again for the helper to close with its outcome."""
    case = referral.case
    _require_can_act(actor, case.commune_id)
    _check_choice(
        "status",
        status,
        Referral.Status,
        "Hãy chọn kết quả chuyển tuyến.",
        "Choose what came of the referral.",
    )
    now = timezone.now()
    Referral.objects.filter(pk=referral.pk).update(
        status=status, status_at=now, status_by=actor, note=nfc(note or "").strip()[:500]
    )
    referral.status, referral.status_at, referral.status_by = status, now, actor
    label = Referral.Status(status).label
    _action(case, actor, CaseAction.Kind.REFERRAL, f"{referral.agency}: {label}")
    waiting = Referral.objects.filter(case=case, status=Referral.Status.PENDING).exists()
    if case.status == Case.Status.REFERRED and not waiting:
        Case.objects.filter(pk=case.pk).update(status=Case.Status.OPEN)
        case.status = Case.Status.OPEN
    _audit(case, actor, AuditEntry.Action.UPDATE, request=request, via=via, referral_status=status)
    return referral


# Closing and feedback ------------------------------------------------------------------------

FEEDBACK_CHANNELS = (Channel.SMS, Channel.ZALO)


def _link(link_base: str, path: str) -> str:
    return f"{link_base.rstrip('/')}{path}" if link_base else path


@transaction.atomic
def case_close(
    *,
    case: Case,
    actor: User,
    outcome: str,
    minutes: int = 0,
    note: str = "",
    feedback_channel: str = "",
    link_base: str = "",
    request: HttpRequest | None = None,
    via: str = "web",
) -> Case:
    """Close a case with its outcome, and ask the person for feedback by SMS or Zalo.

    "Done on behalf of the person" needs their consent. The feedback message carries a short
    link with the case code; it leaves through the outbox once the closing commits.
    """
    _require_can_act(actor, case.commune_id)
    given, case = case, _reload(case)
    _require_not_closed(case)
    _check_choice("outcome", outcome, Case.Outcome, "Hãy chọn kết quả.", "Choose the outcome.")
    if outcome in ON_BEHALF_OUTCOMES and not case.consent_method:
        raise _consent_missing(case)
    minutes = int(minutes or 0)
    if not 0 <= minutes <= MAX_ACTION_MINUTES:
        raise _error(
            "minutes",
            f"Số phút phải từ 0 đến {MAX_ACTION_MINUTES}.",
            f"Minutes must be between 0 and {MAX_ACTION_MINUTES}.",
        )
    if feedback_channel and feedback_channel not in FEEDBACK_CHANNELS:
        raise _error(
            "feedback_channel",
            "Chỉ hỏi ý kiến qua SMS hoặc Zalo.",
            "Feedback is asked by SMS or Zalo.",
        )
    if feedback_channel and not case.phone:
        raise _error(
            "feedback_channel",
            "Yêu cầu này không có số điện thoại: hãy hỏi ý kiến ngay trên máy của bạn, hoặc "
            "không hỏi.",
            "This case has no phone number: ask for feedback on your phone now, or not at all.",
        )
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(
        status=Case.Status.CLOSED,
        outcome=outcome,
        closed_at=now,
        minutes_spent=F("minutes_spent") + minutes,
    )
    case.status, case.outcome, case.closed_at = Case.Status.CLOSED, outcome, now
    case.minutes_spent += minutes
    for name in ("status", "outcome", "closed_at", "minutes_spent"):
        setattr(given, name, getattr(case, name))
    token = QueueToken.objects.filter(
        pk=case.token_id, status__in=[QueueToken.Status.CALLED, QueueToken.Status.SERVING]
    ).first()
    if token is not None:
        # The person's turn at the counter ends with their case.
        corner_services.token_status_set(
            token=token, status=QueueToken.Status.DONE, by=actor, request=request, via=via
        )
    appointment = Appointment.objects.filter(
        pk=case.appointment_id,
        status__in=[Appointment.Status.BOOKED, Appointment.Status.ARRIVED],
    ).first()
    if appointment is not None:
        # A phone or home-visit appointment is over when its case is.
        corner_services.appointment_status_set(
            appointment=appointment,
            status=Appointment.Status.DONE,
            by=actor,
            request=request,
            via=via,
        )
    label = Case.Outcome(outcome).label
    description = f"Đóng / closed: {label}" + (f" — {nfc(note).strip()}" if note.strip() else "")
    _action(case, actor, CaseAction.Kind.STATUS, description, minutes)
    if feedback_channel:
        code = case_code(case)
        url = _link(link_base, reverse("help:feedback", args=[code]))
        corner = case.corner.name if case.corner else "Làng Số"
        notify.message_queue(
            channel=feedback_channel,
            recipient=case.phone,
            body=(
                f"{corner} cảm ơn bạn. Việc của bạn có được giúp không? Trả lời tại {url} "
                f"(mã {code})."
            ),
        )
    _audit(
        case,
        actor,
        AuditEntry.Action.UPDATE,
        request=request,
        via=via,
        outcome=outcome,
        feedback_channel=feedback_channel,
    )
    return case


@transaction.atomic
def case_reopen(
    *, case: Case, actor: User, reason: str, request: HttpRequest | None = None, via: str = "web"
) -> Case:
    """Open a closed case again (the problem came back, or it was closed by mistake)."""
    _require_can_act(actor, case.commune_id)
    if case.status != Case.Status.CLOSED:
        return case
    reason = _clean_text(
        "reason", reason, "Hãy ghi lý do mở lại.", "Say why the case is reopened.", limit=255
    )
    Case.objects.filter(pk=case.pk).update(status=Case.Status.OPEN, outcome="", closed_at=None)
    case.status, case.outcome, case.closed_at = Case.Status.OPEN, "", None
    _action(case, actor, CaseAction.Kind.STATUS, f"Mở lại / reopened: {reason}")
    _audit(
        case,
        actor,
        AuditEntry.Action.UPDATE,
        request=request,
        via=via,
        reason=reason,
        reopened=True,
    )
    return case


@transaction.atomic
def case_did_alone_mark(
    *, case: Case, actor: User, request: HttpRequest | None = None, via: str = "web"
) -> Case:
    """Mark that the person later did this kind of task without help: the goal of teaching."""
    _require_can_act(actor, case.commune_id)
    if _reload(case).status != Case.Status.CLOSED:
        raise _error(
            None,
            "Chỉ đánh dấu “lần sau tự làm được” cho yêu cầu đã đóng.",
            "Only a closed case can be marked “did it alone next time”.",
        )
    now = timezone.now()
    marked = Case.objects.filter(pk=case.pk, did_alone_at__isnull=True).update(
        did_alone_at=now, did_alone_marked_by=actor
    )
    if marked:
        case.did_alone_at, case.did_alone_marked_by = now, actor
        _audit(case, actor, AuditEntry.Action.UPDATE, request=request, via=via, did_alone=True)
    return case


@transaction.atomic
def feedback_record(
    *,
    case: Case,
    helpful: bool,
    channel: str,
    comment: str = "",
    actor: User | None = None,
    request: HttpRequest | None = None,
    via: str = "web",
) -> Feedback:
    """The person's two-option feedback on a closed case (once), with an optional comment."""
    if case.status != Case.Status.CLOSED:
        raise _error(
            None,
            "Chỉ nhận ý kiến sau khi yêu cầu đã xong.",
            "Feedback is given once the case is closed.",
        )
    _check_choice("channel", channel, Channel, "Kênh không hợp lệ.", "Unknown channel.")
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                case=case,
                helpful=bool(helpful),
                comment=nfc(comment or "").strip()[:500],
                channel=channel,
            )
    except IntegrityError:
        raise _error(
            None,
            "Đã nhận ý kiến cho yêu cầu này rồi. Cảm ơn bạn!",
            "Feedback for this case has already been received. Thank you!",
        ) from None
    _audit(case, actor, AuditEntry.Action.CREATE, request=request, via=via, helpful=bool(helpful))
    return feedback


# Questions from the knowledge site -------------------------------------------------------------


def question_corner(commune: Commune) -> Corner | None:
    """The corner that answers a commune's questions: one offering that service, else any
    open corner of the commune."""
    corners = Corner.objects.filter(commune=commune, is_active=True).order_by("pk")
    offering = corners.filter(
        pk__in=CornerService.objects.filter(topic=Topic.KNOWLEDGE_QUESTION).values("corner")
    ).first()
    return offering or corners.first()


@transaction.atomic
def question_ask(
    *,
    commune: Commune,
    name: str,
    phone: str,
    text: str = "",
    audio: Any = None,
    article: Any = None,
    asked_by: User | None = None,
    link_base: str = "",
    request: HttpRequest | None = None,
    via: str = "web",
) -> Case:
    """A citizen (or a helper for them) asks a question by text or voice with a phone number.

    It becomes a case of topic "question" at the corner of the person's commune; the person
    gets an SMS with the case code to read the answer later.
    """
    # A team member or officer writes questions down for the people of their own communes;
    # anyone else (a citizen, an employer) asks for themselves, wherever they live.
    staff = asked_by if asked_by is not None and asked_by.is_authenticated else None
    if staff is not None and staff.role in (Role.HELPER, Role.COMMUNE_OFFICER):
        _require_can_act(staff, commune.pk)
    phone = _normalised_phone(phone, required=True)
    text = nfc(text or "").strip()
    kind = check_upload(audio, audio_only=True) if audio else None
    if not text and kind is None:
        raise _error(
            "text",
            "Hãy gõ câu hỏi, hoặc ghi âm câu hỏi.",
            "Type your question, or record it.",
        )
    name = nfc(name or "").strip()
    person = _find_person(commune=commune, person=None, personal_id="", phone=phone)
    name = name or (person.full_name if person else "")
    if not name:
        raise _error(
            "name", "Hãy cho biết tên của bạn.", "Tell us your name (a first name is enough)."
        )
    now = timezone.now()
    case = Case(
        commune=commune,
        corner=question_corner(commune),
        person=person,
        name=name[:150],
        phone=phone,
        channel=Channel.ONLINE,
        topic=Topic.KNOWLEDGE_QUESTION,
        summary=text or "(câu hỏi ghi âm / recorded question)",
        article=article,
        opened_by=staff,
        opened_at=now,
        due_at=now + timedelta(hours=target_hours(Topic.KNOWLEDGE_QUESTION)),
    )
    if kind is not None:
        stored = _stored_file(audio, kind)
        case.question_audio.save(stored.name, stored, save=False)
    case.save()
    code = case_code(case)
    url = _link(link_base, reverse("help:ask_answer") + f"?code={code}")
    notify.message_queue(
        channel=Channel.SMS,
        recipient=phone,
        body=(
            f"Làng Số đã nhận câu hỏi của bạn, mã {code}. Khi có trả lời chúng tôi sẽ nhắn tin; "
            f"bạn cũng xem được tại {url}"
        ),
    )
    _audit(case, staff, AuditEntry.Action.CREATE, request=request, via=via, question=True)
    return case


def question_audio_view_record(
    *, case: Case, actor: User, request: HttpRequest | None = None
) -> None:
    _audit(case, actor, AuditEntry.Action.VIEW, request=request, question_audio=True)


@transaction.atomic
def question_answer(
    *,
    case: Case,
    actor: User,
    answer: str,
    channel: str = Channel.SMS,
    close: bool = True,
    link_base: str = "",
    request: HttpRequest | None = None,
    via: str = "web",
) -> Case:
    """Answer a person's question: the answer is kept on the case, sent by SMS or Zalo through
    the outbox, and shown on the site to whoever has the phone number and the case code."""
    _require_can_act(actor, case.commune_id)
    _require_not_closed(case)
    answer = _clean_text("answer", answer, "Hãy viết câu trả lời.", "Write the answer.")
    if channel not in FEEDBACK_CHANNELS:
        raise _error("channel", "Hãy chọn SMS hoặc Zalo.", "Choose SMS or Zalo.")
    if not case.phone:
        raise _error(
            "answer",
            "Yêu cầu này không có số điện thoại để gửi câu trả lời; hãy gọi hoặc gặp người dân.",
            "This case has no phone number to send the answer to; call or meet the person.",
        )
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(answer=answer, answered_at=now)
    case.answer, case.answered_at = answer, now
    code = case_code(case)
    url = _link(link_base, reverse("help:ask_answer") + f"?code={code}")
    short = answer if len(answer) <= MAX_ANSWER_SMS else answer[: MAX_ANSWER_SMS - 1] + "…"
    notify.message_queue(
        channel=channel,
        recipient=case.phone,
        body=f"Trả lời câu hỏi {code}: {short} Xem đầy đủ: {url}",
    )
    _action(case, actor, CaseAction.Kind.MESSAGE, f"Trả lời qua {channel} / answered: {answer}")
    _audit(case, actor, AuditEntry.Action.UPDATE, request=request, via=via, answered=True)
    if close:
        case_close(case=case, actor=actor, outcome=Case.Outcome.DONE, request=request, via=via)
        case.refresh_from_db()
    return case


def question_lookup(*, code: str, phone: str, request: HttpRequest | None = None) -> Case | None:
    """The question a person asked, found by its case code and their phone number; None when
    either does not match (the caller says so without telling which)."""
    pk = case_pk_from_code(code)
    try:
        normalised = phone_lib.normalise(phone)
    except phone_lib.PhoneError:
        return None
    if pk is None:
        return None
    case = Case.objects.select_related("corner", "commune").filter(pk=pk, phone=normalised).first()
    if case is not None:
        _audit(case, None, AuditEntry.Action.VIEW, request=request, lookup="phone+code")
    return case


@transaction.atomic
def answer_to_faq(*, case: Case, actor: User, request: HttpRequest | None = None) -> Any:
    """Turn a question and its answer into a draft FAQ article of the case's commune, in one
    step; the knowledge base's own review and publication apply from there."""
    from knowledge import services as knowledge_services
    from knowledge.permissions import EDITOR_ROLES

    if actor.role not in EDITOR_ROLES:
        raise PermissionDenied
    _require_can_act(actor, case.commune_id)
    if not case.answer.strip():
        raise _error(
            None,
            "Yêu cầu này chưa có câu trả lời để đưa vào hỏi đáp.",
            "This case has no answer to turn into an FAQ entry yet.",
        )
    question = case.summary.strip().splitlines()[0][:200] if case.summary.strip() else ""
    if not question or question.startswith("(câu hỏi ghi âm"):
        raise _error(
            None,
            "Câu hỏi chỉ có ghi âm: hãy ghi lại câu hỏi bằng chữ trong phần tóm tắt trước.",
            "The question is a recording only: write it down in the summary first.",
        )
    article = knowledge_services.article_create(
        actor=actor,
        title=question,
        summary=case.answer.strip()[:500],
        body=case.answer.strip(),
        topic=KNOWLEDGE_TOPIC_OF.get(case.topic, "digital"),
        phrasings=[question],
        commune=case.commune_id,
        request=request,
    )
    _action(
        case,
        actor,
        CaseAction.Kind.NOTE,
        f"Đã tạo bản nháp hỏi đáp / FAQ draft created: {article.title} (#{article.pk})",
    )
    return article


def people_lookup_record(
    *, actor: User, case: Case, count: int, request: HttpRequest | None = None
) -> None:
    """A search of the registry from a case goes to the audit log (what was found, not the
    query: it may be an ID number)."""
    audit_record(
        actor=actor,
        action=AuditEntry.Action.VIEW,
        object_type="person_search",
        object_id=case.pk,
        object_label=f"help case #{case.pk}",
        commune_code=case.commune_id,
        request=request,
        details={"results": count},
    )

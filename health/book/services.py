"""Writes to the health book: carers, conditions, medications, allergies, vaccinations, care
plans with goals, and home visits.

Callers check access first (health.permissions.require_health_access, and the worker-only rule
of health.book.access); every function here writes in one transaction and leaves an audit
entry, and every read of a book goes through book_view_record. Messages about bad input say in
Vietnamese first, then English, what is wrong and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AuditEntry, Role, User
from accounts.services import audit_record
from health.book import icd10
from health.models import (
    Allergy,
    CareGoal,
    CarePlan,
    Carer,
    Condition,
    HomeVisit,
    Medication,
    Vaccination,
)
from lib import phone as phone_lib
from people.models import Person

M = TypeVar("M", bound=Model)

# Home visits are generated this far ahead of today, so the next visit is always on the list.
VISIT_HORIZON_DAYS = 31


def _audit(
    person: Person,
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object = "",
    label: str = "",
    request: HttpRequest | None = None,
    via: str = "web",
    details: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    """One audit entry about a person's health data, placed in their commune.

    The label names the person only: the audit log is read by administrators, who must not
    learn the diagnosis from it.
    """
    acting_for_other = actor is None or actor.pk != person.user_id
    audit_record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=label or person.full_name,
        commune_code=person.commune_id,
        on_behalf_of=person.full_name if acting_for_other else "",
        request=request,
        via=via,
        details=details,
        reason=reason,
    )


def _invalid(field: str, vi: str, en: str) -> ValidationError:
    return ValidationError({field: f"{vi} / {en}"})


def _not_future(field: str, day: date | None) -> None:
    if day is not None and day > timezone.localdate():
        raise _invalid(
            field,
            "Ngày này ở tương lai; nhập ngày đã xảy ra (dd/mm/yyyy).",
            "This date is in the future; enter a day that has passed (dd/mm/yyyy).",
        )


def _text(value: str, limit: int) -> str:
    return (value or "").strip()[:limit]


def _change(
    entry: Any,
    *,
    person: Person,
    object_type: str,
    fields: dict[str, Any],
    details: dict[str, Any],
    actor: User,
    request: HttpRequest | None,
    only_if: dict[str, Any] | None = None,
) -> None:
    """Write `fields` to one row and audit the change, then reload the row.

    With `only_if` (e.g. "not stopped yet") the row changes only while that still holds, so
    that a repeated click writes and audits nothing.
    """
    updated = type(entry).objects.filter(pk=entry.pk, **(only_if or {})).update(**fields)
    entry.refresh_from_db()
    if updated:
        _audit(
            person,
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            object_type=object_type,
            object_id=entry.pk,
            request=request,
            details=details,
        )


# Reads ------------------------------------------------------------------------------------------


def book_view_record(
    *,
    person: Person,
    actor: User,
    request: HttpRequest | None = None,
    via: str = "web",
    part: str = "book",
) -> None:
    """Every opening of a health book (or a part of it) goes to the audit log."""
    _audit(
        person,
        actor=actor,
        action=AuditEntry.Action.VIEW,
        object_type="health_book",
        object_id=person.pk,
        request=request,
        via=via,
        details={"part": part},
    )


# Carers -----------------------------------------------------------------------------------------


def carer_account_by_phone(phone: str) -> User:
    """The citizen account a carer logs in with, found by its phone number."""
    try:
        normalised = phone_lib.normalise(phone)
    except phone_lib.PhoneError as exc:
        raise _invalid(
            "phone",
            "Số điện thoại không đúng; nhập 10 chữ số, ví dụ 0912 345 678.",
            "The phone number is not right; enter 10 digits, e.g. 0912 345 678.",
        ) from exc
    user = User.objects.filter(phone=normalised, is_active=True).first()
    if user is None or user.role != Role.CITIZEN:
        raise _invalid(
            "phone",
            "Không có tài khoản người dân nào dùng số này. Người chăm sóc cần có tài khoản "
            "(đăng ký tại điểm hỗ trợ chuyển đổi số) rồi thử lại.",
            "No citizen account uses this number. The carer needs an account (ask at a "
            "digital corner) before they can be named.",
        )
    return user


@transaction.atomic
def carer_name(
    *,
    person: Person,
    carer: User,
    relation: str,
    actor: User,
    person_present: bool = False,
    request: HttpRequest | None = None,
) -> Carer:
    """Let `carer` see the person's health book. The person names their carers; a health
    worker may do it for them only while the person is there and agrees (person_present)."""
    relation = _text(relation, 100)
    if not relation:
        raise _invalid(
            "relation",
            "Ghi quan hệ của người chăm sóc với người bệnh (ví dụ: con gái, hàng xóm).",
            "Say how the carer is related to the person (for example: daughter, neighbour).",
        )
    by_self = actor.pk == person.user_id
    if not by_self and not person_present:
        raise _invalid(
            "person_present",
            "Chỉ chỉ định người chăm sóc khi chính người bệnh có mặt và đồng ý.",
            "Name a carer only while the person is present and agrees.",
        )
    if carer.pk == person.user_id:
        raise _invalid(
            "phone",
            "Đây là tài khoản của chính người bệnh; hãy nhập số của người chăm sóc.",
            "This is the person's own account; enter the carer's number.",
        )
    existing = Carer.objects.filter(person=person, user=carer, revoked_at__isnull=True).first()
    if existing is not None:
        return existing
    named = Carer.objects.create(
        person=person, user=carer, relation=relation, named_at=timezone.now(), named_by=actor
    )
    _audit(
        person,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        object_type="health_carer",
        object_id=named.pk,
        request=request,
        details={
            "carer": carer.username,
            "relation": relation,
            "person_present": by_self or person_present,
        },
    )
    return named


@transaction.atomic
def carer_revoke(*, carer: Carer, actor: User, request: HttpRequest | None = None) -> Carer:
    """The carer no longer sees the book, from now on; the record of the naming stays."""
    _change(
        carer,
        person=carer.person,
        object_type="health_carer",
        fields={"revoked_at": timezone.now()},
        details={"carer": carer.user.username, "revoked": True},
        actor=actor,
        request=request,
        only_if={"revoked_at__isnull": True},
    )
    return carer


# Book entries -----------------------------------------------------------------------------------


def _entry_add(
    model: type[M],
    *,
    person: Person,
    actor: User,
    note: str,
    object_type: str,
    request: HttpRequest | None,
    via: str = "web",
    **fields: Any,
) -> M:
    """Add one entry to the person's book, stamped with who recorded it and when, and audit it."""
    entry = model._default_manager.create(
        person=person,
        recorded_by=actor,
        recorded_at=timezone.now(),
        note=_text(note, 500),
        **fields,
    )
    _audit(
        person,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        object_type=object_type,
        object_id=entry.pk,
        request=request,
        via=via,
    )
    return entry


@transaction.atomic
def condition_add(
    *,
    person: Person,
    actor: User,
    icd10_code: str,
    name: str = "",
    clinical_status: str = Condition.ClinicalStatus.ACTIVE,
    onset: date | None = None,
    note: str = "",
    request: HttpRequest | None = None,
    via: str = "web",
) -> Condition:
    """Add a diagnosed condition, coded in ICD-10 (the curated list gives the name)."""
    code = icd10.normalise(icd10_code)
    if not icd10.is_valid(code):
        raise _invalid(
            "icd10",
            f"Mã ICD-10 “{icd10_code}” không đúng dạng; mã gồm một chữ cái và hai chữ số, "
            "ví dụ I10 hoặc E11.9.",
            f"The ICD-10 code “{icd10_code}” is malformed; a code is a letter and two digits, "
            "e.g. I10 or E11.9.",
        )
    known = icd10.lookup(code)
    name = _text(name, 200) or (known.name_vi if known else "")
    if not name:
        raise _invalid(
            "name",
            "Mã này không có trong danh sách thường gặp; hãy ghi tên bệnh.",
            "This code is not on the common list; write the condition's name.",
        )
    if clinical_status not in Condition.ClinicalStatus.values:
        raise _invalid("clinical_status", "Chọn tình trạng bệnh.", "Choose the status.")
    _not_future("onset", onset)
    return _entry_add(
        Condition,
        person=person,
        actor=actor,
        note=note,
        object_type="health_condition",
        request=request,
        via=via,
        icd10=code,
        name=name,
        clinical_status=clinical_status,
        onset=onset,
    )


@transaction.atomic
def condition_status_set(
    *,
    condition: Condition,
    actor: User,
    clinical_status: str,
    abated: date | None = None,
    request: HttpRequest | None = None,
) -> Condition:
    """Mark a condition active again, in remission, or resolved (with the day it ended)."""
    if clinical_status not in Condition.ClinicalStatus.values:
        raise _invalid("clinical_status", "Chọn tình trạng bệnh.", "Choose the status.")
    _not_future("abated", abated)
    if clinical_status == Condition.ClinicalStatus.ACTIVE:
        abated = None
    elif abated is None:
        abated = timezone.localdate()
    if condition.onset and abated and abated < condition.onset:
        raise _invalid(
            "abated",
            "Ngày khỏi bệnh phải sau ngày bắt đầu bệnh.",
            "The day it ended must be after the day it began.",
        )
    _change(
        condition,
        person=condition.person,
        object_type="health_condition",
        fields={"clinical_status": clinical_status, "abated": abated},
        details={"clinical_status": [condition.clinical_status, clinical_status]},
        actor=actor,
        request=request,
    )
    return condition


@transaction.atomic
def medication_add(
    *,
    person: Person,
    actor: User,
    name: str,
    dose: str,
    frequency: str,
    started: date | None = None,
    prescriber: str = "",
    note: str = "",
    request: HttpRequest | None = None,
) -> Medication:
    """Add a medicine the person takes, with its dose and how often."""
    name, dose, frequency = _text(name, 200), _text(dose, 100), _text(frequency, 100)
    if not name or not dose or not frequency:
        raise _invalid(
            "name",
            "Ghi tên thuốc, liều dùng và số lần dùng (ví dụ: Amlodipin, 5 mg, 1 lần mỗi sáng).",
            "Write the medicine, the dose and how often (e.g. Amlodipine, 5 mg, once each "
            "morning).",
        )
    _not_future("started", started)
    return _entry_add(
        Medication,
        person=person,
        actor=actor,
        note=note,
        object_type="health_medication",
        request=request,
        name=name,
        dose=dose,
        frequency=frequency,
        started=started,
        prescriber=_text(prescriber, 150),
    )


@transaction.atomic
def medication_stop(
    *,
    medication: Medication,
    actor: User,
    stopped: date | None = None,
    request: HttpRequest | None = None,
) -> Medication:
    """Record that the person stopped a medicine (today unless another day is given)."""
    stopped = stopped or timezone.localdate()
    _not_future("stopped", stopped)
    if medication.started and stopped < medication.started:
        raise _invalid(
            "stopped",
            "Ngày ngừng thuốc phải sau ngày bắt đầu.",
            "The day it stopped must be after the day it started.",
        )
    _change(
        medication,
        person=medication.person,
        object_type="health_medication",
        fields={"stopped": stopped},
        details={"stopped": stopped.isoformat()},
        actor=actor,
        request=request,
        only_if={"stopped__isnull": True},
    )
    return medication


@transaction.atomic
def allergy_add(
    *,
    person: Person,
    actor: User,
    substance: str,
    severity: str,
    reaction: str = "",
    note: str = "",
    request: HttpRequest | None = None,
) -> Allergy:
    """Add something the person is allergic to."""
    substance = _text(substance, 200)
    if not substance:
        raise _invalid(
            "substance",
            "Ghi chất gây dị ứng (ví dụ: Penicilin, tôm).",
            "Write what the person is allergic to (e.g. penicillin, shrimp).",
        )
    if severity not in Allergy.Severity.values:
        raise _invalid("severity", "Chọn mức độ dị ứng.", "Choose how severe it is.")
    return _entry_add(
        Allergy,
        person=person,
        actor=actor,
        note=note,
        object_type="health_allergy",
        request=request,
        substance=substance,
        reaction=_text(reaction, 200),
        severity=severity,
    )


@transaction.atomic
def vaccination_add(
    *,
    person: Person,
    actor: User,
    vaccine: str,
    given_on: date,
    dose_number: int | None = None,
    place: str = "",
    lot: str = "",
    note: str = "",
    request: HttpRequest | None = None,
) -> Vaccination:
    """Add a vaccination the person received."""
    vaccine = _text(vaccine, 200)
    if not vaccine:
        raise _invalid(
            "vaccine",
            "Ghi tên vắc xin (ví dụ: Cúm mùa, Uốn ván).",
            "Write the vaccine (e.g. seasonal influenza, tetanus).",
        )
    _not_future("given_on", given_on)
    return _entry_add(
        Vaccination,
        person=person,
        actor=actor,
        note=note,
        object_type="health_vaccination",
        request=request,
        vaccine=vaccine,
        dose_number=dose_number,
        given_on=given_on,
        place=_text(place, 200),
        lot=_text(lot, 50),
    )


# Care plans, goals and home visits ----------------------------------------------------------------


def _check_plan_dates(starts_on: date, ends_on: date | None, every: int | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise _invalid(
            "ends_on",
            "Ngày kết thúc phải sau ngày bắt đầu.",
            "The end date must be after the start date.",
        )
    if every is not None and not 1 <= every <= 365:
        raise _invalid(
            "visit_every_days",
            "Số ngày giữa hai lần thăm phải từ 1 đến 365 (ví dụ 14).",
            "The days between visits must be from 1 to 365 (e.g. 14).",
        )


@transaction.atomic
def care_plan_create(
    *,
    person: Person,
    actor: User,
    title: str,
    starts_on: date,
    ends_on: date | None = None,
    visit_every_days: int | None = None,
    goals: list[str] | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> CarePlan:
    """Start a care plan with its goals; home visits are scheduled every `visit_every_days`."""
    title = _text(title, 200)
    if not title:
        raise _invalid(
            "title",
            "Đặt tên cho kế hoạch chăm sóc (ví dụ: Kiểm soát huyết áp).",
            "Give the care plan a title (e.g. Blood pressure control).",
        )
    _check_plan_dates(starts_on, ends_on, visit_every_days)
    plan = _entry_add(
        CarePlan,
        person=person,
        actor=actor,
        note=note,
        object_type="health_care_plan",
        request=request,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        visit_every_days=visit_every_days,
    )
    CareGoal.objects.bulk_create(
        [CareGoal(plan=plan, description=_text(g, 300)) for g in goals or [] if g.strip()]
    )
    home_visits_schedule(plan=plan)
    return plan


@transaction.atomic
def care_plan_status_set(
    *, plan: CarePlan, actor: User, status: str, request: HttpRequest | None = None
) -> CarePlan:
    """Complete or cancel a plan (or make it active again). Its future scheduled visits are
    cancelled when it ends, and scheduled again when it is made active."""
    if status not in CarePlan.Status.values:
        raise _invalid("status", "Chọn tình trạng của kế hoạch.", "Choose the plan's status.")
    today = timezone.localdate()
    fields: dict[str, Any] = {"status": status}
    if status != CarePlan.Status.ACTIVE and (plan.ends_on is None or plan.ends_on > today):
        fields["ends_on"] = max(today, plan.starts_on)
    _change(
        plan,
        person=plan.person,
        object_type="health_care_plan",
        fields=fields,
        details={"status": [plan.status, status]},
        actor=actor,
        request=request,
    )
    if status != CarePlan.Status.ACTIVE:
        HomeVisit.objects.filter(
            plan=plan, status=HomeVisit.Status.SCHEDULED, due_on__gt=today
        ).update(status=HomeVisit.Status.CANCELLED)
    else:
        home_visits_schedule(plan=plan)
    return plan


@transaction.atomic
def care_goal_add(
    *,
    plan: CarePlan,
    actor: User,
    description: str,
    due_on: date | None = None,
    request: HttpRequest | None = None,
) -> CareGoal:
    """Add a goal to a care plan (e.g. "blood pressure below 140/90 by March")."""
    description = _text(description, 300)
    if not description:
        raise _invalid(
            "description",
            "Ghi mục tiêu (ví dụ: Huyết áp dưới 140/90).",
            "Write the goal (e.g. blood pressure below 140/90).",
        )
    goal = CareGoal.objects.create(plan=plan, description=description, due_on=due_on)
    _audit(
        plan.person,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        object_type="health_care_goal",
        object_id=goal.pk,
        request=request,
    )
    return goal


@transaction.atomic
def care_goal_status_set(
    *, goal: CareGoal, actor: User, status: str, request: HttpRequest | None = None
) -> CareGoal:
    """Mark a goal achieved, not achieved, or in progress again."""
    if status not in CareGoal.Status.values:
        raise _invalid("status", "Chọn kết quả của mục tiêu.", "Choose the goal's outcome.")
    _change(
        goal,
        person=goal.plan.person,
        object_type="health_care_goal",
        fields={"status": status},
        details={"status": [goal.status, status]},
        actor=actor,
        request=request,
    )
    return goal


def _visit_days(plan: CarePlan, today: date) -> list[date]:
    """The plan's visit days that should exist by now: every `visit_every_days` from its
    start, up to VISIT_HORIZON_DAYS ahead (and at least the next one), never after its end.
    Days more than one interval in the past are left alone: a plan entered late does not
    fill the list with visits nobody could still make."""
    every = plan.visit_every_days
    if not every or plan.status != CarePlan.Status.ACTIVE:
        return []
    last = today + timedelta(days=max(VISIT_HORIZON_DAYS, every))
    if plan.ends_on is not None:
        last = min(last, plan.ends_on)
    days = []
    day = plan.starts_on
    if day < today - timedelta(days=every):
        skipped = (today - timedelta(days=every) - day).days // every + 1
        day = day + timedelta(days=skipped * every)
    while day <= last:
        days.append(day)
        day += timedelta(days=every)
    return days


@transaction.atomic
def home_visits_schedule(*, plan: CarePlan, today: date | None = None) -> int:
    """Create the plan's missing scheduled visits; safe to run again (it adds nothing then),
    and safe to run twice at once: the database holds one visit per plan and day, and a run
    that finds the day taken meanwhile keeps the visit the other run added.

    Returns how many visits this run added.
    """
    today = today or timezone.localdate()
    days = _visit_days(plan, today)
    if not days:
        return 0
    have = set(
        HomeVisit.objects.filter(plan=plan, due_on__in=days).values_list("due_on", flat=True)
    )
    missing = [day for day in days if day not in have]
    if not missing:
        return 0
    try:
        with transaction.atomic():
            HomeVisit.objects.bulk_create(
                [HomeVisit(person_id=plan.person_id, plan=plan, due_on=day) for day in missing]
            )
    except IntegrityError:
        # Another run added some of these days meanwhile: add the others one at a time.
        return sum(
            HomeVisit.objects.get_or_create(
                plan=plan, due_on=day, defaults={"person_id": plan.person_id}
            )[1]
            for day in missing
        )
    return len(missing)


def home_visits_schedule_all(*, today: date | None = None) -> int:
    """Schedule the visits of every active plan (the daily run); returns how many were added."""
    added = 0
    plans = CarePlan.objects.filter(
        status=CarePlan.Status.ACTIVE, visit_every_days__isnull=False
    ).iterator()
    for plan in plans:
        added += home_visits_schedule(plan=plan, today=today)
    return added


@transaction.atomic
def home_visit_add(
    *,
    person: Person,
    actor: User,
    due_on: date,
    plan: CarePlan | None = None,
    request: HttpRequest | None = None,
) -> HomeVisit:
    """Schedule one extra home visit (outside a plan's rhythm)."""
    if due_on < timezone.localdate() - timedelta(days=365):
        raise _invalid(
            "due_on",
            "Ngày thăm quá xa trong quá khứ; nhập ngày trong năm nay.",
            "The visit date is too far in the past; enter a date within the last year.",
        )
    visit = HomeVisit.objects.create(person=person, plan=plan, due_on=due_on, worker=actor)
    _audit(
        person,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        object_type="health_home_visit",
        object_id=visit.pk,
        request=request,
    )
    return visit


@transaction.atomic
def home_visit_record(
    *,
    visit: HomeVisit,
    actor: User,
    status: str,
    findings: str = "",
    advice: str = "",
    done_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> HomeVisit:
    """Record what happened: the visit was done (with findings and advice given), missed, or
    cancelled. The plan's next visits are scheduled."""
    if status not in (
        HomeVisit.Status.DONE,
        HomeVisit.Status.MISSED,
        HomeVisit.Status.CANCELLED,
    ):
        raise _invalid(
            "status",
            "Chọn kết quả: đã thăm, không gặp được, hoặc huỷ.",
            "Choose what happened: visited, missed, or cancelled.",
        )
    findings, advice = (findings or "").strip(), (advice or "").strip()
    fields: dict[str, Any] = {"status": status, "worker": actor}
    if status == HomeVisit.Status.DONE:
        if not findings:
            raise _invalid(
                "findings",
                "Ghi những gì bạn thấy khi thăm (tình trạng, chỉ số đo, vấn đề).",
                "Write what you found at the visit (condition, readings, problems).",
            )
        done_at = done_at or timezone.now()
        if done_at > timezone.now() + timedelta(minutes=5):
            raise _invalid(
                "done_at",
                "Thời điểm thăm ở tương lai; nhập thời điểm đã thăm.",
                "The visit time is in the future; enter when the visit took place.",
            )
        fields.update(done_at=done_at, findings=findings, advice=advice)
    else:
        fields.update(findings=findings, advice=advice)
    _change(
        visit,
        person=visit.person,
        object_type="health_home_visit",
        fields=fields,
        details={"status": [visit.status, status]},
        actor=actor,
        request=request,
    )
    if visit.plan is not None:
        home_visits_schedule(plan=visit.plan)
    return visit


# FHIR exchange ------------------------------------------------------------------------------------


def fhir_bundle_export(
    *, person: Person, actor: User, request: HttpRequest | None = None, via: str = "api"
) -> dict[str, Any]:
    """The person's book as a FHIR R4 Bundle; the export is audited."""
    from health.book import fhir
    from health.book.selectors import current_disabilities
    from health.models import Reading

    today = timezone.localdate()
    visits = list(
        HomeVisit.objects.filter(person=person).select_related("worker").order_by("due_on", "id")
    )
    data = fhir.bundle(
        person=person,
        conditions=list(Condition.objects.filter(person=person).order_by("id")),
        disabilities=current_disabilities(person, today),
        readings=list(Reading.objects.filter(person=person).order_by("measured_at", "id")),
        plans=list(CarePlan.objects.filter(person=person).prefetch_related("goals").order_by("id")),
        visits=visits,
        now=timezone.now(),
        allergies=list(Allergy.objects.filter(person=person).order_by("id")),
        vaccinations=list(Vaccination.objects.filter(person=person).order_by("id")),
        medications=list(Medication.objects.filter(person=person).order_by("id")),
        identifier_system=settings.LANGSO_FHIR_IDENTIFIER_SYSTEM,
    )
    _audit(
        person,
        actor=actor,
        action=AuditEntry.Action.EXPORT,
        object_type="health_book",
        object_id=person.pk,
        request=request,
        via=via,
        details={"format": "fhir-r4", "entries": len(data["entry"])},
    )
    return data


@dataclass
class ImportReport:
    """What an import did, per kind of resource: added, updated, unchanged, rejected."""

    person: Person
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        row = self.counts.setdefault(
            kind, {"added": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        )
        row[outcome] += n

    @property
    def added(self) -> int:
        return sum(row["added"] for row in self.counts.values())


def _refuse_import(vi: str, en: str) -> ValidationError:
    return ValidationError(f"{vi} / {en}")


@transaction.atomic
def fhir_bundle_import(*, data: Any, actor: User, via: str = "cli") -> ImportReport:
    """Add to a person's book what a FHIR R4 Bundle holds and the book lacks.

    Safe to repeat: conditions are matched by ICD-10 code and onset, care plans by title and
    start, goals by their text, visits by their due day, readings by their identifier or by kind
    and time of measurement, so importing the same bundle twice adds nothing. Refused as a whole
    (nothing written) for a bundle that is not valid FHIR, a person unknown to the registry, a
    person without consent, or an importer who is not a health worker of the person's commune.
    Readings go through the monitoring ingestion, so their checks apply and refused ones are
    kept with their reason.
    """
    from health.book import fhir
    from health.models import Reading
    from health.monitoring.services import Sender, readings_ingest
    from health.permissions import ConsentMissing, has_health_consent, relation_to
    from lib import personal_id as pid_lib

    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise _refuse_import(
            'Tệp không phải là một Bundle FHIR (resourceType phải là "Bundle").',
            'The file is not a FHIR Bundle (resourceType must be "Bundle").',
        )
    try:
        fhir.validate(data)
        parsed = fhir.parse(
            data,
            # The configured system first (named in the refusal), then the platform's own ones.
            (
                settings.LANGSO_FHIR_IDENTIFIER_SYSTEM,
                fhir.PERSONAL_ID_SYSTEM,
                *fhir.OLD_PERSONAL_ID_SYSTEMS,
            ),
        )
    except fhir.FhirError as exc:
        raise _refuse_import(exc.message_vi, exc.message_en) from None
    person = (
        Person.objects.select_related("commune")
        .filter(personal_id=parsed.personal_id, merged_into__isnull=True)
        .first()
    )
    masked = pid_lib.mask(parsed.personal_id)
    if person is None:
        raise _refuse_import(
            f"Không có ai mang số định danh {masked} trong sổ hộ tịch của tỉnh; hãy kiểm tra "
            "số trong tệp hoặc nhập người này vào sổ trước.",
            f"Nobody with the personal ID number {masked} is in the province's registry; check "
            "the number in the file or add the person to the registry first.",
        )
    if not has_health_consent(person):
        raise _refuse_import(ConsentMissing.message_vi, ConsentMissing.message_en)
    if relation_to(actor, person) != "worker":
        raise _refuse_import(
            f"{actor.username} không phải nhân viên y tế của xã nơi người này sống; hãy nhập "
            "bằng tài khoản của nhân viên y tế xã đó (--user).",
            f"{actor.username} is not a health worker of this person's commune; import as a "
            "health worker of that commune (--user).",
        )
    report = ImportReport(person=person, skipped=parsed.skipped)
    now = timezone.now()

    for item in parsed.conditions:
        code = icd10.normalise(item["icd10"])
        exists = Condition.objects.filter(person=person, icd10=code, onset=item["onset"]).exists()
        if exists:
            report.count("Condition", "unchanged")
            continue
        if not icd10.is_valid(code):
            report.count("Condition", "rejected")
            report.problems.append(f"Condition {code}: mã ICD-10 sai / malformed ICD-10 code")
            continue
        known = icd10.lookup(code)
        Condition.objects.create(
            person=person,
            recorded_by=actor,
            recorded_at=now,
            note=_text(item["note"], 500),
            icd10=code,
            name=_text(item["name"], 200) or (known.name_vi if known else code),
            clinical_status=item["clinical_status"],
            onset=item["onset"],
            abated=item["abated"],
        )
        report.count("Condition", "added")

    plans_by_key: dict[Any, CarePlan] = {}
    for item in parsed.plans:
        if item["starts_on"] is None or not item["title"]:
            report.count("CarePlan", "rejected")
            report.problems.append(
                "CarePlan: thiếu tên hoặc ngày bắt đầu / a care plan without title or start"
            )
            continue
        plan = CarePlan.objects.filter(
            person=person, title=_text(item["title"], 200), starts_on=item["starts_on"]
        ).first()
        if plan is None:
            plan = CarePlan.objects.create(
                person=person,
                recorded_by=actor,
                recorded_at=now,
                note=_text(item["note"], 500),
                title=_text(item["title"], 200),
                status=item["status"],
                starts_on=item["starts_on"],
                ends_on=item["ends_on"],
                visit_every_days=item["visit_every_days"],
            )
            report.count("CarePlan", "added")
        else:
            report.count("CarePlan", "unchanged")
        have = set(plan.goals.values_list("description", flat=True))
        for goal in item["goals"]:
            description = _text(goal["description"], 300)
            if description and description not in have:
                CareGoal.objects.create(
                    plan=plan, description=description, status=goal["status"], due_on=goal["due_on"]
                )
                have.add(description)
        plans_by_key[item["key"]] = plan

    for item in parsed.visits:
        if item["due_on"] is None:
            report.count("Encounter", "rejected")
            report.problems.append("Encounter: thiếu ngày / a visit without a date")
            continue
        visit = HomeVisit.objects.filter(person=person, due_on=item["due_on"]).first()
        done_at = item["done_at"]
        fields = {
            "status": item["status"],
            "findings": item["findings"],
            "advice": item["advice"],
            "done_at": datetime.fromisoformat(done_at) if done_at else None,
        }
        if visit is None:
            HomeVisit.objects.create(
                person=person,
                plan=plans_by_key.get(item["plan_key"]),
                due_on=item["due_on"],
                **fields,
            )
            report.count("Encounter", "added")
        elif visit.status == HomeVisit.Status.SCHEDULED and item["status"] != "scheduled":
            HomeVisit.objects.filter(pk=visit.pk).update(**fields)
            report.count("Encounter", "updated")
        else:
            report.count("Encounter", "unchanged")

    _import_entries(parsed, person, actor, now, report)

    items = []
    for item in parsed.readings:
        local = item["local_id"]
        if local.isdigit() and Reading.objects.filter(pk=int(local), person=person).exists():
            report.count("Observation", "unchanged")
            continue
        measured_at = _parse_moment(item["measured_at"])
        if (
            measured_at is not None
            and Reading.objects.filter(
                person=person, kind=item["kind"], measured_at=measured_at
            ).exists()
        ):
            report.count("Observation", "unchanged")
            continue
        items.append(
            {
                "person": person,
                "kind": item["kind"],
                "value": item["value"],
                "value2": item["value2"],
                "unit": item["unit"],
                "context": item["context"],
                "measured_at": measured_at,
                "client_id": item["client_id"],
            }
        )
    if items:
        results = readings_ingest(items=items, sender=Sender(user=actor, via=via))
        for result in results:
            if result.status in ("accepted", "flagged"):
                report.count("Observation", "added")
            elif result.status == "duplicate":
                report.count("Observation", "unchanged")
            else:
                report.count("Observation", "rejected")
                report.problems.append(f"Observation: {result.message} / {result.message_en}")

    audit_record(
        actor=actor,
        action=AuditEntry.Action.IMPORT,
        object_type="health_book",
        object_id=person.pk,
        object_label=person.full_name,
        commune_code=person.commune_id,
        on_behalf_of=person.full_name,
        via=via,
        details={"format": "fhir-r4", "counts": report.counts},
    )
    return report


def _import_entries(
    parsed: Any, person: Person, actor: User, now: datetime, report: ImportReport
) -> None:
    """Allergies, vaccinations and medicines of an import, each matched by its natural key."""
    base = {"person": person, "recorded_by": actor, "recorded_at": now}
    for item in parsed.allergies:
        substance = _text(item["substance"], 200)
        if not substance:
            report.count("AllergyIntolerance", "rejected")
            continue
        if Allergy.objects.filter(person=person, substance=substance).exists():
            report.count("AllergyIntolerance", "unchanged")
            continue
        Allergy.objects.create(
            **base,
            substance=substance,
            reaction=_text(item["reaction"], 200),
            severity=item["severity"],
            note=_text(item["note"], 500),
        )
        report.count("AllergyIntolerance", "added")
    for item in parsed.vaccinations:
        vaccine = _text(item["vaccine"], 200)
        if not vaccine or item["given_on"] is None or item["status"] not in ("", "completed"):
            report.count("Immunization", "rejected")
            continue
        if Vaccination.objects.filter(
            person=person, vaccine=vaccine, given_on=item["given_on"]
        ).exists():
            report.count("Immunization", "unchanged")
            continue
        Vaccination.objects.create(
            **base,
            vaccine=vaccine,
            given_on=item["given_on"],
            dose_number=item["dose_number"],
            place=_text(item["place"], 200),
            lot=_text(item["lot"], 50),
            note=_text(item["note"], 500),
        )
        report.count("Immunization", "added")
    for item in parsed.medications:
        name = _text(item["name"], 200)
        if not name:
            report.count("MedicationStatement", "rejected")
            continue
        if Medication.objects.filter(person=person, name=name, started=item["started"]).exists():
            report.count("MedicationStatement", "unchanged")
            continue
        Medication.objects.create(
            **base,
            name=name,
            dose=_text(item["dose"], 100),
            frequency=_text(item["frequency"], 100),
            started=item["started"],
            stopped=item["stopped"],
            prescriber=_text(item["prescriber"], 150),
            note=_text(item["note"], 500),
        )
        report.count("MedicationStatement", "added")


def _parse_moment(text: Any) -> datetime | None:
    if isinstance(text, datetime):
        return text
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None

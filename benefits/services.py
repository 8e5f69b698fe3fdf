"""Writes of the benefits app: eligibility runs that append decisions, the case workflow
(proposed -> reviewed -> approved -> suspended / ended) and monthly payment lists.

Every workflow step is a conditional UPDATE on the case's current status (so that two officers
acting at once cannot both move it), one CaseTransition row and one audit entry, in one
transaction. Refusals raise WorkflowError with a Vietnamese and an English message.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_record
from benefits import batch, selectors
from benefits.models import (
    OPEN_CASE_STATUSES,
    Case,
    CaseStatus,
    CaseTransition,
    Decision,
    DecisionStatus,
    EligibilityRun,
    EndReason,
    FuneralClaim,
    FuneralDocument,
    PaymentLine,
    PaymentList,
    PaymentListKind,
    PaymentListStatus,
)
from benefits.rules import POLICY_DIR
from benefits.rules.loader import PolicyError, parameter_values
from lib import personal_id as personal_id_lib
from lib import phone as phone_lib
from lib.money import format_vnd
from lib.personal_id import mask
from lib.vn_text import nfc
from people.models import Person


def eligibility_run_create(*, day: date, actor: User | None = None) -> EligibilityRun:
    """Evaluate every policy in force on `day` for everyone living in the registry.

    Set-based (benefits.batch): every policy is evaluated in one pass over the registry's facts,
    and a decision is appended only where the outcome differs from the current one (status,
    amount, a condition, the rule version or the commune). Everything happens in one
    transaction, so a failed run leaves the previous decisions as they were. Decisions take
    effect from the first day of the month evaluated. A person and policy without any decision
    has never been found eligible (or in need of information): the first "ineligible" is not
    written, so that a province's run stores entitlements rather than millions of refusals.
    """
    policies = selectors.policy_set()
    province = selectors.province_code()
    in_force = [p for p in policies.policies if p.in_force_on(day)]
    if not in_force:
        raise PolicyError(str(POLICY_DIR), 0, f"no policy is in force on {day}")
    # Every parameter is looked up before anything is written: a gap refuses the whole run.
    params = {p.id: parameter_values(p, policies, day, province) for p in in_force}
    with transaction.atomic():
        run = EligibilityRun.objects.create(
            day=day, province_code=province, actor=actor, started_at=timezone.now()
        )
        outcome = batch.decisions_append(
            run_id=run.pk,
            started_at=run.started_at,
            policies=policies,
            in_force=in_force,
            params=params,
            day=day,
            dialect=selectors.dialect(),
        )
        EligibilityRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(),
            persons=outcome.persons,
            written=sum(v["written"] for v in outcome.summary.values()),
            summary=outcome.summary,
        )
        run.refresh_from_db()
        cases_flag_for_review(run=run)
    return run


# --- the case workflow -----------------------------------------------------------------------


class WorkflowError(Exception):
    """A workflow step that may not be taken, with why in Vietnamese and English."""

    def __init__(self, code: str, message_vi: str, message_en: str) -> None:
        super().__init__(f"{message_vi} / {message_en}")
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en


def _refuse_not_officer() -> WorkflowError:
    return WorkflowError(
        "not_allowed",
        "Chỉ cán bộ xã phụ trách xã này mới làm được bước này.",
        "Only an officer of this commune may take this step.",
    )


def _refuse_not_chairman() -> WorkflowError:
    return WorkflowError(
        "chairman_required",
        "Bước này do Chủ tịch UBND xã quyết định (Nghị định 147/2025); hãy chuyển cho Chủ tịch xã.",
        "The chairman of the commune decides this step (Decree 147/2025); pass it to the chairman.",
    )


def _need_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(
            "reason_required",
            "Hãy ghi lý do; lý do được lưu trong lịch sử hồ sơ.",
            "Write the reason; it is kept in the case's history.",
        )
    return reason[:500]


def _audit_case(
    case: Case,
    *,
    actor: User | None,
    action: str,
    reason: str,
    details: dict[str, Any],
    request: HttpRequest | None,
    via: str,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="benefits.case",
        object_id=case.pk,
        object_label=f"{case.policy_id} {mask(case.person.personal_id or '')}",
        commune_code=case.commune_id,
        reason=reason,
        request=request,
        via=via,
        details=details,
    )


def _transition(
    case: Case,
    *,
    actor: User | None,
    action: str,
    allowed_from: tuple[str, ...],
    to_status: str,
    reason: str = "",
    fields: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    via: str = "web",
) -> Case:
    """Move a case if it is still in one of `allowed_from`, log the step and audit it."""
    now = timezone.now()
    from_status = case.status
    if from_status not in allowed_from:
        raise WorkflowError(
            "wrong_status",
            f"Hồ sơ đang ở trạng thái «{CaseStatus(from_status).label}», không thể làm bước "
            "này; hãy tải lại trang.",
            f"The case is {CaseStatus(from_status).label.lower()}; this step is not possible. "
            "Reload the page.",
        )
    changes = {"status": to_status, "updated_at": now, **(fields or {})}
    moved = Case.objects.filter(pk=case.pk, status=from_status).update(**changes)
    if not moved:
        raise WorkflowError(
            "conflict",
            "Hồ sơ vừa được người khác thay đổi; hãy tải lại trang và thử lại.",
            "Someone else changed the case just now; reload the page and try again.",
        )
    for name, value in changes.items():
        setattr(case, name, value)
    CaseTransition.objects.create(
        case=case,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        actor_label=(actor.full_name or actor.username) if actor else "",
        reason=reason,
        at=now,
    )
    _audit_case(
        case,
        actor=actor,
        action="update",
        reason=reason,
        details={"step": action, "from": from_status, "to": to_status},
        request=request,
        via=via,
    )
    return case


def _monthly_policy_ids() -> set[str]:
    return {p.id for p in selectors.policy_set().policies if p.kind == "cash"}


def _one_off_policy_ids() -> set[str]:
    return {p.id for p in selectors.policy_set().policies if p.kind == "one_off"}


def _check_proposable(decision: Decision) -> None:
    if decision.policy_id not in _monthly_policy_ids():
        raise WorkflowError(
            "not_monthly",
            "Chính sách này không chi trả hằng tháng nên không lập hồ sơ chi trả.",
            "This policy is not paid monthly, so no payment case is opened for it.",
        )
    latest = (
        Decision.objects.filter(person_id=decision.person_id, policy_id=decision.policy_id)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    if decision.status != DecisionStatus.ELIGIBLE or latest != decision.pk:
        raise WorkflowError(
            "not_eligible",
            "Chỉ lập hồ sơ từ kết quả xét mới nhất có kết luận đủ điều kiện.",
            "A case is opened only from the latest decision, and only when it is eligible.",
        )


@transaction.atomic
def case_propose(
    *,
    decision: Decision,
    actor: User,
    reason: str = "",
    request: HttpRequest | None = None,
    via: str = "web",
) -> Case:
    """Open a case from an eligible decision, with its amount and start month."""
    from benefits.permissions import can_work_on_cases

    if not can_work_on_cases(actor, decision.commune_id):
        raise _refuse_not_officer()
    _check_proposable(decision)
    if Case.objects.filter(
        person_id=decision.person_id, policy_id=decision.policy_id, status__in=OPEN_CASE_STATUSES
    ).exists():
        raise WorkflowError(
            "already_open",
            "Người này đã có hồ sơ đang xử lý cho chính sách này.",
            "This person already has an open case for this policy.",
        )
    return _case_open(
        decision,
        actor,
        note=reason,
        details={"step": "propose", "decision": decision.pk},
        request=request,
        via=via,
    )


def _case_open(
    decision: Decision,
    actor: User,
    *,
    note: str,
    details: dict[str, Any],
    request: HttpRequest | None,
    via: str,
    start_month: date | None = None,
) -> Case:
    """A proposed case from a decision, its first step and its audit entry."""
    case = _case_new(decision, actor)
    if start_month is not None:
        case.start_month = start_month
    case.save()
    _first_step(case, actor, note.strip()[:500])
    _audit_case(
        case, actor=actor, action="create", reason=note, details=details, request=request, via=via
    )
    return case


def _case_new(decision: Decision, actor: User) -> Case:
    now = timezone.now()
    return Case(
        person_id=decision.person_id,
        commune_id=decision.commune_id,
        policy_id=decision.policy_id,
        status=CaseStatus.PROPOSED,
        monthly_amount=decision.monthly_amount or 0,
        start_month=decision.effective_from.replace(day=1),
        decision=decision,
        proposed_by=actor,
        created_at=now,
        updated_at=now,
    )


def _first_step(case: Case, actor: User, reason: str) -> CaseTransition:
    return CaseTransition.objects.create(
        case=case,
        action="propose",
        from_status="",
        to_status=CaseStatus.PROPOSED,
        actor=actor,
        actor_label=actor.full_name or actor.username,
        reason=reason,
        details={"decision": case.decision_id, "amount": case.monthly_amount},
        at=case.created_at,
    )


@transaction.atomic
def cases_propose_eligible(
    *,
    commune_code: int,
    actor: User,
    request: HttpRequest | None = None,
    via: str = "web",
) -> list[Case]:
    """Open a case for every newly eligible person of a commune: every current eligible
    decision of a monthly policy without an open case. One audit entry for the batch."""
    from benefits.permissions import can_work_on_cases

    if not can_work_on_cases(actor, commune_code):
        raise _refuse_not_officer()
    decisions = list(selectors.proposable_decisions([commune_code]))
    cases = Case.objects.bulk_create([_case_new(d, actor) for d in decisions])
    if not cases[:1] or cases[0].pk is None:  # backends without RETURNING on bulk insert
        cases = list(
            Case.objects.filter(decision__in=decisions, status=CaseStatus.PROPOSED).order_by("id")
        )
    label = actor.full_name or actor.username
    CaseTransition.objects.bulk_create(
        CaseTransition(
            case=case,
            action="propose",
            from_status="",
            to_status=CaseStatus.PROPOSED,
            actor=actor,
            actor_label=label,
            details={"decision": case.decision_id, "amount": case.monthly_amount},
            at=case.created_at,
        )
        for case in cases
    )
    if cases:
        audit_record(
            actor=actor,
            action="create",
            object_type="benefits.case",
            object_label=f"{len(cases)}",
            commune_code=commune_code,
            request=request,
            via=via,
            details={"step": "propose_all", "cases": [c.pk for c in cases][:1000]},
        )
    return cases


def _step(
    case: Case,
    *,
    actor: User,
    by: str,
    action: str,
    allowed_from: tuple[str, ...],
    to_status: str,
    reason: str,
    fields: dict[str, Any] | None = None,
    four_eyes: tuple[str, str] | None = None,
    request: HttpRequest | None,
    via: str,
) -> Case:
    """A workflow step taken `by` an officer or the chairman of the case's commune; with
    `four_eyes` (why, in Vietnamese and English) the officer who proposed may not take it."""
    from benefits.permissions import can_approve, can_work_on_cases

    if by == "chairman" and not can_approve(actor, case.commune_id):
        raise _refuse_not_chairman()
    if by == "officer" and not can_work_on_cases(actor, case.commune_id):
        raise _refuse_not_officer()
    if four_eyes and case.proposed_by_id == actor.pk:
        raise WorkflowError("four_eyes", *four_eyes)
    return _transition(
        case,
        actor=actor,
        action=action,
        allowed_from=allowed_from,
        to_status=to_status,
        reason=reason,
        fields=fields,
        request=request,
        via=via,
    )


@transaction.atomic
def case_review(
    *, case: Case, actor: User, note: str = "", request: HttpRequest | None = None, via: str = "web"
) -> Case:
    """A second commune officer checks the papers and confirms the proposal (four eyes)."""
    return _step(
        case,
        actor=actor,
        by="officer",
        action="review",
        allowed_from=(CaseStatus.PROPOSED,),
        to_status=CaseStatus.REVIEWED,
        reason=note.strip()[:500],
        fields={"reviewed_by": actor},
        four_eyes=(
            "Người đề xuất không được tự thẩm định hồ sơ của mình; hãy nhờ một cán bộ khác.",
            "The officer who proposed a case may not review it; ask another officer.",
        ),
        request=request,
        via=via,
    )


@transaction.atomic
def case_approve(
    *, case: Case, actor: User, note: str = "", request: HttpRequest | None = None, via: str = "web"
) -> Case:
    """The chairman of the commune grants the allowance (Decree 147/2025 Art. 5(1))."""
    return _step(
        case,
        actor=actor,
        by="chairman",
        action="approve",
        allowed_from=(CaseStatus.REVIEWED,),
        to_status=CaseStatus.APPROVED,
        reason=note.strip()[:500],
        fields={"approved_by": actor},
        four_eyes=(
            "Người đề xuất không được tự phê duyệt hồ sơ của mình.",
            "The officer who proposed a case may not approve it.",
        ),
        request=request,
        via=via,
    )


@transaction.atomic
def case_suspend(
    *, case: Case, actor: User, reason: str, request: HttpRequest | None = None, via: str = "web"
) -> Case:
    """Stop paying for now (not collected for 3 months, detention, refused re-assessment)."""
    return _step(
        case,
        actor=actor,
        by="chairman",
        action="suspend",
        allowed_from=(CaseStatus.APPROVED,),
        to_status=CaseStatus.SUSPENDED,
        reason=_need_reason(reason),
        request=request,
        via=via,
    )


@transaction.atomic
def case_resume(
    *, case: Case, actor: User, reason: str, request: HttpRequest | None = None, via: str = "web"
) -> Case:
    """Pay a suspended case again from the next payment list."""
    return _step(
        case,
        actor=actor,
        by="chairman",
        action="resume",
        allowed_from=(CaseStatus.SUSPENDED,),
        to_status=CaseStatus.APPROVED,
        reason=_need_reason(reason),
        fields={"needs_review": False, "review_reason": ""},
        request=request,
        via=via,
    )


@transaction.atomic
def case_end(
    *,
    case: Case,
    actor: User,
    end_reason: str,
    note: str = "",
    request: HttpRequest | None = None,
    via: str = "web",
) -> Case:
    """End a case for good. Refusing a proposal is an officer's step; ending an approved or
    suspended case is the chairman's (cessation, Decree 147/2025)."""
    if end_reason not in EndReason.values:
        raise WorkflowError(
            "reason_required",
            "Hãy chọn lý do chấm dứt trong danh sách.",
            "Choose why the case ends from the list.",
        )
    granted = case.status in (CaseStatus.APPROVED, CaseStatus.SUSPENDED)
    text = EndReason(end_reason).label
    return _step(
        case,
        actor=actor,
        by="chairman" if granted else "officer",
        action="end",
        allowed_from=OPEN_CASE_STATUSES,
        to_status=CaseStatus.ENDED,
        reason=f"{text}: {note.strip()}"[:500] if note.strip() else str(text),
        fields={"end_reason": end_reason, "needs_review": False},
        request=request,
        via=via,
    )


@transaction.atomic
def case_review_clear(
    *, case: Case, actor: User, note: str, request: HttpRequest | None = None, via: str = "web"
) -> Case:
    """An officer checked a flagged case and keeps it as it is."""
    from benefits.permissions import can_work_on_cases

    if not can_work_on_cases(actor, case.commune_id):
        raise _refuse_not_officer()
    if not case.needs_review:
        return case
    return _step(
        case,
        actor=actor,
        by="officer",
        action="checked",
        allowed_from=OPEN_CASE_STATUSES,
        to_status=case.status,
        reason=_need_reason(note),
        fields={"needs_review": False, "review_reason": ""},
        request=request,
        via=via,
    )


def cases_flag_for_review(*, run: EligibilityRun) -> int:
    """Flag the open cases whose person the run found ineligible, dead, merged or moved, or
    whose amount changed. Nothing is ended: an officer decides. Returns how many were flagged."""
    # A one-off claim is made after the death that ends every decision: nothing to flag.
    open_cases = Case.objects.filter(
        status__in=OPEN_CASE_STATUSES, needs_review=False, policy_id__in=_monthly_policy_ids()
    )
    decisions = Decision.objects.filter(run=run, person_id__in=open_cases.values("person_id")).only(
        "id", "person_id", "policy_id", "status", "commune_id", "monthly_amount", "conditions"
    )
    by_key = {(d.person_id, d.policy_id): d for d in decisions}
    if not by_key:
        return 0
    now = timezone.now()
    flagged = 0
    cases = open_cases.filter(person_id__in={k[0] for k in by_key})
    for case in cases:
        decision = by_key.get((case.person_id, case.policy_id))
        if decision is None:
            continue
        if decision.status != DecisionStatus.ELIGIBLE and not decision.conditions:
            why = "Người này đã mất, đã chuyển đi hoặc hồ sơ đã được gộp (kỳ xét {day})."
        elif decision.status != DecisionStatus.ELIGIBLE:
            why = "Kỳ xét {day} kết luận không còn đủ điều kiện."
        elif decision.commune_id != case.commune_id:
            why = "Người này đã chuyển sang xã khác (kỳ xét {day})."
        elif decision.monthly_amount != case.monthly_amount:
            why = "Mức hưởng theo kỳ xét {day} đã thay đổi: {amount}."
        else:
            continue
        reason = why.format(
            day=run.day.strftime("%d/%m/%Y"), amount=format_vnd(decision.monthly_amount)
        )
        updated = Case.objects.filter(pk=case.pk, needs_review=False).update(
            needs_review=True, review_reason=reason[:255], updated_at=now
        )
        if updated:
            flagged += 1
            CaseTransition.objects.create(
                case=case,
                action="flag",
                from_status=case.status,
                to_status=case.status,
                actor=None,
                reason=reason[:500],
                details={"run": run.pk, "decision": decision.pk},
                at=now,
            )
    return flagged


# --- funeral support claims ------------------------------------------------------------------

FUNERAL_POLICY = "funeral_support"


def _claim_text(value: str, field: str, limit: int) -> str:
    text = " ".join(nfc(value or "").split())
    if not text:
        labels = {
            "arranger_name": (
                "họ tên người tổ chức mai táng",
                "the name of who arranged the funeral",
            ),
            "arranger_relation": ("quan hệ với người đã mất", "their relation to the deceased"),
        }
        vi, en = labels[field]
        raise WorkflowError(f"{field}_required", f"Hãy ghi {vi}.", f"Write {en}.")
    return text[:limit]


@transaction.atomic
def funeral_claim_record(
    *,
    person: Person,
    actor: User,
    arranger_name: str,
    arranger_relation: str,
    arranger_phone: str,
    arranger_personal_id: str = "",
    documents: Iterable[str] = (),
    note: str = "",
    request: HttpRequest | None = None,
    via: str = "web",
) -> Case:
    """Record the funeral support claim of a person who died (Decree 20/2021 Art. 11).

    The person must have a date of death and an eligible funeral-support decision from a run
    on or before that day; the amount is that decision's. The claim is a one-off case, proposed
    by this officer: another officer reviews it, the chairman approves it and it is paid on the
    commune's one-off payment list, to whoever arranged the funeral.
    """
    from benefits.permissions import can_work_on_cases

    if not can_work_on_cases(actor, person.commune_id):
        raise _refuse_not_officer()
    if person.date_of_death is None:
        raise WorkflowError(
            "not_dead",
            "Hồ sơ của người này chưa có ngày mất; hãy cập nhật ngày mất trong hồ sơ cá nhân "
            "trước khi ghi nhận hỗ trợ mai táng.",
            "The person's record has no date of death; record it on the person's page before "
            "the funeral support claim.",
        )
    decision = selectors.funeral_decision(person)
    if decision is None or decision.status != DecisionStatus.ELIGIBLE:
        raise WorkflowError(
            "not_eligible",
            "Theo kết quả xét trước ngày mất, người này không thuộc diện được hỗ trợ chi phí "
            "mai táng.",
            "By the last decision before their death, the person was not eligible for funeral "
            "support.",
        )
    if (
        Case.objects.filter(person_id=person.pk, policy_id=FUNERAL_POLICY)
        .exclude(status=CaseStatus.ENDED)
        .exists()
    ):
        raise WorkflowError(
            "already_open",
            "Đã có đề nghị hỗ trợ mai táng cho người này.",
            "A funeral support claim already exists for this person.",
        )
    name = _claim_text(arranger_name, "arranger_name", 150)
    relation = _claim_text(arranger_relation, "arranger_relation", 60)
    try:
        phone = phone_lib.normalise(arranger_phone or "")
    except phone_lib.PhoneError as exc:
        vi, en = str(exc).split(" / ", 1)
        raise WorkflowError("bad_phone", vi, en) from exc
    number = ""
    if (arranger_personal_id or "").strip():
        try:
            number = personal_id_lib.parse(arranger_personal_id).number
        except personal_id_lib.PersonalIdError as exc:
            raise WorkflowError("bad_personal_id", exc.message_vi, exc.message_en) from exc
    received = sorted(set(documents))
    unknown = [d for d in received if d not in FuneralDocument.values]
    if unknown:
        raise WorkflowError(
            "bad_document",
            "Hãy chọn giấy tờ đã nhận trong danh sách.",
            "Choose the documents received from the list.",
        )
    case = _case_open(
        decision,
        actor,
        note=note,
        details={"step": "funeral_claim", "decision": decision.pk, "documents": received},
        request=request,
        via=via,
        start_month=person.date_of_death.replace(day=1),
    )
    FuneralClaim.objects.create(
        case=case,
        date_of_death=person.date_of_death,
        arranger_name=name,
        arranger_relation=relation,
        arranger_phone=phone,
        arranger_personal_id=number,
        documents=received,
    )
    return case


# --- payment lists ---------------------------------------------------------------------------


LIST_PREFIX = {PaymentListKind.MONTHLY: "DS", PaymentListKind.ONE_OFF: "DS1L"}


def _payees(cases: list[Case], month: date) -> dict[int, tuple[str, str, str]]:
    """(name, personal ID, relation) of who is paid, for the cases not paid to the person: the
    foster carer recorded in the month, or whoever arranged the funeral. Refuses a carer's
    case without a carer."""
    from people.models import SocialFact

    carer_policies = {p.id for p in selectors.policy_set().policies if p.payee == "carer"}
    fostered = [c.person_id for c in cases if c.policy_id in carer_policies]
    payees: dict[int, tuple[str, str, str]] = {}
    if fostered:
        end = selectors.month_end(month)
        facts = (
            SocialFact.objects.filter(
                person_id__in=fostered,
                kind=SocialFact.Kind.FOSTERED,
                value=True,
                carer__isnull=False,
                valid_from__lte=end,
            )
            .exclude(valid_to__lt=month)
            .select_related("carer")
            .order_by("person_id", "valid_from", "id")
        )
        carers = {f.person_id: f.carer for f in facts}  # the latest of the month wins
        for case in cases:
            if case.policy_id not in carer_policies:
                continue
            carer = carers.get(case.person_id)
            if carer is None:
                raise WorkflowError(
                    "no_carer",
                    f"Hồ sơ số {case.pk}: chưa ghi nhận người nhận nuôi dưỡng, chăm sóc; hãy cập "
                    "nhật thông tin xã hội của người được chăm sóc hoặc chấm dứt hồ sơ.",
                    f"Case {case.pk}: no foster carer is recorded; update the social facts of the "
                    "person cared for, or end the case.",
                )
            payees[case.pk] = (carer.full_name, carer.personal_id or "", str(_("foster carer")))
    claims = FuneralClaim.objects.filter(case__in=[c.pk for c in cases])
    for claim in claims:
        payees[claim.case_id] = (
            claim.arranger_name,
            claim.arranger_personal_id,
            claim.arranger_relation,
        )
    return payees


@transaction.atomic
def payment_list_create(
    *,
    commune_code: int,
    month: date,
    actor: User,
    kind: str = PaymentListKind.MONTHLY,
    request: HttpRequest | None = None,
    via: str = "web",
) -> PaymentList:
    """The payment list of a commune for a month.

    A monthly list holds every approved case of a monthly policy (not suspended, ended or
    waiting for review) paid from that month or earlier and not yet on a list of that month. A
    one-off list holds the approved one-off claims (funeral support) never put on a list; its
    amounts never enter a monthly list. Lines paid to someone else than the person (a foster
    carer, whoever arranged a funeral) name them.

    A draft list of the same commune, kind and month is rebuilt; once a list is paid, cases
    approved later go on a supplementary list with the next sequence number.
    """
    from benefits.permissions import can_work_on_cases

    if not can_work_on_cases(actor, commune_code):
        raise _refuse_not_officer()
    if kind not in PaymentListKind.values:
        raise ValueError(f"unknown payment list kind {kind}")
    month = month.replace(day=1)
    lists = PaymentList.objects.filter(commune_id=commune_code, kind=kind, month=month)
    draft = lists.filter(status=PaymentListStatus.DRAFT).order_by("-sequence").first()
    now = timezone.now()
    if draft is not None:
        PaymentLine.objects.filter(payment_list=draft).delete()
        payment_list = draft
    else:
        last = lists.order_by("-sequence").values_list("sequence", flat=True).first()
        sequence = (last or 0) + 1
        payment_list = PaymentList.objects.create(
            commune_id=commune_code,
            kind=kind,
            month=month,
            sequence=sequence,
            number=f"{LIST_PREFIX[kind]}-{commune_code}-{month:%Y%m}-{sequence:02d}",
            created_by=actor,
            created_at=now,
        )
    approved = Case.objects.filter(
        commune_id=commune_code, status=CaseStatus.APPROVED, needs_review=False
    )
    if kind == PaymentListKind.MONTHLY:
        approved = approved.filter(
            policy_id__in=_monthly_policy_ids(), start_month__lte=month
        ).exclude(payments__month=month)
    else:
        approved = approved.filter(policy_id__in=_one_off_policy_ids(), payments__isnull=True)
    cases = list(approved.order_by("id"))
    payees = _payees(cases, month)
    lines = PaymentLine.objects.bulk_create(
        PaymentLine(
            payment_list=payment_list,
            case=case,
            month=month,
            policy_id=case.policy_id,
            amount=case.monthly_amount,
            payee_name=payees.get(case.pk, ("", "", ""))[0],
            payee_personal_id=payees.get(case.pk, ("", "", ""))[1],
            payee_relation=payees.get(case.pk, ("", "", ""))[2][:60],
        )
        for case in cases
    )
    if not lines:
        if kind == PaymentListKind.ONE_OFF:
            raise WorkflowError(
                "nothing_to_pay",
                "Không có đề nghị hỗ trợ một lần (mai táng) nào đã phê duyệt mà chưa vào danh "
                "sách chi trả.",
                "No approved one-off claim (funeral support) is waiting for a payment list.",
            )
        raise WorkflowError(
            "nothing_to_pay",
            f"Không có hồ sơ đã phê duyệt nào chưa được chi trả tháng {month:%m/%Y}.",
            f"No approved case is left to pay for {month:%m/%Y}.",
        )
    total = sum(line.amount for line in lines)
    PaymentList.objects.filter(pk=payment_list.pk).update(
        total=total, created_by=actor, created_at=now
    )
    payment_list.total = total
    audit_record(
        actor=actor,
        action="create",
        object_type="benefits.payment_list",
        object_id=payment_list.pk,
        object_label=payment_list.number,
        commune_code=commune_code,
        request=request,
        via=via,
        details={"month": month.isoformat(), "kind": kind, "lines": len(lines), "total": total},
    )
    return payment_list


@transaction.atomic
def payment_list_mark_paid(
    *,
    payment_list: PaymentList,
    actor: User,
    request: HttpRequest | None = None,
    via: str = "web",
) -> PaymentList:
    """Record that the list was paid: each of its cases is paid for that month; the claims of
    a one-off list are paid and closed."""
    from benefits.permissions import can_work_on_cases

    if not can_work_on_cases(actor, payment_list.commune_id):
        raise _refuse_not_officer()
    now = timezone.now()
    updated = PaymentList.objects.filter(pk=payment_list.pk, status=PaymentListStatus.DRAFT).update(
        status=PaymentListStatus.PAID, paid_by=actor, paid_at=now
    )
    if not updated:
        raise WorkflowError(
            "already_paid",
            "Danh sách này đã được ghi nhận chi trả.",
            "This list is already recorded as paid.",
        )
    payment_list.status, payment_list.paid_by, payment_list.paid_at = (
        PaymentListStatus.PAID,
        actor,
        now,
    )
    label = actor.full_name or actor.username
    one_off = payment_list.kind == PaymentListKind.ONE_OFF
    after = CaseStatus.PAID if one_off else CaseStatus.APPROVED
    if one_off:
        Case.objects.filter(
            pk__in=payment_list.lines.values("case_id"), status=CaseStatus.APPROVED
        ).update(status=CaseStatus.PAID, updated_at=now)
    CaseTransition.objects.bulk_create(
        CaseTransition(
            case_id=line.case_id,
            action="paid",
            from_status=CaseStatus.APPROVED,
            to_status=after,
            actor=actor,
            actor_label=label,
            reason=f"{payment_list.number}: {format_vnd(line.amount)}",
            details={"month": payment_list.month.isoformat(), "list": payment_list.pk},
            at=now,
        )
        for line in payment_list.lines.only("case_id", "amount")
    )
    audit_record(
        actor=actor,
        action="update",
        object_type="benefits.payment_list",
        object_id=payment_list.pk,
        object_label=payment_list.number,
        commune_code=payment_list.commune_id,
        request=request,
        via=via,
        details={"step": "paid", "total": payment_list.total},
    )
    return payment_list


def payment_list_export(
    *,
    payment_list: PaymentList,
    fmt: str,
    actor: User | None,
    request: HttpRequest | None = None,
    via: str = "web",
) -> tuple[bytes, str, str]:
    """The list as CSV, XLSX or PDF with full ID numbers (the payment needs them); audited.

    Returns (content, file name, content type).
    """
    from benefits import exports

    sheet = selectors.payment_sheet(payment_list)
    content, content_type = exports.render(sheet, fmt)
    audit_record(
        actor=actor,
        action="export",
        object_type="benefits.payment_list",
        object_id=payment_list.pk,
        object_label=payment_list.number,
        commune_code=payment_list.commune_id,
        request=request,
        via=via,
        details={"format": fmt, "lines": len(sheet.rows)},
    )
    return content, f"{payment_list.number}.{fmt}", content_type


@transaction.atomic
def approver_set(*, user: User, grant: bool, actor: User | None = None, via: str = "cli") -> None:
    """Give or take the chairman's right to approve cases (permission benefits.approve_case).

    Only a commune officer's account may hold it: the chairman acts in their own commune.
    """
    from django.contrib.auth.models import Permission

    permission = Permission.objects.get(content_type__app_label="benefits", codename="approve_case")
    if grant and user.role != "commune_officer":
        raise WorkflowError(
            "not_allowed",
            "Chỉ tài khoản cán bộ xã mới được giữ quyền phê duyệt của Chủ tịch xã.",
            "Only a commune officer's account may hold the chairman's approval right.",
        )
    if grant:
        user.user_permissions.add(permission)
    else:
        user.user_permissions.remove(permission)
    audit_record(
        actor=actor,
        action="update",
        object_type="accounts.user",
        object_id=user.pk,
        object_label=user.username,
        via=via,
        details={"permission": "benefits.approve_case", "grant": grant},
    )

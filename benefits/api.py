"""JSON API of the benefits app: the public screener, cases and payment lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field

from accounts.api_auth import session_auth, token_or_session
from accounts.permissions import get_commune_for_user
from accounts.services import audit_record
from benefits import permissions, selectors, services
from benefits.exports import payee_text
from benefits.forms import EARLIEST
from lib.personal_id import mask

router = Router(tags=["benefits"])

YesNo = bool | None


class PersonFacts(Schema):
    date_of_birth: dt.date | None = Field(None, description="Full date of birth (YYYY-MM-DD).")
    sex: Literal["male", "female"] | None = None
    ethnic_minority: YesNo = Field(None, description="Belongs to an ethnic minority.")
    disability_level: Literal["none", "mild", "severe", "especially_severe"] | None = Field(
        None, description="Level on the disability certificate; none = no certified disability."
    )
    disability_type: (
        Literal["none", "mobility", "hearing_speech", "visual", "mental", "intellectual", "other"]
        | None
    ) = None
    disability_certified_on: dt.date | None = Field(
        None, description="Date the disability certificate was issued."
    )
    monthly_pension_vnd: int | None = Field(
        None, ge=0, description="Monthly pension or social-insurance benefit in đồng; 0 if none."
    )
    has_supporter: YesNo = Field(None, description="Someone is obliged and able to support them.")
    child_without_care: YesNo = Field(None, description="A child without a source of care.")
    is_studying: YesNo = Field(None, description="In school, vocational training or university.")
    has_hiv: YesNo = Field(None, description="Living with HIV (sensitive: never stored).")
    marital_status: Literal["single", "married", "divorced", "widowed", "separated"] | None = None
    is_pregnant: YesNo = Field(None, description="Pregnant (sensitive: never stored).")
    taken_in_by_community: YesNo = Field(
        None,
        description="An elderly person eligible for a care facility, taken in by someone in "
        "the community.",
    )
    receives_monthly_allowance: YesNo = Field(
        None, description="Already receives a monthly social allowance or the social pension."
    )
    in_foster_care: YesNo = Field(
        None,
        description="Raised and cared for by a foster carer, who receives the care support.",
    )


class HouseholdFacts(Schema):
    poverty_status: Literal["poor", "near_poor", "neither"] | None = None
    household_size: int | None = Field(None, ge=1, le=100)
    lives_alone: YesNo = None
    em_area_commune: YesNo = Field(
        None, description="The commune is in the ethnic-minority and mountainous area."
    )
    region_3_commune: YesNo = Field(None, description="The commune is in region III.")
    em_area_village: YesNo = Field(
        None, description="The village is in the ethnic-minority and mountainous area."
    )
    especially_difficult_village: YesNo = Field(
        None, description="The village is an especially difficult village."
    )
    children_in_household: int | None = Field(
        None,
        ge=0,
        le=50,
        description="Children under 16, or 16 to under 22 and studying, that the person raises.",
    )
    children_under_3_in_household: int | None = Field(
        None, ge=0, le=50, description="Children under 36 months in the household."
    )


class ScreenIn(Schema):
    date: dt.date | None = Field(
        None, description="The day to check (default: today, Vietnam time)."
    )
    person: PersonFacts = Field(default_factory=PersonFacts)
    household: HouseholdFacts = Field(default_factory=HouseholdFacts)


class ConditionOut(Schema):
    id: str
    result: bool | None = Field(description="true = met, false = not met, null = not known")
    message: str = Field(description="What the condition asks, in Vietnamese")
    message_en: str
    missing: list[str] = Field(description="Facts whose absence left the condition unknown")


class PolicyOut(Schema):
    id: str
    title: str
    title_en: str
    kind: Literal["cash", "one_off", "health_insurance"]
    status: Literal["eligible", "ineligible", "needs_info"]
    monthly_amount: int | None = Field(
        description="Đồng a month when eligible to cash support (once, for one-off support)"
    )
    conditions: list[ConditionOut]
    missing: list[str]
    legal_basis: list[str]


class SummaryOut(Schema):
    monthly_total: int = Field(description="Cash a month after precedence (only the highest)")
    paid: list[str] = Field(description="The policies that would be paid")
    health_insurance: bool = Field(description="Health insurance paid by the state applies")
    needs_info: list[str]


class ScreenOut(Schema):
    date: dt.date
    policies: list[PolicyOut]
    summary: SummaryOut


@router.post(
    "/screen",
    response=ScreenOut,
    auth=None,
    summary="Which support a person may get, with the reasons",
    description=(
        "Public and anonymous: nothing sent is stored. Every fact is optional; a missing fact "
        "makes the conditions that need it unknown, and a policy whose only obstacle is an "
        "unknown fact has status `needs_info` with the facts to ask for in `missing`. The "
        "summary applies precedence: only the highest monthly allowance is paid (the social "
        "allowance of Decree 20/2021 and the social pension never stack)."
    ),
)
def screen(request: HttpRequest, payload: ScreenIn) -> ScreenOut | HttpResponse:
    from langso.api import error_response

    day = payload.date or timezone.localdate()
    if day < EARLIEST:
        return error_response(
            request,
            422,
            "date_too_early",
            "Quy định ở đây áp dụng từ ngày 01/07/2021 (Nghị định 20/2021); hãy chọn ngày từ "
            "01/07/2021 trở đi.",
            "These rules start on 01/07/2021 (Decree 20/2021); choose a day on or after "
            "01/07/2021.",
        )
    facts = {**payload.person.dict(), **payload.household.dict()}
    results, summary = selectors.screen(facts, day)
    policies = selectors.policy_set()
    return ScreenOut(
        date=day,
        policies=[
            PolicyOut(
                id=r.policy_id,
                title=r.title_vi,
                title_en=r.title_en,
                kind=r.kind,  # type: ignore[arg-type]
                status=r.status,
                monthly_amount=r.amount,
                conditions=[
                    ConditionOut(
                        id=c.id,
                        result=c.value,
                        message=c.message_vi,
                        message_en=c.message_en,
                        missing=list(c.missing),
                    )
                    for c in r.conditions
                ],
                missing=list(r.missing),
                legal_basis=list(policies.get(r.policy_id).legal_basis),
            )
            for r in results
        ],
        summary=SummaryOut(
            monthly_total=summary.monthly_total,
            paid=list(summary.paid),
            health_insurance=summary.health_insurance,
            needs_info=list(summary.needs_info),
        ),
    )


# --- cases and payment lists -------------------------------------------------------------------


class BenefitCaseStepOut(Schema):
    action: str
    from_status: str
    to_status: str
    by: str
    reason: str
    at: dt.datetime


class BenefitCaseOut(Schema):
    id: int
    person_id: int
    personal_id_masked: str
    full_name: str
    commune_code: int
    policy_id: str
    status: Literal["proposed", "reviewed", "approved", "suspended", "ended", "paid"]
    monthly_amount: int = Field(description="Đồng a month")
    start_month: dt.date = Field(description="First day of the first month paid")
    needs_review: bool
    review_reason: str
    end_reason: str


class BenefitCaseDetailOut(BenefitCaseOut):
    steps: list[BenefitCaseStepOut]


class BenefitCaseProposeIn(Schema):
    decision_id: int = Field(description="An eligible, current decision of a monthly policy")
    reason: str = ""


class FuneralClaimIn(Schema):
    person_id: int = Field(description="The registry id of the person who died")
    arranger_name: str = Field(max_length=150, description="Who arranged the funeral")
    arranger_relation: str = Field(max_length=60, description="Their relation to the deceased")
    arranger_phone: str = Field(max_length=20)
    arranger_personal_id: str = Field("", max_length=12, description="If known")
    documents: list[Literal["death_record", "claim_form", "arranger_id"]] = Field(
        default_factory=list, description="Documents received"
    )
    note: str = Field("", max_length=500)


class BenefitCaseStepIn(Schema):
    action: Literal["review", "approve", "suspend", "resume", "end", "clear"]
    reason: str = Field("", max_length=400, description="Needed to suspend, resume, end or clear")
    end_reason: (
        Literal[
            "death", "moved", "no_longer_eligible", "refused", "declined", "imprisoned", "other"
        ]
        | None
    ) = None


class PaymentLineOut(Schema):
    number: int
    full_name: str
    personal_id_masked: str
    village: str
    policy_title: str
    amount: int
    paid_to: str = Field(
        "", description="Who receives it when not the person: foster carer or funeral arranger."
    )


class PaymentListOut(Schema):
    id: int
    number: str
    commune_code: int
    kind: Literal["monthly", "one_off"]
    month: dt.date
    status: Literal["draft", "paid"]
    total: int
    paid_at: dt.datetime | None


class PaymentListDetailOut(PaymentListOut):
    totals: list[dict[str, object]]
    lines: list[PaymentLineOut]


class PaymentListIn(Schema):
    commune_code: int
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")
    kind: Literal["monthly", "one_off"] = Field(
        "monthly", description="Monthly support, or one-off support (funeral claims)."
    )


def _case_out(case: Any) -> dict[str, Any]:
    return {
        "id": case.pk,
        "person_id": case.person_id,
        "personal_id_masked": mask(case.person.personal_id or ""),
        "full_name": case.person.full_name,
        "commune_code": case.commune_id,
        "policy_id": case.policy_id,
        "status": case.status,
        "monthly_amount": case.monthly_amount,
        "start_month": case.start_month,
        "needs_review": case.needs_review,
        "review_reason": case.review_reason,
        "end_reason": case.end_reason,
    }


def _workflow_refusal(request: HttpRequest, exc: Any) -> HttpResponse:
    from langso.api import error_response

    status = 403 if exc.code in ("not_allowed", "chairman_required", "four_eyes") else 409
    return error_response(request, status, exc.code, exc.message_vi, exc.message_en)


@router.get(
    "/cases",
    response=list[BenefitCaseOut],
    auth=token_or_session("read"),
    summary="Benefit cases of the caller's communes",
)
def case_list(
    request: HttpRequest,
    status: str | None = None,
    commune: int | None = None,
    policy: str | None = None,
    needs_review: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    limit, offset = min(max(limit, 1), 500), max(offset, 0)
    cases = permissions.cases_for_user(request.user)  # type: ignore[arg-type]
    if status:
        cases = cases.filter(status=status)
    if commune:
        cases = cases.filter(commune_id=commune)
    if policy:
        cases = cases.filter(policy_id=policy)
    if needs_review is not None:
        cases = cases.filter(needs_review=needs_review)
    cases = cases.select_related("person").order_by("id")[offset : offset + limit]
    return [_case_out(c) for c in cases]


@router.get(
    "/cases/{case_id}",
    response=BenefitCaseDetailOut,
    auth=token_or_session("read"),
    summary="One case with every step",
)
def case_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    case = permissions.get_case_for_user(request.user, case_id)  # type: ignore[arg-type]
    audit_record(
        actor=request.user,  # type: ignore[arg-type]
        action="view",
        object_type="benefits.case",
        object_id=case.pk,
        object_label=f"{case.policy_id} {mask(case.person.personal_id or '')}",
        commune_code=case.commune_id,
        request=request,
        via="api",
    )
    steps = [
        {
            "action": s.action,
            "from_status": s.from_status,
            "to_status": s.to_status,
            "by": s.actor_label,
            "reason": s.reason,
            "at": s.at,
        }
        for s in case.transitions.all()
    ]
    return {**_case_out(case), "steps": steps}


@router.post(
    "/cases",
    response={201: BenefitCaseOut},
    auth=[session_auth],
    summary="Propose a case from an eligible decision",
)
def case_propose(request: HttpRequest, payload: BenefitCaseProposeIn) -> Any:
    decision = permissions.get_decision_for_user(request.user, payload.decision_id)  # type: ignore[arg-type]
    try:
        case = services.case_propose(
            decision=decision,
            actor=request.user,  # type: ignore[arg-type]
            reason=payload.reason,
            request=request,
            via="api",
        )
    except services.WorkflowError as exc:
        return _workflow_refusal(request, exc)
    return Status(201, _case_out(case))


@router.post(
    "/funeral-claims",
    response={201: BenefitCaseOut},
    auth=[session_auth],
    summary="Record the funeral support claim of a person who died",
    description=(
        "The person must have a date of death and an eligible funeral-support decision from a "
        "run on or before it; the amount is that decision's. The claim is a one-off case that "
        "another officer reviews and the chairman approves, paid on the commune's one-off "
        "payment list to whoever arranged the funeral. Refusals answer 403 (not allowed) or "
        "409 (no date of death, not eligible, a claim already open, bad contact details)."
    ),
)
def funeral_claim_create(request: HttpRequest, payload: FuneralClaimIn) -> Any:
    person = permissions.get_person_for_decisions(request.user, payload.person_id)  # type: ignore[arg-type]
    try:
        case = services.funeral_claim_record(
            person=person,
            actor=request.user,  # type: ignore[arg-type]
            arranger_name=payload.arranger_name,
            arranger_relation=payload.arranger_relation,
            arranger_phone=payload.arranger_phone,
            arranger_personal_id=payload.arranger_personal_id,
            documents=payload.documents,
            note=payload.note,
            request=request,
            via="api",
        )
    except services.WorkflowError as exc:
        return _workflow_refusal(request, exc)
    return Status(201, _case_out(case))


@router.post(
    "/cases/{case_id}/steps",
    response=BenefitCaseOut,
    auth=[session_auth],
    summary="Take a step: review, approve, suspend, resume, end or clear a review flag",
    description=(
        "Four eyes: the proposer may not review or approve. Approving, suspending, resuming and "
        "ending an approved case need the chairman of the commune (permission "
        "benefits.approve_case). Refusals answer 403 (not allowed) or 409 (wrong status)."
    ),
)
def case_step(request: HttpRequest, case_id: int, payload: BenefitCaseStepIn) -> Any:
    user = request.user
    case = permissions.get_case_for_user(user, case_id)  # type: ignore[arg-type]
    common = {"case": case, "actor": user, "request": request, "via": "api"}
    try:
        if payload.action == "review":
            services.case_review(note=payload.reason, **common)  # type: ignore[arg-type]
        elif payload.action == "approve":
            services.case_approve(note=payload.reason, **common)  # type: ignore[arg-type]
        elif payload.action == "suspend":
            services.case_suspend(reason=payload.reason, **common)  # type: ignore[arg-type]
        elif payload.action == "resume":
            services.case_resume(reason=payload.reason, **common)  # type: ignore[arg-type]
        elif payload.action == "end":
            services.case_end(  # type: ignore[arg-type]
                end_reason=payload.end_reason or "", note=payload.reason, **common
            )
        else:
            services.case_review_clear(note=payload.reason, **common)  # type: ignore[arg-type]
    except services.WorkflowError as exc:
        return _workflow_refusal(request, exc)
    return _case_out(case)


def _list_out(payment_list: Any) -> dict[str, Any]:
    return {
        "id": payment_list.pk,
        "number": payment_list.number,
        "commune_code": payment_list.commune_id,
        "kind": payment_list.kind,
        "month": payment_list.month,
        "status": payment_list.status,
        "total": payment_list.total,
        "paid_at": payment_list.paid_at,
    }


@router.get(
    "/payment-lists",
    response=list[PaymentListOut],
    auth=token_or_session("read"),
    summary="Payment lists of the caller's communes",
)
def payment_list_list(
    request: HttpRequest, commune: int | None = None, month: str | None = None
) -> list[dict[str, Any]]:
    lists = permissions.payment_lists_for_user(request.user)  # type: ignore[arg-type]
    if commune:
        lists = lists.filter(commune_id=commune)
    if month and len(month) == 7:
        lists = lists.filter(month=f"{month}-01")
    return [_list_out(p) for p in lists.order_by("-month", "commune_id", "-sequence")[:500]]


@router.get(
    "/payment-lists/{list_id}",
    response=PaymentListDetailOut,
    auth=token_or_session("read"),
    summary="One payment list with masked ID numbers (the files carry the full ones)",
)
def payment_list_detail(request: HttpRequest, list_id: int) -> dict[str, Any]:
    payment_list = permissions.get_payment_list_for_user(request.user, list_id)  # type: ignore[arg-type]
    sheet = selectors.payment_sheet(payment_list)
    return {
        **_list_out(payment_list),
        "totals": [{"policy": t, "people": n, "amount": a} for t, n, a in sheet.totals],
        "lines": [
            {
                "number": r.number,
                "full_name": r.full_name,
                "personal_id_masked": mask(r.personal_id),
                "village": r.village,
                "policy_title": r.policy_title,
                "amount": r.amount,
                "paid_to": payee_text(
                    replace(r, payee_personal_id=mask(r.payee_personal_id))
                    if r.payee_personal_id
                    else r
                ),
            }
            for r in sheet.rows
        ],
    }


@router.post(
    "/payment-lists",
    response={201: PaymentListOut},
    auth=[session_auth],
    summary="Make (or rebuild the draft of) a commune's payment list for a month",
)
def payment_list_create(request: HttpRequest, payload: PaymentListIn) -> Any:
    year, month = (int(x) for x in payload.month.split("-"))
    if not 1 <= month <= 12:
        from langso.api import error_response

        return error_response(
            request,
            422,
            "bad_month",
            "Tháng phải viết YYYY-MM, ví dụ 2026-11.",
            "Write the month as YYYY-MM, e.g. 2026-11.",
        )
    get_commune_for_user(request.user, payload.commune_code)  # type: ignore[arg-type]
    try:
        payment_list = services.payment_list_create(
            commune_code=payload.commune_code,
            month=dt.date(year, month, 1),
            kind=payload.kind,
            actor=request.user,  # type: ignore[arg-type]
            request=request,
            via="api",
        )
    except services.WorkflowError as exc:
        return _workflow_refusal(request, exc)
    return Status(201, _list_out(payment_list))


@router.post(
    "/payment-lists/{list_id}/paid",
    response=PaymentListOut,
    auth=[session_auth],
    summary="Record that a payment list was paid",
)
def payment_list_paid(request: HttpRequest, list_id: int) -> Any:
    payment_list = permissions.get_payment_list_for_user(request.user, list_id)  # type: ignore[arg-type]
    try:
        services.payment_list_mark_paid(
            payment_list=payment_list,
            actor=request.user,  # type: ignore[arg-type]
            request=request,
            via="api",
        )
    except services.WorkflowError as exc:
        return _workflow_refusal(request, exc)
    return _list_out(payment_list)

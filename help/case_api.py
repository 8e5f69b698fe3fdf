"""JSON API of help cases, over the same services as the pages.

The module does not postpone annotations: ninja reads the paginated list's query schema from
them when the router is built.

Everything is scoped to the caller's communes: another commune's case is 404. A refused write
(an on-behalf action without consent, a person of another commune) is a 422 whose message says
in Vietnamese and English what is wrong and what to do.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from accounts.api_auth import token_or_session
from help import case_selectors as selectors
from help import case_services as services
from help.models import Case, CaseAction
from help.permissions import (
    get_case_for_user,
    get_referral_for_user,
)

router = Router(tags=["help"])
AUTH = token_or_session()


class ActionOut(Schema):
    kind: str
    description: str
    done_by: str
    done_for: str
    minutes: int
    at: datetime


class ReferralOut(Schema):
    id: int
    agency: str
    reason: str
    status: str
    referred_at: datetime
    status_at: datetime | None


class CaseOut(Schema):
    id: int
    code: str = Field(..., description="The code the person uses for feedback and answers.")
    commune_code: int
    corner_id: int | None
    person_id: int | None
    name: str
    phone: str
    channel: str
    topic: str
    summary: str
    status: str
    outcome: str
    opened_at: datetime
    due_at: datetime
    closed_at: datetime | None
    overdue: bool
    minutes_spent: int
    has_consent: bool
    consent_method: str
    assigned_to: str | None
    did_alone: bool
    answer: str
    helpful: bool | None = Field(None, description="The person's feedback, once given.")

    @staticmethod
    def resolve_code(obj: Case) -> str:
        return services.case_code(obj)

    @staticmethod
    def resolve_commune_code(obj: Case) -> int:
        return obj.commune_id

    @staticmethod
    def resolve_overdue(obj: Case) -> bool:
        return obj.status != Case.Status.CLOSED and obj.due_at < timezone.now()

    @staticmethod
    def resolve_assigned_to(obj: Case) -> str | None:
        return str(obj.assigned_to) if obj.assigned_to_id else None

    @staticmethod
    def resolve_did_alone(obj: Case) -> bool:
        return obj.did_alone_at is not None

    @staticmethod
    def resolve_helpful(obj: Case) -> bool | None:
        feedback = getattr(obj, "feedback", None) if obj.status == Case.Status.CLOSED else None
        return feedback.helpful if feedback is not None else None


class CaseDetailOut(CaseOut):
    actions: list[ActionOut]
    referrals: list[ReferralOut]

    @staticmethod
    def resolve_actions(obj: Case) -> list[dict[str, Any]]:
        return [
            {
                "kind": a.kind,
                "description": a.description,
                "done_by": str(a.done_by),
                "done_for": a.done_for,
                "minutes": a.minutes,
                "at": a.at,
            }
            for a in obj.actions.select_related("done_by")
        ]

    @staticmethod
    def resolve_referrals(obj: Case) -> list[Any]:
        return list(obj.referrals.all())


def _fresh(request: HttpRequest, pk: int) -> Case:
    return get_case_for_user(request.user, pk)  # type: ignore[arg-type]


class CaseFilter(Schema):
    status: str = Field("", description="open, waiting, referred, closed, or 'active' (not closed)")
    topic: str = ""
    overdue: bool = False
    mine: bool = Field(False, description="Only cases assigned to the caller or to nobody.")


@router.get(
    "/cases",
    response=list[CaseOut],
    auth=AUTH,
    summary="Cases of the caller's communes, the most urgent first",
)
@paginate(PageNumberPagination)
def case_list(request: HttpRequest, filters: Query[CaseFilter]) -> Any:
    cases = selectors.case_list(
        request.user,  # type: ignore[arg-type]
        status=filters.status,
        topic=filters.topic,
        overdue=filters.overdue,
        mine=filters.mine,
    ).select_related("feedback")
    return cases  # type: ignore[return-value]


class CaseIn(Schema):
    corner_id: int
    channel: str = Field(..., description="walk_in, home_visit, phone, zalo, sms or online")
    topic: str
    summary: str
    name: str = ""
    phone: str = ""
    personal_id: str = Field("", description="12 digits; links the case to the registry.")
    token_id: int | None = None
    appointment_id: int | None = None


@router.post(
    "/cases",
    response={201: CaseDetailOut},
    auth=AUTH,
    summary="Open a case at a corner (from a queue ticket, an appointment or from scratch)",
)
def case_create(request: HttpRequest, payload: CaseIn) -> Status[Case]:
    from help.permissions import (
        get_appointment_for_user,
        get_corner_for_user,
        get_token_for_user,
    )

    user = request.user
    corner = get_corner_for_user(user, payload.corner_id)  # type: ignore[arg-type]
    token = get_token_for_user(user, payload.token_id) if payload.token_id else None  # type: ignore[arg-type]
    appointment = (
        get_appointment_for_user(user, payload.appointment_id)  # type: ignore[arg-type]
        if payload.appointment_id
        else None
    )
    case = services.case_open(
        actor=user,  # type: ignore[arg-type]
        corner=corner,
        channel=payload.channel,
        topic=payload.topic,
        summary=payload.summary,
        name=payload.name,
        phone=payload.phone,
        personal_id=payload.personal_id,
        token=token,
        appointment=appointment,
        request=request,
        via="api",
    )
    return Status(201, _fresh(request, case.pk))


@router.get("/cases/{case_id}", response=CaseDetailOut, auth=AUTH, summary="One case")
def case_detail(request: HttpRequest, case_id: int) -> Case:
    case = _fresh(request, case_id)
    services.case_view_record(case=case, actor=request.user, request=request, via="api")  # type: ignore[arg-type]
    return case


class ConsentIn(Schema):
    method: str = Field(..., description="paper, verbal or online; 'withdrawn' to withdraw")


@router.post(
    "/cases/{case_id}/consent",
    response=CaseDetailOut,
    auth=AUTH,
    summary="Record (or withdraw) the person's consent to act on their behalf",
)
def case_consent(request: HttpRequest, case_id: int, payload: ConsentIn) -> Case:
    user = request.user
    case = _fresh(request, case_id)
    if payload.method == "withdrawn":
        services.case_consent_withdraw(case=case, actor=user, request=request, via="api")  # type: ignore[arg-type]
    else:
        services.case_consent_record(
            case=case,
            actor=user,  # type: ignore[arg-type]
            method=payload.method,
            request=request,
            via="api",
        )
    return _fresh(request, case_id)


class ActionIn(Schema):
    kind: str = Field(..., description=", ".join(k.value for k in services.MANUAL_ACTION_KINDS))
    description: str
    minutes: int = Field(0, ge=0, le=services.MAX_ACTION_MINUTES)


@router.post(
    "/cases/{case_id}/actions",
    response={201: ActionOut},
    auth=AUTH,
    summary="Record an action, stamped with who did it for whom (on_behalf needs consent)",
)
def case_action(request: HttpRequest, case_id: int, payload: ActionIn) -> Status[Any]:
    case = _fresh(request, case_id)
    action: CaseAction = services.case_action_add(
        case=case,
        actor=request.user,  # type: ignore[arg-type]
        kind=payload.kind,
        description=payload.description,
        minutes=payload.minutes,
        request=request,
        via="api",
    )
    return Status(
        201,
        {
            "kind": action.kind,
            "description": action.description,
            "done_by": str(action.done_by),
            "done_for": action.done_for,
            "minutes": action.minutes,
            "at": action.at,
        },
    )


class ReferralIn(Schema):
    agency: str
    reason: str


@router.post(
    "/cases/{case_id}/referrals",
    response={201: ReferralOut},
    auth=AUTH,
    summary="Refer the case to another agency",
)
def referral_create(request: HttpRequest, case_id: int, payload: ReferralIn) -> Status[Any]:
    case = _fresh(request, case_id)
    referral = services.referral_create(
        case=case,
        actor=request.user,  # type: ignore[arg-type]
        agency=payload.agency,
        reason=payload.reason,
        request=request,
        via="api",
    )
    return Status(201, referral)


class ReferralStatusIn(Schema):
    status: str = Field(
        ...,
        description="got_help, elsewhere, no_contact, not_eligible, no_capacity, no_help, "
        "not_interested",
    )
    note: str = ""


@router.post(
    "/referrals/{referral_id}/status",
    response=ReferralOut,
    auth=AUTH,
    summary="Close the loop of a referral with what came of it",
)
def referral_status(request: HttpRequest, referral_id: int, payload: ReferralStatusIn) -> Any:
    referral = get_referral_for_user(request.user, referral_id)  # type: ignore[arg-type]
    return services.referral_status_set(
        referral=referral,
        actor=request.user,  # type: ignore[arg-type]
        status=payload.status,
        note=payload.note,
        request=request,
        via="api",
    )


class CloseIn(Schema):
    outcome: str = Field(
        ..., description="done, on_behalf, taught, referred, not_possible, withdrawn"
    )
    minutes: int = Field(0, ge=0, le=services.MAX_ACTION_MINUTES)
    note: str = ""
    feedback_channel: str = Field("", description="sms or zalo to ask for feedback; empty: no")


@router.post(
    "/cases/{case_id}/close",
    response=CaseDetailOut,
    auth=AUTH,
    summary="Close the case with its outcome and ask for feedback by SMS or Zalo",
)
def case_close(request: HttpRequest, case_id: int, payload: CloseIn) -> Case:
    case = _fresh(request, case_id)
    services.case_close(
        case=case,
        actor=request.user,  # type: ignore[arg-type]
        outcome=payload.outcome,
        minutes=payload.minutes,
        note=payload.note,
        feedback_channel=payload.feedback_channel,
        link_base=request.build_absolute_uri("/").rstrip("/"),
        request=request,
        via="api",
    )
    return _fresh(request, case_id)


class FeedbackIn(Schema):
    helpful: bool
    comment: str = ""


@router.post(
    "/cases/{case_id}/feedback",
    response=CaseDetailOut,
    auth=AUTH,
    summary="Record the person's two-option feedback given on the helper's phone",
)
def case_feedback(request: HttpRequest, case_id: int, payload: FeedbackIn) -> Case:
    case = _fresh(request, case_id)
    services.feedback_record(
        case=case,
        helpful=payload.helpful,
        comment=payload.comment,
        channel=case.channel,
        actor=request.user,  # type: ignore[arg-type]
        request=request,
        via="api",
    )
    return _fresh(request, case_id)

"""JSON API of the benefits app: the public screener."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema
from pydantic import Field

from benefits import selectors
from benefits.forms import EARLIEST

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

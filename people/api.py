"""The registry API: sync from the population-database gateway, and one person's record.

POST /sync takes up to 1,000 records in the format of the population extract
(docs/reference/population-extract.md) and answers with the outcome of each one, exactly as a
file import would report its rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from accounts.api_auth import TokenAuth, token_or_session
from accounts.permissions import commune_codes_for_user
from lib import personal_id as pid_lib
from people import selectors, services
from people.models import SocialFact
from people.permissions import can_see_sensitive, get_person_for_user

router = Router(tags=["people"])


class SyncIn(Schema):
    records: list[dict[str, Any]] = Field(
        ...,
        min_length=1,
        max_length=services.SYNC_MAX_RECORDS,
        description="Records with the columns of the population extract, at most 1,000.",
    )


class ProblemOut(Schema):
    code: str
    message: str
    message_en: str


class RecordOut(Schema):
    index: int = Field(..., description="Position of the record in the request, from 1.")
    status: str = Field(..., description="inserted, updated, unchanged or rejected")
    personal_id: str
    person_id: int | None
    changes: list[str]
    problems: list[ProblemOut]


class SyncOut(Schema):
    run_id: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    moved: int
    died: int
    household_changed: int
    records: list[RecordOut]


@router.post(
    "/sync",
    response=SyncOut,
    auth=TokenAuth("people:sync"),
    summary="Apply records from the population database (up to 1,000 per request)",
)
def sync(request: HttpRequest, payload: SyncIn) -> dict[str, Any]:
    user = request.user
    token = getattr(request, "api_token", None)
    result = services.population_sync(
        records=payload.records,
        actor=user,  # type: ignore[arg-type]
        client_name=token.name if token is not None else "",
        allowed_communes=commune_codes_for_user(user),  # type: ignore[arg-type]
    )
    counts = result.counts
    return {
        "run_id": result.run.pk,
        "inserted": counts.inserted,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "rejected": counts.rejected,
        "moved": counts.moved,
        "died": counts.died,
        "household_changed": counts.household_changed,
        "records": [
            {
                "index": o.line,
                "status": o.status,
                "personal_id": o.personal_id,
                "person_id": o.person_id,
                "changes": o.changes,
                "problems": [p.as_dict() for p in o.problems],
            }
            for o in result.outcomes
        ],
    }


class DisabilityOut(Schema):
    disability_type: str
    level: str
    certified_on: date | None


class FactOut(Schema):
    kind: str
    value: bool | None
    amount_vnd: int | None
    valid_from: date


class PovertyOut(Schema):
    status: str
    period: str
    review_year: int


class PersonOut(Schema):
    id: int
    personal_id_masked: str
    full_name: str
    date_of_birth: date | None
    birth_precision: str
    sex: str
    ethnicity: str
    ethnicity_code: str
    ethnicity_code_list: str
    commune_code: int
    village: str | None
    household_code: str | None
    relation_to_head: str
    date_of_death: date | None
    merged_into: int | None
    disabilities: list[DisabilityOut]
    facts: list[FactOut]
    poverty: PovertyOut | None


@router.get(
    "/persons/{person_id}",
    response=PersonOut,
    auth=token_or_session("read"),
    summary="One person of the caller's communes, with current social facts",
)
def person_detail(request: HttpRequest, person_id: int) -> dict[str, Any]:
    user = request.user
    person = get_person_for_user(user, person_id)  # type: ignore[arg-type]
    services.person_view_record(person=person, actor=user, request=request, via="api")  # type: ignore[arg-type]
    facts = selectors.open_facts(person)
    if not can_see_sensitive(user):  # type: ignore[arg-type]
        facts.pop(SocialFact.Kind.HIV, None)
    poverty = selectors.household_poverty(person.household)
    today = timezone.localdate()
    if poverty is not None and poverty.valid_to is not None and poverty.valid_to < today:
        poverty = None
    return {
        "id": person.pk,
        "personal_id_masked": pid_lib.mask(person.personal_id or ""),
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth,
        "birth_precision": person.birth_precision,
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "ethnicity_code": person.ethnicity_code,
        "ethnicity_code_list": person.ethnicity_code_list,
        "commune_code": person.commune_id,
        "village": person.village.name if person.village else None,
        "household_code": person.household.code if person.household else None,
        "relation_to_head": person.relation_to_head,
        "date_of_death": person.date_of_death,
        "merged_into": person.merged_into_id,
        "disabilities": selectors.open_disabilities(person),
        "facts": list(facts.values()),
        "poverty": poverty,
    }

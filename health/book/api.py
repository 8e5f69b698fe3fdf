"""JSON API of the health book part: the FHIR R4 export of one person's book."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from accounts.api_auth import token_or_session
from health.book import services
from health.permissions import ConsentMissing, require_health_access
from people.models import Person

router = Router(tags=["health"])


@router.get(
    "/persons/{personal_id}/fhir",
    auth=token_or_session("read"),
    url_name="health_book_fhir",
    summary="One person's health book as a FHIR R4 Bundle",
    description=(
        "A Bundle of type `collection` with the Patient, their Conditions (ICD-10; registry "
        "disabilities in a local code system), Observations (readings, LOINC/UCUM), CarePlans "
        "(goals contained), Encounters (home visits), AllergyIntolerances, Immunizations and "
        "MedicationStatements. Only the person, the carers they "
        "named and the health workers of their commune may export it, while the person's "
        "consent for health care is active; every export is written to the audit log. "
        "Refusals: 404 (unknown or out of reach), 403 `consent_missing`."
    ),
    response={200: dict[str, Any]},
)
def person_fhir(request: HttpRequest, personal_id: str) -> HttpResponse:
    user = request.user
    person = (
        Person.objects.select_related("commune", "village")
        .filter(personal_id=personal_id, merged_into__isnull=True)
        .first()
    )
    if person is None:
        raise Http404
    try:
        require_health_access(user, person)  # type: ignore[arg-type]
    except ConsentMissing:
        from langso.api import error_response

        return error_response(
            request, 403, "consent_missing", ConsentMissing.message_vi, ConsentMissing.message_en
        )
    data = services.fhir_bundle_export(person=person, actor=user, request=request)  # type: ignore[arg-type]
    response = JsonResponse(data, content_type="application/fhir+json")
    response["Content-Disposition"] = f'inline; filename="health-book-{person.pk}.json"'
    return response

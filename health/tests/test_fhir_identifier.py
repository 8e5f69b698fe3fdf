"""The identifier system of the personal ID number in FHIR bundles: configurable, documented,
and an import still reads bundles written with the default or the older system."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import login
from health.book import fhir, services
from health.models import Condition
from people import services as people_services

pytestmark = pytest.mark.django_db

NATIONAL = "https://fhir.example.gov.vn/sid/cccd"


@pytest.fixture
def patient(make_person, commune_a, health_worker_a):  # type: ignore[no-untyped-def]
    person = make_person(commune_a, "Nguyễn Văn Bảy", sex="male", date_of_birth=date(1950, 5, 1))
    people_services.consent_record(
        person=person, purpose="health", method="paper", actor=health_worker_a
    )
    return person


def _bundle(system: str, personal_id: str) -> dict:  # type: ignore[type-arg]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:1",
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": system, "value": personal_id}],
                },
            },
            {
                "fullUrl": "urn:uuid:2",
                "resource": {
                    "resourceType": "Condition",
                    "subject": {"reference": "urn:uuid:1"},
                    "code": {
                        "coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "I10"}]
                    },
                },
            },
        ],
    }


def _identifiers(client, user, person) -> list:  # type: ignore[no-untyped-def,type-arg]
    login(client, user)
    data = client.get(reverse("api:health_book_fhir", args=[person.personal_id])).json()
    (patient,) = [
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    return patient["identifier"]


def test_it_exports_the_platforms_own_system_by_default(client, health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    assert _identifiers(client, health_worker_a, patient) == [
        {"use": "official", "system": fhir.PERSONAL_ID_SYSTEM, "value": patient.personal_id}
    ]
    assert fhir.PERSONAL_ID_SYSTEM.startswith("urn:uuid:")


def test_it_exports_the_configured_system(client, health_worker_a, patient, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LANGSO_FHIR_IDENTIFIER_SYSTEM = NATIONAL
    assert _identifiers(client, health_worker_a, patient)[0]["system"] == NATIONAL


@pytest.mark.parametrize(
    "system", [NATIONAL, fhir.PERSONAL_ID_SYSTEM, *fhir.OLD_PERSONAL_ID_SYSTEMS]
)
def test_it_imports_the_configured_the_default_and_the_old_system(  # type: ignore[no-untyped-def]
    health_worker_a, patient, settings, system
) -> None:
    settings.LANGSO_FHIR_IDENTIFIER_SYSTEM = NATIONAL
    report = services.fhir_bundle_import(
        data=_bundle(system, patient.personal_id), actor=health_worker_a
    )
    assert report.person == patient
    assert Condition.objects.filter(person=patient, icd10="I10").exists()


def test_it_refuses_an_unknown_system_and_names_the_expected_one(  # type: ignore[no-untyped-def]
    health_worker_a, patient, settings
) -> None:
    settings.LANGSO_FHIR_IDENTIFIER_SYSTEM = NATIONAL
    with pytest.raises(ValidationError) as caught:
        services.fhir_bundle_import(
            data=_bundle("http://example.org/other", patient.personal_id), actor=health_worker_a
        )
    assert NATIONAL in caught.value.messages[0]
    assert not Condition.objects.exists()


@pytest.mark.parametrize("value", ["", "sid/cccd", "https://a b"])
def test_the_system_check_refuses_a_value_that_is_not_an_absolute_uri(settings, value) -> None:  # type: ignore[no-untyped-def]
    settings.LANGSO_FHIR_IDENTIFIER_SYSTEM = value
    assert "langso.E002" in [message.id for message in run_checks()]


def test_the_system_check_accepts_the_default_and_a_url(settings) -> None:  # type: ignore[no-untyped-def]
    for value in (fhir.PERSONAL_ID_SYSTEM, NATIONAL):
        settings.LANGSO_FHIR_IDENTIFIER_SYSTEM = value
        assert "langso.E002" not in [message.id for message in run_checks()]

"""FHIR R4 exchange of the health book: the export endpoint, its validity, and the import."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from accounts.models import AuditEntry
from conftest import login
from health.book import fhir, services
from health.models import (
    Allergy,
    CareGoal,
    CarePlan,
    Condition,
    HomeVisit,
    Medication,
    Reading,
    Vaccination,
)
from people import services as people_services
from people.models import Disability

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(make_person, commune_a, health_worker_a):  # type: ignore[no-untyped-def]
    person = make_person(
        commune_a,
        "Nguyễn Văn Bảy",
        sex="male",
        date_of_birth=date(1950, 5, 1),
        phone="+84912000111",
    )
    people_services.consent_record(
        person=person, purpose="health", method="paper", actor=health_worker_a
    )
    return person


@pytest.fixture
def health_worker_b(make_user):  # type: ignore[no-untyped-def]
    return make_user("health.b", "health_worker", (32002,))


def _reading(person, kind, value, value2=None, context="", days_ago=1, **extra):  # type: ignore[no-untyped-def]
    moment = timezone.now().replace(microsecond=0) - timedelta(days=days_ago)
    return Reading.objects.create(
        person=person,
        kind=kind,
        value=Decimal(value),
        value2=Decimal(value2) if value2 is not None else None,
        context=context,
        measured_at=moment,
        received_at=moment,
        source="worker",
        **extra,
    )


@pytest.fixture
def full_book(patient, health_worker_a):  # type: ignore[no-untyped-def]
    Disability.objects.create(
        person=patient,
        disability_type="mobility",
        level="severe",
        valid_from=date(2020, 1, 1),
        source="test",
    )
    services.condition_add(
        person=patient, actor=health_worker_a, icd10_code="I10", onset=date(2015, 3, 1)
    )
    services.condition_add(
        person=patient, actor=health_worker_a, icd10_code="E11", clinical_status="remission"
    )
    services.allergy_add(
        person=patient, actor=health_worker_a, substance="Penicilin", severity="severe",
        reaction="Khó thở",
    )  # fmt: skip
    services.allergy_add(person=patient, actor=health_worker_a, substance="Tôm", severity="mild")
    services.vaccination_add(
        person=patient, actor=health_worker_a, vaccine="Cúm mùa", given_on=date(2025, 10, 1),
        dose_number=1, place="Trạm y tế xã", lot="A12",
    )  # fmt: skip
    services.medication_add(
        person=patient, actor=health_worker_a, name="Amlodipin", dose="5 mg",
        frequency="1 lần mỗi sáng", started=date(2024, 1, 1), prescriber="BS Hà",
    )  # fmt: skip
    stopped = services.medication_add(
        person=patient, actor=health_worker_a, name="Captopril", dose="25 mg", frequency="khi cần"
    )
    services.medication_stop(medication=stopped, actor=health_worker_a)
    _reading(patient, "bp", "152", "94", days_ago=3)
    _reading(patient, "glucose", "7.2", context="fasting", days_ago=2)
    _reading(patient, "spo2", "96", days_ago=2)
    _reading(patient, "weight", "61.5", days_ago=1)
    _reading(patient, "temp", "37.1", days_ago=1)
    _reading(patient, "hr", "78", days_ago=1, client_id="dev-1:abc")
    plan = services.care_plan_create(
        person=patient,
        actor=health_worker_a,
        title="Kiểm soát huyết áp",
        starts_on=timezone.localdate() - timedelta(days=20),
        visit_every_days=14,
        goals=["Huyết áp dưới 140/90"],
    )
    first = HomeVisit.objects.filter(plan=plan).order_by("due_on").first()
    services.home_visit_record(
        visit=first, actor=health_worker_a, status="done", findings="HA 150/95", advice="Giảm muối"
    )
    return patient


def _export(client, user, person):  # type: ignore[no-untyped-def]
    login(client, user)
    return client.get(reverse("api:health_book_fhir", args=[person.personal_id]))


def test_it_exports_a_valid_fhir_r4_bundle(client, health_worker_a, full_book) -> None:  # type: ignore[no-untyped-def]
    response = _export(client, health_worker_a, full_book)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    data = response.json()
    bundle = Bundle.model_validate(data)
    types = [e.resource.__resource_type__ for e in bundle.entry]
    assert types.count("Patient") == 1
    assert types.count("Condition") == 3  # two diagnoses and the registry's disability
    assert types.count("Observation") == 6
    assert types.count("CarePlan") == 1
    assert types.count("Encounter") >= 2
    assert (types.count("AllergyIntolerance"), types.count("Immunization")) == (2, 1)
    assert types.count("MedicationStatement") == 2
    resources = [e["resource"] for e in data["entry"]]
    patient = resources[0]
    assert patient["identifier"][0]["value"] == full_book.personal_id
    assert patient["name"][0]["family"] == "Nguyễn"
    bp = next(
        r
        for r in resources
        if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == "85354-9"
    )
    assert [
        (c["code"]["coding"][0]["code"], c["valueQuantity"]["value"], c["valueQuantity"]["code"])
        for c in bp["component"]
    ] == [
        ("8480-6", 152, "mm[Hg]"),
        ("8462-4", 94, "mm[Hg]"),
    ]
    glucose = next(
        r
        for r in resources
        if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == "1558-6"
    )
    assert glucose["valueQuantity"] == {
        "value": 7.2,
        "unit": "mmol/L",
        "system": "http://unitsofmeasure.org",
        "code": "mmol/L",
    }
    plan = next(r for r in resources if r["resourceType"] == "CarePlan")
    assert plan["contained"][0]["description"]["text"] == "Huyết áp dưới 140/90"
    assert plan["activity"][0]["detail"]["scheduledTiming"]["repeat"]["period"] == 14
    assert AuditEntry.objects.filter(action="export", object_type="health_book", via="api").exists()


def test_the_person_exports_their_own_book(client, citizen, make_person, commune_a) -> None:  # type: ignore[no-untyped-def]
    own = make_person(commune_a, "Danh Thị Mai", user=citizen)
    people_services.consent_record(person=own, purpose="health", method="online", actor=citizen)
    assert _export(client, citizen, own).status_code == 200


@pytest.mark.parametrize(
    "who", ["health_worker_b", "officer_a", "helper_a", "province_admin", "citizen"]
)
def test_the_export_is_refused_to_others(client, request, patient, who) -> None:  # type: ignore[no-untyped-def]
    response = _export(client, request.getfixturevalue(who), patient)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not AuditEntry.objects.filter(action="export").exists()


def test_the_export_needs_consent(client, health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    people_services.consent_withdraw(
        consent=patient.consents.get(), actor=health_worker_a, method="verbal"
    )
    response = _export(client, health_worker_a, patient)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "consent_missing"


def test_the_export_needs_authentication(client, patient) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("api:health_book_fhir", args=[patient.personal_id]))
    assert response.status_code == 401


def _snapshot() -> dict[str, list[object]]:
    readings = Reading.objects.values_list("kind", "value", "value2", "context", "measured_at")
    return {
        "conditions": sorted(
            Condition.objects.values_list("icd10", "name", "clinical_status", "onset", "abated")
        ),
        "readings": sorted(
            (k, str(v), str(v2) if v2 is not None else None, c, m) for k, v, v2, c, m in readings
        ),
        "plans": list(
            CarePlan.objects.values_list("title", "status", "starts_on", "visit_every_days")
        ),
        "goals": list(CareGoal.objects.values_list("description", "status")),
        "visits": sorted(HomeVisit.objects.values_list("due_on", "status", "findings", "advice")),
        "allergies": sorted(Allergy.objects.values_list("substance", "reaction", "severity")),
        "vaccinations": list(
            Vaccination.objects.values_list("vaccine", "given_on", "dose_number", "place", "lot")
        ),
        "medications": sorted(
            Medication.objects.values_list(
                "name", "dose", "frequency", "started", "stopped", "prescriber"
            )
        ),
    }


def test_a_bundle_round_trips_into_an_empty_book(
    client, health_worker_a, full_book, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    data = _export(client, health_worker_a, full_book).json()
    before = _snapshot()
    for model in (Condition, Reading, Allergy, Vaccination, Medication):
        model.objects.all().delete()
    HomeVisit.objects.all().delete()
    CarePlan.objects.all().delete()
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    call_command("health", "import-fhir", str(path), "--user", "health.a")
    after = _snapshot()
    assert after == before
    assert HomeVisit.objects.filter(plan__isnull=False).count() == HomeVisit.objects.count()
    assert AuditEntry.objects.filter(action="import", object_type="health_book").count() == 1


def test_importing_the_same_bundle_twice_adds_nothing(
    client, health_worker_a, full_book, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    data = _export(client, health_worker_a, full_book).json()
    models = (Condition, Reading, CarePlan, CareGoal, HomeVisit, Allergy, Vaccination, Medication)
    counts = [m.objects.count() for m in models]
    report = services.fhir_bundle_import(data=data, actor=health_worker_a)
    assert report.added == 0
    report = services.fhir_bundle_import(data=data, actor=health_worker_a)
    assert report.added == 0
    assert [m.objects.count() for m in models] == counts


def test_an_import_from_elsewhere_adds_once(health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    measured = (timezone.now() - timedelta(days=2)).replace(microsecond=0).isoformat()
    data = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:1",
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [
                        {"system": fhir.PERSONAL_ID_SYSTEM, "value": patient.personal_id}
                    ],
                },
            },
            {
                "fullUrl": "urn:uuid:2",
                "resource": {
                    "resourceType": "Condition",
                    "subject": {"reference": "urn:uuid:1"},
                    "code": {
                        "coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "J44"}]
                    },
                },
            },
            {
                "fullUrl": "urn:uuid:3",
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "subject": {"reference": "urn:uuid:1"},
                    "effectiveDateTime": measured,
                    "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
                    "valueQuantity": {
                        "value": 132,
                        "unit": "lb",
                        "system": "http://unitsofmeasure.org",
                        "code": "[lb_av]",
                    },
                },
            },
            {
                "fullUrl": "urn:uuid:4",
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "subject": {"reference": "urn:uuid:1"},
                    "effectiveDateTime": measured,
                    "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                    "valueQuantity": {"value": 900, "unit": "mmHg"},
                },
            },
            {
                "fullUrl": "urn:uuid:5",
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "subject": {"reference": "urn:uuid:1"},
                    "effectiveDateTime": measured,
                    "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
                    "component": [
                        {
                            "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                            "valueQuantity": {"value": 900, "code": "mm[Hg]"},
                        },
                        {
                            "code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
                            "valueQuantity": {"value": 90, "code": "mm[Hg]"},
                        },
                    ],
                },
            },
        ],
    }
    report = services.fhir_bundle_import(data=data, actor=health_worker_a)
    condition = Condition.objects.get()
    assert (condition.icd10, condition.name) == ("J44", "Bệnh phổi tắc nghẽn mạn tính (COPD)")
    weight = Reading.objects.get()
    assert (weight.kind, weight.value) == ("weight", Decimal("59.87"))
    assert report.counts["Observation"] == {"added": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert "8480-6" not in " ".join(report.problems)  # the lone systolic was skipped, not stored
    assert any(
        "300" in p for p in report.problems
    )  # the impossible blood pressure, with its reason
    again = services.fhir_bundle_import(data=data, actor=health_worker_a)
    assert again.added == 0
    assert Reading.objects.count() == 1 and Condition.objects.count() == 1


def _write(tmp_path, data):  # type: ignore[no-untyped-def]
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_the_import_refuses_an_unknown_person(health_worker_a, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": fhir.PERSONAL_ID_SYSTEM, "value": "096188999999"}],
                }
            }
        ],
    }
    with pytest.raises(CommandError, match="registry"):
        call_command("health", "import-fhir", _write(tmp_path, data), "--user", "health.a")


def test_the_import_refuses_a_person_without_consent(
    health_worker_a, make_person, commune_a, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    person = make_person(commune_a, "Thạch Sà Phol")
    data = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [
                        {"system": fhir.PERSONAL_ID_SYSTEM, "value": person.personal_id}
                    ],
                }
            },
            {
                "resource": {
                    "resourceType": "Condition",
                    "subject": {"reference": "x"},
                    "code": {
                        "coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "I10"}]
                    },
                }
            },
        ],
    }
    with pytest.raises(CommandError, match="consent"):
        call_command("health", "import-fhir", _write(tmp_path, data), "--user", "health.a")
    assert not Condition.objects.exists()


def test_the_import_refuses_a_worker_of_another_commune(health_worker_b, patient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [
                        {"system": fhir.PERSONAL_ID_SYSTEM, "value": patient.personal_id}
                    ],
                }
            }
        ],
    }
    with pytest.raises(CommandError, match="health worker"):
        call_command("health", "import-fhir", _write(tmp_path, data), "--user", "health.b")


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"resourceType": "Patient"}),
        json.dumps({"resourceType": "Bundle", "type": "nonsense"}),
    ],
)
def test_the_import_refuses_what_is_not_a_fhir_bundle(health_worker_a, tmp_path, content) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "b.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match="Bundle|JSON"):
        call_command("health", "import-fhir", str(path), "--user", "health.a")

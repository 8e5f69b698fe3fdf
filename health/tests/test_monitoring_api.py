"""POST /api/v1/health/readings: device tokens, API tokens, sessions; per-item outcomes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import api_token_create
from conftest import login
from health.models import Alert, Reading, RejectedReading
from health.monitoring import services
from health.tests.monitoring_helpers import consented

pytestmark = pytest.mark.django_db

URL = "/api/v1/health/readings"


@pytest.fixture
def patient(make_person, commune_a, officer_a):  # type: ignore[no-untyped-def]
    return consented(make_person(commune_a, "Nguyễn Văn Ba"), officer_a)


def bp(personal_id, client_id="", systolic=128, diastolic=80, minutes_ago=2, **extra):  # type: ignore[no-untyped-def]
    at = timezone.localtime() - timedelta(minutes=minutes_ago)
    return {
        "client_id": client_id,
        "personal_id": personal_id,
        "kind": "bp",
        "value": systolic,
        "value2": diastolic,
        "unit": "mm[Hg]",
        "measured_at": at.isoformat(),
        **extra,
    }


def post(client, readings, token=None):  # type: ignore[no-untyped-def]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(URL, {"readings": readings}, content_type="application/json", **headers)


def test_a_device_sends_a_batch_and_gets_each_outcome(client, health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    _device, token = services.device_create(
        label="Omron", commune_id=patient.commune_id, person=patient, actor=health_worker_a
    )
    readings = [
        bp(None, "r1"),
        bp(None, "r2", systolic=900),
        bp(None, "r3", minutes_ago=-120),
        {**bp(None, "r4"), "kind": "weight", "value": 60, "value2": None, "unit": "stone"},
        bp(None, "r1"),
    ]
    response = post(client, readings, token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["status"] for r in body["results"]] == [
        "accepted",
        "rejected",
        "rejected",
        "rejected",
        "duplicate",
    ]
    assert [r["code"] for r in body["results"][1:4]] == [
        "value_impossible",
        "measured_in_future",
        "unit_unknown",
    ]
    assert (body["accepted"], body["rejected"], body["duplicate"]) == (1, 3, 1)
    assert Reading.objects.get().source == "device"
    assert RejectedReading.objects.count() == 3
    again = post(client, [bp(None, "r1")], token).json()
    assert again["results"][0]["status"] == "duplicate"
    assert Reading.objects.count() == 1


def test_a_device_may_only_send_for_its_own_person(
    client, health_worker_a, patient, make_person, commune_a, officer_a
) -> None:  # type: ignore[no-untyped-def]
    other = consented(make_person(commune_a, "Lê Thị Hai"), officer_a)
    _device, token = services.device_create(
        label="Omron", commune_id=patient.commune_id, person=patient, actor=health_worker_a
    )
    body = post(client, [bp(other.personal_id, "x")], token).json()
    assert body["results"][0]["code"] == "person_unknown"
    assert not Reading.objects.exists()


def test_a_gateway_sends_for_its_commune_only(
    client, health_worker_a, patient, make_person, commune_b, officer_b
) -> None:  # type: ignore[no-untyped-def]
    elsewhere = consented(make_person(commune_b, "Trần Văn Tư"), officer_b)
    _device, token = services.device_create(
        label="Trạm y tế", commune_id=patient.commune_id, actor=health_worker_a
    )
    body = post(client, [bp(patient.personal_id, "a"), bp(elsewhere.personal_id, "b")], token)
    assert [r["status"] for r in body.json()["results"]] == ["accepted", "rejected"]


def test_a_revoked_device_is_refused_with_its_reason_and_nothing_is_lost(
    client, health_worker_a, patient
) -> None:  # type: ignore[no-untyped-def]
    device, token = services.device_create(
        label="Omron", commune_id=patient.commune_id, person=patient, actor=health_worker_a
    )
    services.device_revoke(device=device, actor=health_worker_a)
    response = post(client, [bp(None, "z")], token)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "device_revoked"
    assert not Reading.objects.exists()
    assert RejectedReading.objects.get().device == device


def test_unknown_tokens_and_anonymous_callers_are_refused(client, patient) -> None:  # type: ignore[no-untyped-def]
    assert post(client, [bp(patient.personal_id)]).status_code == 401
    assert post(client, [bp(patient.personal_id)], "lsd_nope_nope").status_code == 401
    assert post(client, [bp(patient.personal_id)], "ls_nope_nope").status_code == 401


def test_an_api_token_needs_the_ingest_scope(client, province_admin, patient) -> None:  # type: ignore[no-untyped-def]
    _t, read_only = api_token_create(owner=province_admin, name="x", scopes=["read"])
    assert post(client, [bp(patient.personal_id)], read_only).status_code == 403
    _t, ingest = api_token_create(owner=province_admin, name="y", scopes=["health:ingest"])
    body = post(client, [bp(patient.personal_id, "k", systolic=200, diastolic=100)], ingest).json()
    assert body["results"][0]["status"] == "accepted"
    assert body["results"][0]["alerts"] == [Alert.objects.get().pk]


def test_a_session_user_sends_only_for_people_they_may(client, citizen, patient, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, citizen)
    body = post(client, [bp(patient.personal_id)]).json()
    assert body["results"][0]["code"] == "person_unknown"
    worker_b = make_user("health.b", "health_worker", (32002,))
    login(client, worker_b)
    assert post(client, [bp(patient.personal_id)]).json()["rejected"] == 1


def test_a_person_without_consent_is_refused(
    client, health_worker_a, make_person, commune_a
) -> None:  # type: ignore[no-untyped-def]
    person = make_person(commune_a)
    login(client, health_worker_a)
    body = post(client, [bp(person.personal_id)]).json()
    assert body["results"][0]["code"] == "consent_missing"


def test_it_refuses_too_big_a_batch(client, health_worker_a, patient, settings) -> None:  # type: ignore[no-untyped-def]
    settings.HEALTH_READINGS_BATCH_MAX = 2
    login(client, health_worker_a)
    response = post(client, [bp(patient.personal_id)] * 3)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_the_alerts_list_is_for_health_workers_of_the_commune(
    client, health_worker_a, officer_a, patient, make_user
) -> None:  # type: ignore[no-untyped-def]
    login(client, health_worker_a)
    post(client, [bp(patient.personal_id, "c", systolic=200, diastolic=100)])
    alerts = client.get("/api/v1/health/alerts").json()
    assert [a["rule"] for a in alerts] == ["bp_crisis"]
    login(client, make_user("health.b", "health_worker", (32002,)))
    assert client.get("/api/v1/health/alerts").json() == []
    login(client, officer_a)
    assert client.get("/api/v1/health/alerts").status_code == 403

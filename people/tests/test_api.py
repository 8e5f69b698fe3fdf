"""The registry API: sync from the population-database gateway and reading one person."""

from __future__ import annotations

import pytest

from accounts.models import AuditEntry
from accounts.services import api_token_create
from conftest import login
from people.models import ImportRun, Person
from people.tests.helpers import pid, row

pytestmark = pytest.mark.django_db

SYNC = "/api/v1/people/sync"


def bearer(user, scopes=("people:sync",)):  # type: ignore[no-untyped-def]
    _token, raw = api_token_create(owner=user, name="cổng CSDLQG dân cư", scopes=scopes)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_it_applies_records_and_reports_each_one(client, province_admin) -> None:  # type: ignore[no-untyped-def]
    good = row(household_id="H1", relation_to_head="head")
    records = [good, row(commune_code="99999"), row(date_of_birth="31/02/1988")]
    headers = bearer(province_admin)
    response = client.post(SYNC, {"records": records}, content_type="application/json", **headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["inserted"], body["rejected"]) == (1, 2)
    assert [r["status"] for r in body["records"]] == ["inserted", "rejected", "rejected"]
    assert [r["index"] for r in body["records"]] == [1, 2, 3]
    problem = body["records"][1]["problems"][0]
    assert problem["code"] == "commune_code_unknown"
    assert problem["message"] != problem["message_en"]
    assert body["records"][0]["person_id"] == Person.objects.get().pk
    again = client.post(SYNC, {"records": [good]}, content_type="application/json", **headers)
    assert again.json()["records"][0]["status"] == "unchanged"
    assert ImportRun.objects.filter(source="sync").count() == 2
    assert AuditEntry.objects.filter(object_type="population_sync", via="api").count() == 2


def test_it_refuses_sync_without_a_token_or_scope(client, province_admin) -> None:  # type: ignore[no-untyped-def]
    response = client.post(SYNC, {"records": [row()]}, content_type="application/json")
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "message_en", "details"}
    headers = bearer(province_admin, scopes=("read",))
    response = client.post(SYNC, {"records": [row()]}, content_type="application/json", **headers)
    assert response.status_code == 403
    assert not Person.objects.exists()


def test_it_refuses_more_than_a_thousand_records(client, province_admin) -> None:  # type: ignore[no-untyped-def]
    records = [{"personal_id": "x"}] * 1001
    response = client.post(
        SYNC, {"records": records}, content_type="application/json", **bearer(province_admin)
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_an_officer_cannot_sync_with_their_session(client, officer_a) -> None:  # type: ignore[no-untyped-def]
    login(client, officer_a)
    response = client.post(SYNC, {"records": [row()]}, content_type="application/json")
    assert response.status_code == 401
    assert not Person.objects.exists()


def test_a_scoped_sync_may_only_write_its_own_communes(officer_b, make_person, commune_a) -> None:  # type: ignore[no-untyped-def]
    from people import services

    number = pid()
    make_person(commune_a, "Thạch Thị Sà Quân", personal_id=number)
    records = [
        row(personal_id=number, commune_code="32002"),
        row(commune_code="31825"),
        row(commune_code="32002"),
    ]
    result = services.population_sync(records=records, actor=officer_b, allowed_communes={32002})
    statuses = [(o.status, [p.code for p in o.problems]) for o in result.outcomes]
    assert statuses == [
        ("rejected", ["commune_not_allowed"]),
        ("rejected", ["commune_not_allowed"]),
        ("inserted", []),
    ]
    assert Person.objects.get(personal_id=number).commune_id == 31825


def test_it_reads_one_person_of_the_users_communes(
    client, officer_a, officer_b, helper_a, province_admin, make_person, commune_a
) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from people.models import SocialFact

    person = make_person(commune_a, "Lò Thị Mai", personal_id="096188123456")
    SocialFact.objects.create(
        person=person, kind="has_hiv", value=True, valid_from=date(2024, 1, 1), source="t"
    )
    url = f"/api/v1/people/persons/{person.pk}"
    response = login(client, officer_a).get(url)
    assert response.status_code == 200
    body = response.json()
    assert (
        body["personal_id_masked"] == "•••••••••456"
        and "096188123456" not in response.content.decode()
    )
    assert [f["kind"] for f in body["facts"]] == ["has_hiv"]
    assert AuditEntry.objects.filter(action="view", via="api", commune_code=31825).exists()
    assert [f["kind"] for f in login(client, helper_a).get(url).json()["facts"]] == []
    assert login(client, officer_b).get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 401
    assert client.get(url, **bearer(province_admin, scopes=("read",))).status_code == 200


def test_a_citizen_reads_only_their_own_record(
    client, citizen, make_user, make_person, commune_a
) -> None:  # type: ignore[no-untyped-def]
    mine = make_person(commune_a, "Danh Thị Mai", user=citizen)
    other = make_person(commune_a, "Danh Văn Tèo")
    login(client, citizen)
    assert client.get(f"/api/v1/people/persons/{mine.pk}").status_code == 200
    assert client.get(f"/api/v1/people/persons/{other.pk}").status_code == 404

"""Funeral support claims: from a death to a paid one-off list, never in the monthly totals."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from benefits import services
from benefits.models import Case, CaseStatus, PaymentLine, PaymentListKind
from conftest import login
from people import services as people_services

DAY = date(2026, 11, 1)
LATER = date(2026, 12, 1)
DIED = date(2026, 11, 20)
ARRANGER = {
    "arranger_name": "Thạch Văn Sơn",
    "arranger_relation": "con trai",
    "arranger_phone": "0912 345 678",
    "arranger_personal_id": "",
    "documents": ["death_record", "claim_form"],
}


@pytest.fixture
def people_(officer_a: Any, make_user: Any) -> dict[str, Any]:
    reviewer = make_user("reviewer.a", "commune_officer", (31825,))
    chairman = make_user("chairman.a", "commune_officer", (31825,))
    services.approver_set(user=chairman, grant=True)
    return {"officer": officer_a, "reviewer": reviewer, "chairman": chairman}


@pytest.fixture
def deceased(grandmother: Any, people_: dict[str, Any]) -> Any:
    """Receives the monthly allowance, so the family may claim funeral support; then dies."""
    services.eligibility_run_create(day=DAY)
    for case in services.cases_propose_eligible(commune_code=31825, actor=people_["officer"]):
        services.case_review(case=case, actor=people_["reviewer"])
        services.case_approve(case=case, actor=people_["chairman"])
    # The next run sees the approved allowance: funeral support becomes claimable.
    services.eligibility_run_create(day=DAY)
    people_services.person_update(
        person=grandmother,
        actor=people_["officer"],
        reason="Trích lục khai tử số 12/2026",
        values={"date_of_death": DIED},
    )
    grandmother.refresh_from_db()
    services.eligibility_run_create(day=LATER)
    return grandmother


def _claim(person: Any, actor: Any, **extra: Any) -> Case:
    return services.funeral_claim_record(person=person, actor=actor, **{**ARRANGER, **extra})


def test_it_takes_a_claim_from_the_death_to_a_paid_one_off_list(
    deceased: Any, people_: dict[str, Any]
) -> None:
    officer = people_["officer"]
    case = _claim(deceased, officer, note="Gia đình nộp hồ sơ ngày 25/11")
    assert case.status == CaseStatus.PROPOSED
    assert case.monthly_amount == 10_000_000
    assert case.start_month == date(2026, 11, 1)
    assert case.funeral_claim.arranger_phone == "+84912345678"
    services.case_review(case=case, actor=people_["reviewer"], note="Đủ giấy tờ")
    services.case_approve(case=case, actor=people_["chairman"], note="Đồng ý")
    # Never on a monthly list (her allowances wait for review since her death: nothing else).
    with pytest.raises(services.WorkflowError) as monthly:
        services.payment_list_create(commune_code=31825, month=LATER, actor=officer)
    assert monthly.value.code == "nothing_to_pay"
    one_off = services.payment_list_create(
        commune_code=31825, month=LATER, actor=officer, kind=PaymentListKind.ONE_OFF
    )
    assert one_off.number == "DS1L-31825-202612-01"
    assert one_off.total == 10_000_000
    line = PaymentLine.objects.get(payment_list=one_off)
    assert (line.payee_name, line.payee_relation) == ("Thạch Văn Sơn", "con trai")
    content, name, _ = services.payment_list_export(payment_list=one_off, fmt="csv", actor=officer)
    text = content.decode("utf-8-sig")
    assert "Thạch Văn Sơn (con trai)" in text
    assert "10000000" in text
    services.payment_list_mark_paid(payment_list=one_off, actor=officer)
    case.refresh_from_db()
    assert case.status == CaseStatus.PAID
    steps = list(case.transitions.values_list("action", "actor_label"))
    assert [s[0] for s in steps] == ["propose", "review", "approve", "paid"]
    assert all(label for _, label in steps)
    # Paid once: the next one-off list has nothing left.
    with pytest.raises(services.WorkflowError) as refused:
        services.payment_list_create(
            commune_code=31825, month=LATER, actor=officer, kind=PaymentListKind.ONE_OFF
        )
    assert refused.value.code == "nothing_to_pay"
    audited = AuditEntry.objects.filter(object_type="benefits.case", object_id=str(case.pk))
    assert {"create", "update"} <= set(audited.values_list("action", flat=True))


def test_it_refuses_a_claim_for_someone_living_or_not_eligible(
    grandmother: Any, people_: dict[str, Any], make_person: Any, commune_a: Any
) -> None:
    services.eligibility_run_create(day=DAY)
    with pytest.raises(services.WorkflowError) as living:
        _claim(grandmother, people_["officer"])
    assert living.value.code == "not_dead"
    stranger = make_person(commune_a, "Lâm Văn Tư", date_of_death=DIED)
    with pytest.raises(services.WorkflowError) as never:
        _claim(stranger, people_["officer"])
    assert never.value.code == "not_eligible"


def test_it_refuses_a_second_claim_and_bad_contact_details(
    deceased: Any, people_: dict[str, Any]
) -> None:
    with pytest.raises(services.WorkflowError) as phone:
        _claim(deceased, people_["officer"], arranger_phone="12")
    assert phone.value.code == "bad_phone"
    assert "0912 345 678" in phone.value.message_vi
    with pytest.raises(services.WorkflowError) as number:
        _claim(deceased, people_["officer"], arranger_personal_id="123")
    assert number.value.code == "bad_personal_id"
    with pytest.raises(services.WorkflowError) as nameless:
        _claim(deceased, people_["officer"], arranger_name="  ")
    assert nameless.value.code == "arranger_name_required"
    _claim(deceased, people_["officer"])
    with pytest.raises(services.WorkflowError) as again:
        _claim(deceased, people_["officer"])
    assert again.value.code == "already_open"


def test_it_refuses_another_communes_officer(deceased: Any, officer_b: Any, client: Any) -> None:
    with pytest.raises(services.WorkflowError) as refused:
        _claim(deceased, officer_b)
    assert refused.value.code == "not_allowed"
    login(client, officer_b)
    url = reverse("benefits:funeral_claim_new", args=[deceased.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, ARRANGER).status_code == 404
    assert not Case.objects.filter(policy_id="funeral_support").exists()


def test_it_refuses_a_health_worker(deceased: Any, health_worker_a: Any, client: Any) -> None:
    login(client, health_worker_a)
    url = reverse("benefits:funeral_claim_new", args=[deceased.pk])
    assert client.get(url).status_code == 403


def test_it_records_a_claim_from_the_pages(
    deceased: Any, people_: dict[str, Any], client: Any
) -> None:
    login(client, people_["officer"])
    page = client.get(reverse("benefits:person_decisions", args=[deceased.pk]))
    form_url = reverse("benefits:funeral_claim_new", args=[deceased.pk])
    assert form_url in page.content.decode()
    form = client.get(form_url)
    assert form.status_code == 200
    assert "10.000.000" in form.content.decode()
    response = client.post(form_url, {**ARRANGER, "note": "Nộp ngày 25/11"})
    case = Case.objects.get(policy_id="funeral_support")
    assert response.status_code == 302
    assert response["Location"] == reverse("benefits:case", args=[case.pk])
    detail = client.get(response["Location"]).content.decode()
    assert "Thạch Văn Sơn" in detail
    assert "0912 345 678" in detail
    assert AuditEntry.objects.filter(object_type="benefits.case", action="view").exists()


def test_it_makes_a_one_off_list_from_the_pages(
    deceased: Any, people_: dict[str, Any], client: Any
) -> None:
    case = _claim(deceased, people_["officer"])
    services.case_review(case=case, actor=people_["reviewer"])
    services.case_approve(case=case, actor=people_["chairman"])
    login(client, people_["officer"])
    response = client.post(
        reverse("benefits:payment_lists"),
        {"commune": 31825, "month": "2026-11", "kind": "one_off"},
    )
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "Thạch Văn Sơn (con trai)" in detail
    pdf = client.get(response["Location"] + "export.pdf")
    assert pdf.status_code == 200
    assert io.BytesIO(pdf.content).read(4) == b"%PDF"


def test_it_prints_the_one_off_list_from_the_command_line(
    deceased: Any, people_: dict[str, Any], tmp_path: Any
) -> None:
    from django.core.management import call_command

    case = _claim(deceased, people_["officer"])
    services.case_review(case=case, actor=people_["reviewer"])
    services.case_approve(case=case, actor=people_["chairman"])
    target = tmp_path / "mai-tang.csv"
    out = io.StringIO()
    call_command(
        "benefits",
        "payment-list",
        "--commune=31825",
        "--month=2026-12",
        "--kind=one_off",
        "--format=csv",
        f"--output={target}",
        "--by=officer.a",
        stdout=out,
    )
    assert out.getvalue().startswith("DS1L-31825-202612-01")
    assert "Thạch Văn Sơn" in target.read_text(encoding="utf-8-sig")


def test_it_makes_a_one_off_list_through_the_api(
    deceased: Any, people_: dict[str, Any], officer_b: Any, client: Any
) -> None:
    import json

    case = _claim(deceased, people_["officer"])
    services.case_review(case=case, actor=people_["reviewer"])
    services.case_approve(case=case, actor=people_["chairman"])
    body = json.dumps({"commune_code": 31825, "month": "2026-12", "kind": "one_off"})
    login(client, officer_b)
    refused = client.post("/api/v1/benefits/payment-lists", body, content_type="application/json")
    assert refused.status_code in (403, 404)
    login(client, people_["officer"])
    created = client.post("/api/v1/benefits/payment-lists", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["kind"] == "one_off"
    detail = client.get(f"/api/v1/benefits/payment-lists/{created.json()['id']}").json()
    assert detail["lines"][0]["paid_to"] == "Thạch Văn Sơn (con trai)"
    shown = client.get(f"/api/v1/benefits/cases/{case.pk}").json()
    assert shown["status"] == "approved"


def test_it_records_a_claim_through_the_api(
    deceased: Any, people_: dict[str, Any], officer_b: Any, health_worker_a: Any, client: Any
) -> None:
    import json

    body = json.dumps({"person_id": deceased.pk, **ARRANGER})
    for outsider in (officer_b, health_worker_a):
        login(client, outsider)
        refused = client.post(
            "/api/v1/benefits/funeral-claims", body, content_type="application/json"
        )
        assert refused.status_code in (403, 404)
    assert not Case.objects.filter(policy_id="funeral_support").exists()
    login(client, people_["officer"])
    created = client.post("/api/v1/benefits/funeral-claims", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert (created.json()["policy_id"], created.json()["status"]) == (
        "funeral_support",
        "proposed",
    )
    assert created.json()["monthly_amount"] == 10_000_000
    again = client.post("/api/v1/benefits/funeral-claims", body, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_open"
    bad = json.dumps({"person_id": deceased.pk, **ARRANGER, "documents": ["passport"]})
    assert (
        client.post(
            "/api/v1/benefits/funeral-claims", bad, content_type="application/json"
        ).status_code
        == 422
    )
    case = Case.objects.get(policy_id="funeral_support")
    assert case.funeral_claim.arranger_name == "Thạch Văn Sơn"
    assert AuditEntry.objects.filter(via="api", object_id=str(case.pk)).exists()

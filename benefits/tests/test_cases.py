"""The case workflow: proposal, four-eyes review, the chairman's approval, suspension, ending,
flags after a later run, and who may do what."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from benefits import services
from benefits.models import Case, CaseTransition, Decision
from conftest import login
from people.models import Person

DAY = date(2026, 11, 1)
POLICY = "social_allowance.elderly_75_difficult_area"


@pytest.fixture
def chairman_a(make_user: Any) -> Any:
    user = make_user("chairman.a", "commune_officer", (31825,), full_name="Lý Văn Chủ")
    services.approver_set(user=user, grant=True)
    return user


@pytest.fixture
def reviewer_a(make_user: Any) -> Any:
    return make_user("reviewer.a", "commune_officer", (31825,), full_name="Đỗ Thị Xét")


@pytest.fixture
def decision(grandmother: Any) -> Decision:
    services.eligibility_run_create(day=DAY)
    return Decision.objects.filter(person=grandmother, policy_id=POLICY).latest("id")


def approved_case(decision: Decision, officer: Any, reviewer: Any, chairman: Any) -> Case:
    case = services.case_propose(decision=decision, actor=officer)
    services.case_review(case=case, actor=reviewer)
    return services.case_approve(case=case, actor=chairman, note="QĐ 12/QĐ-UBND")


def test_it_carries_amount_and_start_month_from_the_decision(
    decision: Decision, officer_a: Any
) -> None:
    case = services.case_propose(decision=decision, actor=officer_a)
    assert case.status == "proposed"
    assert case.monthly_amount == 500000
    assert case.start_month == date(2026, 11, 1)
    step = CaseTransition.objects.get(case=case)
    assert (step.action, step.to_status, step.actor) == ("propose", "proposed", officer_a)
    assert AuditEntry.objects.filter(object_type="benefits.case", action="create").exists()


def test_it_goes_from_proposed_to_approved_with_who_and_why(
    decision: Decision, officer_a: Any, reviewer_a: Any, chairman_a: Any
) -> None:
    case = approved_case(decision, officer_a, reviewer_a, chairman_a)
    case.refresh_from_db()
    assert case.status == "approved"
    assert (case.proposed_by, case.reviewed_by, case.approved_by) == (
        officer_a,
        reviewer_a,
        chairman_a,
    )
    steps = list(case.transitions.values_list("action", "from_status", "to_status", "reason"))
    assert steps == [
        ("propose", "", "proposed", ""),
        ("review", "proposed", "reviewed", ""),
        ("approve", "reviewed", "approved", "QĐ 12/QĐ-UBND"),
    ]


def test_it_refuses_the_proposer_as_reviewer(decision: Decision, officer_a: Any) -> None:
    case = services.case_propose(decision=decision, actor=officer_a)
    with pytest.raises(services.WorkflowError) as refused:
        services.case_review(case=case, actor=officer_a)
    assert refused.value.code == "four_eyes"
    assert "không được tự thẩm định" in refused.value.message_vi


def test_it_needs_the_chairman_to_approve(
    decision: Decision, officer_a: Any, reviewer_a: Any, province_admin: Any
) -> None:
    case = services.case_propose(decision=decision, actor=officer_a)
    services.case_review(case=case, actor=reviewer_a)
    for who in (reviewer_a, province_admin):
        with pytest.raises(services.WorkflowError) as refused:
            services.case_approve(case=case, actor=who)
        assert refused.value.code == "chairman_required"


def test_it_refuses_another_communes_chairman(
    decision: Decision, officer_a: Any, reviewer_a: Any, officer_b: Any
) -> None:
    services.approver_set(user=officer_b, grant=True)
    case = services.case_propose(decision=decision, actor=officer_a)
    services.case_review(case=case, actor=reviewer_a)
    with pytest.raises(services.WorkflowError):
        services.case_approve(case=case, actor=officer_b)
    with pytest.raises(services.WorkflowError):
        services.case_propose(decision=decision, actor=officer_b)


def test_it_suspends_with_a_reason_and_resumes(
    decision: Decision, officer_a: Any, reviewer_a: Any, chairman_a: Any
) -> None:
    case = approved_case(decision, officer_a, reviewer_a, chairman_a)
    with pytest.raises(services.WorkflowError):
        services.case_suspend(case=case, actor=chairman_a, reason=" ")
    services.case_suspend(case=case, actor=chairman_a, reason="Không nhận 3 tháng liền")
    assert Case.objects.get(pk=case.pk).status == "suspended"
    services.case_resume(case=case, actor=chairman_a, reason="Đã nhận lại")
    assert Case.objects.get(pk=case.pk).status == "approved"
    services.case_end(case=case, actor=chairman_a, end_reason="moved", note="Chuyển đi")
    case.refresh_from_db()
    assert (case.status, case.end_reason) == ("ended", "moved")
    # An ended case frees the person for a new proposal.
    assert services.case_propose(decision=decision, actor=officer_a).status == "proposed"


def test_it_refuses_a_second_open_case(decision: Decision, officer_a: Any) -> None:
    services.case_propose(decision=decision, actor=officer_a)
    with pytest.raises(services.WorkflowError) as refused:
        services.case_propose(decision=decision, actor=officer_a)
    assert refused.value.code == "already_open"


def test_it_refuses_a_step_from_the_wrong_status(
    decision: Decision, officer_a: Any, chairman_a: Any
) -> None:
    case = services.case_propose(decision=decision, actor=officer_a)
    with pytest.raises(services.WorkflowError) as refused:
        services.case_approve(case=case, actor=chairman_a)
    assert refused.value.code == "wrong_status"


def test_it_flags_an_approved_case_when_the_person_dies(
    decision: Decision, grandmother: Any, officer_a: Any, reviewer_a: Any, chairman_a: Any
) -> None:
    case = approved_case(decision, officer_a, reviewer_a, chairman_a)
    Person.objects.filter(pk=grandmother.pk).update(date_of_death=date(2026, 11, 20))
    services.eligibility_run_create(day=date(2026, 12, 1))
    case.refresh_from_db()
    assert case.status == "approved"
    assert case.needs_review
    assert "đã mất" in case.review_reason
    assert case.transitions.filter(action="flag", actor__isnull=True).exists()
    services.case_end(case=case, actor=chairman_a, end_reason="death")
    case.refresh_from_db()
    assert (case.status, case.needs_review) == ("ended", False)


def test_it_flags_a_case_whose_person_turned_ineligible(
    decision: Decision, grandmother: Any, officer_a: Any
) -> None:
    case = services.case_propose(decision=decision, actor=officer_a)
    # Turns 80: group 5b ends, 5c begins.
    Person.objects.filter(pk=grandmother.pk).update(date_of_birth=date(1946, 12, 5))
    services.eligibility_run_create(day=date(2026, 12, 1))
    case.refresh_from_db()
    assert case.needs_review
    assert "không còn đủ điều kiện" in case.review_reason


def test_it_proposes_every_newly_eligible_after_confirming(
    client: Any, decision: Decision, officer_a: Any
) -> None:
    login(client, officer_a)
    url = reverse("benefits:propose_all")
    page = client.get(url, {"commune": 31825})
    assert page.status_code == 200
    assert page.context["pending"] == 2  # group 5b and the social pension
    assert not Case.objects.exists()
    response = client.post(url, {"commune": 31825, "confirm": "yes"})
    assert response.status_code == 302
    assert Case.objects.filter(status="proposed").count() == 2
    assert CaseTransition.objects.filter(action="propose").count() == 2
    again = client.get(url, {"commune": 31825})
    assert again.context["pending"] == 0


def test_it_refuses_proposing_for_another_commune(
    client: Any, decision: Decision, officer_b: Any
) -> None:
    login(client, officer_b)
    response = client.post(reverse("benefits:propose_all"), {"commune": 31825, "confirm": "yes"})
    assert response.status_code == 200  # the commune is not a choice: the form is shown again
    assert not Case.objects.exists()
    response = client.post(reverse("benefits:decision_propose", args=[decision.pk]))
    assert response.status_code == 404


def test_it_shows_the_worklist_with_counts_in_few_queries(
    client: Any,
    decision: Decision,
    officer_a: Any,
    django_assert_max_num_queries: Any,
) -> None:
    services.cases_propose_eligible(commune_code=31825, actor=officer_a)
    login(client, officer_a)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("benefits:cases"), {"status": "proposed"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2
    counts = {t["value"]: t["count"] for t in response.context["tabs"]}
    assert counts["proposed"] == 2
    assert counts["approved"] == 0


def test_it_asks_before_a_bulk_step_then_takes_it(
    client: Any, decision: Decision, officer_a: Any, reviewer_a: Any
) -> None:
    cases = services.cases_propose_eligible(commune_code=31825, actor=officer_a)
    login(client, reviewer_a)
    data = {"action": "review", "case": [c.pk for c in cases], "reason": ""}
    confirm = client.post(reverse("benefits:case_bulk"), data)
    assert confirm.status_code == 200
    assert "benefits/case_bulk_confirm.html" in [t.name for t in confirm.templates]
    assert not Case.objects.filter(status="reviewed").exists()
    done = client.post(reverse("benefits:case_bulk"), {**data, "confirm": "yes"})
    assert done.status_code == 302
    assert Case.objects.filter(status="reviewed").count() == 2


def test_it_refuses_another_communes_case_page_and_steps(
    client: Any, decision: Decision, officer_a: Any, officer_b: Any, helper_a: Any
) -> None:
    case = services.case_propose(decision=decision, actor=officer_a)
    login(client, officer_b)
    assert client.get(reverse("benefits:case", args=[case.pk])).status_code == 404
    step = client.post(reverse("benefits:case_step", args=[case.pk]), {"action": "review"})
    assert step.status_code == 404
    bulk = client.post(
        reverse("benefits:case_bulk"), {"action": "review", "case": [case.pk], "confirm": "yes"}
    )
    assert bulk.status_code == 302
    assert Case.objects.get(pk=case.pk).status == "proposed"
    login(client, helper_a)
    assert client.get(reverse("benefits:cases")).status_code == 403


def test_it_shows_the_case_timeline_and_audits_the_view(
    client: Any, decision: Decision, officer_a: Any, reviewer_a: Any, chairman_a: Any
) -> None:
    case = approved_case(decision, officer_a, reviewer_a, chairman_a)
    login(client, chairman_a)
    response = client.get(reverse("benefits:case", args=[case.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "QĐ 12/QĐ-UBND" in text
    assert "Đỗ Thị Xét" in text
    assert AuditEntry.objects.filter(
        object_type="benefits.case", action="view", actor=chairman_a
    ).exists()
    suspend = client.post(
        reverse("benefits:case_step", args=[case.pk]),
        {"action": "suspend", "reason": "Tạm giam"},
    )
    assert suspend.status_code == 302
    assert Case.objects.get(pk=case.pk).status == "suspended"


def test_it_takes_steps_through_the_api(
    client: Any, decision: Decision, officer_a: Any, reviewer_a: Any, officer_b: Any
) -> None:
    login(client, officer_a)
    created = client.post(
        "/api/v1/benefits/cases",
        json.dumps({"decision_id": decision.pk}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    case_id = created.json()["id"]
    refused = client.post(
        f"/api/v1/benefits/cases/{case_id}/steps",
        json.dumps({"action": "review"}),
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "four_eyes"
    login(client, reviewer_a)
    ok = client.post(
        f"/api/v1/benefits/cases/{case_id}/steps",
        json.dumps({"action": "review"}),
        content_type="application/json",
    )
    assert ok.json()["status"] == "reviewed"
    listed = client.get("/api/v1/benefits/cases", {"status": "reviewed"})
    assert [c["id"] for c in listed.json()] == [case_id]
    assert listed.json()[0]["personal_id_masked"].endswith("123")
    login(client, officer_b)
    assert client.get(f"/api/v1/benefits/cases/{case_id}").status_code == 404
    assert client.get("/api/v1/benefits/cases").json() == []

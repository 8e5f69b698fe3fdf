"""Eligibility runs, stored decisions and the staff pages that show them."""

from __future__ import annotations

from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from django.urls import reverse

from accounts.models import AuditEntry
from benefits import batch, services
from benefits.models import Decision, EligibilityRun
from conftest import login
from people.models import Disability, Person, PovertyStatus

DAY = date(2026, 11, 1)


def current(person: Any, policy_id: str) -> Decision:
    return Decision.objects.filter(person=person, policy_id=policy_id).latest("id")


def test_it_stores_a_decision_per_policy_with_reasons(grandmother: Any) -> None:
    run = services.eligibility_run_create(day=DAY)
    assert run.persons == 1
    stored = set(Decision.objects.values_list("policy_id", flat=True))
    # Policies never found eligible leave no decision.
    assert stored == {
        "social_allowance.elderly_75_difficult_area",
        "social_pension",
        "health_insurance.state_paid",
    }
    assert run.written == 3
    decision = current(grandmother, "social_allowance.elderly_75_difficult_area")
    assert decision.status == "eligible"
    assert decision.monthly_amount == 500000
    assert decision.effective_from == date(2026, 11, 1)
    assert decision.conditions == {
        "aged_75_to_80": True,
        "poor_or_near_poor": True,
        "especially_difficult_area": True,
    }
    assert decision.parameters == {"base_level": 500000}
    assert len(decision.rule_version) == 16
    assert decision.commune_id == grandmother.commune_id
    health = current(grandmother, "health_insurance.state_paid")
    assert health.monthly_amount is None
    assert health.conditions["near_poor_ethnic_minority_in_area"] is True
    assert run.summary["social_pension"] == {
        "written": 1,
        "became_eligible": 1,
        "lost_eligibility": 0,
    }


def test_it_writes_only_what_changed(grandmother: Any) -> None:
    first = services.eligibility_run_create(day=DAY)
    again = services.eligibility_run_create(day=DAY)
    assert again.written == 0
    Disability.objects.filter(person=grandmother).update(valid_from=date(2026, 1, 1))
    PovertyStatus.objects.filter(household=grandmother.household, review_year=2025).update(
        status="neither"
    )
    later = services.eligibility_run_create(day=date(2026, 12, 1))
    changed = set(Decision.objects.filter(run=later).values_list("policy_id", flat=True))
    # Health insurance stays, on another route: a changed condition is a new decision too.
    assert changed == {
        "social_allowance.disability",
        "social_allowance.elderly_75_difficult_area",
        "health_insurance.state_paid",
    }
    new = current(grandmother, "social_allowance.disability")
    assert (new.status, new.previous_status, new.monthly_amount) == ("eligible", "", 1000000)
    assert new.supersedes is None
    lost = current(grandmother, "social_allowance.elderly_75_difficult_area")
    assert (lost.status, lost.previous_status, lost.monthly_amount) == (
        "ineligible",
        "eligible",
        None,
    )
    assert lost.supersedes is not None and lost.supersedes.run_id == first.pk
    assert lost.conditions["poor_or_near_poor"] is False
    assert later.summary == {
        "health_insurance.state_paid": {"written": 1, "became_eligible": 0, "lost_eligibility": 0},
        "social_allowance.disability": {"written": 1, "became_eligible": 1, "lost_eligibility": 0},
        "social_allowance.elderly_75_difficult_area": {
            "written": 1,
            "became_eligible": 0,
            "lost_eligibility": 1,
        },
    }


def test_it_leaves_the_previous_decisions_when_a_run_fails(
    grandmother: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.eligibility_run_create(day=DAY)
    before = list(Decision.objects.values_list("id", "status"))
    real = batch._changes

    def broken(policy: Any, **kwargs: Any) -> list[str]:
        if policy.id == "social_pension":
            return ["INSERT INTO no_such_table VALUES (1)"]
        return real(policy, **kwargs)

    monkeypatch.setattr(batch, "_changes", broken)
    Disability.objects.filter(person=grandmother).update(valid_from=date(2026, 1, 1))
    with pytest.raises(DatabaseError):
        services.eligibility_run_create(day=date(2026, 12, 1))
    assert list(Decision.objects.values_list("id", "status")) == before
    assert EligibilityRun.objects.count() == 1


def test_it_prints_the_changes_of_a_run(grandmother: Any) -> None:
    out = StringIO()
    call_command("eligibility", "run", "--date", "2026-11-01", stdout=out)
    text = out.getvalue()
    assert "1 người, 3 quyết định mới" in text
    assert "social_pension: +1 đủ điều kiện mới / became eligible, -0" in text
    with pytest.raises(CommandError, match="Cannot evaluate on 30/06/2021"):
        call_command("eligibility", "run", "--date", "2021-06-30")


def test_it_lists_the_decisions_of_the_officers_communes(
    client: Any,
    grandmother: Any,
    officer_a: Any,
    officer_b: Any,
    commune_b: Any,
    make_person: Any,
    django_assert_max_num_queries: Any,
) -> None:
    make_person(commune_b, "Trần Thị Bé", date_of_birth=date(1940, 1, 1))
    services.eligibility_run_create(day=DAY)
    login(client, officer_a)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("benefits:decisions"), {"status": "eligible"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Thạch Thị Sen" in html
    assert "Trần Thị Bé" not in html
    assert "096151000123" not in html
    assert "Trợ cấp hưu trí xã hội" in html
    login(client, officer_b)
    html = client.get(reverse("benefits:decisions")).content.decode()
    assert "Trần Thị Bé" in html and "Thạch Thị Sen" not in html


def test_it_refuses_roles_that_may_not_see_decisions(
    client: Any, helper_a: Any, citizen: Any
) -> None:
    for user in (helper_a, citizen):
        login(client, user)
        assert client.get(reverse("benefits:decisions")).status_code == 403
    client.logout()
    assert client.get(reverse("benefits:decisions")).status_code == 302


def test_it_explains_a_persons_decisions_and_audits_it(
    client: Any, grandmother: Any, officer_a: Any
) -> None:
    services.eligibility_run_create(day=DAY)
    login(client, officer_a)
    response = client.get(reverse("benefits:person_decisions", args=[grandmother.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "Đạt:</strong> Từ đủ 75 tuổi đến dưới 80 tuổi" in html
    assert "500.000\xa0₫ mỗi tháng" in html
    entry = AuditEntry.objects.get(object_type="benefits.decisions")
    assert (entry.actor, entry.object_id) == (officer_a, str(grandmother.pk))


def test_it_refuses_another_communes_person(
    client: Any, grandmother: Any, officer_b: Any, helper_a: Any
) -> None:
    services.eligibility_run_create(day=DAY)
    login(client, officer_b)
    assert (
        client.get(reverse("benefits:person_decisions", args=[grandmother.pk])).status_code == 404
    )
    login(client, helper_a)
    assert (
        client.get(reverse("benefits:person_decisions", args=[grandmother.pk])).status_code == 403
    )
    assert not AuditEntry.objects.filter(object_type="benefits.decisions").exists()


def test_it_ends_the_entitlements_of_a_person_who_died(grandmother: Any) -> None:
    services.eligibility_run_create(day=DAY)
    Person.objects.filter(pk=grandmother.pk).update(date_of_death=date(2026, 11, 20))
    later = services.eligibility_run_create(day=date(2026, 12, 1))
    ended = Decision.objects.filter(run=later)
    assert {(d.policy_id, d.status, d.previous_status) for d in ended} == {
        ("social_allowance.elderly_75_difficult_area", "ineligible", "eligible"),
        ("social_pension", "ineligible", "eligible"),
        ("health_insurance.state_paid", "ineligible", "eligible"),
    }
    assert all(d.conditions == {} and d.supersedes_id for d in ended)
    assert later.summary["social_pension"]["lost_eligibility"] == 1
    assert services.eligibility_run_create(day=date(2027, 1, 1)).written == 0

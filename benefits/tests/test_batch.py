"""The batch eligibility run (benefits.batch through services.eligibility_run_create): what it
appends, the current decision it keeps for each person and policy, and what a failure leaves."""

from __future__ import annotations

import dataclasses
import importlib
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import DatabaseError, connection
from django.db.models import Max

from benefits import batch, selectors, services
from benefits.models import CurrentDecision, Decision, EligibilityRun
from people.models import Person

DAY = date(2026, 11, 1)


def latest_by_key() -> dict[tuple[str, int], Decision]:
    ids = Decision.objects.values("policy_id", "person_id").annotate(last=Max("id")).values("last")
    return {(d.policy_id, d.person_id): d for d in Decision.objects.filter(id__in=ids)}


def current_by_key() -> dict[tuple[str, int], tuple[int, str, str]]:
    return {
        (c.policy_id, c.person_id): (c.decision_id, c.status, c.digest)
        for c in CurrentDecision.objects.all()
    }


def assert_current_is_latest() -> None:
    latest = latest_by_key()
    current = current_by_key()
    assert set(current) == set(latest)
    for key, decision in latest.items():
        assert current[key][:2] == (decision.pk, decision.status)


@pytest.fixture
def widow(commune_a: Any, village_a: Any, make_person: Any) -> Any:
    """A single woman of 82 without a pension: the allowance for those over 80."""
    return make_person(
        commune_a,
        "Lâm Thị Ên",
        date_of_birth=date(1944, 5, 2),
        village=village_a,
        personal_id="096144000777",
    )


@pytest.mark.parametrize("held_bits", [60, 3])
def test_it_keeps_the_current_decision_of_every_person_and_policy(
    grandmother: Any,
    widow: Any,
    commune_b: Any,
    held_bits: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Three bits to a column spreads the sixteen policies over six columns.
    monkeypatch.setattr(batch, "HELD_BITS", held_bits)
    first = services.eligibility_run_create(day=DAY)
    assert first.persons == 2
    assert_current_is_latest()
    # Moving to another commune is a new decision for every policy held.
    Person.objects.filter(pk=widow.pk).update(commune=commune_b, village=None)
    moved = services.eligibility_run_create(day=DAY)
    held = {p for (p, person) in current_by_key() if person == widow.pk}
    assert {d.policy_id for d in Decision.objects.filter(run=moved)} == held
    assert all(d.commune_id == commune_b.pk for d in Decision.objects.filter(run=moved))
    # Younger than 75 again: the allowance of 75 to 80 ends.
    Person.objects.filter(pk=grandmother.pk).update(date_of_birth=date(1970, 1, 1))
    younger = services.eligibility_run_create(day=DAY)
    lost = Decision.objects.select_related("supersedes").get(
        run=younger, policy_id="social_allowance.elderly_75_difficult_area"
    )
    assert (lost.status, lost.previous_status, lost.supersedes.run_id) == (
        "ineligible",
        "eligible",
        first.pk,
    )
    assert younger.summary["social_allowance.elderly_75_difficult_area"]["lost_eligibility"] == 1
    assert_current_is_latest()
    assert services.eligibility_run_create(day=DAY).written == 0


def test_it_gives_new_decisions_the_next_ids(grandmother: Any) -> None:
    services.eligibility_run_create(day=DAY)
    before = Decision.objects.aggregate(Max("id"))["id__max"]
    Person.objects.filter(pk=grandmother.pk).update(date_of_death=date(2026, 11, 20))
    later = services.eligibility_run_create(day=date(2026, 12, 1))
    ids = sorted(Decision.objects.filter(run=later).values_list("id", flat=True))
    assert ids == list(range(before + 1, before + 1 + len(ids)))
    # The database's own counter follows: a decision stored another way does not collide.
    extra = Decision.objects.create(
        run=later,
        person=grandmother,
        commune_id=grandmother.commune_id,
        policy_id="test",
        status="ineligible",
        effective_from=date(2026, 12, 1),
        rule_version="x",
        created_at=later.started_at,
    )
    assert extra.pk > ids[-1]


def test_it_ends_the_entitlements_of_a_policy_no_longer_in_force(
    grandmother: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.eligibility_run_create(day=DAY)
    policies = selectors.policy_set()
    ended = dataclasses.replace(policies.get("social_pension"), valid_to=date(2026, 11, 30))
    shorter = dataclasses.replace(
        policies, policies=tuple(ended if p.id == ended.id else p for p in policies.policies)
    )
    monkeypatch.setattr(selectors, "policy_set", lambda: shorter)
    later = services.eligibility_run_create(day=date(2026, 12, 1))
    decision = Decision.objects.get(run=later, policy_id="social_pension")
    assert (decision.status, decision.previous_status, decision.conditions) == (
        "ineligible",
        "eligible",
        {},
    )
    assert later.summary["social_pension"]["lost_eligibility"] == 1
    assert_current_is_latest()
    assert services.eligibility_run_create(day=date(2026, 12, 1)).written == 0


def test_it_leaves_decisions_and_current_decisions_when_the_last_step_fails(
    grandmother: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.eligibility_run_create(day=DAY)
    decisions = list(Decision.objects.values_list("id", "status"))
    current = current_by_key()
    Person.objects.filter(pk=grandmother.pk).update(date_of_death=date(2026, 11, 20))
    # The decisions and current decisions are written by then; the summary query fails.
    monkeypatch.setattr(batch, "_summary_sql", lambda dialect: "SELECT * FROM no_such_table")
    with pytest.raises(DatabaseError):
        services.eligibility_run_create(day=date(2026, 12, 1))
    assert list(Decision.objects.values_list("id", "status")) == decisions
    assert current_by_key() == current
    assert EligibilityRun.objects.count() == 1


def test_it_reads_the_current_decisions_the_migration_filled(grandmother: Any, widow: Any) -> None:
    services.eligibility_run_create(day=DAY)
    Person.objects.filter(pk=widow.pk).update(date_of_death=date(2026, 11, 20))
    services.eligibility_run_create(day=date(2026, 12, 1))
    kept = current_by_key()
    # As after an upgrade: decisions without current decisions, filled by the migration.
    CurrentDecision.objects.all().delete()
    migration = importlib.import_module(
        "benefits.migrations.0004_current_decision_per_person_and_policy"
    )
    migration.fill_current(apps, SimpleNamespace(connection=connection))
    assert current_by_key() == kept
    assert services.eligibility_run_create(day=date(2026, 12, 1)).written == 0

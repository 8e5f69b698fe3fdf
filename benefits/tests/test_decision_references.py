"""Decisions point at their run, person, commune and superseded decision without database
foreign keys: the run writes what it read, and Django refuses to delete what they point at."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db.models import Exists, OuterRef, ProtectedError

from benefits import services
from benefits.models import Decision, EligibilityRun
from people.models import Person
from places.models import Commune

DAY = date(2026, 11, 1)


@pytest.fixture
def widow(commune_a: Any, village_a: Any, make_person: Any) -> Any:
    """A woman of 82 without a pension record: her decisions need information."""
    return make_person(commune_a, "Lâm Thị Ên", date_of_birth=date(1944, 5, 2), village=village_a)


def test_it_points_every_decision_at_what_exists(grandmother: Any, widow: Any) -> None:
    services.eligibility_run_create(day=DAY)
    Person.objects.filter(pk=widow.pk).update(date_of_death=date(2026, 11, 10))
    services.eligibility_run_create(day=date(2026, 12, 1))
    decisions = Decision.objects.all()
    assert decisions.count() > 0
    dangling = decisions.exclude(
        Exists(Person.objects.filter(pk=OuterRef("person_id"))),
        Exists(Commune.objects.filter(pk=OuterRef("commune_id"))),
        Exists(EligibilityRun.objects.filter(pk=OuterRef("run_id"))),
    )
    assert not dangling.exists()
    superseding = decisions.filter(supersedes__isnull=False)
    assert superseding.exists()
    assert not superseding.exclude(
        Exists(Decision.objects.filter(pk=OuterRef("supersedes_id")))
    ).exists()


def test_it_refuses_to_delete_what_a_decision_points_at(grandmother: Any) -> None:
    run = services.eligibility_run_create(day=DAY)
    decision = Decision.objects.filter(person=grandmother).first()
    assert decision is not None
    with pytest.raises(ProtectedError):
        grandmother.delete()
    with pytest.raises(ProtectedError):
        run.delete()
    with pytest.raises(ProtectedError):
        Commune.objects.get(pk=decision.commune_id).delete()
    assert Person.objects.filter(pk=grandmother.pk).exists()

"""Home-visit scheduling: idempotent, never flooding a plan entered late, stopped with the plan."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from health.book import services
from health.models import HomeVisit

pytestmark = pytest.mark.django_db


def test_scheduling_again_adds_nothing(make_person, commune_a, health_worker_a) -> None:  # type: ignore[no-untyped-def]
    person = make_person(commune_a)
    today = timezone.localdate()
    plan = services.care_plan_create(
        person=person, actor=health_worker_a, title="HA", starts_on=today, visit_every_days=10
    )
    days = list(HomeVisit.objects.filter(plan=plan).values_list("due_on", flat=True))
    assert days == [
        today,
        today + timedelta(days=10),
        today + timedelta(days=20),
        today + timedelta(days=30),
    ]
    assert services.home_visits_schedule(plan=plan) == 0
    call_command("health", "schedule-visits")
    assert HomeVisit.objects.filter(plan=plan).count() == 4
    # A month later the window has moved: only the new days are added.
    later = today + timedelta(days=30)
    assert services.home_visits_schedule(plan=plan, today=later) == 3


def test_a_plan_entered_late_gets_one_overdue_visit_not_a_year_of_them(  # type: ignore[no-untyped-def]
    make_person, commune_a, health_worker_a
) -> None:
    person = make_person(commune_a)
    today = timezone.localdate()
    plan = services.care_plan_create(
        person=person,
        actor=health_worker_a,
        title="HA",
        starts_on=today - timedelta(days=365),
        visit_every_days=14,
    )
    overdue = HomeVisit.objects.filter(plan=plan, due_on__lt=today)
    assert overdue.count() == 1
    assert (today - overdue.get().due_on).days < 14


def test_ending_a_plan_cancels_its_future_visits(make_person, commune_a, health_worker_a) -> None:  # type: ignore[no-untyped-def]
    person = make_person(commune_a)
    today = timezone.localdate()
    plan = services.care_plan_create(
        person=person, actor=health_worker_a, title="HA", starts_on=today, visit_every_days=7
    )
    services.care_plan_status_set(plan=plan, actor=health_worker_a, status="completed")
    assert not HomeVisit.objects.filter(plan=plan, status="scheduled", due_on__gt=today).exists()
    assert services.home_visits_schedule(plan=plan) == 0

"""Scheduling a plan's home visits twice, one run after another or both at once, adds each visit
once: the database keeps one visit per plan and day."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from health.book import services
from health.models import HomeVisit

ON_POSTGRESQL = connection.vendor == "postgresql"


def _plan(make_person, commune_a, health_worker_a, every: int = 7):  # type: ignore[no-untyped-def]
    person = make_person(commune_a)
    return services.care_plan_create(
        person=person,
        actor=health_worker_a,
        title="Theo dõi huyết áp",
        starts_on=timezone.localdate(),
        visit_every_days=every,
    )


def _days(plan) -> list:  # type: ignore[no-untyped-def]
    return list(HomeVisit.objects.filter(plan=plan).values_list("due_on", flat=True))


@pytest.mark.django_db
def test_it_schedules_each_visit_once_when_the_command_runs_twice(  # type: ignore[no-untyped-def]
    make_person, commune_a, health_worker_a
) -> None:
    plan = _plan(make_person, commune_a, health_worker_a)
    HomeVisit.objects.filter(plan=plan).delete()
    call_command("health", "schedule-visits")
    first = _days(plan)
    call_command("health", "schedule-visits")
    assert _days(plan) == first
    assert len(first) == len(set(first)) == 5


@pytest.mark.django_db
def test_the_database_refuses_a_second_visit_of_a_plan_on_the_same_day(  # type: ignore[no-untyped-def]
    make_person, commune_a, health_worker_a
) -> None:
    plan = _plan(make_person, commune_a, health_worker_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        HomeVisit.objects.create(person=plan.person, plan=plan, due_on=plan.starts_on)
    # Extra visits outside a plan may share a day.
    for _ in range(2):
        services.home_visit_add(person=plan.person, actor=health_worker_a, due_on=plan.starts_on)
    assert HomeVisit.objects.filter(person=plan.person, due_on=plan.starts_on).count() == 3


# Only PostgreSQL can race: SQLite takes the write lock at BEGIN (IMMEDIATE transactions), so a
# second run waits for the first and then sees its visits; and the in-memory SQLite test
# database cannot hold two writing connections at all. The PostgreSQL stage of the suite runs it.
if ON_POSTGRESQL:

    @pytest.mark.django_db(transaction=True, serialized_rollback=True)
    def test_two_runs_at_once_add_each_visit_once(  # type: ignore[no-untyped-def]
        make_person, commune_a, health_worker_a
    ) -> None:
        plan = _plan(make_person, commune_a, health_worker_a)
        HomeVisit.objects.filter(plan=plan).delete()
        first_wrote = threading.Event()
        added: dict[str, int] = {}
        failed: list[BaseException] = []

        def first() -> None:
            # Adds the visits and holds its transaction open while the second run starts.
            try:
                with transaction.atomic():
                    added["first"] = services.home_visits_schedule(plan=plan)
                    first_wrote.set()
                    second_thread.join(timeout=1)
            except BaseException as exc:  # pragma: no cover - reported below
                failed.append(exc)
                first_wrote.set()
            finally:
                connection.close()

        def second() -> None:
            # Reads before the first run commits, so it sees no visit and must meet the constraint.
            try:
                first_wrote.wait(timeout=10)
                added["second"] = services.home_visits_schedule(plan=plan)
            except BaseException as exc:  # pragma: no cover - reported below
                failed.append(exc)
            finally:
                connection.close()

        first_thread = threading.Thread(target=first)
        second_thread = threading.Thread(target=second)
        second_thread.start()
        first_thread.start()
        first_thread.join(timeout=30)
        second_thread.join(timeout=30)

        assert failed == []
        days = _days(plan)
        assert len(days) == len(set(days))
        assert len(days) == 5
        assert added == {"first": 5, "second": 0}

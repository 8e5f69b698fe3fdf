"""Reads of the health book: one person's book, a worker's books and their visits due."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Min, Prefetch, Q, QuerySet

from accounts.models import User
from health.models import (
    Allergy,
    CareGoal,
    CarePlan,
    Carer,
    Condition,
    HomeVisit,
    Medication,
    Vaccination,
)
from health.permissions import patients_for
from lib.vn_text import fold
from people.models import Disability, Person


@dataclass
class Book:
    person: Person
    disabilities: list[Disability]
    conditions: list[Condition]
    medications: list[Medication]
    allergies: list[Allergy]
    vaccinations: list[Vaccination]
    plans: list[CarePlan]
    visits_due: list[HomeVisit]
    visits_done: list[HomeVisit]
    carers: list[Carer]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def current_medications(self) -> list[Medication]:
        return [m for m in self.medications if m.stopped is None]

    @property
    def past_medications(self) -> list[Medication]:
        return [m for m in self.medications if m.stopped is not None]


def current_disabilities(person: Person, today: date) -> list[Disability]:
    """The registry's disabilities in force today (the registry is their one source)."""
    return list(
        Disability.objects.filter(person=person)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .order_by("-valid_from")
    )


def book_of(person: Person, today: date, *, done_limit: int = 10) -> Book:
    """Everything in one person's book, in a fixed number of queries."""
    plans = list(
        CarePlan.objects.filter(person=person).prefetch_related(
            Prefetch("goals", queryset=CareGoal.objects.order_by("id"))
        )
    )
    visits = HomeVisit.objects.filter(person=person).select_related("worker", "plan")
    return Book(
        person=person,
        disabilities=current_disabilities(person, today),
        conditions=list(Condition.objects.filter(person=person)),
        medications=list(Medication.objects.filter(person=person)),
        allergies=list(Allergy.objects.filter(person=person)),
        vaccinations=list(Vaccination.objects.filter(person=person)),
        plans=plans,
        visits_due=list(visits.filter(status=HomeVisit.Status.SCHEDULED).order_by("due_on")),
        visits_done=list(
            visits.exclude(status=HomeVisit.Status.SCHEDULED).order_by("-due_on", "-id")[
                :done_limit
            ]
        ),
        carers=list(
            Carer.objects.filter(person=person, revoked_at__isnull=True)
            .select_related("user")
            .order_by("named_at")
        ),
    )


def books_for_worker(user: User, query: str = "") -> QuerySet[Person]:
    """The worker's patients (consented people of their communes), found by name."""
    people = patients_for(user).select_related("commune", "village")
    words = fold(query).split()
    for word in words:
        people = people.filter(name_key__contains=word)
    return people.order_by("village__name", "name_key")


def next_visits(people: list[Person]) -> dict[int, date]:
    """Each person's earliest scheduled visit, in one query."""
    rows = (
        HomeVisit.objects.filter(
            person__in=[p.pk for p in people], status=HomeVisit.Status.SCHEDULED
        )
        .values("person")
        .annotate(first=Min("due_on"))
    )
    return {row["person"]: row["first"] for row in rows}


def visits_due_for_worker(user: User, today: date, days_ahead: int = 7) -> QuerySet[HomeVisit]:
    """Scheduled visits of the worker's patients that are overdue or due within `days_ahead`,
    the most overdue first."""
    return (
        HomeVisit.objects.filter(
            person__in=patients_for(user),
            status=HomeVisit.Status.SCHEDULED,
            due_on__lte=today + timedelta(days=days_ahead),
        )
        .select_related("person", "person__village", "plan")
        .order_by("due_on", "person__name_key")
    )

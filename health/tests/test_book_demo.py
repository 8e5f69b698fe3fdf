"""The demo health books: forty consented patients with plans and visits, and a carer."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from health.book import demo
from health.models import CarePlan, Carer, Condition, HomeVisit
from people.models import Consent

pytestmark = pytest.mark.django_db


def test_it_writes_the_demo_books_once(make_user, make_person, commune_a) -> None:  # type: ignore[no-untyped-def]
    make_user("demo.health", "health_worker", (commune_a.code,))
    citizen = make_user("demo.citizen", "citizen", phone="0912345678")
    for n in range(50):
        make_person(commune_a, f"Người Già {n}", date_of_birth=date(1930 + n % 30, 1, 1))
    own = make_person(commune_a, "Danh Thị Mai", user=citizen, date_of_birth=date(1975, 1, 1))

    message = demo.populate(96, 1)
    assert "40" in message
    consented = Consent.objects.filter(purpose="health", withdrawn_at__isnull=True)
    assert consented.count() == 40
    assert consented.filter(person=own).exists()
    assert CarePlan.objects.values("person").distinct().count() == 40
    assert Condition.objects.filter(person=own).exists()
    today = timezone.localdate()
    assert HomeVisit.objects.filter(status="done").exists()
    assert HomeVisit.objects.filter(status="scheduled", due_on__lt=today).exists()
    assert HomeVisit.objects.filter(status="scheduled", due_on__gte=today).exists()
    assert Carer.objects.filter(person=own).exists()
    assert Carer.objects.filter(user=citizen).exists()

    counts = [m.objects.count() for m in (Consent, CarePlan, Condition, HomeVisit, Carer)]
    demo.populate(96, 1)
    assert [m.objects.count() for m in (Consent, CarePlan, Condition, HomeVisit, Carer)] == counts


def test_it_says_what_is_missing_without_the_registry_demo(db) -> None:  # type: ignore[no-untyped-def]
    assert "langso demo" in demo.populate(96, 1)

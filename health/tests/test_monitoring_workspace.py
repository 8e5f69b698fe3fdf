"""The health worker's workspace: urgent alerts first, today's work, the patients gone quiet."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from conftest import login
from health.book import services as book_services
from health.tests.monitoring_helpers import consented, ingest, item

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(health_worker_a, commune_a, make_person):  # type: ignore[no-untyped-def]
    """A critical and a low alert, a visit overdue, and a patient silent for ten days."""
    ill = consented(make_person(commune_a, "Lò Văn Hùng"), health_worker_a)
    quiet = consented(make_person(commune_a, "Vàng Thị Dua"), health_worker_a)
    ingest(health_worker_a, item(ill, "bp", 150, 85))
    ingest(health_worker_a, item(ill, "glucose", 2.5, context="random"))
    ingest(health_worker_a, item(quiet, measured_at=timezone.now() - timedelta(days=10)))
    book_services.home_visit_add(
        person=quiet, actor=health_worker_a, due_on=timezone.localdate() - timedelta(days=2)
    )
    return ill, quiet


def test_it_puts_critical_alerts_first_with_their_reading(  # type: ignore[no-untyped-def]
    client, health_worker_a, day, django_assert_max_num_queries
) -> None:
    ill, quiet = day
    login(client, health_worker_a)
    with django_assert_max_num_queries(26):
        response = client.get(reverse("workspace"))
    assert response.status_code == 200
    alerts = response.context["alerts"]
    assert [a.severity for a in alerts] == sorted(a.severity for a in alerts)
    assert alerts[0].rule == "glucose_hypo_level2"
    assert alerts[0].shown_value == "2,5 mmol/L"  # Vietnamese decimal comma
    assert response.context["critical_count"] == 1
    assert [t.person_id for t in response.context["tasks"]][0] == ill.pk
    assert [v.person_id for v in response.context["visits"]] == [quiet.pk]
    assert [row["person"].pk for row in response.context["silent"]] == [quiet.pk]
    html = response.content.decode()
    assert reverse("health:alert", args=[alerts[0].pk]) in html
    assert reverse("health:book_index") in html
    entry = AuditEntry.objects.get(object_type="health_monitoring_list", actor=health_worker_a)
    assert entry.details["people"] == sorted([ill.pk, quiet.pk])


def test_it_keeps_the_query_count_flat_as_alerts_grow(  # type: ignore[no-untyped-def]
    client, health_worker_a, commune_a, make_person, django_assert_max_num_queries
) -> None:
    for n in range(12):
        person = consented(make_person(commune_a, f"Người Bệnh {n}"), health_worker_a)
        ingest(health_worker_a, item(person, "glucose", 2.5, context="random"))
        book_services.home_visit_add(
            person=person, actor=health_worker_a, due_on=timezone.localdate()
        )
    login(client, health_worker_a)
    with django_assert_max_num_queries(26):
        response = client.get(reverse("workspace"))
    assert response.context["alert_count"] == 12
    assert len(response.context["alerts"]) < 12
    assert response.context["visit_count"] == 12


def test_it_shows_another_communes_worker_none_of_it(  # type: ignore[no-untyped-def]
    client, make_user, commune_b, day
) -> None:
    worker_b = make_user("health.b", "health_worker", (commune_b.code,))
    response = login(client, worker_b).get(reverse("workspace"))
    assert response.status_code == 200
    for key in ("alerts", "tasks", "visits", "silent"):
        assert response.context[key] == []
    assert response.context["alert_count"] == 0
    assert "Lò Văn Hùng" not in response.content.decode()
    assert not AuditEntry.objects.filter(object_type="health_monitoring_list").exists()

"""The figures of cases for communes and the province, and the helper's workspace."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import login
from help import case_services as services
from help.models import Appointment, Case, QueueToken
from help.tests import case_factories as factories

pytestmark = pytest.mark.django_db
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def corner_a(commune_a):  # type: ignore[no-untyped-def]
    return factories.corner(commune_a)


def _served(helper, corner, n, *, topic="vneid", hour=9, helpful=True, alone=False):  # type: ignore[no-untyped-def]
    """A case opened at `hour` local time today, closed two hours later, with feedback."""
    case = factories.case(helper, corner, topic=topic, phone=f"09130000{n:02d}", name=f"N{n}")
    opened = timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0)
    Case.objects.filter(pk=case.pk).update(opened_at=opened, due_at=opened + timedelta(hours=72))
    services.case_close(case=case, actor=helper, outcome="taught")
    Case.objects.filter(pk=case.pk).update(closed_at=opened + timedelta(hours=2))
    services.feedback_record(case=case, helpful=helpful, channel="walk_in")
    if alone:
        services.case_did_alone_mark(case=case, actor=helper)
    return case


def test_the_commune_dashboard_shows_topics_time_satisfaction_and_hours(  # type: ignore[no-untyped-def]
    client, helper_a, officer_a, corner_a
) -> None:
    for n in range(4):
        _served(helper_a, corner_a, n, helpful=n != 0, alone=n < 2)
    _served(helper_a, corner_a, 9, topic="payment", hour=14)
    late = factories.case(helper_a, corner_a, topic="dossier", phone="0913999999")
    evening = timezone.localtime().replace(hour=16, minute=30)
    Case.objects.filter(pk=late.pk).update(
        opened_at=evening, due_at=timezone.now() - timedelta(hours=1)
    )
    login(client, officer_a)

    board = client.get(reverse("help:dashboard")).context["board"]

    assert board.opened.value == 6 and board.closed.value == 5 and board.overdue.value == 1
    assert board.median_hours.value == 2.0 and board.within_target.value == 100
    assert board.satisfaction.value == 80 and board.self_sufficiency.value == 40
    topics = {row.topic: row for row in board.topics}
    assert topics["vneid"].closed.value == 4 and topics["dossier"].overdue.value == 1
    hours = {hour: cell.value for hour, cell, _share in board.hours}
    assert (hours[9], hours[14], hours[16]) == (4, 1, 1)


def test_the_province_view_hides_small_cells(client, helper_a, province_admin, corner_a) -> None:  # type: ignore[no-untyped-def]
    for n in range(3):
        _served(helper_a, corner_a, n)
    login(client, province_admin)

    board = client.get(reverse("help:dashboard")).context["board"]

    assert board.opened.hidden and board.satisfaction.hidden
    assert board.communes and board.communes[0]["opened"].hidden
    assert "&lt;5" in client.get(reverse("help:dashboard")).content.decode()


def test_another_communes_officer_sees_none_of_these_cases(
    client, helper_a, officer_b, corner_a
) -> None:  # type: ignore[no-untyped-def]
    _served(helper_a, corner_a, 1)
    login(client, officer_b)

    board = client.get(reverse("help:dashboard")).context["board"]

    assert board.opened.value == 0 and board.topics == []


def test_it_refuses_a_backwards_period(client, officer_a) -> None:  # type: ignore[no-untyped-def]
    login(client, officer_a)
    response = client.get(reverse("help:dashboard"), {"since": "2026-03-01", "until": "2026-01-01"})
    assert "đổi chỗ hai ngày" in response.content.decode()


def test_only_the_province_sets_targets(client, officer_a, province_admin) -> None:  # type: ignore[no-untyped-def]
    login(client, officer_a)
    assert client.get(reverse("help:topic_targets")).status_code == 403
    login(client, province_admin)
    client.post(reverse("help:topic_targets"), {"topic": "vneid", "hours": 24})
    assert services.target_hours("vneid") == 24


def test_the_helper_workspace_shows_the_queue_appointments_and_overdue_cases(  # type: ignore[no-untyped-def]
    client, helper_a, corner_a, django_assert_max_num_queries
) -> None:
    now = timezone.now()
    QueueToken.objects.create(
        corner=corner_a,
        day=timezone.localdate(),
        number=7,
        name="Ông Sáu",
        topic="vneid",
        issued_at=now,
        priority=True,
    )
    start = timezone.localtime().replace(hour=23, minute=0, second=0, microsecond=0)
    Appointment.objects.create(
        corner=corner_a,
        name="Cô Ba",
        phone="+84912333444",
        topic="hi_app",
        starts_at=start,
        ends_at=start + timedelta(minutes=20),
        code="AB12CD",
    )
    late = factories.case(helper_a, corner_a, name="Chú Bảy")
    Case.objects.filter(pk=late.pk).update(due_at=now - timedelta(hours=2))
    login(client, helper_a)

    with django_assert_max_num_queries(20):
        response = client.get(reverse("workspace"))

    page = response.content.decode()
    assert "Ông Sáu" in page and "Cô Ba" in page and "Chú Bảy" in page
    assert [c.name for c in response.context["overdue"]] == ["Chú Bảy"]


def test_the_busiest_hours_use_vietnam_time(helper_a, corner_a) -> None:  # type: ignore[no-untyped-def]
    from help.case_selectors import dashboard

    case = factories.case(helper_a, corner_a)
    at = datetime.combine(timezone.localdate(), datetime.min.time(), tzinfo=LOCAL) + timedelta(
        hours=8
    )
    Case.objects.filter(pk=case.pk).update(opened_at=at)

    board = dashboard(communes=[corner_a.commune_id], since=at.date(), until=at.date())

    assert {hour: cell.value for hour, cell, _ in board.hours}[8] == 1

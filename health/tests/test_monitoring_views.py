"""The monitoring pages: entering readings, the worker's lists and actions, charts, devices."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from conftest import login
from health.models import Alert, CareTask, Device, Reading, ThresholdOverride
from health.tests.monitoring_helpers import consented, ingest, item

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(make_person, commune_a, officer_a):  # type: ignore[no-untyped-def]
    return consented(make_person(commune_a, "Nguyễn Văn Ba"), officer_a)


@pytest.fixture
def own_person(make_person, commune_a, officer_a, citizen):  # type: ignore[no-untyped-def]
    return consented(make_person(commune_a, "Danh Thị Mai", user=citizen), officer_a)


@pytest.fixture
def worker_b(make_user):  # type: ignore[no-untyped-def]
    return make_user("health.b", "health_worker", (32002,))


def test_a_citizen_enters_their_own_blood_pressure(client, citizen, own_person) -> None:  # type: ignore[no-untyped-def]
    login(client, citizen)
    url = reverse("health:my_reading_add")
    assert "?kind=bp" in client.get(url).content.decode()
    page = client.get(url + "?kind=bp")
    assert page.status_code == 200
    assert 'class="big"' in page.content.decode()
    response = client.post(url, {"kind": "bp", "value": "128", "value2": "82", "unit": "mm[Hg]"})
    assert response.status_code == 302
    reading = Reading.objects.get()
    assert (reading.person, reading.source, reading.entered_by) == (own_person, "self", citizen)


def test_a_citizen_sees_advice_for_a_dangerous_reading(client, citizen, own_person) -> None:  # type: ignore[no-untyped-def]
    login(client, citizen)
    url = reverse("health:my_reading_add")
    data = {"kind": "glucose", "value": "45", "unit": "mg/dL", "context": "random"}
    page = client.post(url, data, follow=True).content.decode()
    assert "115" in page
    assert Alert.objects.get().severity == Alert.Severity.CRITICAL


def test_a_citizen_is_told_why_an_impossible_value_is_refused(client, citizen, own_person) -> None:  # type: ignore[no-untyped-def]
    login(client, citizen)
    url = reverse("health:my_reading_add")
    page = client.post(url, {"kind": "bp", "value": "900", "value2": "80", "unit": "mm[Hg]"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "là không thể" in text and "is impossible" in text
    assert not Reading.objects.exists()


def test_a_citizen_without_consent_gets_the_consent_page(
    client, citizen, make_person, commune_a
) -> None:  # type: ignore[no-untyped-def]
    make_person(commune_a, user=citizen)
    login(client, citizen)
    response = client.get(reverse("health:my_reading_add"))
    assert response.status_code == 403
    assert reverse("people:my_record") in response.content.decode()


def test_a_helper_enters_a_reading_for_a_person_of_their_commune(client, helper_a, patient) -> None:  # type: ignore[no-untyped-def]
    login(client, helper_a)
    url = reverse("health:reading_add", args=[patient.pk])
    response = client.post(url, {"kind": "spo2", "value": "97", "unit": "%"})
    assert response.status_code == 302
    assert Reading.objects.get().source == "helper"
    # ...but cannot read the person's readings.
    assert client.get(reverse("health:readings", args=[patient.pk])).status_code == 404


@pytest.mark.parametrize("who", ["worker_b", "officer_a", "province_admin", "citizen"])
def test_others_cannot_enter_or_see_readings(client, request, who, patient) -> None:  # type: ignore[no-untyped-def]
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("health:readings", args=[patient.pk])).status_code == 404
    url = reverse("health:reading_add", args=[patient.pk])
    assert client.post(url, {"kind": "spo2", "value": "97", "unit": "%"}).status_code == 404
    assert not Reading.objects.exists()


def test_the_chart_shows_an_svg_and_a_table_and_is_audited(
    client, health_worker_a, patient
) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    for days, (s, d) in enumerate([(150, 95), (142, 90), (128, 80)]):
        ingest(
            health_worker_a,
            item(patient, value=s, value2=d, measured_at=now - timedelta(days=3 - days)),
        )
    login(client, health_worker_a)
    page = client.get(reverse("health:readings", args=[patient.pk]), {"kind": "bp", "days": 30})
    text = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in text and "<title" in text and "<desc" in text and "<polyline" in text
    assert "128/80 mmHg" in text
    assert 'style="' not in text and "<script" not in text
    assert AuditEntry.objects.filter(object_type="health_monitoring", action="view").exists()


def test_my_patients_lists_the_most_urgent_first_in_few_queries(  # type: ignore[no-untyped-def]
    client,
    health_worker_a,
    patient,
    make_person,
    commune_a,
    officer_a,
    django_assert_max_num_queries,
) -> None:
    calm = consented(make_person(commune_a, "An Thị Bình"), officer_a)
    for i in range(5):
        other = consented(make_person(commune_a, f"Lê Văn Số {i}"), officer_a)
        ingest(health_worker_a, item(other, value=120 + i, value2=80))
    ingest(health_worker_a, item(calm, value=120, value2=80))
    ingest(health_worker_a, item(patient, "spo2", 90))
    login(client, health_worker_a)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("health:patients"))
    rows = page.context["rows"]
    assert rows[0].person == patient
    assert rows[0].worst == Alert.Severity.CRITICAL


def test_only_health_workers_see_the_patients_and_queue(
    client, officer_a, helper_a, province_admin
) -> None:  # type: ignore[no-untyped-def]
    for user in (officer_a, helper_a, province_admin):
        login(client, user)
        assert client.get(reverse("health:patients")).status_code == 403
        assert client.get(reverse("health:queue")).status_code == 403


def test_a_worker_acknowledges_snoozes_and_closes_an_alert(
    client, health_worker_a, patient
) -> None:  # type: ignore[no-untyped-def]
    ingest(health_worker_a, item(patient, "spo2", 94))
    alert = Alert.objects.get()
    login(client, health_worker_a)
    queue = client.get(reverse("health:queue")).content.decode()
    assert reverse("health:alert", args=[alert.pk]) in queue
    client.post(reverse("health:alert_acknowledge", args=[alert.pk]))
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == ("ack", health_worker_a)
    client.post(reverse("health:alert_snooze", args=[alert.pk]), {"hours": "4"})
    alert.refresh_from_db()
    assert alert.status == "snoozed" and alert.snoozed_until > timezone.now()
    client.post(reverse("health:alert_resolve", args=[alert.pk]), {"resolution": "Đã gọi"})
    alert.refresh_from_db()
    assert alert.status == "resolved"
    assert AuditEntry.objects.filter(object_type="health_alert").count() == 3


def test_a_worker_of_another_commune_cannot_act_on_an_alert(
    client, health_worker_a, worker_b, patient
) -> None:  # type: ignore[no-untyped-def]
    ingest(health_worker_a, item(patient, "spo2", 94))
    alert = Alert.objects.get()
    task = CareTask.objects.get()
    login(client, worker_b)
    assert client.get(reverse("health:alert", args=[alert.pk])).status_code == 404
    assert client.post(reverse("health:alert_acknowledge", args=[alert.pk])).status_code == 404
    done = client.post(reverse("health:task_done", args=[task.pk]), {"outcome": "x"})
    assert done.status_code == 404
    assert Alert.objects.get().status == "open"


def test_a_worker_completes_a_task_and_closes_its_alert(client, health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    ingest(health_worker_a, item(patient, "spo2", 94))
    task = CareTask.objects.get()
    login(client, health_worker_a)
    data = {"outcome": "Đã gọi, ổn", "resolve_alert": "on"}
    client.post(reverse("health:task_done", args=[task.pk]), data)
    task.refresh_from_db()
    assert task.status == "done" and task.done_by == health_worker_a
    assert Alert.objects.get().status == "resolved"


def test_a_worker_sets_and_ends_a_persons_threshold(
    client, health_worker_a, worker_b, patient
) -> None:  # type: ignore[no-untyped-def]
    login(client, worker_b)
    url = reverse("health:overrides", args=[patient.pk])
    assert client.get(url).status_code == 404
    login(client, health_worker_a)
    assert client.get(url).status_code == 200
    data = {"rule": "spo2_low", "low": "", "high": "", "reason": "COPD"}
    assert client.post(url, data).status_code == 200  # neither limit: refused
    assert not ThresholdOverride.objects.exists()
    client.post(url, {"rule": "spo2_low", "low": "88", "reason": "COPD, mục tiêu 88-92"})
    override = ThresholdOverride.objects.get()
    client.post(reverse("health:override_end", args=[override.pk]))
    override.refresh_from_db()
    assert override.ended_at is not None


def test_a_worker_creates_and_revokes_a_device(client, health_worker_a, worker_b, patient) -> None:  # type: ignore[no-untyped-def]
    login(client, health_worker_a)
    url = reverse("health:person_devices", args=[patient.pk])
    page = client.post(url, {"label": "Omron"}, follow=True).content.decode()
    device = Device.objects.get()
    assert f"lsd_{device.token_prefix}_" in page
    login(client, worker_b)
    assert client.post(reverse("health:device_revoke", args=[device.pk])).status_code == 404
    login(client, health_worker_a)
    client.post(reverse("health:device_revoke", args=[device.pk]))
    device.refresh_from_db()
    assert device.revoked_at is not None


def test_indicators_show_counts_without_names(
    client, health_worker_a, province_admin, officer_a, patient
) -> None:  # type: ignore[no-untyped-def]
    from health.models import Condition

    Condition.objects.create(
        person=patient, icd10="I10", name="Tăng huyết áp", recorded_at=timezone.now()
    )
    ingest(health_worker_a, item(patient, value=132, value2=84))
    login(client, province_admin)
    page = client.get(reverse("health:indicators"))
    assert page.status_code == 200
    assert "Nguyễn Văn Ba" not in page.content.decode()
    total = page.context["total"]
    assert (total.hypertension, total.controlled) == (1, 1)
    login(client, officer_a)
    assert client.get(reverse("health:indicators")).status_code == 403


def test_the_thresholds_page_says_they_are_defaults_to_confirm(client, health_worker_a) -> None:  # type: ignore[no-untyped-def]
    login(client, health_worker_a)
    client.cookies["langso_language"] = "en"
    page = client.get(reverse("health:thresholds"), HTTP_ACCEPT_LANGUAGE="en")
    assert "defaults for clinical leads to confirm" in page.content.decode()
    assert "ADA Standards of Care" in page.content.decode()

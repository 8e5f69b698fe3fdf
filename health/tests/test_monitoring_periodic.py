"""The periodic work: escalation, snoozes, the no-reading sweep, digests; the command."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from health.models import Alert, CareTask, ThresholdSet
from health.monitoring import services
from health.tests.monitoring_helpers import consented, ingest, item
from notifications.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(make_person, commune_a, officer_a):  # type: ignore[no-untyped-def]
    return consented(make_person(commune_a, "Nguyễn Văn Ba"), officer_a)


@pytest.fixture
def phone_worker(make_user):  # type: ignore[no-untyped-def]
    return make_user("health.phone", "health_worker", (31825,), phone="0987654321")


def test_an_unacknowledged_alert_is_escalated_once(  # type: ignore[no-untyped-def]
    health_worker_a, phone_worker, patient, django_capture_on_commit_callbacks, settings
) -> None:
    settings.HEALTH_ESCALATION_RECIPIENTS = ["0911111111"]
    ingest(health_worker_a, item(patient, "spo2", 94))
    alert = Alert.objects.get()
    later = timezone.now() + timedelta(hours=9)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.alerts_escalate(now=later) == 1
        assert services.alerts_escalate(now=later) == 0
    alert.refresh_from_db()
    assert alert.escalated_at == later
    bodies = list(Message.objects.values_list("body", flat=True))
    assert any("CHƯA XỬ LÝ" in b for b in bodies)
    anonymous = Message.objects.get(recipient="+84911111111")
    assert "Nguyễn" not in anonymous.body and anonymous.urgent


def test_an_acknowledged_alert_is_not_escalated(health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    ingest(health_worker_a, item(patient, "spo2", 94))
    services.alert_acknowledge(alert=Alert.objects.get(), actor=health_worker_a)
    assert services.alerts_escalate(now=timezone.now() + timedelta(days=1)) == 0


def test_a_snoozed_alert_comes_back_and_worse_news_wakes_it(health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    ingest(health_worker_a, item(patient, "spo2", 94))
    alert = services.alert_snooze(alert=Alert.objects.get(), actor=health_worker_a, hours=4)
    ingest(health_worker_a, item(patient, "spo2", 94))
    alert.refresh_from_db()
    assert alert.status == "snoozed"
    assert services.alerts_wake(now=timezone.now() + timedelta(hours=5)) == 1
    services.alert_snooze(alert=alert, actor=health_worker_a, hours=4)
    ingest(health_worker_a, item(patient, "spo2", 90))
    alert.refresh_from_db()
    assert (alert.status, alert.severity) == ("open", Alert.Severity.CRITICAL)


def test_a_critical_alert_cannot_be_snoozed(health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    ingest(health_worker_a, item(patient, "glucose", "2.5"))
    with pytest.raises(ValidationError):
        services.alert_snooze(alert=Alert.objects.get(), actor=health_worker_a, hours=4)


def test_the_no_reading_sweep_is_idempotent_and_a_reading_ends_it(health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    ingest(health_worker_a, item(patient, measured_at=now - timedelta(days=10)), now=now)
    assert services.no_reading_sweep(now=now) == 1
    assert services.no_reading_sweep(now=now) == 0
    alert = Alert.objects.get(rule="no_reading")
    task = CareTask.objects.get(alert=alert)
    assert task.kind == "call"
    ingest(health_worker_a, item(patient))
    alert.refresh_from_db()
    task.refresh_from_db()
    assert alert.status == "resolved" and task.status == "cancelled"


def test_one_digest_a_day_per_health_worker_after_the_hour(
    health_worker_a, phone_worker, patient, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.HEALTH_DIGEST_HOUR = 0
    ingest(health_worker_a, item(patient, value=150, value2=85))
    assert services.digests_send() == 1  # health_worker_a has neither phone nor e-mail
    assert services.digests_send() == 0
    message = Message.objects.get()
    assert not message.urgent and "Nguyễn" not in message.body


def test_the_command_loads_thresholds_once_and_runs_the_due_work(patient) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("health", "load-thresholds", stdout=out)
    call_command("health", "load-thresholds", stdout=out)
    assert ThresholdSet.objects.count() == 1
    assert "already loaded" in out.getvalue()
    call_command("health", "run-due", stdout=out)
    assert "escalated 0" in out.getvalue()


def test_a_threshold_file_the_engine_does_not_understand_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from django.core.management.base import CommandError

    bad = tmp_path / "v9.yaml"
    bad.write_text(
        "version: 9\nname: x\nrules:\n  - id: a\n    family: f\n    kind: bp\n"
        "    any: [[systolic, '=>', 140]]\n    severity: low\n    message_vi: a\n"
        "    message_en: a\n    source: s\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="operator"):
        call_command("health", "load-thresholds", str(bad))


def test_the_periodic_work_schedules_home_visits_once_a_day(  # type: ignore[no-untyped-def]
    patient, health_worker_a
) -> None:
    from health.book.services import care_plan_create
    from health.models import HomeVisit

    today = timezone.localdate()
    plan = care_plan_create(
        person=patient,
        actor=health_worker_a,
        title="Kiểm soát huyết áp",
        starts_on=today - timedelta(days=60),
        visit_every_days=14,
    )
    HomeVisit.objects.filter(plan=plan).delete()
    now = timezone.now()
    services._LAST_SCHEDULING.clear()
    first = services.monitoring_run_due(now=now)
    assert first["visits_scheduled"] > 0
    assert HomeVisit.objects.filter(plan=plan).count() == first["visits_scheduled"]
    HomeVisit.objects.filter(plan=plan).delete()
    assert services.monitoring_run_due(now=now + timedelta(minutes=1))["visits_scheduled"] == 0
    tomorrow = services.monitoring_run_due(now=now + timedelta(days=1))
    assert tomorrow["visits_scheduled"] > 0

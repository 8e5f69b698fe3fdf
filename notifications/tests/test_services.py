"""The outbox services: queueing, claim-once delivery, retries, quiet hours, dispatch."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import AuditEntry
from notifications import services
from notifications.backends import PermanentError, TemporaryError
from notifications.models import Message
from notifications.services import Outcome

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db

# What the scripted backend does on each send: "ok", "temporary", "permanent", "crash", or a
# callable run during the send. Tests fill it; the backend pops from the front.
SCRIPT: list[Any] = []
SENT: list[int] = []


class ScriptedBackend:
    def send(self, message: Message) -> str:
        step = SCRIPT.pop(0) if SCRIPT else "ok"
        if callable(step):
            step(message)
            step = "ok"
        if step == "temporary":
            raise TemporaryError("gateway busy (503)")
        if step == "permanent":
            raise PermanentError("number not on the network (400)")
        if step == "crash":
            raise KeyError("bug")
        SENT.append(message.pk)
        return f"scripted-{message.pk}"


@pytest.fixture(autouse=True)
def outbox(settings: Any, tmp_path: Path) -> Path:
    SCRIPT.clear()
    SENT.clear()
    settings.NOTIFY_OUTBOX_FILE = tmp_path / "outbox.log"
    settings.NOTIFY_QUIET_HOURS = ""
    settings.NOTIFY_MAX_ATTEMPTS = 6
    return settings.NOTIFY_OUTBOX_FILE


@pytest.fixture
def scripted(settings: Any) -> None:
    path = f"{__name__}.ScriptedBackend"
    settings.NOTIFICATION_BACKENDS = {"sms": path, "zalo": path, "email": path}


@pytest.fixture
def queue(django_capture_on_commit_callbacks: Any) -> Callable[..., Message]:
    """Queue a message and run what happens on commit (its delivery, with the test backend)."""

    def make(**fields: Any) -> Message:
        fields.setdefault("channel", "sms")
        fields.setdefault("recipient", "0912 345 678")
        fields.setdefault("body", "Lịch khám sức khỏe: 8 giờ sáng thứ Hai tại trạm y tế xã.")
        with django_capture_on_commit_callbacks(execute=True):
            message = services.message_queue(**fields)
        message.refresh_from_db()
        return message

    return make


def queued_only(**fields: Any) -> Message:
    """Queue without running the on-commit delivery (as if the task row was lost)."""
    fields.setdefault("channel", "sms")
    fields.setdefault("recipient", "0912345678")
    fields.setdefault("body", "Nhắc lịch hẹn")
    return services.message_queue(**fields)


# Queueing --------------------------------------------------------------------------------------


def test_it_normalises_phone_numbers_for_sms_and_zalo(queue: Callable[..., Message]) -> None:
    assert queue(recipient="0912 345 678").recipient == "+84912345678"
    assert queue(channel="zalo", recipient="84 168 123 4567").recipient == "+84381234567"


def test_it_keeps_an_email_address_with_a_lowercased_domain(
    queue: Callable[..., Message],
) -> None:
    message = queue(channel="email", recipient=" Lan.Nguyen@CaMau.GOV.vn ", subject="Hẹn")
    assert message.recipient == "Lan.Nguyen@camau.gov.vn"


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"recipient": "12345"}, "recipient", "không hợp lệ"),
        ({"channel": "email", "recipient": "lan@"}, "recipient", "name@example.vn"),
        ({"channel": "fax"}, "channel", "sms, zalo"),
        ({"body": "   "}, "body", "trống"),
        ({"subject": "x" * 201}, "subject", "200"),
    ],
)
def test_it_refuses_bad_input_in_vietnamese_and_english_and_stores_nothing(
    fields: dict[str, str], field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        queued_only(**fields)
    [message] = caught.value.message_dict[field]
    assert words in message
    assert " / " in message  # Vietnamese first, then English
    assert not Message.objects.exists()


def test_it_delivers_after_commit_and_writes_one_json_line_to_the_outbox(
    queue: Callable[..., Message], outbox: Path, citizen: Any
) -> None:
    message = queue(user=citizen)
    assert message.status == Message.Status.SENT
    assert message.attempts == 1
    assert message.provider_id == f"console-{message.pk}"
    assert message.sent_at is not None
    [line] = outbox.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["id"] == message.pk
    assert record["channel"] == "sms"
    assert record["recipient"] == "+84912345678"
    assert record["body"] == "Lịch khám sức khỏe: 8 giờ sáng thứ Hai tại trạm y tế xã."
    assert "Lịch khám" in line  # readable Vietnamese, not \\u escapes


def test_it_sends_nothing_when_the_transaction_is_rolled_back(
    django_capture_on_commit_callbacks: Any, outbox: Path
) -> None:
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            queued_only()
            raise RuntimeError("the caller failed")
    assert not Message.objects.exists()
    assert not outbox.exists()


# Delivery --------------------------------------------------------------------------------------


def test_it_sends_a_message_once_when_two_deliveries_race(scripted: None) -> None:
    message = queued_only()
    second: list[Outcome] = []
    # While the first delivery is sending, a second worker tries the same message.
    SCRIPT.append(lambda m: second.append(services.message_deliver(message_id=m.pk)))
    assert services.message_deliver(message_id=message.pk) == Outcome.SENT
    assert second == [Outcome.SKIPPED]
    assert services.message_deliver(message_id=message.pk) == Outcome.SKIPPED
    assert SENT == [message.pk]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENT, 1)


def test_it_retries_with_exponential_backoff_capped_at_six_hours(
    scripted: None, settings: Any, time_machine: Any
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 8
    start = datetime(2026, 3, 2, 9, 0, tzinfo=VN)
    time_machine.move_to(start, tick=False)
    message = queued_only()
    SCRIPT.extend(["temporary"] * 6)
    now, delays = start, []
    for _ in range(6):
        assert services.message_deliver(message_id=message.pk) == Outcome.RETRY
        message.refresh_from_db()
        assert message.status == Message.Status.PENDING
        delays.append(message.next_attempt_at - now)
        # Not due yet: nothing happens.
        assert services.message_deliver(message_id=message.pk) == Outcome.SKIPPED
        now = message.next_attempt_at
        time_machine.move_to(now, tick=False)
    assert [d / timedelta(minutes=1) for d in delays] == [1, 5, 25, 125, 360, 360]
    assert message.attempts == 6
    assert message.last_error == "gateway busy (503)"
    assert services.message_deliver(message_id=message.pk) == Outcome.SENT
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 7, "")


def test_it_fails_a_message_after_the_last_allowed_attempt(
    scripted: None, settings: Any, time_machine: Any
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 3
    time_machine.move_to(datetime(2026, 3, 2, 9, 0, tzinfo=VN), tick=False)
    message = queued_only()
    SCRIPT.extend(["temporary"] * 5)
    outcomes = []
    for _ in range(3):
        outcomes.append(services.message_deliver(message_id=message.pk))
        message.refresh_from_db()
        time_machine.move_to(message.next_attempt_at, tick=False)
    assert outcomes == [Outcome.RETRY, Outcome.RETRY, Outcome.FAILED]
    assert (message.status, message.attempts) == (Message.Status.FAILED, 3)
    assert services.message_deliver(message_id=message.pk) == Outcome.SKIPPED
    assert SENT == []


def test_it_fails_at_once_on_a_permanent_error(scripted: None) -> None:
    message = queued_only()
    SCRIPT.append("permanent")
    assert services.message_deliver(message_id=message.pk) == Outcome.FAILED
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.FAILED, 1)
    assert "not on the network" in message.last_error


def test_it_retries_instead_of_leaving_a_message_sending_when_a_backend_crashes(
    scripted: None,
) -> None:
    message = queued_only()
    SCRIPT.append("crash")
    assert services.message_deliver(message_id=message.pk) == Outcome.RETRY
    message.refresh_from_db()
    assert message.status == Message.Status.PENDING
    assert message.last_error.startswith("KeyError")


def test_it_skips_a_message_that_does_not_exist() -> None:
    assert services.message_deliver(message_id=987654) == Outcome.SKIPPED


# Quiet hours -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local_now", "resume"),
    [
        (datetime(2026, 3, 2, 22, 30, tzinfo=VN), datetime(2026, 3, 3, 7, 0, tzinfo=VN)),
        (datetime(2026, 3, 2, 21, 0, tzinfo=VN), datetime(2026, 3, 3, 7, 0, tzinfo=VN)),
        (datetime(2026, 3, 3, 3, 15, tzinfo=VN), datetime(2026, 3, 3, 7, 0, tzinfo=VN)),
        (datetime(2026, 3, 3, 6, 59, tzinfo=VN), datetime(2026, 3, 3, 7, 0, tzinfo=VN)),
    ],
)
def test_it_holds_non_urgent_sms_and_zalo_until_seven_in_the_morning(
    scripted: None,
    settings: Any,
    time_machine: Any,
    local_now: datetime,
    resume: datetime,
) -> None:
    settings.NOTIFY_QUIET_HOURS = "21-7"
    time_machine.move_to(local_now, tick=False)
    for channel in ("sms", "zalo"):
        message = queued_only(channel=channel)
        assert services.message_deliver(message_id=message.pk) == Outcome.DEFERRED
        message.refresh_from_db()
        assert message.status == Message.Status.PENDING
        assert message.attempts == 0
        assert message.next_attempt_at == resume
    assert SENT == []
    time_machine.move_to(resume, tick=False)
    assert services.message_deliver(message_id=message.pk) == Outcome.SENT


def test_it_sends_urgent_messages_and_email_during_quiet_hours(
    scripted: None, settings: Any, time_machine: Any
) -> None:
    settings.NOTIFY_QUIET_HOURS = "21-7"
    time_machine.move_to(datetime(2026, 3, 2, 23, 0, tzinfo=VN), tick=False)
    urgent = queued_only(urgent=True, body="Chỉ số huyết áp nguy hiểm")
    email = queued_only(channel="email", recipient="lan@vidu.vn")
    assert services.message_deliver(message_id=urgent.pk) == Outcome.SENT
    assert services.message_deliver(message_id=email.pk) == Outcome.SENT


def test_it_sends_outside_quiet_hours(scripted: None, settings: Any, time_machine: Any) -> None:
    settings.NOTIFY_QUIET_HOURS = "21:30-6:30"
    time_machine.move_to(datetime(2026, 3, 2, 21, 29, tzinfo=VN), tick=False)
    assert services.message_deliver(message_id=queued_only().pk) == Outcome.SENT
    time_machine.move_to(datetime(2026, 3, 3, 6, 30, tzinfo=VN), tick=False)
    assert services.message_deliver(message_id=queued_only().pk) == Outcome.SENT


# Dispatch and retry ------------------------------------------------------------------------


def test_it_dispatches_a_due_message_whose_task_was_lost(
    scripted: None, time_machine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    time_machine.move_to(datetime(2026, 3, 2, 9, 0, tzinfo=VN), tick=False)
    message = queued_only()  # its on-commit enqueue never ran
    assert services.message_dispatch_due()["enqueued"] == 0  # just queued: give it a minute
    time_machine.move_to(datetime(2026, 3, 2, 9, 2, tzinfo=VN), tick=False)
    assert services.message_dispatch_due() == {"released": 0, "failed": 0, "enqueued": 1}
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert services.message_dispatch_due()["enqueued"] == 0


def test_it_releases_messages_left_sending_by_a_dead_worker(
    scripted: None, settings: Any, time_machine: Any
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 2

    def at(minute: int) -> None:
        time_machine.move_to(datetime(2026, 3, 2, 9, minute, tzinfo=VN), tick=False)

    def deliver_and_die(message: Message) -> None:
        # The worker is killed in the middle of sending: the message stays "sending".
        with pytest.raises(SystemExit):
            services.message_deliver(message_id=message.pk)

    at(0)
    stuck, last_try, recent = queued_only(), queued_only(), queued_only()
    SCRIPT.extend([_die, "temporary", _die, _die])
    deliver_and_die(stuck)
    assert services.message_deliver(message_id=last_try.pk) == Outcome.RETRY
    at(1)
    deliver_and_die(last_try)  # its second and last allowed attempt
    at(10)
    deliver_and_die(recent)

    at(17)
    counts = services.message_dispatch_due()

    assert counts == {"released": 1, "failed": 1, "enqueued": 1}
    for message in (stuck, last_try, recent):
        message.refresh_from_db()
    assert (stuck.status, stuck.attempts) == (Message.Status.SENT, 2)
    assert SENT == [stuck.pk]
    assert last_try.status == Message.Status.FAILED
    assert "worker stopped" in last_try.last_error
    assert recent.status == Message.Status.SENDING  # claimed 7 minutes ago: still working


def _die(message: Message) -> None:
    raise SystemExit("worker killed")


def test_it_retries_failed_messages_now_for_an_administrator(
    scripted: None, province_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    failed = queued_only()
    SCRIPT.append("permanent")
    services.message_deliver(message_id=failed.pk)
    sent = queued_only()
    services.message_deliver(message_id=sent.pk)

    with django_capture_on_commit_callbacks(execute=True):
        count = services.message_retry_now(message_ids=[failed.pk, sent.pk], by=province_admin)

    assert count == 1
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Message.Status.SENT, 1)
    assert SENT == [sent.pk, failed.pk]
    entry = AuditEntry.objects.get(object_type="notification", object_id=str(failed.pk))
    assert (entry.actor, entry.action) == (province_admin, AuditEntry.Action.UPDATE)
    assert entry.details == {"previous_status": "failed"}


# With the database task backend (as in production) ---------------------------------------


@pytest.fixture
def database_tasks(settings: Any) -> Any:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "notifications"],
        }
    }
    return DBTaskResult.objects


def test_it_enqueues_one_delivery_task_per_message_on_commit(
    database_tasks: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = queued_only()
        urgent = queued_only(urgent=True)
    rows = {row.args_kwargs["kwargs"]["message_id"]: row for row in database_tasks.all()}
    assert set(rows) == {message.pk, urgent.pk}
    assert rows[message.pk].queue_name == "notifications"
    assert rows[urgent.pk].priority > rows[message.pk].priority


def test_it_schedules_the_retry_task_for_when_the_message_is_due(
    scripted: None, database_tasks: Any, django_capture_on_commit_callbacks: Any
) -> None:
    message = queued_only()
    SCRIPT.append("temporary")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.message_deliver(message_id=message.pk) == Outcome.RETRY
    message.refresh_from_db()
    [row] = database_tasks.all()
    assert row.run_after == message.next_attempt_at


def test_it_does_not_dispatch_a_message_whose_task_is_still_waiting(
    database_tasks: Any, django_capture_on_commit_callbacks: Any, time_machine: Any
) -> None:
    time_machine.move_to(datetime(2026, 3, 2, 9, 0, tzinfo=VN), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        message = queued_only()
    time_machine.move_to(datetime(2026, 3, 2, 9, 5, tzinfo=VN), tick=False)
    assert services.message_dispatch_due()["enqueued"] == 0  # the worker is just busy
    database_tasks.all().delete()  # the task row is lost
    assert services.message_dispatch_due()["enqueued"] == 1
    [row] = database_tasks.all()
    assert row.args_kwargs == {"args": [], "kwargs": {"message_id": message.pk}}

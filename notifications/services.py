"""The notification outbox: every write to notifications.Message goes through here.

A message is a row first (message_queue), then a delivery task (tasks.deliver_message) claims it
with a conditional UPDATE, so that two workers never send the same message twice, and hands it
to the channel's backend. Temporary failures are retried with exponential backoff, permanent
ones and the last allowed attempt mark the message failed. Non-urgent SMS and Zalo messages are
held back during quiet hours (NOTIFY_QUIET_HOURS, in Vietnam's time). message_dispatch_due,
run about once a minute by `langso worker`, re-enqueues messages whose task row was lost and
releases messages left "sending" by a worker that died, so that nothing is silently dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.services import audit_record
from lib import phone as phone_lib
from lib.vn_text import nfc
from notifications.backends import PermanentError, TemporaryError, get_backend
from notifications.models import Message

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

# Recipients live in Vietnam whatever the server's clock says.
RECIPIENT_TIME_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
QUIET_CHANNELS = frozenset({Message.Channel.SMS, Message.Channel.ZALO})
FIRST_RETRY_DELAY = timedelta(minutes=1)
BACKOFF_FACTOR = 5
MAX_RETRY_DELAY = timedelta(hours=6)
# A worker that has not finished a send in this time has died (a send times out in seconds).
STUCK_AFTER = timedelta(minutes=15)
# A due message whose task is not waiting in the queue this long after it fell due lost it.
DISPATCH_GRACE = timedelta(minutes=1)
DISPATCH_BATCH = 500
MAX_ERROR_LENGTH = 2000
_QUIET_HOURS = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?\s*$")


class Outcome(StrEnum):
    """What one delivery attempt did (the delivery task's return value)."""

    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    DEFERRED = "deferred"  # quiet hours: moved to their end
    SKIPPED = "skipped"  # not due, already taken by another worker, or gone


# Queueing --------------------------------------------------------------------------------------


def message_queue(
    *,
    channel: str,
    recipient: str,
    body: str,
    subject: str = "",
    user: User | None = None,
    urgent: bool = False,
) -> Message:
    """Validate and store one outgoing message; its delivery is enqueued once this commits.

    SMS and Zalo recipients are phone numbers, stored as +84...; e-mail addresses are checked.
    Raises ValidationError (Vietnamese / English) on bad input, and stores nothing then.
    """
    channel, recipient = _clean_recipient(channel, recipient)
    body = nfc(body or "").strip()
    subject = nfc(subject or "").strip()
    errors: dict[str, str] = {}
    if not body:
        errors["body"] = (
            "Nội dung tin nhắn đang trống; hãy nhập nội dung cần gửi. / "
            "The message is empty; write the text to send."
        )
    max_subject = Message._meta.get_field("subject").max_length or 200
    if len(subject) > max_subject:
        errors["subject"] = (
            f"Tiêu đề dài hơn {max_subject} ký tự; hãy rút gọn. / "
            f"The subject is longer than {max_subject} characters; shorten it."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        message = Message.objects.create(
            channel=channel,
            recipient=recipient,
            subject=subject,
            body=body,
            user=user,
            urgent=urgent,
            next_attempt_at=timezone.now(),
        )
        transaction.on_commit(partial(_schedule, message.pk, urgent=urgent), robust=True)
    return message


def _clean_recipient(channel: str, recipient: str) -> tuple[str, str]:
    channel = (channel or "").strip().lower()
    recipient = (recipient or "").strip()
    if channel not in Message.Channel.values:
        raise ValidationError(
            {
                "channel": (
                    f"Kênh {channel!r} không được hỗ trợ; hãy chọn sms, zalo hoặc email. / "
                    f"Channel {channel!r} is not supported; choose sms, zalo or email."
                )
            }
        )
    if channel == Message.Channel.EMAIL:
        try:
            validate_email(recipient)
        except ValidationError:
            raise ValidationError(
                {
                    "recipient": (
                        f"Địa chỉ e-mail {recipient!r} không hợp lệ; hãy nhập dạng "
                        f"ten@vidu.vn. / {recipient!r} is not a valid e-mail address; write it "
                        f"as name@example.vn."
                    )
                }
            ) from None
        local, _at, domain = recipient.rpartition("@")
        return channel, f"{local}@{domain.lower()}"
    try:
        return channel, phone_lib.normalise(recipient)
    except phone_lib.PhoneError as exc:
        raise ValidationError({"recipient": str(exc)}) from None


# Delivery --------------------------------------------------------------------------------------


def message_deliver(*, message_id: int) -> Outcome:
    """Try to send one message now, if it is due and no other worker has taken it.

    The message is claimed (pending -> sending) by one conditional UPDATE; the backend is called
    outside any transaction, and its outcome recorded by another conditional UPDATE. Returns
    what happened; never raises for a delivery problem (the message records it).
    """
    now = timezone.now()
    message = Message.objects.filter(pk=message_id).first()
    if message is None or message.status != Message.Status.PENDING or message.next_attempt_at > now:
        return Outcome.SKIPPED
    due = Q(pk=message_id, status=Message.Status.PENDING, next_attempt_at__lte=now)

    resume_at = quiet_hours_end(now) if _quiet_hours_apply(message) else None
    if resume_at is not None:
        with transaction.atomic():
            deferred = Message.objects.filter(due).update(next_attempt_at=resume_at)
            if deferred:
                transaction.on_commit(
                    partial(_schedule, message_id, run_after=resume_at), robust=True
                )
        return Outcome.DEFERRED if deferred else Outcome.SKIPPED

    with transaction.atomic():
        claimed = Message.objects.filter(due).update(
            status=Message.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    if not claimed:
        return Outcome.SKIPPED
    message.refresh_from_db()

    try:
        provider_id = get_backend(message.channel).send(message)
    except PermanentError as exc:
        return _record_failure(message, str(exc), permanent=True)
    except TemporaryError as exc:
        return _record_failure(message, str(exc))
    except Exception as exc:  # noqa: BLE001 - a backend bug must not leave the message "sending"
        logger.exception("notification %s: the %s backend failed", message_id, message.channel)
        return _record_failure(message, f"{type(exc).__name__}: {exc}")

    with transaction.atomic():
        recorded = Message.objects.filter(pk=message_id, status=Message.Status.SENDING).update(
            status=Message.Status.SENT,
            sent_at=timezone.now(),
            provider_id=str(provider_id)[:100],
            claimed_at=None,
            last_error="",
        )
    if not recorded:
        logger.warning("notification %s was sent after it had been released", message_id)
    return Outcome.SENT


def retry_delay(attempts: int) -> timedelta:
    """1, 5, 25, 125 minutes... after the 1st, 2nd, 3rd, 4th failed attempt; at most 6 hours."""
    exponent = max(0, attempts - 1)
    if exponent > 8:  # 5**9 minutes is far beyond the cap; avoid huge numbers
        return MAX_RETRY_DELAY
    return min(FIRST_RETRY_DELAY * BACKOFF_FACTOR**exponent, MAX_RETRY_DELAY)


def _record_failure(message: Message, error: str, *, permanent: bool = False) -> Outcome:
    error = error[:MAX_ERROR_LENGTH]
    sending = Message.objects.filter(pk=message.pk, status=Message.Status.SENDING)
    with transaction.atomic():
        if permanent or message.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            sending.update(status=Message.Status.FAILED, last_error=error, claimed_at=None)
            logger.warning("notification %s failed: %s", message.pk, error)
            return Outcome.FAILED
        retry_at = timezone.now() + retry_delay(message.attempts)
        updated = sending.update(
            status=Message.Status.PENDING,
            next_attempt_at=retry_at,
            last_error=error,
            claimed_at=None,
        )
        if updated:
            transaction.on_commit(
                partial(_schedule, message.pk, run_after=retry_at, urgent=message.urgent),
                robust=True,
            )
    logger.info(
        "notification %s: attempt %s failed, retry at %s", message.pk, message.attempts, retry_at
    )
    return Outcome.RETRY


# Quiet hours -------------------------------------------------------------------------------


def parse_quiet_hours(value: str) -> tuple[time, time] | None:
    """ "21-7" or "21:30-6:45" -> (start, end); "" -> None. Raises ImproperlyConfigured."""
    if not value or not value.strip():
        return None
    match = _QUIET_HOURS.match(value)
    if match:
        h1, m1, h2, m2 = (int(g) if g else 0 for g in match.groups())
        if h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60:
            start, end = time(h1, m1), time(h2, m2)
            return None if start == end else (start, end)
    raise ImproperlyConfigured(
        f"NOTIFY_QUIET_HOURS={value!r}: hãy viết dạng giờ bắt đầu-giờ kết thúc, ví dụ 21-7 "
        f"hoặc 21:30-6:30, hoặc để trống. / write it as start-end hours, e.g. 21-7 or "
        f"21:30-6:30, or leave it empty."
    )


def quiet_hours_end(now: datetime) -> datetime | None:
    """When the quiet hours around `now` end, or None if `now` is not in quiet hours."""
    window = parse_quiet_hours(settings.NOTIFY_QUIET_HOURS)
    if window is None:
        return None
    start, end = window
    local = now.astimezone(RECIPIENT_TIME_ZONE)
    moment = local.time()
    today: date = local.date()
    if start < end:  # e.g. 12-14, within one day
        quiet = start <= moment < end
        end_day = today
    else:  # e.g. 21-7, across midnight
        quiet = moment >= start or moment < end
        end_day = today + timedelta(days=1) if moment >= start else today
    if not quiet:
        return None
    return datetime.combine(end_day, end, tzinfo=RECIPIENT_TIME_ZONE)


def _quiet_hours_apply(message: Message) -> bool:
    return not message.urgent and message.channel in QUIET_CHANNELS


# Dispatch and administration ---------------------------------------------------------------


def message_dispatch_due(*, limit: int = DISPATCH_BATCH) -> dict[str, int]:
    """Make sure every due message has a delivery task; release messages a dead worker held.

    Safe to run from several workers at once: releases are conditional UPDATEs and a duplicate
    delivery task finds the message already claimed. Returns counts for the log.
    """
    now = timezone.now()
    stuck_cutoff = now - STUCK_AFTER
    stuck = Message.objects.filter(
        Q(claimed_at__lt=stuck_cutoff) | Q(claimed_at__isnull=True), status=Message.Status.SENDING
    )
    lost_error = (
        "The worker stopped while sending (no result after "
        f"{int(STUCK_AFTER.total_seconds() // 60)} minutes); the message may have been sent."
    )
    with transaction.atomic():
        stuck_ids = list(stuck.values_list("pk", flat=True)[:limit])
        failed = (
            stuck.filter(pk__in=stuck_ids, attempts__gte=settings.NOTIFY_MAX_ATTEMPTS).update(
                status=Message.Status.FAILED, claimed_at=None, last_error=lost_error
            )
            if stuck_ids
            else 0
        )
        released = (
            stuck.filter(pk__in=stuck_ids).update(
                status=Message.Status.PENDING,
                next_attempt_at=now,
                claimed_at=None,
                last_error=lost_error,
            )
            if stuck_ids
            else 0
        )
    if failed or released:
        logger.warning("notifications: released %s and failed %s stuck messages", released, failed)

    due_ids = list(
        Message.objects.filter(
            Q(next_attempt_at__lte=now - DISPATCH_GRACE) | Q(pk__in=stuck_ids),
            status=Message.Status.PENDING,
        )
        .order_by("next_attempt_at")
        .values_list("pk", "urgent")[:limit]
    )
    # A released message's old task belonged to the dead worker: it needs a new one.
    waiting = _ids_with_a_waiting_task([pk for pk, _urgent in due_ids if pk not in stuck_ids])
    enqueued = 0
    for pk, urgent in due_ids:
        if pk not in waiting:
            _schedule(pk, urgent=urgent)
            enqueued += 1
    return {"released": released, "failed": failed, "enqueued": enqueued}


def message_retry_now(*, message_ids: Iterable[int], by: User) -> int:
    """Send pending or failed messages again at once, with a fresh set of attempts.

    Quiet hours still hold for non-urgent SMS and Zalo messages. Sent messages and messages
    being sent are left alone. Returns how many messages were put back in the queue.
    """
    now = timezone.now()
    retryable = Message.objects.filter(
        pk__in=list(message_ids), status__in=[Message.Status.PENDING, Message.Status.FAILED]
    )
    with transaction.atomic():
        rows = list(retryable.values_list("pk", "urgent", "status"))
        retryable.filter(pk__in=[pk for pk, _u, _s in rows]).update(
            status=Message.Status.PENDING, attempts=0, next_attempt_at=now, claimed_at=None
        )
        for pk, urgent, status in rows:
            audit_record(
                actor=by,
                action=AuditEntry.Action.UPDATE,
                object_type="notification",
                object_id=pk,
                reason="retry now",
                via="admin",
                details={"previous_status": status},
            )
            transaction.on_commit(partial(_schedule, pk, urgent=urgent), robust=True)
    return len(rows)


# Task scheduling ---------------------------------------------------------------------------


def _schedule(message_id: int, *, run_after: datetime | None = None, urgent: bool = False) -> None:
    # Imported here because the task module imports this one: tasks are the thin entry point
    # the worker loads, services decide when they run.
    from notifications.tasks import deliver_message

    task = deliver_message
    if run_after is not None and run_after > timezone.now():
        if not task.get_backend().supports_defer:
            return  # message_dispatch_due enqueues it once it falls due
        task = task.using(run_after=run_after)
    if urgent:
        task = task.using(priority=10)
    task.enqueue(message_id=message_id)


def _ids_with_a_waiting_task(message_ids: list[int]) -> set[int]:
    """Messages that already have a delivery task waiting in the queue (database backend only).

    A task marked running is not counted: for a message that is still pending well after it
    fell due, that task has either finished its attempt or died with its worker.
    """
    from django_tasks import TaskResultStatus
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from notifications.tasks import deliver_message

    backend = deliver_message.get_backend()
    if not message_ids or not isinstance(backend, DatabaseBackend):
        return set()
    rows = DBTaskResult.objects.filter(
        backend_name=backend.alias,
        task_path=deliver_message.module_path,
        status=TaskResultStatus.READY,
        args_kwargs__kwargs__message_id__in=message_ids,
    ).values_list("args_kwargs", flat=True)
    return {row["kwargs"]["message_id"] for row in rows}

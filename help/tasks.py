"""Background tasks of the corners part: appointment reminders the day before."""

from __future__ import annotations

from django_tasks import task

from help import services


@task()
def send_appointment_reminder(appointment_id: int, starts_at: str) -> bool:
    """Remind one booking the day before, if it is still booked at that time."""
    return services.appointment_reminder_send(appointment_id=appointment_id, starts_at=starts_at)


@task()
def send_due_reminders() -> int:
    """Send every reminder that is due and was not sent (a sweep after lost tasks)."""
    return services.appointment_reminders_send_due()

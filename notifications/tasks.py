"""Background tasks of the notification outbox (queue "notifications")."""

from __future__ import annotations

from django_tasks import task

from notifications import services


@task(queue_name="notifications")
def deliver_message(message_id: int) -> str:
    """Send one queued message if it is due; retries are scheduled by the service."""
    return services.message_deliver(message_id=message_id).value

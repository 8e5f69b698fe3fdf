"""`langso send-reminders`: send the appointment reminders that are due and were not sent.

Each booking plans its own reminder as a deferred task run by `langso worker`; this command is
for task backends that cannot defer tasks, and catches reminders whose task was lost. Run it
from cron any time after 17:00 (Vietnam's time); it sends each reminder once however often it
runs.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from help.services import appointment_reminders_send_due


class Command(BaseCommand):
    help = "Send the appointment reminders that are due (tomorrow's bookings) and were not sent."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = appointment_reminders_send_due()
        self.stdout.write(f"{sent} reminder(s) queued in the outbox.")

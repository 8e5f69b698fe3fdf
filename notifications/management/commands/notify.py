"""`langso notify`: queue one message through the outbox, e.g. to test an SMS gateway."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from notifications.services import message_queue


class Command(BaseCommand):
    help = "Queue one notification (sms, zalo or email); the worker sends it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("body", help="The text of the message.")
        parser.add_argument("--to", required=True, help="Phone number or e-mail address.")
        parser.add_argument(
            "--channel", default="sms", choices=["sms", "zalo", "email"], help="Default: sms."
        )
        parser.add_argument("--subject", default="", help="Subject (e-mail only).")
        parser.add_argument("--urgent", action="store_true", help="Send even during quiet hours.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            message = message_queue(
                channel=options["channel"],
                recipient=options["to"],
                body=options["body"],
                subject=options["subject"],
                urgent=options["urgent"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            f"Đã xếp hàng tin nhắn #{message.pk} tới {message.recipient}. / "
            f"Queued message #{message.pk} to {message.recipient}."
        )

"""Delivery backends: one interface, `send(message) -> provider id`, per channel.

A backend raises TemporaryError when trying again later may work (a timeout, a 5xx, a rate
limit) and PermanentError when it will not (a refused recipient, a 4xx, missing configuration).
services.message_deliver turns those into retries with backoff or a failed message; a backend
never touches the database.

settings.NOTIFICATION_BACKENDS maps a channel to a backend's dotted path; the console backend,
which writes one JSON line per message to settings.NOTIFY_OUTBOX_FILE, is the default so that a
fresh installation sends nothing to real people.
"""

from __future__ import annotations

import http.client
import json
import logging
import smtplib
import threading
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from notifications.models import Message

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "notifications.backends.ConsoleBackend"


class DeliveryError(Exception):
    """A message could not be handed to its provider."""


class TemporaryError(DeliveryError):
    """Trying again later may work."""


class PermanentError(DeliveryError):
    """Trying again will not work; the message fails."""


class Backend:
    """Hand one message to a provider and return the provider's id for it."""

    def send(self, message: Message) -> str:
        raise NotImplementedError


def get_backend(channel: str) -> Backend:
    path = settings.NOTIFICATION_BACKENDS.get(channel, DEFAULT_BACKEND)
    backend_class = import_string(path)
    return backend_class()


_outbox_lock = threading.Lock()


class ConsoleBackend(Backend):
    """Log the message and append it as one JSON line to NOTIFY_OUTBOX_FILE (nothing is sent)."""

    def send(self, message: Message) -> str:
        provider_id = f"console-{message.pk}"
        line = json.dumps(
            {
                "id": message.pk,
                "provider_id": provider_id,
                "channel": message.channel,
                "recipient": message.recipient,
                "subject": message.subject,
                "body": message.body,
                "urgent": message.urgent,
                "attempt": message.attempts,
                "at": timezone.now().isoformat(),
            },
            ensure_ascii=False,
        )
        logger.info("notification %s to %s via %s", message.pk, message.recipient, message.channel)
        path = settings.NOTIFY_OUTBOX_FILE
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with _outbox_lock, path.open("a", encoding="utf-8") as outbox:
                outbox.write(line + "\n")
        except OSError as exc:
            raise TemporaryError(f"cannot write the outbox file {path}: {exc}") from exc
        return provider_id


class EmailBackend(Backend):
    """Send through Django's e-mail backend (settings.EMAIL_BACKEND, SMTP in production)."""

    def send(self, message: Message) -> str:
        email = EmailMessage(
            subject=message.subject or settings.SITE_NAME,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers={"X-Langso-Message": str(message.pk)},
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            # 5xx SMTP replies are final, 4xx ones are "try again later".
            error = PermanentError if 500 <= exc.smtp_code < 600 else TemporaryError
            raise error(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryError(f"SMTP: {exc}") from exc
        return f"email-{message.pk}"


class HttpJsonBackend(Backend):
    """POST a JSON document with a bearer token; the reply's "id" is the provider id.

    2xx is success; 408, 425, 429 and 5xx, timeouts and connection errors are temporary; any
    other 4xx is permanent (the provider refused this message, sending it again will not help).
    """

    name = "http"
    url_setting = ""
    auth_setting = ""

    def payload(self, message: Message) -> dict[str, Any]:
        raise NotImplementedError

    def send(self, message: Message) -> str:
        url = getattr(settings, self.url_setting, "")
        token = getattr(settings, self.auth_setting, "")
        if not url:
            raise PermanentError(f"{self.url_setting} is not set")
        if not url.startswith(("https://", "http://")):
            raise PermanentError(f"{self.url_setting} must be an http(s) URL")
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            url,
            data=json.dumps(self.payload(message), ensure_ascii=False).encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": f"langso-message-{message.pk}",
            },
        )
        timeout = settings.NOTIFY_HTTP_TIMEOUT
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                body = response.read(64 * 1024)
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace")
            if exc.code in (408, 425, 429) or exc.code >= 500:
                raise TemporaryError(f"HTTP {exc.code}: {detail}") from exc
            raise PermanentError(f"HTTP {exc.code}: {detail}") from exc
        except (OSError, http.client.HTTPException) as exc:  # timeouts, refused, reset, TLS
            raise TemporaryError(f"{type(exc).__name__}: {exc}") from exc
        return self.provider_id(body) or f"{self.name}-{message.pk}"

    def provider_id(self, body: bytes) -> str:
        try:
            reply = json.loads(body or b"{}")
        except ValueError:
            return ""
        if isinstance(reply, dict):
            for key in ("id", "message_id", "msg_id"):
                if reply.get(key):
                    return str(reply[key])[:100]
            data = reply.get("data")
            if isinstance(data, dict) and data.get("message_id"):
                return str(data["message_id"])[:100]
        return ""


class SmsHttpBackend(HttpJsonBackend):
    """An SMS gateway (brand-name SMS from a telecom operator or an aggregator) over HTTPS."""

    name = "sms"
    url_setting = "NOTIFY_SMS_URL"
    auth_setting = "NOTIFY_SMS_TOKEN"

    def payload(self, message: Message) -> dict[str, Any]:
        return {
            "to": message.recipient,
            "text": message.body,
            "sender": settings.NOTIFY_SMS_SENDER,
            "reference": str(message.pk),
        }


class ZaloOABackend(HttpJsonBackend):
    """A Zalo Official Account message (through Zalo's API or a ZNS relay), by phone number."""

    name = "zalo"
    url_setting = "NOTIFY_ZALO_URL"
    auth_setting = "NOTIFY_ZALO_TOKEN"

    def payload(self, message: Message) -> dict[str, Any]:
        # Zalo identifies people by phone number without the plus sign: 84912345678.
        return {
            "phone": message.recipient.lstrip("+"),
            "message": {"text": message.body},
            "tracking_id": str(message.pk),
        }

"""Each delivery backend, the HTTP ones against a small server on 127.0.0.1 started here."""

from __future__ import annotations

import json
import smtplib
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from notifications import services
from notifications.backends import (
    ConsoleBackend,
    EmailBackend,
    PermanentError,
    SmsHttpBackend,
    TemporaryError,
    ZaloOABackend,
)
from notifications.models import Message

pytestmark = pytest.mark.django_db


class Gateway:
    """A fake provider: records each request and answers with the next scripted reply."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.replies: list[tuple[int, Any]] = []
        self.delay = 0.0
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                gateway.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(self.rfile.read(length)),
                    }
                )
                if gateway.delay:
                    time.sleep(gateway.delay)
                status, body = gateway.replies.pop(0) if gateway.replies else (200, {"id": "x"})
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def gateway(settings: Any) -> Iterator[Gateway]:
    server = Gateway()
    server.thread.start()
    settings.NOTIFY_SMS_URL = server.url
    settings.NOTIFY_SMS_TOKEN = "sms-secret"
    settings.NOTIFY_SMS_SENDER = "CAMAU"
    settings.NOTIFY_ZALO_URL = server.url
    settings.NOTIFY_ZALO_TOKEN = "zalo-secret"
    settings.NOTIFY_HTTP_TIMEOUT = 0.5
    yield server
    server.server.shutdown()
    server.server.server_close()


def stored(channel: str = "sms", recipient: str = "0912345678", **fields: Any) -> Message:
    fields.setdefault("body", "Hồ sơ trợ cấp của bà đã được duyệt.")
    return services.message_queue(channel=channel, recipient=recipient, **fields)


# SMS over HTTP ---------------------------------------------------------------------------------


def test_it_posts_an_sms_as_json_with_a_bearer_token(gateway: Gateway) -> None:
    message = stored()
    gateway.replies.append((200, {"id": "gw-123", "status": "accepted"}))
    assert SmsHttpBackend().send(message) == "gw-123"
    [request] = gateway.requests
    assert request["headers"]["Authorization"] == "Bearer sms-secret"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert request["headers"]["Idempotency-Key"] == f"langso-message-{message.pk}"
    assert request["json"] == {
        "to": "+84912345678",
        "text": "Hồ sơ trợ cấp của bà đã được duyệt.",
        "sender": "CAMAU",
        "reference": str(message.pk),
    }


@pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
def test_it_treats_server_errors_and_rate_limits_as_temporary(
    gateway: Gateway, status: int
) -> None:
    gateway.replies.append((status, {"error": "busy"}))
    with pytest.raises(TemporaryError, match=str(status)):
        SmsHttpBackend().send(stored())


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_it_treats_other_client_errors_as_permanent(gateway: Gateway, status: int) -> None:
    gateway.replies.append((status, {"error": "invalid number"}))
    with pytest.raises(PermanentError, match="invalid number"):
        SmsHttpBackend().send(stored())


def test_it_treats_a_timeout_as_temporary(gateway: Gateway, settings: Any) -> None:
    settings.NOTIFY_HTTP_TIMEOUT = 0.2
    gateway.delay = 0.6
    with pytest.raises(TemporaryError, match="timed out"):
        SmsHttpBackend().send(stored())


def test_it_treats_a_refused_connection_as_temporary(settings: Any) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.NOTIFY_SMS_URL = f"http://127.0.0.1:{port}/send"  # nothing listens there
    with pytest.raises(TemporaryError):
        SmsHttpBackend().send(stored())


def test_it_fails_permanently_when_the_gateway_is_not_configured(settings: Any) -> None:
    settings.NOTIFY_SMS_URL = ""
    with pytest.raises(PermanentError, match="NOTIFY_SMS_URL"):
        SmsHttpBackend().send(stored())


def test_it_uses_its_own_id_when_the_gateway_gives_none(gateway: Gateway) -> None:
    message = stored()
    gateway.replies.append((202, {}))
    assert SmsHttpBackend().send(message) == f"sms-{message.pk}"


def test_it_delivers_through_the_gateway_from_the_outbox(
    gateway: Gateway, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFICATION_BACKENDS = {"sms": "notifications.backends.SmsHttpBackend"}
    gateway.replies.extend([(503, {}), (200, {"message_id": "abc"})])
    with django_capture_on_commit_callbacks(execute=True):
        message = stored()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.PENDING, 1)
    assert "503" in message.last_error

    Message.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at)
    assert services.message_deliver(message_id=message.pk) == services.Outcome.SENT
    message.refresh_from_db()
    assert (message.status, message.provider_id) == (Message.Status.SENT, "abc")


# Zalo OA -------------------------------------------------------------------------------------


def test_it_posts_a_zalo_message_by_phone_number(gateway: Gateway) -> None:
    message = stored(channel="zalo")
    gateway.replies.append((200, {"error": 0, "data": {"message_id": "z-9"}}))
    assert ZaloOABackend().send(message) == "z-9"
    [request] = gateway.requests
    assert request["headers"]["Authorization"] == "Bearer zalo-secret"
    assert request["json"] == {
        "phone": "84912345678",
        "message": {"text": "Hồ sơ trợ cấp của bà đã được duyệt."},
        "tracking_id": str(message.pk),
    }


def test_it_maps_zalo_errors_like_the_sms_gateway(gateway: Gateway) -> None:
    gateway.replies.extend([(500, {}), (400, {"error": -124})])
    with pytest.raises(TemporaryError):
        ZaloOABackend().send(stored(channel="zalo"))
    with pytest.raises(PermanentError):
        ZaloOABackend().send(stored(channel="zalo"))


# E-mail and console ------------------------------------------------------------------------


def test_it_sends_email_through_django_mail() -> None:
    message = stored(channel="email", recipient="lan@vidu.vn", subject="Lịch hẹn")
    assert EmailBackend().send(message) == f"email-{message.pk}"
    [sent] = mail.outbox
    assert (sent.to, sent.subject, sent.body) == (
        ["lan@vidu.vn"],
        "Lịch hẹn",
        "Hồ sơ trợ cấp của bà đã được duyệt.",
    )


class RefusingEmailBackend(BaseEmailBackend):
    error: Exception = smtplib.SMTPRecipientsRefused({"lan@vidu.vn": (550, b"no such user")})

    def send_messages(self, email_messages: Any) -> int:
        raise self.error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (smtplib.SMTPRecipientsRefused({"lan@vidu.vn": (550, b"no such user")}), PermanentError),
        (smtplib.SMTPDataError(554, b"rejected"), PermanentError),
        (smtplib.SMTPDataError(451, b"try later"), TemporaryError),
        (smtplib.SMTPServerDisconnected("gone"), TemporaryError),
        (ConnectionRefusedError(111, "refused"), TemporaryError),
    ],
)
def test_it_maps_smtp_errors_to_temporary_or_permanent(
    settings: Any, error: Exception, expected: type[Exception]
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.RefusingEmailBackend"
    RefusingEmailBackend.error = error
    with pytest.raises(expected):
        EmailBackend().send(stored(channel="email", recipient="lan@vidu.vn"))


def test_it_appends_one_json_line_per_message_to_the_outbox_file(
    settings: Any, tmp_path: Path
) -> None:
    settings.NOTIFY_OUTBOX_FILE = tmp_path / "nested" / "outbox.log"
    first, second = stored(), stored(channel="zalo", urgent=True, body="Khẩn: đo lại huyết áp")
    assert ConsoleBackend().send(first) == f"console-{first.pk}"
    ConsoleBackend().send(second)
    lines = settings.NOTIFY_OUTBOX_FILE.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == [first.pk, second.pk]
    assert records[1] | {"at": None} == {
        "id": second.pk,
        "provider_id": f"console-{second.pk}",
        "channel": "zalo",
        "recipient": "+84912345678",
        "subject": "",
        "body": "Khẩn: đo lại huyết áp",
        "urgent": True,
        "attempt": 0,
        "at": None,
    }


def test_it_reports_an_unwritable_outbox_file_as_temporary(settings: Any, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    settings.NOTIFY_OUTBOX_FILE = tmp_path / "file" / "outbox.log"  # a file is not a folder
    with pytest.raises(TemporaryError, match="outbox"):
        ConsoleBackend().send(stored())

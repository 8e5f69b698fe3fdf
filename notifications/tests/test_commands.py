"""`langso notify`: queue one message from the command line."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from notifications.models import Message

pytestmark = pytest.mark.django_db


def test_it_queues_a_message_and_says_which(settings: Any, tmp_path: Any) -> None:
    settings.NOTIFY_OUTBOX_FILE = tmp_path / "outbox.log"
    out = StringIO()
    call_command("notify", "--to", "0912 345 678", "--urgent", "Kiểm tra cổng SMS", stdout=out)
    message = Message.objects.get()
    assert (message.channel, message.recipient, message.urgent) == ("sms", "+84912345678", True)
    assert f"#{message.pk}" in out.getvalue()


def test_it_refuses_a_bad_recipient_with_a_clear_message() -> None:
    with pytest.raises(CommandError, match="không hợp lệ.*not a valid"):
        call_command("notify", "--channel", "email", "--to", "lan@", "Xin chào")
    assert not Message.objects.exists()

"""The outbox in the Django admin: province administrators only, read-only, "retry now"."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from conftest import login
from notifications import services
from notifications.models import Message

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:notifications_message_changelist"


@pytest.fixture(autouse=True)
def outbox(settings: Any, tmp_path: Any) -> None:
    settings.NOTIFY_OUTBOX_FILE = tmp_path / "outbox.log"


def failed_message(body: str = "Thông báo chi trả trợ cấp") -> Message:
    message = services.message_queue(channel="sms", recipient="0912345678", body=body)
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.FAILED, attempts=6, last_error="HTTP 503"
    )
    return message


def test_it_lists_messages_with_status_and_channel_filters(
    client: Any, province_admin: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        failed_message(f"Tin số {n}")
    services.message_queue(channel="email", recipient="lan@vidu.vn", body="Xin chào")
    login(client, province_admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    page = response.content.decode()
    assert "0912 345 678" in page  # phone numbers in the form people read
    assert "?status__exact=failed" in page
    assert "?channel__exact=email" in page
    response = client.get(reverse(CHANGELIST), {"channel__exact": "email"})
    assert list(response.context["cl"].result_list.values_list("channel", flat=True)) == ["email"]


def test_it_shows_a_message_read_only_and_audits_the_view(client: Any, province_admin: Any) -> None:
    message = failed_message()
    login(client, province_admin)
    url = reverse("admin:notifications_message_change", args=[message.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert 'name="body"' not in response.content.decode()  # no editable field
    assert AuditEntry.objects.filter(
        actor=province_admin, action="view", object_type="notification", object_id=message.pk
    ).exists()
    assert client.post(url, {"body": "changed"}).status_code == 403
    assert client.get(reverse("admin:notifications_message_add")).status_code == 403
    message.refresh_from_db()
    assert message.body == "Thông báo chi trả trợ cấp"


def test_it_retries_selected_messages_now_through_the_service(
    client: Any, province_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    message = failed_message()
    login(client, province_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(CHANGELIST),
            {"action": "retry_now", "_selected_action": [message.pk]},
            follow=True,
        )
    assert response.status_code == 200
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENT, 1)
    assert AuditEntry.objects.filter(
        actor=province_admin, action="update", object_type="notification", object_id=message.pk
    ).exists()


@pytest.mark.parametrize("persona", ["officer_a", "health_worker_a", "citizen"])
def test_it_refuses_everyone_but_province_administrators(
    client: Any, request: Any, persona: str
) -> None:
    message = failed_message()
    login(client, request.getfixturevalue(persona))
    for url in (
        reverse(CHANGELIST),
        reverse("admin:notifications_message_change", args=[message.pk]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert reverse("admin:login") in response["Location"]
    client.post(reverse(CHANGELIST), {"action": "retry_now", "_selected_action": [message.pk]})
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED


def test_it_refuses_a_staff_account_that_is_not_a_province_administrator(
    client: Any, make_user: Any
) -> None:
    from accounts.models import User

    officer = make_user("officer.staff", "commune_officer", (31825,))
    User.objects.filter(pk=officer.pk).update(is_staff=True)
    officer.refresh_from_db()
    login(client, officer)
    assert client.get(reverse(CHANGELIST)).status_code == 403

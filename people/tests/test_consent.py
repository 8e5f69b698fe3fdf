"""Consent per purpose: recorded by staff or the citizen, withdrawable, required to act for a person."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import AuditEntry
from conftest import login
from people import services
from people.models import Consent, HistoryEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def mai(make_person, commune_a, citizen):  # type: ignore[no-untyped-def]
    return make_person(commune_a, "Danh Thị Mai", user=citizen, phone="+84912345678")


def test_a_helper_records_spoken_consent_at_a_corner(client, helper_a, mai) -> None:  # type: ignore[no-untyped-def]
    login(client, helper_a)
    response = client.post(
        reverse("people:consent_record", args=[mai.pk]),
        {"purpose": "benefits", "method": "verbal", "note": "Tại điểm hỗ trợ ấp 3"},
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert (consent.purpose, consent.method, consent.recorded_by) == (
        "benefits",
        "verbal",
        helper_a,
    )
    assert HistoryEntry.objects.get(person=mai).kind == "consent"
    entry = AuditEntry.objects.get(object_type="consent")
    assert entry.on_behalf_of == "Danh Thị Mai" and entry.commune_code == 31825
    page = client.get(reverse("people:person", args=[mai.pk]))
    assert page.context["consents"] == [consent]


def test_require_consent_refuses_until_consent_is_given_and_after_it_is_withdrawn(
    officer_a, mai
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.ConsentRequired) as refused:
        services.require_consent(mai, "health")
    assert isinstance(refused.value, PermissionDenied)
    assert "Danh Thị Mai" in refused.value.message_vi and "consented" in refused.value.message_en
    consent = services.consent_record(person=mai, purpose="health", method="paper", actor=officer_a)
    assert services.require_consent(mai, "health") == consent
    assert services.has_consent(mai, "health") and not services.has_consent(mai, "jobs")
    again = services.consent_record(person=mai, purpose="health", method="online", actor=officer_a)
    assert again == consent
    services.consent_withdraw(
        consent=consent, actor=officer_a, method="verbal", reason="Không muốn"
    )
    with pytest.raises(services.ConsentRequired):
        services.require_consent(mai, "health")
    assert Consent.objects.count() == 1


def test_staff_withdraw_a_consent(client, officer_a, mai) -> None:  # type: ignore[no-untyped-def]
    consent = services.consent_record(person=mai, purpose="jobs", method="paper", actor=officer_a)
    login(client, officer_a)
    url = reverse("people:consent_withdraw", args=[consent.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"method": "paper", "reason": "Đơn rút"}).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_by == officer_a and consent.withdrawal_method == "paper"


def test_it_refuses_consent_changes_from_another_commune(client, officer_a, officer_b, mai) -> None:  # type: ignore[no-untyped-def]
    consent = services.consent_record(person=mai, purpose="jobs", method="paper", actor=officer_a)
    login(client, officer_b)
    assert (
        client.post(
            reverse("people:consent_withdraw", args=[consent.pk]), {"method": "paper"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("people:consent_record", args=[mai.pk]), {"purpose": "jobs", "method": "paper"}
        ).status_code
        == 404
    )
    assert Consent.objects.get().is_active


def test_a_citizen_sees_their_record_and_gives_and_withdraws_consent_online(
    client, citizen, mai
) -> None:  # type: ignore[no-untyped-def]
    login(client, citizen)
    page = client.get(reverse("people:my_record"))
    assert page.status_code == 200
    assert "Danh Thị Mai" in page.content.decode()
    assert (
        client.post(reverse("people:my_consent_record"), {"purpose": "devices"}).status_code == 302
    )
    consent = Consent.objects.get()
    assert (consent.method, consent.recorded_by) == ("online", citizen)
    url = reverse("people:consent_withdraw", args=[consent.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"method": "online"}).status_code == 302
    consent.refresh_from_db()
    assert not consent.is_active


def test_a_citizen_cannot_touch_another_persons_consent(client, make_user, officer_a, mai) -> None:  # type: ignore[no-untyped-def]
    consent = services.consent_record(person=mai, purpose="jobs", method="paper", actor=officer_a)
    other = make_user("citizen.b", "citizen", phone="0987654321")
    login(client, other)
    url = reverse("people:consent_withdraw", args=[consent.pk])
    assert client.post(url, {"method": "online"}).status_code == 404
    page = client.get(reverse("people:my_record"))
    assert page.context["person"] is None
    assert client.post(reverse("people:my_consent_record"), {"purpose": "jobs"}).status_code == 404
    assert Consent.objects.get().is_active


def test_staff_cannot_open_the_citizen_page(client, officer_a) -> None:  # type: ignore[no-untyped-def]
    assert login(client, officer_a).get(reverse("people:my_record")).status_code == 403

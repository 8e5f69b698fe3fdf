"""Linking a citizen's account to their person: by an officer, or by the citizen ("this is me")."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditEntry
from conftest import login
from people import services
from people.models import AccountLinkRequest, HistoryEntry, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def mai(make_person, commune_a):  # type: ignore[no-untyped-def]
    """The citizen persona's own record: same phone as her account."""
    return make_person(commune_a, "Danh Thị Mai", personal_id="096188123456", phone="+84912345678")


@pytest.fixture
def other_citizen(make_user):  # type: ignore[no-untyped-def]
    return make_user("citizen.b", "citizen", phone="0987654321", full_name="Lâm Văn Tài")


def _this_is_me(client, number: str = "096188123456", born: str = "14/03/1988"):  # type: ignore[no-untyped-def]
    return client.post(reverse("people:my_link"), {"personal_id": number, "date_of_birth": born})


# The services -------------------------------------------------------------------------------------


def test_it_links_and_unlinks_with_history_and_audit(officer_a, citizen, mai) -> None:  # type: ignore[no-untyped-def]
    assert services.person_link_user(
        person=mai, user=citizen, by=officer_a, method="officer", reason="saw the ID card"
    )
    mai.refresh_from_db()
    assert mai.user == citizen
    assert not services.person_link_user(person=mai, user=citizen, by=officer_a, method="officer")
    assert services.person_unlink_user(person=mai, by=officer_a, reason="wrong account")
    mai.refresh_from_db()
    assert mai.user is None
    kinds = list(HistoryEntry.objects.filter(person=mai).values_list("kind", "changes"))
    assert kinds == [
        ("account", {"account": ["citizen.a", None]}),
        ("account", {"account": [None, "citizen.a (officer)"]}),
    ]
    assert AuditEntry.objects.filter(object_id=str(mai.pk), commune_code=31825).count() == 2


def test_it_refuses_a_person_or_account_already_linked_elsewhere(  # type: ignore[no-untyped-def]
    officer_a, citizen, other_citizen, mai, make_person, commune_a
) -> None:
    services.person_link_user(person=mai, user=citizen, by=officer_a, method="officer")
    with pytest.raises(ValidationError) as caught:
        services.person_link_user(person=mai, user=other_citizen, by=officer_a, method="officer")
    assert caught.value.code == "person_linked_elsewhere"
    someone = make_person(commune_a, "Lâm Văn Tài", sex="male", personal_id="096088111222")
    with pytest.raises(ValidationError) as caught:
        services.person_link_user(person=someone, user=citizen, by=officer_a, method="officer")
    assert caught.value.code == "account_linked_elsewhere"
    with translation.override("vi"):
        assert "đã được liên kết" in caught.value.messages[0]


def test_it_refuses_to_link_a_staff_account(officer_a, officer_b, mai) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        services.person_link_user(person=mai, user=officer_b, by=officer_a, method="officer")
    assert caught.value.code == "not_a_citizen"


# The officer's screens ----------------------------------------------------------------------------


def test_an_officer_links_an_account_found_by_phone(client, officer_a, citizen, mai) -> None:  # type: ignore[no-untyped-def]
    login(client, officer_a)
    response = client.post(
        reverse("people:account_link", args=[mai.pk]),
        {"phone": "0912 345 678", "reason": "saw the ID card"},
    )
    assert response.status_code == 302
    mai.refresh_from_db()
    assert mai.user == citizen
    page = client.get(reverse("people:person", args=[mai.pk])).content.decode()
    assert "citizen.a" in page
    response = client.post(
        reverse("people:account_unlink", args=[mai.pk]), {"reason": "linked by mistake"}
    )
    assert response.status_code == 302
    mai.refresh_from_db()
    assert mai.user is None


def test_it_says_when_no_citizen_account_has_the_phone(client, officer_a, mai) -> None:  # type: ignore[no-untyped-def]
    response = login(client, officer_a).post(
        reverse("people:account_link", args=[mai.pk]),
        {"phone": "0911 111 111", "reason": "saw the ID card"},
    )
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors


def test_another_communes_officer_cannot_link_or_unlink(
    client, officer_b, helper_a, citizen, mai
) -> None:  # type: ignore[no-untyped-def]
    login(client, officer_b)
    for name in ("people:account_link", "people:account_unlink"):
        response = client.post(reverse(name, args=[mai.pk]), {"phone": "0912345678", "reason": "x"})
        assert response.status_code == 404
    response = login(client, helper_a).post(
        reverse("people:account_link", args=[mai.pk]), {"phone": "0912345678", "reason": "x"}
    )
    assert response.status_code == 403
    mai.refresh_from_db()
    assert mai.user is None


# "This is me" -------------------------------------------------------------------------------------


def test_a_citizen_whose_phone_matches_is_linked_at_once(client, citizen, mai) -> None:  # type: ignore[no-untyped-def]
    response = _this_is_me(login(client, citizen))
    assert response.status_code == 302
    assert response["Location"] == reverse("people:my_record")
    mai.refresh_from_db()
    assert mai.user == citizen
    assert AccountLinkRequest.objects.get().status == "linked"
    assert AuditEntry.objects.filter(object_type="account_link_request").exists()


def test_a_citizen_with_another_phone_waits_for_the_commune(  # type: ignore[no-untyped-def]
    client, citizen, officer_a, officer_b, mai, django_assert_max_num_queries
) -> None:
    Person.objects.filter(pk=mai.pk).update(phone="+84987000111")
    _this_is_me(login(client, citizen))
    mai.refresh_from_db()
    assert mai.user is None
    request = AccountLinkRequest.objects.get()
    assert request.status == "pending" and request.person == mai
    # Another commune's officer sees nothing and may not decide.
    login(client, officer_b)
    assert list(client.get(reverse("people:link_requests")).context["page"]) == []
    response = client.post(
        reverse("people:link_request_decide", args=[request.pk]), {"decision": "confirm"}
    )
    assert response.status_code == 404
    login(client, officer_a)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("people:link_requests"))
    assert [r.pk for r in page.context["page"]] == [request.pk]
    client.post(reverse("people:link_request_decide", args=[request.pk]), {"decision": "confirm"})
    mai.refresh_from_db()
    assert mai.user == citizen
    request.refresh_from_db()
    assert request.status == "confirmed" and request.decided_by == officer_a


def test_a_rejection_needs_a_reason_the_citizen_then_sees(client, citizen, officer_a, mai) -> None:  # type: ignore[no-untyped-def]
    Person.objects.filter(pk=mai.pk).update(phone="")
    _this_is_me(login(client, citizen))
    request = AccountLinkRequest.objects.get()
    login(client, officer_a)
    url = reverse("people:link_request_decide", args=[request.pk])
    client.post(url, {"decision": "reject"})
    request.refresh_from_db()
    assert request.status == "pending"
    client.post(url, {"decision": "reject", "note": "the ID card shows another person"})
    request.refresh_from_db()
    assert request.status == "rejected"
    page = login(client, citizen).get(reverse("people:my_link")).content.decode()
    assert "the ID card shows another person" in page


@pytest.mark.parametrize(
    ("number", "born"),
    [("096188123456", "15/03/1988"), ("096188999999", "14/03/1988")],
)
def test_it_does_not_say_which_part_did_not_match(client, citizen, mai, number, born) -> None:  # type: ignore[no-untyped-def]
    response = _this_is_me(login(client, citizen), number, born)
    assert response.status_code == 302
    mai.refresh_from_db()
    assert mai.user is None
    assert AccountLinkRequest.objects.get().status == "no_match"
    assert AccountLinkRequest.objects.get().person is None


def test_it_does_not_match_a_dead_person(client, citizen, mai) -> None:  # type: ignore[no-untyped-def]
    Person.objects.filter(pk=mai.pk).update(date_of_death=date(2025, 1, 1))
    _this_is_me(login(client, citizen))
    assert AccountLinkRequest.objects.get().status == "no_match"


def test_it_refuses_a_record_linked_to_another_account(client, citizen, other_citizen, mai) -> None:  # type: ignore[no-untyped-def]
    Person.objects.filter(pk=mai.pk).update(user=other_citizen)
    _this_is_me(login(client, citizen))
    assert AccountLinkRequest.objects.get().status == "refused"
    mai.refresh_from_db()
    assert mai.user == other_citizen


def test_it_throttles_attempts_so_nobody_can_probe_id_numbers(
    client, citizen, mai, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.PERSON_LINK_ATTEMPT_LIMIT = 3
    login(client, citizen)
    for n in range(3):
        _this_is_me(client, f"09618800000{n}")
    response = _this_is_me(client)  # the right answer, too late
    assert response.status_code == 302
    assert AccountLinkRequest.objects.count() == 3
    mai.refresh_from_db()
    assert mai.user is None


def test_it_checks_the_form(client, citizen) -> None:  # type: ignore[no-untyped-def]
    response = _this_is_me(login(client, citizen), "12345", "1988")
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"personal_id", "date_of_birth"}
    assert AccountLinkRequest.objects.count() == 0


def test_only_citizens_use_this_is_me(client, officer_a) -> None:  # type: ignore[no-untyped-def]
    assert login(client, officer_a).get(reverse("people:my_link")).status_code == 403


def test_the_citizen_workspace_offers_to_link_the_record(client, citizen) -> None:  # type: ignore[no-untyped-def]
    page = login(client, citizen).get(reverse("workspace")).content.decode()
    assert reverse("people:my_link") in page

"""Duplicates: candidates by old ID card and by name + birth date + commune; merge and undo."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from conftest import login
from people import services
from people.models import Consent, Disability, HistoryEntry, Person, PersonMerge, SocialFact
from people.tests.helpers import pid

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(make_person, commune_a, officer_a):  # type: ignore[no-untyped-def]
    kept = make_person(commune_a, "Thạch Thị Sà Quân", personal_id=pid(), legacy_id="")
    other = make_person(
        commune_a,
        "Thach Thi Sa Quan",
        personal_id=None,
        legacy_id="361234567",
        phone="+84912345678",
    )
    Disability.objects.create(
        person=other,
        disability_type="visual",
        level="severe",
        valid_from=date(2020, 1, 1),
        source="test",
    )
    services.consent_record(person=other, purpose="benefits", method="paper", actor=officer_a)
    return kept, other


def test_it_proposes_records_with_the_same_name_birth_date_and_commune(
    client, officer_a, pair
) -> None:  # type: ignore[no-untyped-def]
    response = login(client, officer_a).get(reverse("people:duplicates"))
    assert response.status_code == 200
    (group,) = response.context["groups"]
    assert {p.pk for p in group.people} == {p.pk for p in pair}


def test_it_proposes_records_with_the_same_old_id_card(
    client, officer_a, make_person, commune_a
) -> None:  # type: ignore[no-untyped-def]
    a = make_person(commune_a, "Lý Văn A", personal_id=pid(), legacy_id="123456789")
    b = make_person(
        commune_a,
        "Lý Văn Bê",
        personal_id=None,
        legacy_id="123456789",
        date_of_birth=date(1970, 1, 1),
    )
    groups = login(client, officer_a).get(reverse("people:duplicates")).context["groups"]
    assert [{p.pk for p in g.people} for g in groups] == [{a.pk, b.pk}]


def test_it_does_not_propose_two_people_with_different_id_numbers(
    client, officer_a, make_person, commune_a
) -> None:  # type: ignore[no-untyped-def]
    make_person(commune_a, "Nguyễn Văn An", personal_id=pid())
    make_person(commune_a, "Nguyễn Văn An", personal_id=pid())
    assert login(client, officer_a).get(reverse("people:duplicates")).context["groups"] == []


def test_an_officer_merges_two_records_and_undoes_it(client, officer_a, pair) -> None:  # type: ignore[no-untyped-def]
    kept, other = pair
    login(client, officer_a)
    url = reverse("people:merge", args=[kept.pk, other.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 200
    response = client.post(url, {"reason": "Cùng CCCD và giấy khai sinh"})
    assert response.status_code == 302
    kept.refresh_from_db()
    other.refresh_from_db()
    assert other.merged_into == kept
    assert (kept.legacy_id, kept.phone) == ("361234567", "+84912345678")
    assert kept.disabilities.count() == 1 and kept.consents.count() == 1
    assert HistoryEntry.objects.filter(kind="merged", source="merge").count() == 2
    found = client.get(reverse("people:search"), {"q": "thach thi sa quan"}).context["page"]
    assert [p.pk for p in found] == [kept.pk]
    assert client.get(reverse("people:duplicates")).context["groups"] == []

    merge = PersonMerge.objects.get()
    undo = reverse("people:merge_undo", args=[merge.pk])
    assert client.get(undo).status_code == 200
    assert client.post(undo, {"reason": "Nhầm người"}).status_code == 302
    kept.refresh_from_db()
    other.refresh_from_db()
    assert other.merged_into is None
    assert (kept.legacy_id, kept.phone) == ("", "")
    assert (other.legacy_id, other.phone) == ("361234567", "+84912345678")
    assert other.disabilities.count() == 1 and Consent.objects.get().person == other
    assert HistoryEntry.objects.filter(kind="merge_undone").count() == 2
    assert client.post(undo, {"reason": "again"}).status_code == 200


def test_merging_moves_the_personal_id_and_the_account(
    officer_a, make_person, commune_a, citizen
) -> None:  # type: ignore[no-untyped-def]
    number = pid()
    kept = make_person(commune_a, "Danh Thị Mai", personal_id=None, legacy_id="")
    other = make_person(commune_a, "Danh Thị Mai", personal_id=number, user=citizen)
    merge = services.person_merge(kept=kept, merged=other, actor=officer_a, reason="Trùng")
    kept.refresh_from_db()
    assert (kept.personal_id, kept.user) == (number, citizen)
    assert Person.objects.get(pk=other.pk).personal_id is None
    services.person_merge_undo(merge=merge, actor=officer_a, reason="Hoàn tác")
    kept.refresh_from_db()
    other.refresh_from_db()
    assert (kept.personal_id, kept.user_id) == (None, None)
    assert (other.personal_id, other.user) == (number, citizen)


def test_it_refuses_to_merge_two_different_id_numbers(officer_a, make_person, commune_a) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    a = make_person(commune_a, "Lò Văn Bun", personal_id=pid())
    b = make_person(commune_a, "Lò Văn Bun", personal_id=pid())
    with pytest.raises(ValidationError):
        services.person_merge(kept=a, merged=b, actor=officer_a, reason="x")


def test_it_refuses_merges_to_other_communes_and_readers(
    client, officer_a, officer_b, helper_a, pair
) -> None:  # type: ignore[no-untyped-def]
    kept, other = pair
    url = reverse("people:merge", args=[kept.pk, other.pk])
    assert login(client, officer_b).post(url, {"reason": "x"}).status_code == 404
    assert login(client, helper_a).post(url, {"reason": "x"}).status_code == 403
    assert login(client, helper_a).get(reverse("people:duplicates")).status_code == 403
    assert not PersonMerge.objects.exists()
    merge = services.person_merge(kept=kept, merged=other, actor=officer_a, reason="Trùng")
    undo = reverse("people:merge_undo", args=[merge.pk])
    assert login(client, officer_b).post(undo, {"reason": "x"}).status_code == 404
    assert login(client, helper_a).post(undo, {"reason": "x"}).status_code == 403
    assert login(client, officer_b).get(reverse("people:duplicates")).context["groups"] == []


def test_an_officer_marks_two_records_as_different_people(
    client, officer_a, officer_b, pair
) -> None:  # type: ignore[no-untyped-def]
    kept, other = pair
    url = reverse("people:duplicate_dismiss", args=[kept.pk, other.pk])
    assert login(client, officer_b).post(url, {"reason": "x"}).status_code == 404
    login(client, officer_a)
    assert client.post(url, {"reason": "Hai chị em sinh đôi"}).status_code == 302
    assert client.get(reverse("people:duplicates")).context["groups"] == []


def test_the_duplicates_page_runs_a_fixed_number_of_queries(
    client, officer_a, make_person, commune_a, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for n in range(15):
        make_person(commune_a, f"Lâm Văn Tư {n}", personal_id=None, legacy_id="")
        make_person(commune_a, f"Lâm Văn Tư {n}", personal_id=pid(), legacy_id="")
    login(client, officer_a)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("people:duplicates"))
    assert len(response.context["groups"]) == 15


def test_a_merge_moves_foster_care_to_the_kept_record_and_undo_moves_it_back(
    officer_a, make_person, commune_a
) -> None:  # type: ignore[no-untyped-def]
    kept = make_person(commune_a, "Lò Thị Mai", personal_id=None, legacy_id="361234568")
    merged = make_person(commune_a, "Lo Thi Mai", personal_id=pid(), legacy_id="")
    child = make_person(commune_a, "Lò Văn Nhỏ", personal_id=pid(), date_of_birth=date(2020, 5, 1))
    services.social_facts_update(
        person=child,
        actor=officer_a,
        reason="Quyết định nhận chăm sóc số 5/QĐ-UBND",
        values={"in_foster_care": merged.personal_id},
    )
    fact = SocialFact.objects.get(person=child, kind="in_foster_care")
    assert fact.carer_id == merged.pk

    merge = services.person_merge(kept=kept, merged=merged, actor=officer_a, reason="Trùng")
    fact.refresh_from_db()
    assert fact.carer_id == kept.pk

    services.person_merge_undo(merge=merge, actor=officer_a, reason="Nhầm")
    fact.refresh_from_db()
    assert fact.carer_id == merged.pk

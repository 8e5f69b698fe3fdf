from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEntry
from conftest import login
from help import selectors, services
from help.models import SkillAttestation

pytestmark = pytest.mark.django_db


def test_it_records_a_skill_a_person_showed(
    client: Any, helper_a: Any, commune_a: Any, make_person: Any
) -> None:
    person = make_person(commune_a, phone="+84912345678")
    login(client, helper_a)

    response = client.post(
        reverse("help:skills"),
        {
            "commune": commune_a.code,
            "name": "Thạch Thị Sà Quân",
            "phone": "0912 345 678",
            "skill": "pay-utility-bill",
            "note": "Tự trả tiền điện bằng mã QR",
        },
    )

    found = SkillAttestation.objects.get()
    assert response["Location"] == reverse("help:skills") + "?phone=+84912345678"
    assert (found.person, found.attested_by, found.skill) == (person, helper_a, "pay-utility-bill")
    listing = client.get(response["Location"]).content.decode()
    assert "Tự trả tiền điện bằng mã QR" in listing
    assert AuditEntry.objects.filter(object_type="help_skill", action="view").exists()


def test_it_refuses_a_skill_that_is_not_in_the_lessons(helper_a: Any, commune_a: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        services.skill_attest(
            commune_code=commune_a.code, name="Mai", skill="juggling", by=helper_a
        )

    assert "không có trong danh sách" in str(refused.value)


def test_it_offers_skills_even_without_lessons() -> None:
    codes = dict(selectors.skill_choices())

    assert "vneid-level-2" in codes


def test_it_keeps_skills_within_the_communes_of_the_helper(
    client: Any, helper_a: Any, officer_b: Any, commune_a: Any, commune_b: Any
) -> None:
    services.skill_attest(
        commune_code=commune_a.code,
        name="Mai",
        phone="0912345678",
        skill="pay-utility-bill",
        by=helper_a,
    )
    login(client, officer_b)

    listing = client.get(reverse("help:skills"), {"phone": "0912345678"})
    refused = client.post(
        reverse("help:skills"),
        {"commune": commune_a.code, "name": "Mai", "skill": "pay-utility-bill"},
    )

    assert list(listing.context["page"].object_list) == []
    assert refused.status_code == 200 and refused.context["form"].errors
    assert SkillAttestation.objects.count() == 1


def test_it_lists_skills_in_few_queries(
    client: Any, helper_a: Any, commune_a: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(6):
        services.skill_attest(
            commune_code=commune_a.code, name=f"Người {n}", skill="pay-utility-bill", by=helper_a
        )
    login(client, helper_a)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("help:skills"))

    assert len(response.context["page"].object_list) == 6

"""Registry fixtures for the benefits tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from people.models import Disability, Household, PovertyStatus, SocialFact
from places.models import AreaStatus, Village


@pytest.fixture
def village_a(commune_a: Any) -> Village:
    return Village.objects.create(commune=commune_a, name="Ấp Cù Lao", name_key="ap cu lao")


@pytest.fixture
def grandmother(commune_a: Any, village_a: Village, make_person: Any) -> Any:
    household = Household.objects.create(code="HH-1", commune=commune_a, village=village_a)
    person = make_person(
        commune_a,
        "Thạch Thị Sen",
        date_of_birth=date(1951, 11, 20),
        village=village_a,
        household=household,
        personal_id="096151000123",
    )
    PovertyStatus.objects.create(
        household=household,
        status="near_poor",
        period="2022-2025",
        review_year=2025,
        valid_from=date(2025, 1, 1),
        source="test",
    )
    PovertyStatus.objects.create(
        household=household,
        status="poor",
        period="2022-2025",
        review_year=2020,
        valid_from=date(2020, 1, 1),
        source="test",
    )
    Disability.objects.create(
        person=person,
        disability_type="mobility",
        level="severe",
        certified_on=date(2026, 11, 15),
        valid_from=date(2026, 11, 15),
        source="test",
    )
    SocialFact.objects.create(
        person=person,
        kind="monthly_pension_vnd",
        amount_vnd=0,
        valid_from=date(2020, 1, 1),
        source="t",
    )
    SocialFact.objects.create(
        person=person, kind="has_supporter", value=False, valid_from=date(2020, 1, 1), source="t"
    )
    AreaStatus.objects.create(
        village=village_a,
        status="especially_difficult_village",
        valid_from=date(2021, 6, 1),
        valid_to=date(2026, 12, 31),
        decision="861/QĐ-TTg",
    )
    AreaStatus.objects.create(
        commune=commune_a, status="region_1", valid_from=date(2021, 6, 1), decision="861/QĐ-TTg"
    )
    return person

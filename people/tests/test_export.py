"""The extract of verified facts for the national population database."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import AuditEntry
from conftest import login
from people.models import Disability, Household, PovertyStatus, SocialFact

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(make_person, commune_a, commune_b):  # type: ignore[no-untyped-def]
    household = Household.objects.create(code="H-POOR", commune=commune_a)
    PovertyStatus.objects.create(
        household=household,
        status="poor",
        period="2022-2025",
        review_year=2025,
        valid_from=date(2025, 1, 1),
        source="ui",
    )
    poor = make_person(
        commune_a, "Thạch Thị Sà Quân", personal_id="096188000001", household=household
    )
    disabled = make_person(commune_b, "Lò Văn Bun", personal_id="096088000002", sex="male")
    Disability.objects.create(
        person=disabled,
        disability_type="mobility",
        level="severe",
        certified_on=date(2020, 6, 1),
        valid_from=date(2020, 6, 1),
        source="ui",
    )
    Disability.objects.create(
        person=disabled,
        disability_type="visual",
        level="mild",
        valid_from=date(2021, 1, 1),
        source="ui",
    )
    hiv_only = make_person(commune_a, "Danh Văn Tèo", personal_id="096088000003", sex="male")
    SocialFact.objects.create(
        person=hiv_only, kind="has_hiv", value=True, valid_from=date(2024, 1, 1), source="ui"
    )
    pension = make_person(commune_a, "Kim Thị Sươl", personal_id="096188000004")
    SocialFact.objects.create(
        person=pension,
        kind="monthly_pension_vnd",
        amount_vnd=2_100_000,
        valid_from=date(2024, 1, 1),
        source="ui",
    )
    dead = make_person(
        commune_a,
        "Sơn Văn Chết",
        personal_id="096088000005",
        sex="male",
        date_of_death=date(2025, 1, 1),
    )
    Disability.objects.create(
        person=dead, disability_type="other", level="mild", valid_from=date(2020, 1, 1), source="ui"
    )
    no_id = make_person(commune_a, "Người Không Số", personal_id=None)
    Disability.objects.create(
        person=no_id,
        disability_type="other",
        level="mild",
        valid_from=date(2020, 1, 1),
        source="ui",
    )
    make_person(commune_a, "Không Có Gì", personal_id="096188000006")
    return poor, disabled, pension


def test_a_province_administrator_downloads_the_verified_facts(
    client, province_admin, registry
) -> None:  # type: ignore[no-untyped-def]
    login(client, province_admin)
    assert client.get(reverse("people:export_verified")).status_code == 200
    response = client.get(reverse("people:export_verified"), {"format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {r["personal_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert set(rows) == {"096188000001", "096088000002", "096188000004"}
    assert rows["096188000001"]["poverty_status"] == "poor"
    assert rows["096188000001"]["poverty_period"] == "2022-2025"
    assert rows["096088000002"]["disability_types"] == "mobility|visual"
    assert rows["096088000002"]["disability_level"] == "severe"
    assert rows["096088000002"]["disability_certified_on"] == "2020-06-01"
    assert rows["096188000004"]["monthly_pension_vnd"] == "2100000"
    assert "has_hiv" not in text
    entry = AuditEntry.objects.get(action="export", object_type="verified_extract")
    assert entry.actor == province_admin


def test_the_download_can_be_json_lines_for_one_commune(client, province_admin, registry) -> None:  # type: ignore[no-untyped-def]
    login(client, province_admin)
    response = client.get(
        reverse("people:export_verified"), {"format": "jsonl", "commune": "32002"}
    )
    lines = [
        json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()
    ]
    assert [r["personal_id"] for r in lines] == ["096088000002"]


@pytest.mark.parametrize("persona", ["officer_a", "helper_a", "health_worker_a", "citizen"])
def test_it_refuses_the_export_to_everyone_else(client, request, persona) -> None:  # type: ignore[no-untyped-def]
    user = request.getfixturevalue(persona)
    assert (
        login(client, user).get(reverse("people:export_verified"), {"format": "csv"}).status_code
        == 403
    )
    assert not AuditEntry.objects.filter(action="export").exists()


def test_the_command_writes_the_extract(tmp_path: Path, registry) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "verified.jsonl"
    out = io.StringIO()
    call_command("export_verified", "--format", "jsonl", "--output", str(target), stdout=out)
    rows = [json.loads(line) for line in target.read_text("utf-8").splitlines()]
    assert [r["personal_id"] for r in rows] == ["096088000002", "096188000001", "096188000004"]
    assert "exported: 3" in out.getvalue()
    assert AuditEntry.objects.filter(action="export", via="cli").exists()

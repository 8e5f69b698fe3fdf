"""Facts read from the registry, and `langso eligibility explain`."""

from __future__ import annotations

from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AuditEntry
from benefits import selectors

DAY = date(2026, 11, 1)


def test_it_reads_the_facts_of_a_person_from_the_registry(grandmother: Any) -> None:
    facts = selectors.person_facts(selectors.policy_set().facts, grandmother.pk, DAY)
    assert facts is not None
    assert facts["date_of_birth"] == date(1951, 11, 20)
    assert facts["poverty_status"] == "near_poor"  # the latest review wins
    assert facts["disability_level"] == "none"  # the certificate is not valid yet on 1 Nov
    assert facts["monthly_pension_vnd"] == 0
    assert facts["has_supporter"] is False
    assert facts["has_hiv"] is None
    assert facts["ethnic_minority"] is True
    assert facts["especially_difficult_village"] is True
    assert facts["em_area_commune"] is True
    assert facts["region_3_commune"] is False
    assert facts["household_size"] == 1
    assert facts["lives_alone"] is True


def test_it_dates_the_facts(grandmother: Any) -> None:
    later = selectors.person_facts(selectors.policy_set().facts, grandmother.pk, date(2027, 1, 5))
    assert later is not None
    assert later["disability_level"] == "severe"
    assert later["disability_certified_on"] == date(2026, 11, 15)
    assert later["especially_difficult_village"] is False  # the status ended on 31/12/2026


def test_it_treats_a_birth_year_alone_as_unknown_and_skips_the_dead(
    commune_a: Any, make_person: Any
) -> None:
    vague = make_person(commune_a, "Lâm Văn Tư", birth_precision="year", ethnicity_code="")
    dead = make_person(commune_a, "Lý Thị Hai", date_of_death=date(2026, 3, 1))
    facts = selectors.person_facts(selectors.policy_set().facts, vague.pk, DAY)
    assert facts is not None
    assert facts["date_of_birth"] is None
    assert facts["ethnic_minority"] is None
    assert facts["especially_difficult_village"] is None  # no village known
    assert facts["household_size"] is None
    assert selectors.person_facts(selectors.policy_set().facts, dead.pk, DAY) is None
    assert (
        selectors.person_facts(selectors.policy_set().facts, dead.pk, date(2026, 2, 1)) is not None
    )


def test_it_explains_every_policy_in_vietnamese(grandmother: Any) -> None:
    out = StringIO()
    call_command("eligibility", "explain", "096151000123", "--date", "2026-11-01", stdout=out)
    text = out.getvalue()
    assert "Thạch Thị Sen (•••••••••123), ngày 01/11/2026" in text
    assert (
        "Trợ cấp xã hội hằng tháng – người từ 75 đến 80 tuổi thuộc hộ nghèo, cận nghèo ở xã, "
        "thôn đặc biệt khó khăn: đủ điều kiện, 500.000\xa0₫/tháng"
    ) in text
    assert "[đạt] Từ đủ 75 tuổi đến dưới 80 tuổi" in text
    assert "Trợ cấp hưu trí xã hội: đủ điều kiện" in text
    assert "[thiếu dữ liệu] Người nhiễm HIV/AIDS (thiếu: Nhiễm HIV)" in text
    assert "Bảo hiểm y tế do nhà nước đóng: có" in text
    assert "Social pension" not in text
    entry = AuditEntry.objects.get(object_type="benefits.explanation")
    assert entry.via == "cli"


def test_it_explains_in_english_too_with_v2(grandmother: Any) -> None:
    out = StringIO()
    call_command(
        "eligibility", "explain", "096151000123", "--date", "2026-10-31", verbosity=2, stdout=out
    )
    text = out.getvalue()
    assert "thôn đặc biệt khó khăn: không đủ điều kiện" in text
    assert "in an especially difficult commune or village: not eligible" in text
    assert "[does not hold] Aged 75 to under 80 (from the month of the birthday)" in text
    assert "Social pension: eligible" in text  # 70 to 75 in a near-poor household


def test_it_refuses_an_unknown_person_or_date(db: Any) -> None:
    with pytest.raises(CommandError, match="No person has this personal ID"):
        call_command("eligibility", "explain", "000000000000")
    with pytest.raises(CommandError, match="write YYYY-MM-DD"):
        call_command("eligibility", "explain", "000000000000", "--date", "1/11/2026")

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEntry
from places import services
from places.models import Village

pytestmark = pytest.mark.django_db


def test_it_creates_a_village_with_an_nfc_name_and_its_key(
    commune_a: Any, province_admin: Any
) -> None:
    decomposed = "A\u0302\u0301p Ho\u0300a Bi\u0300nh"  # "Ấp Hòa Bình" typed in NFD
    village = services.village_create(
        commune_code=commune_a.code, name=f"  {decomposed}  ", kind="ap", actor=province_admin
    )

    village.refresh_from_db()
    assert village.name == "Ấp Hòa Bình"
    assert village.name_key == "ap hoa binh"
    assert village.kind == Village.Kind.AP
    entry = AuditEntry.objects.get(object_type="village", object_id=str(village.pk))
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.actor == province_admin
    assert entry.commune_code == commune_a.code


def test_it_guesses_the_kind_from_the_name_when_none_is_given(commune_a: Any) -> None:
    assert services.village_create(commune_code=commune_a.code, name="Khóm 3").kind == "khom"
    assert services.village_create(commune_code=commune_a.code, name="Tổ dân phố 7").kind == (
        "to_dan_pho"
    )
    assert services.village_create(commune_code=commune_a.code, name="Xóm Mới").kind == "thon"
    assert services.village_create(commune_code=commune_a.code, name="Sóc Ven").kind == "other"
    assert services.village_create(commune_code=commune_a.code, name="Cầu Số 2").kind == "other"


def test_it_refuses_the_same_name_spelled_another_way(commune_a: Any, commune_b: Any) -> None:
    services.village_create(commune_code=commune_a.code, name="Ấp Hoà Bình")

    with pytest.raises(ValidationError) as caught:
        services.village_create(commune_code=commune_a.code, name="ap hoa binh")

    assert "Ấp Hoà Bình" in str(caught.value.message_dict["name"])
    # Another commune may have a village of the same name.
    services.village_create(commune_code=commune_b.code, name="ap hoa binh")


def test_it_refuses_a_commune_of_another_province(db: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.village_create(commune_code=4, name="Tổ 1")  # Phường Ba Đình, Hà Nội

    message = caught.value.message_dict["commune_code"][0]
    assert "Thành phố Hà Nội" in message
    assert "not to this province" in message


def test_it_refuses_an_unknown_commune_and_an_empty_name(commune_a: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.village_create(commune_code=99999, name="Ấp 1")
    assert "99999" in caught.value.message_dict["commune_code"][0]

    with pytest.raises(ValidationError) as caught:
        services.village_create(commune_code=commune_a.code, name="  - ")
    assert "name" in caught.value.message_dict


def test_it_refuses_an_unknown_kind_in_both_languages(commune_a: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.village_create(commune_code=commune_a.code, name="Ấp 1", kind="hamlet")

    message = caught.value.message_dict["kind"][0]
    assert "không" in message.lower() and "is not known" in message


def test_it_keeps_local_codes_unique_in_a_commune(commune_a: Any, commune_b: Any) -> None:
    services.village_create(commune_code=commune_a.code, name="Ấp 1", local_code="A1")

    with pytest.raises(ValidationError) as caught:
        services.village_create(commune_code=commune_a.code, name="Ấp 2", local_code="A1")
    assert "local_code" in caught.value.message_dict
    services.village_create(commune_code=commune_b.code, name="Ấp 2", local_code="A1")
    services.village_create(commune_code=commune_a.code, name="Ấp 3")
    services.village_create(commune_code=commune_a.code, name="Ấp 4")


def test_it_updates_a_village_and_audits_before_and_after(
    commune_a: Any, province_admin: Any
) -> None:
    village = services.village_create(commune_code=commune_a.code, name="Ấp 1")

    services.village_update(
        village=village, name="Ấp Một", kind="ap", local_code="A01", actor=province_admin
    )

    village.refresh_from_db()
    assert (village.name, village.name_key, village.local_code) == ("Ấp Một", "ap mot", "A01")
    assert village.updated_at is not None
    entry = AuditEntry.objects.get(object_type="village", action=AuditEntry.Action.UPDATE)
    assert entry.details["before"]["name"] == "Ấp 1"
    assert entry.details["after"]["name"] == "Ấp Một"


def test_it_writes_nothing_when_an_update_changes_nothing(commune_a: Any) -> None:
    village = services.village_create(commune_code=commune_a.code, name="Ấp 1", kind="ap")

    services.village_update(village=village, name="Ấp 1", kind="ap", local_code="")

    assert not AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).exists()


def test_it_refuses_renaming_onto_another_village(commune_a: Any) -> None:
    services.village_create(commune_code=commune_a.code, name="Ấp 1")
    second = services.village_create(commune_code=commune_a.code, name="Ấp 2")

    with pytest.raises(ValidationError):
        services.village_update(village=second, name="ap 1", kind="ap")
    # Changing only the accents of its own name is fine.
    services.village_update(village=second, name="ẤP 2", kind="ap")

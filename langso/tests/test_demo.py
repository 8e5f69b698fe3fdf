"""The demo province generator: `langso demo` through call_command, at small sizes."""

from __future__ import annotations

from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Role, User
from conftest import COMMUNE_A
from langso.demo.generate import REFERENCE_DATE
from lib import phone as phone_lib
from lib.personal_id import check_against
from lib.vn_text import name_key, nfc
from people.models import Disability, Household, Person, PovertyStatus
from places.models import AreaStatus, Village

PEOPLE = 300


def run_demo(**options: Any) -> str:
    out = StringIO()
    call_command(
        "demo",
        stdout=out,
        stderr=StringIO(),
        **{"province": 96, "people": PEOPLE, "seed": 1, **options},
    )
    return out.getvalue()


def snapshot() -> list[tuple[Any, ...]]:
    """Everything a seed decides about people, without database ids or timestamps."""
    return sorted(
        Person.objects.values_list(
            "personal_id",
            "full_name",
            "date_of_birth",
            "birth_precision",
            "sex",
            "ethnicity",
            "ethnicity_code",
            "phone",
            "commune_id",
            "village__name",
            "household__code",
            "relation_to_head",
            "marital_status",
            "date_of_death",
        )
    )


@pytest.fixture
def demo(db: Any) -> str:
    return run_demo()


def test_it_builds_the_requested_number_of_people_in_households(demo: str) -> None:
    assert Person.objects.count() == PEOPLE
    assert Person.objects.filter(household__isnull=True).count() == 0
    heads = Counter(
        Person.objects.filter(relation_to_head="head").values_list("household_id", flat=True)
    )
    assert set(heads.values()) == {1}
    assert len(heads) == Household.objects.count()
    assert "Phường" in demo and "demo.officer" in demo


def test_it_gives_every_person_a_personal_id_matching_birth_year_and_sex(demo: str) -> None:
    for personal_id, dob, sex, precision in Person.objects.values_list(
        "personal_id", "date_of_birth", "sex", "birth_precision"
    ):
        check_against(personal_id, birth_year=dob.year, sex=sex)
        if precision == "year":
            assert (dob.month, dob.day) == (1, 1)
    assert Person.objects.values("personal_id").distinct().count() == PEOPLE


def test_it_writes_names_phones_and_codes_that_the_rest_of_the_project_accepts(demo: str) -> None:
    people = list(Person.objects.all())
    for person in people:
        assert person.full_name == nfc(person.full_name)
        assert person.name_key == name_key(person.full_name)
        assert len(person.full_name.split()) >= 2
        if person.phone:
            assert phone_lib.normalise(person.phone) == person.phone
        assert person.ethnicity_code_list == "2008"
    assert {p.ethnicity for p in people} <= {"Kinh", "Khơ me", "Hoa"}
    adults = [p for p in people if p.age_on(REFERENCE_DATE) >= 18 and p.date_of_death is None]
    assert sum(1 for p in adults if p.phone) > len(adults) / 2


def test_it_creates_villages_area_statuses_disabilities_and_poverty(demo: str) -> None:
    counts = Counter(Village.objects.values_list("commune_id", flat=True))
    assert len(counts) == 64
    assert min(counts.values()) >= 4 and max(counts.values()) <= 12
    assert AreaStatus.objects.filter(note__contains="dữ liệu minh hoạ").exists()
    assert Disability.objects.filter(source="demo").exists()
    assert PovertyStatus.objects.count() == Household.objects.count()
    assert set(PovertyStatus.objects.values_list("period", flat=True)) == {"2022-2025"}


def test_it_creates_one_account_per_role_with_the_demo_password(demo: str) -> None:
    expected = {
        "demo.citizen": Role.CITIZEN,
        "demo.helper": Role.HELPER,
        "demo.officer": Role.COMMUNE_OFFICER,
        "demo.health": Role.HEALTH_WORKER,
        "demo.officer2": Role.COMMUNE_OFFICER,
        "demo.employer": Role.EMPLOYER,
        "demo.partner": Role.PARTNER,
        "demo.admin": Role.PROVINCE_ADMIN,
    }
    every = {u.username: u for u in User.objects.filter(username__startswith="demo.")}
    users = {name: u for name, u in every.items() if name in expected}
    assert {name: u.role for name, u in users.items()} == expected
    assert all(u.check_password("langso-demo-2026") for u in users.values())
    # The corners' other team members and a carer for demo.citizen's health book.
    others = {name: u.role for name, u in every.items() if name not in expected}
    assert others.pop("demo.carer") == Role.CITIZEN
    assert others and all(
        name.startswith("demo.cns.") and role == Role.HELPER for name, role in others.items()
    )
    top = Counter(Person.objects.values_list("commune_id", flat=True)).most_common(1)[0][0]
    for name in ("demo.helper", "demo.officer", "demo.health"):
        assert list(users[name].communes.values_list("code", flat=True)) == [top]
    other = list(users["demo.officer2"].communes.values_list("code", flat=True))
    assert len(other) == 1 and other != [top]
    citizen = Person.objects.get(user=users["demo.citizen"])
    assert citizen.phone == users["demo.citizen"].phone
    assert citizen.age_on(REFERENCE_DATE) >= 18


def test_it_says_already_loaded_the_second_time(demo: str) -> None:
    again = run_demo()
    assert "already loaded" in again
    assert "demo.admin" in again
    assert Person.objects.count() == PEOPLE


def test_it_rebuilds_the_same_rows_on_reset(demo: str) -> None:
    before = snapshot()
    accounts = User.objects.filter(username__startswith="demo.").count()
    run_demo(reset=True)
    assert snapshot() == before
    assert User.objects.filter(username__startswith="demo.").count() == accounts


def test_it_builds_other_rows_for_another_seed(demo: str) -> None:
    before = snapshot()
    run_demo(reset=True, seed=2)
    assert snapshot() != before


@pytest.mark.django_db
def test_it_builds_son_la_with_its_own_villages_and_groups() -> None:
    err = StringIO()
    call_command("demo", province=14, people=PEOPLE, seed=1, stdout=StringIO(), stderr=err)
    assert "PROVINCE_CODE=14" in err.getvalue()
    groups = set(Person.objects.values_list("ethnicity", flat=True))
    assert {"Thái", "Mông"} <= groups
    assert Village.objects.filter(kind="ban").exists()
    assert AreaStatus.objects.filter(status="region_3").count() >= 60


@pytest.mark.django_db
def test_it_refuses_an_unknown_province_and_negative_people() -> None:
    with pytest.raises(CommandError, match="Không có tỉnh mã 99"):
        run_demo(province=99)
    with pytest.raises(CommandError, match="between 0"):
        run_demo(people=-1)
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_it_keeps_the_commune_fixture_usable() -> None:
    run_demo()
    assert Village.objects.filter(commune_id=COMMUNE_A).exists()


def generate_rows(
    province: int, people: int, batch_people: int = 20_000
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], Any]:
    """People and household rows straight from the generator, without the database."""
    from langso.demo import generate
    from langso.demo.profiles import profile_for
    from places.models import Commune

    communes = [
        generate.CommuneInfo(c.code, c.name, c.division_type == "phường")
        for c in Commune.objects.filter(province_id=province)
    ]
    plans = generate.plan(profile_for(province), communes, people=people, seed=5)
    village_ids = {
        (p.code, v.local_code): i
        for i, (p, v) in enumerate((p, v) for p in plans for v in p.villages)
    }
    first = {"person": 1, "household": 1, "disability": 1, "poverty": 1}
    person_rows: list[tuple[Any, ...]] = []
    household_rows: list[tuple[Any, ...]] = []

    def sink(batch: Any) -> None:
        person_rows.extend(batch.people)
        household_rows.extend(batch.households)

    generator = generate.Generator(
        profile_for(province), plans, seed=5, village_ids=village_ids, first_ids=first
    )
    summary = generator.run(sink, batch_people=batch_people)
    return person_rows, household_rows, summary


def generated_rows(batch_people: int) -> list[tuple[Any, ...]]:
    person_rows, household_rows, _ = generate_rows(14, PEOPLE, batch_people)
    return person_rows + household_rows


@pytest.mark.django_db
def test_it_generates_the_same_rows_whatever_the_batch_size() -> None:
    assert generated_rows(7) == generated_rows(20_000)


@pytest.mark.django_db
def test_it_leaves_nothing_behind_when_a_build_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from langso.demo import writer

    written = []
    original = writer.TableWriter.write

    def fail_on_second_batch(self: writer.TableWriter, rows: Any) -> None:
        written.append(self.table)
        if written.count("people_person") > 1:
            raise RuntimeError("disk full")
        original(self, rows)

    monkeypatch.setattr(writer.TableWriter, "write", fail_on_second_batch)
    with pytest.raises(RuntimeError, match="disk full"):
        run_demo(batch=50)
    assert not Person.objects.exists()
    assert not Household.objects.exists()
    assert not Village.objects.exists()
    assert not AreaStatus.objects.exists()


def test_it_resets_accounts_that_have_already_been_used(demo: str, client: Any) -> None:
    from accounts.models import AuditEntry
    from accounts.services import login_success_record

    officer = User.objects.get(username="demo.officer")
    login_success_record(user=officer, request=None)
    assert AuditEntry.objects.filter(actor=officer).exists()
    officer.set_password("changed-password-99")
    officer.save(update_fields=["password"])
    run_demo(reset=True)
    officer.refresh_from_db()
    assert officer.check_password("langso-demo-2026")
    assert client.login(username="demo.officer", password="langso-demo-2026")


@pytest.mark.django_db
def test_it_writes_every_row_when_batches_end_inside_a_commune() -> None:
    run_demo(batch=37)
    assert Person.objects.count() == PEOPLE
    assert PovertyStatus.objects.count() == Household.objects.count()
    assert not Person.objects.filter(household__isnull=True).exists()


@pytest.mark.django_db
def test_it_puts_back_the_indexes_it_drops_for_a_large_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from langso.demo import build
    from langso.demo.writer import _secondary_indexes

    before = sorted(_secondary_indexes("people_person"))
    assert before
    monkeypatch.setattr(build, "DEFER_INDEXES_FROM", 1)
    run_demo(batch=100)
    assert sorted(_secondary_indexes("people_person")) == before
    assert Person.objects.filter(name_key__startswith="nguyen").exists()


def test_it_never_reuses_a_personal_id_held_by_someone_outside_the_demo(
    demo: str, make_person: Any, commune_b: Any
) -> None:
    first = Person.objects.order_by("id").first()
    assert first is not None
    taken = first.personal_id
    Person.objects.filter(pk=first.pk).update(personal_id=None)
    outsider = make_person(commune_b, "Trần Văn Ngoài", personal_id=taken)
    run_demo(reset=True)
    assert Person.objects.filter(personal_id=taken).get() == outsider
    assert Person.objects.exclude(pk=outsider.pk).count() == PEOPLE


@pytest.mark.django_db
def test_it_makes_son_la_look_like_son_la() -> None:
    people, households, summary = generate_rows(14, 20_000)
    share = {group: n / summary.people for group, n in summary.by_group.items()}
    assert 0.48 < share["Thái"] < 0.58
    assert 0.13 < share["Kinh"] < 0.21
    assert 0.11 < share["Mông"] < 0.19
    assert 0.05 < share["Mường"] < 0.11
    ages = Counter(REFERENCE_DATE.year - 1 - int(row[5][:4]) for row in people)
    under_15 = sum(n for age, n in ages.items() if age < 15) / len(people)
    over_60 = sum(n for age, n in ages.items() if age >= 60) / len(people)
    assert 0.18 < under_15 < 0.30
    assert 0.09 < over_60 < 0.19
    assert 3.6 < len(people) / len(households) < 4.6
    assert 0.045 < summary.disabilities / summary.people < 0.08
    assert 0.15 < summary.poor / summary.households < 0.25
    assert 0.07 < summary.near_poor / summary.households < 0.13


def test_it_keeps_dates_and_family_situations_consistent(demo: str) -> None:
    run_demo(reset=True, people=3_000)
    for certified, born, died in Disability.objects.values_list(
        "certified_on", "person__date_of_birth", "person__date_of_death"
    ):
        assert born < certified and (died is None or certified <= died)
    widowed_spouses = Person.objects.filter(relation_to_head="spouse", date_of_death__isnull=False)
    for spouse in widowed_spouses:
        head = Person.objects.get(household=spouse.household_id, relation_to_head="head")
        assert head.marital_status == "widowed"
    for person in Person.objects.filter(marital_status="married"):
        assert person.age_on(REFERENCE_DATE) >= 18
    assert not Person.objects.filter(date_of_birth__gt=REFERENCE_DATE).exists()


def test_it_resets_a_demo_that_other_records_point_at(demo: str) -> None:
    from django.utils import timezone

    from people.models import Consent, PersonMerge

    kept, merged = Person.objects.order_by("id")[:2]
    Consent.objects.create(
        person=kept, purpose="benefits", method="paper", recorded_at=timezone.now()
    )
    PersonMerge.objects.create(
        kept=kept, merged=merged, performed_at=timezone.now(), reason="test", snapshot={}
    )
    run_demo(reset=True)
    # (The rebuilt demo records health consents of its own.)
    assert not Consent.objects.filter(purpose="benefits").exists()
    assert not PersonMerge.objects.exists()
    assert Person.objects.count() == PEOPLE

"""Importing population extracts: upserts, history, households, facts and every kind of bad input."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from accounts.models import AuditEntry
from people import selectors, services
from people.extract import ExtractError
from people.models import (
    Disability,
    HistoryEntry,
    Household,
    ImportRun,
    Person,
    PovertyStatus,
    SocialFact,
)
from people.tests.helpers import cp1258, csv_text, pid, read_rejects, row, write_csv, write_jsonl

pytestmark = pytest.mark.django_db


def run_import(path: Path, **kwargs):  # type: ignore[no-untyped-def]
    return services.population_import(path=path, **kwargs)


def test_it_imports_people_and_makes_households_from_head_rows(tmp_path: Path) -> None:
    head, wife, son = pid(1960, "male"), pid(1965, "female"), pid(2005, "male")
    path = write_csv(
        tmp_path / "extract.csv",
        [
            row(
                personal_id=head,
                full_name="Danh  Văn Sơn",
                date_of_birth="1960",
                sex="nam",
                household_id="HH-1",
                relation_to_head="chủ hộ",
                village="Ấp Tân Phong",
                phone="0912 345 678",
                marital_status="married",
            ),
            row(
                personal_id=wife,
                full_name="Thạch Thị Sà Quân",
                date_of_birth="03/1965",
                household_id="HH-1",
                relation_to_head="spouse",
                village="ap tan phong",
            ),
            row(
                personal_id=son,
                full_name="Danh Minh",
                date_of_birth="2005-07-09",
                sex="male",
                household_id="HH-1",
                relation_to_head="con",
            ),
        ],
    )
    result = run_import(path)
    assert (result.counts.inserted, result.counts.rejected) == (3, 0)
    assert result.counts.households_created == 1
    assert result.counts.villages_created == 1
    household = Household.objects.get(code="HH-1")
    assert household.commune_id == 31825
    assert household.village is not None and household.village.name == "Ấp Tân Phong"
    people = {p.personal_id: p for p in Person.objects.all()}
    father = people[head]
    assert father.full_name == "Danh Văn Sơn"
    assert father.name_key == "danh van son"
    assert (father.date_of_birth, father.birth_precision) == (date(1960, 1, 1), "year")
    assert father.phone == "+84912345678"
    assert father.ethnicity == "Khơ me" and father.ethnicity_code == "05"
    assert father.relation_to_head == "head" and father.household == household
    assert (people[wife].date_of_birth, people[wife].birth_precision) == (date(1965, 3, 1), "month")
    assert people[wife].village == household.village
    assert people[son].relation_to_head == "child"
    run = ImportRun.objects.get()
    (created,) = selectors.history_of(person=father)
    assert (created.kind, created.source, created.import_run, created.line) == (
        "created",
        "import",
        run,
        2,
    )
    assert selectors.history_of(household=household)[0].kind == "created"
    assert (run.status, run.inserted) == ("finished", 3)
    assert AuditEntry.objects.filter(action="import", object_id=str(run.pk)).exists()


def test_it_reports_nothing_changed_when_the_same_file_is_imported_again(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "extract.csv",
        [
            row(household_id="H1", relation_to_head="head"),
            row(
                household_id="H1",
                relation_to_head="child",
                date_of_birth="2010",
                personal_id=pid(2010, "female"),
            ),
        ],
    )
    run_import(path)
    history = HistoryEntry.objects.count()
    again = run_import(path)
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, 2)
    assert HistoryEntry.objects.count() == history


def test_it_records_changes_moves_deaths_and_household_changes_as_history(
    tmp_path: Path, commune_a, commune_b
) -> None:  # type: ignore[no-untyped-def]
    a, b, c, d = pid(1950, "male"), pid(1955, "female"), pid(1980, "male"), pid(1982, "female")
    first = [
        row(
            personal_id=a,
            sex="male",
            date_of_birth="1950",
            household_id="H1",
            relation_to_head="head",
            phone="0912345678",
        ),
        row(personal_id=b, date_of_birth="1955", household_id="H1", relation_to_head="spouse"),
        row(
            personal_id=c,
            sex="male",
            date_of_birth="1980",
            household_id="H2",
            relation_to_head="head",
        ),
        row(personal_id=d, date_of_birth="1982"),
    ]
    run_import(write_csv(tmp_path / "one.csv", first))
    second = [
        row(
            personal_id=a,
            sex="male",
            date_of_birth="1950",
            household_id="H1",
            relation_to_head="head",
            phone="0987654321",
        ),
        row(
            personal_id=b,
            date_of_birth="1955",
            household_id="H1",
            relation_to_head="spouse",
            date_of_death="02/01/2026",
        ),
        row(
            personal_id=c,
            sex="male",
            date_of_birth="1980",
            household_id="H2",
            relation_to_head="head",
            commune_code="32002",
        ),
        row(personal_id=d, date_of_birth="1982", household_id="H2", relation_to_head="spouse"),
    ]
    result = run_import(write_csv(tmp_path / "two.csv", second))
    counts = result.counts
    assert (counts.updated, counts.unchanged, counts.inserted) == (4, 0, 0)
    assert (counts.died, counts.moved, counts.household_changed) == (1, 1, 1)
    kinds = dict(
        HistoryEntry.objects.filter(import_run=result.run, person__isnull=False).values_list(
            "person__personal_id", "kind"
        )
    )
    assert kinds == {a: "updated", b: "died", c: "moved", d: "household"}
    phone_change = HistoryEntry.objects.get(import_run=result.run, person__personal_id=a)
    assert phone_change.changes == {"phone": ["+84912345678", "+84987654321"]}
    assert phone_change.source == "import" and phone_change.line == 2
    moved = HistoryEntry.objects.get(import_run=result.run, person__personal_id=c)
    assert moved.changes["commune_code"] == [31825, 32002]
    # The head moved, so the household moved with them.
    assert Household.objects.get(code="H2").commune_id == 32002
    assert Person.objects.get(personal_id=d).household == Household.objects.get(code="H2")


def test_it_reads_utf8_with_bom_and_utf16(tmp_path: Path) -> None:
    with_bom = write_csv(
        tmp_path / "bom.csv", [row(full_name="Nguyễn Thị Hoà")], encoding="utf-8-sig"
    )
    assert run_import(with_bom).counts.inserted == 1
    utf16 = write_csv(
        tmp_path / "u16.csv",
        [
            row(
                full_name="Lò Văn Quàng",
                sex="male",
                date_of_birth="1970",
                personal_id=pid(1970, "male"),
            )
        ],
        encoding="utf-16",
    )
    assert run_import(utf16).counts.inserted == 1
    assert Person.objects.filter(full_name="Lò Văn Quàng").exists()


def test_it_reads_windows_1258_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "win.csv"
    path.write_bytes(cp1258(csv_text([row(full_name="Nguyễn Thị Hương")])))
    result = run_import(path)
    assert result.counts.inserted == 1
    assert result.warning and "Windows-1258" in result.warning
    assert Person.objects.get().full_name == "Nguyễn Thị Hương"


def test_it_refuses_a_file_in_an_unreadable_encoding(tmp_path: Path) -> None:
    path = tmp_path / "tcvn3.csv"
    header = "personal_id,full_name,date_of_birth,sex,commune_code\n"
    # TCVN3 ("ABC") bytes for "Nguyễn Thị Hương" read as nonsense in every Unicode encoding.
    path.write_bytes(
        header.encode() + b"096188000001,Nguy\xd6n Th\xde H\xad\xacng,1988,female,31825\n"
    )
    with pytest.raises(ExtractError) as refused:
        run_import(path)
    assert "CSV UTF-8" in refused.value.message_vi
    assert ImportRun.objects.get().status == "refused"
    assert not Person.objects.exists()


def test_it_refuses_a_file_without_the_required_columns(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("personal_id,name\n096188000001,Lan\n", "utf-8")
    with pytest.raises(ExtractError) as refused:
        run_import(path)
    assert "full_name" in refused.value.message_en


def test_it_rejects_malformed_lines_and_keeps_the_rest(tmp_path: Path) -> None:
    good = pid()
    path = tmp_path / "broken.csv"
    text = (
        "personal_id,full_name,date_of_birth,sex,commune_code\n"
        f"{pid()},Lan,1988,female,31825,extra\n"
        f"{good},Thạch Thị Sà Quân,1988,female,31825\n"
        f'{pid()},"Lan\n'
    )
    path.write_text(text, "utf-8")
    result = run_import(path)
    assert result.counts.inserted == 1
    assert result.counts.rejected == 2
    assert Person.objects.get().personal_id == good
    rejects = read_rejects(result.rejects_path)
    assert [r["line"] for r in rejects] == ["2", "4"]
    assert "ô" in rejects[0]["reason_vi"] and "cells" in rejects[0]["reason_en"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"date_of_birth": "31/02/1990"}, "date_of_birth_invalid"),
        ({"date_of_birth": "2099-01-01"}, "date_of_birth_invalid"),
        ({"date_of_death": "01/01/2099"}, "date_of_death_invalid"),
        ({"date_of_death": "01/01/1980"}, "date_of_death_invalid"),
        ({"commune_code": "99999"}, "commune_code_unknown"),
        ({"commune_code": "00004"}, "commune_code_other_province"),
        ({"commune_code": "ab"}, "commune_code_invalid"),
        ({"sex": "male"}, "personal_id_sex"),
        ({"date_of_birth": "1990"}, "personal_id_birth_year"),
        ({"personal_id": "999188000001"}, "personal_id_prefix"),
        ({"personal_id": "09618800"}, "personal_id_length"),
        ({"full_name": ""}, "full_name_missing"),
        ({"phone": "12345"}, "phone_invalid"),
        ({"ethnicity": "Martian"}, "ethnicity_invalid"),
        ({"household_id": "H9", "relation_to_head": "child"}, "household_missing"),
        ({"relation_to_head": "cousin", "household_id": "H9"}, "relation_to_head_invalid"),
    ],
)
def test_it_rejects_a_bad_row_with_a_reason_and_imports_the_others(
    tmp_path: Path, changes: dict[str, str], code: str
) -> None:
    good = pid()
    bad = row(**{"personal_id": pid(1988, "female"), **changes})
    path = write_csv(tmp_path / "in.csv", [bad, row(personal_id=good)])
    result = run_import(path)
    assert result.counts.inserted == 1
    assert result.counts.rejected == 1
    assert Person.objects.get().personal_id == good
    (rejected,) = read_rejects(result.rejects_path)
    assert rejected["line"] == "2"
    assert code in rejected["reason_code"].split(";")
    assert rejected["reason_vi"] and rejected["reason_en"]
    assert rejected["reason_vi"] != rejected["reason_en"]


def test_it_rejects_an_id_that_appears_twice_in_the_file(tmp_path: Path) -> None:
    same = pid()
    path = write_csv(
        tmp_path / "dup.csv", [row(personal_id=same), row(personal_id=same, full_name="Khác")]
    )
    result = run_import(path)
    assert (result.counts.inserted, result.counts.rejected) == (1, 1)
    assert Person.objects.get().full_name == "Thạch Thị Sà Quân"
    (rejected,) = read_rejects(result.rejects_path)
    assert rejected["line"] == "3" and rejected["reason_code"] == "duplicate_in_file"


def test_it_accepts_members_listed_before_their_head(tmp_path: Path) -> None:
    rows = [
        row(
            household_id="H7",
            relation_to_head="child",
            date_of_birth="2012",
            personal_id=pid(2012, "female"),
        ),
        *[row() for _ in range(3)],
        row(household_id="H7", relation_to_head="head"),
    ]
    result = services.population_import(path=write_csv(tmp_path / "late.csv", rows), batch_size=2)
    assert (result.counts.inserted, result.counts.rejected) == (5, 0)
    assert Household.objects.get(code="H7").members.count() == 2


def test_it_rejects_members_whose_head_row_was_rejected(tmp_path: Path) -> None:
    rows = [
        row(household_id="H8", relation_to_head="head", date_of_birth="31/02/1988"),
        row(household_id="H8", relation_to_head="spouse", personal_id=pid()),
    ]
    result = run_import(write_csv(tmp_path / "h.csv", rows))
    assert (result.counts.inserted, result.counts.rejected) == (0, 2)
    codes = [r["reason_code"] for r in read_rejects(result.rejects_path)]
    assert codes == ["date_of_birth_invalid", "household_missing"]


def test_it_attaches_members_to_a_household_already_in_the_registry(tmp_path: Path) -> None:
    run_import(write_csv(tmp_path / "a.csv", [row(household_id="H3", relation_to_head="head")]))
    result = run_import(
        write_csv(tmp_path / "b.csv", [row(household_id="H3", relation_to_head="grandchild")])
    )
    assert result.counts.inserted == 1
    assert Household.objects.get(code="H3").members.count() == 2


def test_it_reads_json_lines_and_parquet(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    first = pid(1970, "male")
    objects = [
        {
            "personal_id": first,
            "full_name": "Giàng A Dính",
            "date_of_birth": "1970",
            "sex": "male",
            "ethnicity": "H'mông",
            "commune_code": 31825,
            "has_hiv": False,
        },
    ]
    path = write_jsonl(tmp_path / "in.jsonl", objects)
    path.write_text(path.read_text("utf-8") + "not json\n[1, 2]\n", "utf-8")
    result = run_import(path)
    assert (result.counts.inserted, result.counts.rejected) == (1, 2)
    assert [r["line"] for r in read_rejects(result.rejects_path)] == ["2", "3"]
    person = Person.objects.get(personal_id=first)
    assert person.ethnicity == "Mông"
    assert person.facts.get().value is False

    table = pa.table(
        {
            "personal_id": [int(pid(1988, "female")), int(pid(1990, "male"))],
            "full_name": ["Lò Thị Mai", "Cầm Văn Ban"],
            "date_of_birth": [date(1988, 3, 14), date(1990, 1, 2)],
            "sex": ["female", "female"],
            "commune_code": [31825, 31825],
        }
    )
    pq.write_table(table, tmp_path / "in.parquet")
    result = run_import(tmp_path / "in.parquet")
    assert (result.counts.inserted, result.counts.rejected) == (1, 1)
    assert Person.objects.filter(full_name="Lò Thị Mai").exists()
    assert read_rejects(result.rejects_path)[0]["line"] == "2"


def test_it_records_social_facts_and_replaces_them_when_they_change(tmp_path: Path) -> None:
    person_id = pid()
    facts = {
        "household_id": "H1",
        "relation_to_head": "head",
        "disability_type": "vận động",
        "disability_level": "nặng",
        "disability_certified_on": "15/06/2020",
        "poverty_status": "hộ nghèo",
        "poverty_period": "2022-2025",
        "poverty_review_year": "2025",
        "monthly_pension_vnd": "1.500.000",
        "has_hiv": "không",
        "child_without_care": "",
        "is_studying": "0",
        "has_supporter": "có",
    }
    path = write_csv(tmp_path / "f.csv", [row(personal_id=person_id, **facts)])
    run_import(path)
    person = Person.objects.get()
    disability = person.disabilities.get()
    assert (disability.disability_type, disability.level) == ("mobility", "severe")
    assert disability.certified_on == date(2020, 6, 15) == disability.valid_from
    poverty = PovertyStatus.objects.get()
    assert (poverty.status, poverty.period, poverty.review_year) == ("poor", "2022-2025", 2025)
    current = {f.kind: f for f in person.facts.all()}
    assert current["monthly_pension_vnd"].amount_vnd == 1_500_000
    assert current["has_hiv"].value is False and current["has_supporter"].value is True
    assert "child_without_care" not in current
    assert run_import(path).counts.unchanged == 1

    facts |= {"disability_level": "especially_severe", "monthly_pension_vnd": "0"}
    facts |= {"poverty_status": "near_poor", "poverty_review_year": "2026"}
    result = run_import(write_csv(tmp_path / "g.csv", [row(personal_id=person_id, **facts)]))
    assert result.counts.updated == 1
    levels = dict(person.disabilities.values_list("level", "valid_to"))
    assert levels["especially_severe"] is None and levels["severe"] is not None
    assert SocialFact.objects.filter(kind="monthly_pension_vnd").count() == 2
    assert SocialFact.objects.get(kind="monthly_pension_vnd", valid_to__isnull=True).amount_vnd == 0
    assert PovertyStatus.objects.get(valid_to__isnull=True).status == "near_poor"
    entry = HistoryEntry.objects.get(import_run=result.run, person=person)
    assert entry.kind == "facts"
    assert entry.changes["monthly_pension_vnd"] == [1_500_000, 0]
    assert HistoryEntry.objects.filter(import_run=result.run, household__code="H1").exists()

    facts["disability_level"] = "none"
    facts["disability_type"] = ""
    run_import(write_csv(tmp_path / "h.csv", [row(personal_id=person_id, **facts)]))
    assert not Disability.objects.filter(valid_to__isnull=True).exists()


def test_it_matches_an_old_id_card_number_and_adds_the_new_number(tmp_path: Path) -> None:
    first = run_import(
        write_csv(tmp_path / "old.csv", [row(personal_id="361234567", full_name="Lý Thị Kim")])
    )
    assert first.counts.inserted == 1
    person = Person.objects.get()
    assert (person.personal_id, person.legacy_id) == (None, "361234567")
    number = pid()
    second = run_import(
        write_csv(
            tmp_path / "new.csv",
            [row(personal_id=number, legacy_id="361234567", full_name="Lý Thị Kim")],
        )
    )
    assert second.counts.updated == 1
    person.refresh_from_db()
    assert (person.personal_id, person.legacy_id) == (number, "361234567")


def test_it_keeps_good_rows_when_the_database_refuses_one(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from people.importing import Importer

    original = Importer._write

    def refuse_line_3(self, items, households):  # type: ignore[no-untyped-def]
        if any(i.raw.line == 3 for i in items):
            raise IntegrityError("simulated constraint failure")
        return original(self, items, households)

    monkeypatch.setattr(Importer, "_write", refuse_line_3)
    result = run_import(write_csv(tmp_path / "db.csv", [row(), row(), row()]))
    assert (result.counts.inserted, result.counts.rejected) == (2, 1)
    (rejected,) = read_rejects(result.rejects_path)
    assert rejected["line"] == "3" and rejected["reason_code"] == "database_error"


def test_it_updates_a_person_written_meanwhile_during_a_first_load(  # type: ignore[no-untyped-def]
    tmp_path: Path, monkeypatch, make_person, commune_a
) -> None:
    """A first load skips lookups by personal ID; someone else's write must not cost a row."""
    from people.importing import Importer

    number = pid()
    original = Importer._resolve_villages
    written: list[int] = []

    def someone_adds_a_person(self, items):  # type: ignore[no-untyped-def]
        if not written:
            written.append(make_person(commune_a, "Người Khác", personal_id=number).pk)
        return original(self, items)

    monkeypatch.setattr(Importer, "_resolve_villages", someone_adds_a_person)
    result = run_import(write_csv(tmp_path / "first.csv", [row(), row(personal_id=number)]))
    assert (result.counts.inserted, result.counts.updated, result.counts.rejected) == (1, 1, 0)
    assert Person.objects.get(pk=written[0]).full_name == "Thạch Thị Sà Quân"


def test_bulk_rows_keep_awkward_text_nulls_dates_and_json(db) -> None:  # type: ignore[no-untyped-def]
    """The importer's bulk writer (COPY text on PostgreSQL) keeps every value as it was."""
    from django.utils import timezone

    from people.importing import insert_rows

    now = timezone.now()
    awkward = [
        "plain",
        "back\\slash",
        "tab\there",
        "new\nline",
        "cr\rhere",
        "\\N",
        "",
        "Đặng Thị Ảnh",
    ]
    rows = [
        {
            "at": now,
            "actor_label": text,
            "source": "import",
            "kind": "updated",
            "reason": text,
            "changes": {"phone": [text, None], "n": [1, True]},
            "line": None if n % 2 else n,
        }
        for n, text in enumerate(awkward)
    ]
    insert_rows(HistoryEntry, rows)
    stored = list(HistoryEntry.objects.order_by("id").values("at", "reason", "changes", "line"))
    assert [r["reason"] for r in stored] == awkward
    assert [r["changes"]["phone"][0] for r in stored] == awkward
    assert [r["line"] for r in stored] == [None if n % 2 else n for n in range(len(awkward))]
    assert all(r["at"] == now and r["changes"]["n"] == [1, True] for r in stored)
    (household_id,) = insert_rows(
        Household,
        [
            {
                "code": "H\\1",
                "commune_id": 31825,
                "address": "",
                "created_at": now,
                "updated_at": now,
            }
        ],
        returning=True,
    )
    assert Household.objects.get(pk=household_id).code == "H\\1"


def test_the_command_prints_a_summary_and_where_the_rejects_are(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cli.csv", [row(), row(commune_code="99999")])
    out = io.StringIO()
    call_command("import_population", str(path), stdout=out)
    text = out.getvalue()
    assert "inserted: 1" in text and "rejected: 1" in text
    assert str(tmp_path / "cli-rejects.csv") in text


def test_the_command_fails_on_a_file_it_cannot_read(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("", "utf-8")
    with pytest.raises(CommandError):
        call_command("import_population", str(path), stdout=io.StringIO())


def test_it_refuses_a_file_that_is_not_in_the_encoding_it_was_told(tmp_path: Path) -> None:
    path = tmp_path / "u16.csv"
    path.write_bytes("personal_id,full_name\n".encode("utf-16"))
    with pytest.raises(ExtractError) as refused:
        run_import(path, encoding="utf-8")
    assert refused.value.code == "encoding" and "CSV UTF-8" in refused.value.message_en

"""The bulk path of the population import gives what the record-by-record importer gives.

Each case imports the same files twice, once with method="rows" and once with method="bulk",
into an empty registry each time, and compares everything an import leaves: people and their
facts, households, villages, poverty statuses, history, the counts and the rejected rows with
their lines and reasons.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from people import import_bulk, services
from people.importing import Importer
from people.models import (
    Disability,
    HistoryEntry,
    Household,
    ImportRun,
    Person,
    PovertyStatus,
    SocialFact,
)
from people.tests.helpers import HEADER, cp1258, csv_text, pid, read_rejects, row, write_csv
from places.models import Village

pytestmark = pytest.mark.django_db

FACT_HEADER = [
    *HEADER,
    "legacy_id",
    "ethnicity_code",
    "ethnicity_code_list",
    "disability_type",
    "disability_level",
    "disability_certified_on",
    "poverty_status",
    "poverty_period",
    "poverty_review_year",
    "monthly_pension_vnd",
    "has_hiv",
    "is_studying",
    "has_supporter",
    "notes",
]


def state() -> dict[str, list[Any]]:
    """Everything an import leaves, by natural keys (ids differ between two runs)."""
    people = Person.objects.values_list(
        "personal_id",
        "legacy_id",
        "full_name",
        "name_key",
        "date_of_birth",
        "birth_precision",
        "sex",
        "ethnicity",
        "ethnicity_code",
        "ethnicity_code_list",
        "phone",
        "commune_id",
        "village__name",
        "household__code",
        "relation_to_head",
        "marital_status",
        "date_of_death",
        "source_hash",
        "created_line",
    )
    return {
        "people": sorted(people, key=repr),
        "households": sorted(
            Household.objects.values_list("code", "commune_id", "village__name", "address"),
            key=repr,
        ),
        "villages": sorted(
            Village.objects.values_list("commune_id", "name", "name_key", "kind"), key=repr
        ),
        "disabilities": sorted(
            Disability.objects.values_list(
                "person__personal_id",
                "disability_type",
                "level",
                "certified_on",
                "valid_from",
                "valid_to",
                "source",
            ),
            key=repr,
        ),
        "facts": sorted(
            SocialFact.objects.values_list(
                "person__personal_id", "kind", "value", "amount_vnd", "valid_from", "source"
            ),
            key=repr,
        ),
        "poverty": sorted(
            PovertyStatus.objects.values_list(
                "household__code", "status", "period", "review_year", "valid_from", "valid_to"
            ),
            key=repr,
        ),
        "history": sorted(
            HistoryEntry.objects.values_list(
                "person__personal_id",
                "household__code",
                "kind",
                "changes",
                "line",
                "source",
                "actor_label",
            ),
            key=repr,
        ),
    }


def clear_registry() -> None:
    HistoryEntry.objects.all().delete()
    SocialFact.objects.all().delete()
    Disability.objects.all().delete()
    PovertyStatus.objects.all().delete()
    Person.objects.all().delete()
    Household.objects.all().delete()
    Village.objects.all().delete()
    ImportRun.objects.all().delete()


def outcome(files: list[Path], method: str, tmp_path: Path) -> dict[str, Any]:
    """Import the files in turn with one method; what they left and what they said."""
    results = []
    for n, path in enumerate(files):
        rejects = tmp_path / f"{path.stem}-{method}-{n}-rejects.csv"
        result = services.population_import(path=path, rejects_path=rejects, method=method)
        results.append(
            (
                dict(result.counts.__dict__),
                result.warning,
                sorted((tuple(r.values()) for r in read_rejects(rejects)), key=lambda r: int(r[0])),
            )
        )
    found = {"results": results, **state()}
    clear_registry()
    return found


def assert_same(files: list[Path], tmp_path: Path) -> dict[str, Any]:
    rows = outcome(files, "rows", tmp_path)
    bulk = outcome(files, "bulk", tmp_path)
    for key in rows:
        assert bulk[key] == rows[key], key
    return rows


def household(code: str, size: int, **head: str) -> list[dict[str, str]]:
    """A head row and size - 1 members, all valid."""
    rows = [row(household_id=code, relation_to_head="head", **head)]
    for n in range(1, size):
        rows.append(
            row(
                personal_id=pid(2010, "male" if n % 2 else "female"),
                sex="male" if n % 2 else "female",
                date_of_birth="2010",
                household_id=code,
                relation_to_head="con",
                village=head.get("village", ""),
                commune_code=head.get("commune_code", "31825"),
            )
        )
    return rows


def facts(**values: str) -> dict[str, str]:
    return dict.fromkeys(FACT_HEADER, "") | values


def test_it_writes_clean_rows_in_bulk_and_gives_the_rest_to_the_importer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed: list[int] = []
    original = Importer._batch

    def spy(self, raws, **kwargs):  # type: ignore[no-untyped-def]
        handed.extend(r.line for r in raws)
        return original(self, raws, **kwargs)

    monkeypatch.setattr(Importer, "_batch", spy)
    rows = [*household("H1", 3, village="Ấp 1"), row(), row(phone="+84 912 345 678"), row()]
    rows.append(row(date_of_birth="31/02/1990"))
    path = write_csv(tmp_path / "mixed.csv", rows)
    result = services.population_import(path=path, method="bulk")
    assert (result.counts.inserted, result.counts.rejected) == (6, 1)
    # Only the impossible date goes record by record (the phone is checked by its value).
    assert sorted(handed) == [8]


def test_it_gives_the_same_people_facts_households_and_villages(tmp_path: Path) -> None:
    rows = [
        *household("H1", 4, village="Ấp Tân Phong", phone="0912 345 678"),
        *household("H2", 2, village="ap tan phong", commune_code="32002"),
        *household("H3", 1, village="Khóm 3", marital_status="đã kết hôn"),
        row(full_name="  Danh  Văn   Sơn ", sex="nam", personal_id=pid(1988, "male")),
        row(date_of_birth="03/1965", personal_id=pid(1965, "female")),
        row(date_of_birth="1965-03-09", personal_id=pid(1965, "female")),
        row(date_of_birth="9/3/1965", personal_id=pid(1965, "female")),
        row(ethnicity="Mông", phone="+84912345678"),
        row(ethnicity="", date_of_death="01/02/2020"),
        row(phone="091.234.5678", marital_status="widow"),
        row(full_name="Nguyê\u0303n Thi\u0323 Lan"),  # decomposed marks
    ]
    rows = [facts(**r) for r in rows]
    rows += [
        facts(
            **row(household_id="H9", relation_to_head="head", village="Ấp 9"),
            disability_type="vận động",
            disability_level="nặng",
            disability_certified_on="15/06/2020",
            poverty_status="hộ nghèo",
            poverty_period="2022-2025",
            poverty_review_year="2025",
            monthly_pension_vnd="1.500.000",
            has_hiv="không",
            is_studying="0",
            has_supporter="có",
            notes="a note, with a comma",
        ),
        facts(
            **row(household_id="H9", relation_to_head="vợ", village="Ấp 9"),
            disability_level="none",
            poverty_status="",
        ),
        facts(**row(ethnicity="", ethnicity_code="05", ethnicity_code_list="2008")),
        facts(**row(), poverty_status="near_poor", poverty_period="2022-2025"),
        facts(**row(), disability_type="nhìn"),
    ]
    path = write_csv(tmp_path / "good.csv", rows, header=FACT_HEADER)
    found = assert_same([path], tmp_path)
    counts, _warning, rejects = found["results"][0]
    assert counts["inserted"] == len(rows) - 2
    assert [r[1] for r in rejects] == ["poverty_without_household", "disability_level_missing"]


def test_it_gives_the_same_rejections_for_bad_rows(tmp_path: Path) -> None:
    same, twice = pid(), pid()
    rows = [
        row(personal_id=same),
        row(personal_id=same, full_name="Khác"),
        row(personal_id=" ".join([twice[:3], twice[3:6], twice[6:]]), full_name="Có dấu cách"),
        row(personal_id=twice),
        row(date_of_birth="31/02/1990"),
        row(date_of_birth="2099-01-01"),
        row(date_of_birth="1850"),
        row(date_of_death="01/01/2099"),
        row(date_of_death="01/01/1980"),
        row(date_of_death="1990"),
        row(commune_code="99999"),
        row(commune_code="00004"),
        row(commune_code="ab"),
        row(commune_code=" 31825"),
        row(sex="male"),
        row(sex="?"),
        row(date_of_birth="1990"),
        row(personal_id="999188000001"),
        row(personal_id="09618800"),
        row(personal_id="361234567", full_name="Lý Thị Kim"),
        row(full_name=""),
        row(full_name="x" * 151),
        row(phone="12345"),
        row(phone="0123456789"),
        row(ethnicity="Martian"),
        row(household_id="H9", relation_to_head="child"),
        row(relation_to_head="cousin", household_id="H8"),
        row(relation_to_head="head"),
        row(household_id="H7"),
        row(household_id="x" * 41, relation_to_head="head"),
        row(marital_status="complicated"),
        # A household whose head row is refused, and one with two heads.
        row(household_id="H5", relation_to_head="head", date_of_birth="31/02/1988"),
        row(household_id="H5", relation_to_head="spouse"),
        row(household_id="H6", relation_to_head="head"),
        row(household_id="H6", relation_to_head="head", village="Ấp 6"),
        row(household_id="H6", relation_to_head="child", village="Ấp 6"),
        # A member before the head, and a member with a bad date in a good household.
        row(household_id="H4", relation_to_head="child"),
        row(household_id="H4", relation_to_head="head", village="Ấp 4"),
        row(household_id="H4", relation_to_head="spouse", date_of_birth="32/01/1980"),
        row(),
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    found = assert_same([path], tmp_path)
    counts, _warning, rejects = found["results"][0]
    codes = {r[0]: r[1] for r in rejects}
    assert codes["3"] == "duplicate_in_file" and codes["5"] == "duplicate_in_file"
    assert codes["27"] == "household_missing"
    assert counts["rejected"] == len(rejects) >= 25


def test_it_gives_the_same_outcome_when_the_registry_already_holds_some_people(
    tmp_path: Path,
) -> None:
    kept, moved = pid(1950, "male"), pid(1955, "female")
    first = [
        row(
            personal_id=kept,
            sex="male",
            date_of_birth="1950",
            household_id="H1",
            relation_to_head="head",
        ),  # fmt: skip
        row(personal_id=moved, date_of_birth="1955", household_id="H1", relation_to_head="spouse"),
    ]
    second = [
        row(
            personal_id=kept,
            sex="male",
            date_of_birth="1950",
            household_id="H1",
            relation_to_head="head",
            phone="0987654321",
        ),  # fmt: skip
        row(personal_id=moved, date_of_birth="1955", commune_code="32002"),
        row(household_id="H1", relation_to_head="child"),
        *household("H2", 3, village="Ấp 2"),
        row(household_id="H2", relation_to_head="head"),
    ]
    files = [write_csv(tmp_path / "one.csv", first), write_csv(tmp_path / "two.csv", second)]
    found = assert_same(files, tmp_path)
    counts = found["results"][1][0]
    # The second head row of H2 joins the household its first head row made.
    assert (counts["inserted"], counts["updated"], counts["rejected"]) == (5, 2, 0)


@pytest.mark.parametrize(
    "shape",
    [
        "bom",
        "crlf",
        "utf16",
        "cp1258",
        "extra_cells",
        "open_quote",
        "blank_line",
        "multiline",
        "quotes",
        "semicolons",
    ],  # fmt: skip
)
def test_it_gives_the_same_lines_whatever_the_files_shape(tmp_path: Path, shape: str) -> None:
    rows = [row(full_name="Nguyễn Thị Hoà"), row(date_of_birth="31/02/1990"), row(), row()]
    text = csv_text(rows)
    lines = text.splitlines(keepends=True)
    encoding = "utf-8"
    if shape == "bom":
        encoding = "utf-8-sig"
    elif shape == "crlf":
        text = text.replace("\n", "\r\n")
    elif shape == "utf16":
        encoding = "utf-16"
    elif shape == "extra_cells":
        text = "".join(lines[:2]) + lines[2].rstrip("\n") + ",extra\n" + "".join(lines[3:])
    elif shape == "open_quote":
        text = text + f'{pid()},"Lan\n'
    elif shape == "blank_line":
        text = "".join(lines[:2]) + "\n" + "".join(lines[2:])
    elif shape == "multiline":
        text = text + f'{pid()},"Lò\nVăn",14/03/1988,female,Khmer,31825,,,,,,\n' + lines[1]
    elif shape == "quotes":
        text = text + f'{pid()},"Lò ""Văn"" Quàng",14/03/1988,female,Khmer,31825,"Ấp 1, 2",,,,,\n'
    elif shape == "semicolons":
        text = text.replace(",", ";")
    path = tmp_path / f"{shape}.csv"
    if shape == "cp1258":
        path.write_bytes(cp1258(text))
    else:
        path.write_bytes(text.encode(encoding))
    found = assert_same([path], tmp_path)
    _counts, _warning, rejects = found["results"][0]
    assert ("4" if shape == "blank_line" else "3") in [r[0] for r in rejects]


def test_the_command_takes_the_method(tmp_path: Path) -> None:
    import io

    from django.core.management import call_command

    path = write_csv(tmp_path / "cli.csv", [row(), row(commune_code="99999")])
    out = io.StringIO()
    call_command("import_population", str(path), "--method", "bulk", stdout=out)
    assert "inserted: 1" in out.getvalue()


def test_auto_leaves_small_files_and_known_people_to_the_importer(tmp_path: Path) -> None:
    from people.extract import Extract

    small = write_csv(tmp_path / "small.csv", [row()])
    assert not import_bulk.wants_bulk(Extract(small))
    assert import_bulk.wants_bulk(Extract(small), "bulk")
    assert not import_bulk.wants_bulk(Extract(small), "rows")


def test_it_falls_back_to_the_importer_when_duckdb_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    def fail(self, **kwargs):  # type: ignore[no-untyped-def]
        raise duckdb.OutOfMemoryException("simulated")

    monkeypatch.setattr(import_bulk.BulkLoad, "classify", fail)
    path = write_csv(tmp_path / "x.csv", [row(), row(commune_code="99999")])
    result = services.population_import(path=path, method="bulk")
    assert (result.counts.inserted, result.counts.rejected) == (1, 1)

"""Every case of test_import again, with the bulk path forced on (it falls back by itself
where it does not apply)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import IntegrityError

from people import import_bulk
from people.models import Person
from people.tests.helpers import pid, read_rejects, row, write_csv
from people.tests.test_import import *  # noqa: F403
from people.tests.test_import import run_import


@pytest.fixture(autouse=True)
def _bulk_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_bulk, "DEFAULT_METHOD", "bulk")


# The two cases below reach into the record-by-record importer; here the same events happen
# on the bulk path, and the outcome must be the same.


def test_it_keeps_good_rows_when_the_database_refuses_one(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from people.importing import Importer

    original_write = Importer._write
    original_part = import_bulk.BulkLoad._write_part

    def refuse_line_3(self, items, households):  # type: ignore[no-untyped-def]
        if any(i.raw.line == 3 for i in items):
            raise IntegrityError("simulated constraint failure")
        return original_write(self, items, households)

    def refuse_the_part(self, *args):  # type: ignore[no-untyped-def]
        original_part(self, *args)
        raise IntegrityError("simulated constraint failure")

    monkeypatch.setattr(Importer, "_write", refuse_line_3)
    monkeypatch.setattr(import_bulk.BulkLoad, "_write_part", refuse_the_part)
    result = run_import(write_csv(tmp_path / "db.csv", [row(), row(), row()]))
    assert (result.counts.inserted, result.counts.rejected) == (2, 1)
    (rejected,) = read_rejects(result.rejects_path)
    assert rejected["line"] == "3" and rejected["reason_code"] == "database_error"


def test_it_updates_a_person_written_meanwhile_during_a_first_load(  # type: ignore[no-untyped-def]
    tmp_path: Path,
    make_person,
    commune_a,
    monkeypatch,
) -> None:
    """Someone writes a person of the file between the checks and the bulk write."""
    number = pid()
    original = import_bulk.BulkLoad.write
    written: list[int] = []

    def someone_adds_a_person(self, **kwargs):  # type: ignore[no-untyped-def]
        written.append(make_person(commune_a, "Người Khác", personal_id=number).pk)
        return original(self, **kwargs)

    monkeypatch.setattr(import_bulk.BulkLoad, "write", someone_adds_a_person)
    result = run_import(write_csv(tmp_path / "first.csv", [row(), row(personal_id=number)]))
    assert (result.counts.inserted, result.counts.updated, result.counts.rejected) == (1, 1, 0)
    assert Person.objects.get(pk=written[0]).full_name == "Thạch Thị Sà Quân"

"""`langso eligibility snapshot`: the registry's facts as Parquet for a run on Spark. No Spark
is needed to write one, so these run on SQLite and PostgreSQL with the rest of the suite."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from accounts.models import AuditEntry
from benefits import selectors
from benefits.rules.sparkgen import snapshot_columns

DAY = date(2026, 11, 1)


def test_it_writes_the_facts_the_registry_gives_each_person(
    grandmother: Any, make_person: Any, commune_b: Any, tmp_path: Path
) -> None:
    other = make_person(commune_b, "Danh Sơn", date_of_birth=date(1990, 3, 4))
    make_person(commune_b, "Đã mất", date_of_birth=date(1930, 1, 1), date_of_death=date(2025, 1, 1))
    path = tmp_path / "facts.parquet"
    out = StringIO()
    call_command(
        "eligibility", "snapshot", "--date", DAY.isoformat(), "--out", str(path), stdout=out
    )
    assert "2 người" in out.getvalue() and "2 persons" in out.getvalue()
    table = pq.read_table(path)
    facts = selectors.policy_set().facts
    assert [(f.name, str(f.type)) for f in table.schema][:4] == [
        ("person_id", "int64"),
        ("household_id", "int64"),
        ("commune_id", "int32"),
        ("province_code", "int32"),
    ]
    assert table.schema.names == [name for name, _ in snapshot_columns(facts)]
    rows = {row["person_id"]: row for row in table.to_pylist()}
    assert set(rows) == {grandmother.pk, other.pk}
    for person in (grandmother, other):
        row = rows[person.pk]
        assert row["household_id"] == person.household_id
        assert (row["commune_id"], row["province_code"]) == (person.commune_id, 96)
        expected = selectors.person_facts(facts, person.pk, DAY)
        assert {name: row[name] for name in facts} == expected
    assert rows[grandmother.pk]["date_of_birth"] == date(1951, 11, 20)
    assert rows[grandmother.pk]["poverty_status"] == "near_poor"
    assert rows[other.pk]["household_id"] is None
    entry = AuditEntry.objects.get(object_type="benefits.facts_snapshot")
    assert (entry.action, entry.via, entry.details) == (
        "export",
        "cli",
        {"date": "2026-11-01", "rows": 2},
    )


def test_it_refuses_a_folder_for_the_snapshot_file(db: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="là một thư mục.*is a folder"):
        call_command("eligibility", "snapshot", "--out", str(tmp_path))
    assert not AuditEntry.objects.exists()

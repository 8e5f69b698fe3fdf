"""A province's first eligibility run: the decisions' indexes are built after the insert."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from benefits import batch, services
from benefits.models import CurrentDecision, Decision, EligibilityRun
from people.models import Person

DAY = date(2026, 11, 1)


def decision_indexes() -> dict[str, list[str]]:
    """The indexes of the decisions and of the current decisions (primary keys included)."""
    found = {}
    with connection.cursor() as cursor:
        for model in (Decision, CurrentDecision):
            table = model._meta.db_table
            for name, info in connection.introspection.get_constraints(cursor, table).items():
                if info["index"] or info["primary_key"]:
                    found[f"{table}.{name}"] = info["columns"]
    return found


def test_it_keeps_every_index_of_the_decisions_after_a_first_run(grandmother: Any) -> None:
    before = decision_indexes()
    assert "benefits_decision.decision_person_policy_idx" in before
    assert ["policy_id", "person_id"] in before.values()
    run = services.eligibility_run_create(day=DAY)
    assert run.written == 3
    assert decision_indexes() == before
    # The rebuilt indexes answer as before: the second run finds nothing changed.
    assert services.eligibility_run_create(day=DAY).written == 0
    assert Decision.objects.filter(person=grandmother, policy_id="social_pension").exists()


def test_it_rolls_the_dropped_indexes_back_when_a_first_run_fails(
    grandmother: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = decision_indexes()
    real = batch._write_sql

    def broken(**kwargs: Any) -> list[str]:
        return [*real(**kwargs), "INSERT INTO no_such_table VALUES (1)"]

    monkeypatch.setattr(batch, "_write_sql", broken)
    with pytest.raises(DatabaseError):
        services.eligibility_run_create(day=DAY)
    assert not Decision.objects.exists()
    assert not EligibilityRun.objects.exists()
    assert decision_indexes() == before


def test_it_numbers_a_runs_decisions_from_the_decisions_sequence(grandmother: Any) -> None:
    services.eligibility_run_create(day=DAY)
    ids = sorted(Decision.objects.values_list("id", flat=True))
    assert ids == list(range(ids[0], ids[0] + 3))
    Person.objects.filter(pk=grandmother.pk).update(date_of_death=date(2026, 11, 15))
    services.eligibility_run_create(day=date(2026, 12, 1))
    ended = sorted(Decision.objects.exclude(id__in=ids).values_list("id", flat=True))
    assert len(ended) == 3
    assert ended[0] > ids[-1]


def test_it_drops_the_indexes_only_on_a_provinces_first_run_on_postgresql(
    grandmother: Any,
) -> None:
    def drops(day: date) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            services.eligibility_run_create(day=day)
        sql = [q["sql"] for q in queries.captured_queries]
        return [q for q in sql if q.startswith("DROP INDEX") or "DROP CONSTRAINT" in q]

    first = drops(DAY)
    if connection.vendor == "postgresql":
        assert any(sql.startswith('DROP INDEX "decision_person_policy_idx"') for sql in first)
        assert any("DROP CONSTRAINT" in sql for sql in first)
    else:  # the drop is made on PostgreSQL only
        assert first == []
    assert drops(date(2026, 12, 1)) == []

"""The SQL the batch run relies on: ages and month counts on a known day compared with a known
number become comparisons with a cut-off day, and must agree with the Python evaluator on every
day of the calendar around the cut-off, 29 February and month ends included."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, timedelta

import duckdb
import pytest

from benefits.rules import POLICY_DIR
from benefits.rules.evaluate import evaluate_policy
from benefits.rules.golden import facts_insert_sql, facts_table_sql
from benefits.rules.loader import load_directory, parameter_values
from benefits.rules.sqlgen import policy_sql

OPERATORS = ("<", "<=", ">", ">=", "==", "!=")

POLICY = """\
id: test.ages
title: {vi: "Thử", en: "Test"}
valid_from: 2021-07-01
kind: health_insurance
match: any
conditions:
"""


def condition(index: int, expr: str) -> str:
    return (
        f"  - id: c{index}\n    expr: {expr}\n    on_missing: needs_info\n"
        f'    message: {{vi: "Điều kiện {index}", en: "Condition {index}"}}\n'
    )


@pytest.fixture(scope="module")
def policies(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("ages")
    shutil.copy(POLICY_DIR / "facts.yaml", folder / "facts.yaml")
    shutil.copy(POLICY_DIR / "parameters.yaml", folder / "parameters.yaml")
    exprs = []
    for op in OPERATORS:
        exprs += [
            f"age_on(date) {op} 60",
            f"age_on(end_of_month(date)) {op} 0",
            f"3 {op} age_on(date)",
            f"months_between(disability_certified_on, date) {op} 6",
            f"1 {op} months_between(disability_certified_on, end_of_month(date))",
        ]
    text = POLICY + "".join(condition(i, e) for i, e in enumerate(exprs))
    (folder / "test.yaml").write_text(text)
    return load_directory(folder)


def starts(around: list[date]) -> list[date | None]:
    days: set[date] = set()
    for middle in around:
        days.update(middle + timedelta(days=d) for d in range(-40, 41))
    return [None, *sorted(days)]


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 11, 1),
        date(2028, 2, 29),
        date(2027, 2, 28),
        date(2026, 3, 31),
        date(2026, 12, 31),
        date(2027, 1, 1),
    ],
)
def test_it_compares_ages_and_months_like_the_python_evaluator(policies, day: date) -> None:  # type: ignore[no-untyped-def]
    policy = policies.get("test.ages")
    births = starts([day - timedelta(days=round(365.25 * n)) for n in (60, 3, 0)])
    certified = starts([day - timedelta(days=183), day - timedelta(days=30)])
    crowd = [
        (
            index,
            {"date_of_birth": born, "disability_certified_on": certified[index % len(certified)]},
        )
        for index, born in enumerate(births)
    ]
    params = parameter_values(policy, policies, day)
    expected = {
        key: [c.value for c in evaluate_policy(policy, policies, facts, day).conditions]
        for key, facts in crowd
    }
    for dialect, connection in (
        ("sqlite", sqlite3.connect(":memory:")),
        ("duckdb", duckdb.connect(":memory:")),
    ):
        connection.execute(facts_table_sql(policies.facts, dialect))
        connection.execute(facts_insert_sql(policies.facts, crowd, dialect))
        sql = policy_sql(policy, day=day, params=params, dialect=dialect)
        # No date arithmetic left per row: every age is a comparison with a cut-off day.
        assert "SUBSTR" not in sql.upper() and "EXTRACT" not in sql.upper()
        rows = connection.execute(sql).fetchall()
        got = {row[0]: [None if v is None else bool(v) for v in row[1:-2]] for row in rows}
        assert got == expected, dialect

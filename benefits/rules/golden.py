"""Run every golden test of every policy on every back-end and compare.

The Python evaluator must give the expected status, amount, condition values and missing facts;
each SQL back-end must give exactly what the Python evaluator gives (status, amount and every
condition), so a disagreement between back-ends is a failure even where the test is silent.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlglot import exp

from benefits.rules import ir
from benefits.rules.evaluate import PolicyResult, evaluate_policy
from benefits.rules.loader import parameter_values
from benefits.rules.sqlgen import Dialect, condition_column, policy_sql

SQL_TYPES: dict[str, dict[str, str]] = {
    "sqlite": {"date": "TEXT", "int": "BIGINT", "bool": "BOOLEAN", "enum": "TEXT"},
    "postgres": {"date": "DATE", "int": "BIGINT", "bool": "BOOLEAN", "enum": "TEXT"},
    "duckdb": {"date": "DATE", "int": "BIGINT", "bool": "BOOLEAN", "enum": "VARCHAR"},
}


@dataclass(frozen=True)
class Failure:
    policy_id: str
    path: str
    test: str
    line: int
    backend: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.backend}] {self.policy_id} / {self.test}: {self.reason}"


@dataclass(frozen=True)
class Report:
    tests: int
    backends: tuple[str, ...]
    failures: tuple[Failure, ...]


def _literal(value: ir.Value, dialect: Dialect) -> exp.Expression:
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, (int, float)):
        return exp.Literal.number(value)
    if isinstance(value, date):
        text = exp.Literal.string(value.isoformat())
        return text if dialect == "sqlite" else exp.cast(text, "date")
    return exp.Literal.string(value)


def facts_table_sql(
    facts: dict[str, ir.FactSpec], dialect: Dialect, table: str = "facts", temporary: bool = False
) -> str:
    """CREATE TABLE for the flat facts table (person_id plus one column per fact)."""
    columns = [
        exp.ColumnDef(
            this=exp.to_identifier("person_id", quoted=True), kind=exp.DataType.build("bigint")
        )
    ]
    for spec in facts.values():
        kind = exp.DataType.build(SQL_TYPES[dialect][spec.type], dialect=dialect)
        columns.append(exp.ColumnDef(this=exp.to_identifier(spec.name, quoted=True), kind=kind))
    schema = exp.Schema(this=exp.table_(table, quoted=True), expressions=columns)
    properties = exp.Properties(expressions=[exp.TemporaryProperty()]) if temporary else None
    create = exp.Create(this=schema, kind="TABLE", properties=properties)
    return create.sql(dialect=dialect)


def facts_insert_sql(
    facts: dict[str, ir.FactSpec],
    rows: list[tuple[int, dict[str, ir.Value]]],
    dialect: Dialect,
    table: str = "facts",
) -> str:
    names = ["person_id", *facts]
    values = exp.values(
        [
            exp.tuple_(
                exp.Literal.number(key), *(_literal(row.get(name), dialect) for name in facts)
            )
            for key, row in rows
        ]
    )
    columns = [exp.to_identifier(n, quoted=True) for n in names]
    target = exp.Schema(this=exp.table_(table, quoted=True), expressions=columns)
    return exp.Insert(this=target, expression=values).sql(dialect=dialect)


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


Executor = Callable[[str], list[tuple[Any, ...]]]


def _sqlite_executor() -> tuple[Executor, Callable[[], None]]:
    connection = sqlite3.connect(":memory:")

    def run(sql: str) -> list[tuple[Any, ...]]:
        return connection.execute(sql).fetchall()

    return run, connection.close


def _duckdb_executor() -> tuple[Executor, Callable[[], None]]:
    import duckdb

    connection = duckdb.connect(":memory:")

    def run(sql: str) -> list[tuple[Any, ...]]:
        return connection.execute(sql).fetchall()

    return run, connection.close


def _compare_sql(
    policy: ir.Policy, test: ir.GoldenTest, backend: str, expected: PolicyResult, row: Any
) -> list[Failure]:
    if row is None:
        return [Failure(policy.id, policy.path, test.name, test.line, backend, "no row returned")]
    got_conditions = dict(zip([c.id for c in policy.conditions], row[1:-2], strict=True))
    problems = []
    if row[-2] != expected.status:
        problems.append(f"status {row[-2]} but Python says {expected.status}")
    if (row[-1] if row[-1] is None else int(row[-1])) != expected.amount:
        problems.append(f"amount {row[-1]} but Python says {expected.amount}")
    for result in expected.conditions:
        if _bool(got_conditions[result.id]) != result.value:
            problems.append(
                f"condition {result.id} is {_bool(got_conditions[result.id])} "
                f"but Python says {result.value}"
            )
    return [Failure(policy.id, policy.path, test.name, test.line, backend, p) for p in problems]


def _compare_expected(policy: ir.Policy, test: ir.GoldenTest, got: PolicyResult) -> list[Failure]:
    problems = []
    if got.status != test.status:
        problems.append(f"status {got.status}, expected {test.status}")
    if test.amount is not None or test.status != "eligible":
        if got.amount != test.amount:
            problems.append(f"amount {got.amount}, expected {test.amount}")
    values = {c.id: c.value for c in got.conditions}
    for cid, want in test.conditions.items():
        if values[cid] != want:
            problems.append(f"condition {cid} is {values[cid]}, expected {want}")
    if test.missing is not None and set(got.missing) != set(test.missing):
        problems.append(f"missing facts {sorted(got.missing)}, expected {sorted(test.missing)}")
    return [Failure(policy.id, policy.path, test.name, test.line, "python", p) for p in problems]


def run_golden(
    policies: ir.PolicySet,
    *,
    extra: dict[str, tuple[Dialect, Executor]] | None = None,
) -> Report:
    """Every golden test on Python, SQLite and DuckDB (and any extra back-end, e.g. PostgreSQL
    through a connection whose `facts` table this function may create and fill)."""
    sqlite_run, sqlite_close = _sqlite_executor()
    duck_run, duck_close = _duckdb_executor()
    backends: dict[str, tuple[Dialect, Executor]] = {
        "sqlite": ("sqlite", sqlite_run),
        "duckdb": ("duckdb", duck_run),
        **(extra or {}),
    }
    failures: list[Failure] = []
    count = 0
    try:
        for name, (dialect, run) in backends.items():
            run(
                facts_table_sql(policies.facts, dialect, temporary=name not in ("sqlite", "duckdb"))
            )
        for policy in policies.policies:
            rows = [(index, dict(test.facts)) for index, test in enumerate(policy.tests)]
            for dialect, run in backends.values():
                run(exp.delete(exp.table_("facts", quoted=True)).sql(dialect=dialect))
                if rows:
                    run(facts_insert_sql(policies.facts, rows, dialect))
            for index, test in enumerate(policy.tests):
                count += 1
                got = evaluate_policy(policy, policies, dict(test.facts), test.day)
                failures += _compare_expected(policy, test, got)
                params = parameter_values(policy, policies, test.day)
                for name, (dialect, run) in backends.items():
                    source = (
                        exp.select("*")
                        .from_(exp.table_("facts", quoted=True))
                        .where(
                            exp.EQ(
                                this=exp.column("person_id", quoted=True),
                                expression=exp.Literal.number(index),
                            )
                        )
                        .subquery("facts")
                    )
                    sql = policy_sql(
                        policy, day=test.day, params=params, dialect=dialect, source=source
                    )
                    result = run(sql)
                    failures += _compare_sql(policy, test, name, got, result[0] if result else None)
        for name, (dialect, run) in backends.items():
            if name not in ("sqlite", "duckdb"):
                run(
                    exp.Drop(
                        tables=[exp.table_("facts", quoted=True)], kind="TABLE", exists=True
                    ).sql(dialect=dialect)
                )
    finally:
        sqlite_close()
        duck_close()
    return Report(tests=count, backends=("python", *backends), failures=tuple(failures))


__all__ = [
    "Failure",
    "Report",
    "condition_column",
    "facts_insert_sql",
    "facts_table_sql",
    "run_golden",
]

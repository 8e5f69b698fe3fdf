"""A Parquet snapshot of the registry's facts on a day, for a run on Spark (or any Parquet
reader): one row per living person with the columns of `benefits.rules.sparkgen.snapshot_columns`
(person_id, household_id, commune_id, province_code, then every fact of policies/facts.yaml).

The facts come from the same query as the batch run and the explanation of one person
(`benefits.selectors.facts_select`), so the three read the registry in exactly the same way.
Rows are streamed from the database in blocks and written as Parquet row groups; the file is
written under a temporary name and renamed when complete, so a failed export leaves no file.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.db import connection
from sqlglot import exp

from benefits import selectors
from benefits.rules import ir
from benefits.rules.sparkgen import snapshot_columns
from people.models import Person
from places.models import Commune

BLOCK = 50_000

ARROW_TYPES: dict[str, pa.DataType] = {
    "date": pa.date32(),
    "bigint": pa.int64(),
    "int": pa.int32(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "string": pa.string(),
}


def snapshot_schema(facts: dict[str, ir.FactSpec]) -> pa.Schema:
    """The Arrow schema of a snapshot: keys, then every fact, all nullable but person_id."""
    return pa.schema(
        [
            pa.field(name, ARROW_TYPES[type_], nullable=name != "person_id")
            for name, type_ in snapshot_columns(facts)
        ]
    )


def _select(day: date, facts: dict[str, ir.FactSpec]) -> str:
    dialect = selectors.dialect()
    inner = selectors.facts_select(day, dialect_name=dialect)
    person = exp.table_(Person._meta.db_table, quoted=True, alias=exp.to_identifier("p"))
    commune = exp.table_(Commune._meta.db_table, quoted=True, alias=exp.to_identifier("c"))

    def col(name: str, table: str) -> exp.Column:
        return exp.column(name, table=table, quoted=True)

    select = (
        exp.select(
            col("person_id", "f"),
            exp.alias_(col("household_id", "p"), "household_id", quoted=True),
            col("commune_id", "f"),
            exp.alias_(col("province_id", "c"), "province_code", quoted=True),
            *(col(name, "f") for name in facts),
        )
        .from_(inner.subquery("f"))
        .join(person, on=exp.EQ(this=col("id", "p"), expression=col("person_id", "f")))
        .join(commune, on=exp.EQ(this=col("code", "c"), expression=col("commune_id", "f")))
        .order_by(col("person_id", "f"))
    )
    return select.sql(dialect=dialect)


def _batch(schema: pa.Schema, rows: list[tuple[Any, ...]]) -> pa.RecordBatch:
    """Rows as the database gives them (SQLite: ISO text for dates, 0/1 for booleans) cast to
    the snapshot's types."""
    arrays = []
    for index, target in enumerate(schema.types):
        values = [row[index] for row in rows]
        arrays.append(pa.array(values).cast(target) if values else pa.array([], type=target))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def facts_snapshot_write(*, day: date, path: Path, policies: ir.PolicySet | None = None) -> int:
    """Write the facts of every living person on `day` to the Parquet file `path`; returns the
    number of rows."""
    facts = (policies or selectors.policy_set()).facts
    schema = snapshot_schema(facts)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    rows = 0
    try:
        with (
            pq.ParquetWriter(partial, schema, compression="zstd") as writer,
            connection.chunked_cursor() as cursor,
        ):
            cursor.execute(_select(day, facts))
            while block := cursor.fetchmany(BLOCK):
                writer.write_batch(_batch(schema, block))
                rows += len(block)
            if rows == 0:
                writer.write_batch(_batch(schema, []))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return rows

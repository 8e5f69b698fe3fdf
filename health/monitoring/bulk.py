"""Bulk writes and batch lookups for the readings path, on SQLite and PostgreSQL alike.

bulk_create prepares every field of every row through the query compiler, which for a batch of
a thousand readings costs more than the database's own work. Here the rows are plain values:
insert_rows adds them, update_rows sets columns by primary key, and any_of filters on a batch's
thousand ids or keys without a placeholder for each.

On PostgreSQL the rows go in with COPY, their ids drawn from the table's sequence first: a
multi-row INSERT of a thousand rows carries twelve thousand placeholders, which the driver
splits with a regular expression on every call (uncached, since the statement is long), and
that cost more client time than everything else in a batch. Inserts that must skip rows
already there (ON CONFLICT DO NOTHING) try COPY inside a savepoint and fall back to the INSERT
only when a row is in the way.

On SQLite they go in as multi-row INSERT ... RETURNING id with each column adapted once by its
type, in chunks that fit the parameter limit; SQLite (3.35+) returns the ids in the order of the
VALUES, which is what bulk_create relies on too.

Only for plain rows: no signals, no save(), no expressions as values; the callers are the
ingestion services, which own the models they write this way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.db.models.lookups import Lookup

# Rows per INSERT statement: past a few hundred, longer statements stop paying for themselves.
MAX_ROWS = 500
_IDENTITY_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    kind = field.get_internal_type()
    if kind in _IDENTITY_TYPES:
        return None
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value  # type: ignore[no-any-return]
    if kind == "DecimalField":
        return connection.ops.adapt_decimalfield_value  # type: ignore[no-any-return]
    return partial(field.get_db_prep_save, connection=connection)


def _adapted(
    rows: Sequence[Sequence[Any]], adapters: list[tuple[int, Callable[[Any], Any]]]
) -> list[list[Any]]:
    out = []
    for row in rows:
        values = list(row)
        for n, adapt in adapters:
            values[n] = adapt(values[n])
        out.append(values)
    return out


_SEQUENCES: dict[str, str] = {}


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Draw `count` ids from the table's sequence (PostgreSQL), in increasing order."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        sequence = _SEQUENCES.get(table)
        if sequence is None:
            # Looked up once: pg_get_serial_sequence in the statement below would run per row.
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)",
                [table, model._meta.pk.column],  # type: ignore[union-attr]
            )
            sequence = _SEQUENCES[table] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
        )
        return [row[0] for row in cursor.fetchall()]


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: bool = True,
    ignore_conflicts: bool = False,
) -> list[int]:
    """Insert rows of plain values (one per column, named by field name or attname) and return
    their primary keys in order (an empty list when returning is False or conflicts are
    ignored, since skipped rows have none)."""
    if not rows:
        return []
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    adapters = [(n, a) for n, a in enumerate(_adapter(f) for f in fields) if a is not None]  # type: ignore[arg-type]
    if connection.vendor == "postgresql":
        values = _adapted(rows, adapters) if adapters else rows
        if ignore_conflicts:
            try:
                with transaction.atomic():
                    _copy(model, fields, values)
            except IntegrityError:
                _insert(model, fields, values, returning=False, ignore_conflicts=True)
            return []
        if not returning:
            _copy(model, fields, values)
            return []
        ids = reserve_ids(model, len(rows))
        _copy(model, [meta.pk, *fields], [[pk, *row] for pk, row in zip(ids, values, strict=True)])  # type: ignore[list-item]
        return ids
    return _insert(
        model,
        fields,
        _adapted(rows, adapters),
        returning=returning and not ignore_conflicts,
        ignore_conflicts=ignore_conflicts,
    )


def _copy(model: type[models.Model], fields: Sequence[Any], rows: Sequence[Sequence[Any]]) -> None:
    quote = connection.ops.quote_name
    statement = (
        f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        "FROM STDIN"
    )
    # Errors raised inside COPY come from the driver itself: translate them (a unique
    # violation becomes Django's IntegrityError) like every other statement's.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def _insert(
    model: type[models.Model],
    fields: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    *,
    returning: bool,
    ignore_conflicts: bool,
) -> list[int]:
    meta = model._meta
    quote = connection.ops.quote_name
    head = (
        f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608 - names from the model, values bound
        f"({', '.join(quote(f.column) for f in fields)}) VALUES "
    )
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    if returning:
        tail += f" RETURNING {quote(meta.pk.column)}"  # type: ignore[union-attr]
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    limit = connection.features.max_query_params or 60_000
    if connection.vendor == "sqlite":
        # Django assumes SQLite's old limit of 999 parameters (83 readings a statement); ask
        # the library itself, which today allows 32,766.
        import sqlite3

        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per_statement = max(1, min(MAX_ROWS, limit // len(fields)))
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = [value for row in chunk for value in row]
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, params)
            if returning:
                ids.extend(r[0] for r in cursor.fetchall())
    return ids


class _AnyOf(Lookup):  # type: ignore[type-arg]
    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = compiler.compile(self.lhs)
        values = list(self.rhs)
        if not values:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            # Typed as the column: an array the driver types by its values (smallint[] for
            # small ids) leaves the planner guessing.
            return f"{lhs} = ANY(%s::{_array_type(self.lhs.output_field)})", [*params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


def any_of(field: str, values: Iterable[Any]) -> Lookup:  # type: ignore[type-arg]
    """A filter `field IN (values)` that PostgreSQL receives as one array parameter.

    Django writes `IN (%s, %s, ...)`, a placeholder per value; with a thousand values the
    driver's uncached statement split costs more than the query. Plain values only (ids,
    strings): they are not prepared by the field.
    """
    return _AnyOf(F(field), list(values))


def _array_type(field: Any) -> str:
    if field.get_internal_type() in ("CharField", "TextField"):
        return "text[]"
    return f"{field.db_type(connection)}[]"


def update_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Set the columns of rows given as (primary key, one value per column).

    PostgreSQL gets one UPDATE ... FROM unnest(arrays), a statement for the whole set; SQLite
    one prepared UPDATE run for every row, which costs it little. (bulk_update's CASE
    expressions cost more than either.)
    """
    if not rows:
        return
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    pk = quote(meta.pk.column)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = [f"c{n}" for n in range(len(fields))]
            sets = ", ".join(
                f"{quote(f.column)} = v.{name}" for f, name in zip(fields, names, strict=True)
            )
            arrays = ", ".join(f"%s::{_array_type(f)}" for f in [meta.pk, *fields])
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM unnest({arrays}) "  # noqa: S608 - names from the model
                f"AS v(pk, {', '.join(names)}) WHERE {table}.{pk} = v.pk",
                [list(column) for column in zip(*rows, strict=True)],
            )
            return
        adapters = [(n, a) for n, a in enumerate(_adapter(f) for f in fields) if a is not None]  # type: ignore[arg-type]
        sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        params = []
        for key, *values in rows:
            for n, adapt in adapters:
                values[n] = adapt(values[n])
            params.append([*values, key])
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE {pk} = %s", params)  # noqa: S608

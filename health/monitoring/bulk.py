"""Plain multi-row INSERTs for the readings path, on SQLite and PostgreSQL alike.

bulk_create prepares every field of every row through the query compiler, which for a batch of
a thousand readings costs more than the database's own work. Here each column is adapted once
by its type (datetimes and decimals as the backend wants them, the rest as they are) and the
rows go in as multi-row INSERT ... RETURNING id, in chunks that fit the backend's parameter
limit. Both SQLite (3.35+) and PostgreSQL return the ids in the order of the VALUES, which is
what bulk_create relies on too.

Only for plain rows: no signals, no save(), no expressions as values; the callers are the
ingestion services, which own the models they write this way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from django.db import connection, models

# Rows per statement: past a few hundred, longer statements stop paying for themselves.
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


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: bool = True,
    ignore_conflicts: bool = False,
) -> list[int]:
    """Insert rows of plain values (one per column, named by field name or attname) and return
    their primary keys in order (an empty list when returning is False)."""
    if not rows:
        return []
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    adapters = [(n, a) for n, a in enumerate(_adapter(f) for f in fields) if a is not None]  # type: ignore[arg-type]
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
    per_statement = max(1, min(MAX_ROWS, limit // len(fields)))
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params: list[Any] = []
            for row in chunk:
                values = list(row)
                for n, adapt in adapters:
                    values[n] = adapt(values[n])
                params.extend(values)
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, params)
            if returning:
                ids.extend(r[0] for r in cursor.fetchall())
    return ids


def insert_instances(
    objs: Sequence[models.Model], *, ignore_conflicts: bool = False
) -> list[models.Model]:
    """Insert unsaved model instances of one model (every concrete field but the primary key)
    and give them their primary keys, like bulk_create without its per-field compilation."""
    if not objs:
        return []
    model = type(objs[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = [[f.pre_save(obj, True) for f in fields] for obj in objs]
    ids = insert_rows(
        model,
        [f.attname for f in fields],
        rows,
        returning=not ignore_conflicts,
        ignore_conflicts=ignore_conflicts,
    )
    if not ignore_conflicts:
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
    return list(objs)

"""Fast writes for the demo generator: id blocks, bulk inserts and the demo's deletion.

A million people cannot go through the ORM one model instance at a time, so rows go in as plain
tuples: executemany on SQLite, COPY on PostgreSQL. Columns the generator does not fill (fields
another part of the project adds later, timestamps) get the model's default, so a new field with
a default never breaks the demo. Ids are reserved in blocks up front so that rows can point at
each other before they are written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import connection, models
from django.db.models import Q
from django.db.models.deletion import DO_NOTHING, SET_NULL, ProtectedError, RestrictedError

from langso.demo.generate import HOUSEHOLD_CODE_PREFIX, VILLAGE_CODE_PREFIX
from langso.demo.profiles import NOTE
from people.models import Disability, Household, Person, PovertyStatus
from places.models import AreaStatus, Commune, Village


class DemoError(Exception):
    """A problem that stops the demo; the message is Vietnamese, then English."""


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


class TableWriter:
    """INSERTs rows of the given columns into a model's table, filling the other columns."""

    def __init__(self, model: type[models.Model], columns: Sequence[str], now: datetime) -> None:
        fields = {f.column: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise DemoError(
                f"Bảng {model._meta.db_table} không còn cột {', '.join(unknown)}; cần sửa "
                f"langso/demo. / Table {model._meta.db_table} has no column "
                f"{', '.join(unknown)} any more; langso/demo needs updating."
            )
        extra_columns: list[str] = []
        extra_values: list[Any] = []
        for column, fld in fields.items():
            if column in columns:
                continue
            if getattr(fld, "auto_now", False) or getattr(fld, "auto_now_add", False):
                value: Any = now
            elif fld.has_default():
                value = fld.get_default()
            elif fld.null:
                value = None
            elif fld.has_db_default():
                continue  # the database fills it
            elif fld.empty_strings_allowed:
                value = ""
            else:
                raise DemoError(
                    f"Trường bắt buộc {model.__name__}.{fld.name} chưa được langso/demo điền. / "
                    f"The required field {model.__name__}.{fld.name} is not filled by langso/demo."
                )
            extra_columns.append(column)
            extra_values.append(fld.get_db_prep_save(value, connection))
        self.table = model._meta.db_table
        self.columns = [*columns, *extra_columns]
        self.extra = tuple(extra_values)
        names = ", ".join(_qn(c) for c in self.columns)
        # Table and column names come from the model's metadata, quoted; values are parameters.
        self.insert_sql = (
            f"INSERT INTO {_qn(self.table)} ({names}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(self.columns))})"
        )
        self.copy_sql = f"COPY {_qn(self.table)} ({names}) FROM STDIN"

    def write(self, rows: Sequence[tuple[object, ...]]) -> None:
        if not rows:
            return
        extra = self.extra
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(self.copy_sql) as copy:
                    if extra:
                        for row in rows:
                            copy.write_row(row + extra)
                    else:
                        for row in rows:
                            copy.write_row(row)
            else:
                cursor.executemany(
                    self.insert_sql, [row + extra for row in rows] if extra else rows
                )


# SQLite's page cache while loading (KiB): the indexes of a million people stay in memory
# instead of being read back from disk for every batch.
LOAD_CACHE_KIB = 128 * 1024


@contextmanager
def loading_cache() -> Iterator[None]:
    """Enlarge SQLite's page cache for the duration of a load, then put it back."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-LOAD_CACHE_KIB}")
    try:
        yield
    finally:
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {previous}")


_UNIQUE = re.compile(r"\s*CREATE\s+UNIQUE\b", re.IGNORECASE)


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's plain indexes: not unique, not a primary key."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE tablename = %s AND schemaname = current_schema()",
                [table],
            )
        else:
            return []
        rows = cursor.fetchall()
    return [(name, sql) for name, sql in rows if not _UNIQUE.match(sql)]


@contextmanager
def indexes_deferred(models_: Sequence[type[models.Model]]) -> Iterator[None]:
    """Drop the tables' plain indexes for a bulk load and build them again afterwards.

    Only inside a transaction: if the load fails, rolling back restores the indexes with
    everything else (DDL is transactional on SQLite and PostgreSQL). Unique indexes stay, so
    that a duplicate still fails the load.
    """
    saved: list[str] = []
    with connection.cursor() as cursor:
        for model in models_:
            for name, sql in _secondary_indexes(model._meta.db_table):
                cursor.execute(f"DROP INDEX {_qn(name)}")
                saved.append(sql)
    yield
    if saved and connection.vendor == "postgresql":
        # PostgreSQL will not index a table with foreign-key checks still pending.
        connection.check_constraints()
    with connection.cursor() as cursor:
        for sql in saved:
            cursor.execute(sql)


def reserve_ids(model: type[models.Model], count: int) -> int:
    """Reserve `count` consecutive ids in the model's table and return the first.

    Later inserts by anyone else get ids after the block (on PostgreSQL other sessions insert
    while the demo loads). Call inside a transaction.
    """
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {_qn(table)}")  # noqa: S608
        highest = cursor.fetchone()[0]
        if connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            first = max(highest, row[0] if row else 0) + 1
            if row:
                cursor.execute(
                    "UPDATE sqlite_sequence SET seq = %s WHERE name = %s",
                    [first + count - 1, table],
                )
            else:
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                    [table, first + count - 1],
                )
            return first
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute(
                "SELECT setval(%s, GREATEST(nextval(%s), %s) + %s - 1)",
                [sequence, sequence, highest + 1, max(count, 1)],
            )
            return int(cursor.fetchone()[0]) - max(count, 1) + 1
    raise DemoError(
        f"Cơ sở dữ liệu {connection.vendor} chưa được hỗ trợ; dùng SQLite hoặc PostgreSQL. / "
        f"The {connection.vendor} database is not supported; use SQLite or PostgreSQL."
    )


def release_ids(model: type[models.Model], *, reserved_last: int, used_last: int) -> None:
    """Give back the unused end of a block, unless someone else has taken ids after it."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "UPDATE sqlite_sequence SET seq = %s WHERE name = %s AND seq = %s",
                [used_last, table, reserved_last],
            )
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute(
                "SELECT setval(%s, GREATEST(%s, 1), %s) "
                "WHERE pg_sequence_last_value(%s::regclass) = %s",
                [sequence, used_last, used_last >= 1, sequence, reserved_last],
            )


def demo_querysets(province: int) -> dict[str, models.QuerySet[Any]]:
    """The rows the demo created in a province, recognised by their codes and notes."""
    communes = Commune.objects.filter(province_id=province).values("code")
    households = Household.objects.filter(
        commune__in=communes, code__startswith=HOUSEHOLD_CODE_PREFIX
    )
    villages = Village.objects.filter(
        commune__in=communes, local_code__startswith=VILLAGE_CODE_PREFIX
    )
    people = Person._base_manager.filter(
        Q(household__in=households.values("id")) | Q(village__in=villages.values("id"))
    )
    return {
        "villages": villages,
        "households": households,
        "people": people,
        "disabilities": Disability.objects.filter(person__in=people.values("id")),
        "poverty": PovertyStatus.objects.filter(household__in=households.values("id")),
        "area_statuses": AreaStatus.objects.filter(
            Q(village__in=villages.values("id"))
            | Q(commune__in=communes, village__isnull=True, note=NOTE)
        ),
    }


def _raw_delete(queryset: models.QuerySet[Any]) -> int:
    """DELETE matching rows in one statement, without loading them."""
    return queryset._raw_delete(queryset.db)  # type: ignore[attr-defined,no-any-return]


def _detach(
    model: type[models.Model], ids: models.QuerySet[Any], own: set[type[models.Model]]
) -> None:
    """Deal with rows outside the demo's own tables that point at demo rows of `model`."""
    # Hidden relations too (related_name="+"): a health reading names its person that way.
    relations = [
        f
        for f in model._meta.get_fields(include_hidden=True)
        if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one or f.many_to_many)
    ]
    for relation in relations:
        fld = relation.field  # type: ignore[union-attr]
        if fld.model in own:
            continue
        if fld.many_to_many:
            through = fld.remote_field.through
            through._base_manager.filter(**{f"{fld.m2m_reverse_field_name()}__in": ids}).delete()
            continue
        related = fld.model._base_manager.filter(**{f"{fld.name}__in": ids})
        on_delete = fld.remote_field.on_delete
        if on_delete is DO_NOTHING:
            continue
        if on_delete is SET_NULL:
            related.update(**{fld.name: None})
        elif related.exists():
            # CASCADE, and also PROTECT: a record about a demo person is demo data too.
            related.delete()


def delete_demo(province: int) -> dict[str, int]:
    """Delete the demo rows of a province and whatever other parts attached to them.

    Rows elsewhere that point at demo people, households or villages (a health book, a case,
    a history entry) are deleted with the ORM, which honours their own on_delete rules; links
    that may be emptied (SET_NULL) are emptied. The demo's own tables then go in a few plain
    DELETE statements, so that a million people are gone in seconds. Call inside a transaction.
    """
    qs = demo_querysets(province)
    people_ids = qs["people"].values("id")
    # A record outside the demo that was merged into a demo person is un-merged, not deleted.
    Person._base_manager.filter(merged_into__in=people_ids).exclude(id__in=people_ids).update(
        merged_into=None
    )
    own = {Person, Household, Village, Disability, PovertyStatus, AreaStatus}
    try:
        for model, key in (
            (Disability, "disabilities"),
            (PovertyStatus, "poverty"),
            (AreaStatus, "area_statuses"),
            (Person, "people"),
            (Household, "households"),
            (Village, "villages"),
        ):
            _detach(model, qs[key].values("id"), own)
    except (ProtectedError, RestrictedError) as exc:
        blocking = sorted({obj._meta.verbose_name for obj in exc.args[1]})
        raise DemoError(
            f"Không xoá được dữ liệu minh hoạ: còn {', '.join(map(str, blocking))} gắn với nó; "
            "hãy xoá các bản ghi đó trước. / The demo cannot be deleted: "
            f"{', '.join(map(str, blocking))} still refer to it; delete those records first."
        ) from exc
    counts = {
        "area_statuses": _raw_delete(qs["area_statuses"]),
        "disabilities": _raw_delete(qs["disabilities"]),
        "poverty": _raw_delete(qs["poverty"]),
    }
    counts["people"] = _raw_delete(qs["people"])
    counts["households"] = _raw_delete(qs["households"])
    counts["villages"] = _raw_delete(qs["villages"])
    return counts

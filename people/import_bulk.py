"""The bulk path of the population import: a large CSV extract checked column-wise in DuckDB.

Parsing and checking a million rows one by one in Python costs more than a minute before the
database does anything. Here the file is read by DuckDB and every check that a record could
fail is made once per column, over the distinct values of that column (sexes, dates of birth,
ethnic groups, villages, social facts: a few thousand values for a million rows) with the very
functions of `people.extract`, and over all rows at once in SQL where the values are as many
as the rows (ID numbers against sex and birth year, phone numbers, duplicates, households).

A row that passes every check is a new person whose record is certain; those rows are written
set-wise: staged (COPY on PostgreSQL, executemany on SQLite) and inserted with INSERT ...
SELECT, one transaction per part of the file. Every other row (a person the registry already
holds, a row with any problem, or anything this path is not sure about) goes to the
record-by-record importer (`people.importing.Importer`) afterwards, which gives exactly the
outcome and the message it gives without this path. The split keeps the whole import's outcome
the same as the importer alone:

- a household is written here only when all its rows are, exactly one of them is its head and
  the registry does not hold its code yet; otherwise all its rows go to the importer;
- a new village is created here only when every row of the file names it with the same
  spelling (the importer names a village after the first valid row that mentions it);
- duplicate ID numbers are found over the whole file; the importer refuses the later rows.

The file as a whole goes to the importer (nothing is lost, only time) when DuckDB and Python's
CSV reader might not see the same rows: another encoding than UTF-8, a cell holding a line
break, blank lines, NUL bytes, line endings of two kinds, or quotes that the two readers split
differently.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import itertools
import logging
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from accounts.models import User
from lib import personal_id as pid_lib
from people.extract import (
    BOOLEAN_FACTS,
    CODE_LISTS,
    MARITAL,
    RELATIONS,
    SEX,
    CsvLayout,
    Extract,
    RawRecord,
    _any_date,
    _choice,
    _full_date,
    _parse_facts,
    _phone_prefix_valid,
    _text,
    cached_name_key,
    clean_number,
    is_legacy_number,
    normalise_phone,
    resolve_ethnicity,
)
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
from places.models import Commune, Village

logger = logging.getLogger(__name__)

# Files smaller than this go record by record: DuckDB's start costs more than it saves.
BULK_MIN_BYTES = 2_000_000
# Rows written per transaction (whole households stay together).
PART_ROWS = 100_000
# Lines with a quote character are checked against Python's CSV reader; beyond this many the
# check would cost what the bulk path saves, and the file goes record by record.
MAX_QUOTED_LINES = 200_000

FACT_CELLS = (
    "disability_type",
    "disability_level",
    "disability_certified_on",
    "poverty_status",
    "poverty_period",
    "poverty_review_year",
    "monthly_pension_vnd",
    *BOOLEAN_FACTS,
)


@functools.cache
def whitespace() -> str:
    """Every character str.strip() removes: a cell that starts or ends with one of them is
    left to the importer, so that SQL never has to strip."""
    return "".join(ch for ch in map(chr, range(sys.maxunicode + 1)) if ch.isspace())


class BulkUnavailable(Exception):
    """This file is not for the bulk path; the importer reads all of it."""


@dataclass
class BulkCounts:
    inserted: int = 0
    households_created: int = 0
    villages_created: int = 0


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class BulkLoad:
    """One extract in DuckDB: which rows are written here, and the rest for the importer."""

    def __init__(
        self, extract: Extract, *, today: date, actor: User | None, via: str = "import"
    ) -> None:
        if extract.format != "csv" or extract.encoding not in ("utf-8", "utf-8-sig"):
            raise BulkUnavailable("format")
        import duckdb

        self.extract = extract
        self.today = today
        self.actor = actor
        self.via = via
        self.villages_created = 0
        self.columns = extract.columns
        self.layout = CsvLayout(self.columns)
        self._tmp = tempfile.mkdtemp(prefix="langso-import-")
        self.con = duckdb.connect(":memory:")
        self.con.execute(f"SET temp_directory = {_sql_text(self._tmp)}")
        # DuckDB spills to the temporary directory beyond this: the import's memory stays
        # bounded whatever the size of the file.
        self.con.execute("SET memory_limit = '512MB'")
        self.con.execute("SET preserve_insertion_order = true")
        self.con.execute("SET enable_progress_bar = false")
        try:
            self._read()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self._tmp, ignore_errors=True)

    # Reading ------------------------------------------------------------------------------------
    def _scan(self) -> tuple[int, list[tuple[int, str]]]:
        """Physical lines after the header, and the lines that hold a quote character."""
        quoted: list[tuple[int, str]] = []
        lines = 0
        with self.extract.path.open("rb") as fh:
            header = fh.readline()
            if b'"' in header or b"\0" in header:
                raise BulkUnavailable("header")
            for lines, raw in enumerate(fh, start=1):  # noqa: B007 - the count is used below
                if b"\0" in raw or b"\r" in raw[:-2]:
                    raise BulkUnavailable("nul or bare carriage return")
                if raw.endswith(b"\r") and not raw.endswith(b"\r\n"):
                    raise BulkUnavailable("bare carriage return")
                if b'"' in raw:
                    if len(quoted) >= MAX_QUOTED_LINES:
                        raise BulkUnavailable("too many quoted lines")
                    quoted.append((lines + 1, raw.decode("utf-8")))
        return lines, quoted

    def _read(self) -> None:
        lines, quoted = self._scan()
        width = len(self.columns)
        spec = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
        delimiter = self.extract.delimiter
        try:
            self.con.execute(
                f"""
                CREATE TABLE raw AS SELECT * FROM read_csv(
                    {_sql_text(str(self.extract.path))}, header = false, skip = 1,
                    delim = {_sql_text(delimiter)}, quote = '"', escape = '"',
                    columns = {{{spec}}}, auto_detect = false, strict_mode = true,
                    null_padding = false, comment = ''
                )
                """  # noqa: S608 - the path and delimiter are quoted literals
            )
        except Exception as exc:  # noqa: BLE001 - DuckDB raises several kinds for a bad file
            raise BulkUnavailable(f"duckdb: {exc}") from exc
        ((rows,),) = self.con.execute("SELECT count(*) FROM raw").fetchall()
        if rows != lines:
            # A blank line, or a cell that holds a line break: line numbers would differ.
            raise BulkUnavailable("line count")
        self.rows = rows
        cells = ", ".join(f"coalesce(c{i}, '') AS c{i}" for i in range(width))
        self.con.execute(f"CREATE VIEW cells AS SELECT rowid + 2 AS line, {cells} FROM raw")  # noqa: S608
        if quoted:
            self._check_quoted(quoted, delimiter)

    def _check_quoted(self, quoted: list[tuple[int, str]], delimiter: str) -> None:
        """Python's reader and DuckDB must split every line with a quote the same way."""
        import pyarrow as pa

        self.con.register("quoted_lines", pa.table({"line": [n for n, _t in quoted]}))
        width = len(self.columns)
        names = ", ".join(f"c{i}" for i in range(width))
        found = self.con.execute(
            f"SELECT {names} FROM cells WHERE line IN (SELECT line FROM quoted_lines) ORDER BY line"  # noqa: S608
        ).fetchall()
        self.con.unregister("quoted_lines")
        if len(found) != len(quoted):
            raise BulkUnavailable("quoted lines")
        for (_n, text), duck in zip(quoted, found, strict=True):
            try:
                (python,) = list(
                    csv.reader([text.rstrip("\r\n")], delimiter=delimiter, strict=True)
                )
            except (csv.Error, ValueError) as exc:
                raise BulkUnavailable("quoted line") from exc
            if tuple(python) != duck:
                raise BulkUnavailable("quoted line")

    def _cell(self, column: str) -> str:
        index = self.layout.index.get(column)
        return "''" if index is None else f"c{index}"

    # Checking -------------------------------------------------------------------------------------
    def _map(
        self,
        name: str,
        inputs: list[str],
        function: Callable[..., tuple[Any, ...] | None],
        outputs: dict[str, Any],
        where: str = "TRUE",
        source: str = "checked",
    ) -> None:
        """A table of the distinct values of `inputs` (in `source`) and what `function` makes of
        them.

        `function` returns None when it is not sure, or a tuple of the outputs.
        """
        import pyarrow as pa

        distinct = self.con.execute(
            f"SELECT DISTINCT {', '.join(inputs)} FROM {source} WHERE {where}"  # noqa: S608
        ).fetchall()
        columns: dict[str, list[Any]] = {f"k{i}": [] for i in range(len(inputs))}
        columns.update({o: [] for o in outputs})
        columns["ok"] = []
        for values in distinct:
            result = function(*values)
            for i, v in enumerate(values):
                columns[f"k{i}"].append(v)
            columns["ok"].append(result is not None)
            for o, v in zip(outputs, result or [None] * len(outputs), strict=True):
                columns[o].append(v)
        schema = pa.schema(
            [(f"k{i}", pa.string()) for i in range(len(inputs))]
            + list(outputs.items())
            + [("ok", pa.bool_())]
        )
        table = pa.table(columns, schema=schema)
        self.con.register(f"{name}_arrow", table)
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")  # noqa: S608
        self.con.unregister(f"{name}_arrow")

    def classify(
        self, *, existing_ids: Iterator[str] | None, existing_households: set[str]
    ) -> None:
        """Decide, row by row, what is written here (`fast`) and what the importer reads."""
        import pyarrow as pa

        con = self.con
        today = self.today
        get = self._cell
        facts = ", ".join(f"{get(c)} AS {c}" for c in FACT_CELLS)
        con.execute(
            f"""
            CREATE VIEW checked AS SELECT line,
                {get("personal_id")} AS pid, {get("legacy_id")} AS legacy,
                {get("full_name")} AS name, {get("date_of_birth")} AS dob, {get("sex")} AS sex,
                {get("ethnicity")} AS eth, {get("ethnicity_code")} AS eth_code,
                {get("ethnicity_code_list")} AS eth_list, {get("commune_code")} AS commune,
                {get("village")} AS village, {get("household_id")} AS household,
                {get("relation_to_head")} AS relation, {get("phone")} AS phone,
                {get("marital_status")} AS marital, {get("date_of_death")} AS dod,
                {facts}
            FROM cells
            """  # noqa: S608 - column names come from the header map
        )

        def choice(table: dict[str, str]) -> Callable[[str], tuple[str] | None]:
            def decide(raw: str) -> tuple[str] | None:
                problems: list[Any] = []
                value = _choice("x", raw.strip(), table, problems, "")
                return None if problems else (value,)

            return decide

        self._map("m_sex", ["sex"], choice(SEX), {"value": pa.string()})
        self._map("m_relation", ["relation"], choice(RELATIONS), {"value": pa.string()})
        self._map("m_marital", ["marital"], choice(MARITAL), {"value": pa.string()})

        def name(raw: str) -> tuple[str, str] | None:
            text = _text(raw.strip())
            if not text or len(text) > 150:
                return None
            return text, cached_name_key(text)

        self._map("m_name", ["name"], name, {"value": pa.string(), "key": pa.string()})

        def birth(raw: str) -> tuple[date, str] | None:
            raw = raw.strip()
            if not raw:
                return None
            problems: list[Any] = []
            value, precision = _any_date("date_of_birth", raw, today, problems)
            return None if problems or value is None else (value, precision)

        self._map("m_dob", ["dob"], birth, {"value": pa.date32(), "precision": pa.string()})

        def death(raw: str) -> tuple[date | None] | None:
            raw = raw.strip()
            if not raw:
                return (None,)
            problems: list[Any] = []
            value = _full_date("date_of_death", raw, today, problems)
            return None if problems or value is None else (value,)

        self._map("m_dod", ["dod"], death, {"value": pa.date32()})

        def ethnicity(name: str, code: str, code_list: str) -> tuple[str, str, str] | None:
            name, code, code_list = _text(name.strip()), code.strip(), code_list.strip() or "2008"
            if code_list not in CODE_LISTS:
                return None
            if name or code:
                resolved = resolve_ethnicity(name, code, code_list)
                if not isinstance(resolved, tuple):
                    return None
                name, code = resolved
            return name, code, code_list

        self._map(
            "m_eth",
            ["eth", "eth_code", "eth_list"],
            ethnicity,
            {"name": pa.string(), "code": pa.string(), "list": pa.string()},
        )

        def commune(raw: str) -> tuple[int] | None:
            raw = raw.strip()
            if not raw or not raw.isdigit() or len(raw) > 5:
                return None
            return (int(raw),)

        self._map("m_commune", ["commune"], commune, {"value": pa.int64()})
        province = settings.PROVINCE_CODE
        ours = pa.table(
            {
                "code": pa.array(
                    list(
                        Commune.objects.filter(province_id=province).values_list("code", flat=True)
                    ),
                    pa.int64(),
                )
            }
        )
        con.register("our_communes_arrow", ours)
        con.execute("CREATE TABLE our_communes AS SELECT * FROM our_communes_arrow")
        con.unregister("our_communes_arrow")

        # Phones in the usual 10-digit national form are checked by their first five digits;
        # any other shape through lib.phone, once per distinct value.
        con.execute(
            """
            CREATE TABLE phones AS SELECT DISTINCT phone,
                CASE WHEN regexp_full_match(phone, '[0-9 .\\-]*') THEN
                    regexp_replace(phone, '[ .\\-]', '', 'g') END AS digits
            FROM checked WHERE phone <> ''
            """
        )

        def prefix(raw: str) -> tuple[bool] | None:
            return (_phone_prefix_valid(raw),)

        con.execute(
            "CREATE VIEW phone_prefix_input AS SELECT DISTINCT substr(digits, 1, 5) AS prefix "
            "FROM phones WHERE length(digits) = 10 AND digits[1] = '0'"
        )
        self._map_from("m_prefix", "phone_prefix_input", ["prefix"], prefix, {"valid": pa.bool_()})

        def other_phone(raw: str) -> tuple[str] | None:
            if not raw.strip():
                return ("",)
            try:
                return (normalise_phone(raw.strip()),)
            except Exception:  # noqa: BLE001 - any doubt goes to the importer
                return None

        con.execute(
            "CREATE VIEW other_phone_input AS SELECT phone FROM phones "
            "WHERE digits IS NULL OR length(digits) <> 10 OR digits[1] <> '0'"
        )
        self._map_from(
            "m_phone", "other_phone_input", ["phone"], other_phone, {"value": pa.string()}
        )

        fact_names = list(FACT_CELLS)
        any_fact = " OR ".join(f"{c} <> ''" for c in fact_names)

        def fact(*cells: str) -> tuple[Any, ...] | None:
            values = {c: v.strip() for c, v in zip(fact_names, cells, strict=True)}
            problems: list[Any] = []
            raw = RawRecord(0, values)
            disability, none, poverty, pension, flags = _parse_facts(raw, today, problems)
            if problems:
                return None
            return (
                disability.disability_type if disability else None,
                disability.level if disability else None,
                disability.certified_on if disability else None,
                none,
                poverty.status if poverty else None,
                poverty.period if poverty else None,
                poverty.review_year if poverty else None,
                pension,
                *(flags.get(c) for c in BOOLEAN_FACTS),
            )

        self._map(
            "m_fact",
            fact_names,
            fact,
            {
                "disability_type": pa.string(),
                "disability_level": pa.string(),
                "certified_on": pa.date32(),
                "disability_none": pa.bool_(),
                "poverty_status": pa.string(),
                "poverty_period": pa.string(),
                "poverty_review_year": pa.int64(),
                "pension": pa.int64(),
                **{f"flag_{c}": pa.bool_() for c in BOOLEAN_FACTS},
            },
            where=any_fact,
        )

        # Keys for the duplicate check, as Importer._keys makes them; the common shapes in SQL.
        def key(pid: str, legacy: str) -> tuple[str | None]:
            number, old = clean_number(pid.strip()), clean_number(legacy.strip())
            if is_legacy_number(number):
                old, number = old or number, ""
            found = number or old
            if not found:
                return (None,)
            if found.isdigit():
                try:
                    return (str(int(found)),)
                except ValueError:
                    pass
            return ("s:" + found,)

        simple = "(regexp_full_match(pid, '[0-9]{9}|[0-9]{12}') AND legacy = '')"
        self._map(
            "m_key",
            ["pid", "legacy"],
            key,
            {"value": pa.string()},
            where=f"NOT {simple} AND NOT (pid = '' AND legacy = '')",
        )

        if existing_ids is not None:
            con.execute("CREATE TABLE existing (pid VARCHAR)")
            for part in existing_ids:
                con.register("existing_arrow", pa.table({"pid": pa.array(part, pa.string())}))
                con.execute("INSERT INTO existing SELECT pid FROM existing_arrow")
                con.unregister("existing_arrow")
        else:
            con.execute("CREATE TABLE existing (pid VARCHAR)")
        con.register(
            "existing_households_arrow",
            pa.table({"code": pa.array(sorted(existing_households), pa.string())}),
        )
        con.execute("CREATE TABLE existing_households AS SELECT * FROM existing_households_arrow")
        con.unregister("existing_households_arrow")

        prefixes = "[" + ", ".join(_sql_text(p) for p in pid_lib.PROVINCE_PREFIXES) + "]"
        ws = _sql_text(whitespace())
        flags = ", ".join(f"f.flag_{c}" for c in BOOLEAN_FACTS)
        con.execute(
            f"""
            CREATE TABLE judged AS
            WITH j AS (
                SELECT c.line, c.pid, c.household, c.village,
                    CASE WHEN {simple} THEN coalesce(nullif(ltrim(c.pid, '0'), ''), '0')
                         WHEN c.pid = '' AND c.legacy = '' THEN NULL
                         ELSE k.value END AS seen_key,
                    trim(c.household, {ws}) AS household_key,
                    c.pid <> '' AND regexp_full_match(c.pid, '[0-9]{{12}}') AND c.legacy = ''
                        AS pid_ok,
                    n.value AS full_name, n.key AS name_key, n.ok AS name_ok,
                    s.value AS sex, s.ok AS sex_ok,
                    b.value AS date_of_birth, b.precision AS birth_precision, b.ok AS dob_ok,
                    d.value AS date_of_death, d.ok AS dod_ok,
                    e.name AS ethnicity, e.code AS ethnicity_code, e.list AS ethnicity_code_list,
                    e.ok AS eth_ok,
                    m.value AS commune_code, m.ok AS commune_ok,
                    r.value AS relation_to_head, r.ok AS relation_ok,
                    ms.value AS marital_status, ms.ok AS marital_ok,
                    CASE WHEN c.phone = '' THEN ''
                         WHEN p.digits IS NOT NULL AND length(p.digits) = 10
                              AND p.digits[1] = '0' THEN
                             CASE WHEN pp.valid THEN '+84' || p.digits[2:] END
                         ELSE op.value END AS phone,
                    f.ok AS fact_ok, f.disability_type, f.disability_level, f.certified_on,
                    f.poverty_status, f.poverty_period, f.poverty_review_year, f.pension,
                    {flags}
                FROM checked c
                LEFT JOIN m_key k ON k.k0 = c.pid AND k.k1 = c.legacy
                LEFT JOIN m_name n ON n.k0 = c.name
                LEFT JOIN m_sex s ON s.k0 = c.sex
                LEFT JOIN m_dob b ON b.k0 = c.dob
                LEFT JOIN m_dod d ON d.k0 = c.dod
                LEFT JOIN m_eth e ON e.k0 = c.eth AND e.k1 = c.eth_code AND e.k2 = c.eth_list
                LEFT JOIN m_commune m ON m.k0 = c.commune
                LEFT JOIN m_relation r ON r.k0 = c.relation
                LEFT JOIN m_marital ms ON ms.k0 = c.marital
                LEFT JOIN phones p ON p.phone = c.phone
                LEFT JOIN m_prefix pp ON pp.k0 = substr(p.digits, 1, 5)
                LEFT JOIN m_phone op ON op.k0 = c.phone
                LEFT JOIN m_fact f ON {" AND ".join(f"f.k{i} = c.{n}" for i, n in enumerate(fact_names))}
            )
            SELECT j.*,
                coalesce(pid_ok AND name_ok AND sex_ok AND sex <> '' AND dob_ok AND eth_ok AND commune_ok
                AND relation_ok AND marital_ok AND dod_ok AND phone IS NOT NULL
                AND coalesce(fact_ok, TRUE)
                AND household = household_key AND length(household) <= 40
                AND ((relation_to_head = '') = (household = ''))
                AND NOT (poverty_status IS NOT NULL AND household = '')
                AND (date_of_death IS NULL OR date_of_death >= date_of_birth)
                AND commune_code IN (SELECT code FROM our_communes)
                AND list_contains({prefixes}, substr(pid, 1, 3))
                AND ((TRY_CAST(substr(pid, 4, 1) AS INTEGER) % 2 = 1) = (sex = 'female'))
                AND year(date_of_birth) >= 1900 + 100 * (TRY_CAST(substr(pid, 4, 1) AS INTEGER) // 2)
                AND year(date_of_birth) < 2000 + 100 * (TRY_CAST(substr(pid, 4, 1) AS INTEGER) // 2)
                AND year(date_of_birth) % 100 = TRY_CAST(substr(pid, 5, 2) AS INTEGER)
                AND pid NOT IN (SELECT pid FROM existing), FALSE)
                AS valid
            FROM j
            """  # noqa: S608 - identifiers and literals are built here, not from input
        )

        # ID numbers met more than once: every row after the first is refused by the importer.
        con.execute(
            "CREATE TABLE dups AS SELECT seen_key, min(line) AS first_line FROM judged "
            "WHERE seen_key IS NOT NULL GROUP BY seen_key HAVING count(*) > 1"
        )

        # Villages: (commune, name key) → the registry's village, or one to create when every
        # row spells it the same way.
        def village(commune_code: str, raw: str) -> tuple[str, str] | None:
            text = _text(raw.strip())[:100]
            if not text:
                return ("", "")
            return text, cached_name_key(text)

        con.execute(
            "CREATE VIEW village_input AS SELECT DISTINCT CAST(commune_code AS VARCHAR) AS commune, "
            "village FROM judged WHERE commune_ok AND village <> ''"
        )
        self._map_from(
            "m_village",
            "village_input",
            ["commune", "village"],
            village,
            {"name": pa.string(), "key": pa.string()},
        )
        known = pa.table(
            dict(
                zip(
                    ("commune", "key", "id"),
                    zip(
                        *Village.objects.filter(commune__province_id=province).values_list(
                            "commune_id", "name_key", "id"
                        ),
                        strict=True,
                    ),
                    strict=True,
                )
            )
            if Village.objects.filter(commune__province_id=province).exists()
            else {
                "commune": pa.array([], pa.int64()),
                "key": pa.array([], pa.string()),
                "id": pa.array([], pa.int64()),
            }
        )
        con.register("known_villages_arrow", known)
        con.execute(
            """
            CREATE TABLE villages AS
            WITH named AS (
                SELECT CAST(v.k0 AS BIGINT) AS commune, v.key, v.name, min(j.line) AS first_line
                FROM judged j JOIN m_village v
                    ON v.k0 = CAST(j.commune_code AS VARCHAR) AND v.k1 = j.village
                WHERE j.commune_ok AND v.key <> ''
                GROUP BY ALL
            )
            SELECT commune, key, min(name) AS name, count(DISTINCT name) AS spellings,
                min(first_line) AS first_line,
                (SELECT min(id) FROM known_villages_arrow k
                 WHERE k.commune = named.commune AND k.key = named.key) AS id
            FROM named GROUP BY commune, key
            """
        )
        con.unregister("known_villages_arrow")
        self._create_villages()
        con.execute(
            f"""
            CREATE TABLE fast_rows AS
            WITH r AS (
                SELECT j.*,
                    CASE WHEN j.village = '' OR mv.key = '' THEN NULL ELSE vi.id END AS village_id,
                    coalesce(
                        j.valid AND (d.first_line IS NULL OR d.first_line = j.line)
                        AND (j.village = '' OR mv.key = '' OR vi.id IS NOT NULL),
                        FALSE
                    ) AS row_ok
                FROM judged j
                LEFT JOIN dups d ON d.seen_key = j.seen_key
                LEFT JOIN m_village mv
                    ON mv.k0 = CAST(j.commune_code AS VARCHAR) AND mv.k1 = j.village
                LEFT JOIN villages vi ON vi.commune = j.commune_code AND vi.key = mv.key
            ),
            h AS (
                SELECT household_key,
                    bool_and(row_ok) AS all_ok,
                    count(*) FILTER (WHERE relation_to_head = 'head') AS heads,
                    count(*) FILTER (WHERE poverty_status IS NOT NULL) AS poverty_rows,
                    min(line) AS first_line
                FROM r WHERE household_key <> '' GROUP BY household_key
            )
            SELECT r.line, r.pid, r.seen_key, r.household_key, r.full_name, r.name_key,
                r.date_of_birth, r.birth_precision, r.sex, r.ethnicity, r.ethnicity_code,
                r.ethnicity_code_list, r.commune_code, r.village_id, r.relation_to_head,
                r.marital_status, r.phone, r.date_of_death, r.disability_type,
                r.disability_level, r.certified_on, r.poverty_status, r.poverty_period,
                r.poverty_review_year, r.pension, {", ".join(f"flag_{c}" for c in BOOLEAN_FACTS)},
                coalesce(CASE WHEN r.household_key = '' THEN r.row_ok
                     ELSE r.row_ok AND h.all_ok AND h.heads = 1 AND h.poverty_rows <= 1
                          AND r.household_key NOT IN (SELECT code FROM existing_households)
                END, FALSE) AS fast,
                coalesce(h.first_line, r.line) // {PART_ROWS} AS part
            FROM r LEFT JOIN h ON h.household_key = r.household_key
            """  # noqa: S608
        )

    def _map_from(
        self,
        name: str,
        view: str,
        inputs: list[str],
        function: Callable[..., tuple[Any, ...] | None],
        outputs: dict[str, Any],
    ) -> None:
        """_map over a view of distinct inputs rather than over the checked rows."""
        self._map(name, inputs, function, outputs, source=view)

    # Villages --------------------------------------------------------------------------------------
    def _create_villages(self) -> None:
        """Create the villages that valid rows name, spelled the same everywhere, in file order."""
        self.villages_created = 0
        rows = self.con.execute(
            """
            SELECT v.commune, v.key, v.name FROM villages v
            WHERE v.id IS NULL AND v.spellings = 1 AND EXISTS (
                SELECT 1 FROM judged j JOIN m_village mv
                    ON mv.k0 = CAST(j.commune_code AS VARCHAR) AND mv.k1 = j.village
                LEFT JOIN dups d ON d.seen_key = j.seen_key
                WHERE j.valid AND (d.first_line IS NULL OR d.first_line = j.line)
                    AND j.commune_code = v.commune AND mv.key = v.key
            )
            ORDER BY v.first_line
            """
        ).fetchall()
        if not rows:
            return
        from places import services as places_services

        created: list[tuple[int, str, int]] = []
        with transaction.atomic():
            for commune, key, name in rows:
                try:
                    village = places_services.village_create(
                        commune_code=commune, name=name, actor=self.actor, via=self.via
                    )
                except ValidationError:
                    continue  # The importer refuses the rows with the same message.
                created.append((commune, key, village.pk))
        for commune, key, pk in created:
            self.con.execute(
                "UPDATE villages SET id = ? WHERE commune = ? AND key = ?", [pk, commune, key]
            )
        self.villages_created = len(created)

    # Digests ---------------------------------------------------------------------------------------
    def _digest_text_sql(self) -> str:
        parts = [f"coalesce(c.c{i}, '')" for i in range(len(self.columns))]
        return " || chr(31) || ".join(parts) if parts else "''"

    # Writing ---------------------------------------------------------------------------------------
    def write(
        self, *, run: ImportRun, actor: User | None, now: datetime
    ) -> tuple[BulkCounts, set[int]]:
        """Write the fast rows part by part; the parts the database refused go to the importer."""
        counts = BulkCounts(villages_created=self.villages_created)
        failed: set[int] = set()
        parts = [
            p
            for (p,) in self.con.execute(
                "SELECT DISTINCT part FROM fast_rows WHERE fast ORDER BY part"
            ).fetchall()
        ]
        constants = _Constants(run=run, actor=actor, now=now, today=self.today)
        for part in parts:
            try:
                with transaction.atomic():
                    inserted, households = self._write_part(part, constants)
            except (DatabaseError, connection.Database.DatabaseError):
                failed.add(part)
                continue
            counts.inserted += inserted
            counts.households_created += households
        if failed:
            marks = ", ".join(str(p) for p in failed)
            self.con.execute(f"UPDATE fast_rows SET fast = FALSE WHERE part IN ({marks})")  # noqa: S608
        return counts, failed

    def _batches(self, sql: str, params: list[Any] | None = None) -> Iterator[Any]:
        reader = self.con.sql(sql, params=params or None).to_arrow_reader(50_000)
        yield from reader

    def _ids(self, name: str, ids: list[int]) -> None:
        """A DuckDB table of the ids reserved for a part: ord (1, 2, ...) → id."""
        import pyarrow as pa

        table = pa.table(
            {"ord": pa.array(range(1, len(ids) + 1), pa.int64()), "id": pa.array(ids, pa.int64())}
        )
        self.con.register(f"{name}_arrow", table)
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")  # noqa: S608
        self.con.unregister(f"{name}_arrow")

    def _write_part(self, part: int, c: _Constants) -> tuple[int, int]:
        """One part in the database: households, people, then their facts and history.

        Ids are drawn from the tables' sequences first, so every row is written once, as it
        will stay, with COPY on PostgreSQL (rows formatted by Arrow, not by Python) and
        executemany on SQLite.
        """
        con = self.con
        con.execute(
            "CREATE OR REPLACE TABLE part_people AS SELECT *, "
            "row_number() OVER (ORDER BY line) AS ord FROM fast_rows "
            "WHERE fast AND part = ? ORDER BY line",
            [part],
        )
        con.execute(
            "CREATE OR REPLACE TABLE part_households AS SELECT household_key AS code, "
            "commune_code, village_id, line, row_number() OVER (ORDER BY line) AS ord "
            "FROM part_people WHERE household_key <> '' AND relation_to_head = 'head'"
        )
        ((people, first, last),) = con.execute(
            "SELECT count(*), min(line), max(line) FROM part_people"
        ).fetchall()
        ((households,),) = con.execute("SELECT count(*) FROM part_households").fetchall()
        self._ids("household_ids", _reserve_ids(Household, households))
        self._ids("people_ids", _reserve_ids(Person, people))
        at, run_id = _sql_text(c.at), c.run.pk
        _load(
            Household,
            self._batches(
                f"""
                SELECT i.id, h.code, h.commune_code AS commune_id, h.village_id, '' AS address,
                    {run_id} AS created_by_run_id, {at} AS created_at, {at} AS updated_at
                FROM part_households h JOIN household_ids i USING (ord) ORDER BY h.ord
                """  # noqa: S608 - constants made here
            ),
        )
        signature = self.layout.signature
        blake = hashlib.blake2b

        def with_digests(batches: Iterator[Any]) -> Iterator[Any]:
            import pyarrow as pa

            for batch in batches:
                texts = batch.column("source_hash").to_pylist()
                digests = [
                    blake((signature + t).encode(), digest_size=16).hexdigest() for t in texts
                ]
                index = batch.schema.get_field_index("source_hash")
                yield batch.set_column(index, "source_hash", pa.array(digests, pa.string()))

        _load(
            Person,
            with_digests(
                self._batches(
                    f"""
                    SELECT i.id, p.pid AS personal_id, '' AS legacy_id, p.full_name, p.name_key,
                        p.date_of_birth, p.birth_precision, p.sex, p.ethnicity,
                        p.ethnicity_code, p.ethnicity_code_list, p.phone,
                        p.commune_code AS commune_id, p.village_id, hi.id AS household_id,
                        p.relation_to_head, coalesce(p.marital_status, '') AS marital_status,
                        p.date_of_death, CAST(NULL AS BIGINT) AS user_id,
                        CAST(NULL AS BIGINT) AS merged_into_id,
                        {self._digest_text_sql()} AS source_hash,
                        {run_id} AS created_by_run_id, p.line AS created_line,
                        {at} AS created_at, {at} AS updated_at
                    FROM part_people p JOIN people_ids i USING (ord)
                    JOIN raw c ON c.rowid + 2 = p.line
                    LEFT JOIN part_households h ON h.code = p.household_key
                    LEFT JOIN household_ids hi ON hi.ord = h.ord
                    WHERE c.rowid BETWEEN {first - 2} AND {last - 2}
                    ORDER BY p.ord
                    """  # noqa: S608 - constants and column names made here
                )
            ),
        )
        source, day = _sql_text(c.source), _sql_text(c.today.isoformat())
        actor = "CAST(NULL AS BIGINT)" if c.actor_id is None else str(c.actor_id)
        _load(
            Disability,
            self._batches(
                f"""
                SELECT i.id AS person_id, p.disability_type, p.disability_level AS level,
                    p.certified_on, coalesce(p.certified_on, CAST({day} AS DATE)) AS valid_from,
                    CAST(NULL AS DATE) AS valid_to, {source} AS source,
                    {actor} AS recorded_by_id, {at} AS recorded_at
                FROM part_people p JOIN people_ids i USING (ord)
                WHERE p.disability_type IS NOT NULL ORDER BY p.ord
                """  # noqa: S608
            ),
        )
        facts = [
            f"SELECT p.ord, '{kind}' AS kind, p.flag_{kind} AS value, "  # noqa: S608
            f"CAST(NULL AS BIGINT) AS amount_vnd FROM part_people p "
            f"WHERE p.flag_{kind} IS NOT NULL"
            for kind in BOOLEAN_FACTS
        ]
        facts.append(
            f"SELECT p.ord, '{SocialFact.Kind.MONTHLY_PENSION}' AS kind, "  # noqa: S608
            "CAST(NULL AS BOOLEAN) AS value, p.pension AS amount_vnd FROM part_people p "
            "WHERE p.pension IS NOT NULL"
        )
        _load(
            SocialFact,
            self._batches(
                f"""
                SELECT i.id AS person_id, CAST(NULL AS BIGINT) AS carer_id, f.kind, f.value,
                    f.amount_vnd, CAST({day} AS DATE) AS valid_from,
                    CAST(NULL AS DATE) AS valid_to, {source} AS source,
                    {actor} AS recorded_by_id, {at} AS recorded_at
                FROM ({" UNION ALL ".join(facts)}) f JOIN people_ids i USING (ord)
                ORDER BY f.ord
                """  # noqa: S608
            ),
        )
        poverty = """
            FROM part_people p JOIN part_households h ON h.code = p.household_key
            JOIN household_ids hi ON hi.ord = h.ord
            WHERE p.poverty_status IS NOT NULL ORDER BY p.ord
        """
        _load(
            PovertyStatus,
            self._batches(
                f"""
                SELECT hi.id AS household_id, p.poverty_status AS status,
                    p.poverty_period AS period, p.poverty_review_year AS review_year,
                    CAST({day} AS DATE) AS valid_from, CAST(NULL AS DATE) AS valid_to,
                    {source} AS source, {actor} AS recorded_by_id, {at} AS recorded_at
                {poverty}
                """  # noqa: S608
            ),
        )
        _load(
            HistoryEntry,
            self._batches(
                f"""
                SELECT CAST(NULL AS BIGINT) AS person_id, hi.id AS household_id, {at} AS at,
                    {actor} AS actor_id, {_sql_text(c.actor_label)} AS actor_label,
                    {_sql_text(c.history_source)} AS source,
                    '{HistoryEntry.Kind.FACTS}' AS kind, '' AS reason,
                    '{{"poverty_status": [null, "' || p.poverty_status || ' '
                        || p.poverty_period || ' (' || CAST(p.poverty_review_year AS VARCHAR)
                        || ')"]}}' AS changes,
                    {run_id} AS import_run_id, p.line AS line
                {poverty}
                """  # noqa: S608
            ),
        )
        return people, households

    # Reading the rest ------------------------------------------------------------------------------
    def rest(self) -> Iterator[RawRecord]:
        """The rows the importer reads, in file order, as its own CSV reader gives them."""
        width = len(self.columns)
        names = ", ".join(f"c.c{i}" for i in range(width))
        sql = (
            f"SELECT f.line, {names} FROM fast_rows f JOIN cells c ON c.line = f.line "  # noqa: S608
            "WHERE NOT f.fast ORDER BY f.line"
        )
        layout = self.layout
        for batch in self._batches(sql):
            columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            for line, *cells in zip(*columns, strict=True):
                yield RawRecord(line, cells=cells, layout=layout)

    def seen_keys(self) -> set[int | str]:
        """ID numbers met first on a row written here and again on a later row.

        The importer starts from them, so that it refuses the later rows as duplicates.
        """
        keys: set[int | str] = set()
        for (key,) in self.con.execute(
            """
            SELECT DISTINCT f.seen_key FROM fast_rows f JOIN dups d ON d.seen_key = f.seen_key
            WHERE f.fast
            """
        ).fetchall():
            keys.add(key[2:] if key.startswith("s:") else int(key))
        return keys


@dataclass
class _Constants:
    """What every row of one import shares."""

    run: ImportRun
    actor: User | None
    now: datetime
    today: date

    @property
    def at(self) -> str:
        # The database's own text for the time: COPY and SQLite both take it as it is.
        return str(connection.ops.adapt_datetimefield_value(self.now))

    @property
    def actor_id(self) -> int | None:
        return self.actor.pk if self.actor is not None else None

    @property
    def actor_label(self) -> str:
        return self.actor.username if self.actor is not None else self.run.source

    @property
    def source(self) -> str:
        return f"{self.run.source}:{self.run.file_name}"[:100]

    @property
    def history_source(self) -> str:
        sync = self.run.source == ImportRun.Source.SYNC
        return HistoryEntry.Source.SYNC if sync else HistoryEntry.Source.IMPORT


def _reserve_ids(model: type[Any], count: int) -> list[int]:
    """Ids for `count` new rows of `model`, drawn before the rows are written.

    Called inside the part's transaction. On PostgreSQL the table is locked against other
    writers until the part commits (readers are not held up), so that one step of the
    sequence reserves the whole range: a nextval() per row cost 3 µs of the server's time.
    SQLite has one writer at a time: the ids after the highest one ever given are free.
    """
    if not count:
        return []
    table = model._meta.db_table
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {quoted} IN SHARE ROW EXCLUSIVE MODE")  # noqa: S608
            cursor.execute(
                "SELECT setval(seq, nextval(seq) + %s - 1) FROM "
                "(SELECT pg_get_serial_sequence(%s, 'id') AS seq) AS s",
                [count, table],
            )
            last = cursor.fetchone()[0]
            return list(range(last - count + 1, last + 1))
        cursor.execute(f"SELECT max(id) FROM {quoted}")  # noqa: S608
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        top = max(top, found[0] if found else 0)
    return list(range(top + 1, top + count + 1))


def _load(model: type[Any], batches: Iterator[Any]) -> None:
    """Arrow batches whose columns are named after `model`'s columns, into its table.

    On PostgreSQL one COPY takes all the batches, each formatted as CSV by Arrow; a writer
    thread sends them, so that the server stores one batch while the next is prepared.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    iterator = (b for b in batches if b.num_rows)
    first = next(iterator, None)
    if first is None:
        return
    names = ", ".join(connection.ops.quote_name(n) for n in first.schema.names)
    if connection.vendor == "postgresql":
        import pyarrow.csv as pa_csv
        from psycopg.copy import QueuedLibpqWriter

        options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
        statement = f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)"  # noqa: S608
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor
            with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
                for batch in itertools.chain([first], iterator):
                    buffer = io.BytesIO()
                    pa_csv.write_csv(batch, buffer, options)
                    copy.write(buffer.getvalue())
        return
    marks = ", ".join(["?"] * first.num_columns)
    with connection.cursor() as wrapper:
        for batch in itertools.chain([first], iterator):
            values = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            for i, field in enumerate(batch.schema):
                if str(field.type).startswith("date"):
                    values[i] = [None if v is None else v.isoformat() for v in values[i]]
            wrapper.cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
                list(zip(*values, strict=True)),
            )


def existing_personal_ids() -> Iterator[list[str]] | None:
    """The personal IDs the registry holds, in parts; None when it holds nobody."""
    if not Person.objects.exists():
        return None

    def parts() -> Iterator[list[str]]:
        table = connection.ops.quote_name(Person._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT personal_id FROM {table} WHERE personal_id IS NOT NULL")  # noqa: S608
            while rows := cursor.fetchmany(100_000):
                yield [r[0] for r in rows]

    return parts()


def existing_household_codes() -> set[str]:
    return set(Household.objects.values_list("code", flat=True))


METHODS = ("auto", "bulk", "rows")
# What population_import does when not told: tests set it to run every case both ways.
DEFAULT_METHOD = "auto"


def wants_bulk(extract: Extract, method: str = "auto") -> bool:
    """Whether an extract goes through the bulk path (`method`: auto, bulk or rows).

    auto: a CSV file of BULK_MIN_BYTES or more whose first rows are mostly people the registry
    does not hold yet. Re-importing a file the registry already holds goes record by record,
    where an unchanged row is recognised from its digest without being parsed.
    """
    if method == "rows" or extract.format != "csv":
        return False
    if extract.encoding not in ("utf-8", "utf-8-sig"):
        return False
    if method == "bulk":
        return True
    if extract.path.stat().st_size < BULK_MIN_BYTES:
        return False
    if not Person.objects.exists():
        return True
    numbers: list[str] = []
    for raw in itertools.islice(extract.records(), 2000):
        number = clean_number(raw.get("personal_id"))
        if number:
            numbers.append(number)
    if not numbers:
        return True
    held = Person.objects.filter(personal_id__in=numbers).count()
    return held * 2 < len(numbers)


def feed(importer: Importer, extract: Extract, *, method: str | None = None) -> None:
    """Give the whole extract to `importer`, the new people of a large file through the bulk path.

    The importer's counts include the rows written here; `importer.finish()` is still the
    caller's to call.
    """
    if not wants_bulk(extract, method or DEFAULT_METHOD):
        importer.feed(extract.records())
        return
    import duckdb

    try:
        bulk = BulkLoad(
            extract, today=importer.today, actor=importer.actor, via=importer.run.source
        )
    except (BulkUnavailable, duckdb.Error) as exc:
        logger.info("bulk import not used, importing record by record: %s", exc)
        importer.feed(extract.records())
        return
    try:
        try:
            bulk.classify(
                existing_ids=existing_personal_ids(),
                existing_households=existing_household_codes(),
            )
        except (BulkUnavailable, duckdb.Error) as exc:
            logger.info("bulk import stopped, importing record by record: %s", exc)
            # What DuckDB could not do, the importer does; the villages made meanwhile count.
            importer.counts.villages_created += bulk.villages_created
            importer.feed(extract.records())
            return
        counts, _failed = bulk.write(run=importer.run, actor=importer.actor, now=importer.now)
        importer.counts.inserted += counts.inserted
        importer.counts.households_created += counts.households_created
        importer.counts.villages_created += counts.villages_created
        if counts.inserted:
            importer.registry_was_empty = False
        importer.seen.update(bulk.seen_keys())
        importer.feed(bulk.rest())
    finally:
        bulk.close()

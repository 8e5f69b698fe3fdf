"""The population import engine behind services.population_import and services.population_sync.

Records are taken in batches. Each batch costs a fixed number of queries whatever its size:
one to find the existing people by personal ID (and one by old ID card number when needed),
one for households, one for the full state of the people that may have changed, a few for
their current social facts, and bulk writes in one transaction. A record whose source digest
equals the one stored at the last import is unchanged and is not even parsed, which makes
re-importing a file cheap.

Households: a row whose relation_to_head is "head" creates its household_id (the household
takes the head's commune and village); a member row needs its household in the registry, or
created by a head row anywhere in the same input. Members met before their head are set
aside and handled after the last batch; if the household still does not exist, they are
rejected.

When a batch fails in the database (a concurrent write, a constraint nobody foresaw), it is
rolled back and its records are retried one by one, so that one bad record costs only itself.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from itertools import islice
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import User
from lib import personal_id as pid_lib
from people.extract import (
    Problem,
    RawRecord,
    Record,
    cached_name_key,
    clean_number,
    is_legacy_number,
    parse_record,
)
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

BATCH_SIZE = 10000

# Person columns an extract may change, and the model fields each one sets.
PERSON_FIELDS = (
    "personal_id",
    "legacy_id",
    "full_name",
    "date_of_birth",
    "birth_precision",
    "sex",
    "ethnicity",
    "ethnicity_code",
    "ethnicity_code_list",
    "commune_id",
    "village_id",
    "household_id",
    "relation_to_head",
    "phone",
    "marital_status",
    "date_of_death",
)
_COLUMN_FIELDS: dict[str, tuple[str, ...]] = {
    "full_name": ("full_name",),
    "date_of_birth": ("date_of_birth", "birth_precision"),
    "sex": ("sex",),
    "ethnicity": ("ethnicity", "ethnicity_code", "ethnicity_code_list"),
    "ethnicity_code": ("ethnicity", "ethnicity_code", "ethnicity_code_list"),
    "commune_code": ("commune_id",),
    "village": ("village_id",),
    "household_id": ("household_id", "relation_to_head"),
    "relation_to_head": ("household_id", "relation_to_head"),
    "phone": ("phone",),
    "marital_status": ("marital_status",),
    "date_of_death": ("date_of_death",),
}
# How a changed field is named in history: the extract's column names.
HISTORY_NAMES = {
    "commune_id": "commune_code",
    "village_id": "village",
    "household_id": "household_id",
}


@dataclass
class Outcome:
    """What happened to one record."""

    line: int
    status: str  # inserted, updated, unchanged, rejected
    personal_id: str = ""
    person_id: int | None = None
    changes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "status": self.status,
            "personal_id": self.personal_id,
            "person_id": self.person_id,
            "changes": self.changes,
            "problems": [p.as_dict() for p in self.problems],
        }


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    moved: int = 0
    died: int = 0
    household_changed: int = 0
    households_created: int = 0
    villages_created: int = 0


@dataclass
class _Match:
    id: int
    personal_id: str | None
    digest: str
    commune_id: int


@dataclass
class _Pending:
    raw: RawRecord
    key_pid: str
    key_legacy: str
    match: _Match | None = None
    record: Record | None = None
    village_id: int | None = None


def _problem(code: str, vi: str, en: str) -> Problem:
    return Problem(code, vi, en)


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


class _Deferred:
    """Records set aside for the last pass, spilled to a temporary file when many."""

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8")
        self.count = 0

    def add(self, raw: RawRecord) -> None:
        self._file.write(json.dumps([raw.line, raw.values], ensure_ascii=False) + "\n")
        self.count += 1

    def __iter__(self) -> Iterator[RawRecord]:
        self._file.seek(0)
        for text in self._file:
            line, values = json.loads(text)
            yield RawRecord(line, values)

    def close(self) -> None:
        self._file.close()


class Importer:
    """Applies records to the registry; `on_outcome` hears about each record once."""

    def __init__(
        self,
        *,
        run: ImportRun,
        actor: User | None,
        on_outcome: Callable[[Outcome], None],
        allowed_communes: set[int] | None = None,
        batch_size: int = BATCH_SIZE,
        today: date | None = None,
    ) -> None:
        self.run = run
        self.actor = actor
        self.actor_label = actor.username if actor is not None else run.source
        self.on_outcome = on_outcome
        self.allowed = allowed_communes
        self.batch_size = batch_size
        self.today = today or timezone.localdate()
        self.now = timezone.now()
        sync = run.source == ImportRun.Source.SYNC
        self.source = HistoryEntry.Source.SYNC if sync else HistoryEntry.Source.IMPORT
        self.fact_source = f"{run.source}:{run.file_name}"[:100]
        self.counts = Counts()
        self.seen: set[int | str] = set()
        self.deferred = _Deferred()
        self.communes: dict[int, tuple[int, str]] = {
            code: (province, name)
            for code, province, name in Commune.objects.values_list("code", "province_id", "name")
        }
        self.villages: dict[tuple[int, str], int] = {}
        self.village_communes_loaded: set[int] = set()
        self.village_names: dict[int, str] = {}
        # Into an empty registry (a province's first load) nobody can hold a personal ID yet but
        # the people this import writes, and a number met twice in the input is refused as a
        # duplicate before any lookup: the lookups by personal ID are skipped. Old ID card
        # numbers are still looked up (a later row may give the number of a person written
        # earlier). A person someone else writes meanwhile makes the batch fail on the unique
        # number; its records are then retried one by one, with lookups.
        self.registry_was_empty = not Person.objects.exists()

    # Driving -----------------------------------------------------------------------------------
    def feed(self, records: Iterable[RawRecord]) -> None:
        iterator = iter(records)
        with _sqlite_tuned_for_bulk():
            while batch := list(islice(iterator, self.batch_size)):
                self._batch(batch, final=False, check_duplicates=True)

    def finish(self) -> Counts:
        """Handle the members that came before their household's head, then close the run."""
        if self.deferred.count:
            iterator = iter(self.deferred)
            with _sqlite_tuned_for_bulk():
                while batch := list(islice(iterator, self.batch_size)):
                    self._batch(batch, final=True, check_duplicates=False)
        self.deferred.close()
        return self.counts

    def _emit(self, outcome: Outcome) -> None:
        setattr(self.counts, outcome.status, getattr(self.counts, outcome.status) + 1)
        self.on_outcome(outcome)

    def _reject(self, raw: RawRecord, problems: list[Problem], key: str = "") -> None:
        self._emit(
            Outcome(
                raw.line,
                "rejected",
                personal_id=key or raw.get("personal_id"),
                problems=problems,
                values=raw.values,
            )
        )

    # One batch -----------------------------------------------------------------------------------
    def _batch(
        self,
        raws: list[RawRecord],
        *,
        final: bool,
        check_duplicates: bool,
        always_look_up: bool = False,
    ) -> None:
        pending = self._keys(raws, check_duplicates)
        self._match(pending, by_personal_id=always_look_up or not self.registry_was_empty)
        parsed: list[_Pending] = []
        for item in pending:
            match = item.match
            if (
                match is not None
                and self.allowed is not None
                and match.commune_id not in self.allowed
            ):
                self._reject(item.raw, [_not_allowed(match.commune_id)], item.key_pid)
                continue
            digest = item.raw.digest()
            if match is not None and match.digest == digest:
                self._emit(
                    Outcome(
                        item.raw.line,
                        "unchanged",
                        personal_id=match.personal_id or item.key_legacy,
                        person_id=match.id,
                    )
                )
                continue
            result = parse_record(item.raw, self.today)
            if isinstance(result, list):
                self._reject(item.raw, result, item.key_pid)
                continue
            result.digest = digest
            item.record = result
            problem = self._check_commune(result, match)
            if problem is not None:
                self._reject(item.raw, [problem], item.key_pid)
                continue
            parsed.append(item)
        parsed = self._resolve_villages(parsed)
        ready, households = self._resolve_households(parsed, final)
        if not ready:
            return
        try:
            with transaction.atomic():
                outcomes = self._write(ready, households)
        except (DatabaseError, connection.Database.DatabaseError) as exc:
            # insert_rows writes through the driver's own cursor, whose errors Django does not
            # wrap: both kinds mean the database refused the batch.
            if len(ready) == 1:
                self._reject(
                    ready[0].raw,
                    [
                        _problem(
                            "database_error",
                            f"Cơ sở dữ liệu từ chối bản ghi này ({exc}).",
                            f"The database refused this record ({exc}).",
                        )
                    ],
                    ready[0].key_pid,
                )
                return
            # New villages were committed before the batch began: the caches still hold.
            for item in ready:
                self._batch([item.raw], final=True, check_duplicates=False, always_look_up=True)
            return
        for outcome in outcomes:
            self._emit(outcome)

    def _keys(self, raws: list[RawRecord], check_duplicates: bool) -> list[_Pending]:
        pending: list[_Pending] = []
        for raw in raws:
            if raw.problems:
                self._reject(raw, raw.problems)
                continue
            pid = clean_number(raw.get("personal_id"))
            legacy = clean_number(raw.get("legacy_id"))
            if is_legacy_number(pid):
                legacy, pid = legacy or pid, ""
            key = pid or legacy
            if key and check_duplicates:
                seen_key: int | str = int(key) if key.isdigit() else key
                if seen_key in self.seen:
                    self._reject(
                        raw,
                        [
                            _problem(
                                "duplicate_in_file",
                                f"Số định danh {pid_lib.mask(key)} đã có ở một dòng trước trong "
                                "tệp; chỉ dòng đầu tiên được dùng. Gộp hai dòng lại.",
                                f"ID number {pid_lib.mask(key)} already appears on an earlier line; "
                                "only the first one is used. Merge the two lines.",
                            )
                        ],
                        key,
                    )
                    continue
                self.seen.add(seen_key)
            pending.append(_Pending(raw, pid, legacy))
        return pending

    def _match(self, pending: list[_Pending], *, by_personal_id: bool = True) -> None:
        """Find the existing person of each record: by personal ID, else by old ID card number."""
        pids = [p.key_pid for p in pending if p.key_pid] if by_personal_id else []
        by_pid: dict[str, _Match] = {}
        if pids:
            for row in _select_by_personal_id(pids):
                by_pid[row[0]] = _Match(row[1], row[0], row[2], row[3])
        for item in pending:
            item.match = by_pid.get(item.key_pid) if item.key_pid else None
        legacy = {p.key_legacy for p in pending if p.match is None and p.key_legacy}
        if not legacy:
            return
        by_legacy: dict[str, list[_Match]] = defaultdict(list)
        for row in (
            Person.objects.active()
            .filter(legacy_id__in=legacy)
            .values_list("legacy_id", "id", "source_hash", "commune_id", "personal_id")
        ):
            by_legacy[row[0]].append(_Match(row[1], row[4], row[2], row[3]))
        for item in pending:
            if item.match is not None or not item.key_legacy:
                continue
            found = by_legacy.get(item.key_legacy, [])
            if len(found) > 1:
                item.raw.problems.append(
                    _problem(
                        "legacy_id_ambiguous",
                        f"Số CMND {pid_lib.mask(item.key_legacy)} thuộc {len(found)} hồ sơ; hãy "
                        "gộp các hồ sơ trùng trước, hoặc ghi số định danh 12 chữ số.",
                        f"Old ID card {pid_lib.mask(item.key_legacy)} belongs to {len(found)} "
                        "records; merge the duplicates first, or give the 12-digit personal ID.",
                    )
                )
            elif found:
                candidate = found[0]
                if item.key_pid and candidate.personal_id and candidate.personal_id != item.key_pid:
                    item.raw.problems.append(
                        _problem(
                            "legacy_id_conflict",
                            "Số CMND cũ này thuộc một người có số định danh khác; kiểm tra lại "
                            "cả hai số.",
                            "This old ID card number belongs to a person with another personal "
                            "ID number; check both numbers.",
                        )
                    )
                else:
                    item.match = candidate
        for item in pending:
            if item.raw.problems:
                item.match = None

    def _check_commune(self, record: Record, match: _Match | None) -> Problem | None:
        found = self.communes.get(record.commune_code)
        code = f"{record.commune_code:05d}"
        if found is None:
            return _problem(
                "commune_code_unknown",
                f"Mã xã {code} không có trong danh mục đơn vị hành chính; dùng mã 5 chữ số "
                "chính thức (sau sắp xếp năm 2025).",
                f"Commune code {code} is not in the list of administrative units; use the "
                "official 5-digit code (after the 2025 reorganisation).",
            )
        if found[0] != settings.PROVINCE_CODE:
            return _problem(
                "commune_code_other_province",
                f"Xã {code} ({found[1]}) thuộc tỉnh khác; sổ này chỉ nhận người của tỉnh mình.",
                f"Commune {code} ({found[1]}) is in another province; this registry only "
                "holds people of its own province.",
            )
        if self.allowed is not None and record.commune_code not in self.allowed:
            return _not_allowed(record.commune_code)
        return None

    # Villages and households -------------------------------------------------------------------
    def _resolve_villages(self, items: list[_Pending]) -> list[_Pending]:
        """Set each record's village id; villages the registry lacks are created."""
        missing: list[_Pending] = []
        for item in items:
            record = item.record
            assert record is not None
            if record.village:
                item.village_id = self._village_id(record.commune_code, record.village)
                if item.village_id is None:
                    missing.append(item)
        if not missing:
            return items
        from places import services as places_services

        refused: set[int] = set()
        # The new villages of a batch share one transaction: one commit instead of one each.
        with transaction.atomic():
            for item in missing:
                record = item.record
                assert record is not None
                item.village_id = self._village_id(record.commune_code, record.village)
                if item.village_id is not None:
                    continue
                try:
                    village = places_services.village_create(
                        commune_code=record.commune_code,
                        name=record.village,
                        actor=self.actor,
                        via=self.run.source,
                    )
                except ValidationError as exc:
                    message = "; ".join(exc.messages)
                    self._reject(
                        item.raw, [_problem("village_invalid", message, message)], item.key_pid
                    )
                    refused.add(id(item))
                    continue
                self.villages[(record.commune_code, village.name_key)] = village.pk
                self.villages[(record.commune_code, cached_name_key(record.village))] = village.pk
                self.counts.villages_created += 1
                item.village_id = village.pk
        return [item for item in items if id(item) not in refused]

    def _village_id(self, commune: int, name: str) -> int | None:
        if commune not in self.village_communes_loaded:
            for vid, key in Village.objects.filter(commune_id=commune).values_list(
                "id", "name_key"
            ):
                self.villages[(commune, key)] = vid
            self.village_communes_loaded.add(commune)
        return self.villages.get((commune, cached_name_key(name)))

    def _resolve_households(
        self, items: list[_Pending], final: bool
    ) -> tuple[list[_Pending], dict[str, tuple[int | None, int, int | None]]]:
        """Which records can be written now, and the households they use (code → id, place).

        A household id of None means a head record of this batch creates it.
        """
        codes = {i.record.household_code for i in items if i.record and i.record.household_code}
        households: dict[str, tuple[int | None, int, int | None]] = {}
        for part in _chunks(sorted(codes)):
            for hid, code, commune_id, village_id in Household.objects.filter(
                code__in=part
            ).values_list("id", "code", "commune_id", "village_id"):
                households[code] = (hid, commune_id, village_id)
        ready: list[_Pending] = []
        members: list[_Pending] = []
        for item in items:
            record = item.record
            assert record is not None
            code = record.household_code
            if not code or "household_id" not in record.present:
                ready.append(item)
            elif record.relation_to_head == "head":
                if code not in households:
                    households[code] = (None, record.commune_code, item.village_id)
                elif self.allowed is not None and households[code][1] not in self.allowed:
                    self._reject(item.raw, [_not_allowed(households[code][1])], item.key_pid)
                    continue
                ready.append(item)
            else:
                members.append(item)
        for item in members:
            record = item.record
            assert record is not None
            found = households.get(record.household_code)
            if found is None:
                if final:
                    self._reject(
                        item.raw,
                        [
                            _problem(
                                "household_missing",
                                f"Không có hộ {record.household_code}: tệp không có dòng chủ hộ "
                                "hợp lệ của hộ này (relation_to_head = head) và sổ cũng chưa "
                                "có hộ này.",
                                f"There is no household {record.household_code}: the input has "
                                "no valid head row for it (relation_to_head = head) and the "
                                "registry does not hold it either.",
                            )
                        ],
                        item.key_pid,
                    )
                else:
                    self.deferred.add(item.raw)
                continue
            if self.allowed is not None and found[1] not in self.allowed:
                self._reject(item.raw, [_not_allowed(found[1])], item.key_pid)
                continue
            ready.append(item)
        return ready, households

    # Writing -------------------------------------------------------------------------------------
    def _write(
        self,
        items: list[_Pending],
        households: dict[str, tuple[int | None, int, int | None]],
    ) -> list[Outcome]:
        history: list[dict[str, Any]] = []
        # Households created by head records of this batch.
        new_codes = [code for code, (hid, _c, _v) in households.items() if hid is None]
        if new_codes:
            rows = [
                {
                    "code": code,
                    "commune_id": households[code][1],
                    "village_id": households[code][2],
                    "address": "",
                    "created_by_run_id": self.run.pk,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
                for code in new_codes
            ]
            ids = insert_rows(Household, rows, returning=True)
            for code, hid in zip(new_codes, ids, strict=True):
                households[code] = (hid, households[code][1], households[code][2])
            self.counts.households_created += len(new_codes)
        # A head record of an existing household moves the household with it.
        self._move_households(items, households, set(new_codes), history)

        states = self._current_states([i.match.id for i in items if i.match is not None])
        new_items: list[_Pending] = []
        new_rows: list[dict[str, Any]] = []
        updates: list[tuple[int, dict[str, Any]]] = []
        digest_only: list[tuple[str, int]] = []
        changed_by_id: dict[int, dict[str, list[Any]]] = {}
        for item in items:
            record = item.record
            assert record is not None
            values = self._values(item, households)
            if item.match is None:
                values.update(
                    name_key=record.name_key,
                    source_hash=record.digest,
                    created_by_run_id=self.run.pk,
                    created_line=record.line,
                    created_at=self.now,
                    updated_at=self.now,
                )
                new_items.append(item)
                new_rows.append(values)
                continue
            state = states[item.match.id]
            changes = {n: [state[n], v] for n, v in values.items() if state[n] != v}
            if changes:
                values["name_key"] = record.name_key
                updates.append((item.match.id, values | {"source_hash": record.digest}))
                changed_by_id[item.match.id] = self._describe(changes, state)
            else:
                digest_only.append((record.digest, item.match.id))
        new_ids = insert_rows(Person, new_rows, returning=True) if new_rows else []
        person_of: dict[int, int] = {}
        for item, pk in zip(new_items, new_ids, strict=True):
            person_of[id(item)] = pk
        for item in items:
            if item.match is not None:
                person_of[id(item)] = item.match.id
        self._update_people(updates)
        if digest_only:
            _executemany(_update_sql(Person._meta.db_table, ["source_hash"]), digest_only)
        fact_changes = self._apply_facts(items, person_of, households, history)

        outcomes: list[Outcome] = []
        for item in items:
            record = item.record
            assert record is not None
            pk = person_of[id(item)]
            number = record.personal_id or record.legacy_id
            facts = fact_changes.get(pk, {})
            if item.match is None:
                outcomes.append(Outcome(record.line, "inserted", number, pk, changes=sorted(facts)))
                continue
            described = changed_by_id.get(pk, {})
            all_changes = {**described, **facts}
            if not all_changes:
                outcomes.append(Outcome(record.line, "unchanged", number, pk))
                continue
            history.append(
                {
                    "person_id": pk,
                    "kind": self._kind(described, facts),
                    "changes": all_changes,
                    "line": record.line,
                }
            )
            outcomes.append(Outcome(record.line, "updated", number, pk, sorted(all_changes)))
        if history:
            base = {
                "person_id": None,
                "household_id": None,
                "at": self.now,
                "actor_id": self.actor.pk if self.actor is not None else None,
                "actor_label": self.actor_label,
                "source": self.source,
                "reason": "",
                "changes": {},
                "import_run_id": self.run.pk,
                "line": None,
            }
            insert_rows(HistoryEntry, [base | row for row in history])
        outcomes.sort(key=lambda o: o.line)
        return outcomes

    def _kind(self, described: dict[str, Any], facts: dict[str, Any]) -> str:
        if "date_of_death" in described and described["date_of_death"][1]:
            self.counts.died += 1
            kind = HistoryEntry.Kind.DIED
        elif "commune_code" in described or "village" in described:
            kind = HistoryEntry.Kind.MOVED
        elif "household_id" in described or "relation_to_head" in described:
            kind = HistoryEntry.Kind.HOUSEHOLD
        elif described:
            kind = HistoryEntry.Kind.UPDATED
        else:
            return HistoryEntry.Kind.FACTS
        if "commune_code" in described or "village" in described:
            self.counts.moved += 1
        if "household_id" in described or "relation_to_head" in described:
            self.counts.household_changed += 1
        return kind

    def _values(
        self, item: _Pending, households: dict[str, tuple[int | None, int, int | None]]
    ) -> dict[str, Any]:
        """The person fields this record sets (only for columns present in the input)."""
        record = item.record
        assert record is not None
        values: dict[str, Any] = {}
        present = record.present
        if record.personal_id:
            values["personal_id"] = record.personal_id
        if record.legacy_id:
            values["legacy_id"] = record.legacy_id
        full = {
            "full_name": record.full_name,
            "date_of_birth": record.date_of_birth,
            "birth_precision": record.birth_precision,
            "sex": record.sex,
            "ethnicity": record.ethnicity,
            "ethnicity_code": record.ethnicity_code,
            "ethnicity_code_list": record.ethnicity_code_list,
            "commune_id": record.commune_code,
            "village_id": item.village_id,
            "household_id": (
                households[record.household_code][0] if record.household_code else None
            ),
            "relation_to_head": record.relation_to_head,
            "phone": record.phone,
            "marital_status": record.marital_status,
            "date_of_death": record.date_of_death,
        }
        if item.match is None:
            # A new person takes every field; columns absent from the input stay empty.
            return {**full, "personal_id": record.personal_id, "legacy_id": record.legacy_id}
        for column, fields in _COLUMN_FIELDS.items():
            if column in present:
                for name in fields:
                    values[name] = full[name]
        return values

    def _current_states(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        if not ids:
            return {}
        rows = Person.objects.filter(id__in=ids).values(
            "id", *PERSON_FIELDS, "village__name", "household__code"
        )
        return {row["id"]: row for row in rows}

    def _describe(
        self, changes: dict[str, list[Any]], state: dict[str, Any]
    ) -> dict[str, list[Any]]:
        """History wants readable values: codes and names instead of row ids."""
        described: dict[str, list[Any]] = {}
        for name, (old, new) in changes.items():
            if name == "village_id":
                old = state["village__name"]
                new = self._village_name(new)
            elif name == "household_id":
                old = state["household__code"]
                new = self._household_code(new)
            elif name == "personal_id":
                old = pid_lib.mask(old) if old else old
                new = pid_lib.mask(new) if new else new
            described[HISTORY_NAMES.get(name, name)] = [_json_value(old), _json_value(new)]
        return described

    def _village_name(self, village_id: int | None) -> str | None:
        if village_id is None:
            return None
        if village_id not in self.village_names:
            self.village_names[village_id] = (
                Village.objects.filter(pk=village_id).values_list("name", flat=True).first() or ""
            )
        return self.village_names[village_id]

    def _household_code(self, household_id: int | None) -> str | None:
        if household_id is None:
            return None
        return Household.objects.filter(pk=household_id).values_list("code", flat=True).first()

    def _move_households(
        self,
        items: list[_Pending],
        households: dict[str, tuple[int | None, int, int | None]],
        created: set[str],
        history: list[dict[str, Any]],
    ) -> None:
        for item in items:
            record = item.record
            assert record is not None
            code = record.household_code
            if record.relation_to_head != "head" or not code or code in created:
                continue
            hid, commune_id, village_id = households[code]
            assert hid is not None
            new_village = item.village_id if "village" in record.present else village_id
            if (commune_id, village_id) == (record.commune_code, new_village):
                continue
            Household.objects.filter(pk=hid).update(
                commune_id=record.commune_code, village_id=new_village, updated_at=self.now
            )
            households[code] = (hid, record.commune_code, new_village)
            changes: dict[str, Any] = {}
            if commune_id != record.commune_code:
                changes["commune_code"] = [commune_id, record.commune_code]
            if village_id != new_village:
                changes["village"] = [
                    self._village_name(village_id),
                    self._village_name(new_village),
                ]
            history.append(
                {
                    "household_id": hid,
                    "kind": HistoryEntry.Kind.MOVED,
                    "changes": changes,
                    "line": record.line,
                }
            )

    def _update_people(self, updates: list[tuple[int, dict[str, Any]]]) -> None:
        """One UPDATE statement per set of changed columns, executed for many rows at once."""
        groups: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        for pk, values in updates:
            groups[tuple(sorted(values))].append((pk, values))
        meta = Person._meta
        for names, rows in groups.items():
            fields = [meta.get_field(n) for n in names]
            params = [
                [
                    f.get_db_prep_save(values[n], connection)
                    for f, n in zip(fields, names, strict=True)
                ]
                + [
                    meta.get_field("updated_at").get_db_prep_save(self.now, connection),
                    pk,
                ]
                for pk, values in rows
            ]
            _executemany(
                _update_sql(meta.db_table, [f.column for f in fields] + ["updated_at"]),
                params,
            )

    # Social facts --------------------------------------------------------------------------------
    def _apply_facts(
        self,
        items: list[_Pending],
        person_of: dict[int, int],
        households: dict[str, tuple[int | None, int, int | None]],
        history: list[dict[str, Any]],
    ) -> dict[int, dict[str, list[Any]]]:
        """Close facts that changed and open new ones; return the changes per person id."""
        with_facts = [
            item
            for item in items
            if item.record is not None
            and (
                item.record.disability
                or item.record.disability_none
                or item.record.pension_vnd is not None
                or item.record.flags
                or item.record.poverty
            )
        ]
        if not with_facts:
            return {}
        existing_ids = [item.match.id for item in with_facts if item.match is not None]
        disabilities: dict[int, list[Disability]] = defaultdict(list)
        facts: dict[tuple[int, str], SocialFact] = {}
        if existing_ids:
            for d in Disability.objects.filter(person_id__in=existing_ids, valid_to__isnull=True):
                disabilities[d.person_id].append(d)
            for f in SocialFact.objects.filter(person_id__in=existing_ids, valid_to__isnull=True):
                facts[(f.person_id, f.kind)] = f
        changes: dict[int, dict[str, list[Any]]] = defaultdict(dict)
        closing: list[tuple[date, int, type[Any]]] = []
        new_disabilities: list[dict[str, Any]] = []
        new_facts: list[dict[str, Any]] = []
        certified_updates: list[tuple[int, date]] = []
        actor_id = self.actor.pk if self.actor is not None else None
        for item in with_facts:
            record = item.record
            assert record is not None
            pid = person_of[id(item)]
            current = disabilities.get(pid, [])
            if record.disability_none and current:
                for d in current:
                    closing.append((self._end(d.valid_from), d.pk, Disability))
                changes[pid]["disability"] = [
                    [f"{d.disability_type}:{d.level}" for d in current],
                    [],
                ]
            elif record.disability is not None:
                wanted = record.disability
                same_type = [d for d in current if d.disability_type == wanted.disability_type]
                same = [d for d in same_type if d.level == wanted.level]
                if same:
                    if wanted.certified_on and same[0].certified_on != wanted.certified_on:
                        certified_updates.append((same[0].pk, wanted.certified_on))
                        changes[pid]["disability_certified_on"] = [
                            _json_value(same[0].certified_on),
                            wanted.certified_on.isoformat(),
                        ]
                else:
                    for d in same_type:
                        closing.append((self._end(d.valid_from), d.pk, Disability))
                    new_disabilities.append(
                        {
                            "person_id": pid,
                            "disability_type": wanted.disability_type,
                            "level": wanted.level,
                            "certified_on": wanted.certified_on,
                            "valid_from": wanted.certified_on or self.today,
                            "valid_to": None,
                            "source": self.fact_source,
                            "recorded_by_id": actor_id,
                            "recorded_at": self.now,
                        }
                    )
                    changes[pid]["disability"] = [
                        [f"{d.disability_type}:{d.level}" for d in same_type],
                        [f"{wanted.disability_type}:{wanted.level}"],
                    ]
            wanted_facts: dict[str, tuple[bool | None, int | None]] = {
                kind: (value, None) for kind, value in record.flags.items()
            }
            if record.pension_vnd is not None:
                wanted_facts[SocialFact.Kind.MONTHLY_PENSION] = (None, record.pension_vnd)
            for kind, (value, amount) in wanted_facts.items():
                old = facts.get((pid, kind))
                if old is not None and old.value == value and old.amount_vnd == amount:
                    continue
                if old is not None:
                    closing.append((self._end(old.valid_from), old.pk, SocialFact))
                new_facts.append(
                    {
                        "person_id": pid,
                        "kind": kind,
                        "value": value,
                        "amount_vnd": amount,
                        "valid_from": self.today,
                        "valid_to": None,
                        "source": self.fact_source,
                        "recorded_by_id": actor_id,
                        "recorded_at": self.now,
                    }
                )
                is_amount = amount is not None
                old_value = None if old is None else (old.amount_vnd if is_amount else old.value)
                changes[pid][kind] = [old_value, amount if is_amount else value]
        for model in (Disability, SocialFact):
            rows = [(end, pk) for end, pk, m in closing if m is model]
            if rows:
                _executemany(
                    _update_sql(model._meta.db_table, ["valid_to"]),
                    [(connection.ops.adapt_datefield_value(end), pk) for end, pk in rows],
                )
        if certified_updates:
            _executemany(
                _update_sql(Disability._meta.db_table, ["certified_on"]),
                [(connection.ops.adapt_datefield_value(d), pk) for pk, d in certified_updates],
            )
        if new_disabilities:
            insert_rows(Disability, new_disabilities)
        if new_facts:
            insert_rows(SocialFact, new_facts)
        self._apply_poverty(with_facts, households, history)
        return changes

    def _end(self, valid_from: date) -> date:
        """The last day of a fact replaced today (never before its first day)."""
        return max(valid_from, self.today - timedelta(days=1))

    def _apply_poverty(
        self,
        items: list[_Pending],
        households: dict[str, tuple[int | None, int, int | None]],
        history: list[dict[str, Any]],
    ) -> None:
        wanted: dict[int, tuple[Record, Any]] = {}
        for item in items:
            record = item.record
            assert record is not None
            if record.poverty is not None and record.household_code:
                hid = households[record.household_code][0]
                assert hid is not None
                wanted[hid] = (record, record.poverty)
        if not wanted:
            return
        rows: dict[int, list[PovertyStatus]] = defaultdict(list)
        for row in PovertyStatus.objects.filter(household_id__in=list(wanted)).order_by(
            "household_id", "-review_year"
        ):
            rows[row.household_id].append(row)
        actor_id = self.actor.pk if self.actor is not None else None
        new_rows: list[dict[str, Any]] = []
        closing: list[tuple[Any, int]] = []
        for hid, (record, poverty) in wanted.items():
            existing = rows.get(hid, [])
            same_year = next((r for r in existing if r.review_year == poverty.review_year), None)
            latest = existing[0] if existing else None
            old = same_year or latest
            if same_year is not None:
                if (same_year.status, same_year.period) == (poverty.status, poverty.period):
                    continue
                PovertyStatus.objects.filter(pk=same_year.pk).update(
                    status=poverty.status,
                    period=poverty.period,
                    source=self.fact_source,
                    recorded_by_id=actor_id,
                )
            else:
                newest = latest is None or poverty.review_year > latest.review_year
                if newest and latest is not None and latest.valid_to is None:
                    closing.append(
                        (
                            connection.ops.adapt_datefield_value(self._end(latest.valid_from)),
                            latest.pk,
                        )
                    )
                new_rows.append(
                    {
                        "household_id": hid,
                        "status": poverty.status,
                        "period": poverty.period,
                        "review_year": poverty.review_year,
                        "valid_from": self.today if newest else date(poverty.review_year, 1, 1),
                        "valid_to": None if newest else date(poverty.review_year, 12, 31),
                        "source": self.fact_source,
                        "recorded_by_id": actor_id,
                        "recorded_at": self.now,
                    }
                )
            history.append(
                {
                    "household_id": hid,
                    "kind": HistoryEntry.Kind.FACTS,
                    "changes": {
                        "poverty_status": [
                            None
                            if old is None
                            else f"{old.status} {old.period} ({old.review_year})",
                            f"{poverty.status} {poverty.period} ({poverty.review_year})",
                        ]
                    },
                    "line": record.line,
                }
            )
        if closing:
            _executemany(_update_sql(PovertyStatus._meta.db_table, ["valid_to"]), closing)
        if new_rows:
            insert_rows(PovertyStatus, new_rows)


def _not_allowed(commune_code: int) -> Problem:
    return _problem(
        "commune_not_allowed",
        f"Bạn không có quyền ghi hồ sơ của xã {commune_code:05d}.",
        f"You may not write records of commune {commune_code:05d}.",
    )


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


@contextmanager
def _sqlite_tuned_for_bulk() -> Iterator[None]:
    """Let SQLite work in bigger steps while a large import runs, then restore its defaults.

    A larger page cache keeps hot index pages in memory, and checkpointing the write-ahead
    log every 16 MB instead of every 4 MB copies each hot page to the database file less
    often. Both are per-connection settings; PostgreSQL needs neither.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size = -65536")
        cursor.execute("PRAGMA wal_autocheckpoint = 4000")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -2000")
            cursor.execute("PRAGMA wal_autocheckpoint = 1000")


def _select_by_personal_id(numbers: list[str]) -> list[tuple[Any, ...]]:
    """(personal_id, id, source_hash, commune_id) of the people holding these numbers.

    The ORM's IN (...) with thousands of parameters costs more in Python than the lookup in
    the database; PostgreSQL takes the list as one array, SQLite through its own cursor.
    """
    table = _q(Person._meta.db_table)
    columns = "personal_id, id, source_hash, commune_id"
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        for part in _chunks(numbers):
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"SELECT {columns} FROM {table} WHERE personal_id = ANY(%s)",  # noqa: S608
                    [part],
                )
            else:
                marks = ", ".join(["?"] * len(part))
                cursor.execute(
                    f"SELECT {columns} FROM {table} WHERE personal_id IN ({marks})",  # noqa: S608
                    part,
                )
            found.extend(cursor.fetchall())
    return found


def _chunks(values: list[Any], size: int = 1000) -> Iterator[list[Any]]:
    """Lookups go by the thousand: with many more keys PostgreSQL scans the whole table
    instead of probing its index (measured: 40 ms for 10,000 keys at 200,000 people, 5 ms for
    1,000), and the scan grows with the registry."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _update_sql(table: str, columns: list[str]) -> str:
    """UPDATE table SET columns WHERE id, with identifiers from model metadata only."""
    sets = ", ".join(f"{_q(c)} = %s" for c in columns)
    return f"UPDATE {_q(table)} SET {sets} WHERE {_q('id')} = %s"  # noqa: S608


def _executemany(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _adapter(field: Any) -> Callable[[Any], Any] | None:
    """How one column's Python value goes to the database driver (None: as it is)."""
    internal = field.get_internal_type()
    ops = connection.ops
    if internal == "DateField":
        return lambda v: None if v is None else ops.adapt_datefield_value(v)
    if internal == "DateTimeField":
        # A batch stamps every row with the same time: adapt it once.
        return lru_cache(maxsize=4)(
            lambda v: None if v is None else ops.adapt_datetimefield_value(v)
        )
    if internal == "JSONField":
        return lambda v: "{}" if v == {} else json.dumps(v, ensure_ascii=False)
    return None


def insert_rows(
    model: type[Any], rows: list[dict[str, Any]], *, returning: bool = False
) -> list[int]:
    """Insert plain rows (attribute name → value) with multi-row INSERTs; ids in input order.

    The importer's one write path for new rows: bulk_create builds a model instance and
    prepares every value through the field API, which costs more than the database work
    itself at a million rows. Values here are already clean (the importer parsed them), so
    they only need the driver adaptation of dates and JSON. Both SQLite (3.35+) and
    PostgreSQL return the ids of a multi-row INSERT in the order of its VALUES, which is
    what Django's bulk_create relies on too.
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in fields]
    defaults = dict.fromkeys(names)
    pick = itemgetter(*names)
    adapters = [(i, a) for i, f in enumerate(fields) if (a := _adapter(f)) is not None]
    columns = ", ".join(_q(f.column) for f in fields)
    # The driver's own placeholder on its own cursor: Django's SQLite wrapper would rewrite
    # every "%s" of a statement with tens of thousands of them through a regular expression.
    mark = "?" if connection.vendor == "sqlite" else "%s"
    placeholder = "(" + ", ".join([mark] * len(fields)) + ")"
    limit = connection.features.max_query_params or 65535
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    chunk = max(1, min(1000, limit // len(fields)))
    if connection.vendor == "postgresql":
        return _copy_rows(model, fields, names, defaults, pick, adapters, rows, returning)
    ids: list[int] = []
    table = _q(model._meta.db_table)
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            params: list[Any] = []
            for row in part:
                values = list(pick(defaults | row))
                for i, adapt in adapters:
                    values[i] = adapt(values[i])
                params.extend(values)
            sql = f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([placeholder] * len(part))  # noqa: S608
            if returning:
                cursor.execute(sql + f" RETURNING {_q('id')}", params)
                ids.extend(r[0] for r in cursor.fetchall())
            else:
                cursor.execute(sql, params)
    return ids


def _copy_rows(
    model: type[Any],
    fields: list[Any],
    names: list[str],
    defaults: dict[str, Any],
    pick: Callable[[dict[str, Any]], tuple[Any, ...]],
    adapters: list[tuple[int, Callable[[Any], Any]]],
    rows: list[dict[str, Any]],
    returning: bool,
) -> list[int]:
    """PostgreSQL's side of insert_rows: COPY, with ids drawn from the table's sequence first.

    A multi-row INSERT makes the driver scan a statement with tens of thousands of
    placeholders; COPY streams the rows instead and is several times faster.
    """
    table = model._meta.db_table
    columns = [f.column for f in fields]
    ids: list[int] = []
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        if returning:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, len(rows)],
            )
            ids = [r[0] for r in cursor.fetchall()]
            columns = ["id", *columns]
        statement = f"COPY {_q(table)} ({', '.join(_q(c) for c in columns)}) FROM STDIN"
        with cursor.copy(statement) as copy:
            for index, row in enumerate(rows):
                values = list(pick(defaults | row))
                for i, adapt in adapters:
                    values[i] = adapt(values[i])
                if returning:
                    values.insert(0, ids[index])
                copy.write_row(values)
    return ids

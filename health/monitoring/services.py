"""Every write of health monitoring: readings, thresholds, alerts, tasks, devices, notifications.

Readings arrive one at a time (the citizen's page, a health worker's form) or in batches (the
API, devices, gateways); both go through readings_ingest, which checks each item, stores the
good ones with one bulk insert, evaluates the threshold rules set-wise (a few queries per batch,
not per reading) and opens, raises or refreshes alerts and tasks. Nothing is lost: refused items
are stored in RejectedReading with their reason, and a client id sent again returns the original
reading without counting it twice.

Alerts are de-duplicated per person and rule family (one open alert; a worse reading raises its
severity), tasks per alert and kind (dedupe_key), so re-running anything never duplicates them.
Critical alerts are sent at once, high ones outside quiet hours, the rest go into the daily
digest. monitoring_run_due (run by `langso worker`) escalates unacknowledged alerts, wakes
snoozed ones, sweeps for people with no recent reading and sends the digests.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import ApiToken, AuditEntry, Role, User
from accounts.permissions import commune_codes_for_user
from accounts.services import audit_record, client_ip
from health.book.services import home_visits_schedule_all
from health.models import (
    Alert,
    CareTask,
    Device,
    Reading,
    RejectedReading,
    ThresholdOverride,
    ThresholdSet,
)
from health.monitoring import bulk
from health.monitoring import rules as rules_lib
from health.monitoring.validation import CleanReading, Problem, ReadingRefused, clean
from health.permissions import ConsentMissing, relation_to, with_health_consent
from people.models import Person

logger = logging.getLogger(__name__)

CLIENT_ID_MAX = 48
DEVICE_TOKEN_PREFIX = "lsd"  # noqa: S105 - a public prefix, not a secret
SEVERITY_VI = {1: "NGUY CẤP", 2: "CAO", 3: "TRUNG BÌNH", 4: "THẤP"}


# Thresholds -----------------------------------------------------------------------------------

_RULE_SET_CACHE: dict[str, rules_lib.RuleSet] = {}


@transaction.atomic
def threshold_set_load(
    *, path: Path | None = None, actor: User | None = None, via: str = "cli"
) -> tuple[ThresholdSet, bool]:
    """Load a threshold file as a new active version; loading the same file again changes
    nothing. A different file with a version already loaded is refused (versions are never
    rewritten: give the new file a higher version). Returns (the set, whether it was created)."""
    rule_set = rules_lib.load_file(path or rules_lib.default_file())
    existing = ThresholdSet.objects.filter(version=rule_set.version).first()
    if existing is not None:
        if existing.digest != rule_set.digest:
            raise ValidationError(
                f"Phiên bản {rule_set.version} đã được nạp với nội dung khác; hãy tăng số "
                f"version trong tệp. / Version {rule_set.version} was loaded with different "
                "content; raise the version number in the file."
            )
        return existing, False
    created = ThresholdSet.objects.create(
        version=rule_set.version,
        name=rule_set.name[:200],
        rules=rule_set.raw,
        digest=rule_set.digest,
        loaded_by=actor,
        loaded_at=timezone.now(),
        is_active=True,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.IMPORT,
        object_type="health_thresholds",
        object_id=created.pk,
        object_label=str(created),
        via=via,
        details={
            "version": rule_set.version,
            "digest": rule_set.digest,
            "rules": len(rule_set.rules),
        },
    )
    return created, True


def active_rule_set() -> tuple[rules_lib.RuleSet, int]:
    """The newest active threshold set (loading the shipped defaults the first time)."""
    row = (
        ThresholdSet.objects.filter(is_active=True)
        .order_by("-version")
        .values("version", "digest", "rules")
        .first()
    )
    if row is None:
        created, _new = threshold_set_load(via="service")
        row = {"version": created.version, "digest": created.digest, "rules": created.rules}
    cached = _RULE_SET_CACHE.get(row["digest"])
    if cached is None:
        cached = rules_lib.parse(row["rules"])
        _RULE_SET_CACHE[row["digest"]] = cached
    return cached, row["version"]


@transaction.atomic
def threshold_override_set(
    *,
    person: Person,
    rule: str,
    low: Decimal | None,
    high: Decimal | None,
    reason: str,
    actor: User,
    request: HttpRequest | None = None,
) -> ThresholdOverride:
    """Give the person their own limits for one rule (ending the previous override)."""
    rule_set, _version = active_rule_set()
    found = rule_set.by_id(rule)
    if found is None or found.sweep_days is not None:
        raise ValidationError({"rule": f"Quy tắc {rule!r} không có. / There is no rule {rule!r}."})
    if low is None and high is None:
        raise ValidationError(
            "Hãy nhập ngưỡng dưới hoặc ngưỡng trên. / Enter a low or a high limit."
        )
    if low is not None and high is not None and low >= high:
        raise ValidationError(
            "Ngưỡng dưới phải nhỏ hơn ngưỡng trên. / The low limit must be below the high one."
        )
    if not reason.strip():
        raise ValidationError(
            {
                "reason": "Hãy ghi lý do (ví dụ: chỉ định của bác sĩ). / Say why (e.g. the doctor's "
                "advice)."
            }
        )
    now = timezone.now()
    ThresholdOverride.objects.filter(person=person, rule=rule, ended_at__isnull=True).update(
        ended_at=now
    )
    override = ThresholdOverride.objects.create(
        person=person,
        rule=rule,
        low=low,
        high=high,
        reason=reason.strip()[:300],
        set_by=actor,
        set_at=now,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        object_type="health_threshold_override",
        object_id=override.pk,
        object_label=f"{person.full_name}: {rule}",
        commune_code=person.commune_id,
        reason=reason.strip()[:255],
        request=request,
        details={
            "rule": rule,
            "low": str(low) if low is not None else None,
            "high": str(high) if high is not None else None,
        },
    )
    return override


@transaction.atomic
def threshold_override_end(
    *, override: ThresholdOverride, actor: User, request: HttpRequest | None = None
) -> None:
    """Go back to the default limits for this rule."""
    ended = ThresholdOverride.objects.filter(pk=override.pk, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
    if ended:
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            object_type="health_threshold_override",
            object_id=override.pk,
            object_label=override.rule,
            commune_code=override.person.commune_id,
            request=request,
            details={"ended": True},
        )


# Readings -------------------------------------------------------------------------------------


@dataclass
class Sender:
    """Who sends readings: a logged-in user, an API token's owner, or a device."""

    user: User | None = None
    device: Device | None = None
    token: ApiToken | None = None
    request: HttpRequest | None = None
    via: str = "web"

    @property
    def namespace(self) -> str:
        # Client ids are the sender's own: two devices both numbering from 1 never collide.
        if self.device is not None:
            return f"d{self.device.pk}:"
        if self.token is not None:
            return f"t{self.token.pk}:"
        return f"u{self.user.pk if self.user else 0}:"

    @property
    def source(self) -> str:
        if self.device is not None or self.token is not None:
            return Reading.Source.DEVICE
        return ""


@dataclass
class ItemResult:
    index: int
    client_id: str
    status: str = "rejected"  # accepted, flagged, duplicate, rejected
    reading_id: int | None = None
    code: str = ""
    message: str = ""
    message_en: str = ""
    flag: str = ""
    alerts: list[int] = field(default_factory=list)
    # The most urgent advice for whoever entered the reading (web pages show it).
    advice_severity: int | None = None
    advice_vi: str = ""
    advice_en: str = ""


def _refused(result: ItemResult, problem: Problem) -> ItemResult:
    result.status = "rejected"
    result.code = problem.code
    result.message = problem.message_vi
    result.message_en = problem.message_en
    return result


PERSON_UNKNOWN = Problem(
    "person_unknown",
    "Không tìm thấy người có số định danh này, hoặc bạn không được gửi chỉ số cho người này; "
    "hãy kiểm tra số định danh 12 chữ số.",
    "No person with this ID number, or you may not send readings for them; check the 12-digit "
    "personal ID number.",
)
CONSENT_MISSING = Problem("consent_missing", ConsentMissing.message_vi, ConsentMissing.message_en)
DEVICE_GONE = (
    "Thiết bị này không còn trong hệ thống; không chỉ số nào được lưu. / This device no longer "
    "exists; no reading was stored."
)
DUPLICATE_IN_BATCH = Problem(
    "client_id_repeated",
    "Mã client_id này xuất hiện hai lần trong cùng một lần gửi; lần sau được bỏ qua.",
    "This client_id appears twice in the same request; the second one is ignored.",
)


def _jsonable(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in item.items():
        if key == "person":
            out["person_id"] = getattr(value, "pk", None)
        elif isinstance(value, datetime):
            out[key] = value.isoformat()
        elif isinstance(value, Decimal):
            out[key] = str(value)
        elif value is None or isinstance(value, str | int | float | bool):
            out[key] = value
        else:
            out[key] = str(value)
    return out


@dataclass(slots=True)
class _Who:
    """What ingestion needs to know of a person: fetched as plain values for a batch, or taken
    from the Person a web form already holds (`obj`)."""

    pk: int
    commune_id: int
    user_id: int | None
    living: bool
    province_id: int | None = None
    obj: Person | None = None

    @classmethod
    def of(cls, person: Person) -> _Who:
        living = person.date_of_death is None and person.merged_into_id is None
        return cls(person.pk, person.commune_id, person.user_id, living, obj=person)


def _people_by_personal_id(wanted: set[str]) -> dict[str, _Who]:
    """One query for the people a batch names (plain values: no model instances)."""
    found: dict[str, _Who] = {}
    rows = Person.objects.filter(bulk.any_of("personal_id", wanted)).values_list(
        "personal_id",
        "pk",
        "commune_id",
        "user_id",
        "date_of_death",
        "merged_into_id",
        "commune__province_id",
    )
    for personal_id, pk, commune_id, user_id, died, merged, province_id in rows:
        found[personal_id] = _Who(
            pk, commune_id, user_id, died is None and merged is None, province_id
        )
    return found


def _allowed_people(sender: Sender, people: Iterable[_Who]) -> set[int]:
    """Which of these people the sender may send readings for (consent is checked apart)."""
    allowed: set[int] = set()
    device = sender.device
    user = sender.user
    living = [who for who in people if who.living]
    if device is not None:
        for who in living:
            if (
                (who.pk == device.person_id)
                if device.person_id
                else (who.commune_id == device.commune_id)
            ):
                allowed.add(who.pk)
        return allowed
    if user is not None and sender.token is not None:
        codes = commune_codes_for_user(user)
        for who in living:
            if codes is None:
                province = (
                    who.province_id if who.province_id is not None else who.obj.commune.province_id  # type: ignore[union-attr]
                )
                ok = province == settings.PROVINCE_CODE
            else:
                ok = who.commune_id in codes
            if ok:
                allowed.add(who.pk)
        return allowed
    if user is None:
        return allowed
    # A person at home, a carer, a helper or a health worker: the health book's own rule,
    # which needs the Person (a browser sends few readings at a time).
    missing = [who.pk for who in living if who.obj is None]
    loaded = Person.objects.in_bulk(missing) if missing else {}
    helper_codes = (commune_codes_for_user(user) or set()) if user.role == Role.HELPER else set()
    for who in living:
        person = who.obj or loaded.get(who.pk)
        if person is None:
            continue
        if relation_to(user, person) or who.commune_id in helper_codes:
            allowed.add(who.pk)
    return allowed


def _source_for(sender: Sender, who: _Who) -> str:
    if sender.source:
        return sender.source
    user = sender.user
    if user is None:
        return Reading.Source.DEVICE
    if who.user_id == user.pk:
        return Reading.Source.SELF
    if user.role == Role.HEALTH_WORKER:
        return Reading.Source.HEALTH_WORKER
    if user.role == Role.HELPER:
        return Reading.Source.HELPER
    return Reading.Source.SELF  # a carer at home with the person


@dataclass(slots=True)
class _New:
    """A reading just stored, as the rules see it (no model instance per reading)."""

    pk: int
    person_id: int
    commune_id: int
    kind: str
    value: Decimal
    value2: Decimal | None
    context: str
    measured_at: datetime


_READING_COLUMNS = (
    "person_id",
    "kind",
    "value",
    "value2",
    "context",
    "measured_at",
    "received_at",
    "source",
    "entered_by_id",
    "device_id",
    "client_id",
    "flag",
)


def readings_ingest(
    *, items: list[dict[str, Any]], sender: Sender, now: datetime | None = None
) -> list[ItemResult]:
    """Check, store and evaluate a batch of readings; one result per item, in order.

    An item has kind, value (systolic for blood pressure), value2 (diastolic), unit, context
    (glucose: fasting/random), measured_at, client_id, and the person: `person` (a Person, from
    web forms) or `personal_id`; a device bound to one person may leave it out.

    The batch costs a fixed number of queries whatever its size: one each for the people, their
    consent, the client ids already stored, the insert (COPY on PostgreSQL, after drawing the
    ids), the rules' history and overrides, the open alerts, the new and the refreshed alerts,
    the tasks, and one audit entry for the whole batch. Between them the readings travel as
    plain values, never as model instances: at thousands of readings a second, per-row
    overhead is what decides the throughput.
    """
    now = now or timezone.now()
    skew = timedelta(seconds=settings.HEALTH_CLOCK_SKEW_SECONDS)
    results = [
        ItemResult(index=i + 1, client_id=str(it.get("client_id") or ""))
        for i, it in enumerate(items)
    ]
    cleaned: dict[int, CleanReading] = {}
    for i, item in enumerate(items):
        result = results[i]
        if len(result.client_id) > CLIENT_ID_MAX:
            _refused(
                result,
                Problem(
                    "client_id_too_long",
                    f"client_id dài quá {CLIENT_ID_MAX} ký tự; hãy dùng mã ngắn hơn (ví dụ UUID).",
                    f"client_id is longer than {CLIENT_ID_MAX} characters; use a shorter id "
                    "(e.g. a UUID).",
                ),
            )
            continue
        measured_at = item.get("measured_at")
        if isinstance(measured_at, str):
            measured_at = parse_datetime(measured_at)
        try:
            cleaned[i] = clean(
                kind=str(item.get("kind") or ""),
                value=item.get("value"),
                value2=item.get("value2"),
                unit=item.get("unit"),
                context=str(item.get("context") or ""),
                measured_at=measured_at,
                now=now,
                clock_skew=skew,
            )
        except ReadingRefused as exc:
            _refused(result, exc.problem)

    # The people: given, by personal ID number, or the device's own.
    by_index: dict[int, _Who] = {}
    wanted_ids = {
        str(items[i].get("personal_id") or "").strip()
        for i in cleaned
        if items[i].get("person") is None and items[i].get("personal_id")
    }
    found = _people_by_personal_id(wanted_ids) if wanted_ids else {}
    device_person = (
        _Who.of(sender.device.person)
        if sender.device is not None and sender.device.person is not None
        else None
    )
    given: dict[int, _Who] = {}
    for i in list(cleaned):
        item = items[i]
        person = item.get("person")
        who: _Who | None
        if person is not None:
            who = given.get(person.pk)
            if who is None:
                who = given[person.pk] = _Who.of(person)
        elif item.get("personal_id"):
            who = found.get(str(item["personal_id"]).strip())
        else:
            who = device_person
        if who is None:
            _refused(results[i], PERSON_UNKNOWN)
            del cleaned[i]
            continue
        by_index[i] = who
    allowed = _allowed_people(sender, {w.pk: w for w in by_index.values()}.values())
    consented = (
        set(
            with_health_consent(Person.objects.filter(bulk.any_of("pk", allowed))).values_list(
                "pk", flat=True
            )
        )
        if allowed
        else set()
    )
    for i in list(cleaned):
        who = by_index[i]
        if who.pk not in allowed:
            _refused(results[i], PERSON_UNKNOWN)
            del cleaned[i]
        elif who.pk not in consented:
            _refused(results[i], CONSENT_MISSING)
            del cleaned[i]

    # Duplicates: in the batch, then against what is stored.
    namespace = sender.namespace
    keys: dict[int, str] = {}
    first_with_key: dict[str, int] = {}
    for i in list(cleaned):
        cid = results[i].client_id
        if not cid:
            continue
        key = namespace + cid
        if key in first_with_key:
            results[i].status = "duplicate"
            results[i].code = DUPLICATE_IN_BATCH.code
            results[i].message = DUPLICATE_IN_BATCH.message_vi
            results[i].message_en = DUPLICATE_IN_BATCH.message_en
            del cleaned[i]
            continue
        first_with_key[key] = i
        keys[i] = key

    with transaction.atomic():
        stored = _existing_client_ids(list(keys.values()))
        for i, key in list(keys.items()):
            if key in stored and i in cleaned:
                results[i].status = "duplicate"
                results[i].reading_id = stored[key]
                results[i].code = "duplicate"
                results[i].message = "Chỉ số này đã được nhận trước đây; không tính lại."
                results[i].message_en = "This reading was received before; it is not counted again."
                del cleaned[i]
        entered_by_id = sender.user.pk if sender.device is None and sender.user else None
        device_id = sender.device.pk if sender.device is not None else None
        order = list(cleaned)
        rows = []
        for i in order:
            reading, who = cleaned[i], by_index[i]
            rows.append(
                (
                    who.pk,
                    reading.kind,
                    reading.value,
                    reading.value2,
                    reading.context,
                    reading.measured_at,
                    now,
                    _source_for(sender, who),
                    entered_by_id,
                    device_id,
                    keys.get(i, ""),
                    reading.flag,
                )
            )
        ids = bulk.insert_rows(Reading, _READING_COLUMNS, rows)
        readings = []
        for i, pk in zip(order, ids, strict=True):
            reading, who = cleaned[i], by_index[i]
            readings.append(
                _New(
                    pk,
                    who.pk,
                    who.commune_id,
                    reading.kind,
                    reading.value,
                    reading.value2,
                    reading.context,
                    reading.measured_at,
                )
            )
            results[i].status = "flagged" if reading.flag else "accepted"
            results[i].reading_id = pk
            results[i].flag = reading.flag
        if readings:
            outcome = _apply_rules(readings, now=now)
            for i, reading_pk in zip(order, ids, strict=True):
                found_alerts = outcome.get(reading_pk, [])
                results[i].alerts = [a for a, _s, _vi, _en in found_alerts]
                if found_alerts:
                    worst = min(found_alerts, key=lambda f: f[1])
                    results[i].advice_severity = worst[1]
                    results[i].advice_vi = worst[2]
                    results[i].advice_en = worst[3]
        _store_rejected(items, results, sender, now)
        if sender.device is not None:
            # The readings' link to their device has no database check (it ran once per row):
            # this update is the check, once, and its row lock holds the device to the commit.
            if not Device.objects.filter(pk=sender.device.pk).update(last_seen_at=now):
                raise PermissionDenied(DEVICE_GONE)
        _audit_batch(readings, results, sender, now)
    return results


@transaction.atomic
def readings_keep_refused(
    *, items: list[dict[str, Any]], device: Device | None, reason_vi: str, reason_en: str
) -> int:
    """Keep a whole refused request (e.g. from a revoked device) with its reason, so that
    nothing a device sent is lost; returns how many items were kept."""
    now = timezone.now()
    rows = [
        RejectedReading(
            payload=_jsonable(item),
            reason=reason_vi[:300],
            reason_en=reason_en[:300],
            device=device,
            received_at=now,
        )
        for item in items
    ]
    RejectedReading.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _existing_client_ids(keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    # PostgreSQL takes the ids as one array; SQLite binds each, within its parameter limit.
    step = 900 if connection.vendor == "sqlite" else max(len(keys), 1)
    for start in range(0, len(keys), step):
        chunk = keys[start : start + step]
        # Excluding the empty id repeats the partial unique index's condition, so that SQLite
        # searches the index instead of scanning every reading.
        found.update(
            Reading.objects.filter(bulk.any_of("client_id", chunk))
            .exclude(client_id="")
            .order_by()
            .values_list("client_id", "pk")
        )
    return found


def _store_rejected(
    items: list[dict[str, Any]], results: list[ItemResult], sender: Sender, now: datetime
) -> None:
    rows = [
        RejectedReading(
            payload=_jsonable(items[r.index - 1]),
            reason=r.message[:300],
            reason_en=r.message_en[:300],
            device=sender.device,
            user=sender.user if sender.device is None else None,
            received_at=now,
        )
        for r in results
        if r.status == "rejected"
    ]
    if rows:
        RejectedReading.objects.bulk_create(rows, batch_size=500)


def _audit_batch(
    readings: list[_New], results: list[ItemResult], sender: Sender, now: datetime
) -> None:
    """One audit entry per batch: who sent it, for whom, and how many of each outcome. A
    batch of one person's readings (a web form, a home meter) names that person."""
    if not readings:
        return
    people = sorted({r.person_id for r in readings})
    communes = {r.commune_id for r in readings}
    kinds: dict[str, int] = defaultdict(int)
    for reading in readings:
        kinds[reading.kind] += 1
    outcomes: dict[str, int] = defaultdict(int)
    for result in results:
        outcomes[result.status] += 1
    actor = sender.user if sender.user is not None and sender.user.is_authenticated else None
    label = sender.device.label if sender.device is not None else (actor.username if actor else "")
    request = sender.request
    AuditEntry.objects.create(
        at=now,
        actor=actor,
        actor_label=label[:150],
        action=AuditEntry.Action.CREATE,
        object_type="health_reading",
        object_id=str(people[0]) if len(people) == 1 else "",
        object_label=", ".join(sorted(kinds))[:200],
        commune_code=next(iter(communes)) if len(communes) == 1 else None,
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request else "")[:200],
        via=sender.via,
        details={
            "readings": len(readings),
            "kinds": dict(sorted(kinds.items())),
            "outcomes": dict(sorted(outcomes.items())),
            "people": people,
            "device": sender.device.pk if sender.device is not None else None,
        },
    )


# Rules -> alerts -> tasks -------------------------------------------------------------------


def _overrides_for(person_ids: set[int]) -> dict[int, dict[str, tuple[Any, Any]]]:
    result: dict[int, dict[str, tuple[Any, Any]]] = defaultdict(dict)
    for o in ThresholdOverride.objects.filter(
        bulk.any_of("person_id", person_ids), ended_at__isnull=True
    ).values("person_id", "rule", "low", "high"):
        result[o["person_id"]][o["rule"]] = (o["low"], o["high"])
    return result


def _history_facts(
    readings: list[_New],
    rule_set: rules_lib.RuleSet,
    overrides: dict[int, dict[str, tuple[Any, Any]]],
) -> dict[int, rules_lib.ReadingFacts]:
    """Each reading with the history its rules need, from one query per kind of history."""
    facts: dict[int, rules_lib.ReadingFacts] = {}
    confirm_rules = [r for r in rule_set.rules if r.confirm_minutes is not None]
    trend_rules = [r for r in rule_set.rules if r.gain is not None]

    def rule_for(rule: rules_lib.Rule, person_id: int) -> rules_lib.Rule:
        own = overrides.get(person_id, {}).get(rule.id)
        return rule.with_override(*own) if own else rule

    earlier: dict[int, set[str]] = defaultdict(set)
    for rule in confirm_rules:
        window = timedelta(minutes=rule.confirm_minutes or 0)
        candidates = [
            r
            for r in readings
            if r.kind == rule.kind
            and rules_lib.meets(rule_for(rule, r.person_id), r.value, r.value2, r.context)
        ]
        if not candidates:
            continue
        people = {r.person_id for r in candidates}
        since = min(r.measured_at for r in candidates) - window
        until = max(r.measured_at for r in candidates)
        history: dict[int, list[tuple[datetime, int, Decimal, Decimal | None, str]]] = defaultdict(
            list
        )
        for row in Reading.objects.filter(
            bulk.any_of("person_id", people),
            kind=rule.kind,
            measured_at__gte=since,
            measured_at__lte=until,
        ).values_list("person_id", "measured_at", "pk", "value", "value2", "context"):
            history[row[0]].append(row[1:])
        for r in candidates:
            own = rule_for(rule, r.person_id)
            for at, pk, value, value2, context in history[r.person_id]:
                if (
                    pk != r.pk
                    and r.measured_at - window <= at <= r.measured_at
                    and (at < r.measured_at or pk < r.pk)
                    and rules_lib.meets(own, value, value2, context)
                ):
                    earlier[r.pk].add(rule.id)
                    break

    lowest: dict[int, Decimal] = {}
    for rule in trend_rules:
        window = timedelta(days=rule.within_days or 0)
        subjects = [r for r in readings if r.kind == rule.kind]
        if not subjects:
            continue
        people = {r.person_id for r in subjects}
        since = min(r.measured_at for r in subjects) - window
        weights: dict[int, list[tuple[datetime, int, Decimal]]] = defaultdict(list)
        for person_id, at, pk, value in Reading.objects.filter(
            bulk.any_of("person_id", people), kind=rule.kind, measured_at__gte=since
        ).values_list("person_id", "measured_at", "pk", "value"):
            weights[person_id].append((at, pk, value))
        for r in subjects:
            before = [
                v
                for at, pk, v in weights[r.person_id]
                if r.measured_at - window <= at < r.measured_at and pk != r.pk
            ]
            if before:
                lowest[r.pk] = min(before)

    for r in readings:
        facts[r.pk] = rules_lib.ReadingFacts(
            kind=r.kind,
            value=Decimal(r.value),
            value2=Decimal(r.value2) if r.value2 is not None else None,
            context=r.context,
            measured_at=r.measured_at,
            earlier_meeting=frozenset(earlier.get(r.pk, ())),
            lowest_recent_weight=lowest.get(r.pk),
        )
    return facts


@dataclass(slots=True)
class _Hit:
    person_id: int
    commune_id: int
    finding: rules_lib.Finding
    reading_id: int | None
    at: datetime
    count: int = 1


def _apply_rules(
    readings: list[_New], *, now: datetime
) -> dict[int, list[tuple[int, int, str, str]]]:
    """Evaluate the new readings and open or raise alerts; returns, per reading, the alerts it
    touched as (alert id, severity, advice vi, advice en)."""
    rule_set, version = active_rule_set()
    person_ids = {r.person_id for r in readings}
    overrides = _overrides_for(person_ids)
    facts = _history_facts(readings, rule_set, overrides)
    hits: dict[str, _Hit] = {}
    by_reading: dict[int, list[tuple[str, rules_lib.Finding]]] = defaultdict(list)
    for reading in readings:
        for finding in rules_lib.evaluate(
            rule_set, facts[reading.pk], overrides.get(reading.person_id)
        ):
            key = f"{reading.person_id}:{finding.family}"
            by_reading[reading.pk].append((key, finding))
            hit = hits.get(key)
            if hit is None:
                hits[key] = _Hit(
                    reading.person_id,
                    reading.commune_id,
                    finding,
                    reading.pk,
                    reading.measured_at,
                )
                continue
            hit.count += 1
            worse = finding.outcome.severity < hit.finding.outcome.severity
            newer = reading.measured_at >= hit.at
            if worse or (finding.outcome.severity == hit.finding.outcome.severity and newer):
                hit.finding, hit.reading_id = finding, reading.pk
            hit.at = max(hit.at, reading.measured_at)
    # One read of the open alerts these readings touch: their own families, and "no reading
    # for N days", which a reading of any kind ends.
    silent = [f"{pk}:no_reading" for pk in person_ids]
    existing = _open_alerts([*hits, *silent])
    ended = [existing.pop(key).pk for key in silent if key in existing]
    if ended:
        _resolve_no_reading(ended, now)
    alerts = _upsert_alerts(hits, version, now, existing)
    touched: dict[int, list[tuple[int, int, str, str]]] = {}
    for reading_pk, pairs in by_reading.items():
        touched[reading_pk] = [
            (alerts[key], finding.outcome.severity, finding.message_vi, finding.message_en)
            for key, finding in pairs
            if key in alerts
        ]
    return touched


def _resolve_no_reading(alert_ids: list[int], now: datetime) -> None:
    """A reading of any kind ends "no reading for N days": these open alerts and their tasks."""
    Alert.objects.filter(pk__in=alert_ids).exclude(status=Alert.Status.RESOLVED).update(
        status=Alert.Status.RESOLVED,
        resolved_at=now,
        resolution="Đã có chỉ số mới. / A new reading arrived.",
    )
    CareTask.objects.filter(alert__in=alert_ids, status=CareTask.Status.OPEN).update(
        status=CareTask.Status.CANCELLED,
        done_at=now,
        outcome="Đã có chỉ số mới. / A new reading arrived.",
    )


def _escalate_at(outcome: rules_lib.Outcome, now: datetime) -> datetime | None:
    if outcome.escalate_after_minutes is None:
        return None
    return now + timedelta(minutes=outcome.escalate_after_minutes)


@dataclass(slots=True)
class _OpenAlert:
    """An open alert as ingestion reads and writes it: plain values, no model instance."""

    pk: int
    person_id: int
    commune_id: int
    rule: str
    severity: int
    status: str
    message: str
    reading_id: int | None
    threshold_version: int | None
    dedupe_key: str
    last_at: datetime
    occurrences: int
    snoozed_until: datetime | None
    escalate_at: datetime | None
    escalated_at: datetime | None


_OPEN_ALERT_FIELDS = tuple(_OpenAlert.__dataclass_fields__)
# What refreshing an open alert may change, written back in one statement.
_UPDATED_FIELDS = (
    "occurrences",
    "last_at",
    "severity",
    "rule",
    "message",
    "reading_id",
    "threshold_version",
    "escalate_at",
    "escalated_at",
    "status",
    "snoozed_until",
)
_NEW_ALERT_COLUMNS = (
    "person_id",
    "commune_id",
    "rule",
    "severity",
    "status",
    "message",
    "reading_id",
    "threshold_version",
    "dedupe_key",
    "first_at",
    "last_at",
    "occurrences",
    "escalate_at",
    "resolution",
)
_TASK_COLUMNS = (
    "person_id",
    "commune_id",
    "kind",
    "alert_id",
    "reason",
    "priority",
    "due_at",
    "status",
    "dedupe_key",
    "created_at",
    "outcome",
)


def _open_alerts(keys: Iterable[str]) -> dict[str, _OpenAlert]:
    rows = (
        Alert.objects.filter(bulk.any_of("dedupe_key", keys))
        .exclude(status=Alert.Status.RESOLVED)
        .order_by()
        .values_list(*_OPEN_ALERT_FIELDS)
    )
    return {row[9]: _OpenAlert(*row) for row in rows}


def _upsert_alerts(
    hits: dict[str, _Hit],
    version: int,
    now: datetime,
    existing: dict[str, _OpenAlert] | None = None,
) -> dict[str, int]:
    """Open an alert per key, or refresh the open one (raising it when the news is worse);
    returns the alert id of each key. `existing` is the open alerts of these keys when the
    caller has already read them."""
    if not hits:
        return {}
    if existing is None:
        existing = _open_alerts(hits)
    new_rows: list[tuple[Any, ...]] = []
    new_keys: list[str] = []
    changed: list[_OpenAlert] = []
    raised: list[_OpenAlert] = []
    for key, hit in hits.items():
        finding = hit.finding
        outcome = finding.outcome
        alert = existing.get(key)
        if alert is None:
            new_keys.append(key)
            new_rows.append(
                (
                    hit.person_id,
                    hit.commune_id,
                    finding.rule,
                    outcome.severity,
                    Alert.Status.OPEN,
                    finding.message_vi[:300],
                    hit.reading_id,
                    version,
                    key,
                    now,
                    hit.at,
                    hit.count,
                    _escalate_at(outcome, now),
                    "",
                )
            )
            continue
        alert.occurrences += hit.count
        alert.last_at = max(alert.last_at, hit.at)
        if outcome.severity < alert.severity:
            alert.severity = outcome.severity
            alert.rule = finding.rule
            alert.message = finding.message_vi[:300]
            alert.reading_id = hit.reading_id
            alert.threshold_version = version
            alert.escalate_at = _escalate_at(outcome, now)
            alert.escalated_at = None
            # Worse news overrides an acknowledgement or a snooze.
            alert.status = Alert.Status.OPEN
            alert.snoozed_until = None
            raised.append(alert)
        elif outcome.severity == alert.severity and hit.reading_id is not None:
            alert.reading_id = hit.reading_id
            alert.message = finding.message_vi[:300]
        changed.append(alert)
    created: dict[str, int] = {}
    if new_rows:
        try:
            with transaction.atomic():
                ids = bulk.insert_rows(Alert, _NEW_ALERT_COLUMNS, new_rows)
            created = dict(zip(new_keys, ids, strict=True))
        except IntegrityError:
            # Another batch opened one of these alerts at the same moment: take theirs.
            created = _create_one_by_one(new_keys, new_rows)
    if changed:
        bulk.update_rows(
            Alert,
            _UPDATED_FIELDS,
            [(a.pk, *(getattr(a, name) for name in _UPDATED_FIELDS)) for a in changed],
        )
    # The alerts that are new or worse get a task (if their rule asks) and, when urgent, a
    # message to the commune's health workers.
    fresh = [
        (key, pk, hits[key].person_id, hits[key].commune_id, hits[key].finding)
        for key, pk in created.items()
    ]
    fresh += [
        (a.dedupe_key, a.pk, a.person_id, a.commune_id, hits[a.dedupe_key].finding) for a in raised
    ]
    _tasks_for(fresh, now, raised=frozenset(a.pk for a in raised))
    urgent = [pk for _k, pk, _p, _c, f in fresh if f.outcome.severity <= Alert.Severity.HIGH]
    if urgent:
        transaction.on_commit(partial(_enqueue_alert_notifications, urgent), robust=True)
    return {**created, **{a.dedupe_key: a.pk for a in changed}}


def _create_one_by_one(keys: list[str], rows: list[tuple[Any, ...]]) -> dict[str, int]:
    created: dict[str, int] = {}
    for key, row in zip(keys, rows, strict=True):
        try:
            with transaction.atomic():
                created[key] = bulk.insert_rows(Alert, _NEW_ALERT_COLUMNS, [row])[0]
        except IntegrityError:
            last_at = row[_NEW_ALERT_COLUMNS.index("last_at")]
            Alert.objects.filter(dedupe_key=key).exclude(status=Alert.Status.RESOLVED).update(
                last_at=last_at
            )
    return created


def _tasks_for(
    alerts: list[tuple[str, int, int, int, rules_lib.Finding]],
    now: datetime,
    *,
    raised: frozenset[int] = frozenset(),
) -> None:
    """A task per new or raised alert (dedupe key, id, person, commune, finding) whose rule
    asks for one; an alert that was raised may already have its task, which stays the only
    one (`raised` holds those alerts' ids)."""
    rows = []
    for _key, pk, person_id, commune_id, finding in alerts:
        outcome = finding.outcome
        if outcome.task == "none":
            continue
        rows.append(
            (
                person_id,
                commune_id,
                outcome.task,
                pk,
                finding.message_vi[:300],
                outcome.severity,
                now + timedelta(minutes=outcome.due_minutes),
                CareTask.Status.OPEN,
                f"alert:{pk}:{outcome.task}",
                now,
                "",
            )
        )
    if raised and rows:
        # Looked up first so that the insert rarely meets a row in its way (PostgreSQL then
        # has to redo it); the unique dedupe key still settles a race with another batch.
        wanted = [row[8] for row in rows if row[3] in raised]
        there = set(
            CareTask.objects.filter(bulk.any_of("dedupe_key", wanted)).values_list(
                "dedupe_key", flat=True
            )
        )
        rows = [row for row in rows if row[8] not in there]
    if rows:
        bulk.insert_rows(CareTask, _TASK_COLUMNS, rows, returning=False, ignore_conflicts=True)


# Alert and task actions ---------------------------------------------------------------------


def _audit_alert(
    alert: Alert, actor: User, what: str, request: HttpRequest | None, **details: Any
) -> None:
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="health_alert",
        object_id=alert.pk,
        object_label=f"{alert.rule}: {what}",
        commune_code=alert.commune_id,
        request=request,
        details={"person": alert.person_id, "action": what, **details},
    )


@transaction.atomic
def alert_acknowledge(*, alert: Alert, actor: User, request: HttpRequest | None = None) -> Alert:
    """Someone is on it: the alert stops escalating."""
    Alert.objects.filter(pk=alert.pk, status__in=[Alert.Status.OPEN, Alert.Status.SNOOZED]).update(
        status=Alert.Status.ACKNOWLEDGED, acknowledged_by=actor, snoozed_until=None
    )
    alert.refresh_from_db()
    _audit_alert(alert, actor, "acknowledge", request)
    return alert


SNOOZE_CHOICES_HOURS = (1, 4, 12, 24, 72)


@transaction.atomic
def alert_snooze(
    *, alert: Alert, actor: User, hours: int, request: HttpRequest | None = None
) -> Alert:
    """Put the alert aside for some hours; it comes back by itself, or at once if worse news
    arrives. Critical alerts cannot be snoozed."""
    if hours not in SNOOZE_CHOICES_HOURS:
        raise ValidationError(
            f"Chọn một khoảng hoãn: {SNOOZE_CHOICES_HOURS} giờ. / Choose a snooze of "
            f"{SNOOZE_CHOICES_HOURS} hours."
        )
    if alert.severity == Alert.Severity.CRITICAL:
        raise ValidationError(
            "Không thể hoãn cảnh báo nguy cấp; hãy xác nhận đã nhận và xử lý. / A critical alert "
            "cannot be snoozed; acknowledge it and act."
        )
    until = timezone.now() + timedelta(hours=hours)
    Alert.objects.filter(pk=alert.pk).exclude(status=Alert.Status.RESOLVED).update(
        status=Alert.Status.SNOOZED, snoozed_until=until
    )
    alert.refresh_from_db()
    _audit_alert(alert, actor, "snooze", request, hours=hours)
    return alert


@transaction.atomic
def alert_resolve(
    *, alert: Alert, actor: User, resolution: str, request: HttpRequest | None = None
) -> Alert:
    """Close the alert with what was done; a new reading over the threshold opens a new one."""
    resolution = resolution.strip()
    if not resolution:
        raise ValidationError(
            {
                "resolution": "Hãy ghi đã làm gì (ví dụ: đã gọi, hẹn khám). / Say what was done "
                "(e.g. called, appointment made)."
            }
        )
    now = timezone.now()
    Alert.objects.filter(pk=alert.pk).exclude(status=Alert.Status.RESOLVED).update(
        status=Alert.Status.RESOLVED,
        resolved_at=now,
        resolved_by=actor,
        resolution=resolution[:300],
    )
    alert.refresh_from_db()
    _audit_alert(alert, actor, "resolve", request)
    return alert


@transaction.atomic
def task_complete(
    *,
    task: CareTask,
    actor: User,
    outcome: str,
    resolve_alert: bool = False,
    request: HttpRequest | None = None,
) -> CareTask:
    """Mark a task done with its outcome (and, if asked, resolve the alert behind it)."""
    outcome = outcome.strip()
    if not outcome:
        raise ValidationError(
            {
                "outcome": "Hãy ghi kết quả (ví dụ: đã gọi, người bệnh ổn). / Write the outcome "
                "(e.g. called, the person is fine)."
            }
        )
    now = timezone.now()
    CareTask.objects.filter(pk=task.pk, status=CareTask.Status.OPEN).update(
        status=CareTask.Status.DONE, done_at=now, done_by=actor, outcome=outcome[:500]
    )
    task.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="health_task",
        object_id=task.pk,
        object_label=f"{task.kind}: done",
        commune_code=task.commune_id,
        request=request,
        details={"person": task.person_id},
    )
    if resolve_alert and task.alert_id is not None:
        alert_resolve(alert=task.alert, actor=actor, resolution=outcome, request=request)  # type: ignore[arg-type]
    return task


# Devices --------------------------------------------------------------------------------------


@transaction.atomic
def device_create(
    *,
    label: str,
    commune_id: int,
    actor: User,
    person: Person | None = None,
    request: HttpRequest | None = None,
) -> tuple[Device, str]:
    """Register a device (a person's meter, or a commune gateway when person is None) and
    return it with its token; the raw token is shown once and only its hash is kept."""
    label = label.strip()
    if not label:
        raise ValidationError(
            {
                "label": "Hãy đặt tên cho thiết bị (ví dụ: máy đo huyết áp Omron). / Give the "
                "device a name (e.g. Omron blood-pressure monitor)."
            }
        )
    if person is not None and person.commune_id != commune_id:
        raise ValidationError(
            "Thiết bị phải thuộc xã của người đó. / The device must belong to the person's commune."
        )
    prefix = secrets.token_hex(4)
    raw = f"{DEVICE_TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    device = Device.objects.create(
        label=label[:150],
        person=person,
        commune_id=commune_id,
        token_hash=ApiToken.hash(raw),
        token_prefix=prefix,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        object_type="health_device",
        object_id=device.pk,
        object_label=device.label,
        commune_code=commune_id,
        request=request,
        details={"person": person.pk if person else None, "prefix": prefix},
    )
    return device, raw


@transaction.atomic
def device_revoke(*, device: Device, actor: User, request: HttpRequest | None = None) -> Device:
    """Stop accepting the device's token; what it sent before stays."""
    Device.objects.filter(pk=device.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    device.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="health_device",
        object_id=device.pk,
        object_label=device.label,
        commune_code=device.commune_id,
        request=request,
        details={"revoked": True},
    )
    return device


def device_for_token(raw: str) -> Device | None:
    """The device a token belongs to, revoked or not (the caller tells the two apart)."""
    if not raw.startswith(DEVICE_TOKEN_PREFIX + "_"):
        return None
    return (
        Device.objects.select_related("person__commune", "commune")
        .filter(token_hash=ApiToken.hash(raw))
        .first()
    )


# Notifications --------------------------------------------------------------------------------


def _enqueue_alert_notifications(alert_ids: list[int]) -> None:
    from health.monitoring.tasks import notify_alerts

    notify_alerts.enqueue(alert_ids=alert_ids)


def _initials(full_name: str) -> str:
    """Names travel by SMS as initials plus the given name: enough for a worker who knows
    their forty patients, not enough for a stranger reading the phone."""
    parts = full_name.split()
    if len(parts) <= 1:
        return full_name
    return " ".join(p[0] + "." for p in parts[:-1]) + " " + parts[-1]


def health_workers_of(commune_id: int) -> list[User]:
    return list(
        User.objects.filter(role=Role.HEALTH_WORKER, is_active=True, communes=commune_id)
        .order_by("pk")
        .distinct()
    )


def _send(user: User, subject: str, body: str, *, urgent: bool) -> bool:
    from notifications.services import message_queue

    if user.phone:
        channel, recipient = "sms", user.phone
    elif user.email:
        channel, recipient = "email", user.email
    else:
        return False
    try:
        message_queue(
            channel=channel,
            recipient=recipient,
            subject=subject,
            body=body,
            user=user,
            urgent=urgent,
        )
    except ValidationError:
        logger.warning("health: cannot notify user %s (bad %s address)", user.pk, channel)
        return False
    return True


def alert_notify(*, alert_id: int, escalation: bool = False) -> int:
    """Tell the health workers of the person's commune about one alert; returns how many
    messages were queued. Critical alerts and escalations are urgent (quiet hours do not hold
    them back); high ones wait for the end of quiet hours."""
    alert = Alert.objects.select_related("person__village", "commune").filter(pk=alert_id).first()
    if alert is None or alert.status == Alert.Status.RESOLVED:
        return 0
    urgent = escalation or alert.severity == Alert.Severity.CRITICAL
    person = alert.person
    where = person.village.name if person.village else alert.commune.name
    head = "CHƯA XỬ LÝ - " if escalation else ""
    subject = f"[Làng Số] {head}Cảnh báo {SEVERITY_VI[alert.severity]}"
    body = (
        f"{subject}: {alert.message} — {_initials(person.full_name)}, {where}. "
        f"Mở / open: /health/monitoring/alerts/{alert.pk}/"
    )
    sent = sum(_send(u, subject, body, urgent=urgent) for u in health_workers_of(alert.commune_id))
    if escalation:
        anonymous = (
            f"[Làng Số] Cảnh báo {SEVERITY_VI[alert.severity]} tại {alert.commune.name} chưa được "
            f"xử lý sau hạn. / An urgent health alert in {alert.commune.name} has not been "
            "acknowledged in time."
        )
        for address in settings.HEALTH_ESCALATION_RECIPIENTS:
            from notifications.services import message_queue

            channel = "email" if "@" in address else "sms"
            try:
                message_queue(channel=channel, recipient=address, body=anonymous, urgent=True)
                sent += 1
            except ValidationError:
                logger.warning("health: bad HEALTH_ESCALATION_RECIPIENTS entry %r", address)
    return sent


# Periodic work ----------------------------------------------------------------------------------


def alerts_escalate(*, now: datetime | None = None) -> int:
    """Escalate open alerts nobody acknowledged before their deadline (once each)."""
    now = now or timezone.now()
    due = list(
        Alert.objects.filter(
            status=Alert.Status.OPEN, escalate_at__lte=now, escalated_at__isnull=True
        ).values_list("pk", flat=True)[:500]
    )
    escalated = 0
    for pk in due:
        # The conditional UPDATE claims the escalation: two workers never send it twice.
        with transaction.atomic():
            claimed = Alert.objects.filter(
                pk=pk, status=Alert.Status.OPEN, escalated_at__isnull=True
            ).update(escalated_at=now)
            if claimed:
                transaction.on_commit(partial(_enqueue_escalation, pk), robust=True)
                escalated += 1
    return escalated


def _enqueue_escalation(alert_id: int) -> None:
    from health.monitoring.tasks import notify_escalation

    notify_escalation.enqueue(alert_id=alert_id)


def alerts_wake(*, now: datetime | None = None) -> int:
    """Snoozed alerts whose time is up are open again."""
    now = now or timezone.now()
    return Alert.objects.filter(status=Alert.Status.SNOOZED, snoozed_until__lte=now).update(
        status=Alert.Status.OPEN, snoozed_until=None
    )


def no_reading_sweep(*, now: datetime | None = None) -> int:
    """Open a "no reading for N days" alert (and a call task) for each consented person whose
    last reading is older than N days; returns how many alerts were opened. Safe to repeat."""
    now = now or timezone.now()
    rule_set, version = active_rule_set()
    opened = 0
    for rule in rule_set.sweep_rules():
        days = rule.sweep_days or 0
        cutoff = now - timedelta(days=days)
        stale = (
            Reading.objects.values("person_id")
            .annotate(last=Max("measured_at"))
            .filter(last__lt=cutoff)
        )
        last_by_person = {row["person_id"]: row["last"] for row in stale}
        if not last_by_person:
            continue
        people = with_health_consent(
            Person.objects.filter(bulk.any_of("pk", last_by_person), date_of_death__isnull=True)
        ).values_list("pk", "commune_id")
        hits = {}
        for person_id, commune_id in people:
            finding = rules_lib.Finding(rule.id, rule.family, rule.outcome, str(days))
            hits[f"{person_id}:{rule.family}"] = _Hit(
                person_id, commune_id, finding, None, last_by_person[person_id]
            )
        already = set(
            Alert.objects.filter(bulk.any_of("dedupe_key", hits))
            .exclude(status=Alert.Status.RESOLVED)
            .values_list("dedupe_key", flat=True)
        )
        fresh = {k: h for k, h in hits.items() if k not in already}
        with transaction.atomic():
            _upsert_alerts(fresh, version, now)
        opened += len(fresh)
    return opened


def digest_subject(day: Any) -> str:
    return f"[Làng Số] Tóm tắt sức khỏe {day:%d/%m/%Y}"


def digests_send(*, now: datetime | None = None) -> int:
    """One summary a day per health worker with open alerts or tasks, after HEALTH_DIGEST_HOUR
    (Vietnam time): counts only, no names. Returns how many were queued; safe to repeat."""
    from notifications.models import Message

    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < settings.HEALTH_DIGEST_HOUR:
        return 0
    subject = digest_subject(local.date())
    already = set(
        Message.objects.filter(subject=subject, user__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    workers = User.objects.filter(role=Role.HEALTH_WORKER, is_active=True).exclude(pk__in=already)
    queued = 0
    for worker in workers.prefetch_related("communes"):
        codes = [c.code for c in worker.communes.all()]
        alerts = (
            Alert.objects.filter(commune__in=codes)
            .exclude(status=Alert.Status.RESOLVED)
            .values_list("severity", flat=True)
        )
        counts: dict[int, int] = defaultdict(int)
        for severity in alerts:
            counts[severity] += 1
        tasks_due = CareTask.objects.filter(
            commune__in=codes, status=CareTask.Status.OPEN, due_at__lte=now + timedelta(days=1)
        ).count()
        if not counts and not tasks_due:
            continue
        body = (
            f"{subject}: cảnh báo đang mở / open alerts — nguy cấp {counts[1]}, cao {counts[2]}, "
            f"trung bình {counts[3]}, thấp {counts[4]}; việc đến hạn / tasks due: {tasks_due}. "
            "Mở / open: /health/monitoring/alerts/"
        )
        queued += _send(worker, subject, body, urgent=False)
    return queued


_LAST_SWEEP: dict[str, datetime] = {}
_LAST_SCHEDULING: dict[str, date] = {}
SWEEP_EVERY = timedelta(hours=1)


def monitoring_run_due(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic work, run about once a minute by `langso worker`: escalations, snoozes,
    digests every time; the no-reading sweep at most hourly in this process; the home visits
    of active care plans once a day (Vietnam time) in this process. Every part is idempotent,
    so several workers running it is harmless."""
    now = now or timezone.now()
    counts = {
        "escalated": alerts_escalate(now=now),
        "woken": alerts_wake(now=now),
        "no_reading": 0,
        "digests": digests_send(now=now),
        "visits_scheduled": 0,
    }
    last = _LAST_SWEEP.get("no_reading")
    if last is None or now - last >= SWEEP_EVERY or now < last:
        counts["no_reading"] = no_reading_sweep(now=now)
        _LAST_SWEEP["no_reading"] = now
    today = timezone.localdate(now)
    if _LAST_SCHEDULING.get("visits") != today:
        counts["visits_scheduled"] = home_visits_schedule_all(today=today)
        _LAST_SCHEDULING["visits"] = today
    return counts


def is_device_token(raw: str) -> bool:
    return raw.startswith(DEVICE_TOKEN_PREFIX + "_")


def reading_problem_text(result: ItemResult) -> str:
    return f"{result.message} / {result.message_en}"


def open_alert_filter() -> Q:
    return ~Q(status=Alert.Status.RESOLVED)


# Reads worth auditing ---------------------------------------------------------------------------


def person_view_record(
    *, actor: User, person: Person, what: str, request: HttpRequest | None = None, via: str = "web"
) -> None:
    """Someone looked at a person's readings, alerts or thresholds."""
    audit_record(
        actor=actor,
        action=AuditEntry.Action.VIEW,
        object_type="health_monitoring",
        object_id=person.pk,
        object_label=what,
        commune_code=person.commune_id,
        on_behalf_of=person.full_name if actor.pk != person.user_id else "",
        request=request,
        via=via,
    )


def list_view_record(
    *,
    actor: User,
    what: str,
    people: list[int],
    request: HttpRequest | None = None,
    via: str = "web",
) -> None:
    """A list showing several people's health data: one entry naming them all."""
    audit_record(
        actor=actor,
        action=AuditEntry.Action.VIEW,
        object_type="health_monitoring_list",
        object_label=what,
        request=request,
        via=via,
        details={"people": sorted(set(people))},
    )

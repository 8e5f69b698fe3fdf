"""Every write to the registry: imports and sync, edits, social facts, consent, merges.

Each service runs in one transaction (imports: one per batch), leaves a HistoryEntry for every
change and an audit entry for sensitive reads and writes, and clears the person's source
digest so that the next import compares the record field by field.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import AuditEntry, Role, User
from accounts.permissions import user_can_act_in_commune
from accounts.services import audit_record, client_ip
from lib import personal_id as pid_lib
from lib.vn_text import name_key, nfc
from people import import_bulk
from people.extract import COLUMNS, Extract, ExtractError, RawRecord, values_from_mapping
from people.importing import BATCH_SIZE, Counts, Importer, Outcome
from people.models import (
    AccountLinkRequest,
    Consent,
    Disability,
    DuplicateDismissal,
    HistoryEntry,
    Household,
    ImportRun,
    Person,
    PersonMerge,
    PovertyStatus,
    SocialFact,
)
from places.models import Commune, Village

SYNC_MAX_RECORDS = 1000


# Import and sync ------------------------------------------------------------------------------


@dataclass
class ImportResult:
    run: ImportRun
    counts: Counts
    rejects_path: Path | None = None
    warning: str | None = None
    unknown_columns: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)


def default_rejects_path(path: Path) -> Path:
    """Rejected rows of FILE go to FILE-rejects.csv next to it."""
    return path.with_name(f"{path.stem}-rejects.csv")


def population_import(
    *,
    path: Path,
    actor: User | None = None,
    fmt: str | None = None,
    encoding: str | None = None,
    rejects_path: Path | None = None,
    batch_size: int = BATCH_SIZE,
    method: str | None = None,
) -> ImportResult:
    """Import a population extract (CSV, JSON Lines or Parquet) into the registry.

    Upserts by personal ID (or old ID card number), idempotently, one transaction per batch.
    Every rejected record goes to a CSV next to the input with its line and the reason in
    Vietnamese and English. Raises ExtractError (after recording a refused run) when the file
    as a whole cannot be read; then nothing is imported. `method` is "auto" (the default: the
    bulk path of people.import_bulk for the new people of a large CSV file), "bulk" or "rows"
    (record by record); all three give the same outcome.
    """
    run = ImportRun.objects.create(
        source=ImportRun.Source.IMPORT,
        file_name=path.name[:255],
        actor=actor,
        started_at=timezone.now(),
    )
    try:
        extract = Extract(path, fmt=fmt, encoding=encoding)
    except ExtractError as exc:
        _refuse(run, exc, actor)
        raise
    rejects_path = rejects_path or default_rejects_path(path)
    header = ["line", "reason_code", "reason_vi", "reason_en"] + [
        c for c in extract.columns if c in COLUMNS
    ]
    with rejects_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)

        def on_outcome(outcome: Outcome) -> None:
            if outcome.status == "rejected":
                writer.writerow(
                    [
                        outcome.line,
                        ";".join(p.code for p in outcome.problems),
                        " ".join(p.message_vi for p in outcome.problems),
                        " ".join(p.message_en for p in outcome.problems),
                    ]
                    + [outcome.values.get(c, "") for c in header[4:]]
                )

        importer = Importer(run=run, actor=actor, on_outcome=on_outcome, batch_size=batch_size)
        try:
            import_bulk.feed(importer, extract, method=method)
        except ExtractError as exc:
            importer.finish()
            _finish(run, importer.counts, str(rejects_path), str(exc))
            raise
        except UnicodeDecodeError as exc:
            importer.finish()
            _finish(run, importer.counts, str(rejects_path), str(exc))
            raise ExtractError(
                "encoding",
                f"Tệp có byte không đọc được ở giữa tệp ({exc.reason}); các dòng trước đó đã "
                "được nhập. Hãy lưu lại tệp dạng “CSV UTF-8” rồi nhập lại.",
                f"The file holds unreadable bytes part-way through ({exc.reason}); the lines "
                "before them were imported. Save it as “CSV UTF-8” and import it again.",
            ) from exc
        counts = importer.finish()
    _finish(run, counts, str(rejects_path), extract.warning or "")
    audit_record(
        actor=actor,
        action=AuditEntry.Action.IMPORT,
        object_type="population_import",
        object_id=run.pk,
        object_label=run.file_name,
        via="cli",
        details=_counts_dict(counts),
    )
    return ImportResult(
        run=run,
        counts=counts,
        rejects_path=rejects_path,
        warning=extract.warning,
        unknown_columns=extract.unknown_columns,
    )


def population_sync(
    *,
    records: list[dict[str, Any]],
    actor: User,
    client_name: str = "",
    allowed_communes: set[int] | None = None,
) -> ImportResult:
    """Apply records sent by the population-database gateway; one outcome per record.

    Records are the same as the rows of a file extract (docs/reference/population-extract.md);
    `line` in each outcome is the record's position, counted from 1. A scoped actor may only
    write people of `allowed_communes`.
    """
    if len(records) > SYNC_MAX_RECORDS:
        raise ValueError(f"at most {SYNC_MAX_RECORDS} records per request")
    run = ImportRun.objects.create(
        source=ImportRun.Source.SYNC,
        file_name=client_name[:255],
        actor=actor,
        started_at=timezone.now(),
    )
    outcomes: list[Outcome] = []
    importer = Importer(
        run=run,
        actor=actor,
        on_outcome=outcomes.append,
        allowed_communes=allowed_communes,
        batch_size=SYNC_MAX_RECORDS,
    )
    importer.feed(
        RawRecord(index, values_from_mapping(record)) for index, record in enumerate(records, 1)
    )
    counts = importer.finish()
    _finish(run, counts, "", "")
    audit_record(
        actor=actor,
        action=AuditEntry.Action.IMPORT,
        object_type="population_sync",
        object_id=run.pk,
        object_label=run.file_name,
        via="api",
        details=_counts_dict(counts),
    )
    outcomes.sort(key=lambda o: o.line)
    return ImportResult(run=run, counts=counts, outcomes=outcomes)


def _counts_dict(counts: Counts) -> dict[str, int]:
    return dict(counts.__dict__)


def _refuse(run: ImportRun, exc: ExtractError, actor: User | None) -> None:
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.REFUSED, finished_at=timezone.now(), message=str(exc)[:500]
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.IMPORT,
        object_type="population_import",
        object_id=run.pk,
        object_label=run.file_name,
        via="cli",
        details={"refused": exc.code},
    )


def _finish(run: ImportRun, counts: Counts, rejects_path: str, message: str) -> None:
    run.status = ImportRun.Status.FINISHED
    run.finished_at = timezone.now()
    run.rejects_path = rejects_path[:500]
    run.message = message[:500]
    for name in ("inserted", "updated", "unchanged", "rejected", "moved", "died"):
        setattr(run, name, getattr(counts, name))
    run.household_changed = counts.household_changed
    run.save(
        update_fields=[
            "status",
            "finished_at",
            "rejects_path",
            "message",
            "inserted",
            "updated",
            "unchanged",
            "rejected",
            "moved",
            "died",
            "household_changed",
        ]
    )


# Edits from staff screens ---------------------------------------------------------------------

# The fields person_update may change, as model attribute names.
EDITABLE_FIELDS = (
    "personal_id",
    "legacy_id",
    "full_name",
    "date_of_birth",
    "birth_precision",
    "sex",
    "ethnicity",
    "ethnicity_code",
    "ethnicity_code_list",
    "phone",
    "commune_id",
    "village_id",
    "household_id",
    "relation_to_head",
    "marital_status",
    "date_of_death",
)


def _audit_person(
    person: Person,
    *,
    actor: User,
    action: str,
    reason: str = "",
    request: HttpRequest | None = None,
    via: str = "web",
    details: dict[str, Any] | None = None,
) -> None:
    """One audit entry about a person, placed in the person's commune."""
    audit_record(
        actor=actor,
        action=action,
        object_type="person",
        object_id=person.pk,
        object_label=person.full_name,
        commune_code=person.commune_id,
        reason=reason,
        request=request,
        via=via,
        details=details,
    )


def _need_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why you make this change (for example the document you checked).")}
        )
    return reason[:255]


def _history(
    *,
    kind: str,
    actor: User | None,
    reason: str,
    changes: dict[str, Any],
    person: Person | None = None,
    household: Household | None = None,
    source: str = HistoryEntry.Source.UI,
) -> HistoryEntry:
    return HistoryEntry.objects.create(
        person=person,
        household=household,
        at=timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=actor.username if actor is not None and actor.is_authenticated else "",
        source=source,
        kind=kind,
        reason=reason,
        changes=changes,
    )


def _jsonable(name: str, value: Any, person: Person | None = None) -> Any:
    if value is None:
        return None
    if name == "personal_id":
        return pid_lib.mask(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _check_person_values(person: Person, values: dict[str, Any]) -> None:
    """The rules every record keeps, whatever screen or file the change comes from."""
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    dob = values.get("date_of_birth", person.date_of_birth)
    dod = values.get("date_of_death", person.date_of_death)
    sex = values.get("sex", person.sex)
    number = values.get("personal_id", person.personal_id)
    if dob is not None and dob > today:
        errors.setdefault("date_of_birth", []).append(_("The date of birth is in the future."))
    if dod is not None and dod > today:
        errors.setdefault("date_of_death", []).append(_("The date of death is in the future."))
    if dod is not None and dob is not None and dod < dob:
        errors.setdefault("date_of_death", []).append(
            _("The date of death is before the date of birth.")
        )
    if number:
        try:
            pid_lib.check_against(
                number, birth_year=dob.year if dob is not None else None, sex=sex or None
            )
        except pid_lib.PersonalIdError as exc:
            errors.setdefault("personal_id", []).append(
                exc.message_vi if get_language() == "vi" else exc.message_en
            )
        else:
            other = Person.objects.filter(personal_id=number).exclude(pk=person.pk).first()
            if other is not None:
                errors.setdefault("personal_id", []).append(
                    _(
                        "Another record already has this number. If it is the same person, "
                        "merge the two records from the duplicates page."
                    )
                )
    if errors:
        raise ValidationError(errors)


def _kind_of(changes: dict[str, Any]) -> str:
    if changes.get("date_of_death", [None, None])[1]:
        return HistoryEntry.Kind.DIED
    if "commune_code" in changes or "village" in changes:
        return HistoryEntry.Kind.MOVED
    if "household_id" in changes or "relation_to_head" in changes:
        return HistoryEntry.Kind.HOUSEHOLD
    return HistoryEntry.Kind.UPDATED


def _describe_person_change(person: Person, name: str, old: Any, new: Any) -> tuple[str, list[Any]]:
    if name == "commune_id":
        return "commune_code", [old, new]
    if name == "village_id":
        names = dict(
            Village.objects.filter(pk__in=[v for v in (old, new) if v]).values_list("pk", "name")
        )
        return "village", [names.get(old), names.get(new)]
    if name == "household_id":
        codes = dict(
            Household.objects.filter(pk__in=[v for v in (old, new) if v]).values_list("pk", "code")
        )
        return "household_id", [codes.get(old), codes.get(new)]
    return name, [_jsonable(name, old), _jsonable(name, new)]


@transaction.atomic
def person_update(
    *,
    person: Person,
    actor: User,
    reason: str,
    values: dict[str, Any],
    request: HttpRequest | None = None,
) -> HistoryEntry | None:
    """Change a person's details (model field names in `values`); returns the history entry.

    The new commune and household must be ones the actor works in. Nothing is written when
    nothing changes.
    """
    reason = _need_reason(reason)
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    for key in ("commune_id",):
        if key in values and not user_can_act_in_commune(actor, values[key]):
            raise PermissionDenied
    if values.get("household_id"):
        household = Household.objects.filter(pk=values["household_id"]).first()
        if household is None or not user_can_act_in_commune(actor, household.commune_id):
            raise ValidationError({"household": _("There is no such household in your communes.")})
    _check_person_values(person, values)
    changed: dict[str, Any] = {}
    history: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(person, name)
        if old != new:
            changed[name] = new
            label, pair = _describe_person_change(person, name, old, new)
            history[label] = pair
    if not changed:
        return None
    for name, new in changed.items():
        setattr(person, name, new)
    if "full_name" in changed:
        person.full_name = nfc(person.full_name)
        person.name_key = name_key(person.full_name)
        changed["name_key"] = person.name_key
    person.source_hash = ""
    person.save(update_fields=[*changed, "source_hash", "updated_at"])
    entry = _history(
        kind=_kind_of(history), actor=actor, reason=reason, changes=history, person=person
    )
    _audit_person(
        person,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        reason=reason,
        request=request,
        details={"fields": sorted(history)},
    )
    return entry


def _close(model: type[Any], pk: int, valid_from: date) -> None:
    """End a dated fact yesterday (or on its first day, when it started today)."""
    end = max(valid_from, timezone.localdate() - timedelta(days=1))
    model.objects.filter(pk=pk).update(valid_to=end)


def _foster_carer(person: Person, value: bool | int | str | None) -> Person | None:
    """The living person of the registry with this personal ID number, who fosters `person`."""
    if value is None or value is False:
        return None
    number = str(value).strip() if not isinstance(value, bool) else ""
    carer = (
        Person.objects.living().filter(personal_id=number).exclude(pk=person.pk).first()
        if number
        else None
    )
    if carer is None:
        raise ValidationError(
            {
                "foster_carer_id": _(
                    "No living person with this personal ID number is in the registry. Enter "
                    "the foster carer's 12-digit number, or record the carer first."
                )
            }
        )
    return carer


@transaction.atomic
def social_facts_update(
    *,
    person: Person,
    actor: User,
    reason: str,
    values: dict[str, bool | int | str | None],
    request: HttpRequest | None = None,
) -> HistoryEntry | None:
    """Set the person's pension amount and yes/no facts; None means "not known" and ends the fact.

    Keys are SocialFact.Kind values. A changed fact is closed and a new one opened, so the
    history of what held when is kept. The value of "in_foster_care" is the foster carer's
    personal ID number when the person is in foster care (False when not): the carer must be
    another living person of the registry.
    """
    reason = _need_reason(reason)
    today = timezone.localdate()
    current = {f.kind: f for f in SocialFact.objects.filter(person=person, valid_to__isnull=True)}
    changes: dict[str, list[Any]] = {}
    for kind, value in values.items():
        if kind not in SocialFact.Kind.values:
            raise ValueError(f"unknown fact {kind}")
        is_amount = kind == SocialFact.Kind.MONTHLY_PENSION
        old = current.get(kind)
        carer = None
        if kind == SocialFact.Kind.FOSTERED:
            carer = _foster_carer(person, value)
            value = None if value is None else carer is not None
        old_value = None if old is None else (old.amount_vnd if is_amount else old.value)
        if old_value == value and (old is None or old.carer_id == (carer.pk if carer else None)):
            continue
        if is_amount and value is not None and int(value) < 0:
            raise ValidationError({kind: _("The amount cannot be negative.")})
        if old is not None:
            _close(SocialFact, old.pk, old.valid_from)
        if value is not None:
            SocialFact.objects.create(
                person=person,
                kind=kind,
                value=None if is_amount else bool(value),
                amount_vnd=int(value) if is_amount else None,
                carer=carer,
                valid_from=today,
                source="ui",
                recorded_by=actor,
            )
        if carer is not None or (old is not None and old.carer_id):
            # Names, as the history page shows them.
            old_carer = old.carer.full_name if old is not None and old.carer_id else None
            changes["foster_carer"] = [old_carer, carer.full_name if carer else None]
        changes[kind] = [old_value, value]
    if not changes:
        return None
    Person.objects.filter(pk=person.pk).update(source_hash="")
    entry = _history(
        kind=HistoryEntry.Kind.FACTS, actor=actor, reason=reason, changes=changes, person=person
    )
    _audit_person(
        person,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        reason=reason,
        request=request,
        details={"facts": sorted(changes)},
    )
    return entry


@transaction.atomic
def disability_record(
    *,
    person: Person,
    disability_type: str,
    level: str,
    certified_on: date | None,
    actor: User,
    reason: str,
    request: HttpRequest | None = None,
) -> Disability:
    """Record a certified disability; an open one of the same type is ended (level changed)."""
    reason = _need_reason(reason)
    today = timezone.localdate()
    if certified_on is not None and certified_on > today:
        raise ValidationError({"certified_on": _("The certificate date is in the future.")})
    same_type = list(
        Disability.objects.filter(
            person=person, disability_type=disability_type, valid_to__isnull=True
        )
    )
    for old in same_type:
        _close(Disability, old.pk, old.valid_from)
    disability = Disability.objects.create(
        person=person,
        disability_type=disability_type,
        level=level,
        certified_on=certified_on,
        valid_from=certified_on or today,
        source="ui",
        recorded_by=actor,
    )
    Person.objects.filter(pk=person.pk).update(source_hash="")
    changes: dict[str, Any] = {
        "disability": [
            [f"{d.disability_type}:{d.level}" for d in same_type],
            [f"{disability_type}:{level}"],
        ]
    }
    if certified_on is not None:
        changes["disability_certified_on"] = [None, certified_on.isoformat()]
    _history(
        kind=HistoryEntry.Kind.FACTS, actor=actor, reason=reason, changes=changes, person=person
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        object_type="disability",
        object_id=disability.pk,
        object_label=person.full_name,
        commune_code=person.commune_id,
        reason=reason,
        request=request,
    )
    return disability


@transaction.atomic
def disability_end(
    *, disability: Disability, actor: User, reason: str, request: HttpRequest | None = None
) -> None:
    """End a disability record (re-assessed, or recorded by mistake); it stays in history."""
    reason = _need_reason(reason)
    if disability.valid_to is not None:
        return
    _close(Disability, disability.pk, disability.valid_from)
    person = disability.person
    Person.objects.filter(pk=person.pk).update(source_hash="")
    _history(
        kind=HistoryEntry.Kind.FACTS,
        actor=actor,
        reason=reason,
        changes={"disability": [[f"{disability.disability_type}:{disability.level}"], []]},
        person=person,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="disability",
        object_id=disability.pk,
        object_label=person.full_name,
        commune_code=person.commune_id,
        reason=reason,
        request=request,
    )


@transaction.atomic
def poverty_record(
    *,
    household: Household,
    status: str,
    period: str,
    review_year: int,
    actor: User,
    reason: str,
    request: HttpRequest | None = None,
) -> PovertyStatus:
    """Record the household's classification for a review year (a correction replaces it)."""
    reason = _need_reason(reason)
    today = timezone.localdate()
    if review_year > today.year:
        raise ValidationError({"review_year": _("The review year is in the future.")})
    rows = list(PovertyStatus.objects.filter(household=household).order_by("-review_year"))
    same = next((r for r in rows if r.review_year == review_year), None)
    latest = rows[0] if rows else None
    old = same or latest
    if same is not None:
        PovertyStatus.objects.filter(pk=same.pk).update(
            status=status, period=period, source="ui", recorded_by=actor
        )
        same.refresh_from_db()
        result = same
    else:
        newest = latest is None or review_year > latest.review_year
        if newest and latest is not None and latest.valid_to is None:
            _close(PovertyStatus, latest.pk, latest.valid_from)
        result = PovertyStatus.objects.create(
            household=household,
            status=status,
            period=period,
            review_year=review_year,
            valid_from=today if newest else date(review_year, 1, 1),
            valid_to=None if newest else date(review_year, 12, 31),
            source="ui",
            recorded_by=actor,
        )
    household.members.update(source_hash="")
    _history(
        kind=HistoryEntry.Kind.FACTS,
        actor=actor,
        reason=reason,
        household=household,
        changes={
            "poverty_status": [
                None if old is None else f"{old.status} {old.period} ({old.review_year})",
                f"{status} {period} ({review_year})",
            ]
        },
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="household",
        object_id=household.pk,
        object_label=household.code,
        commune_code=household.commune_id,
        reason=reason,
        request=request,
    )
    return result


def personal_id_reveal(
    *, person: Person, actor: User, reason: str, request: HttpRequest | None = None
) -> str:
    """The full ID number, for someone who said why they need it; the reading is audited."""
    reason = _need_reason(reason)
    _audit_person(
        person,
        actor=actor,
        action=AuditEntry.Action.VIEW,
        reason=reason,
        request=request,
        details={"field": "personal_id", "revealed": True},
    )
    return person.personal_id or ""


def person_view_record(
    *, person: Person, actor: User, request: HttpRequest | None = None, via: str = "web"
) -> None:
    """Every opening of a person's page (or record through the API) goes to the audit log."""
    _audit_person(person, actor=actor, action=AuditEntry.Action.VIEW, request=request, via=via)


def household_view_record(
    *, household: Household, actor: User, request: HttpRequest | None = None
) -> None:
    """Opening a household's page (its members and poverty status) goes to the audit log."""
    audit_record(
        actor=actor,
        action=AuditEntry.Action.VIEW,
        object_type="household",
        object_id=household.pk,
        object_label=household.code,
        commune_code=household.commune_id,
        request=request,
    )


# A new person ---------------------------------------------------------------------------------


class PossibleDuplicate(ValidationError):
    """Someone of the same name and date of birth already lives in the commune.

    The officer checks the records listed in `candidates` and, if the new person is somebody
    else, confirms it (person_create with confirmed_different=True).
    """

    def __init__(self, candidates: list[Person]) -> None:
        self.candidates = candidates
        super().__init__(
            _(
                "The registry already has someone of this name and date of birth in this "
                "commune. Check the records below; if this is a different person, tick the "
                "confirmation and save again."
            ),
            code="possible_duplicate",
        )


def _household_code_new(commune_id: int) -> str:
    """A code for a household the commune creates: the commune code, the date and a counter."""
    stamp = timezone.localdate().strftime("%Y%m%d")
    prefix = f"LS{commune_id:05d}-{stamp}-"
    # Exact lookups (the unique index) rather than a prefix search: a commune adds a few
    # households a day at most.
    number = 1
    while Household.objects.filter(code=f"{prefix}{number:03d}").exists():
        number += 1
    return f"{prefix}{number:03d}"


@transaction.atomic
def person_create(
    *,
    actor: User,
    reason: str,
    full_name: str,
    date_of_birth: date,
    sex: str,
    commune_id: int,
    birth_precision: str = Person.BirthPrecision.DAY,
    personal_id: str | None = None,
    ethnicity_code: str = "",
    phone: str = "",
    village_id: int | None = None,
    household_id: int | None = None,
    new_household: bool = False,
    new_household_code: str = "",
    relation_to_head: str = "",
    marital_status: str = "",
    confirmed_different: bool = False,
    request: HttpRequest | None = None,
) -> Person:
    """Add a person who is in no extract yet (a newborn, someone who moved in).

    The commune (and the household, existing or new) must be one the actor works in; the
    village must belong to the commune. A person holding the same ID number is refused; one of
    the same folded name and date of birth in the commune raises PossibleDuplicate unless the
    officer confirmed that this is a different person. With `new_household` the person heads
    a new household of their commune and village. Leaves a history entry and an audit entry.
    """
    from lib import ethnicity as ethnicity_lib

    reason = _need_reason(reason)
    if not user_can_act_in_commune(actor, commune_id):
        raise PermissionDenied
    commune = Commune.objects.filter(code=commune_id).first()
    if commune is None:
        raise ValidationError({"commune": _("Choose one of your communes.")})
    full_name = nfc(full_name).strip()
    if not full_name:
        raise ValidationError({"full_name": _("Write the person's full name.")})
    errors: dict[str, list[str]] = {}
    village = None
    if village_id is not None:
        village = Village.objects.filter(pk=village_id, commune_id=commune_id).first()
        if village is None:
            errors["village"] = [_("This village is not in the chosen commune.")]
    household = None
    if household_id is not None and not new_household:
        household = Household.objects.filter(pk=household_id).first()
        if household is None or not user_can_act_in_commune(actor, household.commune_id):
            errors["household"] = [_("There is no such household in your communes.")]
        elif household.commune_id != commune_id:
            errors["household"] = [
                _("This household lives in another commune; choose the person's commune.")
            ]
        elif not relation_to_head:
            errors["relation_to_head"] = [_("Choose the relation to the head of household.")]
    if new_household:
        relation_to_head = Person.Relation.HEAD
        new_household_code = new_household_code.strip()
        if new_household_code and Household.objects.filter(code=new_household_code).exists():
            errors["new_household_code"] = [
                _("A household with this code already exists; choose it as an existing household.")
            ]
    ethnicity = ""
    if ethnicity_code:
        try:
            ethnicity = ethnicity_lib.by_code(ethnicity_code, "2008").name
        except ethnicity_lib.EthnicityError:
            errors["ethnicity"] = [_("Choose an ethnic group from the list.")]
    if errors:
        raise ValidationError(errors)
    person = Person(
        personal_id=personal_id or None,
        full_name=full_name,
        name_key=name_key(full_name),
        date_of_birth=date_of_birth,
        birth_precision=birth_precision,
        sex=sex,
        ethnicity=ethnicity,
        ethnicity_code=ethnicity_code,
        ethnicity_code_list=Person.EthnicCodeList.GSO_2008,
        phone=phone,
        commune_id=commune_id,
        village=village,
        relation_to_head=relation_to_head if (household or new_household) else "",
        marital_status=marital_status,
    )
    _check_person_values(person, {})
    candidates = list(
        Person.objects.active()
        .filter(commune_id=commune_id, name_key=person.name_key, date_of_birth=date_of_birth)
        .order_by("id")[:10]
    )
    if candidates and not confirmed_different:
        raise PossibleDuplicate(candidates)
    history: dict[str, list[Any]] = {}
    if new_household:
        household = Household.objects.create(
            code=new_household_code or _household_code_new(commune_id),
            commune_id=commune_id,
            village=village,
        )
        _history(
            kind=HistoryEntry.Kind.CREATED,
            actor=actor,
            reason=reason,
            household=household,
            changes={"household_id": [None, household.code], "commune_code": [None, commune_id]},
        )
    person.household = household
    person.save()
    for name in ("personal_id", "full_name", "date_of_birth", "sex", "ethnicity", "phone"):
        value = getattr(person, name)
        if value:
            history[name] = [None, _jsonable(name, value)]
    history["commune_code"] = [None, commune_id]
    if village is not None:
        history["village"] = [None, village.name]
    if household is not None:
        history["household_id"] = [None, household.code]
        history["relation_to_head"] = [None, person.relation_to_head]
    if candidates:
        history["different_from"] = [None, [c.pk for c in candidates]]
    _history(
        kind=HistoryEntry.Kind.CREATED, actor=actor, reason=reason, changes=history, person=person
    )
    _audit_person(
        person,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        reason=reason,
        request=request,
        details={
            "new_household": bool(new_household),
            "different_from": [c.pk for c in candidates],
        },
    )
    return person


# Accounts of citizens --------------------------------------------------------------------------


class AccountLinkMethod:
    """How an account came to be linked to a person (kept in history and the audit log)."""

    OFFICER = "officer"  # an officer found the account by its phone number
    SELF_PHONE = "self_phone"  # the citizen's ID number, birth date and phone all matched
    CONFIRMED = "confirmed"  # an officer confirmed the citizen's request
    DEMO = "demo"  # the demonstration data

    ALL = (OFFICER, SELF_PHONE, CONFIRMED, DEMO)


@transaction.atomic
def person_link_user(
    *,
    person: Person,
    user: User,
    by: User | None,
    method: str,
    reason: str = "",
    request: HttpRequest | None = None,
) -> bool:
    """Link a citizen's account to their person, so they see their own record and benefits.

    Refuses (ValidationError) an account that is not a citizen's, an account already linked to
    another person, and a person already linked to another account; linking the same pair
    again changes nothing and returns False.
    """
    if method not in AccountLinkMethod.ALL:
        raise ValueError(f"unknown link method {method!r}")
    person = Person.objects.get(pk=person.pk)
    if user.role != Role.CITIZEN:
        raise ValidationError(
            _("Only a citizen's account can be linked to a person."), code="not_a_citizen"
        )
    if person.merged_into_id is not None:
        raise ValidationError(_("This record was merged into another one; link the kept record."))
    if person.user_id == user.pk:
        return False
    if person.user_id is not None:
        raise ValidationError(
            _(
                "This person is already linked to another account. Unlink that account first "
                "if it is not theirs."
            ),
            code="person_linked_elsewhere",
        )
    if Person.objects.filter(user=user).exclude(pk=person.pk).exists():
        raise ValidationError(
            _(
                "This account is already linked to another person. Unlink it from that record "
                "first if it was linked by mistake."
            ),
            code="account_linked_elsewhere",
        )
    # Claimed with a conditional update: two officers linking at once cannot both succeed.
    claimed = Person.objects.filter(pk=person.pk, user__isnull=True).update(
        user=user, updated_at=timezone.now()
    )
    if not claimed:
        raise ValidationError(
            _("This person is already linked to another account."), code="person_linked_elsewhere"
        )
    reason = reason.strip()[:255]
    _history(
        kind=HistoryEntry.Kind.ACCOUNT,
        actor=by,
        reason=reason,
        changes={"account": [None, f"{user.username} ({method})"]},
        person=person,
    )
    audit_record(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        object_type="person",
        object_id=person.pk,
        object_label=person.full_name,
        commune_code=person.commune_id,
        reason=reason,
        request=request,
        via="cli" if method == AccountLinkMethod.DEMO else "web",
        details={"account_linked": user.pk, "method": method},
    )
    return True


@transaction.atomic
def person_unlink_user(
    *, person: Person, by: User | None, reason: str, request: HttpRequest | None = None
) -> bool:
    """Remove the link between a person and their account (a mistake, a lost phone number).

    Returns False when the person had no linked account.
    """
    reason = _need_reason(reason)
    person = Person.objects.select_related("user").get(pk=person.pk)
    user = person.user
    if user is None:
        return False
    Person.objects.filter(pk=person.pk, user=user).update(user=None, updated_at=timezone.now())
    _history(
        kind=HistoryEntry.Kind.ACCOUNT,
        actor=by,
        reason=reason,
        changes={"account": [user.username, None]},
        person=person,
    )
    audit_record(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        object_type="person",
        object_id=person.pk,
        object_label=person.full_name,
        commune_code=person.commune_id,
        reason=reason,
        request=request,
        details={"account_unlinked": user.pk},
    )
    return True


# "This is me" attempts an account may make in a day (an address: four times as many).
LINK_ATTEMPT_LIMIT = 5
LINK_WINDOW_SECONDS = 24 * 3600


class LinkThrottled(PermissionDenied):
    """Too many "this is me" attempts from this account or address; try again later."""


def _birth_matches(person: Person, day: date) -> bool:
    """The date typed by the citizen agrees with the record, as precisely as it is known."""
    born = person.date_of_birth
    if born is None:
        return False
    if person.birth_precision == Person.BirthPrecision.YEAR:
        return born.year == day.year
    if person.birth_precision == Person.BirthPrecision.MONTH:
        return (born.year, born.month) == (day.year, day.month)
    return born == day


def link_request_is_throttled(*, user: User, ip_address: str | None) -> bool:
    """True when too many attempts came from this account or address in the window."""
    from django.conf import settings

    window = getattr(settings, "PERSON_LINK_WINDOW_SECONDS", LINK_WINDOW_SECONDS)
    limit = getattr(settings, "PERSON_LINK_ATTEMPT_LIMIT", LINK_ATTEMPT_LIMIT)
    since = timezone.now() - timedelta(seconds=window)
    recent = AccountLinkRequest.objects.filter(created_at__gte=since)
    if recent.filter(user=user).count() >= limit:
        return True
    # An address gets more room: a digital corner's shared phone serves many people.
    return bool(ip_address) and recent.filter(ip_address=ip_address).count() >= limit * 4


@transaction.atomic
def link_request_submit(
    *, user: User, personal_id: str, date_of_birth: date, request: HttpRequest | None = None
) -> AccountLinkRequest:
    """A citizen says "this is me" with their 12-digit ID number and date of birth.

    When exactly one living person has that number and date of birth, and their recorded phone
    is the account's phone, the account is linked at once. When they match but the phone does
    not, the request waits for an officer of the person's commune. Whatever the outcome, the
    attempt is recorded and counts towards throttling (LinkThrottled when too many); the
    answer never says whether the number exists.
    """
    if user.role != Role.CITIZEN:
        raise PermissionDenied
    ip_address = client_ip(request)
    if link_request_is_throttled(user=user, ip_address=ip_address):
        raise LinkThrottled
    now = timezone.now()
    attempt = AccountLinkRequest(user=user, created_at=now, ip_address=ip_address)
    matches = [
        p
        for p in Person.objects.living().filter(personal_id=pid_lib.clean(personal_id))[:2]
        if _birth_matches(p, date_of_birth)
    ]
    person = matches[0] if len(matches) == 1 else None
    already = Person.objects.filter(user=user).exclude(pk=person.pk if person else None)
    if person is None:
        attempt.status = AccountLinkRequest.Status.NO_MATCH
    elif already.exists() or (person.user_id is not None and person.user_id != user.pk):
        attempt.person = person
        attempt.status = AccountLinkRequest.Status.REFUSED
    elif person.user_id == user.pk:
        attempt.person = person
        attempt.status = AccountLinkRequest.Status.LINKED
    elif person.phone and user.phone and person.phone == user.phone:
        person_link_user(
            person=person,
            user=user,
            by=user,
            method=AccountLinkMethod.SELF_PHONE,
            reason=_("ID number, date of birth and phone number matched"),
            request=request,
        )
        attempt.person = person
        attempt.status = AccountLinkRequest.Status.LINKED
        attempt.decided_at = now
    else:
        attempt.person = person
        attempt.status = AccountLinkRequest.Status.PENDING
        AccountLinkRequest.objects.filter(
            user=user, status=AccountLinkRequest.Status.PENDING
        ).update(status=AccountLinkRequest.Status.REJECTED, decided_at=now, note="replaced")
    attempt.save()
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        object_type="account_link_request",
        object_id=attempt.pk,
        object_label=user.username,
        commune_code=person.commune_id if person is not None else None,
        request=request,
        details={"status": attempt.status},
    )
    return attempt


@transaction.atomic
def link_request_decide(
    *,
    link_request: AccountLinkRequest,
    by: User,
    confirm: bool,
    note: str = "",
    request: HttpRequest | None = None,
) -> AccountLinkRequest:
    """An officer of the person's commune confirms (the account is linked) or rejects a request.

    The officer should have seen the citizen's identity card, or called the person.
    """
    note = note.strip()[:255]
    if not confirm and not note:
        raise ValidationError({"note": _("Say why the request is rejected; the citizen sees it.")})
    person = link_request.person
    assert person is not None
    if not user_can_act_in_commune(by, person.commune_id):
        raise PermissionDenied
    status = AccountLinkRequest.Status.CONFIRMED if confirm else AccountLinkRequest.Status.REJECTED
    claimed = AccountLinkRequest.objects.filter(
        pk=link_request.pk, status=AccountLinkRequest.Status.PENDING
    ).update(status=status, decided_by=by, decided_at=timezone.now(), note=note)
    if not claimed:
        raise ValidationError(_("This request was already decided."))
    if confirm:
        person_link_user(
            person=person,
            user=link_request.user,
            by=by,
            method=AccountLinkMethod.CONFIRMED,
            reason=note or _("request confirmed by the commune"),
            request=request,
        )
    else:
        audit_record(
            actor=by,
            action=AuditEntry.Action.UPDATE,
            object_type="account_link_request",
            object_id=link_request.pk,
            object_label=link_request.user.username,
            commune_code=person.commune_id,
            reason=note,
            request=request,
            details={"status": status},
        )
    link_request.refresh_from_db()
    return link_request


# Consent ----------------------------------------------------------------------------------------


class ConsentRequired(PermissionDenied):
    """Acting for a person needs their consent for that purpose, and there is none."""

    def __init__(self, person: Person, purpose: str) -> None:
        label_vi = CONSENT_PURPOSES_VI.get(purpose, purpose)
        label_en = dict(Consent.Purpose.choices).get(purpose, purpose)
        self.person = person
        self.purpose = purpose
        self.message_vi = (
            f"Chưa có sự đồng ý của {person.full_name} cho mục đích “{label_vi}”. Hãy hỏi và "
            "ghi nhận sự đồng ý (trên giấy, bằng lời tại điểm hỗ trợ, hoặc trực tuyến) trước."
        )
        self.message_en = (
            f"{person.full_name} has not consented to “{label_en}”. Ask for and record their "
            "consent (paper form, spoken at a corner, or online) first."
        )
        super().__init__(f"{self.message_vi} / {self.message_en}")


# The purposes in Vietnamese for messages built outside a request (other apps, the API).
CONSENT_PURPOSES_VI = {
    "benefits": "trợ giúp xã hội và chính sách",
    "health": "chăm sóc sức khỏe",
    "jobs": "việc làm và học nghề",
    "devices": "hỗ trợ thiết bị",
    "partners": "chia sẻ với đối tác",
}


def has_consent(person: Person, purpose: str) -> bool:
    """Whether the person has an active consent for `purpose` (require_consent without raising)."""
    return Consent.objects.filter(
        person=person, purpose=purpose, withdrawn_at__isnull=True
    ).exists()


def require_consent(person: Person, purpose: str) -> Consent:
    """The person's active consent for `purpose`, or ConsentRequired (a PermissionDenied).

    Other apps call this before acting on behalf of a person (a helper filing a request, a
    health worker sharing a reading, a partner receiving data).
    """
    if purpose not in Consent.Purpose.values:
        raise ValueError(f"unknown consent purpose {purpose!r}")
    consent = Consent.objects.filter(
        person=person, purpose=purpose, withdrawn_at__isnull=True
    ).first()
    if consent is None:
        raise ConsentRequired(person, purpose)
    return consent


@transaction.atomic
def consent_record(
    *,
    person: Person,
    purpose: str,
    method: str,
    actor: User,
    note: str = "",
    request: HttpRequest | None = None,
) -> Consent:
    """Record that the person consents to `purpose`; an active consent is kept as it is."""
    if purpose not in Consent.Purpose.values or method not in Consent.Method.values:
        raise ValidationError(_("Choose the purpose and how the person gave consent."))
    existing = Consent.objects.filter(
        person=person, purpose=purpose, withdrawn_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    consent = Consent.objects.create(
        person=person,
        purpose=purpose,
        method=method,
        note=note.strip()[:255],
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    _history(
        kind=HistoryEntry.Kind.CONSENT,
        actor=actor,
        reason=note.strip()[:255],
        changes={"consent": [None, f"{purpose} ({method})"]},
        person=person,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        object_type="consent",
        object_id=consent.pk,
        object_label=f"{person.full_name}: {purpose}",
        commune_code=person.commune_id,
        on_behalf_of=person.full_name if actor.pk != person.user_id else "",
        request=request,
        details={"purpose": purpose, "method": method},
    )
    return consent


@transaction.atomic
def consent_withdraw(
    *,
    consent: Consent,
    actor: User,
    method: str,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Consent:
    """Withdraw a consent from now on; the record of it stays."""
    if method not in Consent.Method.values:
        raise ValidationError(_("Choose how the person withdrew consent."))
    updated = Consent.objects.filter(pk=consent.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now(),
        withdrawn_by=actor,
        withdrawal_method=method,
        withdrawal_reason=reason.strip()[:255],
    )
    consent.refresh_from_db()
    if not updated:
        return consent
    person = consent.person
    _history(
        kind=HistoryEntry.Kind.CONSENT,
        actor=actor,
        reason=reason.strip()[:255],
        changes={"consent": [f"{consent.purpose} ({consent.method})", None]},
        person=person,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="consent",
        object_id=consent.pk,
        object_label=f"{person.full_name}: {consent.purpose}",
        commune_code=person.commune_id,
        reason=reason.strip()[:255],
        request=request,
        details={"withdrawn": True, "method": method},
    )
    return consent


# Duplicates and merges ----------------------------------------------------------------------

# Fields a merge copies from the merged record when the kept one has none.
MERGE_FILL_FIELDS = (
    "personal_id",
    "legacy_id",
    "date_of_birth",
    "phone",
    "ethnicity",
    "ethnicity_code",
    "village_id",
    "household_id",
    "relation_to_head",
    "marital_status",
    "date_of_death",
    "user_id",
)


def _raw(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _unraw(name: str, value: Any) -> Any:
    if value is not None and name in ("date_of_birth", "date_of_death"):
        return date.fromisoformat(value)
    return value


@transaction.atomic
def person_merge(
    *,
    kept: Person,
    merged: Person,
    actor: User,
    reason: str,
    request: HttpRequest | None = None,
) -> PersonMerge:
    """Merge `merged` into `kept`: blanks of the kept record are filled, facts and consents move.

    The merged record is not deleted: it points to the kept one (merged_into), leaves lists
    and searches, and everything needed to undo the merge is kept in the PersonMerge snapshot.
    Two records with two different personal ID numbers are two people and are refused.
    """
    reason = _need_reason(reason)
    kept = Person.objects.get(pk=kept.pk)
    merged = Person.objects.get(pk=merged.pk)
    if kept.pk == merged.pk or kept.merged_into_id or merged.merged_into_id:
        raise ValidationError(_("These records cannot be merged: one of them is already merged."))
    if kept.personal_id and merged.personal_id and kept.personal_id != merged.personal_id:
        raise ValidationError(
            _("The two records have different personal ID numbers: they are two people.")
        )
    filled: dict[str, Any] = {}
    for name in MERGE_FILL_FIELDS:
        mine, theirs = getattr(kept, name), getattr(merged, name)
        if theirs not in (None, "") and mine in (None, ""):
            filled[name] = theirs
    if "date_of_birth" in filled:
        filled["birth_precision"] = merged.birth_precision
    if "ethnicity" in filled:
        filled["ethnicity_code_list"] = merged.ethnicity_code_list
    if "household_id" in filled and "relation_to_head" not in filled:
        filled["relation_to_head"] = merged.relation_to_head
    kept_before = {name: _raw(getattr(kept, name)) for name in filled}
    merged_before = {
        "personal_id": merged.personal_id,
        "user_id": merged.user_id,
        "source_hash": merged.source_hash,
    }
    # Facts and consents follow the person unless the kept record already holds an open one.
    open_kinds = set(
        SocialFact.objects.filter(person=kept, valid_to__isnull=True).values_list("kind", flat=True)
    )
    active_purposes = set(
        Consent.objects.filter(person=kept, withdrawn_at__isnull=True).values_list(
            "purpose", flat=True
        )
    )
    facts = [
        f.pk
        for f in SocialFact.objects.filter(person=merged)
        if f.valid_to is not None or f.kind not in open_kinds
    ]
    consents = [
        c.pk
        for c in Consent.objects.filter(person=merged)
        if c.withdrawn_at is not None or c.purpose not in active_purposes
    ]
    disabilities = list(Disability.objects.filter(person=merged).values_list("pk", flat=True))
    # Whoever the merged record fosters is fostered by the kept one.
    carer_of = list(SocialFact.objects.filter(carer=merged).values_list("pk", flat=True))
    # Claim the merged record with a conditional update, so two officers cannot both merge it.
    claimed = Person.objects.filter(pk=merged.pk, merged_into__isnull=True).update(
        personal_id=None if "personal_id" in filled else merged.personal_id,
        user=None if "user_id" in filled else merged.user_id,
        merged_into=kept,
        source_hash="",
        updated_at=timezone.now(),
    )
    if not claimed:
        raise ValidationError(_("These records cannot be merged: one of them is already merged."))
    for name, value in filled.items():
        setattr(kept, name, value)
    kept.source_hash = ""
    kept.save(update_fields=[*filled, "source_hash", "updated_at"])
    SocialFact.objects.filter(pk__in=facts).update(person=kept)
    Consent.objects.filter(pk__in=consents).update(person=kept)
    Disability.objects.filter(pk__in=disabilities).update(person=kept)
    SocialFact.objects.filter(pk__in=carer_of).update(carer=kept)
    merge = PersonMerge.objects.create(
        kept=kept,
        merged=merged,
        performed_by=actor,
        performed_at=timezone.now(),
        reason=reason,
        snapshot={
            "kept_before": kept_before,
            "merged_before": merged_before,
            "moved": {
                "facts": facts,
                "consents": consents,
                "disabilities": disabilities,
                "carer_of": carer_of,
            },
        },
    )
    changes = {
        "merged_from": [None, merged.pk],
        **{
            _describe_person_change(kept, name, kept_before[name], _raw(value))[0]: [
                _jsonable(name, _unraw(name, kept_before[name])),
                _jsonable(name, value),
            ]
            for name, value in filled.items()
            if name != "user_id"
        },
    }
    _history(
        kind=HistoryEntry.Kind.MERGED,
        actor=actor,
        reason=reason,
        changes=changes,
        person=kept,
        source=HistoryEntry.Source.MERGE,
    )
    _history(
        kind=HistoryEntry.Kind.MERGED,
        actor=actor,
        reason=reason,
        changes={"merged_into": [None, kept.pk]},
        person=merged,
        source=HistoryEntry.Source.MERGE,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="person_merge",
        object_id=merge.pk,
        object_label=f"{merged.pk} → {kept.pk}",
        commune_code=kept.commune_id,
        reason=reason,
        request=request,
    )
    return merge


@transaction.atomic
def person_merge_undo(
    *, merge: PersonMerge, actor: User, reason: str, request: HttpRequest | None = None
) -> None:
    """Undo a merge: the merged record comes back with its numbers, facts and consents."""
    reason = _need_reason(reason)
    claimed = PersonMerge.objects.filter(pk=merge.pk, undone_at__isnull=True).update(
        undone_at=timezone.now(), undone_by=actor, undo_reason=reason
    )
    if not claimed:
        raise ValidationError(_("This merge was already undone."))
    merge = PersonMerge.objects.get(pk=merge.pk)
    kept = Person.objects.get(pk=merge.kept_id)
    merged = Person.objects.get(pk=merge.merged_id)
    snapshot = merge.snapshot
    kept_before: dict[str, Any] = snapshot.get("kept_before", {})
    merged_before: dict[str, Any] = snapshot.get("merged_before", {})
    moved: dict[str, list[int]] = snapshot.get("moved", {})
    # The kept record gives back what it took, then the merged record takes it again.
    restore = {name: _unraw(name, value) for name, value in kept_before.items()}
    for name, value in restore.items():
        setattr(kept, name, value)
    kept.source_hash = ""
    kept.save(update_fields=[*restore, "source_hash", "updated_at"])
    Person.objects.filter(pk=merged.pk).update(
        personal_id=merged_before.get("personal_id"),
        user_id=merged_before.get("user_id"),
        merged_into=None,
        source_hash="",
        updated_at=timezone.now(),
    )
    SocialFact.objects.filter(pk__in=moved.get("facts", []), person=kept).update(person=merged)
    Consent.objects.filter(pk__in=moved.get("consents", []), person=kept).update(person=merged)
    Disability.objects.filter(pk__in=moved.get("disabilities", []), person=kept).update(
        person=merged
    )
    SocialFact.objects.filter(pk__in=moved.get("carer_of", []), carer=kept).update(carer=merged)
    for person, other in ((kept, merged), (merged, kept)):
        _history(
            kind=HistoryEntry.Kind.MERGE_UNDONE,
            actor=actor,
            reason=reason,
            changes={"merged_into" if person is merged else "merged_from": [other.pk, None]},
            person=person,
            source=HistoryEntry.Source.MERGE,
        )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="person_merge",
        object_id=merge.pk,
        object_label=f"{merged.pk} ↛ {kept.pk}",
        commune_code=kept.commune_id,
        reason=reason,
        request=request,
        details={"undone": True},
    )


@transaction.atomic
def duplicate_dismiss(
    *, first: Person, second: Person, actor: User, reason: str
) -> DuplicateDismissal:
    """Record that two look-alike records are different people, so they stop being proposed."""
    reason = _need_reason(reason)
    a, b = sorted((first.pk, second.pk))
    dismissal, _created = DuplicateDismissal.objects.get_or_create(
        first_id=a,
        second_id=b,
        defaults={"dismissed_by": actor, "dismissed_at": timezone.now(), "reason": reason},
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="duplicate_dismissal",
        object_id=dismissal.pk,
        object_label=f"{a} ≠ {b}",
        commune_code=first.commune_id,
        reason=reason,
    )
    return dismissal


# Export ------------------------------------------------------------------------------------------


def verified_export_record(
    *,
    actor: User | None,
    fmt: str,
    communes: set[int] | None,
    via: str,
    request: HttpRequest | None = None,
) -> None:
    """Write the export of verified facts to the audit log before the rows leave."""
    audit_record(
        actor=actor,
        action=AuditEntry.Action.EXPORT,
        object_type="verified_extract",
        object_label=fmt,
        via=via,
        request=request,
        details={"format": fmt, "communes": sorted(communes) if communes is not None else "all"},
    )

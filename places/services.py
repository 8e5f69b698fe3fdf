"""Writes for places: villages, dated area status, and their CSV imports.

These functions are the one write path: staff pages, the admin, the management commands and
any later API call them, never Model.save(). Who may call them is decided before, through
places.permissions; the services check what must hold whoever calls (the commune belongs to
this province, names are unique in their commune, periods do not overlap) and write the audit
log.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEntry, User
from accounts.services import audit_record
from lib.vn_text import fold, name_key, nfc
from places import parsing
from places.imports import BilingualError, CsvRow, ImportReport, RowError, read_rows
from places.models import AreaStatus, Commune, ImportRun, Village

VILLAGE_COLUMNS = ("commune_code", "name", "kind", "local_code")
VILLAGE_ALIASES = {
    "ma_xa": "commune_code",
    "commune": "commune_code",
    "ten": "name",
    "ten_thon": "name",
    "village": "name",
    "loai": "kind",
    "ma_thon": "local_code",
}
AREA_STATUS_COLUMNS = (
    "commune_code",
    "village",
    "status",
    "valid_from",
    "valid_to",
    "decision",
    "note",
)
AREA_STATUS_ALIASES = {
    "ma_xa": "commune_code",
    "commune": "commune_code",
    "thon": "village",
    "ten_thon": "village",
    "trang_thai": "status",
    "tu_ngay": "valid_from",
    "den_ngay": "valid_to",
    "quyet_dinh": "decision",
    "ghi_chu": "note",
}
_NAME_MAX = Village._meta.get_field("name").max_length
_LOCAL_CODE_MAX = Village._meta.get_field("local_code").max_length
_DECISION_MAX = AreaStatus._meta.get_field("decision").max_length
_NOTE_MAX = AreaStatus._meta.get_field("note").max_length


def _as_validation_error(error: BilingualError) -> ValidationError:
    if error.field:
        return ValidationError({error.field: [str(error)]})
    return ValidationError(str(error))


# Villages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _VillageFields:
    name: str
    key: str
    kind: str
    local_code: str


def _province_commune(code: int, communes: dict[int, Commune] | None = None) -> Commune:
    """The commune with this code, which must belong to the province this installation serves.

    `communes` holds the province's communes already loaded by an import; a code missing there
    is looked up once more only to say which province it belongs to.
    """
    commune = (communes or {}).get(code)
    if commune is None:
        commune = Commune.objects.select_related("province").filter(code=code).first()
    if commune is None:
        raise RowError(
            _(
                "There is no commune with code %(code)s. Check the 5-digit official code of "
                "the commune (since July 2025), e.g. 31825."
            ),
            field="commune_code",
            code=f"{code:05d}",
        )
    if commune.province_id != settings.PROVINCE_CODE:
        raise RowError(
            _(
                "Commune %(code)s (%(name)s) belongs to %(province)s, not to this province. "
                "Only communes of this province can be used here."
            ),
            field="commune_code",
            code=f"{code:05d}",
            name=commune.name,
            province=commune.province.name,
        )
    return commune


def _village_fields(*, name: str, kind: str, local_code: str) -> _VillageFields:
    name = nfc(name)
    if not name or not any(ch.isalnum() for ch in name):
        raise RowError(
            _('The village name is empty. Write its name, e.g. "Ấp Hòa Bình" or "Khóm 3".'),
            field="name",
        )
    if len(name) > _NAME_MAX:
        raise RowError(
            _("The village name is longer than %(max)s characters. Shorten it."),
            field="name",
            max=_NAME_MAX,
        )
    local_code = nfc(local_code)
    if len(local_code) > _LOCAL_CODE_MAX:
        raise RowError(
            _("The local code is longer than %(max)s characters. Shorten it."),
            field="local_code",
            max=_LOCAL_CODE_MAX,
        )
    return _VillageFields(
        name=name,
        key=name_key(name),
        kind=parsing.parse_kind(kind, name=name),
        local_code=local_code,
    )


def _duplicate_name(name: str, other: str) -> RowError:
    return RowError(
        _(
            'The commune already has a village "%(other)s", which is the same name as '
            '"%(name)s" (names are compared without diacritics). Use the existing village, '
            "or give this one a different name."
        ),
        field="name",
        name=name,
        other=other,
    )


def _duplicate_local_code(code: str, other: str) -> RowError:
    return RowError(
        _(
            'The local code "%(code)s" is already used by village "%(other)s" in this commune. '
            "Give each village its own code, or leave the code empty."
        ),
        field="local_code",
        code=code,
        other=other,
    )


def _kept_name(current: str, new: str) -> str:
    """The spelling to store: a name typed without any diacritics never replaces one with them."""

    def has_diacritics(text: str) -> bool:
        return fold(text) != text.lower()

    if new != current and not has_diacritics(new) and has_diacritics(current):
        return current
    return new


def _village_snapshot(village: Village) -> dict[str, str]:
    return {"name": village.name, "kind": village.kind, "local_code": village.local_code}


@transaction.atomic
def village_create(
    *,
    commune_code: int,
    name: str,
    kind: str = "",
    local_code: str = "",
    actor: User | None = None,
    request: HttpRequest | None = None,
    via: str = "web",
) -> Village:
    """Create a village of a commune of this province; the name is unique in the commune.

    An empty kind is guessed from the first word of the name ("Ấp ...", "Khóm ...").
    """
    try:
        commune = _province_commune(commune_code)
        fields = _village_fields(name=name, kind=kind, local_code=local_code)
        same = Village.objects.filter(commune=commune, name_key=fields.key).first()
        if same is not None:
            raise _duplicate_name(fields.name, same.name)
        if fields.local_code:
            holder = Village.objects.filter(commune=commune, local_code=fields.local_code).first()
            if holder is not None:
                raise _duplicate_local_code(fields.local_code, holder.name)
    except RowError as error:
        raise _as_validation_error(error) from error
    village = Village.objects.create(
        commune=commune,
        name=fields.name,
        name_key=fields.key,
        kind=fields.kind,
        local_code=fields.local_code,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        object_type="village",
        object_id=village.pk,
        object_label=village.name,
        commune_code=commune.code,
        request=request,
        via=via,
        details=_village_snapshot(village),
    )
    return village


@transaction.atomic
def village_update(
    *,
    village: Village,
    name: str,
    kind: str,
    local_code: str = "",
    actor: User | None = None,
    request: HttpRequest | None = None,
    via: str = "web",
) -> Village:
    """Rename a village or change its kind or local code; its commune never changes.

    People and households point at both the village and the commune, so moving a village to
    another commune would leave them inconsistent; a new village is created instead.
    """
    try:
        fields = _village_fields(name=name, kind=kind, local_code=local_code)
        same = (
            Village.objects.filter(commune_id=village.commune_id, name_key=fields.key)
            .exclude(pk=village.pk)
            .first()
        )
        if same is not None:
            raise _duplicate_name(fields.name, same.name)
        if fields.local_code:
            holder = (
                Village.objects.filter(commune_id=village.commune_id, local_code=fields.local_code)
                .exclude(pk=village.pk)
                .first()
            )
            if holder is not None:
                raise _duplicate_local_code(fields.local_code, holder.name)
    except RowError as error:
        raise _as_validation_error(error) from error
    before = _village_snapshot(village)
    village.name, village.name_key = fields.name, fields.key
    village.kind, village.local_code = fields.kind, fields.local_code
    after = _village_snapshot(village)
    if after == before:
        return village
    village.updated_at = timezone.now()
    village.save(update_fields=["name", "name_key", "kind", "local_code", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="village",
        object_id=village.pk,
        object_label=village.name,
        commune_code=village.commune_id,
        request=request,
        via=via,
        details={"before": before, "after": after},
    )
    return village


def _finish_import(
    *,
    kind: str,
    report: ImportReport,
    filename: str,
    actor: User | None,
    request: HttpRequest | None,
    via: str,
) -> None:
    run = ImportRun.objects.create(
        kind=kind,
        filename=PurePath(filename).name[:255],
        actor=actor if actor is not None and actor.is_authenticated else None,
        via=via,
        dry_run=report.dry_run,
        inserted=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected_count=len(report.rejected),
        columns=report.columns,
        rejected=[item.as_json() for item in report.rejected],
    )
    report.run_id = run.pk
    audit_record(
        actor=actor,
        action=AuditEntry.Action.IMPORT,
        object_type=f"{kind}_import",
        object_id=run.pk,
        object_label=run.filename,
        request=request,
        via=via,
        details={
            "dry_run": report.dry_run,
            "inserted": report.inserted,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": len(report.rejected),
        },
    )


@transaction.atomic
def village_import_csv(
    *,
    data: bytes,
    filename: str,
    actor: User | None = None,
    request: HttpRequest | None = None,
    via: str = "web",
    dry_run: bool = False,
) -> ImportReport:
    """Insert or update the villages of a CSV file; report every row, reject the bad ones.

    Columns: commune_code, name, kind, local_code (see docs/reference/places-csv.md). A village
    is found by commune and name key, so importing the same file twice changes nothing. Bad
    rows are reported with their line and reason and never stop the good ones. A file that
    cannot be read at all raises ImportRefused and writes nothing.
    """
    columns, rows = read_rows(
        data, columns=VILLAGE_COLUMNS, required=("commune_code", "name"), aliases=VILLAGE_ALIASES
    )
    report = ImportReport(columns=columns, dry_run=dry_run)
    communes = {
        c.code: c
        for c in Commune.objects.select_related("province").filter(
            province_id=settings.PROVINCE_CODE
        )
    }
    existing: dict[tuple[int, str], Village] = {}
    local_codes: dict[tuple[int, str], Village] = {}
    for village in Village.objects.filter(commune__province_id=settings.PROVINCE_CODE):
        existing[(village.commune_id, village.name_key)] = village
        if village.local_code:
            local_codes[(village.commune_id, village.local_code)] = village
    seen: dict[tuple[int, str], int] = {}
    inserts: list[Village] = []
    updates: list[Village] = []
    now = timezone.now()
    for row in rows:
        try:
            commune = _province_commune(
                parsing.parse_commune_code(row.values["commune_code"]), communes
            )
            fields = _village_fields(
                name=row.values["name"],
                kind=row.values["kind"],
                local_code=row.values["local_code"],
            )
            key = (commune.code, fields.key)
            if key in seen:
                raise RowError(
                    _(
                        "This village is already in the file on line %(line)s (names are "
                        "compared without diacritics). Keep one of the two rows."
                    ),
                    line=seen[key],
                )
            village = existing.get(key)
            if fields.local_code:
                holder = local_codes.get((commune.code, fields.local_code))
                if holder is not None and holder is not village:
                    raise _duplicate_local_code(fields.local_code, holder.name)
        except RowError as error:
            report.reject(row, error)
            continue
        seen[key] = row.line
        if village is None:
            village = Village(
                commune=commune,
                name=fields.name,
                name_key=fields.key,
                kind=fields.kind,
                local_code=fields.local_code,
            )
            inserts.append(village)
            existing[key] = village
            report.inserted += 1
        else:
            wanted = {
                "name": _kept_name(village.name, fields.name),
                "kind": fields.kind if row.values["kind"] else village.kind,
                "local_code": fields.local_code or village.local_code,
            }
            if wanted == _village_snapshot(village):
                report.unchanged += 1
                continue
            village.name, village.kind = wanted["name"], wanted["kind"]
            village.local_code, village.updated_at = wanted["local_code"], now
            updates.append(village)
            report.updated += 1
        if fields.local_code:
            local_codes[(commune.code, fields.local_code)] = village
    if not dry_run:
        Village.objects.bulk_create(inserts, batch_size=500)
        Village.objects.bulk_update(
            updates, ["name", "kind", "local_code", "updated_at"], batch_size=500
        )
    _finish_import(
        kind=ImportRun.Kind.VILLAGES,
        report=report,
        filename=filename,
        actor=actor,
        request=request,
        via=via,
    )
    return report


# Area status ---------------------------------------------------------------------------------


def _place_label(status: AreaStatus) -> str:
    return status.village.name if status.village_id else status.commune.name  # type: ignore[union-attr]


def _conflicts(new_status: str, other: str) -> bool:
    """Statuses that cannot hold at once for one place: the same one, or two regions."""
    if new_status == other:
        return True
    return new_status in parsing.REGIONS and other in parsing.REGIONS


def _check_period(
    *,
    status: str,
    valid_from: date,
    valid_to: date | None,
    others: Iterable[AreaStatus],
    field: str = "valid_from",
) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise RowError(
            _(
                "The end date %(to)s is before the start date %(from)s. Correct one of the two "
                "dates, or leave the end date empty if the status has no end yet."
            ),
            field="valid_to",
            to=formats.date_format(valid_to, "SHORT_DATE_FORMAT"),
            **{"from": formats.date_format(valid_from, "SHORT_DATE_FORMAT")},
        )
    for other in others:
        if not _conflicts(status, other.status):
            continue
        starts_before_other_ends = other.valid_to is None or valid_from <= other.valid_to
        ends_after_other_starts = valid_to is None or other.valid_from <= valid_to
        if starts_before_other_ends and ends_after_other_starts:
            raise RowError(
                _(
                    "%(place)s already has %(status)s from %(from)s to %(to)s (decision "
                    "%(decision)s), which overlaps this period. End that period first (set its "
                    "end date), or correct the dates."
                ),
                field=field,
                place=_place_label(other),
                status=other.get_status_display(),
                to=(
                    formats.date_format(other.valid_to, "SHORT_DATE_FORMAT")
                    if other.valid_to
                    else "…"
                ),
                decision=other.decision,
                **{"from": formats.date_format(other.valid_from, "SHORT_DATE_FORMAT")},
            )


def _check_place(status: str, village: Village | None) -> None:
    if village is None and status in parsing.VILLAGE_STATUSES:
        raise RowError(
            _(
                "This status is for villages: write the village's name in the village column, "
                "or use a region (region_1, region_2, region_3) for the commune."
            ),
            field="village",
        )
    if village is not None and status in parsing.REGIONS:
        raise RowError(
            _(
                "Regions I, II and III are given to communes, and a village has its commune's "
                "region. Leave the village column empty for this row."
            ),
            field="village",
        )


def _check_texts(decision: str, note: str) -> None:
    if not decision:
        raise RowError(
            _(
                "The decision is empty. Write the number of the decision that sets this status, "
                'e.g. "60/QĐ-BDTTG".'
            ),
            field="decision",
        )
    if len(decision) > _DECISION_MAX:
        raise RowError(
            _("The decision is longer than %(max)s characters. Shorten it."),
            field="decision",
            max=_DECISION_MAX,
        )
    if len(note) > _NOTE_MAX:
        raise RowError(
            _("The note is longer than %(max)s characters. Shorten it."),
            field="note",
            max=_NOTE_MAX,
        )


def _village_in(commune: Commune, name: str) -> Village | None:
    if not name:
        return None
    village = Village.objects.filter(commune=commune, name_key=name_key(name)).first()
    if village is None:
        raise _unknown_village(name, commune)
    return village


def _unknown_village(name: str, commune: Commune) -> RowError:
    return RowError(
        _(
            'Commune %(commune)s has no village "%(name)s". Check the spelling, or add the '
            "village first (Villages > Add a village, or the village import)."
        ),
        field="village",
        name=name,
        commune=commune.name,
    )


def _same_place(commune: Commune, village: Village | None) -> Any:
    if village is not None:
        return AreaStatus.objects.filter(village=village)
    return AreaStatus.objects.filter(commune=commune)


def _status_snapshot(status: AreaStatus) -> dict[str, Any]:
    return {
        "status": status.status,
        "commune": status.commune_id,
        "village": status.village_id,
        "valid_from": status.valid_from.isoformat(),
        "valid_to": status.valid_to.isoformat() if status.valid_to else None,
        "decision": status.decision,
        "note": status.note,
    }


def _status_commune_code(status: AreaStatus) -> int:
    return status.village.commune_id if status.village_id else status.commune_id  # type: ignore[union-attr,return-value]


@transaction.atomic
def area_status_create(
    *,
    commune_code: int,
    status: str,
    valid_from: date,
    decision: str,
    village_name: str = "",
    valid_to: date | None = None,
    note: str = "",
    actor: User | None = None,
    request: HttpRequest | None = None,
    via: str = "web",
) -> AreaStatus:
    """Record that a commune (region I-III) or one of its villages has a status for a period.

    Refused when the same status, or another region, already holds for an overlapping period.
    """
    try:
        commune = _province_commune(commune_code)
        village = _village_in(commune, nfc(village_name))
        status = parsing.parse_status(status)
        _check_place(status, village)
        decision, note = nfc(decision), nfc(note)
        _check_texts(decision, note)
        others = _same_place(commune, village).select_related("commune", "village")
        _check_period(status=status, valid_from=valid_from, valid_to=valid_to, others=others)
    except RowError as error:
        raise _as_validation_error(error) from error
    created = AreaStatus.objects.create(
        commune=None if village else commune,
        village=village,
        status=status,
        valid_from=valid_from,
        valid_to=valid_to,
        decision=decision,
        note=note,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        object_type="area_status",
        object_id=created.pk,
        object_label=str(created),
        commune_code=commune.code,
        request=request,
        via=via,
        details=_status_snapshot(created),
    )
    return created


@transaction.atomic
def area_status_update(
    *,
    area_status: AreaStatus,
    valid_to: date | None,
    decision: str,
    note: str = "",
    actor: User | None = None,
    request: HttpRequest | None = None,
    via: str = "web",
) -> AreaStatus:
    """Correct the end date, decision or note of a status; place, status and start stay."""
    try:
        decision, note = nfc(decision), nfc(note)
        _check_texts(decision, note)
        others = (
            AreaStatus.objects.filter(
                commune_id=area_status.commune_id, village_id=area_status.village_id
            )
            .exclude(pk=area_status.pk)
            .select_related("commune", "village")
        )
        _check_period(
            status=area_status.status,
            valid_from=area_status.valid_from,
            valid_to=valid_to,
            others=others,
            field="valid_to",
        )
    except RowError as error:
        raise _as_validation_error(error) from error
    before = _status_snapshot(area_status)
    area_status.valid_to, area_status.decision, area_status.note = valid_to, decision, note
    after = _status_snapshot(area_status)
    if after == before:
        return area_status
    area_status.save(update_fields=["valid_to", "decision", "note"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="area_status",
        object_id=area_status.pk,
        object_label=str(area_status),
        commune_code=_status_commune_code(area_status),
        request=request,
        via=via,
        details={"before": before, "after": after},
    )
    return area_status


def area_status_end(
    *,
    area_status: AreaStatus,
    valid_to: date,
    actor: User | None = None,
    request: HttpRequest | None = None,
    via: str = "web",
) -> AreaStatus:
    """End a status on a date (its last day), e.g. when a new decision replaces the list."""
    return area_status_update(
        area_status=area_status,
        valid_to=valid_to,
        decision=area_status.decision,
        note=area_status.note,
        actor=actor,
        request=request,
        via=via,
    )


@dataclass
class _StatusRow:
    commune: Commune
    village: Village | None
    status: str
    valid_from: date
    valid_to: date | None
    decision: str
    note: str


def _area_status_row(
    row: CsvRow, communes: dict[int, Commune], villages: dict[tuple[int, str], Village]
) -> _StatusRow:
    values = row.values
    commune = _province_commune(parsing.parse_commune_code(values["commune_code"]), communes)
    village = None
    if values["village"]:
        village = villages.get((commune.code, name_key(values["village"])))
        if village is None:
            raise _unknown_village(values["village"], commune)
    if not values["status"]:
        raise RowError(
            _('The status is empty. Write e.g. region_3, "khu vực III" or "thôn ĐBKK".'),
            field="status",
        )
    status = parsing.parse_status(values["status"])
    _check_place(status, village)
    valid_from = parsing.parse_date(values["valid_from"], field="valid_from", required=True)
    valid_to = parsing.parse_date(values["valid_to"], field="valid_to", required=False)
    _check_texts(values["decision"], values["note"])
    assert valid_from is not None  # noqa: S101 - required=True never returns None
    return _StatusRow(
        commune, village, status, valid_from, valid_to, values["decision"], values["note"]
    )


@transaction.atomic
def area_status_import_csv(
    *,
    data: bytes,
    filename: str,
    actor: User | None = None,
    request: HttpRequest | None = None,
    via: str = "web",
    dry_run: bool = False,
) -> ImportReport:
    """Insert or update dated area statuses from a CSV file; report and reject like villages.

    Columns: commune_code, village, status, valid_from, valid_to, decision, note. A row is the
    same status as a stored one when place, status and start date match; then only its end
    date, decision and note may change. Overlapping periods are rejected.
    """
    columns, rows = read_rows(
        data,
        columns=AREA_STATUS_COLUMNS,
        required=("commune_code", "status", "valid_from"),
        aliases=AREA_STATUS_ALIASES,
    )
    report = ImportReport(columns=columns, dry_run=dry_run)
    province = settings.PROVINCE_CODE
    communes = {
        c.code: c for c in Commune.objects.select_related("province").filter(province_id=province)
    }
    villages = {
        (v.commune_id, v.name_key): v
        for v in Village.objects.filter(commune__province_id=province).only(
            "id", "commune_id", "name", "name_key"
        )
    }
    by_place: dict[tuple[str, int], list[AreaStatus]] = defaultdict(list)
    stored = AreaStatus.objects.select_related("commune", "village").filter(
        Q(commune__province_id=province) | Q(village__commune__province_id=province)
    )
    for item in stored:
        by_place[_place_key(item)].append(item)
    seen: dict[tuple[tuple[str, int], str, date], int] = {}
    inserts: list[AreaStatus] = []
    updates: list[AreaStatus] = []
    for row in rows:
        try:
            parsed = _area_status_row(row, communes, villages)
            place = ("v", parsed.village.pk) if parsed.village else ("c", parsed.commune.code)
            key = (place, parsed.status, parsed.valid_from)
            if key in seen:
                raise RowError(
                    _(
                        "The same status of the same place starting on the same day is already "
                        "in the file on line %(line)s. Keep one of the two rows."
                    ),
                    line=seen[key],
                )
            same = next(
                (
                    s
                    for s in by_place[place]
                    if s.status == parsed.status and s.valid_from == parsed.valid_from
                ),
                None,
            )
            _check_period(
                status=parsed.status,
                valid_from=parsed.valid_from,
                valid_to=parsed.valid_to,
                others=[s for s in by_place[place] if s is not same],
            )
        except RowError as error:
            report.reject(row, error)
            continue
        seen[key] = row.line
        if same is None:
            created = AreaStatus(
                commune=None if parsed.village else parsed.commune,
                village=parsed.village,
                status=parsed.status,
                valid_from=parsed.valid_from,
                valid_to=parsed.valid_to,
                decision=parsed.decision,
                note=parsed.note,
            )
            inserts.append(created)
            by_place[place].append(created)
            report.inserted += 1
        elif (same.valid_to, same.decision, same.note) == (
            parsed.valid_to,
            parsed.decision,
            parsed.note,
        ):
            report.unchanged += 1
        else:
            same.valid_to, same.decision, same.note = (
                parsed.valid_to,
                parsed.decision,
                parsed.note,
            )
            updates.append(same)
            report.updated += 1
    if not dry_run:
        AreaStatus.objects.bulk_create(inserts, batch_size=500)
        AreaStatus.objects.bulk_update(updates, ["valid_to", "decision", "note"], batch_size=500)
    _finish_import(
        kind=ImportRun.Kind.AREA_STATUS,
        report=report,
        filename=filename,
        actor=actor,
        request=request,
        via=via,
    )
    return report


def _place_key(status: AreaStatus) -> tuple[str, int]:
    if status.village_id:
        return ("v", status.village_id)
    return ("c", status.commune_id)  # type: ignore[return-value]

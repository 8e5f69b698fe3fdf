"""Every write to the registry: imports and sync, edits, social facts, consent, merges.

Each service runs in one transaction (imports: one per batch), leaves a HistoryEntry for every
change and an audit entry for sensitive reads and writes, and clears the person's source
digest so that the next import compares the record field by field.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils import timezone

from accounts.models import AuditEntry, User
from accounts.services import audit_record
from people.extract import COLUMNS, Extract, ExtractError, RawRecord, values_from_mapping
from people.importing import BATCH_SIZE, Counts, Importer, Outcome
from people.models import ImportRun

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
    """Rejected rows of FILE go to FILE-rejected.csv next to it."""
    return path.with_name(f"{path.stem}-rejected.csv")


def population_import(
    *,
    path: Path,
    actor: User | None = None,
    fmt: str | None = None,
    encoding: str | None = None,
    rejects_path: Path | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Import a population extract (CSV, JSON Lines or Parquet) into the registry.

    Upserts by personal ID (or old ID card number), idempotently, one transaction per batch.
    Every rejected record goes to a CSV next to the input with its line and the reason in
    Vietnamese and English. Raises ExtractError (after recording a refused run) when the file
    as a whole cannot be read; then nothing is imported.
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
            importer.feed(extract.records())
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

"""What the two CSV import commands share: read the file, call the service, print the report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from places.imports import ImportRefused, ImportReport, rejects_csv


class CsvImportCommand(BaseCommand):
    """Exit 0 when the file was read (even with rejected rows), 1 when it was refused."""

    what = ""

    def importer(self) -> Callable[..., ImportReport]:
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV file (UTF-8 or UTF-16)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and report what would change; write nothing",
        )
        parser.add_argument(
            "--rejects",
            type=Path,
            help="where to write the rejected rows (default: FILE.rejects.csv next to FILE)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                f"Không đọc được tệp / cannot read the file {path}: {exc.strerror}"
            ) from exc
        try:
            report = self.importer()(
                data=data, filename=path.name, via="cli", dry_run=options["dry_run"]
            )
        except ImportRefused as refused:
            raise CommandError(f"{refused.message_vi}\n{refused.message_en}") from refused
        rejects_path: Path = options["rejects"] or path.with_name(f"{path.stem}.rejects.csv")
        self._print(report, path)
        if report.rejected:
            rejects_path.write_text(
                "\ufeff" + rejects_csv(report.columns, [r.as_json() for r in report.rejected]),
                encoding="utf-8",
                newline="",
            )
            self.stdout.write(
                f"Các dòng bị từ chối / rejected rows: {rejects_path}", self.style.WARNING
            )
        elif rejects_path.exists() and options["rejects"] is None:
            # A rejects file of an earlier run would describe problems this file no longer has.
            rejects_path.unlink()

    def _print(self, report: ImportReport, path: Path) -> None:
        mode = " (chỉ kiểm tra / check only: nothing written)" if report.dry_run else ""
        self.stdout.write(f"{path.name}: {self.what}{mode}")
        self.stdout.write(f"  thêm mới / inserted:     {report.inserted}")
        self.stdout.write(f"  cập nhật / updated:      {report.updated}")
        self.stdout.write(f"  không đổi / unchanged:   {report.unchanged}")
        self.stdout.write(f"  bị từ chối / rejected:   {len(report.rejected)}")
        for item in report.rejected[:20]:
            self.stdout.write(f"  dòng / line {item.line}: {item.reason_vi} / {item.reason_en}")
        if len(report.rejected) > 20:
            self.stdout.write(f"  … {len(report.rejected) - 20} more / còn nữa")

"""`langso import-population FILE`: load a population extract into the registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from people import services
from people.extract import ExtractError
from people.import_bulk import METHODS
from people.importing import BATCH_SIZE


class Command(BaseCommand):
    help = (
        "Nhập tệp trích xuất dân cư (CSV, JSON Lines, Parquet) vào sổ đăng ký. / "
        "Import a population extract (CSV, JSON Lines, Parquet) into the registry."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=["csv", "jsonl", "parquet"], default=None)
        parser.add_argument(
            "--encoding",
            default=None,
            help="Force the text encoding of a CSV file (utf-8, utf-16, cp1258).",
        )
        parser.add_argument(
            "--rejects",
            type=Path,
            default=None,
            help="Where to write rejected rows (default: FILE-rejects.csv next to FILE).",
        )
        parser.add_argument(
            "--user", default=None, help="Username to record as the author of the changes."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"Records per transaction (default {BATCH_SIZE}).",
        )
        parser.add_argument(
            "--method",
            choices=METHODS,
            default=None,
            help=(
                "auto (default): new people of a large UTF-8 CSV file are checked and written "
                "in bulk, the other rows record by record; bulk: the same for any CSV file; "
                "rows: every row record by record. All give the same outcome."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(
                    f"Không có người dùng {options['user']!r}. / "
                    f"There is no user {options['user']!r}."
                )
        if options["batch_size"] < 1:
            raise CommandError("--batch-size phải lớn hơn 0. / --batch-size must be positive.")
        try:
            result = services.population_import(
                path=options["file"],
                actor=actor,
                fmt=options["format"],
                encoding=options["encoding"],
                rejects_path=options["rejects"],
                batch_size=options["batch_size"],
                method=options["method"],
            )
        except ExtractError as exc:
            raise CommandError(str(exc)) from exc
        counts = result.counts
        if result.warning:
            self.stderr.write(result.warning)
        if result.unknown_columns:
            self.stderr.write(
                "Bỏ qua các cột không dùng / ignored columns: " + ", ".join(result.unknown_columns)
            )
        self.stdout.write(
            f"Thêm mới / inserted: {counts.inserted}\n"
            f"Cập nhật / updated: {counts.updated}\n"
            f"Không đổi / unchanged: {counts.unchanged}\n"
            f"Bị từ chối / rejected: {counts.rejected}\n"
            f"Chuyển nơi ở / moved: {counts.moved}\n"
            f"Đã mất / deaths: {counts.died}\n"
            f"Đổi hộ / household changes: {counts.household_changed}\n"
            f"Hộ mới / households created: {counts.households_created}\n"
            f"Thôn mới / villages created: {counts.villages_created}"
        )
        if counts.rejected:
            self.stdout.write(f"Các dòng bị từ chối / rejected rows: {result.rejects_path}")

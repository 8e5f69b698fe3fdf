"""`langso export-verified`: what the province verified about disadvantaged people, as an extract."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from people import selectors, services
from places.models import Commune


class Command(BaseCommand):
    help = (
        "Xuất các thông tin đã xác minh (khuyết tật, hộ nghèo, ...) để gửi CSDL quốc gia về dân "
        "cư. / Export verified facts (disability, poverty, ...) for the national population "
        "database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["csv", "jsonl"], default="csv")
        parser.add_argument(
            "--output", type=Path, default=None, help="File to write (default: standard output)."
        )
        parser.add_argument(
            "--commune", type=int, action="append", default=None, help="Only this commune code."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        communes = set(options["commune"]) if options["commune"] else None
        if communes:
            known = set(Commune.objects.filter(code__in=communes).values_list("code", flat=True))
            unknown = sorted(communes - known)
            if unknown:
                raise CommandError(
                    f"Không có mã xã {unknown}. / There is no commune with code {unknown}."
                )
        fmt = options["format"]
        services.verified_export_record(actor=None, fmt=fmt, communes=communes, via="cli")
        rows = selectors.verified_extract(communes=communes, day=timezone.localdate())
        output = options["output"]
        fh = (
            output.open("w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="")
            if output
            else sys.stdout
        )
        count = 0
        try:
            if fmt == "csv":
                writer = csv.DictWriter(fh, fieldnames=selectors.EXPORT_COLUMNS)
                writer.writeheader()
                for row in rows:
                    writer.writerow(row)
                    count += 1
            else:
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                    count += 1
        finally:
            if output:
                fh.close()
        if output:
            self.stdout.write(f"Đã xuất / exported: {count} → {output}")

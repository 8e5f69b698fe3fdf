"""`langso import-area-status FILE`: add or update dated area statuses from a CSV file."""

from __future__ import annotations

from collections.abc import Callable

from places import services
from places.imports import ImportReport
from places.management.commands._csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = (
        "Import area statuses from a CSV file with the columns commune_code, village, status, "
        "valid_from, valid_to, decision, note (docs/reference/places-csv.md). Exit code 0 when "
        "the file was read, even with rejected rows (written to FILE.rejects.csv); 1 when the "
        "whole file was refused."
    )
    what = "area status"

    def importer(self) -> Callable[..., ImportReport]:
        return services.area_status_import_csv

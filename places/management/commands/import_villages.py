"""`langso import-villages FILE`: add or update the villages of a CSV file."""

from __future__ import annotations

from collections.abc import Callable

from places import services
from places.imports import ImportReport
from places.management.commands._csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = (
        "Import villages from a CSV file with the columns commune_code, name, kind, local_code "
        "(docs/reference/places-csv.md). Exit code 0 when the file was read, even with rejected "
        "rows (written to FILE.rejects.csv); 1 when the whole file was refused."
    )
    what = "villages"

    def importer(self) -> Callable[..., ImportReport]:
        return services.village_import_csv

"""`langso policies check`: compile every policy file and run its golden tests everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from benefits.rules import POLICY_DIR
from benefits.rules.golden import run_golden
from benefits.rules.loader import PolicyError, load_directory


class Command(BaseCommand):
    help = (
        "Check the benefit policy files: compile them and run every golden test on every back-end."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="compile every policy and run its golden tests")
        check.add_argument("--dir", default=str(POLICY_DIR), help="folder of policy files")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            policies = load_directory(Path(options["dir"]))
        except PolicyError as exc:
            raise CommandError(f"Tệp chính sách không hợp lệ / Invalid policy file: {exc}") from exc
        extra = {}
        if connection.vendor == "postgresql":
            # The same tests through the project's own PostgreSQL, in a temporary table.
            def run(sql: str) -> list[tuple[Any, ...]]:
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                    return list(cursor.fetchall()) if cursor.description else []

            extra["postgres"] = ("postgres", run)
        report = run_golden(policies, extra=extra)  # type: ignore[arg-type]
        for failure in report.failures:
            self.stderr.write(str(failure))
        self.stdout.write(
            f"{len(policies.policies)} policies, {report.tests} golden tests, "
            f"back-ends: {', '.join(report.backends)}; {len(report.failures)} failures"
        )
        if report.failures:
            raise CommandError(f"{len(report.failures)} golden test failure(s)")

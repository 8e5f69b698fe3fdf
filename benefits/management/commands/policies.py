"""`langso policies check`: compile every policy file and run its golden tests everywhere."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from benefits.rules import POLICY_DIR, sparkrun
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
        check.add_argument(
            "--spark",
            action="store_true",
            help="also run the golden tests on a local Spark session (needs langso[spark])",
        )
        check.add_argument(
            "--spark-log",
            default=str(Path(tempfile.gettempdir()) / "langso-policies-spark.log"),
            help="where the Spark JVM writes its own output",
        )

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
        backends = list(report.backends)
        failures = list(report.failures)
        if options["spark"]:
            try:
                spark = sparkrun.spark_session(Path(options["spark_log"]))
            except sparkrun.SparkUnavailable as exc:
                raise CommandError(str(exc)) from exc
            spark_report = sparkrun.run_golden_spark(spark, policies)
            backends.append("spark")
            failures += spark_report.failures
        for failure in failures:
            self.stderr.write(str(failure))
        self.stdout.write(
            f"{len(policies.policies)} policies, {report.tests} golden tests, "
            f"back-ends: {', '.join(backends)}; {len(failures)} failures"
        )
        if failures:
            raise CommandError(f"{len(failures)} golden test failure(s)")

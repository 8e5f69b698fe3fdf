"""`langso health-monitoring <action>`: thresholds and periodic monitoring work.

    langso health-monitoring load-thresholds [FILE]   load a threshold file as a new version
    langso health-monitoring run-due                  escalate, wake snoozed alerts, sweep for
                                                      people with no recent reading, send digests

`langso worker` runs run-due about once a minute by itself; the command is for cron-only
installations and for trying things out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from health.monitoring import services
from health.monitoring.rules import RuleError


class Command(BaseCommand):
    help = "Health monitoring: load-thresholds [FILE], run-due."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load-thresholds", help="Load a threshold YAML file as a version.")
        load.add_argument("file", type=Path, nargs="?", help="default: the newest shipped file")
        sub.add_parser("run-due", help="Escalations, snoozes, no-reading sweep, digests.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load-thresholds":
            try:
                loaded, created = services.threshold_set_load(path=options["file"], via="cli")
            except (RuleError, ValidationError) as exc:
                raise CommandError(str(exc)) from exc
            state = "đã nạp / loaded" if created else "đã có, không đổi / already loaded"
            self.stdout.write(f"Ngưỡng / thresholds v{loaded.version} {loaded.name}: {state}.")
            return
        counts = services.monitoring_run_due()
        self.stdout.write(
            f"Chuyển cấp / escalated {counts['escalated']}, mở lại / woken {counts['woken']}, "
            f"không có chỉ số / no reading {counts['no_reading']}, "
            f"tóm tắt / digests {counts['digests']}."
        )

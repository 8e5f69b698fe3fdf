"""`langso health <action>`: health-at-home tasks from the command line.

    langso health import-fhir FILE --user USERNAME   add a FHIR R4 Bundle to a person's book
    langso health schedule-visits                     schedule the home visits of active plans
    langso health load-thresholds [FILE]              load a threshold file as a new version
    langso health run-due                             escalate, wake snoozed alerts, sweep for
                                                      people with no recent reading, send
                                                      digests, schedule the day's home visits

`langso worker` runs run-due about once a minute by itself; the action is for cron-only
installations and for trying things out.

Each action is one entry of ACTIONS: a function that adds its sub-parser and one that runs it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User


def _import_fhir_arguments(parser: CommandParser) -> None:
    parser.add_argument("file", type=Path, help="a FHIR R4 Bundle (JSON) of one person")
    parser.add_argument(
        "--user",
        required=True,
        help="username of the health worker of the person's commune who imports it",
    )


def _import_fhir(command: BaseCommand, options: dict[str, Any]) -> None:
    from health.book.services import fhir_bundle_import

    path: Path = options["file"]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CommandError(
            f"Không tìm thấy tệp {path}. / The file {path} does not exist."
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(
            f"Tệp {path} không phải JSON hợp lệ ({exc}); hãy xuất lại Bundle dạng JSON. / "
            f"{path} is not valid JSON ({exc}); export the Bundle again as JSON."
        ) from None
    user = User.objects.filter(username=options["user"], is_active=True).first()
    if user is None:
        raise CommandError(
            f"Không có tài khoản {options['user']!r} đang hoạt động. / "
            f"There is no active account {options['user']!r}."
        )
    try:
        report = fhir_bundle_import(data=data, actor=user, via="cli")
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from None
    command.stdout.write(
        f"Sổ sức khỏe của / health book of {report.person.full_name}: "
        f"{report.added} mục mới / entries added."
    )
    for kind, row in sorted(report.counts.items()):
        command.stdout.write(
            f"  {kind}: {row['added']} mới / added, {row['updated']} cập nhật / updated, "
            f"{row['unchanged']} đã có / unchanged, {row['rejected']} bị từ chối / rejected"
        )
    for problem in report.problems:
        command.stdout.write(f"  ! {problem}")
    for skipped in report.skipped:
        command.stdout.write(f"  - bỏ qua / skipped: {skipped}")


def _schedule_visits_arguments(parser: CommandParser) -> None:
    del parser


def _schedule_visits(command: BaseCommand, options: dict[str, Any]) -> None:
    from health.book.services import home_visits_schedule_all

    added = home_visits_schedule_all()
    command.stdout.write(f"Đã lên lịch / scheduled: {added} lần thăm nhà / home visits.")


def _load_thresholds_arguments(parser: CommandParser) -> None:
    parser.add_argument("file", type=Path, nargs="?", help="default: the newest shipped file")


def _load_thresholds(command: BaseCommand, options: dict[str, Any]) -> None:
    from health.monitoring.rules import RuleError
    from health.monitoring.services import threshold_set_load

    try:
        loaded, created = threshold_set_load(path=options["file"], via="cli")
    except (RuleError, ValidationError) as exc:
        raise CommandError(str(exc)) from exc
    state = "đã nạp / loaded" if created else "đã có, không đổi / already loaded"
    command.stdout.write(f"Ngưỡng / thresholds v{loaded.version} {loaded.name}: {state}.")


def _run_due_arguments(parser: CommandParser) -> None:
    del parser


def _run_due(command: BaseCommand, options: dict[str, Any]) -> None:
    from health.monitoring.services import monitoring_run_due

    counts = monitoring_run_due()
    command.stdout.write(
        f"Chuyển cấp / escalated {counts['escalated']}, mở lại / woken {counts['woken']}, "
        f"không có chỉ số / no reading {counts['no_reading']}, "
        f"tóm tắt / digests {counts['digests']}, "
        f"lần thăm nhà mới / home visits scheduled {counts['visits_scheduled']}."
    )


# action -> (help, add arguments, run)
ACTIONS: dict[
    str,
    tuple[str, Callable[[CommandParser], None], Callable[[BaseCommand, dict[str, Any]], None]],
] = {
    "import-fhir": (
        "Add what a FHIR R4 Bundle holds to a person's health book (safe to repeat).",
        _import_fhir_arguments,
        _import_fhir,
    ),
    "schedule-visits": (
        "Schedule the home visits of every active care plan (safe to repeat).",
        _schedule_visits_arguments,
        _schedule_visits,
    ),
    "load-thresholds": (
        "Load a threshold YAML file as a new version (default: the newest shipped file).",
        _load_thresholds_arguments,
        _load_thresholds,
    ),
    "run-due": (
        "Escalations, snoozes, the no-reading sweep, digests, the day's home visits.",
        _run_due_arguments,
        _run_due,
    ),
}


class Command(BaseCommand):
    help = "Health at home: " + "; ".join(f"`{name}`" for name in ACTIONS) + "."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name, (help_text, add, _run) in ACTIONS.items():
            add(sub.add_parser(name, help=help_text))

    def handle(self, *args: Any, **options: Any) -> None:
        ACTIONS[options["action"]][2](self, options)

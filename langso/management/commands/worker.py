"""`langso worker`: run background tasks from every queue and keep the notification outbox moving.

The tasks are run by django_tasks_db's `db_worker` over all queues; on SIGTERM or SIGINT it
finishes the task in hand and exits 0. Alongside it, notifications.services.message_dispatch_due
runs at start and then about once a minute: it re-enqueues due messages whose task row was lost
and releases messages left "sending" by a worker that died. Start more workers to go faster.

Why a thread in the worker process rather than a periodic task that re-enqueues itself: the
dispatcher exists to recover from lost or failed task rows, so it must not depend on a task row
itself; a self re-enqueuing chain ends at the first lost or failed row, and every worker started
would add another chain. A daemon thread lives exactly as long as its worker; it has its own
database connection (Django's connections are per thread), closed after every run and when it
stops. message_dispatch_due is idempotent (conditional UPDATEs, claim-once delivery), so several
workers each running it is harmless.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend

from health.monitoring.services import monitoring_run_due
from notifications.services import message_dispatch_due

logger = logging.getLogger("langso.worker")

DISPATCH_INTERVAL_SECONDS = 60.0
STOP_WAIT_SECONDS = 10.0


def dispatch_once() -> None:
    try:
        counts = message_dispatch_due()
        if any(counts.values()):
            logger.info("notifications dispatched: %s", counts)
    except Exception:  # noqa: BLE001 - a failed run (database away) is retried next time
        logger.exception("notification dispatch failed; retrying at the next interval")
    try:
        # Health alerts: escalations, snoozes, the no-reading sweep and the daily digests.
        health = monitoring_run_due()
        if any(health.values()):
            logger.info("health monitoring: %s", health)
    except Exception:  # noqa: BLE001 - as above: the next interval tries again
        logger.exception("health monitoring run failed; retrying at the next interval")


class Dispatcher(threading.Thread):
    def __init__(self, interval: float) -> None:
        super().__init__(name="notification-dispatcher", daemon=True)
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                dispatch_once()
            finally:
                # This thread's own connection: closed after every run, never left idle.
                connections.close_all()
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=STOP_WAIT_SECONDS)


@contextmanager
def connection_kept_open() -> Iterator[None]:
    """Keep the worker's SQLite connection between tasks instead of reopening it for each.

    The settings close SQLite connections after every request (CONN_MAX_AGE=0), and db_worker
    follows them after every task; closing the last connection to a WAL database checkpoints
    it, which made each message cost a disk flush (about 4 times slower, measured). Django
    still replaces a connection that has become unusable. PostgreSQL keeps DB_CONN_MAX_AGE.
    """
    settings_dict = connections[DEFAULT_DB_ALIAS].settings_dict
    previous = settings_dict["CONN_MAX_AGE"]
    if connections[DEFAULT_DB_ALIAS].vendor == "sqlite":
        settings_dict["CONN_MAX_AGE"] = None
    try:
        yield
    finally:
        settings_dict["CONN_MAX_AGE"] = previous


def positive_seconds(value: str) -> float:
    seconds = float(value)
    if not seconds > 0:
        raise ValueError(value)
    return seconds


class Command(BaseCommand):
    help = (
        "Run background tasks from every queue, and dispatch due notifications about once a "
        "minute. Stops cleanly on SIGTERM/SIGINT after the current task."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=positive_seconds,
            default=1.0,
            help="Seconds to wait before looking for new tasks when the queues are empty "
            "(default: 1).",
        )
        parser.add_argument(
            "--dispatch-interval",
            type=positive_seconds,
            default=DISPATCH_INTERVAL_SECONDS,
            help="Seconds between runs of the notification dispatcher (default: 60).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Dispatch due notifications once, run every task that is due, then exit.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if not isinstance(backend, DatabaseBackend):
            raise CommandError(
                "Worker chỉ chạy với TASKS_BACKEND=django_tasks_db.DatabaseBackend (hiện là "
                f"{type(backend).__name__}). / The worker needs "
                f"TASKS_BACKEND=django_tasks_db.DatabaseBackend (it is {type(backend).__name__})."
            )
        db_worker_options = {
            "queue_name": "*",
            "backend_name": DEFAULT_TASK_BACKEND_ALIAS,
            "interval": options["interval"],
            "reload": False,
            "verbosity": options["verbosity"],
            "stdout": self.stdout,
            "stderr": self.stderr,
        }
        if options["batch"]:
            dispatch_once()
            with connection_kept_open():
                call_command("db_worker", batch=True, startup_delay=False, **db_worker_options)
            return

        dispatcher = Dispatcher(options["dispatch_interval"])
        dispatcher.start()
        try:
            # Returns after SIGTERM/SIGINT once the current task is done, or raises SystemExit(0)
            # at once when the signal arrives between tasks.
            with connection_kept_open():
                call_command("db_worker", **db_worker_options)
        finally:
            dispatcher.stop()

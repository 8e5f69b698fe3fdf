"""`langso serve`: the production web server, optionally with one background worker.

The command is a small supervisor. It refuses to start when the database schema is behind the
code or the static files were not collected (both would fail later, on a citizen's request, with
a less helpful error), then starts gunicorn serving `langso.wsgi:application` and, with
`--with-worker`, one `langso worker`, as child processes. SIGTERM or SIGINT is passed on to them
once; when either child stops on its own, the other is stopped too and the command exits with an
error, so that a process manager (systemd, a container runtime) restarts the pair.

Gunicorn runs as a child rather than inside this process because its master reaps every child
process it has: a worker started from gunicorn's hooks would have its exit status taken from
under us. Static files are served by WhiteNoise from STATIC_ROOT inside the Django application.

Environment: HOST (default 127.0.0.1), PORT (default 8000), WEB_CONCURRENCY (gunicorn worker
processes, default 2). The access log goes to standard output.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from langso.env import env_int, env_str

# How long children get to finish their current requests and task before they are killed.
STOP_TIMEOUT_SECONDS = 35
POLL_SECONDS = 0.25
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to send SIGTERM to the child if this supervisor is killed outright."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            pass


class Command(BaseCommand):
    help = (
        "Run the production web server (gunicorn + WhiteNoise); --with-worker also runs one "
        "background worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host", default=None, help="Address to listen on (default: $HOST or 127.0.0.1)."
        )
        parser.add_argument(
            "--port", type=int, default=None, help="Port to listen on (default: $PORT or 8000)."
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="Also run one `langso worker` and stop it when the server stops.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host = options["host"] or env_str("HOST", "127.0.0.1")
        port = options["port"] if options["port"] is not None else env_int("PORT", 8000)
        if not 0 < port < 65536:
            raise CommandError(
                f"Cổng {port} không hợp lệ; chọn một số từ 1 đến 65535. / "
                f"Port {port} is not valid; choose a number from 1 to 65535."
            )
        check_static_collected()
        check_migrations_applied()
        # Children open their own connections; this one is not needed any more.
        connection.close()

        children: dict[str, subprocess.Popen[bytes]] = {}
        stop_signal: list[int] = []

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop_signal.append(signum)

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            children["web"] = _spawn(gunicorn_command(host, port))
            if options["with_worker"]:
                children["worker"] = _spawn([sys.executable, "-m", "langso.cli", "worker"])
            self.stdout.write(
                f"Làng Số đang chạy tại / is serving at http://{_url_host(host)}:{port}/"
                + (" (+ worker)" if "worker" in children else "")
            )
            ended = _wait_for_signal_or_exit(children, stop_signal)
        finally:
            _stop_all(children)
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        if ended is not None:
            name, code = ended
            raise CommandError(
                f"Tiến trình '{name}' đã dừng (mã {code}), nên máy chủ dừng theo. / "
                f"The '{name}' process stopped (exit code {code}), so the server stopped too."
            )
        failed = {name: p.returncode for name, p in children.items() if p.returncode not in (0,)}
        if failed:
            raise CommandError(
                "Một số tiến trình không dừng gọn / some processes did not stop cleanly: "
                + ", ".join(f"{name}={code}" for name, code in failed.items())
            )


def check_migrations_applied() -> None:
    """Refuse to serve a database whose schema is behind the code."""
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise CommandError(
            f"Không kết nối được cơ sở dữ liệu ({exc}); kiểm tra DATABASE_URL. / "
            f"Cannot reach the database ({exc}); check DATABASE_URL."
        ) from exc
    if plan:
        pending = sorted({f"{migration.app_label}.{migration.name}" for migration, _ in plan})
        raise CommandError(
            f"Cơ sở dữ liệu chưa được cập nhật ({len(pending)} bước chưa chạy); hãy chạy "
            f"`langso migrate` rồi khởi động lại. / The database schema is out of date "
            f"({len(pending)} migrations not applied, e.g. {pending[0]}); run `langso migrate` "
            f"and start again."
        )


def check_static_collected() -> None:
    """Refuse to serve when STATIC_ROOT holds no collected files (pages would break)."""
    root = settings.STATIC_ROOT
    try:
        manifest_name = getattr(staticfiles_storage, "manifest_name", None)
    except ValueError:  # a manifest that cannot be read: collect again
        manifest_name, collected = None, False
    else:
        if manifest_name:
            collected = staticfiles_storage.manifest_storage.exists(manifest_name)
        else:
            collected = os.path.isdir(root) and any(os.scandir(root))
    if not collected:
        raise CommandError(
            f"Chưa thu thập tệp tĩnh vào {root}; hãy chạy `langso collectstatic --no-input`. / "
            f"Static files were not collected into {root}; run `langso collectstatic --no-input`."
        )


def gunicorn_command(host: str, port: int) -> list[str]:
    workers = max(1, env_int("WEB_CONCURRENCY", 2))
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "langso.wsgi:application",
        "--bind",
        f"{_url_host(host)}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
        "--graceful-timeout",
        str(STOP_TIMEOUT_SECONDS - 5),
        # The control socket's default path is shared by every gunicorn of the user; this
        # supervisor is the control interface.
        "--no-control-socket",
    ]


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _spawn(argv: list[str]) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
    base = str(settings.BASE_DIR)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (base, env.get("PYTHONPATH", "")) if p)
    # A process group of their own: a Ctrl+C in the terminal reaches only this supervisor,
    # which passes on one SIGTERM (a second signal would make the worker abandon its task).
    return subprocess.Popen(  # noqa: S603 - fixed argv built from sys.executable
        argv, env=env, process_group=0, preexec_fn=_die_with_parent
    )


def _wait_for_signal_or_exit(
    children: dict[str, subprocess.Popen[bytes]], stop_signal: list[int]
) -> tuple[str, int] | None:
    """Block until a stop signal (None) or until a child exits on its own (its name, code)."""
    while not stop_signal:
        for name, process in children.items():
            code = process.poll()
            if code is not None:
                return name, code
        time.sleep(POLL_SECONDS)
    return None


def _stop_all(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in children.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for process in children.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

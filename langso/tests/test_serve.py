"""`langso serve`: a real gunicorn on a free local port, over a temporary SQLite database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]


def process_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"TASKS_BACKEND", "PORT", "HOST"}}
    env.update(
        DJANGO_SETTINGS_MODULE="langso.settings",
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        LANGSO_VAR_DIR=str(tmp),
        STATIC_ROOT=str(tmp / "static"),
        NOTIFY_OUTBOX_FILE=str(tmp / "outbox.log"),
        NOTIFY_QUIET_HOURS="",
        DEBUG="false",
        WEB_CONCURRENCY="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=process_env(tmp),
        capture_output=True,
        text=True,
        timeout=300,  # migrating every app takes ~15 s of CPU; far more on a busy machine
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local test server
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 15) -> bytes:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            status, body = get(url)
        except OSError:
            time.sleep(0.1)
            continue
        if status == 200:
            return body
        time.sleep(0.1)
    pytest.fail(f"{url} did not answer 200 in {seconds} s:\n{log.read_text()}")


def children_of(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def is_alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database and collected static files, shared by this module's tests."""
    tmp = tmp_path_factory.mktemp("site")
    for args in (("migrate", "--no-input", "-v", "0"), ("collectstatic", "--no-input", "-v", "0")):
        result = manage(tmp, *args)
        assert result.returncode == 0, result.stderr
    return tmp


def start_serve(site: Path, *extra: str) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = free_port()
    log = site / f"serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port), *extra],
            cwd=ROOT,
            env=process_env(site),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return process, port, log


def stop(process: subprocess.Popen[bytes], log: Path) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"serve did not stop within 10 s of SIGTERM:\n{log.read_text()}")


def outbox_lines(site: Path) -> list[str]:
    path = site / "outbox.log"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_it_serves_the_site_with_a_worker_and_stops_both_on_sigterm(site: Path) -> None:
    process, port, log = start_serve(site, "--with-worker")
    try:
        body = wait_for(f"http://127.0.0.1:{port}/api/v1/health", process, log)
        health = json.loads(body)
        assert health["status"] == "ok"
        assert health["database"] == "ok"
        status, css = get(f"http://127.0.0.1:{port}/static/langso/site.css")
        assert status == 200
        assert css
        assert get(f"http://127.0.0.1:{port}/static/langso/no-such-file.css")[0] == 404
        # The worker started alongside the server delivers queued messages.
        result = manage(site, "notify", "--to", "0912345678", "Chào mừng đến với Làng Số")
        assert result.returncode == 0, result.stderr
        deadline = time.monotonic() + 10
        while not outbox_lines(site) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(outbox_lines(site)) == 1, log.read_text()
        children = children_of(process.pid)
        assert len(children) == 2  # gunicorn's master and the worker
    finally:
        code = stop(process, log)
    assert code == 0, log.read_text()
    assert not any(is_alive(pid) for pid in children)
    assert "GET /api/v1/health" in log.read_text()  # the access log goes to standard output


def test_it_refuses_a_database_that_was_not_migrated(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    result = manage(tmp_path, "serve", "--port", str(free_port()))
    assert result.returncode != 0
    assert "langso migrate" in result.stderr
    assert "chưa được cập nhật" in result.stderr


def test_it_refuses_to_start_without_collected_static_files(tmp_path: Path, settings) -> None:
    settings.STATIC_ROOT = tmp_path / "empty"
    with pytest.raises(CommandError, match="collectstatic"):
        call_command("serve", "--port", "8999")


def test_it_refuses_an_impossible_port() -> None:
    with pytest.raises(CommandError, match="65535"):
        call_command("serve", "--port", "70000")


def test_it_stops_the_server_when_its_worker_dies(site: Path) -> None:
    process, port, log = start_serve(site, "--with-worker")
    try:
        wait_for(f"http://127.0.0.1:{port}/api/v1/health", process, log)
        children = children_of(process.pid)
        [worker] = [
            pid for pid in children if b"\0worker\0" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        os.kill(worker, signal.SIGKILL)
        code = process.wait(timeout=15)
    finally:
        if process.poll() is None:
            stop(process, log)
    assert code != 0
    assert "worker" in log.read_text()
    assert not any(is_alive(pid) for pid in children)

"""`langso worker`: a real worker process over a temporary SQLite database, and --batch."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def process_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TASKS_BACKEND"}
    env.update(
        DJANGO_SETTINGS_MODULE="langso.settings",
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        LANGSO_VAR_DIR=str(tmp),
        NOTIFY_OUTBOX_FILE=str(tmp / "outbox.log"),
        NOTIFY_QUIET_HOURS="",
        DEBUG="false",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=process_env(tmp),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result


def outbox_lines(tmp: Path) -> list[dict[str, Any]]:
    path = tmp / "outbox.log"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = tmp_path_factory.mktemp("template")
    manage(template, "migrate", "--no-input", "-v", "0")
    return template / "db.sqlite3"


@pytest.fixture
def database(tmp_path: Path, migrated: Path) -> Path:
    """A fresh copy of a migrated SQLite database, in this test's own folder."""
    shutil.copyfile(migrated, tmp_path / "db.sqlite3")
    return tmp_path


def test_it_sends_queued_messages_and_stops_cleanly_on_sigterm(database: Path) -> None:
    manage(database, "notify", "--to", "0912345678", "Mời bà đến nhận thẻ bảo hiểm y tế.")
    log = database / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--interval", "0.2"],
            cwd=ROOT,
            env=process_env(database),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 10
        while not outbox_lines(database) and time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text()
            time.sleep(0.1)
        [line] = outbox_lines(database)
        assert line["recipient"] == "+84912345678"
        assert line["body"] == "Mời bà đến nhận thẻ bảo hiểm y tế."
        # A message queued while the worker runs is picked up too.
        manage(database, "notify", "--channel", "email", "--to", "lan@vidu.vn", "Xin chào")
        deadline = time.monotonic() + 10
        while len(outbox_lines(database)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [r["channel"] for r in outbox_lines(database)] == ["sms", "email"]
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            code = worker.wait(timeout=5)
        except subprocess.TimeoutExpired:
            worker.kill()
            pytest.fail(f"the worker did not stop within 5 s of SIGTERM:\n{log.read_text()}")
    assert code == 0, log.read_text()


def test_it_runs_what_is_due_then_exits_with_batch(database: Path) -> None:
    manage(database, "notify", "--to", "0912345678", "Nhắc lịch tiêm chủng")
    manage(database, "worker", "--batch")
    assert [r["body"] for r in outbox_lines(database)] == ["Nhắc lịch tiêm chủng"]


def test_it_dispatches_a_message_whose_task_was_lost_before_a_batch(database: Path) -> None:
    # The process died between the commit and the enqueue: the message has no task row.
    manage(
        database,
        "shell",
        "-c",
        "from datetime import timedelta\n"
        "from django.utils import timezone\n"
        "from django_tasks_db.models import DBTaskResult\n"
        "from notifications.models import Message\n"
        "from notifications.services import message_queue\n"
        "message_queue(channel='sms', recipient='0912345678', body='Thông báo')\n"
        "DBTaskResult.objects.all().delete()\n"
        "Message.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=2))\n",
    )
    manage(database, "worker", "--batch")
    assert [r["body"] for r in outbox_lines(database)] == ["Thông báo"]


@pytest.mark.django_db
def test_it_refuses_to_run_without_the_database_task_backend() -> None:
    with pytest.raises(CommandError, match="DatabaseBackend"):
        call_command("worker", "--batch")

#!/usr/bin/env python
"""How the audit log and the user list hold up when a province has used Làng Số for years.

    .venv/bin/python bench/bench_audit.py [--entries 1000000] [--users 20000] [--repeat 5]

It fills a fresh database with audit entries (spread over two years, 200 actors, 64 communes)
and users, logs a province administrator in through the test client, and prints the server
time (median of --repeat runs) of the audit log page unfiltered, filtered by actor, by action and
date range, and by commune, a deep page, the CSV export (rows per second), and user searches
typed without diacritics and by phone. SQLite runs in a temporary directory; when DATABASE_URL
points at PostgreSQL, a temporary database is created next to it (the role needs CREATEDB;
`scripts/pg-cluster start` gives one) and dropped afterwards. Each run is a child process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def child(entries: int, users: int, repeat: int) -> None:
    """Runs inside the child process: migrate, fill, then time the pages."""
    sys.path.insert(0, str(ROOT))
    # The test settings: the production module with plain static files and a fast hasher.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "langso.settings_test")
    import django

    django.setup()
    import random
    from datetime import timedelta

    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from accounts import services
    from accounts.models import AuditEntry, Role, User
    from lib.vn_text import fold
    from places.models import Commune

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    rng = random.Random(1)
    communes = list(
        Commune.objects.filter(province_id=settings.PROVINCE_CODE).values_list("code", flat=True)
    )
    admin = services.user_create(username="bench.admin", password=None, role=Role.PROVINCE_ADMIN)
    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Thạch", "Danh", "Lâm"]
    middle = ["Văn", "Thị", "Minh", "Ngọc", "Hoàng", "Thanh"]
    given = ["Lan", "Hùng", "Tú", "Hà", "Bảo", "Mai", "Quân", "Sà", "Khánh", "Đức", "Thủy"]
    started = time.perf_counter()
    batch: list[User] = []
    for n in range(users):
        full_name = f"{rng.choice(family)} {rng.choice(middle)} {rng.choice(given)}"
        phone = f"+8491{n:07d}"
        username = f"user{n:06d}"
        batch.append(
            User(
                username=username,
                full_name=full_name,
                phone=phone,
                role=Role.CITIZEN,
                password="!",  # noqa: S106 - an unusable password
                search_key=services.user_search_key(
                    full_name=full_name, username=username, phone=phone
                ),
            )
        )
    User.objects.bulk_create(batch, batch_size=2000)
    actors = [f"officer{n:03d}" for n in range(200)]
    now = timezone.now()
    actions = list(AuditEntry.Action.values)
    chunk: list[AuditEntry] = []
    for _ in range(entries):
        chunk.append(
            AuditEntry(
                at=now - timedelta(seconds=rng.randrange(2 * 365 * 86400)),
                actor_label=rng.choice(actors),
                action=rng.choice(actions),
                object_type=rng.choice(["person", "household", "user", "decision"]),
                object_id=str(rng.randrange(1_000_000)),
                object_label=fold(f"{rng.choice(family)} {rng.choice(given)}"),
                commune_code=rng.choice(communes),
                ip_address="10.0.0.1",
            )
        )
        if len(chunk) == 5000:
            AuditEntry.objects.bulk_create(chunk)
            chunk = []
    AuditEntry.objects.bulk_create(chunk)
    fill_seconds = time.perf_counter() - started

    client = Client()
    client.force_login(admin)
    day = timezone.localdate() - timedelta(days=30)
    figures: dict[str, object] = {"fill_s": round(fill_seconds, 1)}

    def timed(name: str, url: str, data: dict[str, object] | None = None) -> None:
        runs = []
        for _ in range(repeat):
            begin = time.perf_counter()
            response = client.get(url, data or {})
            assert response.status_code == 200, (name, response.status_code)
            runs.append((time.perf_counter() - begin) * 1000)
        figures[name + "_ms"] = round(statistics.median(runs), 1)

    timed("audit_page1", "/accounts/audit/")
    timed("audit_actor", "/accounts/audit/", {"actor": "officer042"})
    timed(
        "audit_action_30days",
        "/accounts/audit/",
        {"action": "export", "date_from": day.strftime("%d/%m/%Y")},
    )
    timed("audit_commune", "/accounts/audit/", {"commune_code": communes[0]})
    timed("audit_page_200", "/accounts/audit/", {"page": 200})
    timed("users_name", "/accounts/users/", {"q": "nguyen thi thuy"})
    timed("users_phone", "/accounts/users/", {"q": "0910 001 234"})

    for name, data in (("export_actor", {"actor": "officer007"}), ("export_all", {})):
        begin = time.perf_counter()
        response = client.post("/accounts/audit/export/", data)
        rows = sum(part.count(b"\n") for part in response.streaming_content) - 1
        seconds = time.perf_counter() - begin
        figures[name + "_rows"] = rows
        figures[name + "_s"] = round(seconds, 2)
        figures[name + "_rows_per_s"] = round(rows / seconds)
    print(json.dumps(figures))


def _postgres_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def run(label: str, env: dict[str, str], args: argparse.Namespace) -> None:
    command = [
        sys.executable,
        __file__,
        "--child",
        f"--entries={args.entries}",
        f"--users={args.users}",
        f"--repeat={args.repeat}",
    ]
    result = subprocess.run(  # noqa: S603 - our own script
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        print(f"{label}: failed\n{result.stderr[-3000:]}")
        return
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"{label}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.entries, args.users, args.repeat)
        return
    print(
        f"bench_audit: {args.entries:,} audit entries, {args.users:,} users; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "LANGSO_VAR_DIR": tmp, "DATABASE_URL": f"sqlite:///{tmp}/bench.db"}
        run("sqlite", env, args)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = f"langso_bench_audit_{os.getpid()}"
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            env = {**os.environ, "DATABASE_URL": _postgres_database(url, name)}
            run("postgresql", env, args)
        finally:
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()

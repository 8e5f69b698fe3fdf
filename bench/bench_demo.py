#!/usr/bin/env python
"""How fast `langso demo` builds a province: people per second, total seconds, peak memory.

    .venv/bin/python bench/bench_demo.py [--people 1000000] [--province 96] [--seed 1]

It builds the demo into a fresh SQLite database in a temporary directory (the default set-up:
WAL, synchronous=NORMAL) and, when DATABASE_URL points at PostgreSQL, also into a temporary
database created next to that one (the role needs CREATEDB; `scripts/pg-cluster start` gives
one) and dropped afterwards. Each run is a child process, so that peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def child(people: int, province: int, seed: int, batch: int) -> None:
    """Runs inside the child process: migrate, then time the demo build alone."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "langso.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from langso.demo.build import build

    call_command("migrate", verbosity=0)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = build(province=province, people=people, seed=seed, batch_people=batch)
    seconds = time.perf_counter() - started
    summary = result.summary
    assert summary is not None
    from people.models import Person

    stored = Person.objects.count()
    if stored != summary.people:
        raise SystemExit(f"{summary.people} people generated but {stored} stored")
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "people": summary.people,
                "households": summary.households,
                "disabilities": summary.disabilities,
                "seconds": round(seconds, 2),
                "people_per_second": round(summary.people / seconds),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "rss_before_build_mb": round(rss_before / 1024),
            }
        )
    )


def run_child(script: str, database_url: str, child_args: list[str]) -> dict[str, object]:
    """Run `script --child ARGS` against one database and return the JSON line it prints last."""
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    command = [sys.executable, script, "--child", *child_args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(done.returncode)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def postgres_run(script: str, url: str, child_args: list[str], name: str) -> dict[str, object]:
    """The same in a database created for the run on the PostgreSQL server and dropped after."""
    import psycopg

    database = f"langso_bench_{name}_{os.getpid()}"
    parts = urlsplit(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    try:
        return run_child(script, urlunsplit(parts._replace(path=f"/{database}")), child_args)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}"')


def run_everywhere(script: str, child_args: list[str], name: str) -> list[dict[str, object]]:
    """A fresh SQLite database always, and PostgreSQL too when DATABASE_URL points at one."""
    results = []
    with tempfile.TemporaryDirectory(prefix=f"langso-bench-{name}-") as tmp:
        results.append(run_child(script, f"sqlite:///{tmp}/bench.sqlite3", child_args))
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        results.append(postgres_run(script, url, child_args, name))
    return results


def machine() -> str:
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores{memory}, {platform.platform()}, Python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--province", type=int, default=96)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.people, args.province, args.seed, args.batch)
        return
    print(f"machine: {machine()}; {time.strftime('%Y-%m-%d')}")
    print("load average before: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    child_args = [
        f"--people={args.people}",
        f"--province={args.province}",
        f"--seed={args.seed}",
        f"--batch={args.batch}",
    ]
    results = run_everywhere(__file__, child_args, "demo")
    for r in results:
        print(
            f"{r['database']:<10} {r['people']:>9,} people  {r['seconds']:>7.1f} s  "
            f"{r['people_per_second']:>8,} people/s  peak RSS {r['peak_rss_mb']} MB "
            f"(before build {r['rss_before_build_mb']} MB)"
        )


if __name__ == "__main__":
    main()

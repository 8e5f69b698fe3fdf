#!/usr/bin/env python
"""How fast `langso import-population` loads an extract, and re-loads it unchanged.

    .venv/bin/python bench/bench_import.py [--rows 1000000] [--seed 1] [--keep FILE]
        [--method auto|bulk|rows] [--only sqlite|postgresql]

It first writes a synthetic population extract (CSV, the documented columns: households of one
to eight people with a head row first, valid personal IDs, phones, villages, and the social
facts of a few percent of people) for the communes of PROVINCE_CODE (default 96, Cà Mau). Then,
in a child process per database, it migrates a fresh database, imports the file, imports it
again unchanged, and imports a copy in which one row in a hundred changed (a phone, a move, a
death), each time through `call_command("import_population", ...)`, the command an operator
runs. It prints seconds, the import's CPU seconds, the PostgreSQL backend's CPU seconds, the
load average before the step, rows per second and peak RSS for each step. --keep FILE writes
the extract (and FILE-changed.csv) there, or reuses them when they exist. SQLite runs in a
temporary directory; when DATABASE_URL points at PostgreSQL, a temporary database is created
next to it (the role needs CREATEDB; `scripts/pg-cluster start` gives one) and dropped after.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLUMNS = [
    "personal_id",
    "full_name",
    "date_of_birth",
    "sex",
    "ethnicity",
    "commune_code",
    "village",
    "household_id",
    "relation_to_head",
    "phone",
    "marital_status",
    "date_of_death",
    "disability_type",
    "disability_level",
    "disability_certified_on",
    "poverty_status",
    "poverty_period",
    "poverty_review_year",
    "monthly_pension_vnd",
    "has_hiv",
    "child_without_care",
    "is_studying",
    "has_supporter",
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Đặng", "Thạch", "Danh", "Lâm"]
MIDDLE = {"male": ["Văn", "Minh", "Hữu", "Đức"], "female": ["Thị", "Ngọc", "Thu", "Thanh"]}
GIVEN = {
    "male": ["Hùng", "Dũng", "Tuấn", "Sơn", "Phúc", "Tài", "Bảo", "Khang", "Lộc", "Nam"],
    "female": ["Lan", "Hoa", "Mai", "Hương", "Thảo", "Ngân", "Quyên", "Sà Quân", "Yến", "Vy"],
}
MOBILE = ["032", "033", "034", "035", "036", "037", "038", "039", "070", "076", "077", "078"]
MOBILE += ["079", "081", "082", "083", "084", "085", "086", "088", "090", "091", "093"]
MOBILE += ["094", "096", "097", "098"]
DISABILITY_TYPES = ["mobility", "hearing_speech", "visual", "mental", "intellectual", "other"]
LEVELS = ["mild", "mild", "severe", "severe", "especially_severe"]


def communes(province: int) -> list[int]:
    data = json.loads((ROOT / "places/data/vn-divisions-2026-09.json").read_text("utf-8"))
    for item in data if isinstance(data, list) else data.get("provinces", []):
        if int(item.get("code", -1)) == province:
            return [int(w["code"]) for w in item.get("wards", item.get("communes", []))]
    raise SystemExit(f"province {province} not found in places/data")


def generate(path: Path, rows: int, seed: int, province: int) -> None:
    """A deterministic extract: households with the head's row first."""
    from lib.personal_id import generate as make_id

    rng = random.Random(seed)
    codes = communes(province)
    today = date(2026, 6, 1)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        written = 0
        household = 0
        used: set[str] = set()
        while written < rows:
            household += 1
            commune = rng.choice(codes)
            village = f"Ấp {rng.randrange(1, 9)}"
            size = min(rng.choice([1, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 7, 8]), rows - written)
            family = rng.choice(FAMILY)
            poverty = rng.random()
            for member in range(size):
                sex = rng.choice(("male", "female"))
                if member == 0:
                    relation, age = "head", rng.randrange(25, 85)
                elif member == 1:
                    relation, age = "spouse", rng.randrange(22, 80)
                else:
                    relation, age = "child", rng.randrange(0, 30)
                born = today - timedelta(days=age * 365 + rng.randrange(365))
                while True:
                    number = make_id(rng, prefix="096", birth_year=born.year, sex=sex)  # type: ignore[arg-type]
                    if number not in used:
                        used.add(number)
                        break
                row = dict.fromkeys(COLUMNS, "")
                row.update(
                    personal_id=number,
                    full_name=f"{family if member != 1 else rng.choice(FAMILY)} "
                    f"{rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}",
                    date_of_birth=born.strftime("%d/%m/%Y")
                    if rng.random() > 0.03
                    else str(born.year),
                    sex=sex,
                    ethnicity="Kinh" if rng.random() > 0.05 else "Khmer",
                    commune_code=f"{commune:05d}",
                    village=village,
                    household_id=f"H{province:02d}-{household:07d}",
                    relation_to_head=relation,
                    phone=f"{rng.choice(MOBILE)}{rng.randrange(10**7):07d}"
                    if age >= 16 and rng.random() < 0.8
                    else "",
                    marital_status="married" if relation in ("head", "spouse") else "single",
                )
                if rng.random() < 0.06:
                    row["disability_type"] = rng.choice(DISABILITY_TYPES)
                    row["disability_level"] = rng.choice(LEVELS)
                    row["disability_certified_on"] = (
                        today - timedelta(days=rng.randrange(3000))
                    ).isoformat()
                if member == 0 and poverty < 0.07:
                    row["poverty_status"] = "poor" if poverty < 0.03 else "near_poor"
                    row["poverty_period"] = "2022-2025"
                    row["poverty_review_year"] = "2025"
                if age >= 60 and rng.random() < 0.2:
                    row["monthly_pension_vnd"] = str(rng.randrange(15, 80) * 100_000)
                if age >= 60 and rng.random() < 0.3:
                    row["has_supporter"] = rng.choice(["true", "false"])
                if 16 <= age <= 22 and rng.random() < 0.5:
                    row["is_studying"] = "true"
                writer.writerow([row[c] for c in COLUMNS])
                written += 1


def changed_copy(source: Path, target: Path, seed: int) -> int:
    """One row in a hundred changes: a new phone, a move to another village, or a death."""
    rng = random.Random(seed + 1)
    changed = 0
    with (
        source.open(encoding="utf-8", newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames or COLUMNS)
        writer.writeheader()
        for row in reader:
            if rng.random() < 0.01:
                what = rng.randrange(3)
                if what == 0:
                    row["phone"] = f"09{rng.randrange(10**8):08d}"
                elif what == 1:
                    row["village"] = f"Ấp {rng.randrange(9, 12)}"
                else:
                    row["date_of_death"] = "15/05/2026"
                changed += 1
            writer.writerow(row)
    return changed


def _cpu() -> float:
    """CPU seconds of this process: on a busy machine, wall time also counts other work."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _server_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend (0 on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(extract: str, changed: str, rows: int, method: str) -> None:
    """Runs inside the child process: migrate, then time each import alone, through the
    command an operator runs (`langso import-population FILE`)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "langso.settings")
    import io

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from people.models import HistoryEntry, ImportRun, Person

    call_command("migrate", verbosity=0)
    figures: dict[str, object] = {"database": connection.vendor, "rows": rows, "method": method}
    for step, path in (("first", extract), ("again", extract), ("changed", changed)):
        load = os.getloadavg()[0]
        started, cpu, server = time.perf_counter(), _cpu(), _server_cpu()
        call_command(
            "import_population",
            path,
            rejects=Path(path + ".rejects.csv"),
            method=method,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
        server = _server_cpu() - server
        run = ImportRun.objects.order_by("-pk").first()
        assert run is not None
        figures[step] = {
            "seconds": round(seconds, 1),
            "cpu_seconds": round(cpu, 1),
            "server_cpu_seconds": round(server, 1),
            "load_before": round(load, 1),
            "rows_per_second": round(rows / seconds),
            "inserted": run.inserted,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "rejected": run.rejected,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    figures["people"] = Person.objects.count()
    figures["history"] = HistoryEntry.objects.count()
    print(json.dumps(figures))


def run_child(
    database_url: str, extract: Path, changed: Path, rows: int, method: str
) -> dict[str, object]:
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    command = [sys.executable, __file__, "--child", str(extract), str(changed)]
    command += [f"--rows={rows}", f"--method={method}"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(done.returncode)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def postgres_run(
    url: str, extract: Path, changed: Path, rows: int, method: str
) -> dict[str, object]:
    import psycopg

    name = f"langso_bench_import_{os.getpid()}"
    parts = urlsplit(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        target = urlunsplit(parts._replace(path=f"/{name}"))
        return run_child(target, extract, changed, rows, method)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


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
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--province", type=int, default=int(os.environ.get("PROVINCE_CODE", 96)))
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    parser.add_argument(
        "--method",
        choices=["auto", "bulk", "rows"],
        default="auto",
        help="The import's --method (default auto, as an operator runs it).",
    )
    parser.add_argument("--keep", type=Path, default=None, help="Reuse or keep the extract here.")
    parser.add_argument("--child", nargs=2, metavar=("EXTRACT", "CHANGED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.rows, args.method)
        return
    print(f"machine: {machine()}; {time.strftime('%Y-%m-%d')}")
    print("load average before: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    with tempfile.TemporaryDirectory(prefix="langso-bench-import-") as tmp:
        extract, changed = Path(tmp) / "extract.csv", Path(tmp) / "extract-changed.csv"
        if args.keep is not None:
            extract = args.keep
            changed = args.keep.with_name(f"{args.keep.stem}-changed.csv")
        started = time.perf_counter()
        if extract.exists() and changed.exists():
            print(f"extract: {extract} and {changed}, reused")
        else:
            generate(extract, args.rows, args.seed, args.province)
            n_changed = changed_copy(extract, changed, args.seed)
            print(
                f"extract: {args.rows:,} rows, {extract.stat().st_size / 1e6:.0f} MB, "
                f"{n_changed:,} rows changed in the copy; "
                f"generated in {time.perf_counter() - started:.0f} s"
            )
        results = []
        if args.only != "postgresql":
            sqlite = f"sqlite:///{tmp}/bench.sqlite3"
            results.append(run_child(sqlite, extract, changed, args.rows, args.method))
        url = os.environ.get("DATABASE_URL", "")
        if args.only != "sqlite" and url.startswith(("postgres://", "postgresql://")):
            results.append(postgres_run(url, extract, changed, args.rows, args.method))
    for r in results:
        for step in ("first", "again", "changed"):
            s = r[step]
            assert isinstance(s, dict)
            print(
                f"{r['database']:<10} {r['method']:<4} {step:<8} {s['seconds']:>7.1f} s "
                f"(CPU {s['cpu_seconds']:.1f} s, server {s['server_cpu_seconds']:.1f} s, "
                f"load {s['load_before']:.1f})  "
                f"{s['rows_per_second']:>8,} rows/s  "
                f"inserted {s['inserted']:,} updated {s['updated']:,} unchanged {s['unchanged']:,} "
                f"rejected {s['rejected']:,}  peak RSS {s['peak_rss_mb']} MB"
            )
        print(f"{r['database']:<10} people {r['people']:,}, history entries {r['history']:,}")


if __name__ == "__main__":
    main()

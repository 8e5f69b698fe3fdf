#!/usr/bin/env python
"""How fast health readings are ingested, and how soon a critical alert exists.

    .venv/bin/python bench/bench_health.py [--patients 2000] [--batches 20] [--batch 1000]

In a fresh database (SQLite in a temporary directory; PostgreSQL too when DATABASE_URL points at
one) it creates consented patients in one commune and a gateway device, then:

1. throughput: posts --batches batches of --batch blood-pressure, glucose and SpO2 readings
   through POST /api/v1/health/readings (the test client, so JSON parsing, authentication,
   validation, bulk insert, set-wise rule evaluation, alerts and tasks are all included) and
   prints readings per second, and per CPU second of this process and (PostgreSQL on this
   machine) of the database server's process, figures that a busy machine disturbs less
   than the wall clock; about a fifth of the readings cross a threshold;
2. replay: sends the first batch again and checks that nothing is counted twice;
3. latency: 200 times, sends one small batch holding a hypoglycaemia level 2 reading and
   measures the time from sending until the critical alert can be read from the database
   (p50 and p95).
Each database is a child process.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_demo import machine, run_everywhere  # noqa: E402


def child(patients: int, batches: int, batch: int) -> None:
    # Production settings: alert notifications are queued for the worker, as in a real install.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "langso.settings")
    import django

    django.setup()
    import random
    from datetime import date, timedelta

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from accounts.models import User
    from health.models import Alert, CareTask, Reading
    from health.monitoring import services
    from lib.vn_text import name_key
    from people.models import Consent, Person
    from places.models import Commune

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.HEALTH_READINGS_BATCH_MAX = max(batch, 1000)
    call_command("migrate", verbosity=0)
    commune = Commune.objects.filter(province_id=settings.PROVINCE_CODE).order_by("code").first()
    worker = User.objects.create_user("bench.health", role="health_worker")
    worker.communes.set([commune])
    people = Person.objects.bulk_create(
        [
            Person(
                personal_id=f"096{i:09d}",
                full_name=f"Người Thử {i}",
                name_key=name_key(f"Nguoi Thu {i}"),
                date_of_birth=date(1950, 1, 1),
                sex="female",
                commune=commune,
            )
            for i in range(patients)
        ]
    )
    now = timezone.now()
    Consent.objects.bulk_create(
        [Consent(person=p, purpose="health", method="paper", recorded_at=now) for p in people]
    )
    if connection.vendor == "postgresql":
        # As autovacuum would within a minute of a bulk load: without statistics the planner
        # guesses the registry's size and walks all of it for a batch's thousand people.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE people_person, people_consent")
    _device, token = services.device_create(
        label="bench gateway", commune_id=commune.code, actor=worker
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client()
    rng = random.Random(1)
    ids = [p.personal_id for p in people]

    def reading(n: int, at: object) -> dict[str, object]:
        kind = rng.random()
        item: dict[str, object] = {
            "client_id": f"b{n}",
            "personal_id": rng.choice(ids),
            "measured_at": at.isoformat(),  # type: ignore[attr-defined]
        }
        if kind < 0.6:
            high = rng.random() < 0.2
            item.update(
                kind="bp",
                value=rng.randint(160, 200) if high else rng.randint(105, 138),
                value2=rng.randint(95, 115) if high else rng.randint(65, 88),
                unit="mm[Hg]",
            )
        elif kind < 0.85:
            item.update(kind="glucose", value=round(rng.uniform(3.2, 14.0), 1), unit="mmol/L")
        else:
            item.update(kind="spo2", value=rng.randint(91, 99), unit="%")
        return item

    def post(items: list[dict[str, object]]) -> dict[str, object]:
        response = client.post(
            "/api/v1/health/readings",
            json.dumps({"readings": items}),
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 200, response.content[:300]
        return response.json()  # type: ignore[no-any-return]

    start_at = timezone.now() - timedelta(days=7)
    step = timedelta(days=7) / max(batches * batch, 1)
    payloads = [
        [reading(b * batch + i, start_at + step * (b * batch + i)) for i in range(batch)]
        for b in range(batches)
    ]
    post(payloads[0][:50])  # warm up: imports, caches, threshold set
    Reading.objects.all().delete()
    Alert.objects.all().delete()
    CareTask.objects.all().delete()
    # The pre-built payloads (tens of thousands of dicts a server never holds) and the start-up
    # objects go out of the garbage collector's sight: otherwise every full collection walks
    # them all and the figure measures the benchmark's own memory.
    gc.collect()
    gc.freeze()
    # One connection for the whole run, so that its server process's CPU time is the run's.
    connection.settings_dict["CONN_MAX_AGE"] = None
    load = os.getloadavg()[0]
    server_started = server_cpu_seconds(connection)
    started = time.perf_counter()
    cpu_started = time.process_time()
    accepted = 0
    for items in payloads:
        body = post(items)
        accepted += int(body["accepted"]) + int(body["flagged"])  # type: ignore[call-overload]
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    server_ended = server_cpu_seconds(connection)
    server_seconds = (
        None
        if server_started is None or server_ended is None or server_started[0] != server_ended[0]
        else server_ended[1] - server_started[1]
    )
    stored = Reading.objects.count()
    alerts = Alert.objects.count()
    tasks = CareTask.objects.count()

    replay_start = time.perf_counter()
    replay = post(payloads[0])
    replay_s = time.perf_counter() - replay_start
    assert Reading.objects.count() == stored, "a replayed batch was counted twice"

    latencies = []
    for n in range(200):
        target = ids[n % len(ids)]
        Alert.objects.filter(dedupe_key__endswith=":glucose_low").delete()
        items = [reading(10_000_000 + n * 10 + i, timezone.now()) for i in range(9)]
        items.append(
            {
                "client_id": f"crit{n}",
                "personal_id": target,
                "kind": "glucose",
                "value": 2.4,
                "unit": "mmol/L",
                "measured_at": timezone.now().isoformat(),
            }
        )
        sent = time.perf_counter()
        post(items)
        found = Alert.objects.filter(
            person__personal_id=target, rule="glucose_hypo_level2", severity=1
        ).exists()
        latencies.append(time.perf_counter() - sent)
        assert found, "no critical alert"
    latencies.sort()
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "patients": patients,
                "readings": batches * batch,
                "batch": batch,
                "accepted": accepted,
                "seconds": round(seconds, 2),
                "per_second": round(batches * batch / seconds),
                "load": round(load, 1),
                "cpu_seconds": round(cpu_seconds, 2),
                "per_cpu_second": round(batches * batch / cpu_seconds),
                "server_cpu_seconds": None if server_seconds is None else round(server_seconds, 2),
                "per_server_cpu_second": (
                    round(batches * batch / server_seconds) if server_seconds else None
                ),
                "per_total_cpu_second": round(
                    batches * batch / (cpu_seconds + (server_seconds or 0))
                ),
                "alerts": alerts,
                "tasks": tasks,
                "replay_s": round(replay_s, 2),
                "replay_duplicates": replay["duplicate"],
                "critical_p50_ms": round(statistics.median(latencies) * 1000, 1),
                "critical_p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
            }
        )
    )


def server_cpu_seconds(connection: Any) -> tuple[int, float] | None:
    """(pid, CPU seconds used so far) of the PostgreSQL server process of this connection, when
    the server runs on this machine; None for SQLite, whose work is in this process."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.patients, args.batches, args.batch)
        return
    print(f"machine: {machine()}; {time.strftime('%Y-%m-%d')}")
    print("load average before: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    child_args = [
        f"--patients={args.patients}",
        f"--batches={args.batches}",
        f"--batch={args.batch}",
    ]
    for r in run_everywhere(__file__, child_args, "health"):
        server = (
            f", {r['per_server_cpu_second']:,} per CPU second of the database server "
            f"({r['server_cpu_seconds']} s), {r['per_total_cpu_second']:,} per CPU second of both"
            if r["per_server_cpu_second"]
            else ""
        )
        print(
            f"{r['database']:<10} {r['readings']:,} readings in batches of {r['batch']:,} for "
            f"{r['patients']:,} patients at load {r['load']}: {r['seconds']} s, "
            f"{r['per_second']:,} readings/s; {r['per_cpu_second']:,} per CPU second of the "
            f"sending process ({r['cpu_seconds']} s){server} "
            f"({r['alerts']:,} alerts, {r['tasks']:,} tasks); replay {r['replay_s']} s "
            f"({r['replay_duplicates']:,} duplicates, nothing counted twice); critical alert "
            f"after sending p50 {r['critical_p50_ms']} ms, p95 {r['critical_p95_ms']} ms"
        )


if __name__ == "__main__":
    main()

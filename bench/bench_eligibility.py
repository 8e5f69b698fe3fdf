#!/usr/bin/env python
"""How fast eligibility runs: every person x every policy, registry -> stored decisions.

    .venv/bin/python bench/bench_eligibility.py [--people 1000000] [--province 96] [--seed 1]

It builds the demo province into a fresh SQLite database in a temporary directory and, when
DATABASE_URL points at PostgreSQL (`eval "$(scripts/pg-cluster start)"`), into a temporary
database next to that one, dropped afterwards. In each it times: the first run (every decision
written), a second run on the same day (nothing changed, nothing written), a run a month
later (what the calendar changed: ages, area statuses), reading the facts alone (the registry
query into a temporary table), the compute alone (every policy's status for every person in one
SELECT over that table, counted, nothing written), and the explanation of one person (facts
from the registry + every policy in Python), as p50/p95 over 200 people. Each database is a
child process. Besides wall time it gives the database's CPU seconds (the process's own for
SQLite, the server process's for a local PostgreSQL, with the parallel workers it started),
which vary less than wall time on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_demo import machine, run_everywhere  # noqa: E402

DAY = date(2026, 11, 1)
NEXT_MONTH = date(2026, 12, 1)


def _cpu_seconds(connection: Any) -> float | None:
    """CPU seconds used so far by the database: this process for SQLite, the server process of
    this connection for PostgreSQL on this machine (None when it cannot be read)."""
    if connection.vendor != "postgresql":
        times = os.times()
        return times.user + times.system
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        # The server's finished children (parallel workers, e.g. of CREATE INDEX) are counted
        # in the postmaster's children's time when it reaps them.
        parent = Path(f"/proc/{fields[1]}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = sum(int(fields[n]) for n in (11, 12)) + sum(int(parent[n]) for n in (13, 14))
    return ticks / os.sysconf("SC_CLK_TCK")


def _timed(connection: Any, work: Any) -> tuple[Any, float, float | None]:
    cpu = _cpu_seconds(connection)
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    after = _cpu_seconds(connection)
    return result, seconds, None if cpu is None or after is None else after - cpu


def child(people: int, province: int, seed: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "langso.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from sqlglot import exp

    from benefits import selectors, services
    from benefits.models import Decision
    from benefits.rules.loader import parameter_values
    from benefits.rules.sqlgen import compile_policy
    from langso.demo.build import build
    from people.models import Person

    call_command("migrate", verbosity=0)
    build(province=province, people=people, seed=seed)
    policies = selectors.policy_set()
    in_force = [p for p in policies.policies if p.in_force_on(DAY)]
    connection.ensure_connection()

    first, first_seconds, first_cpu = _timed(
        connection, lambda: services.eligibility_run_create(day=DAY)
    )
    second, second_seconds, second_cpu = _timed(
        connection, lambda: services.eligibility_run_create(day=DAY)
    )
    # A month later: birthdays cross the age limits, some statuses change.
    month, month_seconds, month_cpu = _timed(
        connection, lambda: services.eligibility_run_create(day=NEXT_MONTH)
    )

    dialect = selectors.dialect()
    facts = selectors.facts_select(DAY, dialect_name=dialect)
    table = exp.table_("bench_facts", quoted=True)
    create = exp.Create(
        this=table,
        kind="TABLE",
        expression=facts,
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    ).sql(dialect=dialect)
    # Every policy's status for every person, summed: all of the rules, none of the writing.
    statuses = []
    for policy in in_force:
        params = parameter_values(policy, policies, DAY, selectors.province_code())
        compiled = compile_policy(policy, day=DAY, params=params, dialect=dialect)
        status = compiled.status(
            dict(compiled.conditions),
            labels=(exp.Literal.number(1), exp.Literal.number(0), exp.Literal.number(2)),
        )
        statuses.append(exp.Sum(this=status))
    compute = exp.select(*statuses).from_(table.copy()).sql(dialect=dialect)

    def read_facts() -> None:
        with connection.cursor() as cursor:
            cursor.execute(create)

    def evaluate() -> None:
        with connection.cursor() as cursor:
            cursor.execute(compute)
            cursor.fetchall()

    with transaction.atomic():
        if dialect == "postgres":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")  # as the run does
        _, facts_seconds, facts_cpu = _timed(connection, read_facts)
        _, compute_seconds, compute_cpu = _timed(connection, evaluate)
        transaction.set_rollback(True)

    ids = list(Person.objects.living().values_list("id", flat=True)[:5000])
    sample = random.Random(seed).sample(ids, min(200, len(ids)))
    timings = []
    for pk in sample:
        person = Person.objects.get(pk=pk)
        started = time.perf_counter()
        selectors.person_explanation(person, DAY)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    print(
        json.dumps(
            {
                "database": connection.vendor,
                "people": first.persons,
                "policies": len(in_force),
                "decisions": Decision.objects.count(),
                "first_run_s": round(first_seconds, 2),
                "first_run_db_cpu_s": rounded(first_cpu),
                "second_run_s": round(second_seconds, 2),
                "second_run_db_cpu_s": rounded(second_cpu),
                "second_written": second.written,
                "next_month_s": round(month_seconds, 2),
                "next_month_db_cpu_s": rounded(month_cpu),
                "next_month_written": month.written,
                "facts_s": round(facts_seconds, 2),
                "facts_db_cpu_s": rounded(facts_cpu),
                "compute_s": round(compute_seconds, 2),
                "compute_db_cpu_s": rounded(compute_cpu),
                "explain_p50_ms": round(statistics.median(timings), 1),
                "explain_p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
                "load_after": round(os.getloadavg()[0], 1),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--province", type=int, default=96)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.people, args.province, args.seed)
        return
    print(f"machine: {machine()}; {time.strftime('%Y-%m-%d')}")
    print("load average before: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    child_args = [f"--people={args.people}", f"--province={args.province}", f"--seed={args.seed}"]
    results = run_everywhere(__file__, child_args, "eligibility")
    for r in results:
        print(
            f"{r['database']:<10} {r['people']:>9,} people x {r['policies']} policies: "
            f"first run {r['first_run_s']} s (database CPU {r['first_run_db_cpu_s']} s, "
            f"{r['decisions']:,} decisions), second run {r['second_run_s']} s (CPU "
            f"{r['second_run_db_cpu_s']} s, {r['second_written']} written), next month "
            f"{r['next_month_s']} s (CPU {r['next_month_db_cpu_s']} s, "
            f"{r['next_month_written']:,} written); facts "
            f"{r['facts_s']} s (CPU {r['facts_db_cpu_s']} s), compute {r['compute_s']} s (CPU "
            f"{r['compute_db_cpu_s']} s); explanation p50 {r['explain_p50_ms']} ms, "
            f"p95 {r['explain_p95_ms']} ms; load average after {r['load_after']}"
        )


if __name__ == "__main__":
    main()

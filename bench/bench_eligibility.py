#!/usr/bin/env python
"""How fast eligibility runs: every person x every policy, registry -> stored decisions.

    .venv/bin/python bench/bench_eligibility.py [--people 1000000] [--province 96] [--seed 1]

It builds the demo province into a fresh SQLite database in a temporary directory and, when
DATABASE_URL points at PostgreSQL (`eval "$(scripts/pg-cluster start)"`), into a temporary
database next to that one, dropped afterwards. In each it times: the first run (every decision
written), a second run on the same day (nothing changed, nothing written), the compute alone
(every policy's SELECT over the facts table, results counted, nothing written), and the
explanation of one person (facts from the registry + every policy in Python), as p50/p95 over
200 people. Each database is a child process.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_demo import machine, run_everywhere  # noqa: E402

DAY = date(2026, 11, 1)


def child(people: int, province: int, seed: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "langso.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from sqlglot import exp

    from benefits import selectors, services
    from benefits.models import Decision
    from benefits.rules.loader import parameter_values
    from benefits.rules.sqlgen import policy_select
    from langso.demo.build import build
    from people.models import Person

    call_command("migrate", verbosity=0)
    build(province=province, people=people, seed=seed)
    policies = selectors.policy_set()
    in_force = [p for p in policies.policies if p.in_force_on(DAY)]

    started = time.perf_counter()
    first = services.eligibility_run_create(day=DAY)
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    second = services.eligibility_run_create(day=DAY)
    second_seconds = time.perf_counter() - started

    dialect = selectors.dialect()
    facts = selectors.facts_select(DAY, dialect_name=dialect)
    table = exp.table_(services.FACTS_TABLE, quoted=True)
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            exp.Create(
                this=table,
                kind="TABLE",
                expression=facts,
                properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
            ).sql(dialect=dialect)
        )
        facts_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for policy in in_force:
            select = policy_select(
                policy,
                day=DAY,
                params=parameter_values(policy, policies, DAY, selectors.province_code()),
                dialect=dialect,
                source=table.copy(),
            )
            counted = (
                exp.select(exp.column("status"), exp.Count(this=exp.Star()))
                .from_(select.subquery("s"))
                .group_by(exp.column("status"))
            )
            cursor.execute(counted.sql(dialect=dialect))
            cursor.fetchall()
        compute_seconds = time.perf_counter() - started

    ids = list(Person.objects.living().values_list("id", flat=True)[:5000])
    sample = random.Random(seed).sample(ids, min(200, len(ids)))
    timings = []
    for pk in sample:
        person = Person.objects.get(pk=pk)
        started = time.perf_counter()
        selectors.person_explanation(person, DAY)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "people": first.persons,
                "policies": len(in_force),
                "decisions": Decision.objects.count(),
                "first_run_s": round(first_seconds, 2),
                "second_run_s": round(second_seconds, 2),
                "second_written": second.written,
                "facts_s": round(facts_seconds, 2),
                "compute_s": round(compute_seconds, 2),
                "explain_p50_ms": round(statistics.median(timings), 1),
                "explain_p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
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
            f"first run {r['first_run_s']} s ({r['decisions']:,} decisions), second run "
            f"{r['second_run_s']} s ({r['second_written']} written); facts {r['facts_s']} s, "
            f"compute {r['compute_s']} s; explanation p50 {r['explain_p50_ms']} ms, "
            f"p95 {r['explain_p95_ms']} ms"
        )


if __name__ == "__main__":
    main()

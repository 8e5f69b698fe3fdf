#!/usr/bin/env python
"""How fast a national run on Spark goes: every policy for everyone in a Parquet snapshot.

    .venv/bin/python bench/bench_spark.py [--people 1000000] [--master local[2]] [--keep DIR]

It generates a snapshot of synthetic people with DuckDB (the columns of
`benefits.rules.sparkgen.snapshot_columns`; ages 0 to 100, about one in five households poor or
near-poor, one person in twenty with a certified disability, some facts unknown so that
`needs_info` occurs), starts a local Spark session and times: the start of the session, the
plan (reading the snapshot's schema, checking it, compiling every policy in force on
1 November 2026), the evaluation alone (every decision computed, nothing written: Spark's
`noop` sink), the run as `langso eligibility spark-run` does it (evaluate and write the
decisions as Parquet, then the counts per policy). Besides wall time it gives the CPU seconds of
the JVM (where Spark works) and of Python, the JVM's peak resident memory, and the load average
before the run, as the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benefits.rules import POLICY_DIR, sparkgen, sparkrun  # noqa: E402
from benefits.rules.loader import load_directory  # noqa: E402

DAY = date(2026, 11, 1)


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _self_cpu() -> float:
    times = os.times()
    return times.user + times.system


def generate(path: Path, people: int, seed: int) -> float:
    """A snapshot of `people` synthetic persons (households of about four), with DuckDB."""
    import duckdb

    started = time.perf_counter()
    h = f"hash(i, {seed}"  # a reproducible pseudo-random number per person and purpose

    def pick(purpose: int, modulo: int) -> str:
        return f"({h}, {purpose}) % {modulo})"

    # Synthetic data, no outside input in the SQL.
    sql = f"""
    COPY (
      SELECT
        i::BIGINT AS person_id,
        (i // 4)::BIGINT AS household_id,
        (30000 + {pick(1, 700)})::INTEGER AS commune_id,
        (CASE WHEN {pick(2, 10)} = 0 THEN 1 ELSE 96 END)::INTEGER AS province_code,
        CASE WHEN {pick(3, 50)} = 0 THEN NULL
             ELSE DATE '2026-11-01' - CAST({pick(4, 36890)} AS INTEGER) END AS date_of_birth,
        CASE WHEN {pick(5, 2)} = 0 THEN 'male' ELSE 'female' END AS sex,
        CASE {pick(6, 40)} WHEN 0 THEN 'mild' WHEN 1 THEN 'severe'
             WHEN 2 THEN 'especially_severe' ELSE 'none' END AS disability_level,
        CASE WHEN {pick(6, 40)} < 3 THEN 'mobility' ELSE 'none' END AS disability_type,
        CASE WHEN {pick(6, 40)} BETWEEN 1 AND 2
             THEN DATE '2026-11-01' - CAST({pick(7, 3000)} AS INTEGER) END
             AS disability_certified_on,
        CASE {pick(8, 10)} WHEN 0 THEN 'poor' WHEN 1 THEN 'near_poor' WHEN 2 THEN NULL
             ELSE 'neither' END AS poverty_status,
        CASE WHEN {pick(9, 20)} = 0 THEN NULL WHEN {pick(9, 20)} < 5 THEN 3500000
             ELSE 0 END::BIGINT AS monthly_pension_vnd,
        {pick(10, 500)} = 0 AS has_hiv,
        {pick(11, 300)} = 0 AS child_without_care,
        {pick(12, 4)} = 0 AS is_studying,
        CASE WHEN {pick(13, 10)} = 0 THEN NULL ELSE {pick(13, 3)} = 0 END AS has_supporter,
        {pick(14, 6)} = 0 AS ethnic_minority,
        {pick(1, 700)} % 5 = 0 AS em_area_commune,
        {pick(1, 700)} % 9 = 0 AS region_3_commune,
        {pick(15, 12)} = 0 AS especially_difficult_village,
        {pick(15, 8)} = 0 AS em_area_village,
        (1 + {pick(16, 6)})::BIGINT AS household_size,
        {pick(16, 6)} = 0 AS lives_alone,
        CASE {pick(17, 5)} WHEN 0 THEN 'single' WHEN 1 THEN 'married' WHEN 2 THEN 'widowed'
             WHEN 3 THEN 'divorced' ELSE NULL END AS marital_status,
        {pick(18, 3)}::BIGINT AS children_in_household,
        CASE WHEN {pick(18, 9)} = 0 THEN 1 ELSE 0 END::BIGINT AS children_under_3_in_household,
        {pick(19, 100)} = 0 AS is_pregnant,
        {pick(20, 400)} = 0 AS taken_in_by_community,
        {pick(21, 10)} = 0 AS receives_monthly_allowance
      FROM range({people}) AS t(i)
    ) TO '{path}' (FORMAT parquet, COMPRESSION zstd)
    """  # noqa: S608
    connection = duckdb.connect()
    connection.execute(sql)
    # Any fact the generator does not know yet (added to facts.yaml later) is unknown.
    policies = load_directory(POLICY_DIR)
    have = {row[0] for row in connection.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()}  # noqa: S608
    missing = [
        (name, type_) for name, type_ in sparkgen.snapshot_columns(policies.facts)
        if name not in have
    ]  # fmt: skip
    if missing:
        extra = ", ".join(f"CAST(NULL AS {type_.upper()}) AS {name}" for name, type_ in missing)
        connection.execute(
            f"COPY (SELECT *, {extra} FROM '{path}') TO '{path}.tmp' (FORMAT parquet)"  # noqa: S608
        )
        os.replace(f"{path}.tmp", path)
    connection.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default=None)
    parser.add_argument("--keep", default=None, help="folder to keep the snapshot and output in")
    args = parser.parse_args()
    load = os.getloadavg()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-spark-"))
    work.mkdir(parents=True, exist_ok=True)
    snapshot = work / "facts.parquet"
    generated = generate(snapshot, args.people, args.seed)
    policies = load_directory(POLICY_DIR)
    figures: dict[str, Any] = {
        "people": args.people,
        "policies_in_force": sum(p.in_force_on(DAY) for p in policies.policies),
        "master": args.master,
        "load_before": [round(x, 2) for x in load],
        "snapshot_mib": round(snapshot.stat().st_size / 2**20, 1),
        "generate_s": round(generated, 2),
    }

    cpu0 = _self_cpu()
    started = time.perf_counter()
    spark = sparkrun.spark_session(
        work / "spark.log", master=args.master, driver_memory=args.driver_memory
    )
    figures["session_start_s"] = round(time.perf_counter() - started, 2)
    jvm = spark.sparkContext._gateway.proc.pid  # type: ignore[union-attr]

    def measure(name: str, work_: Any) -> Any:
        jvm_cpu, own_cpu = _proc_cpu(jvm), _self_cpu()
        mark = time.perf_counter()
        result = work_()
        figures[f"{name}_s"] = round(time.perf_counter() - mark, 2)
        figures[f"{name}_jvm_cpu_s"] = round(_proc_cpu(jvm) - jvm_cpu, 2)
        figures[f"{name}_python_cpu_s"] = round(_self_cpu() - own_cpu, 2)
        return result

    # Evaluation alone: every decision computed and dropped (twice: the second with a warm JVM).
    from sqlglot import exp

    def evaluate() -> None:
        frame = spark.read.parquet(str(snapshot))
        sparkrun.check_snapshot(
            {f.name: f.dataType.simpleString() for f in frame.schema.fields}, policies.facts
        )
        frame.createOrReplaceTempView(sparkrun.FACTS_VIEW)
        in_force = [p for p in policies.policies if p.in_force_on(DAY)]
        query = sparkgen.decisions_select(
            policies, in_force, day=DAY, source=exp.table_(sparkrun.FACTS_VIEW, quoted=True)
        )
        spark.sql(sparkgen.sql(query)).write.format("noop").mode("overwrite").save()

    measure("evaluate_cold", evaluate)
    measure("evaluate_warm", evaluate)
    run = measure(
        "run",
        lambda: sparkrun.run_snapshot(
            spark, policies, snapshot=snapshot, day=DAY, out=work / "out"
        ),
    )
    figures["run_steps_s"] = {k: round(v, 2) for k, v in run.seconds.items()}
    figures["persons"] = run.persons
    figures["decisions_written"] = sum(
        c["eligible"] + c["needs_info"] for c in run.summary.values()
    )
    figures["decisions_mib"] = round(
        sum(f.stat().st_size for f in (work / "out" / "decisions").glob("*.parquet")) / 2**20, 1
    )
    figures["total_s_from_start"] = round(time.perf_counter() - started, 2)
    figures["jvm_peak_rss_mib"] = round(_peak_rss_mib(jvm))
    figures["python_peak_rss_mib"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    figures["python_cpu_total_s"] = round(_self_cpu() - cpu0, 2)
    figures["machine"] = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "pyspark": __import__("pyspark").__version__,
        "kernel": platform.release(),
    }
    figures["load_after"] = [round(x, 2) for x in os.getloadavg()]
    spark.stop()
    print(json.dumps(figures, indent=2))
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

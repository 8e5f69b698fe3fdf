"""Running the rules on Apache Spark: the session, the golden tests, and a national run over a
Parquet snapshot of facts.

Needs the optional extra `langso[spark]` (pyspark 4, which needs Java 17 or later); pyspark is
imported only when a session starts, so the rest of the project never needs it. The JVM's own
output (start-up banner, log lines, stack traces) goes to a log file, never to the terminal.

A snapshot is one Parquet file or a folder of them with the columns of
`sparkgen.snapshot_columns`: person_id, household_id, commune_id, province_code and one column
per fact of policies/facts.yaml, NULL where the fact is unknown. A snapshot missing a column,
or with a column of another type, is refused before anything is evaluated.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlglot import exp

from benefits.rules import ir, sparkgen
from benefits.rules.evaluate import evaluate_policy
from benefits.rules.golden import Failure, Report, _compare_sql
from benefits.rules.loader import parameter_values

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

INSTALL_HINT = (
    "Cần gói pyspark (phần mở rộng langso[spark]) và Java 17 trở lên; hãy chạy: "
    "uv sync --extra spark (hoặc make install). / "
    "pyspark (the langso[spark] extra) and Java 17 or later are needed; run: "
    "uv sync --extra spark (or make install)."
)
FACTS_VIEW = "langso_facts"


class SparkUnavailable(RuntimeError):
    """pyspark or Java is missing: the message says how to install them."""


class SnapshotError(ValueError):
    """The snapshot is not what the rules read: message_vi and message_en say what to fix."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(f"{message_vi} / {message_en}")
        self.message_vi = message_vi
        self.message_en = message_en


def spark_session(
    log_path: Path, *, master: str = "local[2]", driver_memory: str | None = None
) -> SparkSession:
    """The process's Spark session (a new local one on first use), its JVM writing to log_path.

    Small shuffles (the runs never shuffle much), no web UI, no progress bar, UTC."""
    try:
        from pyspark import SparkConf, SparkContext
        from pyspark.java_gateway import launch_gateway
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkUnavailable(INSTALL_HINT) from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    conf = (
        SparkConf()
        .setMaster(master)
        .setAppName("langso-eligibility")
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false")
        .set("spark.sql.shuffle.partitions", "4")
        .set("spark.sql.session.timeZone", "UTC")
        .set("spark.sql.ansi.enabled", "true")
    )
    if driver_memory:
        conf = conf.set("spark.driver.memory", driver_memory)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # py4j logs every connection it opens and closes, some of it while Python shuts down.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    with log_path.open("ab") as log:
        try:
            gateway = launch_gateway(  # type: ignore[no-untyped-call]
                conf, popen_kwargs={"stdout": log, "stderr": log}
            )
        except (OSError, RuntimeError) as exc:  # no java, or the JVM did not start
            raise SparkUnavailable(f"{INSTALL_HINT} ({exc}; log: {log_path})") from exc
    context = SparkContext(conf=conf, gateway=gateway)
    context.setLogLevel("ERROR")
    return SparkSession(context)


def run_golden_spark(spark: SparkSession, policies: ir.PolicySet) -> Report:
    """Every golden test of every policy on Spark, compared with the Python evaluator (status,
    amount and every condition), in one query: one SELECT per policy and day, stacked."""
    rows: list[tuple[int, dict[str, ir.Value]]] = []
    cases: dict[int, tuple[ir.Policy, ir.GoldenTest]] = {}
    groups: dict[tuple[str, date], list[int]] = defaultdict(list)
    for policy in policies.policies:
        for test in policy.tests:
            key = len(rows)
            rows.append((key, dict(test.facts)))
            cases[key] = (policy, test)
            groups[(policy.id, test.day)].append(key)
    if not rows:
        return Report(tests=0, backends=("python", "spark"), failures=())
    values = sparkgen.facts_values(policies.facts, rows)
    spark.sql(sparkgen.sql(values)).createOrReplaceTempView(FACTS_VIEW)
    selects = []
    for (policy_id, day), keys in groups.items():
        policy = policies.get(policy_id)
        source = (
            exp.select(exp.Star())
            .from_(exp.table_(FACTS_VIEW, quoted=True))
            .where(
                exp.In(
                    this=exp.column("person_id", quoted=True),
                    expressions=[exp.Literal.number(k) for k in keys],
                )
            )
            .subquery("facts")
        )
        params = parameter_values(policy, policies, day)
        selects.append(sparkgen.golden_select(policy, day=day, params=params, source=source))
    # One query per policy and day: each is planned into a local table in the driver (the facts
    # are inline), which is quicker than one UNION of them all, whose branches each run a job.
    got = {
        row["person_id"]: row
        for select in selects
        for row in spark.sql(sparkgen.sql(select)).collect()
    }
    failures: list[Failure] = []
    for key, (policy, test) in cases.items():
        expected = evaluate_policy(policy, policies, dict(test.facts), test.day)
        row = got.get(key)
        flat = None
        if row is not None:
            conditions = row["conditions"] or {}
            flat = (
                key,
                *(conditions.get(c.id) for c in policy.conditions),
                row["status"],
                row["amount"],
            )
        failures += _compare_sql(policy, test, "spark", expected, flat)
    return Report(tests=len(cases), backends=("python", "spark"), failures=tuple(failures))


def check_snapshot(schema: dict[str, str], facts: dict[str, ir.FactSpec]) -> None:
    """Refuse a snapshot whose columns (name -> Spark type) are not the ones the rules read."""
    integers = {"tinyint", "smallint", "int", "bigint"}
    missing, wrong = [], []
    for name, wanted in sparkgen.snapshot_columns(facts):
        got = schema.get(name)
        if got is None:
            missing.append(name)
        elif got != wanted and not (wanted in integers and got in integers):
            wrong.append(f"{name} ({got}, cần / needs {wanted})")
    if missing:
        names = ", ".join(missing)
        raise SnapshotError(
            f"Bản chụp dữ liệu thiếu cột: {names}. Hãy tạo lại bằng "
            "`langso eligibility snapshot` hoặc thêm các cột này (để trống nếu chưa biết)",
            f"The snapshot lacks the columns {names}. Make it again with "
            "`langso eligibility snapshot` or add them (empty where unknown)",
        )
    if wrong:
        names = ", ".join(wrong)
        raise SnapshotError(
            f"Cột của bản chụp dữ liệu sai kiểu: {names}",
            f"Columns of the snapshot have the wrong type: {names}",
        )


@dataclass
class SparkRun:
    """What a run over a snapshot did: counts per policy and the time of each step."""

    day: date
    persons: int
    # {policy_id: {"eligible": n, "needs_info": n, "ineligible": n, "monthly_total": vnd}}
    summary: dict[str, dict[str, int]]
    seconds: dict[str, float] = field(default_factory=dict)


def run_snapshot(
    spark: SparkSession,
    policies: ir.PolicySet,
    *,
    snapshot: Path,
    day: date,
    out: Path,
    keep_ineligible: bool = False,
) -> SparkRun:
    """Evaluate every policy in force on `day` for everyone in the snapshot and write the
    decisions as Parquet to out/decisions (replacing a previous run there) and the counts to
    out/summary.json. Raises SnapshotError, PolicyError (a parameter without a value on the
    day) or UnsupportedExpression before anything is written."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    if not snapshot.exists():
        raise SnapshotError(
            f"Không tìm thấy bản chụp dữ liệu {snapshot}",
            f"The snapshot {snapshot} does not exist",
        )
    frame = spark.read.parquet(str(snapshot))
    check_snapshot({f.name: f.dataType.simpleString() for f in frame.schema.fields}, policies.facts)
    frame.createOrReplaceTempView(FACTS_VIEW)
    in_force = [p for p in policies.policies if p.in_force_on(day)]
    query = sparkgen.decisions_select(
        policies,
        in_force,
        day=day,
        source=exp.table_(FACTS_VIEW, quoted=True),
        keep_ineligible=keep_ineligible,
    )
    decisions = spark.sql(sparkgen.sql(query))
    seconds["plan"] = time.perf_counter() - started
    target = out / "decisions"
    mark = time.perf_counter()
    decisions.write.mode("overwrite").parquet(str(target))
    seconds["evaluate_and_write"] = time.perf_counter() - mark
    mark = time.perf_counter()
    persons = spark.read.parquet(str(snapshot)).count()
    from pyspark.sql import functions

    counts = (
        spark.read.parquet(str(target))
        .groupBy("policy_id", "status")
        .agg(functions.count("*").alias("n"), functions.sum("amount").alias("total"))
        .collect()
    )
    summary: dict[str, dict[str, int]] = {
        p.id: {"eligible": 0, "needs_info": 0, "ineligible": 0, "monthly_total": 0}
        for p in in_force
    }
    for row in counts:
        entry = summary[row["policy_id"]]
        entry[row["status"]] = int(row["n"])
        if row["status"] == "eligible":
            entry["monthly_total"] = int(row["total"] or 0)
    if not keep_ineligible:
        for entry in summary.values():
            entry["ineligible"] = persons - entry["eligible"] - entry["needs_info"]
    seconds["summary"] = time.perf_counter() - mark
    result = SparkRun(day=day, persons=persons, summary=summary, seconds=seconds)
    versions = {p.id: p.version for p in in_force}
    (out / "summary.json").write_text(
        json.dumps(
            {
                "date": day.isoformat(),
                "snapshot": str(snapshot),
                "persons": persons,
                "policies": {
                    pid: {**counts_, "rule_version": versions[pid]}
                    for pid, counts_ in summary.items()
                },
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return result

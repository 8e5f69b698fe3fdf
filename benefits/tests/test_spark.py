"""The rules on Apache Spark (the `langso[spark]` extra): every golden test, a national run over
a snapshot of a generated registry, province parameter values, and what is refused.

Selected with `-m spark`; never skipped: without pyspark the tests fail with the command that
installs it. One local Spark session serves the whole test session.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import textwrap
from collections.abc import Iterator
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from sqlglot import exp

from benefits.models import Decision
from benefits.rules import POLICY_DIR, ir, sparkrun
from benefits.rules.evaluate import evaluate_policy
from benefits.rules.loader import load_directory
from benefits.rules.sparkgen import decisions_select, snapshot_columns
from benefits.rules.sqlgen import UnsupportedExpression
from benefits.snapshot import snapshot_schema

pytestmark = pytest.mark.spark

DAY = date(2026, 11, 1)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    log = tmp_path_factory.mktemp("spark") / "spark.log"
    try:
        session = sparkrun.spark_session(log, master="local[2]")
    except sparkrun.SparkUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def policies() -> ir.PolicySet:
    return load_directory(POLICY_DIR)


def test_it_passes_every_golden_test_on_spark(spark: Any, policies: ir.PolicySet) -> None:
    report = sparkrun.run_golden_spark(spark, policies)
    assert [str(f) for f in report.failures] == []
    assert report.tests == sum(len(p.tests) for p in policies.policies) >= 60
    assert report.backends == ("python", "spark")


def test_it_runs_the_golden_tests_on_spark_from_the_policies_command(spark: Any) -> None:
    out = StringIO()
    call_command("policies", "check", "--spark", stdout=out)
    assert "spark; 0 failures" in out.getvalue()


def _folder(
    path: Path,
    *,
    expr: str = "age_on(end_of_month(date)) >= 80",
    expect: str = "status: eligible",
    parameters: str | None = None,
) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    shutil.copy(POLICY_DIR / "facts.yaml", path / "facts.yaml")
    if parameters is None:
        shutil.copy(POLICY_DIR / "parameters.yaml", path / "parameters.yaml")
    else:
        (path / "parameters.yaml").write_text(textwrap.dedent(parameters))
    (path / "test.yaml").write_text(
        textwrap.dedent(f"""\
            id: test.elderly
            title: {{vi: "Thử", en: "Test"}}
            valid_from: 2021-07-01
            kind: cash
            conditions:
              - id: old
                expr: {expr}
                message: {{vi: "Từ đủ 80 tuổi", en: "Aged 80 or over"}}
            amount:
              - value: p.base_level * 1.5
            tests:
              - name: born on 29 February, 80 in the month
                date: 2028-02-01
                facts: {{date_of_birth: 1948-02-29}}
                expect: {{{expect}}}
            """)
    )
    return path


def _write_snapshot(path: Path, facts: dict[str, ir.FactSpec], rows: list[dict[str, Any]]) -> None:
    schema = snapshot_schema(facts)
    columns = {name: [row.get(name) for row in rows] for name in schema.names}
    pq.write_table(pa.table(columns, schema=schema), path)


OPERATORS = ("<", "<=", ">", ">=", "==", "!=")


@pytest.mark.parametrize("day", [date(2028, 2, 29), date(2027, 2, 28), date(2026, 12, 31)])
def test_it_compares_ages_and_months_like_the_python_evaluator(
    spark: Any, tmp_path: Path, day: date
) -> None:
    exprs = []
    for op in OPERATORS:
        exprs += [
            f"age_on(date) {op} 60",
            f"age_on(end_of_month(date)) {op} 80",
            f"3 {op} age_on(date)",
            f"months_between(disability_certified_on, date) {op} 6",
            f"1 {op} months_between(disability_certified_on, end_of_month(date))",
        ]
    conditions = "".join(
        f'  - id: c{i}\n    expr: {e}\n    message: {{vi: "Điều kiện {i}", en: "Condition {i}"}}\n'
        for i, e in enumerate(exprs)
    )
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(POLICY_DIR / "facts.yaml", folder / "facts.yaml")
    shutil.copy(POLICY_DIR / "parameters.yaml", folder / "parameters.yaml")
    (folder / "test.yaml").write_text(
        'id: test.ages\ntitle: {vi: "Thử", en: "Test"}\nvalid_from: 2021-07-01\n'
        "kind: health_insurance\nmatch: any\nconditions:\n" + conditions
    )
    policies = load_directory(folder)
    policy = policies.get("test.ages")
    births: list[date | None] = [None]
    for years in (60, 80, 3):
        middle = day - timedelta(days=round(365.25 * years))
        births += [middle + timedelta(days=d) for d in range(-40, 41)]
    certified: list[date | None] = [None]
    for middle in (day - timedelta(days=183), day - timedelta(days=30)):
        certified += [middle + timedelta(days=d) for d in range(-40, 41)]
    crowd = [
        {
            "person_id": index,
            "commune_id": 31825,
            "province_code": 96,
            "date_of_birth": born,
            "disability_certified_on": certified[index % len(certified)],
        }
        for index, born in enumerate(births)
    ]
    _write_snapshot(tmp_path / "facts.parquet", policies.facts, crowd)
    sparkrun.run_snapshot(
        spark,
        policies,
        snapshot=tmp_path / "facts.parquet",
        day=day,
        out=tmp_path / "out",
        keep_ineligible=True,
    )
    got = {
        r["person_id"]: (r["status"], dict(r["conditions"]))
        for r in spark.read.parquet(str(tmp_path / "out" / "decisions")).collect()
    }
    expected = {}
    for row in crowd:
        facts = {k: v for k, v in row.items() if k in policies.facts}
        result = evaluate_policy(policy, policies, facts, day)
        expected[row["person_id"]] = (result.status, {c.id: c.value for c in result.conditions})
    assert got == expected


def test_it_uses_each_provinces_own_parameter_values(spark: Any, tmp_path: Path) -> None:
    parameters = """\
        parameters:
          base_level:
            values:
              - {from: 2021-07-01, to: 2024-06-30, value: 360000}
              - {from: 2024-07-01, value: 500000}
            provinces:
              "96":
                - {from: 2026-01-01, value: 600000}
        """
    policies = load_directory(_folder(tmp_path / "rules", parameters=parameters))
    people = [
        {"person_id": 1, "commune_id": 31825, "province_code": 96},
        {"person_id": 2, "commune_id": 100, "province_code": 1},
        {"person_id": 3, "commune_id": 31825, "province_code": 96},
    ]
    for row in people:
        row["date_of_birth"] = date(1940, 1, 1) if row["person_id"] < 3 else None
    _write_snapshot(tmp_path / "facts.parquet", policies.facts, people)
    run = sparkrun.run_snapshot(
        spark, policies, snapshot=tmp_path / "facts.parquet", day=DAY, out=tmp_path / "out"
    )
    rows = {
        r["person_id"]: r for r in spark.read.parquet(str(tmp_path / "out" / "decisions")).collect()
    }
    assert (rows[1]["amount"], json.loads(rows[1]["parameters"])) == (
        900000,
        {"base_level": 600000},
    )
    assert (rows[2]["amount"], json.loads(rows[2]["parameters"])) == (
        750000,
        {"base_level": 500000},
    )
    assert (rows[3]["status"], rows[3]["amount"], rows[3]["conditions"]) == (
        "needs_info",
        None,
        {"old": None},
    )
    assert run.summary["test.elderly"] == {
        "eligible": 2,
        "needs_info": 1,
        "ineligible": 0,
        "monthly_total": 1650000,
    }
    for province in (96, 1):
        facts = {"date_of_birth": date(1940, 1, 1)}
        python = evaluate_policy(policies.get("test.elderly"), policies, facts, DAY, str(province))
        assert python.amount == {96: 900000, 1: 750000}[province]


def test_it_decides_a_generated_registry_as_the_database_run_does(
    spark: Any, db: Any, tmp_path: Path
) -> None:
    call_command("demo", province=96, people=300, seed=1, stdout=StringIO(), stderr=StringIO())
    call_command("eligibility", "run", "--date", DAY.isoformat(), stdout=StringIO())
    snapshot = tmp_path / "facts.parquet"
    call_command(
        "eligibility", "snapshot", "--date", DAY.isoformat(), "--out", str(snapshot),
        stdout=StringIO(),
    )  # fmt: skip
    out = StringIO()
    call_command(
        "eligibility", "spark-run", "--snapshot", str(snapshot), "--date", DAY.isoformat(),
        "--out", str(tmp_path / "run"), stdout=out,
    )  # fmt: skip
    assert "social_pension" in out.getvalue() and "đủ điều kiện / eligible" in out.getvalue()
    got = {
        (r["policy_id"], r["person_id"]): (
            r["status"],
            r["amount"],
            dict(r["conditions"]),
            r["rule_version"],
            json.loads(r["parameters"]),
            r["commune_id"],
        )
        for r in spark.read.parquet(str(tmp_path / "run" / "decisions")).collect()
    }
    expected = {
        (d.policy_id, d.person_id): (
            d.status,
            d.monthly_amount,
            d.conditions,
            d.rule_version,
            d.parameters,
            d.commune_id,
        )
        for d in Decision.objects.all()
    }
    assert len(expected) > 50
    assert got == expected
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["persons"] == pq.read_metadata(snapshot).num_rows >= 250


def test_it_refuses_a_snapshot_without_a_fact(spark: Any, tmp_path: Path) -> None:
    policies = load_directory(POLICY_DIR)
    names = [n for n, _ in snapshot_columns(policies.facts) if n != "has_hiv"]
    schema = snapshot_schema(policies.facts)
    table = pa.table({n: pa.array([None], type=schema.field(n).type) for n in names})
    pq.write_table(table, tmp_path / "facts.parquet")
    with pytest.raises(CommandError, match="thiếu cột: has_hiv.*lacks the columns has_hiv"):
        call_command(
            "eligibility", "spark-run", "--snapshot", str(tmp_path / "facts.parquet"),
            "--date", DAY.isoformat(), "--out", str(tmp_path / "run"),
        )  # fmt: skip
    assert not (tmp_path / "run" / "decisions").exists()


def test_it_refuses_a_snapshot_column_of_another_type(spark: Any, tmp_path: Path) -> None:
    policies = load_directory(POLICY_DIR)
    schema = snapshot_schema(policies.facts)
    columns = {n: pa.array([None], type=schema.field(n).type) for n in schema.names}
    columns["date_of_birth"] = pa.array(["1940-01-01"])  # text, not a date
    pq.write_table(pa.table(columns), tmp_path / "facts.parquet")
    with pytest.raises(sparkrun.SnapshotError, match=r"date_of_birth \(string, cần / needs date\)"):
        sparkrun.run_snapshot(
            spark, policies, snapshot=tmp_path / "facts.parquet", day=DAY, out=tmp_path / "run"
        )


def test_it_refuses_an_expression_it_cannot_translate(policies: ir.PolicySet) -> None:
    policy = policies.get("social_allowance.elderly_80")
    birth = ir.FactRef("date_of_birth", "date")
    unknown = ir.Compare(
        ">=", ir.Call("days_between", (birth, ir.EvalDate()), "int"), ir.Const(1, "int")
    )
    condition = dataclasses.replace(policy.conditions[0], expr=unknown)
    broken = dataclasses.replace(policy, conditions=(condition,))
    with pytest.raises(UnsupportedExpression, match="aged_80: function 'days_between'"):
        decisions_select(policies, [broken], day=DAY, source=exp.table_("facts", quoted=True))

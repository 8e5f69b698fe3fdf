"""The rule engine through its public functions: loading, evaluating, SQL and golden tests."""

from __future__ import annotations

import shutil
import sqlite3
import textwrap
from datetime import date
from pathlib import Path

import duckdb
import pytest

from benefits.rules import POLICY_DIR
from benefits.rules.evaluate import evaluate_all, evaluate_policy, summarise
from benefits.rules.golden import facts_insert_sql, facts_table_sql, run_golden
from benefits.rules.loader import PolicyError, load_directory, parameter_values
from benefits.rules.sqlgen import policy_sql

DAY = date(2026, 11, 1)

POLICY = """\
id: test.elderly
title: {vi: "Thử", en: "Test"}
valid_from: 2021-07-01
kind: cash
conditions:
  - id: old
    expr: age_on(date) >= 80
    message: {vi: "Từ đủ 80 tuổi", en: "Aged 80 or over"}
amount:
  - value: p.base_level * 1.0
"""


def folder(tmp_path: Path, policy: str = POLICY, parameters: str | None = None) -> Path:
    shutil.copy(POLICY_DIR / "facts.yaml", tmp_path / "facts.yaml")
    if parameters is None:
        shutil.copy(POLICY_DIR / "parameters.yaml", tmp_path / "parameters.yaml")
    else:
        (tmp_path / "parameters.yaml").write_text(textwrap.dedent(parameters))
    (tmp_path / "test.yaml").write_text(policy)
    return tmp_path


@pytest.fixture(scope="module")
def policies():  # type: ignore[no-untyped-def]
    return load_directory(POLICY_DIR)


def test_it_loads_a_small_policy(tmp_path: Path) -> None:
    loaded = load_directory(folder(tmp_path))
    result = evaluate_policy(
        loaded.get("test.elderly"), loaded, {"date_of_birth": date(1940, 1, 1)}, DAY
    )
    assert (result.status, result.amount) == ("eligible", 500000)


@pytest.mark.parametrize(
    ("change", "line", "reason"),
    [
        (("kind: cash", "kind: cash\ncolour: red"), 5, "unknown field 'colour'"),
        (("age_on(date) >= 80", "shoe_size >= 80"), 7, "'shoe_size' is not a fact"),
        (("age_on(date) >= 80", "__import__('os')"), 7, "'__import__' is not in the vocabulary"),
        (("age_on(date) >= 80", "age_on(date) ** 2 > 1"), 7, "not understood"),
        (("age_on(date) >= 80", "sex == 'other'"), 7, "'other' is not a value of sex"),
        (("age_on(date) >= 80", "sex > 'male'"), 7, "does not apply"),
        (("age_on(date) >= 80", "age_on(date)"), 7, "must be true or false"),
        (("p.base_level", "p.top_up"), 10, "parameter 'top_up' is not defined"),
    ],
)
def test_it_refuses_a_policy_it_does_not_understand(
    tmp_path: Path, change: tuple[str, str], line: int, reason: str
) -> None:
    with pytest.raises(PolicyError) as refused:
        load_directory(folder(tmp_path, POLICY.replace(*change)))
    assert refused.value.line == line
    assert reason in refused.value.reason
    assert str(refused.value).startswith(str(tmp_path / "test.yaml"))


def test_it_refuses_overlapping_parameter_periods(tmp_path: Path) -> None:
    parameters = """\
        parameters:
          base_level:
            values:
              - {from: 2021-07-01, to: 2024-07-01, value: 360000}
              - {from: 2024-07-01, value: 500000}
        """
    with pytest.raises(PolicyError, match="overlaps") as refused:
        load_directory(folder(tmp_path, parameters=parameters))
    assert refused.value.line == 5


def test_it_refuses_a_parameter_without_a_value_on_the_day(tmp_path: Path) -> None:
    loaded = load_directory(folder(tmp_path))
    policy = loaded.get("test.elderly")
    with pytest.raises(PolicyError, match="no value on 2020-01-01"):
        evaluate_policy(policy, loaded, {"date_of_birth": date(1930, 1, 1)}, date(2020, 1, 1))


def test_it_uses_a_province_override_of_the_base_level(tmp_path: Path) -> None:
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
    loaded = load_directory(folder(tmp_path, parameters=parameters))
    policy = loaded.get("test.elderly")
    facts = {"date_of_birth": date(1940, 1, 1)}
    assert evaluate_policy(policy, loaded, facts, DAY, "96").amount == 600000
    assert evaluate_policy(policy, loaded, facts, DAY, "14").amount == 500000
    assert evaluate_policy(policy, loaded, facts, date(2025, 12, 31), "96").amount == 500000


def test_it_refuses_two_files_for_the_same_policy_and_period(tmp_path: Path) -> None:
    folder(tmp_path)
    (tmp_path / "test2.yaml").write_text(
        POLICY.replace("valid_from: 2021-07-01", "valid_from: 2025-01-01")
    )
    with pytest.raises(PolicyError, match="overlaps the period"):
        load_directory(tmp_path)


def test_it_refuses_a_golden_test_with_an_unknown_fact(tmp_path: Path) -> None:
    policy = POLICY + textwrap.dedent("""\
        tests:
          - name: x
            date: 2026-11-01
            facts: {shoe_size: 42}
            expect: {status: eligible}
        """)
    with pytest.raises(PolicyError, match="unknown field 'shoe_size'"):
        load_directory(folder(tmp_path, policy))


def test_it_passes_every_golden_test_on_every_back_end(policies) -> None:  # type: ignore[no-untyped-def]
    report = run_golden(policies)
    assert report.failures == ()
    assert report.tests >= 60
    assert report.backends == ("python", "sqlite", "duckdb")


def test_it_reports_a_golden_test_that_does_not_hold(tmp_path: Path) -> None:
    policy = POLICY + textwrap.dedent("""\
        tests:
          - name: wrong on purpose
            date: 2026-11-01
            facts: {date_of_birth: 1950-01-01}
            expect: {status: eligible, amount: 500000}
        """)
    report = run_golden(load_directory(folder(tmp_path, policy)))
    assert {f.backend for f in report.failures} == {"python"}
    assert "status ineligible, expected eligible" in report.failures[0].reason


def test_it_asks_for_the_missing_fact(policies) -> None:  # type: ignore[no-untyped-def]
    result = evaluate_policy(policies.get("social_allowance.elderly_80"), policies, {}, DAY)
    assert result.status == "needs_info"
    assert set(result.missing) == {"date_of_birth", "monthly_pension_vnd"}


def test_it_pays_only_the_higher_of_the_social_pension_and_the_allowance(policies) -> None:  # type: ignore[no-untyped-def]
    facts = {
        "date_of_birth": date(1940, 1, 1),
        "poverty_status": "poor",
        "has_supporter": False,
        "monthly_pension_vnd": 0,
    }
    results = evaluate_all(policies, facts, DAY)
    eligible = {r.policy_id for r in results if r.status == "eligible"}
    assert {
        "social_pension",
        "social_allowance.elderly_80",
        "social_allowance.elderly_poor_alone",
    } <= eligible
    summary = summarise(policies, results)
    assert summary.paid == ("social_allowance.elderly_poor_alone",)
    assert summary.monthly_total == 1000000
    assert summary.health_insurance is True


def test_it_does_not_evaluate_the_social_pension_before_july_2025(policies) -> None:  # type: ignore[no-untyped-def]
    results = evaluate_all(policies, {"date_of_birth": date(1940, 1, 1)}, date(2025, 6, 30))
    assert "social_pension" not in {r.policy_id for r in results}


def test_it_gives_the_same_answers_in_sql_for_a_crowd(policies) -> None:  # type: ignore[no-untyped-def]
    crowd = []
    for index in range(200):
        crowd.append(
            (
                index,
                {
                    "date_of_birth": None
                    if index % 17 == 0
                    else date(1930 + index % 97, 1 + index % 12, 1 + index % 28),
                    "poverty_status": [None, "poor", "near_poor", "neither"][index % 4],
                    "monthly_pension_vnd": [0, None, 300000, 2000000][
                        index % 4 if index % 3 else 0
                    ],
                    "disability_level": ["none", "mild", "severe", "especially_severe", None][
                        index % 5
                    ],
                    "disability_certified_on": date(2026, 11, 15) if index % 2 else None,
                    "has_supporter": [True, False, None][index % 3],
                    "region_3_commune": index % 7 == 0,
                    "especially_difficult_village": None if index % 11 == 0 else index % 5 == 0,
                    "has_hiv": index % 13 == 0,
                    "child_without_care": index % 9 == 0,
                    "is_studying": index % 2 == 0,
                    "ethnic_minority": index % 3 == 0,
                    "em_area_commune": index % 4 == 0,
                    "em_area_village": None,
                },
            )
        )
    lite = sqlite3.connect(":memory:")
    duck = duckdb.connect(":memory:")
    for dialect, connection in (("sqlite", lite), ("duckdb", duck)):
        connection.execute(facts_table_sql(policies.facts, dialect))
        connection.execute(facts_insert_sql(policies.facts, crowd, dialect))
    for policy in policies.policies:
        params = parameter_values(policy, policies, DAY)
        expected = {
            key: (r.status, r.amount, [c.value for c in r.conditions])
            for key, facts in crowd
            for r in [evaluate_policy(policy, policies, facts, DAY)]
        }
        for dialect, connection in (("sqlite", lite), ("duckdb", duck)):
            rows = connection.execute(
                policy_sql(policy, day=DAY, params=params, dialect=dialect)
            ).fetchall()
            got = {
                row[0]: (row[-2], row[-1], [None if v is None else bool(v) for v in row[1:-2]])
                for row in rows
            }
            assert got == expected, (policy.id, dialect)


def test_it_pays_what_the_law_lets_stack_on_top_of_the_highest(tmp_path: Path) -> None:
    folder(tmp_path, POLICY.replace("kind: cash", "kind: cash\nexclusive_group: monthly_cash"))
    for name, coefficient, stacks in (
        ("single_parent", "1.0", "[test.elderly]"),
        ("other", "0.5", "[]"),
    ):
        (tmp_path / f"{name}.yaml").write_text(
            POLICY.replace("test.elderly", f"test.{name}")
            .replace(
                "kind: cash", f"kind: cash\nexclusive_group: monthly_cash\nstacks_with: {stacks}"
            )
            .replace("p.base_level * 1.0", f"p.base_level * {coefficient}")
        )
    loaded = load_directory(tmp_path)
    results = evaluate_all(loaded, {"date_of_birth": date(1940, 1, 1)}, DAY)
    summary = summarise(loaded, results)
    assert set(summary.paid) == {"test.elderly", "test.single_parent"}
    assert summary.monthly_total == 1000000

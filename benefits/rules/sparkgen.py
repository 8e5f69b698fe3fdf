"""Spark SQL for a national run: every policy in force, for everyone in a Parquet snapshot.

The conditions, amounts and statuses are the SQL back-end's (`sqlgen.compile_policy` in the
`spark` dialect), so ages are comparisons with cut-off days and NULL becomes `needs_info`
exactly as on SQLite, PostgreSQL and DuckDB. This module only arranges them for Spark: one pass
over the snapshot computes every policy's conditions, status and amount per person, and the
row is then turned into one decision row per policy (INLINE over an array of structs).

A snapshot may hold several provinces, and a province may set its own parameter values (a
higher base level): each policy is compiled once per distinct set of values on the day, and
the person's `province_code` picks the set. Nothing outside the IR's closed vocabulary and the
fact types below is translated; anything else is refused with `UnsupportedExpression`.

Pure: sqlglot only, no Spark and no Django (the session and the files are in `sparkrun`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlglot import exp

from benefits.rules import ir
from benefits.rules.loader import parameter_values
from benefits.rules.sqlgen import (
    Dialect,
    PolicySQL,
    UnsupportedExpression,
    compile_policy,
    condition_column,
    policy_select,
)

DIALECT: Dialect = "spark"

# Spark SQL type of each fact type, as `DataType.simpleString()` names it.
FACT_TYPES: dict[str, str] = {
    "date": "date",
    "int": "bigint",
    "number": "double",
    "bool": "boolean",
    "enum": "string",
    "str": "string",
}
# The snapshot's identifying columns, before the facts.
KEY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("person_id", "bigint"),
    ("household_id", "bigint"),
    ("commune_id", "int"),
    ("province_code", "int"),
)
CONDITIONS_TYPE = "map<string, boolean>"
DECISION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("person_id", "bigint"),
    ("household_id", "bigint"),
    ("commune_id", "int"),
    ("province_code", "int"),
    ("policy_id", "string"),
    ("status", "string"),
    ("amount", "bigint"),
    ("effective_from", "date"),
    ("conditions", "map<string,boolean>"),
    ("rule_version", "string"),
    ("parameters", "string"),
)


def snapshot_columns(facts: dict[str, ir.FactSpec]) -> list[tuple[str, str]]:
    """(name, Spark type) of every column a snapshot must have, keys first."""
    columns = list(KEY_COLUMNS)
    for spec in facts.values():
        if spec.type not in FACT_TYPES:
            raise UnsupportedExpression(f"fact {spec.name!r} has type {spec.type!r}")
        columns.append((spec.name, FACT_TYPES[spec.type]))
    return columns


def _c(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def _s(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def _fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _conditions_map(pairs: Sequence[tuple[str, exp.Expression]]) -> exp.Expression:
    """MAP(id, value, ...) typed map<string, boolean> (also when a policy has no condition)."""
    items: list[exp.Expression] = []
    for condition_id, value in pairs:
        items += [_s(condition_id), value]
    return exp.cast(_fn("MAP", *items), exp.DataType.build(CONDITIONS_TYPE, dialect=DIALECT))


def _check(expr: ir.Expr | None) -> None:
    """Refuse, before any SQL is built, what the compiler would have to guess."""
    if expr is None:
        return
    if isinstance(expr, (ir.Const, ir.FactRef, ir.ParamRef, ir.EvalDate)):
        if expr.type not in FACT_TYPES:
            raise UnsupportedExpression(f"a value of type {expr.type!r}")
        return
    if isinstance(expr, ir.Call):
        if expr.name not in ("years_between", "months_between", "end_of_month", "is_missing"):
            raise UnsupportedExpression(f"function {expr.name!r} has no Spark SQL translation")
        for arg in expr.args:
            _check(arg)
        return
    if isinstance(expr, (ir.Compare, ir.Arith)):
        _check(expr.left)
        _check(expr.right)
        return
    if isinstance(expr, ir.In):
        _check(expr.item)
        return
    if isinstance(expr, (ir.And, ir.Or)):
        for item in expr.items:
            _check(item)
        return
    if isinstance(expr, ir.Not):
        _check(expr.item)
        return
    raise UnsupportedExpression(f"expression {expr!r} has no Spark SQL translation")


def check_policy(policy: ir.Policy) -> None:
    """Raise UnsupportedExpression (naming the policy and condition) for anything not known."""
    parts: list[tuple[str, ir.Expr | None]] = [
        (f"condition {c.id}", c.expr) for c in policy.conditions
    ]
    for index, tier in enumerate(policy.amount):
        parts += [(f"amount tier {index + 1}", tier.when), (f"amount tier {index + 1}", tier.value)]
    for where, expr in parts:
        try:
            _check(expr)
        except UnsupportedExpression as exc:
            raise UnsupportedExpression(f"{policy.path}: {policy.id}, {where}: {exc}") from exc


@dataclass(frozen=True)
class ParameterSet:
    """The parameter values of a policy on the day for some provinces (None: all the others)."""

    provinces: tuple[int, ...] | None
    values: dict[str, int | float]


def parameter_sets(policy: ir.Policy, policies: ir.PolicySet, day: date) -> list[ParameterSet]:
    """The national values, and a set per group of provinces whose own values differ on `day`.

    Raises PolicyError when a parameter has no value on the day."""
    national = parameter_values(policy, policies, day)
    provinces: set[str] = set()
    for name in policy.parameters:
        parameter = policies.parameters.get(f"{policy.id}:{name}") or policies.parameters[name]
        provinces.update(parameter.overrides)
    groups: dict[str, tuple[list[int], dict[str, int | float]]] = {}
    for province in sorted(provinces):
        values = parameter_values(policy, policies, day, province)
        if values != national:
            key = json.dumps(values, sort_keys=True)
            groups.setdefault(key, ([], values))[0].append(int(province))
    sets = [ParameterSet(tuple(codes), values) for codes, values in groups.values()]
    return [*sets, ParameterSet(None, national)]


def _by_province(
    sets: Sequence[ParameterSet], choices: Sequence[exp.Expression], province: exp.Expression
) -> exp.Expression:
    """The expression of the person's province (the last choice for every other province)."""
    if len({choice.sql(dialect=DIALECT) for choice in choices}) == 1:
        return choices[-1]
    ifs = [
        exp.If(
            this=exp.In(
                this=province.copy(),
                expressions=[exp.Literal.number(code) for code in (group.provinces or ())],
            ),
            true=choice,
        )
        for group, choice in zip(sets[:-1], choices[:-1], strict=True)
    ]
    return exp.Case(ifs=ifs, default=choices[-1])


@dataclass(frozen=True)
class _Compiled:
    policy: ir.Policy
    conditions: tuple[tuple[str, exp.Expression], ...]
    raw_amount: exp.Expression
    parameters: exp.Expression
    status_of: PolicySQL


def _compile(
    policy: ir.Policy, policies: ir.PolicySet, day: date, province: exp.Expression
) -> _Compiled:
    check_policy(policy)
    sets = parameter_sets(policy, policies, day)
    compiled = [
        compile_policy(policy, day=day, params=group.values, dialect=DIALECT) for group in sets
    ]
    conditions = tuple(
        (
            cond.id,
            _by_province(sets, [dict(c.conditions)[cond.id] for c in compiled], province),
        )
        for cond in policy.conditions
    )
    raw_amount = _by_province(sets, [c.raw_amount for c in compiled], province)
    parameters = _by_province(
        sets, [_s(json.dumps(group.values, sort_keys=True)) for group in sets], province
    )
    return _Compiled(policy, conditions, raw_amount, parameters, compiled[-1])


def _name(index: int, part: str) -> str:
    return f"p{index}_{part}"


def decisions_select(
    policies: ir.PolicySet,
    in_force: Iterable[ir.Policy],
    *,
    day: date,
    source: exp.Expression,
    keep_ineligible: bool = False,
) -> exp.Select:
    """One row per person and policy in force on `day` (only the eligible and those needing
    information unless keep_ineligible), with the columns of DECISION_COLUMNS.

    `source` is the snapshot (a table or subquery with the columns of `snapshot_columns`)."""
    chosen = list(in_force)
    keys = [name for name, _ in KEY_COLUMNS]
    province = _c("province_code")
    compiled = [_compile(policy, policies, day, province) for policy in chosen]

    # 1. Every condition and amount of every policy, in one pass over the snapshot.
    first = exp.select(*(_c(k) for k in keys)).from_(source)
    for index, item in enumerate(compiled):
        for number, (_, value) in enumerate(item.conditions):
            first = first.select(exp.alias_(value, _name(index, f"c{number}"), quoted=True))
        first = first.select(exp.alias_(item.raw_amount, _name(index, "raw"), quoted=True))

    # 2. The statuses, from those columns.
    second = exp.select(exp.Star()).from_(first.subquery("f"))
    for index, item in enumerate(compiled):
        values = {
            cond.id: _c(_name(index, f"c{number}"))
            for number, cond in enumerate(item.policy.conditions)
        }
        status = item.status_of.status(values)
        second = second.select(exp.alias_(status, _name(index, "status"), quoted=True))

    # 3. One row per policy.
    effective = exp.cast(_s(day.replace(day=1).isoformat()), "date")
    structs = []
    for index, item in enumerate(compiled):
        status_column = _c(_name(index, "status"))
        paid = exp.Case(
            ifs=[
                exp.If(
                    this=exp.EQ(this=status_column.copy(), expression=_s("eligible")),
                    true=_c(_name(index, "raw")),
                )
            ],
            default=exp.cast(exp.Null(), "bigint"),
        )
        conditions = _conditions_map(
            [
                (cond.id, _c(_name(index, f"c{number}")))
                for number, cond in enumerate(item.policy.conditions)
            ]
        )
        fields: list[tuple[str, exp.Expression]] = [
            ("policy_id", _s(item.policy.id)),
            ("status", status_column),
            ("amount", paid),
            ("effective_from", effective.copy()),
            ("conditions", conditions),
            ("rule_version", _s(item.policy.version)),
            ("parameters", item.parameters),
        ]
        args: list[exp.Expression] = []
        for name, value in fields:
            args += [_s(name), value]
        struct = _fn("NAMED_STRUCT", *args)
        if not keep_ineligible:
            # Most people are ineligible for most policies: their rows are never built.
            kept = exp.NEQ(this=status_column.copy(), expression=_s("ineligible"))
            struct = exp.Case(ifs=[exp.If(this=kept, true=struct)])
        structs.append(struct)
    decisions = _fn("ARRAY", *structs)
    if not keep_ineligible:
        decisions = _fn("ARRAY_COMPACT", decisions)
    rows = exp.select(*(_c(k) for k in keys), _fn("INLINE", decisions)).from_(second.subquery("s"))
    return exp.select(*(_c(name) for name, _ in DECISION_COLUMNS)).from_(rows.subquery("d"))


def _literal(value: ir.Value) -> exp.Expression:
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, (int, float)):
        return exp.Literal.number(value)
    if isinstance(value, date):
        return exp.cast(_s(value.isoformat()), "date")
    return _s(value)


def facts_values(
    facts: dict[str, ir.FactSpec], rows: Sequence[tuple[int, dict[str, ir.Value]]]
) -> exp.Select:
    """A few people's facts as an inline table (person_id and every fact, typed): Spark keeps
    it in the query plan, so a query over it runs without a job per partition."""
    names = ["person_id", *facts]
    values = exp.values(
        [
            exp.tuple_(exp.Literal.number(key), *(_literal(row.get(name)) for name in facts))
            for key, row in rows
        ],
        alias="v",
        columns=[f"x{index}" for index in range(len(names))],
    )
    types = ["bigint", *(FACT_TYPES[spec.type] for spec in facts.values())]
    columns = [
        exp.alias_(exp.cast(exp.column(f"x{index}"), type_), name, quoted=True)
        for index, (name, type_) in enumerate(zip(names, types, strict=True))
    ]
    return exp.select(*columns).from_(values)


def golden_select(
    policy: ir.Policy,
    *,
    day: date,
    params: dict[str, int | float],
    source: exp.Expression,
    key: str = "person_id",
) -> exp.Select:
    """The golden tests' query of one policy on one day: key, policy_id, status, amount and the
    conditions as a map, from the same `policy_select` the other SQL back-ends run, so that
    every policy's rows can be stacked into one query (UNION ALL)."""
    check_policy(policy)
    inner = policy_select(policy, day=day, params=params, dialect=DIALECT, source=source, key=key)
    conditions = _conditions_map([(c.id, _c(condition_column(c.id))) for c in policy.conditions])
    return exp.select(
        _c(key),
        exp.alias_(_s(policy.id), "policy_id", quoted=True),
        _c("status"),
        exp.alias_(exp.cast(_c("amount"), "bigint"), "amount", quoted=True),
        exp.alias_(conditions, "conditions", quoted=True),
    ).from_(inner.subquery("g"))


def sql(expression: exp.Expression) -> str:
    return expression.sql(dialect=DIALECT)

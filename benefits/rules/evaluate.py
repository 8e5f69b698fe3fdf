"""The Python back-end: evaluate policies for one person (or household) with three-valued logic.

A missing fact makes an expression unknown (None), and unknown spreads exactly as NULL does in
SQL (Kleene logic), so that this evaluator and the SQL back-end agree on every input.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from benefits.rules import ir
from benefits.rules.loader import parameter_values


@dataclass(frozen=True)
class ConditionResult:
    id: str
    value: bool | None
    message_vi: str
    message_en: str
    on_missing: str
    # The facts this condition read that were missing (only when value is None).
    missing: tuple[str, ...]


@dataclass(frozen=True)
class PolicyResult:
    policy_id: str
    title_vi: str
    title_en: str
    kind: str
    status: ir.Status
    amount: int | None
    conditions: tuple[ConditionResult, ...]
    missing: tuple[str, ...]
    parameters: dict[str, int | float]
    version: str


@dataclass(frozen=True)
class Summary:
    """What a person receives after precedence: only the highest cash amount of each
    exclusive group (plus what the law lets stack) and whether the state pays health insurance.
    One-off payments (funeral support) are never part of the monthly total."""

    monthly_total: int
    paid: tuple[str, ...]
    health_insurance: bool
    needs_info: tuple[str, ...] = field(default_factory=tuple)


def end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def years_between(start: date, end: date) -> int:
    """Whole years from start to end; a 29 February birthday falls on 1 March in other years."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def months_between(start: date, end: date) -> int:
    return (end.year * 12 + end.month) - (start.year * 12 + start.month) - (end.day < start.day)


def round_vnd(value: int | float) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class _Evaluator:
    def __init__(self, facts: dict[str, Any], day: date, params: dict[str, int | float]) -> None:
        self.facts = facts
        self.day = day
        self.params = params

    def value(self, expr: ir.Expr) -> Any:  # noqa: C901 - one branch per node type
        if isinstance(expr, ir.Const):
            return expr.value
        if isinstance(expr, ir.FactRef):
            return self.facts.get(expr.name)
        if isinstance(expr, ir.ParamRef):
            return self.params[expr.name]
        if isinstance(expr, ir.EvalDate):
            return self.day
        if isinstance(expr, ir.And):
            values = [self.value(item) for item in expr.items]
            if any(v is False for v in values):
                return False
            return None if any(v is None for v in values) else True
        if isinstance(expr, ir.Or):
            values = [self.value(item) for item in expr.items]
            if any(v is True for v in values):
                return True
            return None if any(v is None for v in values) else False
        if isinstance(expr, ir.Not):
            inner = self.value(expr.item)
            return None if inner is None else not inner
        if isinstance(expr, ir.Compare):
            left, right = self.value(expr.left), self.value(expr.right)
            if left is None or right is None:
                return None
            return {
                "==": left == right,
                "!=": left != right,
                "<": left < right,
                "<=": left <= right,
                ">": left > right,
                ">=": left >= right,
            }[expr.op]
        if isinstance(expr, ir.In):
            item = self.value(expr.item)
            if item is None:
                return None
            found = item in [choice.value for choice in expr.choices]
            return not found if expr.negated else found
        if isinstance(expr, ir.Arith):
            left, right = self.value(expr.left), self.value(expr.right)
            if left is None or right is None:
                return None
            return {"+": left + right, "-": left - right, "*": left * right}[expr.op]
        if isinstance(expr, ir.Call):
            return self.call(expr)
        raise TypeError(f"unknown node {expr!r}")

    def call(self, expr: ir.Call) -> Any:
        if expr.name == "is_missing":
            return self.value(expr.args[0]) is None
        args = [self.value(arg) for arg in expr.args]
        if any(arg is None for arg in args):
            return None
        if expr.name == "end_of_month":
            return end_of_month(args[0])
        if expr.name == "years_between":
            return years_between(args[0], args[1])
        if expr.name == "months_between":
            return months_between(args[0], args[1])
        raise TypeError(f"unknown function {expr.name}")


def status_of(policy: ir.Policy, values: list[bool | None]) -> ir.Status:
    """Combine condition values: `fail` turns unknown into false, `needs_info` keeps it."""
    effective = [
        (False if value is None and cond.on_missing == "fail" else value)
        for cond, value in zip(policy.conditions, values, strict=True)
    ]
    if policy.match == "any":
        if any(v is True for v in effective):
            return "eligible"
        return "needs_info" if any(v is None for v in effective) else "ineligible"
    if any(v is False for v in effective):
        return "ineligible"
    return "needs_info" if any(v is None for v in effective) else "eligible"


def evaluate_policy(
    policy: ir.Policy,
    policies: ir.PolicySet,
    facts: dict[str, Any],
    day: date,
    province: str | None = None,
) -> PolicyResult:
    """One policy for one person's facts on `day` (facts absent from the dict are missing)."""
    params = parameter_values(policy, policies, day, province)
    evaluator = _Evaluator(facts, day, params)
    results = []
    for cond in policy.conditions:
        value = evaluator.value(cond.expr)
        missing = tuple(f for f in cond.facts if facts.get(f) is None) if value is None else ()
        results.append(
            ConditionResult(
                id=cond.id,
                value=None if value is None else bool(value),
                message_vi=cond.message_vi,
                message_en=cond.message_en,
                on_missing=cond.on_missing,
                missing=missing,
            )
        )
    status = status_of(policy, [r.value for r in results])
    amount = None
    if status == "eligible" and policy.kind in ("cash", "one_off"):
        for tier in policy.amount:
            if tier.when is None or evaluator.value(tier.when) is True:
                raw = evaluator.value(tier.value)
                amount = None if raw is None else round_vnd(raw)
                break
    missing = tuple(dict.fromkeys(f for r in results for f in r.missing))
    return PolicyResult(
        policy_id=policy.id,
        title_vi=policy.title_vi,
        title_en=policy.title_en,
        kind=policy.kind,
        status=status,
        amount=amount,
        conditions=tuple(results),
        missing=missing if status == "needs_info" else (),
        parameters=params,
        version=policy.version,
    )


def evaluate_all(
    policies: ir.PolicySet, facts: dict[str, Any], day: date, province: str | None = None
) -> list[PolicyResult]:
    """Every policy in force on `day`."""
    return [
        evaluate_policy(policy, policies, facts, day, province)
        for policy in policies.policies
        if policy.in_force_on(day)
    ]


def summarise(policies: ir.PolicySet, results: list[PolicyResult]) -> Summary:
    """Apply precedence: the highest amount of each exclusive group, plus what stacks with it."""
    by_id = {policy.id: policy for policy in policies.policies}
    eligible = sorted(
        (r for r in results if r.status == "eligible" and r.kind == "cash"),
        key=lambda r: (-(r.amount or 0), r.policy_id),
    )
    paid: list[PolicyResult] = []
    for result in eligible:
        group = by_id[result.policy_id].exclusive_group
        rivals = [p for p in paid if group and by_id[p.policy_id].exclusive_group == group]
        if all(_stacks(by_id, result.policy_id, p.policy_id) for p in rivals):
            paid.append(result)
    health = any(r.status == "eligible" and r.kind == "health_insurance" for r in results) or any(
        by_id[r.policy_id].grants_health_insurance for r in paid
    )
    return Summary(
        monthly_total=sum(r.amount or 0 for r in paid),
        paid=tuple(r.policy_id for r in paid),
        health_insurance=health,
        needs_info=tuple(r.policy_id for r in results if r.status == "needs_info"),
    )


def _stacks(by_id: dict[str, ir.Policy], one: str, other: str) -> bool:
    return other in by_id[one].stacks_with or one in by_id[other].stacks_with

"""The typed intermediate representation of a policy: what the loader builds and both
back-ends (the Python evaluator and the SQL generator) read.

Every node is an immutable dataclass. Nothing here knows about YAML, SQL or Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

# The value types an expression can have. "enum" facts are strings from a closed list.
ValueType = Literal["date", "int", "number", "bool", "enum", "str"]
Status = Literal["eligible", "ineligible", "needs_info"]
Value = date | int | float | bool | str | None


@dataclass(frozen=True)
class FactSpec:
    name: str
    type: ValueType
    choices: tuple[str, ...] = ()
    label_vi: str = ""
    label_en: str = ""


@dataclass(frozen=True)
class Const:
    value: date | int | float | bool | str
    type: ValueType


@dataclass(frozen=True)
class FactRef:
    name: str
    type: ValueType


@dataclass(frozen=True)
class ParamRef:
    name: str
    type: ValueType


@dataclass(frozen=True)
class EvalDate:
    """The day the policy is evaluated for."""

    type: ValueType = "date"


@dataclass(frozen=True)
class Call:
    """A function of the closed vocabulary: age_on, years_between, months_between,
    end_of_month, is_missing."""

    name: str
    args: tuple[Expr, ...]
    type: ValueType


@dataclass(frozen=True)
class Compare:
    op: Literal["==", "!=", "<", "<=", ">", ">="]
    left: Expr
    right: Expr
    type: ValueType = "bool"


@dataclass(frozen=True)
class In:
    item: Expr
    choices: tuple[Const, ...]
    negated: bool = False
    type: ValueType = "bool"


@dataclass(frozen=True)
class And:
    items: tuple[Expr, ...]
    type: ValueType = "bool"


@dataclass(frozen=True)
class Or:
    items: tuple[Expr, ...]
    type: ValueType = "bool"


@dataclass(frozen=True)
class Not:
    item: Expr
    type: ValueType = "bool"


@dataclass(frozen=True)
class Arith:
    op: Literal["+", "-", "*"]
    left: Expr
    right: Expr
    type: ValueType = "number"


Expr = Const | FactRef | ParamRef | EvalDate | Call | Compare | In | And | Or | Not | Arith


@dataclass(frozen=True)
class Period:
    """A parameter value and the days it holds for; `valid_to` is inclusive, None = open."""

    valid_from: date
    valid_to: date | None
    value: int | float

    def holds_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Parameter:
    name: str
    periods: tuple[Period, ...]
    # Province code -> periods that replace the national value on those days.
    overrides: dict[str, tuple[Period, ...]] = field(default_factory=dict)
    unit: str = ""
    reference: str = ""

    def value_on(self, day: date, province: str | None = None) -> int | float | None:
        for period in self.overrides.get(province or "", ()):
            if period.holds_on(day):
                return period.value
        for period in self.periods:
            if period.holds_on(day):
                return period.value
        return None


@dataclass(frozen=True)
class Condition:
    id: str
    expr: Expr
    message_vi: str
    message_en: str
    on_missing: Literal["needs_info", "fail"]
    facts: tuple[str, ...]


@dataclass(frozen=True)
class AmountTier:
    when: Expr | None
    value: Expr


@dataclass(frozen=True)
class GoldenTest:
    name: str
    line: int
    day: date
    facts: dict[str, Value]
    status: Status
    amount: int | None
    conditions: dict[str, bool | None]
    missing: tuple[str, ...] | None


@dataclass(frozen=True)
class Policy:
    id: str
    path: str
    title_vi: str
    title_en: str
    legal_basis: tuple[str, ...]
    valid_from: date
    valid_to: date | None
    entity: Literal["person", "household"]
    kind: Literal["cash", "one_off", "health_insurance"]
    match: Literal["all", "any"]
    conditions: tuple[Condition, ...]
    amount: tuple[AmountTier, ...]
    # Policies in the same exclusive group pay only the highest amount, except the pairs
    # listed in `stacks_with`.
    exclusive_group: str
    stacks_with: tuple[str, ...]
    grants_health_insurance: bool
    notes: str
    tests: tuple[GoldenTest, ...]
    version: str
    parameters: tuple[str, ...]
    # Who is paid: the person decided on, or their foster carer (the registry's carer of the
    # person's "in_foster_care" fact), named on payment lists.
    payee: Literal["person", "carer"] = "person"

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class PolicySet:
    facts: dict[str, FactSpec]
    parameters: dict[str, Parameter]
    policies: tuple[Policy, ...]

    def get(self, policy_id: str) -> Policy:
        for policy in self.policies:
            if policy.id == policy_id:
                return policy
        raise KeyError(policy_id)

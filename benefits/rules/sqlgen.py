"""The SQL back-end: one SELECT per policy over a flat facts table, built with sqlglot.

Values never enter the SQL as text: every constant becomes a sqlglot literal node, and the
evaluation day and parameter values are bound when the query is built (they are known). The
output has one row per key with a boolean column per condition (NULL = unknown), `status` and
`amount`. Dates are ISO text in SQLite and DATE elsewhere; the date helpers are written once
here for each dialect.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal, cast

from sqlglot import exp

from benefits.rules import ir
from benefits.rules.evaluate import end_of_month, months_between, years_between

Dialect = Literal["sqlite", "postgres", "duckdb"]
DIALECTS: tuple[Dialect, ...] = ("sqlite", "postgres", "duckdb")


def condition_column(condition_id: str) -> str:
    return f"c_{condition_id}"


class _Compiler:
    def __init__(self, day: date, params: dict[str, int | float], dialect: Dialect) -> None:
        self.day = day
        self.params = params
        self.dialect = dialect

    def literal(self, value: date | int | float | bool | str) -> exp.Expression:
        if isinstance(value, bool):
            return exp.true() if value else exp.false()
        if isinstance(value, (int, float)):
            return exp.Literal.number(value)
        if isinstance(value, date):
            text = exp.Literal.string(value.isoformat())
            return text if self.dialect == "sqlite" else exp.cast(text, "date")
        return exp.Literal.string(value)

    def constant_date(self, expr: ir.Expr) -> date | None:
        """The day an expression stands for, when it is known before the query runs."""
        if isinstance(expr, ir.EvalDate):
            return self.day
        if isinstance(expr, ir.Const) and isinstance(expr.value, date):
            return expr.value
        if isinstance(expr, ir.Call) and expr.name == "end_of_month":
            inner = self.constant_date(expr.args[0])
            return None if inner is None else end_of_month(inner)
        return None

    def date_part(self, expr: ir.Expr, part: str) -> exp.Expression:
        known = self.constant_date(expr)
        if known is not None:
            return exp.Literal.number(getattr(known, part))
        column = self.sql(expr)
        if self.dialect == "sqlite":
            start, length = {"year": (1, 4), "month": (6, 2), "day": (9, 2)}[part]
            text = exp.Substring(
                this=column,
                start=exp.Literal.number(start),
                length=exp.Literal.number(length),
            )
            return exp.cast(text, "integer")
        node = {"year": exp.Year, "month": exp.Month, "day": exp.Day}[part](this=column)
        return exp.cast(node, "integer")

    def call(self, expr: ir.Call) -> exp.Expression:
        if expr.name == "is_missing":
            return exp.Is(this=self.sql(expr.args[0]), expression=exp.Null())
        if expr.name == "end_of_month":
            known = self.constant_date(expr)
            assert known is not None  # the loader allows only known days here
            return self.literal(known)
        start, end = expr.args
        known_start, known_end = self.constant_date(start), self.constant_date(end)
        if known_start is not None and known_end is not None:
            between = years_between if expr.name == "years_between" else months_between
            return exp.Literal.number(between(known_start, known_end))
        y0, m0, d0 = (self.date_part(start, p) for p in ("year", "month", "day"))
        y1, m1, d1 = (self.date_part(end, p) for p in ("year", "month", "day"))
        if expr.name == "years_between":
            earlier = exp.LT(
                this=exp.paren(m1 * 100 + d1, copy=False), expression=exp.paren(m0 * 100 + d0)
            )
            span = exp.paren(y1 - y0, copy=False)
        else:
            earlier = exp.LT(this=d1, expression=d0)
            span = exp.paren(exp.paren(y1 * 12 + m1) - exp.paren(y0 * 12 + m0), copy=False)
        borrow = exp.Case(
            ifs=[exp.If(this=earlier, true=exp.Literal.number(1))],
            default=exp.Literal.number(0),
        )
        return exp.paren(span - borrow, copy=False)

    def sql(self, expr: ir.Expr) -> exp.Expression:  # noqa: C901 - one branch per node type
        if isinstance(expr, ir.Const):
            return self.literal(expr.value)
        if isinstance(expr, ir.FactRef):
            return exp.column(expr.name, quoted=True)
        if isinstance(expr, ir.ParamRef):
            return exp.Literal.number(self.params[expr.name])
        if isinstance(expr, ir.EvalDate):
            return self.literal(self.day)
        if isinstance(expr, ir.And):
            return cast(exp.Expression, exp.and_(*(exp.paren(self.sql(i)) for i in expr.items)))
        if isinstance(expr, ir.Or):
            return exp.paren(exp.or_(*(exp.paren(self.sql(i)) for i in expr.items)))
        if isinstance(expr, ir.Not):
            return exp.not_(exp.paren(self.sql(expr.item)))
        if isinstance(expr, ir.Compare):
            node = {
                "==": exp.EQ,
                "!=": exp.NEQ,
                "<": exp.LT,
                "<=": exp.LTE,
                ">": exp.GT,
                ">=": exp.GTE,
            }[expr.op]
            return cast(
                exp.Expression, node(this=self.sql(expr.left), expression=self.sql(expr.right))
            )
        if isinstance(expr, ir.In):
            node_in = exp.In(
                this=self.sql(expr.item), expressions=[self.literal(c.value) for c in expr.choices]
            )
            return exp.not_(exp.paren(node_in)) if expr.negated else node_in
        if isinstance(expr, ir.Arith):
            cls = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul}[expr.op]
            return exp.paren(cls(this=self.sql(expr.left), expression=self.sql(expr.right)))
        if isinstance(expr, ir.Call):
            return self.call(expr)
        raise TypeError(f"unknown node {expr!r}")


def _any(items: Sequence[exp.Expression]) -> exp.Expression:
    return exp.paren(exp.or_(*items)) if items else exp.false()


def policy_select(
    policy: ir.Policy,
    *,
    day: date,
    params: dict[str, int | float],
    dialect: Dialect,
    source: exp.Expression,
    key: str = "person_id",
    carry: tuple[str, ...] = (),
) -> exp.Select:
    """SELECT key, c_<condition>..., status, amount FROM (source) for one policy on `day`.

    Columns named in `carry` pass through unchanged, after the key.
    """
    compiler = _Compiler(day, params, dialect)
    names = [condition_column(c.id) for c in policy.conditions]
    passed = [exp.column(name, quoted=True) for name in (key, *carry)]
    inner = exp.select(*passed).from_(source)
    for name, cond in zip(names, policy.conditions, strict=True):
        inner = inner.select(exp.alias_(exp.paren(compiler.sql(cond.expr)), name, quoted=True))
    amount: exp.Expression = exp.cast(exp.Null(), "bigint")
    if policy.kind in ("cash", "one_off"):
        ifs = []
        default: exp.Expression = exp.Null()
        for tier in policy.amount:
            value = compiler.sql(tier.value)
            if tier.when is None:
                default = value
                break
            ifs.append(exp.If(this=exp.paren(compiler.sql(tier.when)), true=value))
        raw = exp.Case(ifs=ifs, default=default) if ifs else default
        amount = exp.cast(exp.Round(this=raw, decimals=exp.Literal.number(0)), "bigint")
    inner = inner.select(exp.alias_(amount, "raw_amount", quoted=True))

    def col(name: str) -> exp.Expression:
        return exp.column(name, quoted=True)

    def is_null(name: str) -> exp.Expression:
        return exp.Is(this=col(name), expression=exp.Null())

    unknown_asks = [
        is_null(n)
        for n, c in zip(names, policy.conditions, strict=True)
        if c.on_missing == "needs_info"
    ]
    if policy.match == "all":
        # A `fail` condition counts an unknown as false, a `needs_info` one as not (yet) false.
        refused = [
            exp.not_(
                exp.Coalesce(
                    this=col(n),
                    expressions=[exp.false() if c.on_missing == "fail" else exp.true()],
                )
            )
            for n, c in zip(names, policy.conditions, strict=True)
        ]
        status = exp.Case(
            ifs=[
                exp.If(this=_any(refused), true=exp.Literal.string("ineligible")),
                exp.If(this=_any(unknown_asks), true=exp.Literal.string("needs_info")),
            ],
            default=exp.Literal.string("eligible"),
        )
    else:
        held = [exp.Coalesce(this=col(n), expressions=[exp.false()]) for n in names]
        status = exp.Case(
            ifs=[
                exp.If(this=_any(held), true=exp.Literal.string("eligible")),
                exp.If(this=_any(unknown_asks), true=exp.Literal.string("needs_info")),
            ],
            default=exp.Literal.string("ineligible"),
        )
    outer = exp.select(col(key), *(col(c) for c in carry), *(col(n) for n in names))
    outer = outer.from_(inner.subquery("f"))
    outer = outer.select(exp.alias_(status, "status", quoted=True))
    paid = exp.Case(
        ifs=[
            exp.If(
                this=exp.EQ(this=status.copy(), expression=exp.Literal.string("eligible")),
                true=col("raw_amount"),
            )
        ],
        default=exp.Null(),
    )
    return outer.select(exp.alias_(paid, "amount", quoted=True))


def policy_sql(
    policy: ir.Policy,
    *,
    day: date,
    params: dict[str, int | float],
    dialect: Dialect,
    source: exp.Expression | None = None,
    key: str = "person_id",
) -> str:
    """The SQL text of `policy_select` for a dialect (the source defaults to table `facts`)."""
    table = source if source is not None else exp.table_("facts", quoted=True)
    select = policy_select(policy, day=day, params=params, dialect=dialect, source=table, key=key)
    return select.sql(dialect=dialect)

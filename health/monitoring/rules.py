"""The threshold rules: parsed from a versioned YAML file, evaluated on readings (pure Python).

A rule set is checked when it is loaded and anything it does not understand is refused (fail
closed), so that a typo in a threshold file never silently switches an alarm off. Evaluation is
a pure function of (reading, the person's overrides, the reading's recent history): the same
inputs always give the same findings, and the threshold version is stored on every alert.
"""

from __future__ import annotations

import hashlib
import json
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from health.monitoring import codes

THRESHOLDS_DIR = Path(__file__).resolve().parent / "thresholds"
SEVERITIES = {"critical": 1, "high": 2, "medium": 3, "low": 4}
TASKS = ("call", "visit", "recheck", "none")
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
MEASURES = {"value": "value", "systolic": "value", "diastolic": "value2"}
RULE_KEYS = {
    "id",
    "family",
    "kind",
    "context",
    "any",
    "trend",
    "sweep",
    "severity",
    "task",
    "due_minutes",
    "escalate_after_minutes",
    "confirm_by_repeat",
    "message_vi",
    "message_en",
    "source",
}


class RuleError(ValueError):
    """A threshold file the engine does not understand (Vietnamese / English)."""


@dataclass(frozen=True)
class Condition:
    measure: str  # "value" or "value2"
    op: str
    number: Decimal

    def holds(self, value: Decimal, value2: Decimal | None) -> bool:
        actual = value if self.measure == "value" else value2
        return actual is not None and OPERATORS[self.op](actual, self.number)


@dataclass(frozen=True)
class Outcome:
    """What a rule does when it fires: the alert's severity, the task, the deadlines."""

    severity: int
    task: str
    due_minutes: int
    escalate_after_minutes: int | None
    message_vi: str
    message_en: str


@dataclass(frozen=True)
class Rule:
    id: str
    family: str
    kind: str
    outcome: Outcome
    source: str
    context: str = ""
    conditions: tuple[Condition, ...] = ()
    # Trend rule (weight): gain of at least `gain` within `within_days`.
    gain: Decimal | None = None
    within_days: int | None = None
    # Sweep rule: no reading for `days`.
    sweep_days: int | None = None
    # Confirmation by a repeat reading within `confirm_minutes`; until then `unconfirmed`.
    confirm_minutes: int | None = None
    unconfirmed: Outcome | None = None
    # The conditions as (on value2?, comparison, number), for the evaluation loop.
    checks: tuple[tuple[bool, Callable[[Any, Any], bool], Decimal], ...] = field(
        init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        checks = tuple((c.measure != "value", OPERATORS[c.op], c.number) for c in self.conditions)
        object.__setattr__(self, "checks", checks)

    def with_override(self, low: Decimal | None, high: Decimal | None) -> Rule:
        """The rule with a person's own numbers: `high` replaces the >= / > limits of the main
        measure (systolic for blood pressure), `low` the <= / < ones."""
        conditions = []
        for c in self.conditions:
            if c.measure == "value" and c.op in (">=", ">") and high is not None:
                c = Condition(c.measure, c.op, high)
            elif c.measure == "value" and c.op in ("<=", "<") and low is not None:
                c = Condition(c.measure, c.op, low)
            conditions.append(c)
        gain = high if self.gain is not None and high is not None else self.gain
        return replace(self, conditions=tuple(conditions), gain=gain)


@dataclass(frozen=True)
class RuleSet:
    version: int
    name: str
    rules: tuple[Rule, ...]
    digest: str
    raw: dict[str, Any] = field(compare=False)
    # The rules of each kind in file order, worked out once: evaluation asks for every reading.
    _by_kind: dict[str, tuple[Rule, ...]] = field(
        init=False, compare=False, repr=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        for kind in {r.kind for r in self.rules}:
            self._by_kind[kind] = tuple(r for r in self.rules if r.kind == kind)

    def by_id(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def for_kind(self, kind: str) -> tuple[Rule, ...]:
        return self._by_kind.get(kind, ())

    def sweep_rules(self) -> list[Rule]:
        return [r for r in self.rules if r.sweep_days is not None]


@dataclass(frozen=True)
class Finding:
    """One rule that fired on one reading (or on a person, for a sweep)."""

    rule: str
    family: str
    outcome: Outcome
    shown_value: str
    confirmed: bool = True

    @property
    def message_vi(self) -> str:
        return self.outcome.message_vi.replace("{value}", self.shown_value)

    @property
    def message_en(self) -> str:
        return self.outcome.message_en.replace("{value}", self.shown_value)


def _fail(where: str, vi: str, en: str) -> RuleError:
    return RuleError(f"{where}: {vi} / {en}")


def _number(raw: Any, where: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise _fail(where, f"{raw!r} không phải là số", f"{raw!r} is not a number")
    try:
        return Decimal(str(raw))
    except ArithmeticError:
        raise _fail(where, f"{raw!r} không phải là số", f"{raw!r} is not a number") from None


def _minutes(raw: Any, where: str, *, optional: bool = False) -> int | None:
    if raw is None and optional:
        return None
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
        raise _fail(
            where, f"số phút {raw!r} phải là số nguyên >= 0", f"minutes {raw!r} must be an int >= 0"
        )
    return raw


def _outcome(data: dict[str, Any], where: str, defaults: dict[str, Any] | None = None) -> Outcome:
    merged = {**(defaults or {}), **data}
    severity = merged.get("severity")
    if severity not in SEVERITIES:
        raise _fail(
            where,
            f"mức độ {severity!r} không có; dùng {', '.join(SEVERITIES)}",
            f"unknown severity {severity!r}; use {', '.join(SEVERITIES)}",
        )
    task = merged.get("task", "none")
    if task not in TASKS:
        raise _fail(
            where,
            f"việc {task!r} không có; dùng {', '.join(TASKS)}",
            f"unknown task {task!r}; use {', '.join(TASKS)}",
        )
    for key in ("message_vi", "message_en"):
        if not isinstance(merged.get(key), str) or not merged[key].strip():
            raise _fail(where, f"thiếu {key}", f"{key} is missing")
    return Outcome(
        severity=SEVERITIES[severity],
        task=task,
        due_minutes=_minutes(merged.get("due_minutes", 0), where) or 0,
        escalate_after_minutes=_minutes(merged.get("escalate_after_minutes"), where, optional=True),
        message_vi=merged["message_vi"].strip(),
        message_en=merged["message_en"].strip(),
    )


def _rule(data: Any, index: int) -> Rule:
    where = f"rule {index + 1}"
    if not isinstance(data, dict):
        raise _fail(
            where, "mỗi quy tắc phải là một bảng khoá: giá trị", "each rule must be a mapping"
        )
    unknown = sorted(set(data) - RULE_KEYS)
    if unknown:
        raise _fail(
            where, f"khoá không hiểu: {', '.join(unknown)}", f"unknown keys: {', '.join(unknown)}"
        )
    rule_id = data.get("id")
    if not isinstance(rule_id, str) or not rule_id.isidentifier() or len(rule_id) > 40:
        raise _fail(where, f"id {rule_id!r} không hợp lệ", f"invalid id {rule_id!r}")
    where = f"rule {rule_id}"
    family = data.get("family")
    if not isinstance(family, str) or not family.isidentifier():
        raise _fail(where, "thiếu family", "family is missing")
    if not isinstance(data.get("source"), str) or not data["source"].strip():
        raise _fail(where, "mỗi quy tắc phải ghi nguồn (source)", "every rule must name its source")
    outcome = _outcome(data, where)
    kinds = ("any", "trend", "sweep")
    present = [k for k in kinds if k in data]
    if len(present) != 1:
        raise _fail(
            where,
            "cần đúng một trong any, trend, sweep",
            "needs exactly one of any, trend, sweep",
        )
    common: dict[str, Any] = {
        "id": rule_id,
        "family": family,
        "outcome": outcome,
        "source": data["source"].strip(),
    }
    if "sweep" in data:
        days = data["sweep"].get("days") if isinstance(data["sweep"], dict) else None
        if not isinstance(days, int) or days < 1:
            raise _fail(where, "sweep.days phải là số ngày >= 1", "sweep.days must be >= 1")
        return Rule(kind="", sweep_days=days, **common)
    kind = data.get("kind")
    if kind not in codes.KINDS:
        raise _fail(where, f"loại chỉ số {kind!r} không có", f"unknown kind {kind!r}")
    context = data.get("context", "") or ""
    if context not in ("", "fasting", "random") or (context and kind != "glucose"):
        raise _fail(where, f"bối cảnh {context!r} không hợp lệ", f"invalid context {context!r}")
    if "trend" in data:
        trend = data["trend"]
        if (
            kind != "weight"
            or not isinstance(trend, dict)
            or set(trend)
            != {
                "gain_at_least",
                "within_days",
            }
        ):
            raise _fail(
                where,
                "trend chỉ dùng cho cân nặng: gain_at_least, within_days",
                "trend is for weight only: gain_at_least, within_days",
            )
        return Rule(
            kind=kind,
            context=context,
            gain=_number(trend["gain_at_least"], where),
            within_days=_minutes(trend["within_days"], where),
            **common,
        )
    conditions = []
    raw_conditions = data["any"]
    if not isinstance(raw_conditions, list) or not raw_conditions:
        raise _fail(where, "any phải là danh sách điều kiện", "any must be a list of conditions")
    for raw in raw_conditions:
        if not isinstance(raw, list) or len(raw) != 3:
            raise _fail(
                where,
                f"điều kiện {raw!r} phải có dạng [đo, toán tử, số]",
                f"condition {raw!r} must be [measure, operator, number]",
            )
        measure, op, number = raw
        if measure not in MEASURES or (measure == "diastolic" and kind != "bp"):
            raise _fail(where, f"đại lượng {measure!r} không có", f"unknown measure {measure!r}")
        if op not in OPERATORS:
            raise _fail(where, f"toán tử {op!r} không có", f"unknown operator {op!r}")
        conditions.append(Condition(MEASURES[measure], op, _number(number, where)))
    confirm = data.get("confirm_by_repeat")
    confirm_minutes, unconfirmed = None, None
    if confirm is not None:
        if not isinstance(confirm, dict) or "within_minutes" not in confirm:
            raise _fail(
                where,
                "confirm_by_repeat cần within_minutes",
                "confirm_by_repeat needs within_minutes",
            )
        confirm_minutes = _minutes(confirm["within_minutes"], where)
        rest = {k: v for k, v in confirm.items() if k != "within_minutes"}
        unconfirmed = _outcome(rest, where + " confirm_by_repeat")
    return Rule(
        kind=kind,
        context=context,
        conditions=tuple(conditions),
        confirm_minutes=confirm_minutes,
        unconfirmed=unconfirmed,
        **common,
    )


def parse(data: Any) -> RuleSet:
    """A rule set from the parsed YAML, or RuleError saying what is wrong."""
    if not isinstance(data, dict):
        raise _fail("file", "tệp ngưỡng phải là một bảng khoá", "the file must be a mapping")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _fail("file", "version phải là số nguyên >= 1", "version must be an integer >= 1")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _fail("file", "thiếu name", "name is missing")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise _fail("file", "thiếu danh sách rules", "the rules list is missing")
    rules = tuple(_rule(r, i) for i, r in enumerate(raw_rules))
    ids = [r.id for r in rules]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise _fail(
            "file", f"id trùng: {', '.join(repeated)}", f"repeated ids: {', '.join(repeated)}"
        )
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return RuleSet(version=version, name=name.strip(), rules=rules, digest=digest, raw=data)


def load_file(path: Path) -> RuleSet:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise _fail(
            str(path), f"không đọc được tệp ({exc})", f"cannot read the file ({exc})"
        ) from exc
    return parse(data)


def default_file() -> Path:
    """The newest file in thresholds/ (by the number in its name)."""
    files = sorted(THRESHOLDS_DIR.glob("v*.yaml"), key=lambda p: int(p.stem[1:] or 0))
    return files[-1]


# Evaluation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadingFacts:
    """What a rule looks at: the reading, plus the history the trend rules need."""

    kind: str
    value: Decimal
    value2: Decimal | None
    context: str
    measured_at: datetime
    # Blood pressure: whether a reading of the same person, within the confirmation window
    # before this one, also met the rule (filled in by the caller from the database and batch).
    earlier_meeting: frozenset[str] = frozenset()
    # Weight: the lowest weight within the trend window before this reading, if any.
    lowest_recent_weight: Decimal | None = None


def show(kind: str, value: Decimal, value2: Decimal | None = None) -> str:
    unit = codes.spec(kind).unit_display
    if kind == "bp" and value2 is not None:
        return f"{value.normalize():f}/{value2.normalize():f} {unit}"
    text = f"{value.normalize():f}"
    return f"{text}%" if unit == "%" else f"{text} {unit}"


def meets(rule: Rule, value: Decimal, value2: Decimal | None, context: str) -> bool:
    if rule.context and rule.context != context:
        return False
    for on_value2, compare, number in rule.checks:
        actual = value2 if on_value2 else value
        if actual is not None and compare(actual, number):
            return True
    return False


def evaluate(
    rule_set: RuleSet,
    facts: ReadingFacts,
    overrides: dict[str, tuple[Decimal | None, Decimal | None]] | None = None,
) -> list[Finding]:
    """The findings of one reading: at most one per family, the first rule that fires."""
    overrides = overrides or {}
    findings: list[Finding] = []
    fired_families: set[str] = set()
    for rule in rule_set.for_kind(facts.kind):
        if rule.family in fired_families:
            continue
        if rule.id in overrides:
            rule = rule.with_override(*overrides[rule.id])
        if rule.gain is not None and rule.within_days is not None:
            lowest = facts.lowest_recent_weight
            if lowest is not None and facts.value - lowest >= rule.gain:
                gain = (facts.value - lowest).normalize()
                findings.append(Finding(rule.id, rule.family, rule.outcome, f"{gain:f} kg"))
                fired_families.add(rule.family)
            continue
        if not meets(rule, facts.value, facts.value2, facts.context):
            continue
        shown = show(facts.kind, facts.value, facts.value2)
        if rule.unconfirmed is not None and rule.id not in facts.earlier_meeting:
            findings.append(Finding(rule.id, rule.family, rule.unconfirmed, shown, confirmed=False))
        else:
            findings.append(Finding(rule.id, rule.family, rule.outcome, shown))
        fired_families.add(rule.family)
    return findings


def families(rule_set: RuleSet) -> Iterable[str]:
    return sorted({r.family for r in rule_set.rules})

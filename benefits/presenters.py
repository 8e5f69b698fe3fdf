"""Turn evaluation results into what a page shows, in the language of the request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from benefits.rules.evaluate import PolicyResult, Summary
from benefits.selectors import policy_set
from lib.money import format_vnd


@dataclass(frozen=True)
class ConditionLine:
    text: str
    state: str
    state_label: str
    missing: list[str]
    # (where to supply the missing fact, its address) for the person page.
    supply: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PolicyBlock:
    policy_id: str
    title: str
    status: str
    status_label: str
    amount: str
    legal_basis: tuple[str, ...]
    conditions: list[ConditionLine]
    kind: str = "cash"


def vietnamese() -> bool:
    return (get_language() or "vi").startswith("vi")


def status_label(status: str) -> str:
    return {
        "eligible": _("Eligible"),
        "ineligible": _("Not eligible"),
        "needs_info": _("More information needed"),
    }[status]


def fact_label(name: str) -> str:
    spec = policy_set().facts[name]
    return spec.label_vi if vietnamese() else spec.label_en


def where_to_supply(name: str, person: Any) -> tuple[str, str]:
    """Where on the staff site a missing fact of this person is recorded: (label, address)."""
    from django.urls import reverse

    if name in ("date_of_birth", "sex", "marital_status", "ethnic_minority"):
        return _("the person's details"), reverse("people:person_edit", args=[person.pk])
    if name.startswith("disability"):
        return _("a disability certificate"), reverse("people:disability_add", args=[person.pk])
    if name in (
        "poverty_status",
        "household_size",
        "lives_alone",
        "children_in_household",
        "children_under_3_in_household",
    ):
        if person.household_id is None:
            return _("the person's household"), reverse("people:person_edit", args=[person.pk])
        if name == "poverty_status":
            return _("the household's poverty status"), reverse(
                "people:household_poverty", args=[person.household_id]
            )
        return _("the household's members"), reverse("people:household", args=[person.household_id])
    if name in (
        "em_area_commune",
        "region_3_commune",
        "em_area_village",
        "especially_difficult_village",
    ):
        return _("the area status of the commune and villages"), reverse("places:area_status_list")
    if name == "receives_monthly_allowance":
        return _("the benefit cases"), reverse("benefits:cases")
    return _("the person's social facts"), reverse("people:person_facts", args=[person.pk])


def condition_lines(
    conditions: list[dict[str, Any]] | tuple[Any, ...], person: Any = None
) -> list[ConditionLine]:
    """Condition results (dataclasses or stored JSON dicts) as lines of text."""
    lines = []
    vi = vietnamese()
    for cond in conditions:
        data = cond if isinstance(cond, dict) else cond.__dict__
        value = data["value"]
        state = {True: "met", False: "not_met", None: "unknown"}[value]
        lines.append(
            ConditionLine(
                text=data["message_vi"] if vi else data["message_en"],
                state=state,
                state_label={"met": _("Met"), "not_met": _("Not met"), "unknown": _("Not known")}[
                    state
                ],
                missing=[fact_label(name) for name in data.get("missing", ())],
                supply=tuple(
                    dict.fromkeys(where_to_supply(name, person) for name in data.get("missing", ()))
                )
                if person is not None
                else (),
            )
        )
    return lines


def policy_blocks(results: list[PolicyResult], person: Any = None) -> list[PolicyBlock]:
    policies = policy_set()
    vi = vietnamese()
    order = {"eligible": 0, "needs_info": 1, "ineligible": 2}
    blocks = []
    for result in sorted(results, key=lambda r: order[r.status]):
        blocks.append(
            PolicyBlock(
                policy_id=result.policy_id,
                title=result.title_vi if vi else result.title_en,
                status=result.status,
                status_label=status_label(result.status),
                amount=format_vnd(result.amount) if result.amount is not None else "",
                legal_basis=policies.get(result.policy_id).legal_basis,
                conditions=condition_lines(result.conditions, person),
                kind=result.kind,
            )
        )
    return blocks


def summary_block(summary: Summary) -> dict[str, Any]:
    return {
        "total": format_vnd(summary.monthly_total),
        "health_insurance": summary.health_insurance,
        "paid": [
            (policy_set().get(pid).title_vi if vietnamese() else policy_set().get(pid).title_en)
            for pid in summary.paid
        ],
    }


def decision_block(decision: Any) -> dict[str, Any]:
    """A stored decision with its condition messages, read from the policy it was made by."""
    policies = policy_set()
    vi = vietnamese()
    try:
        policy = policies.get(decision.policy_id)
    except KeyError:
        policy = None
    lines = []
    for cond_id, value in decision.conditions.items():
        cond = next((c for c in policy.conditions if c.id == cond_id), None) if policy else None
        lines.append(
            {
                "value": None if value is None else bool(value),
                "message_vi": cond.message_vi if cond else cond_id,
                "message_en": cond.message_en if cond else cond_id,
                "missing": (),
            }
        )
    title = decision.policy_id
    if policy is not None:
        title = policy.title_vi if vi else policy.title_en
    return {
        "decision": decision,
        "title": title,
        "status_label": status_label(decision.status),
        "amount": format_vnd(decision.monthly_amount)
        if decision.monthly_amount is not None
        else "",
        "conditions": condition_lines(lines),
        "parameters": [
            (name, format_vnd(int(value)) if name.endswith(("level", "amount")) else value)
            for name, value in sorted(decision.parameters.items())
        ],
    }

"""`{% benefits_explanation person as explanation %}`: the person page's benefits panel.

The registry page includes benefits/_person_panel.html, which loads this tag, so that the
people app never imports benefits (data flows places -> people -> benefits).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from accounts.services import audit_record
from benefits import presenters, selectors
from benefits.permissions import DECISION_ROLES
from lib.personal_id import mask
from people.permissions import can_see_sensitive

register = template.Library()

# Policies whose conditions reveal HIV status: shown only to roles that may read health data.
SENSITIVE_FACTS = {"has_hiv"}


@register.simple_tag(takes_context=True)
def benefits_explanation(context: Any, person: Any) -> dict[str, Any] | None:
    """Every policy for the person today, condition by condition, or None when the user may not
    read decisions or the person is not living. Recorded in the audit log."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role not in DECISION_ROLES:
        return None
    if person.merged_into_id:
        return None
    day = timezone.localdate()
    explanation = selectors.person_explanation(person, day)
    if explanation is None:
        return None
    policies = selectors.policy_set()
    results = explanation.results
    if not can_see_sensitive(user):
        results = [
            r
            for r in results
            if not any(SENSITIVE_FACTS & set(c.facts) for c in policies.get(r.policy_id).conditions)
        ]
    audit_record(
        actor=user,
        action="view",
        object_type="benefits.explanation",
        object_id=person.pk,
        object_label=mask(person.personal_id or ""),
        commune_code=person.commune_id,
        request=request,
        details={"date": day.isoformat()},
    )
    return {
        "day": day,
        "blocks": presenters.policy_blocks(results, person=person),
        "summary": presenters.summary_block(explanation.summary),
    }

"""Pages of the benefits app."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.permissions import role_required
from accounts.services import audit_record
from benefits import permissions, presenters, selectors
from benefits.forms import ScreenerForm
from benefits.models import DecisionStatus
from benefits.permissions import DECISION_ROLES
from lib.money import format_vnd
from lib.personal_id import mask


@never_cache
def screener(request: HttpRequest) -> HttpResponse:
    """Which support a person may get, from facts typed in. Nothing is stored.

    The answers come by POST and the result is shown in the response rather than after a
    redirect: a redirect would need the answers (health and poverty facts among them) in the
    URL or the session, and nothing here is written, so there is nothing to repeat by mistake.
    """
    form = ScreenerForm(request.POST or None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["day"]
        results, summary = selectors.screen(form.facts(), day)
        context.update(
            day=day,
            blocks=presenters.policy_blocks(results),
            summary=presenters.summary_block(summary),
        )
    return render(request, "benefits/screener.html", context)


@role_required(*DECISION_ROLES)
def decision_list(request: HttpRequest) -> HttpResponse:
    """The current decisions of the officer's communes, eligible and needing information first."""
    decisions = permissions.latest_decisions_for_user(request.user)  # type: ignore[arg-type]
    status = request.GET.get("status", "")
    if status in DecisionStatus.values:
        decisions = decisions.filter(status=status)
    decisions = decisions.select_related("person", "commune").order_by(
        "commune__name", "person__full_name", "policy_id", "id"
    )
    page = Paginator(decisions, 50).get_page(request.GET.get("page"))
    titles = {
        p.id: (p.title_vi if presenters.vietnamese() else p.title_en)
        for p in selectors.policy_set().policies
    }
    rows = [
        {
            "decision": d,
            "title": titles.get(d.policy_id, d.policy_id),
            "status_label": presenters.status_label(d.status),
            "amount": format_vnd(d.monthly_amount) if d.monthly_amount is not None else "",
            "masked_id": mask(d.person.personal_id or ""),
        }
        for d in page.object_list
    ]
    return render(
        request,
        "benefits/decision_list.html",
        {"page": page, "rows": rows, "status": status, "statuses": DecisionStatus.choices},
    )


@role_required(*DECISION_ROLES)
def person_decisions(request: HttpRequest, pk: int) -> HttpResponse:
    """Why a person gets what they get: every current decision, condition by condition."""
    person = permissions.get_person_for_decisions(request.user, pk)  # type: ignore[arg-type]
    audit_record(
        actor=request.user,  # type: ignore[arg-type]
        action="view",
        object_type="benefits.decisions",
        object_id=person.pk,
        object_label=mask(person.personal_id or ""),
        commune_code=person.commune_id,
        request=request,
    )
    blocks = [presenters.decision_block(d) for d in selectors.person_decisions(person)]
    return render(
        request,
        "benefits/person_decisions.html",
        {"person": person, "masked_id": mask(person.personal_id or ""), "blocks": blocks},
    )

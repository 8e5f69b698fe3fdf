"""Pages of the benefits app."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.permissions import communes_for_user, role_required
from accounts.services import audit_record
from benefits import permissions, presenters, selectors, services
from benefits.exports import FORMATS, payee_text
from benefits.forms import (
    CASE_ACTIONS,
    CaseActionForm,
    CommuneForm,
    FuneralClaimForm,
    PaymentListForm,
    ScreenerForm,
)
from benefits.models import (
    Case,
    CaseStatus,
    DecisionStatus,
    EndReason,
    FuneralClaim,
    FuneralDocument,
    PaymentListKind,
)
from benefits.permissions import DECISION_ROLES
from lib.money import format_vnd
from lib.personal_id import mask
from lib.phone import display as phone_display


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
    user = _user(request)
    open_cases = {
        c.policy_id: c for c in Case.objects.filter(person=person).exclude(status=CaseStatus.ENDED)
    }
    monthly = {p.id for p in selectors.policy_set().policies if p.kind == "cash"}
    officer = permissions.can_work_on_cases(user, person.commune_id)
    blocks = []
    for decision in selectors.person_decisions(person):
        block = presenters.decision_block(decision)
        block["case"] = open_cases.get(decision.policy_id)
        block["proposable"] = (
            officer
            and block["case"] is None
            and decision.status == DecisionStatus.ELIGIBLE
            and decision.policy_id in monthly
        )
        blocks.append(block)
    return render(
        request,
        "benefits/person_decisions.html",
        {
            "person": person,
            "masked_id": mask(person.personal_id or ""),
            "blocks": blocks,
            "funeral": _funeral_state(person, officer, open_cases.get(services.FUNERAL_POLICY)),
        },
    )


def _funeral_state(person: Any, officer: bool, case: Case | None) -> dict[str, Any] | None:
    """What the person's page says about funeral support once the person has died."""
    if person.date_of_death is None:
        return None
    decision = selectors.funeral_decision(person)
    eligible = decision is not None and decision.status == DecisionStatus.ELIGIBLE
    return {
        "eligible": eligible,
        "amount": format_vnd(decision.monthly_amount) if eligible else "",
        "case": case,
        "can_record": officer and eligible and case is None,
    }


@role_required(*DECISION_ROLES)
def funeral_claim_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record who arranged the funeral of a person who died and was eligible for the support."""
    user = _user(request)
    person = permissions.get_person_for_decisions(user, pk)
    decision = selectors.funeral_decision(person)
    form = FuneralClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.funeral_claim_record(
                person=person,
                actor=user,
                arranger_name=data["arranger_name"],
                arranger_relation=data["arranger_relation"],
                arranger_phone=data["arranger_phone"],
                arranger_personal_id=data["arranger_personal_id"],
                documents=data["documents"],
                note=data["note"],
                request=request,
            )
        except services.WorkflowError as exc:
            _workflow_error(request, exc)
        else:
            messages.success(request, _("The claim is recorded. Another officer now reviews it."))
            return redirect("benefits:case", pk=case.pk)
    eligible = decision is not None and decision.status == DecisionStatus.ELIGIBLE
    return render(
        request,
        "benefits/funeral_claim_form.html",
        {
            "person": person,
            "masked_id": mask(person.personal_id or ""),
            "form": form,
            "amount": format_vnd(decision.monthly_amount) if eligible else "",
            "eligible": eligible,
            "can_act": permissions.can_work_on_cases(user, person.commune_id),
        },
    )


# --- cases -----------------------------------------------------------------------------------

BULK_ACTIONS = ("review", "approve", "end")
STEP_LABELS = {
    "propose": gettext_lazy("proposed"),
    "review": gettext_lazy("reviewed"),
    "approve": gettext_lazy("approved"),
    "suspend": gettext_lazy("suspended"),
    "resume": gettext_lazy("resumed"),
    "end": gettext_lazy("ended"),
    "checked": gettext_lazy("checked and kept"),
    "flag": gettext_lazy("flagged for review"),
    "paid": gettext_lazy("paid"),
}
STATUS_TABS = [
    ("proposed", CaseStatus.PROPOSED.label),
    ("reviewed", CaseStatus.REVIEWED.label),
    ("approved", CaseStatus.APPROVED.label),
    ("suspended", CaseStatus.SUSPENDED.label),
    ("ended", CaseStatus.ENDED.label),
    ("paid", CaseStatus.PAID.label),
    ("needs_review", gettext_lazy("Needs review")),
]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _commune_choices(user: User) -> list[tuple[int, str]]:
    return [(c.code, c.name) for c in communes_for_user(user)]


def _workflow_error(request: HttpRequest, exc: services.WorkflowError) -> None:
    messages.error(request, exc.message_vi if presenters.vietnamese() else exc.message_en)


def _filtered_cases(request: HttpRequest, user: User) -> tuple[Any, dict[str, Any]]:
    cases = permissions.cases_for_user(user)
    counts = selectors.case_counts(cases)
    tab = request.GET.get("status", "proposed")
    if tab == "needs_review":
        cases = cases.filter(needs_review=True).exclude(status=CaseStatus.ENDED)
    elif tab in CaseStatus.values:
        cases = cases.filter(status=tab)
    else:
        tab = ""
    policy = request.GET.get("policy", "")
    if policy:
        cases = cases.filter(policy_id=policy)
    commune = request.GET.get("commune", "")
    if commune.isdigit():
        cases = cases.filter(commune_id=int(commune))
    return cases, {"tab": tab, "policy": policy, "commune": commune, "counts": counts}


@role_required(*DECISION_ROLES)
def case_list(request: HttpRequest) -> HttpResponse:
    """The worklist: cases per status with counts, filters and bulk steps."""
    user = _user(request)
    cases, state = _filtered_cases(request, user)
    cases = cases.select_related("person", "commune").order_by("commune__name", "id")
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    vi = presenters.vietnamese()
    rows = [
        {
            "case": c,
            "title": selectors.policy_title(c.policy_id, vi),
            "amount": format_vnd(c.monthly_amount),
            "masked_id": mask(c.person.personal_id or ""),
            "status_label": CaseStatus(c.status).label,
        }
        for c in page.object_list
    ]
    tabs = [
        {"value": value, "label": label, "count": state["counts"].get(value, 0)}
        for value, label in STATUS_TABS
    ]
    policies = [
        (p.id, p.title_vi if vi else p.title_en)
        for p in selectors.policy_set().policies
        if p.kind in ("cash", "one_off")
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "benefits/case_list.html",
        {
            **state,
            "page": page,
            "rows": rows,
            "tabs": tabs,
            "policies": policies,
            "communes": _commune_choices(user),
            "query": query.urlencode(),
            "bulk_actions": [(a, label) for a, label in CASE_ACTIONS if a in BULK_ACTIONS],
            "end_reasons": EndReason.choices,
            "can_act": user.role == "commune_officer",
        },
    )


def _run_step(case: Case, user: User, data: dict[str, Any], request: HttpRequest) -> None:
    action = data["action"]
    reason = data.get("reason") or ""
    if action == "review":
        services.case_review(case=case, actor=user, note=reason, request=request)
    elif action == "approve":
        services.case_approve(case=case, actor=user, note=reason, request=request)
    elif action == "suspend":
        services.case_suspend(case=case, actor=user, reason=reason, request=request)
    elif action == "resume":
        services.case_resume(case=case, actor=user, reason=reason, request=request)
    elif action == "end":
        services.case_end(
            case=case, actor=user, end_reason=data["end_reason"], note=reason, request=request
        )
    else:
        services.case_review_clear(case=case, actor=user, note=reason, request=request)


@role_required(*DECISION_ROLES)
@require_POST
def case_bulk(request: HttpRequest) -> HttpResponse:
    """A step on the ticked cases: first a confirmation page, then the step itself."""
    user = _user(request)
    form = CaseActionForm(request.POST)
    ids = [int(v) for v in request.POST.getlist("case") if v.isdigit()][:200]
    cases = list(
        permissions.cases_for_user(user).filter(pk__in=ids).select_related("person", "commune")
    )
    if not cases or not form.is_valid() or form.cleaned_data["action"] not in BULK_ACTIONS:
        if not cases:
            messages.error(request, _("Tick at least one case first."))
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return redirect(request.POST.get("back") or reverse("benefits:cases"))
    if request.POST.get("confirm") != "yes":
        vi = presenters.vietnamese()
        return render(
            request,
            "benefits/case_bulk_confirm.html",
            {
                "form": form,
                "cases": cases,
                "titles": {c.pk: selectors.policy_title(c.policy_id, vi) for c in cases},
                "action_label": dict(CASE_ACTIONS)[form.cleaned_data["action"]],
                "back": request.POST.get("back") or reverse("benefits:cases"),
            },
        )
    done, refused = 0, []
    for case in cases:
        try:
            _run_step(case, user, form.cleaned_data, request)
            done += 1
        except services.WorkflowError as exc:
            refused.append(exc)
    if done:
        messages.success(
            request,
            ngettext("%(count)d case done.", "%(count)d cases done.", done) % {"count": done},
        )
    for exc in refused[:5]:
        _workflow_error(request, exc)
    return redirect(request.POST.get("back") or reverse("benefits:cases"))


@role_required(*DECISION_ROLES)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One case: its facts, its timeline and the steps the user may take."""
    user = _user(request)
    case = permissions.get_case_for_user(user, pk)
    audit_record(
        actor=user,
        action="view",
        object_type="benefits.case",
        object_id=case.pk,
        object_label=f"{case.policy_id} {mask(case.person.personal_id or '')}",
        commune_code=case.commune_id,
        request=request,
    )
    steps = [
        {
            "step": step,
            "label": STEP_LABELS.get(step.action, step.action),
            "from": CaseStatus(step.from_status).label if step.from_status else "",
            "to": CaseStatus(step.to_status).label,
        }
        for step in case.transitions.all()
    ]
    officer = permissions.can_work_on_cases(user, case.commune_id)
    chairman = permissions.can_approve(user, case.commune_id)
    claim = FuneralClaim.objects.filter(case=case).first()
    allowed = []
    if case.status == CaseStatus.PROPOSED and officer:
        allowed += ["review", "end"]
    elif case.status == CaseStatus.REVIEWED:
        allowed += ["approve", "end"] if chairman else (["end"] if officer else [])
    elif case.status == CaseStatus.APPROVED and chairman:
        # A one-off claim is paid once: nothing to suspend.
        allowed += ["end"] if claim else ["suspend", "end"]
    elif case.status == CaseStatus.SUSPENDED and chairman:
        allowed += ["resume", "end"]
    if case.needs_review and officer and case.status != CaseStatus.ENDED:
        allowed.append("clear")
    form = CaseActionForm()
    form.fields["action"].choices = [c for c in CASE_ACTIONS if c[0] in allowed]  # type: ignore[attr-defined]
    payments = case.payments.select_related("payment_list").order_by("-month")
    return render(
        request,
        "benefits/case_detail.html",
        {
            "case": case,
            "title": selectors.policy_title(case.policy_id, presenters.vietnamese()),
            "amount": format_vnd(case.monthly_amount),
            "masked_id": mask(case.person.personal_id or ""),
            "status_label": CaseStatus(case.status).label,
            "claim": claim,
            "documents": [FuneralDocument(d).label for d in claim.documents] if claim else [],
            "arranger_phone": phone_display(claim.arranger_phone) if claim else "",
            "steps": steps,
            "payments": [
                {"line": p, "amount": format_vnd(p.amount), "paid": p.payment_list.status == "paid"}
                for p in payments
            ],
            "form": form if allowed else None,
        },
    )


@role_required(*DECISION_ROLES)
@require_POST
def case_step(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = permissions.get_case_for_user(user, pk)
    form = CaseActionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("benefits:case", pk=pk)
    try:
        _run_step(case, user, form.cleaned_data, request)
        messages.success(request, _("Done. The step is in the case's history."))
    except services.WorkflowError as exc:
        _workflow_error(request, exc)
    return redirect("benefits:case", pk=pk)


@role_required(*DECISION_ROLES)
@require_POST
def decision_propose(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a case from one eligible decision (the person's decisions page)."""
    user = _user(request)
    decision = permissions.get_decision_for_user(user, pk)
    try:
        case = services.case_propose(decision=decision, actor=user, request=request)
    except services.WorkflowError as exc:
        _workflow_error(request, exc)
        return redirect("benefits:person_decisions", pk=decision.person_id)
    messages.success(request, _("Proposed. Another officer now reviews the case."))
    return redirect("benefits:case", pk=case.pk)


@role_required(*DECISION_ROLES)
def propose_all(request: HttpRequest) -> HttpResponse:
    """Propose every newly eligible person of a commune, after a confirmation page."""
    user = _user(request)
    choices = _commune_choices(user)
    form = CommuneForm(request.POST or request.GET or None, communes=choices)
    if not form.is_valid():
        return render(request, "benefits/propose_all.html", {"form": form, "pending": None})
    code = form.cleaned_data["commune"]
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            cases = services.cases_propose_eligible(commune_code=code, actor=user, request=request)
        except services.WorkflowError as exc:
            _workflow_error(request, exc)
            return redirect("benefits:cases")
        messages.success(
            request,
            ngettext("%(count)d case proposed.", "%(count)d cases proposed.", len(cases))
            % {"count": len(cases)},
        )
        return redirect(f"{reverse('benefits:cases')}?status=proposed&commune={code}")
    pending = selectors.proposable_decisions([code])
    vi = presenters.vietnamese()
    by_policy: dict[str, int] = {}
    for policy_id in pending.values_list("policy_id", flat=True):
        by_policy[policy_id] = by_policy.get(policy_id, 0) + 1
    return render(
        request,
        "benefits/propose_all.html",
        {
            "form": form,
            "commune": dict(choices).get(code),
            "pending": sum(by_policy.values()),
            "by_policy": [
                (selectors.policy_title(pid, vi), n) for pid, n in sorted(by_policy.items())
            ],
            "can_act": permissions.can_work_on_cases(user, code),
        },
    )


# --- payment lists ---------------------------------------------------------------------------


@role_required(*DECISION_ROLES)
def payment_lists(request: HttpRequest) -> HttpResponse:
    """The payment lists of the user's communes, and a form to make this month's."""
    user = _user(request)
    choices = _commune_choices(user)
    form = PaymentListForm(request.POST or None, communes=choices)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.payment_list_create(
                commune_code=form.cleaned_data["commune"],
                month=form.month_date(),
                kind=form.cleaned_data["kind"] or PaymentListKind.MONTHLY,
                actor=user,
                request=request,
            )
        except services.WorkflowError as exc:
            _workflow_error(request, exc)
            return redirect("benefits:payment_lists")
        return redirect("benefits:payment_list", pk=created.pk)
    lists = (
        permissions.payment_lists_for_user(user)
        .select_related("commune")
        .order_by("-month", "commune__name", "-sequence")
    )
    page = Paginator(lists, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "benefits/payment_lists.html",
        {
            "form": form,
            "page": page,
            "rows": [
                {"list": p, "total": format_vnd(p.total), "status_label": p.get_status_display()}
                for p in page.object_list
            ],
            "can_act": user.role == "commune_officer",
        },
    )


@role_required(*DECISION_ROLES)
def payment_list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    payment_list = permissions.get_payment_list_for_user(user, pk)
    sheet = selectors.payment_sheet(payment_list)
    waiting = (
        permissions.cases_for_user(user)
        .filter(commune_id=payment_list.commune_id, status=CaseStatus.APPROVED, needs_review=True)
        .count()
    )
    return render(
        request,
        "benefits/payment_list_detail.html",
        {
            "payment_list": payment_list,
            "sheet": sheet,
            "rows": [
                {
                    "row": r,
                    "masked_id": mask(r.personal_id),
                    "amount": format_vnd(r.amount),
                    "payee": payee_text(
                        replace(r, payee_personal_id=mask(r.payee_personal_id))
                        if r.payee_personal_id
                        else r
                    ),
                }
                for r in sheet.rows
            ],
            "totals": [(t, n, format_vnd(a)) for t, n, a in sheet.totals],
            "total": format_vnd(sheet.total),
            "waiting": waiting,
            "can_pay": payment_list.status == "draft"
            and permissions.can_work_on_cases(user, payment_list.commune_id),
        },
    )


@role_required(*DECISION_ROLES)
@require_POST
def payment_list_paid(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    payment_list = permissions.get_payment_list_for_user(user, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that the list was paid."))
        return redirect("benefits:payment_list", pk=pk)
    try:
        services.payment_list_mark_paid(payment_list=payment_list, actor=user, request=request)
        messages.success(request, _("The list is recorded as paid."))
    except services.WorkflowError as exc:
        _workflow_error(request, exc)
    return redirect("benefits:payment_list", pk=pk)


@role_required(*DECISION_ROLES)
def payment_list_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The list with full ID numbers, as CSV, XLSX or PDF; written to the audit log."""
    user = _user(request)
    payment_list = permissions.get_payment_list_for_user(user, pk)
    if fmt not in FORMATS:
        raise Http404
    content, filename, content_type = services.payment_list_export(
        payment_list=payment_list, fmt=fmt, actor=user, request=request
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response

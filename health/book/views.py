"""Pages of the health book: a health worker's books and visits, one person's book with its
entries, carers, and the citizen's "my health" (their own book, and the books of the people who
named them as carer)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Role, User
from accounts.permissions import role_required
from health.book import forms, selectors, services
from health.book.access import (
    get_carer_for_user,
    get_entry_for_health,
    get_goal_for_health,
    get_person_for_health,
    people_who_named,
)
from health.models import CarePlan, Condition, HomeVisit, Medication
from health.permissions import ConsentMissing
from langso.posting import apply_posted, save_posted
from lib import personal_id as pid_lib
from people.models import Person

PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _back(pk: int, anchor: str) -> HttpResponse:
    """Back to a part of the person's book."""
    return redirect(reverse("health:book", args=[pk]) + f"#{anchor}")


def consent_gate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Without the person's consent, show why and how to record it instead of the book."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ConsentMissing as exc:
            user = _user(request)
            person = getattr(exc, "person", None)
            context = {"person": person, "is_worker": user.role == Role.HEALTH_WORKER}
            template = (
                "health/book/consent_gate.html"
                if user.role != Role.CITIZEN
                else "health/book/my_consent_gate.html"
            )
            return render(request, template, context, status=403)

    return wrapped


# A worker's books and visits ----------------------------------------------------------------------


@role_required(Role.HEALTH_WORKER)
def book_index(request: HttpRequest) -> HttpResponse:
    """The worker's patients with their next home visit; search by name."""
    user = _user(request)
    form = forms.SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(selectors.books_for_worker(user, query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    people = list(page.object_list)
    next_visits = selectors.next_visits(people)
    today = timezone.localdate()
    for person in people:
        person.next_visit = next_visits.get(person.pk)  # type: ignore[attr-defined]
        person.age = person.age_on(today)  # type: ignore[attr-defined]
    return render(
        request,
        "health/book/index.html",
        {"form": form, "page": page, "people": people, "query": query, "today": today},
    )


@role_required(Role.HEALTH_WORKER)
def visits_due(request: HttpRequest) -> HttpResponse:
    """Home visits overdue or due in the coming week, the most overdue first."""
    user = _user(request)
    today = timezone.localdate()
    visits = list(selectors.visits_due_for_worker(user, today)[:200])
    for visit in visits:
        visit.days_late = (today - visit.due_on).days  # type: ignore[attr-defined]
    return render(request, "health/book/visits_due.html", {"visits": visits, "today": today})


# One person's book (health workers) -----------------------------------------------------------------


@login_required
@consent_gate
def book(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    person, relation = get_person_for_health(user, pk)
    if relation != "worker":
        # The person and their carers read the book on the plain citizen pages.
        target = "health:my_health" if relation == "self" else "health:cared_book"
        return redirect(target) if relation == "self" else redirect(target, pk=pk)
    services.book_view_record(person=person, actor=user, request=request)
    today = timezone.localdate()
    context = {
        "book": selectors.book_of(person, today),
        "person": person,
        "age": person.age_on(today),
        "personal_id": pid_lib.mask(person.personal_id or ""),
        "today": today,
        "status_form": forms.ConditionStatusForm(),
        "goal_form": forms.GoalForm(),
    }
    return render(request, "health/book/book.html", context)


def _entry_page(
    request: HttpRequest,
    pk: int,
    form_class: type[Any],
    add: Callable[..., Any],
    title: str,
    done: str,
    anchor: str,
) -> HttpResponse:
    """Add one entry to a person's book: form, service, back to the book. `add` is the service,
    given the person, the actor, the request and the form's data."""
    user = _user(request)
    person, _relation = get_person_for_health(user, pk, write=True)
    form = form_class(request.POST or None)
    if save_posted(
        request, form, lambda data: add(person=person, actor=user, request=request, **data)
    ):
        messages.success(request, done)
        return _back(pk, anchor)
    return render(
        request, "health/book/entry_form.html", {"person": person, "form": form, "title": title}
    )


def _condition_add(*, code: str, common: str, icd10: str, **data: Any) -> Any:
    # The form offers the common conditions or another code; either way it gives the code.
    del common, icd10
    return services.condition_add(icd10_code=code, **data)


@login_required
@consent_gate
@require_http_methods(["GET", "POST"])
def condition_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _entry_page(
        request,
        pk,
        forms.ConditionForm,
        _condition_add,
        _("Add a condition"),
        _("The condition was added."),
        "conditions",
    )


@login_required
@consent_gate
@require_http_methods(["GET", "POST"])
def medication_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _entry_page(
        request,
        pk,
        forms.MedicationForm,
        services.medication_add,
        _("Add a medicine"),
        _("The medicine was added."),
        "medications",
    )


@login_required
@consent_gate
@require_http_methods(["GET", "POST"])
def allergy_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _entry_page(
        request,
        pk,
        forms.AllergyForm,
        services.allergy_add,
        _("Add an allergy"),
        _("The allergy was added."),
        "allergies",
    )


@login_required
@consent_gate
@require_http_methods(["GET", "POST"])
def vaccination_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _entry_page(
        request,
        pk,
        forms.VaccinationForm,
        services.vaccination_add,
        _("Add a vaccination"),
        _("The vaccination was added."),
        "vaccinations",
    )


@login_required
@consent_gate
@require_http_methods(["GET", "POST"])
def plan_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _entry_page(
        request,
        pk,
        forms.CarePlanForm,
        services.care_plan_create,
        _("Start a care plan"),
        _("The care plan was started; its home visits are scheduled."),
        "plans",
    )


@login_required
@consent_gate
@require_http_methods(["GET", "POST"])
def visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _entry_page(
        request,
        pk,
        forms.VisitAddForm,
        services.home_visit_add,
        _("Schedule a home visit"),
        _("The home visit was scheduled."),
        "visits",
    )


@login_required
@consent_gate
@require_POST
def condition_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    condition = get_entry_for_health(user, Condition, pk, write=True)
    apply_posted(
        request,
        forms.ConditionStatusForm(request.POST),
        lambda d: services.condition_status_set(
            condition=condition, actor=user, request=request, **d
        ),
        _("The condition's status was changed."),
    )
    return _back(condition.person_id, "conditions")


@login_required
@consent_gate
@require_POST
def medication_stop(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    medication = get_entry_for_health(user, Medication, pk, write=True)
    apply_posted(
        request,
        forms.StopForm(request.POST),
        lambda d: services.medication_stop(medication=medication, actor=user, request=request, **d),
        _("The medicine was marked as stopped."),
    )
    return _back(medication.person_id, "medications")


@login_required
@consent_gate
@require_POST
def plan_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    plan = get_entry_for_health(user, CarePlan, pk, write=True)
    apply_posted(
        request,
        forms.PlanStatusForm(request.POST),
        lambda d: services.care_plan_status_set(plan=plan, actor=user, request=request, **d),
        _("The care plan's status was changed."),
    )
    return _back(plan.person_id, "plans")


@login_required
@consent_gate
@require_POST
def goal_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    plan = get_entry_for_health(user, CarePlan, pk, write=True)
    apply_posted(
        request,
        forms.GoalForm(request.POST),
        lambda d: services.care_goal_add(plan=plan, actor=user, request=request, **d),
        _("The goal was added."),
    )
    return _back(plan.person_id, "plans")


@login_required
@consent_gate
@require_POST
def goal_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    goal = get_goal_for_health(user, pk)
    apply_posted(
        request,
        forms.GoalStatusForm(request.POST),
        lambda d: services.care_goal_status_set(goal=goal, actor=user, request=request, **d),
        _("The goal's outcome was recorded."),
    )
    return _back(goal.plan.person_id, "plans")


@login_required
@consent_gate
@require_http_methods(["GET", "POST"])
def visit_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a home visit: done (findings, advice), missed or cancelled."""
    user = _user(request)
    visit = get_entry_for_health(user, HomeVisit, pk, write=True)
    person, _relation = get_person_for_health(user, visit.person_id, write=True)
    form = forms.VisitRecordForm(
        request.POST or None,
        initial={
            "status": visit.status if visit.status != "scheduled" else "done",
            "findings": visit.findings,
            "advice": visit.advice,
        },  # fmt: skip
    )
    record = partial(services.home_visit_record, visit=visit, actor=user, request=request)
    if save_posted(request, form, lambda data: record(**data)):
        messages.success(request, _("The home visit was recorded."))
        return _back(person.pk, "visits")
    services.book_view_record(person=person, actor=user, request=request, part="visit")
    return render(
        request,
        "health/book/visit_form.html",
        {"person": person, "visit": visit, "form": form, "today": timezone.localdate()},
    )


# Carers -------------------------------------------------------------------------------------------


def _carers_page(request: HttpRequest, person: Person, relation: str) -> HttpResponse:
    user = _user(request)
    by_worker = relation == "worker"
    form = forms.CarerForm(request.POST or None, by_worker=by_worker)
    back = "health:carers" if by_worker else "health:my_carers"

    def name(data: dict[str, Any]) -> Any:
        return services.carer_name(
            person=person,
            carer=services.carer_account_by_phone(data["phone"]),
            relation=data["relation"],
            person_present=data.get("person_present", False),
            actor=user,
            request=request,
        )

    if save_posted(request, form, name):
        messages.success(request, _("The carer can now see the health book."))
        return redirect(back, pk=person.pk) if by_worker else redirect(back)
    services.book_view_record(person=person, actor=user, request=request, part="carers")
    carers = selectors.book_of(person, timezone.localdate()).carers
    template = "health/book/carers.html" if by_worker else "health/book/my_carers.html"
    return render(request, template, {"person": person, "carers": carers, "form": form})


@login_required
@consent_gate
@require_http_methods(["GET", "POST"])
def carers(request: HttpRequest, pk: int) -> HttpResponse:
    """A health worker names a carer for the person, who is present."""
    user = _user(request)
    person, relation = get_person_for_health(user, pk, write=True)
    return _carers_page(request, person, relation)


@login_required
@consent_gate
@require_POST
def carer_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    carer = get_carer_for_user(user, pk)
    services.carer_revoke(carer=carer, actor=user, request=request)
    messages.success(request, _("The carer can no longer see the health book."))
    if user.role == Role.HEALTH_WORKER:
        return redirect("health:carers", pk=carer.person_id)
    return redirect("health:my_carers")


# My health (citizens) -------------------------------------------------------------------------------


def _own_person(user: User) -> Person | None:
    return Person.objects.filter(user=user, merged_into__isnull=True).first()


@role_required(Role.CITIZEN)
def my_health(request: HttpRequest) -> HttpResponse:
    """The citizen's own book, big and plain, and the people who named them as carer."""
    user = _user(request)
    own = _own_person(user)
    context: dict[str, Any] = {"cared_for": people_who_named(user), "book": None, "own": own}
    if own is not None:
        try:
            person, _relation = get_person_for_health(user, own.pk)
        except ConsentMissing:
            context["consent_missing"] = True
        else:
            services.book_view_record(person=person, actor=user, request=request)
            context["book"] = selectors.book_of(person, timezone.localdate())
            context["person"] = person
    return render(request, "health/book/my_health.html", context)


@role_required(Role.CITIZEN)
@consent_gate
def cared_book(request: HttpRequest, pk: int) -> HttpResponse:
    """The book of someone who named the user as carer."""
    user = _user(request)
    person, relation = get_person_for_health(user, pk)
    if relation == "self":
        return redirect("health:my_health")
    services.book_view_record(person=person, actor=user, request=request)
    return render(
        request,
        "health/book/cared_book.html",
        {"book": selectors.book_of(person, timezone.localdate()), "person": person},
    )


@role_required(Role.CITIZEN)
@consent_gate
@require_http_methods(["GET", "POST"])
def my_carers(request: HttpRequest) -> HttpResponse:
    """The citizen names the carers who may see their book, and revokes them."""
    user = _user(request)
    own = _own_person(user)
    if own is None:
        return redirect("health:my_health")
    person, relation = get_person_for_health(user, own.pk)
    return _carers_page(request, person, relation)

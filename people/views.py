"""Registry screens: search, a person's page, edits, social facts, consent, duplicates, export.

Every view is permissions -> form -> service -> redirect (or render). Opening a person's page
and revealing a full ID number are written to the audit log.
"""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Role, User
from accounts.permissions import communes_for_user, require_roles, role_required
from lib import personal_id as pid_lib
from lib import phone as phone_lib
from people import forms, selectors, services
from people.models import AccountLinkRequest, Disability, PersonMerge, SocialFact
from people.permissions import (
    EXPORT_ROLES,
    READ_ROLES,
    WRITE_ROLES,
    can_see_sensitive,
    can_write,
    get_consent_for_user,
    get_household_for_user,
    get_link_request_for_user,
    get_merge_for_user,
    get_own_person,
    get_person_for_user,
    link_requests_for_user,
    people_for_user,
)

REVEAL_SESSION_KEY = "people_revealed"
REVEAL_SECONDS = 300


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


# Search --------------------------------------------------------------------------------------


@role_required(*READ_ROLES)
def search(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    communes = communes_for_user(user).order_by("name")
    form = forms.SearchForm(request.GET or None, communes=communes)
    page = None
    if form.is_valid() and (form.cleaned_data["q"] or form.cleaned_data["commune"]):
        people = selectors.search_people(user, form.cleaned_data["q"], form.cleaned_data["commune"])
        page = Paginator(people, forms.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/search.html", {"form": form, "page": page})


# A person -------------------------------------------------------------------------------------


def _revealed(request: HttpRequest, pk: int) -> bool:
    until = request.session.get(REVEAL_SESSION_KEY, {}).get(str(pk), 0)
    return bool(until) and until > time.time()


def _person_context(request: HttpRequest, person: Any, user: User) -> dict[str, Any]:
    today = timezone.localdate()
    sensitive = can_see_sensitive(user)
    facts = selectors.open_facts(person)
    if not sensitive:
        facts.pop(SocialFact.Kind.HIV, None)
    history = selectors.history_of(person=person, limit=20)
    return {
        "person": person,
        "age": person.age_on(today),
        "today": today,
        "disabilities": selectors.open_disabilities(person),
        "facts": [facts[k] for k in SocialFact.Kind.values if k in facts],
        "poverty": selectors.household_poverty(person.household),
        "members": selectors.household_members(person.household),
        "consents": selectors.consents_of(person),
        "history": [
            (e, selectors.describe_changes(e.changes, sensitive=sensitive)) for e in history
        ],
        "can_write": can_write(user),
        "sensitive": sensitive,
    }


@role_required(*READ_ROLES)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    person = get_person_for_user(user, pk)
    services.person_view_record(person=person, actor=user, request=request)
    context = _person_context(request, person, user)
    revealed = _revealed(request, pk) and bool(person.personal_id)
    context["personal_id"] = (
        person.personal_id if revealed else pid_lib.mask(person.personal_id or "")
    )
    context["revealed"] = revealed
    context["reveal_form"] = forms.ReasonForm()
    context["consent_form"] = forms.ConsentForm()
    return render(request, "people/person_detail.html", context)


@role_required(*READ_ROLES)
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the full ID number for a few minutes to someone who said why."""
    user = _user(request)
    person = get_person_for_user(user, pk)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Say why you need the full ID number; it is written to the audit log.")
        )
        return redirect("people:person", pk=pk)
    services.personal_id_reveal(
        person=person, actor=user, reason=form.cleaned_data["reason"], request=request
    )
    revealed = dict(request.session.get(REVEAL_SESSION_KEY, {}))
    now = time.time()
    revealed = {k: v for k, v in revealed.items() if v > now}
    revealed[str(pk)] = now + REVEAL_SECONDS
    request.session[REVEAL_SESSION_KEY] = revealed
    return redirect("people:person", pk=pk)


@role_required(*READ_ROLES)
def person_history(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    person = get_person_for_user(user, pk)
    services.person_view_record(person=person, actor=user, request=request)
    sensitive = can_see_sensitive(user)
    page = Paginator(selectors.history_of(person=person), 50).get_page(request.GET.get("page"))
    rows = [(e, selectors.describe_changes(e.changes, sensitive=sensitive)) for e in page]
    return render(request, "people/history.html", {"person": person, "page": page, "rows": rows})


@role_required(*WRITE_ROLES)
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    person = get_person_for_user(user, pk, write=True)
    communes = communes_for_user(user).order_by("name")
    if request.method == "POST":
        form = forms.PersonForm(request.POST, communes=communes)
        if form.is_valid():
            try:
                entry = services.person_update(
                    person=person,
                    actor=user,
                    reason=form.cleaned_data["reason"],
                    values=form.values(),
                    request=request,
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                if entry is None:
                    messages.info(request, _("Nothing was changed."))
                else:
                    messages.success(request, _("The changes were saved."))
                return redirect("people:person", pk=pk)
    else:
        form = forms.PersonForm(initial=forms.PersonForm.initial_for(person), communes=communes)
    return render(request, "people/person_form.html", {"person": person, "form": form})


@role_required(*WRITE_ROLES)
@require_http_methods(["GET", "POST"])
def person_facts(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    person = get_person_for_user(user, pk, write=True)
    sensitive = can_see_sensitive(user)
    facts = selectors.open_facts(person)
    if request.method == "POST":
        form = forms.FactsForm(request.POST, sensitive=sensitive)
        if form.is_valid():
            try:
                entry = services.social_facts_update(
                    person=person,
                    actor=user,
                    reason=form.cleaned_data["reason"],
                    values=form.values(),
                    request=request,
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                if entry is None:
                    messages.info(request, _("Nothing was changed."))
                else:
                    messages.success(request, _("The social facts were saved."))
                return redirect("people:person", pk=pk)
    else:
        form = forms.FactsForm(initial=forms.FactsForm.initial_for(facts), sensitive=sensitive)
    return render(
        request,
        "people/person_facts.html",
        {
            "person": person,
            "form": form,
            "disability_form": forms.DisabilityForm(),
            "disabilities": selectors.open_disabilities(person),
        },
    )


@role_required(*WRITE_ROLES)
@require_http_methods(["GET", "POST"])
def disability_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    person = get_person_for_user(user, pk, write=True)
    form = forms.DisabilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.disability_record(
                person=person,
                disability_type=form.cleaned_data["disability_type"],
                level=form.cleaned_data["level"],
                certified_on=form.cleaned_data["certified_on"],
                actor=user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The disability was recorded."))
            return redirect("people:person", pk=pk)
    return render(request, "people/disability_form.html", {"person": person, "form": form})


@role_required(*WRITE_ROLES)
@require_http_methods(["GET", "POST"])
def disability_end(request: HttpRequest, pk: int, disability_pk: int) -> HttpResponse:
    user = _user(request)
    person = get_person_for_user(user, pk, write=True)
    disability = Disability.objects.filter(pk=disability_pk, person=person).first()
    if disability is None:
        raise Http404
    form = forms.ReasonForm(request.POST or None)
    form.fields["reason"].label = _("Why does this disability record end?")
    if request.method == "POST" and form.is_valid():
        services.disability_end(
            disability=disability, actor=user, reason=form.cleaned_data["reason"], request=request
        )
        messages.success(request, _("The disability record was ended; it stays in the history."))
        return redirect("people:person", pk=pk)
    return render(
        request,
        "people/disability_end.html",
        {"person": person, "disability": disability, "form": form},
    )


# A new person ---------------------------------------------------------------------------------


@role_required(*WRITE_ROLES)
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    """Add someone who is in no extract yet; look-alikes must be confirmed as other people."""
    user = _user(request)
    communes = communes_for_user(user).order_by("name")
    candidates: list[Any] = []
    if request.method == "POST":
        form = forms.PersonCreateForm(request.POST, communes=communes)
        if form.is_valid():
            try:
                person = services.person_create(
                    actor=user, request=request, **form.service_arguments()
                )
            except services.PossibleDuplicate as duplicate:
                candidates = duplicate.candidates
                for candidate in candidates:
                    candidate.masked_id = pid_lib.mask(candidate.personal_id or "")
                form.add_error("confirm_different", duplicate.messages)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The person was added to the registry."))
                return redirect("people:person", pk=person.pk)
    else:
        form = forms.PersonCreateForm(communes=communes)
    return render(request, "people/person_create.html", {"form": form, "candidates": candidates})


# Accounts ---------------------------------------------------------------------------------------


@role_required(*WRITE_ROLES)
@require_http_methods(["GET", "POST"])
def account_link(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer links a citizen's account, found by its phone number, to this person."""
    user = _user(request)
    person = get_person_for_user(user, pk, write=True)
    form = forms.AccountLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = User.objects.filter(phone=form.cleaned_data["phone"]).first()
        if account is None or account.role != Role.CITIZEN:
            form.add_error(
                "phone",
                _(
                    "No citizen's account uses this phone number. The citizen first creates "
                    "an account with it, or check the number."
                ),
            )
        else:
            try:
                services.person_link_user(
                    person=person,
                    user=account,
                    by=user,
                    method=services.AccountLinkMethod.OFFICER,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The account was linked to this person."))
                return redirect("people:person", pk=pk)
    return render(request, "people/account_link.html", {"person": person, "form": form})


@role_required(*WRITE_ROLES)
@require_http_methods(["GET", "POST"])
def account_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    person = get_person_for_user(user, pk, write=True)
    if person.user_id is None:
        return redirect("people:person", pk=pk)
    form = forms.ReasonForm(request.POST or None)
    form.fields["reason"].label = _("Why is the account unlinked?")
    if request.method == "POST" and form.is_valid():
        services.person_unlink_user(
            person=person, by=user, reason=form.cleaned_data["reason"], request=request
        )
        messages.success(request, _("The account was unlinked; the person's record stays."))
        return redirect("people:person", pk=pk)
    return render(request, "people/account_unlink.html", {"person": person, "form": form})


@role_required(*WRITE_ROLES)
def link_requests(request: HttpRequest) -> HttpResponse:
    """Citizens' "this is me" requests waiting for an officer of the person's commune."""
    user = _user(request)
    rows = link_requests_for_user(user).select_related("person", "person__commune", "user")
    page = Paginator(rows.order_by("created_at", "id"), 50).get_page(request.GET.get("page"))
    for row in page:
        row.masked_id = pid_lib.mask(row.person.personal_id or "")
    return render(
        request, "people/link_requests.html", {"page": page, "form": forms.LinkDecisionForm()}
    )


@role_required(*WRITE_ROLES)
@require_POST
def link_request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    link_request = get_link_request_for_user(user, pk)
    form = forms.LinkDecisionForm(request.POST)
    confirm = request.POST.get("decision") == "confirm"
    if form.is_valid():
        try:
            services.link_request_decide(
                link_request=link_request,
                by=user,
                confirm=confirm,
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if confirm:
                messages.success(request, _("The account was linked to the person."))
            else:
                messages.success(request, _("The request was rejected."))
    return redirect("people:link_requests")


# Households ------------------------------------------------------------------------------------


@role_required(*READ_ROLES)
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    household = get_household_for_user(user, pk)
    services.household_view_record(household=household, actor=user, request=request)
    sensitive = can_see_sensitive(user)
    history = selectors.history_of(household=household, limit=20)
    return render(
        request,
        "people/household_detail.html",
        {
            "household": household,
            "members": selectors.household_members(household),
            "poverty": list(household.poverty.order_by("-review_year")),
            "history": [
                (e, selectors.describe_changes(e.changes, sensitive=sensitive)) for e in history
            ],
            "can_write": can_write(user),
            "today": timezone.localdate(),
        },
    )


@role_required(*WRITE_ROLES)
@require_http_methods(["GET", "POST"])
def household_poverty(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    household = get_household_for_user(user, pk, write=True)
    form = forms.PovertyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.poverty_record(
                household=household,
                status=form.cleaned_data["status"],
                period=form.cleaned_data["period"],
                review_year=form.cleaned_data["review_year"],
                actor=user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The poverty classification was recorded."))
            return redirect("people:household", pk=pk)
    return render(request, "people/poverty_form.html", {"household": household, "form": form})


# Consent -----------------------------------------------------------------------------------------


@role_required(*READ_ROLES)
@require_POST
def consent_record(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    person = get_person_for_user(user, pk)
    form = forms.ConsentForm(request.POST)
    if form.is_valid():
        services.consent_record(
            person=person,
            purpose=form.cleaned_data["purpose"],
            method=form.cleaned_data["method"],
            note=form.cleaned_data["note"],
            actor=user,
            request=request,
        )
        messages.success(request, _("The consent was recorded."))
    else:
        messages.error(request, _("Choose the purpose and how the person gave consent."))
    return redirect("people:person", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff of the person's commune, or the person themself, withdraw a consent."""
    user = _user(request)
    if user.role != Role.CITIZEN:
        require_roles(user, READ_ROLES)
    consent = get_consent_for_user(user, pk)
    back = "people:my_record" if user.role == Role.CITIZEN else "people:person"
    back_args = {} if user.role == Role.CITIZEN else {"pk": consent.person_id}
    if not consent.is_active:
        return redirect(back, **back_args)
    initial = {"method": "online"} if user.role == Role.CITIZEN else {}
    form = forms.WithdrawForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.consent_withdraw(
            consent=consent,
            actor=user,
            method=form.cleaned_data["method"],
            reason=form.cleaned_data["reason"],
            request=request,
        )
        messages.success(request, _("The consent was withdrawn."))
        return redirect(back, **back_args)
    return render(
        request,
        "people/consent_withdraw.html",
        {
            "consent": consent,
            "form": form,
            "back": back,
            "back_args": back_args,
            "base_template": "base.html" if user.role == Role.CITIZEN else "staff_base.html",
        },
    )


# Duplicates and merges -------------------------------------------------------------------------


@role_required(*WRITE_ROLES)
def duplicates(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    groups = selectors.duplicate_candidates(user)
    for group in groups:
        for person in group.people:
            person.masked_id = pid_lib.mask(person.personal_id or "")  # type: ignore[attr-defined]
    recent = (
        PersonMerge.objects.filter(kept__in=people_for_user(user))
        .select_related("kept", "merged", "performed_by")
        .order_by("-performed_at")[:20]
    )
    return render(request, "people/duplicates.html", {"groups": groups, "recent": recent})


@role_required(*WRITE_ROLES)
@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, kept_pk: int, merged_pk: int) -> HttpResponse:
    user = _user(request)
    kept = get_person_for_user(user, kept_pk, write=True)
    merged = get_person_for_user(user, merged_pk, write=True)
    form = forms.ReasonForm(request.POST or None)
    form.fields["reason"].label = _("Why are these the same person?")
    if request.method == "POST" and form.is_valid():
        try:
            services.person_merge(
                kept=kept,
                merged=merged,
                actor=user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("The records were merged. You can undo it from the duplicates page.")
            )
            return redirect("people:person", pk=kept.pk)
    rows = [
        (label, value(kept), value(merged))
        for label, value in (
            (_("Full name"), lambda p: p.full_name),
            (_("Personal ID number"), lambda p: pid_lib.mask(p.personal_id or "") or "—"),
            (_("Old ID card number"), lambda p: pid_lib.mask(p.legacy_id) or "—"),
            (
                _("Date of birth"),
                lambda p: p.date_of_birth.strftime("%d/%m/%Y") if p.date_of_birth else "—",
            ),
            (_("Commune"), lambda p: p.commune.name),
            (_("Village"), lambda p: p.village.name if p.village else "—"),
            (_("Household"), lambda p: p.household.code if p.household else "—"),
            (_("Phone number"), lambda p: phone_lib.display(p.phone) if p.phone else "—"),
        )
    ]
    return render(
        request,
        "people/merge.html",
        {"kept": kept, "merged": merged, "rows": rows, "form": form},
    )


@role_required(*WRITE_ROLES)
@require_http_methods(["GET", "POST"])
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    merge_row = get_merge_for_user(user, pk)
    form = forms.ReasonForm(request.POST or None)
    form.fields["reason"].label = _("Why undo this merge?")
    if request.method == "POST" and form.is_valid():
        try:
            services.person_merge_undo(
                merge=merge_row, actor=user, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The merge was undone; both records are back."))
            return redirect("people:person", pk=merge_row.merged_id)
    return render(request, "people/merge_undo.html", {"merge": merge_row, "form": form})


@role_required(*WRITE_ROLES)
@require_POST
def duplicate_dismiss(request: HttpRequest, first_pk: int, second_pk: int) -> HttpResponse:
    user = _user(request)
    first = get_person_for_user(user, first_pk, write=True)
    second = get_person_for_user(user, second_pk, write=True)
    form = forms.ReasonForm(request.POST)
    if form.is_valid():
        services.duplicate_dismiss(
            first=first, second=second, actor=user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("The two records will no longer be proposed as duplicates."))
    else:
        messages.error(request, _("Say why these are two different people."))
    return redirect("people:duplicates")


# Export of verified facts --------------------------------------------------------------------------


@role_required(*EXPORT_ROLES)
def export_verified(request: HttpRequest) -> HttpResponse:
    """Province administrators download what the province verified, for the national database."""
    user = _user(request)
    communes = communes_for_user(user).order_by("name")
    form = forms.ExportForm(request.GET or None, communes=communes)
    if not request.GET or not form.is_valid():
        return render(request, "people/export.html", {"form": form})
    fmt = form.cleaned_data["format"]
    commune = form.cleaned_data["commune"]
    scope = {commune} if commune else None
    services.verified_export_record(actor=user, fmt=fmt, communes=scope, via="web", request=request)
    rows = selectors.verified_extract(communes=scope, day=timezone.localdate())
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "jsonl":
        body = (json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        response = StreamingHttpResponse(body, content_type="application/x-ndjson; charset=utf-8")
        name = f"verified-{stamp}.jsonl"
    else:
        response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
        name = f"verified-{stamp}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _csv_lines(rows: Any) -> Any:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=selectors.EXPORT_COLUMNS, lineterminator="\r\n")
    # The byte-order mark makes Excel read the file as UTF-8.
    buffer.write("\ufeff")
    writer.writeheader()
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        yield buffer.getvalue()


# Citizens ---------------------------------------------------------------------------------------


@role_required(Role.CITIZEN)
def my_record(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    person = get_own_person(user)
    context: dict[str, Any] = {"person": person, "consent_form": forms.CitizenConsentForm()}
    if person is not None:
        context.update(
            {
                "age": person.age_on(timezone.localdate()),
                "disabilities": selectors.open_disabilities(person),
                "facts": list(selectors.open_facts(person).values()),
                "poverty": selectors.household_poverty(person.household),
                "consents": selectors.consents_of(person),
                "personal_id": pid_lib.mask(person.personal_id or ""),
            }
        )
    return render(request, "people/my_record.html", context)


@role_required(Role.CITIZEN)
@require_http_methods(["GET", "POST"])
def my_link(request: HttpRequest) -> HttpResponse:
    """ "This is me": a citizen links their account to their record in the registry."""
    user = _user(request)
    if get_own_person(user) is not None:
        return redirect("people:my_record")
    form = forms.ThisIsMeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            attempt = services.link_request_submit(
                user=user,
                personal_id=form.cleaned_data["personal_id"],
                date_of_birth=form.cleaned_data["date_of_birth"],
                request=request,
            )
        except services.LinkThrottled:
            messages.error(
                request,
                _(
                    "Too many attempts. Try again tomorrow, or bring your identity card to the "
                    "commune office or a digital corner."
                ),
            )
            return redirect("people:my_link")
        status = attempt.status
        if status == AccountLinkRequest.Status.LINKED:
            messages.success(request, _("Your account is now linked to your record."))
            return redirect("people:my_record")
        if status == AccountLinkRequest.Status.PENDING:
            messages.info(
                request,
                _(
                    "We found your record. An officer of your commune will check and confirm "
                    "it; you will see your record here once they have."
                ),
            )
        elif status == AccountLinkRequest.Status.REFUSED:
            messages.error(
                request,
                _(
                    "This record is already linked to another account. Ask the officer of your "
                    "commune for help."
                ),
            )
        else:
            messages.error(
                request,
                _(
                    "No record matches this ID number and date of birth. Check both, or ask "
                    "the officer of your commune or a digital corner."
                ),
            )
        return redirect("people:my_link")
    pending = AccountLinkRequest.objects.filter(
        user=user, status=AccountLinkRequest.Status.PENDING
    ).exists()
    last_rejected = (
        AccountLinkRequest.objects.filter(user=user, status=AccountLinkRequest.Status.REJECTED)
        .exclude(note="replaced")
        .order_by("-decided_at")
        .first()
    )
    return render(
        request,
        "people/my_link.html",
        {"form": form, "pending": pending, "rejected": last_rejected},
    )


@role_required(Role.CITIZEN)
@require_POST
def my_consent_record(request: HttpRequest) -> HttpResponse:
    """A citizen gives consent online for one purpose."""
    user = _user(request)
    person = get_own_person(user)
    if person is None:
        raise Http404
    form = forms.CitizenConsentForm(request.POST)
    if form.is_valid():
        services.consent_record(
            person=person,
            purpose=form.cleaned_data["purpose"],
            method="online",
            note=form.cleaned_data["note"],
            actor=user,
            request=request,
        )
        messages.success(
            request, _("Thank you. Your consent was recorded; you can withdraw it at any time.")
        )
    else:
        messages.error(request, _("Choose what you agree to."))
    return redirect("people:my_record")

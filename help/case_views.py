"""Case pages: the helper's list and one case's page (consent, actions, attachments,
referrals, closing, feedback), the dashboards, and the citizen's question and feedback pages.

Every view is permissions -> form -> service -> redirect (or render). Opening a case, an
attachment or a recorded question is written to the audit log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Role, User
from accounts.permissions import communes_for_user, role_required
from help import case_forms as forms
from help import case_selectors as selectors
from help import case_services as services
from help.models import Case, Channel, Corner, Topic
from help.permissions import (
    CASE_DASHBOARD_ROLES,
    CASE_ROLES,
    can_turn_into_faq,
    corners_for_user,
    get_appointment_for_user,
    get_attachment_for_user,
    get_case_for_user,
    get_referral_for_user,
    get_token_for_user,
)
from langso.posting import save_posted
from people import selectors as people_selectors
from people.permissions import get_person_for_user
from places.models import Commune


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _flash_error(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _link_base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _corners(user: User) -> QuerySet[Corner]:
    return corners_for_user(user).filter(is_active=True).order_by("name")


# Lists ---------------------------------------------------------------------------------------


@role_required(*CASE_ROLES)
def case_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = forms.CaseFilterForm(request.GET or {"status": "active"})
    cases = selectors.case_list(user, status="active")
    if form.is_valid():
        cases = selectors.case_list(
            user,
            status=form.cleaned_data["status"],
            topic=form.cleaned_data["topic"],
            mine=form.cleaned_data["mine"],
            q=form.cleaned_data["q"],
        )
    page = Paginator(cases, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "help/cases/list.html",
        {
            "form": form,
            "page": page,
            "title": _("Cases"),
            "overdue_view": False,
            "now": timezone.now(),
        },
    )


@role_required(*CASE_ROLES)
def case_overdue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = Paginator(selectors.overdue_cases(user), selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "help/cases/list.html",
        {
            "form": None,
            "page": page,
            "title": _("Overdue cases"),
            "overdue_view": True,
            "now": timezone.now(),
        },
    )


# Opening -------------------------------------------------------------------------------------


@role_required(*CASE_ROLES)
@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest) -> HttpResponse:
    """Open a case from scratch, or from a queue ticket (?token=), an appointment
    (?appointment=) or a registry person (?person=): what they already hold is filled in."""
    user = _user(request)
    source = request.POST if request.method == "POST" else request.GET
    token = appointment = None
    if source.get("token"):
        token = get_token_for_user(user, _int(source["token"]))
        existing = Case.objects.filter(token=token).first()
        if existing is not None:
            messages.info(request, _("This ticket already has a case."))
            return redirect("help:case_detail", pk=existing.pk)
    if source.get("appointment"):
        appointment = get_appointment_for_user(user, _int(source["appointment"]))
    person = get_person_for_user(user, _int(source["person"])) if source.get("person") else None
    corners = _corners(user)
    if request.method == "POST":
        form = forms.CaseOpenForm(request.POST, corners=corners)
        opened = save_posted(
            request,
            form,
            lambda data: services.case_open(
                actor=user,
                corner=data["corner"],
                channel=data["channel"],
                topic=data["topic"],
                summary=data["summary"],
                name=data["name"],
                phone=data["phone"],
                personal_id=data["personal_id"],
                token=token,
                appointment=appointment,
                person=person,
                request=request,
            ),
        )
        if opened:
            messages.success(request, _("The case is open."))
            return redirect("help:case_detail", pk=opened.result.pk)
    else:
        initial: dict[str, Any] = {}
        held = token or appointment
        if held is not None:
            initial = {
                "corner": held.corner_id,
                "name": held.name,
                "phone": held.phone,
                "topic": held.topic,
                "channel": Channel.WALK_IN,
            }
        if person is not None:
            initial = {"name": person.full_name, "phone": person.phone}
        if appointment is not None and appointment.kind == "phone":
            initial["channel"] = Channel.PHONE
        elif appointment is not None and appointment.kind == "home":
            initial["channel"] = Channel.HOME_VISIT
        form = forms.CaseOpenForm(initial=initial, corners=corners)
    return render(
        request,
        "help/cases/open.html",
        {
            "form": form,
            "token": token,
            "appointment": appointment,
            "person": person,
            "no_corner": not corners,
        },
    )


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# One case ------------------------------------------------------------------------------------


def _case_context(request: HttpRequest, case: Case, user: User, **forms_: Any) -> dict[str, Any]:
    timeline = selectors.case_timeline(case)
    closed = case.status == Case.Status.CLOSED
    context: dict[str, Any] = {
        "case": case,
        "timeline": timeline,
        "closed": closed,
        "code": services.case_code(case),
        "now": timezone.now(),
        "overdue": not closed and case.due_at < timezone.now(),
        "consent_form": forms.ConsentForm(),
        "action_form": forms.ActionForm(),
        "attachment_form": forms.AttachmentForm(),
        "referral_form": forms.ReferralForm(),
        "referral_status_form": forms.ReferralStatusForm(),
        "feedback_form": forms.FeedbackForm(),
        "answer_form": forms.AnswerForm(initial={"answer": case.answer}),
        "reopen_form": forms.ReopenForm(),
        "search_form": forms.PersonSearchForm(),
        "assign_form": forms.AssignForm(
            initial={"helper": case.assigned_to_id},
            helpers=selectors.helpers_of_commune(case.commune_id),
        ),
        "can_faq": can_turn_into_faq(user, case),
        "is_question": case.topic == "question",
    }
    context.update(forms_)
    return context


@role_required(*CASE_ROLES)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = get_case_for_user(user, pk)
    services.case_view_record(case=case, actor=user, request=request)
    context = _case_context(request, case, user)
    query = request.GET.get("q", "").strip()
    if query and case.person_id is None and case.status != Case.Status.CLOSED:
        search_form = forms.PersonSearchForm(request.GET)
        if search_form.is_valid():
            found = list(people_selectors.search_people(user, query, case.commune_id)[:10])
            services.people_lookup_record(actor=user, case=case, count=len(found), request=request)
            context["search_form"] = search_form
            context["found"] = found
    return render(request, "help/cases/detail.html", context)


def _case_post(request: HttpRequest, pk: int) -> tuple[User, Case]:
    user = _user(request)
    return user, get_case_for_user(user, pk)


def _back(case: Case, anchor: str = "") -> HttpResponse:
    response = redirect("help:case_detail", pk=case.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@role_required(*CASE_ROLES)
@require_POST
def case_link_person(request: HttpRequest, pk: int) -> HttpResponse:
    user, case = _case_post(request, pk)
    form = forms.PersonLinkForm(request.POST)
    if not form.is_valid():
        raise Http404
    person = get_person_for_user(user, form.cleaned_data["person"])
    try:
        services.case_person_link(case=case, actor=user, person=person, request=request)
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(request, _("The case is linked to the person's record."))
    return _back(case)


@role_required(*CASE_ROLES)
@require_POST
def case_consent(request: HttpRequest, pk: int) -> HttpResponse:
    user, case = _case_post(request, pk)
    form = forms.ConsentForm(request.POST)
    if request.POST.get("withdraw"):
        services.case_consent_withdraw(case=case, actor=user, request=request)
        messages.success(
            request, _("Consent withdrawn: nothing more is done on the person's behalf.")
        )
        return _back(case, "consent")
    if not form.is_valid():
        messages.error(request, _("Choose how the person gave consent."))
        return _back(case, "consent")
    try:
        services.case_consent_record(
            case=case, actor=user, method=form.cleaned_data["method"], request=request
        )
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(request, _("Consent recorded."))
    return _back(case, "consent")


@role_required(*CASE_ROLES)
@require_http_methods(["GET", "POST"])
def case_action(request: HttpRequest, pk: int) -> HttpResponse:
    user, case = _case_post(request, pk)
    if request.method == "GET":
        return _back(case, "act")
    form = forms.ActionForm(request.POST)
    if save_posted(
        request,
        form,
        lambda data: services.case_action_add(
            case=case,
            actor=user,
            kind=data["kind"],
            description=data["description"],
            minutes=data["minutes"],
            request=request,
        ),
    ):
        messages.success(request, _("Recorded."))
        return _back(case, "timeline")
    context = _case_context(request, case, user, action_form=form)
    return render(request, "help/cases/detail.html", context, status=400)


@role_required(*CASE_ROLES)
@require_POST
def case_attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    user, case = _case_post(request, pk)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if save_posted(
        request,
        form,
        lambda data: services.attachment_add(
            case=case,
            actor=user,
            upload=data["file"],
            description=data["description"],
            request=request,
        ),
    ):
        messages.success(request, _("The file is attached."))
        return _back(case, "files")
    context = _case_context(request, case, user, attachment_form=form)
    return render(request, "help/cases/detail.html", context, status=400)


@role_required(*CASE_ROLES)
def case_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """Serve a photo or a voice note to someone who may open the case; never a public URL."""
    user = _user(request)
    attachment = get_attachment_for_user(user, pk, attachment_pk)
    services.attachment_view_record(attachment=attachment, actor=user, request=request)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*CASE_ROLES)
def case_question_audio(request: HttpRequest, pk: int) -> FileResponse:
    user = _user(request)
    case = get_case_for_user(user, pk)
    if not case.question_audio:
        raise Http404
    services.question_audio_view_record(case=case, actor=user, request=request)
    head = case.question_audio.open("rb").read(16)
    kind = services.sniff_audio(head)
    response = FileResponse(
        case.question_audio.open("rb"),
        content_type=kind.content_type if kind else "application/octet-stream",
    )
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*CASE_ROLES)
@require_POST
def case_referral_add(request: HttpRequest, pk: int) -> HttpResponse:
    user, case = _case_post(request, pk)
    form = forms.ReferralForm(request.POST)
    if save_posted(
        request,
        form,
        lambda data: services.referral_create(
            case=case, actor=user, agency=data["agency"], reason=data["reason"], request=request
        ),
    ):
        messages.success(request, _("Referral recorded. Record the agency's answer when it comes."))
        return _back(case, "referrals")
    context = _case_context(request, case, user, referral_form=form)
    return render(request, "help/cases/detail.html", context, status=400)


@role_required(*CASE_ROLES)
@require_POST
def referral_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    referral = get_referral_for_user(user, pk)
    form = forms.ReferralStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what came of the referral."))
        return _back(referral.case, "referrals")
    services.referral_status_set(
        referral=referral,
        actor=user,
        status=form.cleaned_data["status"],
        note=form.cleaned_data["note"],
        request=request,
    )
    messages.success(request, _("The referral's result is recorded."))
    return _back(referral.case, "referrals")


@role_required(*CASE_ROLES)
@require_POST
def case_status(request: HttpRequest, pk: int) -> HttpResponse:
    user, case = _case_post(request, pk)
    form = forms.StatusForm(request.POST)
    if form.is_valid():
        try:
            services.case_status_set(
                case=case, actor=user, status=form.cleaned_data["status"], request=request
            )
        except ValidationError as error:
            _flash_error(request, error)
    return _back(case)


@role_required(*CASE_ROLES)
@require_POST
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    user, case = _case_post(request, pk)
    form = forms.AssignForm(request.POST, helpers=selectors.helpers_of_commune(case.commune_id))
    if not form.is_valid():
        messages.error(request, _("Choose a team member of the commune."))
        return _back(case)
    try:
        services.case_assign(
            case=case, actor=user, helper=form.cleaned_data["helper"], request=request
        )
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(request, _("The case has been given to the team member."))
    return _back(case)


@role_required(*CASE_ROLES)
@require_http_methods(["GET", "POST"])
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    user, case = _case_post(request, pk)
    if case.status == Case.Status.CLOSED:
        return _back(case)
    if request.method == "POST":
        form = forms.CloseForm(request.POST)
        if save_posted(
            request,
            form,
            lambda data: services.case_close(
                case=case,
                actor=user,
                outcome=data["outcome"],
                minutes=data["minutes"] or 0,
                note=data["note"],
                feedback_channel=form.feedback_channel(),
                link_base=_link_base(request),
                request=request,
            ),
        ):
            messages.success(request, _("The case is closed."))
            if form.cleaned_data["feedback"] == forms.FEEDBACK_NOW:
                return _back(case, "feedback")
            return _back(case)
    else:
        initial = {
            "outcome": Case.Outcome.DONE_ON_BEHALF if case.has_consent else Case.Outcome.TAUGHT
        }
        # Ask where the person is: at the counter now, else on the channel they used.
        if case.phone and case.channel == Channel.ZALO:
            initial["feedback"] = Channel.ZALO
        elif case.phone and case.channel in (Channel.PHONE, Channel.SMS, Channel.ONLINE):
            initial["feedback"] = Channel.SMS
        else:
            initial["feedback"] = forms.FEEDBACK_NOW
        form = forms.CloseForm(initial=initial)
    return render(request, "help/cases/close.html", {"case": case, "form": form})


@role_required(*CASE_ROLES)
@require_POST
def case_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    user, case = _case_post(request, pk)
    form = forms.ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the case is reopened."))
        return _back(case)
    services.case_reopen(case=case, actor=user, reason=form.cleaned_data["reason"], request=request)
    messages.success(request, _("The case is open again."))
    return _back(case)


@role_required(*CASE_ROLES)
@require_POST
def case_did_alone(request: HttpRequest, pk: int) -> HttpResponse:
    user, case = _case_post(request, pk)
    try:
        services.case_did_alone_mark(case=case, actor=user, request=request)
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(request, _("Marked: the person did it alone. Well taught!"))
    return _back(case)


@role_required(*CASE_ROLES)
@require_POST
def case_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """Feedback given at once, on the helper's phone handed to the person."""
    user, case = _case_post(request, pk)
    form = forms.FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the two answers."))
        return _back(case, "feedback")
    try:
        services.feedback_record(
            case=case,
            helpful=form.cleaned_data["helpful"],
            comment=form.cleaned_data["comment"],
            channel=case.channel,
            actor=user,
            request=request,
        )
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(request, _("Thank you: the feedback is recorded."))
    return _back(case)


@role_required(*CASE_ROLES)
@require_POST
def case_answer(request: HttpRequest, pk: int) -> HttpResponse:
    user, case = _case_post(request, pk)
    form = forms.AnswerForm(request.POST)
    if save_posted(
        request,
        form,
        lambda data: services.question_answer(
            case=case,
            actor=user,
            answer=data["answer"],
            channel=data["channel"],
            close=data["close"],
            link_base=_link_base(request),
            request=request,
        ),
    ):
        messages.success(request, _("The answer is on its way to the person."))
        return _back(case)
    context = _case_context(request, case, user, answer_form=form)
    return render(request, "help/cases/detail.html", context, status=400)


@role_required(Role.COMMUNE_OFFICER, Role.PROVINCE_ADMIN)
@require_POST
def case_faq(request: HttpRequest, pk: int) -> HttpResponse:
    user, case = _case_post(request, pk)
    try:
        article = services.answer_to_faq(case=case, actor=user, request=request)
    except ValidationError as error:
        _flash_error(request, error)
        return _back(case)
    messages.success(
        request,
        _("An FAQ draft “%(title)s” was created; review and publish it in the knowledge base.")
        % {"title": article.title},
    )
    return redirect("knowledge:staff_edit", pk=article.pk)


# Dashboards ----------------------------------------------------------------------------------


@role_required(*CASE_DASHBOARD_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = forms.DashboardForm(request.GET or None, initial=forms.DashboardForm.default_period())
    period = forms.DashboardForm.default_period()
    if form.is_bound and form.is_valid():
        period = {"since": form.cleaned_data["since"], "until": form.cleaned_data["until"]}
    elif not form.is_bound:
        form = forms.DashboardForm(initial=period)
    province = user.role == Role.PROVINCE_ADMIN
    board = selectors.dashboard_for_user(user, province=province, **period)
    communes = list(communes_for_user(user).order_by("name")[:3]) if not province else []
    return render(
        request,
        "help/cases/dashboard.html",
        {"form": form, "board": board, "province": province, "communes": communes},
    )


@role_required(Role.PROVINCE_ADMIN)
@require_http_methods(["GET", "POST"])
def topic_targets(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        form = forms.TopicTargetForm(request.POST)
        if save_posted(
            request,
            form,
            lambda data: services.topic_target_set(
                topic=data["topic"], hours=data["hours"], actor=user, request=request
            ),
        ):
            messages.success(request, _("The target is saved."))
            return redirect("help:topic_targets")
    else:
        form = forms.TopicTargetForm()
    rows = [(label, services.target_hours(value)) for value, label in Topic.choices]
    return render(request, "help/cases/targets.html", {"form": form, "rows": rows})


# The citizen's side ----------------------------------------------------------------------------


def _ask_communes() -> QuerySet[Commune]:
    from django.conf import settings

    return Commune.objects.filter(province_id=settings.PROVINCE_CODE).order_by("name")


@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest) -> HttpResponse:
    """A citizen, or a helper for them, asks a question by text or voice with a phone number."""
    user = _user(request)
    staff = user.is_authenticated and user.role in (Role.HELPER, Role.COMMUNE_OFFICER)
    communes = communes_for_user(user).order_by("name") if staff else _ask_communes()
    article = None
    slug = request.POST.get("article") or request.GET.get("article") or ""
    if slug:
        from knowledge.selectors import published_article

        article = published_article(slug)
    if request.method == "POST":
        form = forms.AskForm(request.POST, request.FILES, communes=communes)
        asked = save_posted(
            request,
            form,
            lambda data: services.question_ask(
                commune=data["commune"],
                name=data["name"],
                phone=data["phone"],
                text=data["text"],
                audio=data["audio"],
                article=article,
                asked_by=user if user.is_authenticated else None,
                link_base=_link_base(request),
                request=request,
            ),
        )
        if asked:
            request.session["help_asked"] = services.case_code(asked.result)
            return redirect("help:ask_sent")
    else:
        initial: dict[str, Any] = {}
        if user.is_authenticated and user.role == Role.CITIZEN:
            person = getattr(user, "person", None)
            initial = {
                "name": user.full_name,
                "phone": user.phone or "",
                "commune": getattr(person, "commune_id", None),
            }
        elif staff and len(communes) == 1:
            initial = {"commune": communes[0].pk}
        form = forms.AskForm(initial=initial, communes=communes)
    return render(
        request,
        "help/ask/ask.html",
        {"form": form, "article": article, "staff": staff},
    )


def ask_sent(request: HttpRequest) -> HttpResponse:
    code = request.session.get("help_asked", "")
    if not code:
        return redirect("help:ask")
    return render(request, "help/ask/sent.html", {"code": code})


@require_http_methods(["GET", "POST"])
def ask_answer(request: HttpRequest) -> HttpResponse:
    """Read the answer to one's question with the code from the SMS and one's phone number.
    The lookup is a POST so that the phone number stays out of addresses and logs."""
    case = None
    not_found = False
    if request.method == "POST":
        form = forms.AskLookupForm(request.POST)
        if form.is_valid():
            case = services.question_lookup(
                code=form.cleaned_data["code"], phone=form.cleaned_data["phone"], request=request
            )
            not_found = case is None
    else:
        form = forms.AskLookupForm(initial={"code": request.GET.get("code", "")})
    return render(
        request,
        "help/ask/answer.html",
        {"form": form, "case": case, "not_found": not_found},
    )


@require_http_methods(["GET", "POST"])
def feedback(request: HttpRequest, code: str) -> HttpResponse:
    """The short link sent by SMS or Zalo after closing: did it help, yes or no."""
    pk = services.case_pk_from_code(code)
    if pk is None:
        raise Http404
    case = get_object_or_404(Case.objects.select_related("corner"), pk=pk)
    if case.status != Case.Status.CLOSED:
        raise Http404
    already = hasattr(case, "feedback")
    if request.method == "POST" and not already:
        form = forms.FeedbackForm(request.POST)
        channel = request.POST.get("via", Channel.SMS)
        if save_posted(
            request,
            form,
            lambda data: services.feedback_record(
                case=case,
                helpful=data["helpful"],
                comment=data["comment"],
                channel=channel if channel in (Channel.SMS, Channel.ZALO) else Channel.SMS,
                request=request,
            ),
        ):
            return redirect("help:feedback", code=code)
    else:
        form = forms.FeedbackForm()
    return render(
        request,
        "help/ask/feedback.html",
        {"case": case, "form": form, "already": already, "code": code},
    )

"""The health book pages: who may open them, the consent gate, adding entries, visits, carers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from conftest import login
from health.book import services
from health.models import CarePlan, Carer, Condition, HomeVisit, Medication
from people import services as people_services
from people.models import Disability

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(make_person, commune_a, health_worker_a):  # type: ignore[no-untyped-def]
    person = make_person(commune_a, "Nguyễn Văn Bảy", sex="male", date_of_birth=date(1950, 5, 1))
    people_services.consent_record(
        person=person, purpose="health", method="paper", actor=health_worker_a
    )
    return person


@pytest.fixture
def patient_b(make_person, commune_b, health_worker_a):  # type: ignore[no-untyped-def]
    person = make_person(commune_b, "Lê Thị Tám")
    people_services.consent_record(
        person=person, purpose="health", method="paper", actor=health_worker_a
    )
    return person


@pytest.fixture
def health_worker_b(make_user):  # type: ignore[no-untyped-def]
    return make_user("health.b", "health_worker", (32002,), full_name="Đỗ Văn Nam")


@pytest.fixture
def own(citizen, make_person, commune_a, health_worker_a):  # type: ignore[no-untyped-def]
    """The citizen's own record, with consent."""
    person = make_person(commune_a, "Danh Thị Mai", user=citizen)
    people_services.consent_record(person=person, purpose="health", method="online", actor=citizen)
    return person


@pytest.fixture
def son(make_user):  # type: ignore[no-untyped-def]
    return make_user("son.a", "citizen", phone="0987654321", full_name="Danh Văn Sơn")


def test_it_shows_the_book_to_a_health_worker_and_audits_it(
    client, health_worker_a, patient
) -> None:  # type: ignore[no-untyped-def]
    Disability.objects.create(
        person=patient,
        disability_type="mobility",
        level="severe",
        valid_from=date(2020, 1, 1),
        source="test",
    )
    services.condition_add(person=patient, actor=health_worker_a, icd10_code="I10")
    response = login(client, health_worker_a).get(reverse("health:book", args=[patient.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Tăng huyết áp" in body
    assert "vận động" in body.lower()
    assert AuditEntry.objects.filter(
        actor=health_worker_a, action="view", object_type="health_book", object_id=str(patient.pk)
    ).exists()


@pytest.mark.parametrize(
    "who", ["health_worker_b", "officer_a", "helper_a", "province_admin", "citizen"]
)
def test_it_refuses_the_book_to_anyone_else(client, request, patient, who) -> None:  # type: ignore[no-untyped-def]
    user = request.getfixturevalue(who)
    response = login(client, user).get(reverse("health:book", args=[patient.pk]))
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(object_type="health_book", action="view").exists()


def test_it_asks_for_consent_before_opening_the_book(
    client, health_worker_a, make_person, commune_a
) -> None:  # type: ignore[no-untyped-def]
    person = make_person(commune_a, "Thạch Sà Phol")
    response = login(client, health_worker_a).get(reverse("health:book", args=[person.pk]))
    assert response.status_code == 403
    body = response.content.decode()
    assert "Thạch Sà Phol" in body
    assert reverse("people:person", args=[person.pk]) in body


def test_it_closes_the_book_when_consent_is_withdrawn(client, health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    consent = patient.consents.get()
    people_services.consent_withdraw(consent=consent, actor=health_worker_a, method="verbal")
    response = login(client, health_worker_a).get(reverse("health:book", args=[patient.pk]))
    assert response.status_code == 403


def test_the_index_lists_only_consented_people_of_the_commune(  # type: ignore[no-untyped-def]
    client,
    health_worker_a,
    patient,
    patient_b,
    make_person,
    commune_a,
    django_assert_max_num_queries,
) -> None:
    make_person(commune_a, "Không Đồng Ý")
    for n in range(30):
        p = make_person(commune_a, f"Lý Văn {n}")
        people_services.consent_record(
            person=p, purpose="health", method="paper", actor=health_worker_a
        )
    login(client, health_worker_a)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("health:book_index"))
    assert response.context["page"].paginator.count == 31
    names = {p.full_name for p in response.context["page"].paginator.object_list}
    assert "Nguyễn Văn Bảy" in names
    assert "Lê Thị Tám" not in names
    assert "Không Đồng Ý" not in names
    response = client.get(reverse("health:book_index"), {"q": "nguyen van bay"})
    assert [p.pk for p in response.context["people"]] == [patient.pk]


@pytest.mark.parametrize("who", ["officer_a", "helper_a", "province_admin", "citizen"])
def test_the_index_and_visit_list_are_for_health_workers(client, request, who) -> None:  # type: ignore[no-untyped-def]
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("health:book_index")).status_code == 403
    assert client.get(reverse("health:visits_due")).status_code == 403


def test_it_adds_a_condition_from_the_common_list(client, health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    login(client, health_worker_a)
    url = reverse("health:condition_add", args=[patient.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"common": "E11", "clinical_status": "active", "onset": "01/02/2019"}
    )
    assert response.status_code == 302
    condition = Condition.objects.get(person=patient)
    assert (condition.icd10, condition.name, condition.onset) == (
        "E11",
        "Đái tháo đường típ 2",
        date(2019, 2, 1),
    )
    assert AuditEntry.objects.filter(action="create", object_type="health_condition").exists()


def test_it_explains_a_malformed_other_code(client, health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    login(client, health_worker_a)
    response = client.post(
        reverse("health:condition_add", args=[patient.pk]),
        {"common": "other", "icd10": "12X", "clinical_status": "active"},
    )
    assert response.status_code == 200
    assert "ICD-10" in response.content.decode()
    assert not Condition.objects.exists()


def test_it_refuses_a_future_onset(client, health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    tomorrow = (timezone.localdate() + timedelta(days=1)).strftime("%d/%m/%Y")
    login(client, health_worker_a)
    response = client.post(
        reverse("health:condition_add", args=[patient.pk]),
        {"common": "I10", "clinical_status": "active", "onset": tomorrow},
    )
    assert response.status_code == 200
    assert "tương lai" in response.content.decode()
    assert not Condition.objects.exists()


@pytest.mark.parametrize("who", ["health_worker_b", "officer_a", "citizen"])
def test_it_refuses_writes_from_others(client, request, patient, health_worker_a, who) -> None:  # type: ignore[no-untyped-def]
    condition = services.condition_add(person=patient, actor=health_worker_a, icd10_code="I10")
    login(client, request.getfixturevalue(who))
    response = client.post(
        reverse("health:condition_add", args=[patient.pk]),
        {"common": "E11", "clinical_status": "active"},
    )
    assert response.status_code in (403, 404)
    response = client.post(
        reverse("health:condition_status", args=[condition.pk]), {"clinical_status": "resolved"}
    )
    assert response.status_code in (403, 404)
    assert Condition.objects.get().clinical_status == "active"


def test_the_person_reads_but_does_not_write_their_book(
    client, citizen, own, health_worker_a
) -> None:  # type: ignore[no-untyped-def]
    login(client, citizen)
    response = client.post(
        reverse("health:medication_add", args=[own.pk]),
        {"name": "X", "dose": "1", "frequency": "1"},
    )
    assert response.status_code == 403
    assert not Medication.objects.exists()


def test_it_adds_and_stops_a_medicine(client, health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    login(client, health_worker_a)
    client.post(
        reverse("health:medication_add", args=[patient.pk]),
        {
            "name": "Amlodipin",
            "dose": "5 mg",
            "frequency": "1 lần mỗi sáng",
            "started": "01/01/2024",
        },
    )
    medication = Medication.objects.get()
    client.post(reverse("health:medication_stop", args=[medication.pk]))
    medication.refresh_from_db()
    assert medication.stopped == timezone.localdate()


def test_it_adds_allergies_and_vaccinations(client, health_worker_a, patient) -> None:  # type: ignore[no-untyped-def]
    login(client, health_worker_a)
    client.post(
        reverse("health:allergy_add", args=[patient.pk]),
        {"substance": "Penicilin", "severity": "severe"},
    )
    client.post(
        reverse("health:vaccination_add", args=[patient.pk]),
        {"vaccine": "Cúm mùa", "given_on": "15/10/2025", "dose_number": "1"},
    )
    body = client.get(reverse("health:book", args=[patient.pk])).content.decode()
    assert "Penicilin" in body
    assert "Cúm mùa" in body


def test_a_care_plan_schedules_its_visits_and_a_visit_is_recorded(
    client, health_worker_a, patient
) -> None:  # type: ignore[no-untyped-def]
    login(client, health_worker_a)
    today = timezone.localdate()
    response = client.post(
        reverse("health:plan_add", args=[patient.pk]),
        {
            "title": "Kiểm soát huyết áp",
            "starts_on": today.strftime("%d/%m/%Y"),
            "visit_every_days": "14",
            "goals": "Huyết áp dưới 140/90\nUống thuốc đều",
        },
    )
    assert response.status_code == 302
    plan = CarePlan.objects.get()
    assert [g.description for g in plan.goals.order_by("id")] == [
        "Huyết áp dưới 140/90",
        "Uống thuốc đều",
    ]
    due = list(HomeVisit.objects.filter(plan=plan).values_list("due_on", flat=True))
    assert due == [today + timedelta(days=14 * k) for k in range(len(due))]
    assert len(due) >= 2
    first = HomeVisit.objects.filter(plan=plan).order_by("due_on").first()
    url = reverse("health:visit_record", args=[first.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"status": "done", "findings": ""})
    assert response.status_code == 200  # findings are required for a visit done
    response = client.post(
        url, {"status": "done", "findings": "HA 150/95, mệt", "advice": "Giảm muối"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == "done" and first.worker == health_worker_a


def test_the_visits_due_page_lists_overdue_visits_first(
    client, health_worker_a, patient, patient_b
) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    HomeVisit.objects.create(person=patient, due_on=today + timedelta(days=3))
    HomeVisit.objects.create(person=patient, due_on=today - timedelta(days=5))
    HomeVisit.objects.create(person=patient, due_on=today + timedelta(days=30))
    HomeVisit.objects.create(person=patient_b, due_on=today)
    response = login(client, health_worker_a).get(reverse("health:visits_due"))
    assert [v.due_on for v in response.context["visits"]] == [
        today - timedelta(days=5),
        today + timedelta(days=3),
    ]


def test_a_visit_of_another_commune_is_refused(client, health_worker_b, patient) -> None:  # type: ignore[no-untyped-def]
    visit = HomeVisit.objects.create(person=patient, due_on=timezone.localdate())
    response = login(client, health_worker_b).post(
        reverse("health:visit_record", args=[visit.pk]), {"status": "done", "findings": "x"}
    )
    assert response.status_code == 404
    visit.refresh_from_db()
    assert visit.status == "scheduled"


# My health and carers -------------------------------------------------------------------------------


def test_the_citizen_sees_their_own_book(client, citizen, own, health_worker_a) -> None:  # type: ignore[no-untyped-def]
    services.medication_add(
        person=own, actor=health_worker_a, name="Metformin", dose="500 mg", frequency="2 lần/ngày"
    )
    response = login(client, citizen).get(reverse("health:my_health"))
    assert response.status_code == 200
    assert "Metformin" in response.content.decode()
    assert AuditEntry.objects.filter(
        actor=citizen, object_type="health_book", action="view"
    ).exists()


def test_the_citizen_without_consent_is_told_how_to_give_it(
    client, citizen, make_person, commune_a
) -> None:  # type: ignore[no-untyped-def]
    make_person(commune_a, "Danh Thị Mai", user=citizen)
    response = login(client, citizen).get(reverse("health:my_health"))
    assert response.status_code == 200
    assert response.context["consent_missing"]
    assert reverse("people:my_record") in response.content.decode()


def test_the_citizen_names_a_carer_who_then_reads_the_book(client, citizen, own, son) -> None:  # type: ignore[no-untyped-def]
    login(client, citizen)
    response = client.post(
        reverse("health:my_carers"), {"phone": "0987 654 321", "relation": "con trai"}
    )
    assert response.status_code == 302
    carer = Carer.objects.get()
    assert carer.user == son and carer.named_by == citizen
    login(client, son)
    page = client.get(reverse("health:my_health"))
    assert own in page.context["cared_for"]
    assert client.get(reverse("health:cared_book", args=[own.pk])).status_code == 200
    login(client, citizen)
    client.post(reverse("health:carer_revoke", args=[carer.pk]))
    login(client, son)
    assert client.get(reverse("health:cared_book", args=[own.pk])).status_code == 404


def test_naming_a_carer_needs_an_existing_citizen_account(client, citizen, own) -> None:  # type: ignore[no-untyped-def]
    response = login(client, citizen).post(
        reverse("health:my_carers"), {"phone": "0911000111", "relation": "con"}
    )
    assert response.status_code == 200
    assert "điểm hỗ trợ" in response.content.decode()
    assert not Carer.objects.exists()


def test_a_worker_names_a_carer_only_with_the_person_present(
    client, health_worker_a, patient, son
) -> None:  # type: ignore[no-untyped-def]
    login(client, health_worker_a)
    url = reverse("health:carers", args=[patient.pk])
    response = client.post(url, {"phone": "0987654321", "relation": "con"})
    assert response.status_code == 200
    assert not Carer.objects.exists()
    response = client.post(url, {"phone": "0987654321", "relation": "con", "person_present": "on"})
    assert response.status_code == 302
    assert Carer.objects.get().named_by == health_worker_a


def test_another_citizen_cannot_read_or_revoke(client, own, son, make_user) -> None:  # type: ignore[no-untyped-def]
    carer = services.carer_name(person=own, carer=son, relation="con", actor=own.user)
    stranger = make_user("stranger", "citizen", phone="0933000111")
    login(client, stranger)
    assert client.get(reverse("health:cared_book", args=[own.pk])).status_code == 404
    assert client.post(reverse("health:carer_revoke", args=[carer.pk])).status_code == 404
    login(client, son)
    assert client.post(reverse("health:carer_revoke", args=[carer.pk])).status_code == 403
    carer.refresh_from_db()
    assert carer.revoked_at is None


def test_the_book_and_visit_pages_run_a_fixed_number_of_queries(  # type: ignore[no-untyped-def]
    client, health_worker_a, patient, son, django_assert_max_num_queries
) -> None:
    today = timezone.localdate()
    for n in range(8):
        services.condition_add(
            person=patient, actor=health_worker_a, icd10_code=f"I{10 + n}", name=f"Bệnh {n}"
        )
        services.medication_add(
            person=patient, actor=health_worker_a, name=f"Thuốc {n}", dose="1", frequency="1"
        )
        services.care_plan_create(
            person=patient,
            actor=health_worker_a,
            title=f"Kế hoạch {n}",
            starts_on=today - timedelta(days=30),
            visit_every_days=7,
            goals=["Mục tiêu 1", "Mục tiêu 2"],
        )
    for visit in HomeVisit.objects.filter(due_on__lt=today)[:6]:
        services.home_visit_record(visit=visit, actor=health_worker_a, status="done", findings="ổn")
    services.carer_name(
        person=patient, carer=son, relation="con", actor=health_worker_a, person_present=True
    )
    login(client, health_worker_a)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("health:book", args=[patient.pk]))
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        response = client.get(reverse("health:visits_due"))
    assert len(response.context["visits"]) >= 8

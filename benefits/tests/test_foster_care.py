"""Foster carers (Decree 20/2021 Art. 20(2)): recorded in the registry, decided on the person
cared for, paid to the carer."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from benefits import services
from benefits.models import Decision, PaymentLine
from people import services as people_services
from people.forms import FactsForm
from people.models import Disability, Household, SocialFact


def _today() -> date:
    # Facts recorded through the registry's services hold from today.
    return timezone.localdate()


@pytest.fixture
def fostered(commune_a: Any, make_person: Any, officer_a: Any) -> dict[str, Any]:
    """A child with an especially severe disability in a household of three, fostered by a
    neighbour."""
    household = Household.objects.create(code="HH-F", commune=commune_a)
    child = make_person(
        commune_a, "Danh Bé Na", date_of_birth=date(2018, 4, 2), household=household
    )
    make_person(commune_a, "Danh Văn Út", household=household)
    make_person(commune_a, "Danh Thị Ba", household=household)
    carer = make_person(commune_a, "Lý Thị Hoa", personal_id="096188123456")
    Disability.objects.create(
        person=child,
        disability_type="intellectual",
        level="especially_severe",
        certified_on=date(2024, 3, 1),
        valid_from=date(2024, 3, 1),
        source="test",
    )
    return {"child": child, "carer": carer}


def _foster(person: Any, actor: Any, value: Any) -> Any:
    return people_services.social_facts_update(
        person=person,
        actor=actor,
        reason="Quyết định nhận chăm sóc số 5/QĐ-UBND",
        values={"in_foster_care": value},
    )


def _current(person: Any, policy_id: str) -> Decision:
    return Decision.objects.filter(person=person, policy_id=policy_id).latest("id")


def test_it_pays_the_carer_instead_of_the_household(
    fostered: dict[str, Any], officer_a: Any
) -> None:
    child = fostered["child"]
    services.eligibility_run_create(day=_today())
    assert _current(child, "care_support.household_carer").status == "eligible"
    assert not Decision.objects.filter(
        person=child, policy_id="care_support.foster_carer_disability"
    ).exists()
    _foster(child, officer_a, "096188123456")
    fact = SocialFact.objects.get(person=child, kind="in_foster_care", valid_to__isnull=True)
    assert fact.carer == fostered["carer"]
    services.eligibility_run_create(day=_today())
    foster = _current(child, "care_support.foster_carer_disability")
    assert (foster.status, foster.monthly_amount) == ("eligible", 1_250_000)
    household = _current(child, "care_support.household_carer")
    assert household.status == "ineligible"
    assert household.conditions["not_fostered"] is False


def test_it_names_the_carer_as_the_payee(
    fostered: dict[str, Any], officer_a: Any, make_user: Any
) -> None:
    reviewer = make_user("reviewer.a", "commune_officer", (31825,))
    chairman = make_user("chairman.a", "commune_officer", (31825,))
    services.approver_set(user=chairman, grant=True)
    _foster(fostered["child"], officer_a, "096188123456")
    services.eligibility_run_create(day=_today())
    for case in services.cases_propose_eligible(commune_code=31825, actor=officer_a):
        services.case_review(case=case, actor=reviewer)
        services.case_approve(case=case, actor=chairman)
    payment_list = services.payment_list_create(commune_code=31825, month=_today(), actor=officer_a)
    line = PaymentLine.objects.get(
        payment_list=payment_list, policy_id="care_support.foster_carer_disability"
    )
    assert (line.payee_name, line.payee_personal_id) == ("Lý Thị Hoa", "096188123456")
    own = PaymentLine.objects.get(
        payment_list=payment_list, policy_id="social_allowance.disability"
    )
    assert own.payee_name == ""
    content, _name, _type = services.payment_list_export(
        payment_list=payment_list, fmt="csv", actor=officer_a
    )
    assert "Lý Thị Hoa" in content.decode("utf-8-sig")


def test_it_refuses_a_carer_who_is_not_in_the_registry(
    fostered: dict[str, Any], officer_a: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        _foster(fostered["child"], officer_a, "096188999999")
    assert "foster_carer_id" in refused.value.message_dict
    with pytest.raises(ValidationError):
        _foster(fostered["child"], officer_a, fostered["child"].personal_id)
    assert not SocialFact.objects.filter(kind="in_foster_care").exists()


def test_it_asks_for_the_carers_number_on_the_form() -> None:
    form = FactsForm({"in_foster_care": "yes", "reason": "Biên bản"})
    assert not form.is_valid()
    assert "foster_carer_id" in form.errors
    form = FactsForm(
        {"in_foster_care": "yes", "foster_carer_id": "096188123456", "reason": "Biên bản"}
    )
    assert form.is_valid()
    assert form.values()["in_foster_care"] == "096188123456"


def test_it_ends_foster_care_and_changes_the_carer(
    fostered: dict[str, Any], officer_a: Any, make_person: Any, commune_a: Any
) -> None:
    child = fostered["child"]
    _foster(child, officer_a, "096188123456")
    other = make_person(commune_a, "Kim Văn Bảy", personal_id="096188654321")
    assert _foster(child, officer_a, "096188654321") is not None
    open_fact = SocialFact.objects.get(person=child, kind="in_foster_care", valid_to__isnull=True)
    assert open_fact.carer == other
    assert _foster(child, officer_a, "096188654321") is None
    _foster(child, officer_a, False)
    open_fact = SocialFact.objects.get(person=child, kind="in_foster_care", valid_to__isnull=True)
    assert (open_fact.value, open_fact.carer) == (False, None)

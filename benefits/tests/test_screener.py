"""The public screener: POST /api/v1/benefits/screen and the benefits:screener page."""

from __future__ import annotations

import json
from typing import Any

from django.urls import reverse

from accounts.models import AuditEntry
from benefits.api import HouseholdFacts, PersonFacts
from benefits.selectors import policy_set
from people.models import Person

URL = "/api/v1/benefits/screen"


def post(client: Any, body: dict[str, Any]) -> Any:
    return client.post(URL, json.dumps(body), content_type="application/json")


def by_id(response: Any) -> dict[str, Any]:
    return {p["id"]: p for p in response.json()["policies"]}


def test_it_accepts_every_fact_of_the_schema_and_no_other() -> None:
    fields = set(PersonFacts.model_fields) | set(HouseholdFacts.model_fields)
    assert fields == set(policy_set().facts)


def test_it_screens_without_login_and_pays_only_the_highest(client: Any, db: Any) -> None:
    response = post(
        client,
        {
            "date": "2026-11-01",
            "person": {
                "date_of_birth": "1940-01-01",
                "monthly_pension_vnd": 0,
                "has_supporter": False,
            },
            "household": {"poverty_status": "poor"},
        },
    )
    assert response.status_code == 200
    body = response.json()
    policies = by_id(response)
    assert policies["social_pension"]["status"] == "eligible"
    assert policies["social_pension"]["monthly_amount"] == 500000
    assert policies["social_allowance.elderly_poor_alone"]["monthly_amount"] == 1000000
    assert body["summary"] == {
        "monthly_total": 1000000,
        "paid": ["social_allowance.elderly_poor_alone"],
        "health_insurance": True,
        "needs_info": body["summary"]["needs_info"],
    }
    old = policies["social_allowance.elderly_80"]["conditions"][0]
    assert old == {
        "id": "aged_80",
        "result": True,
        "message": "Từ đủ 80 tuổi (tính từ tháng đủ tuổi)",
        "message_en": "Aged 80 or over (from the month of the birthday)",
        "missing": [],
    }


def test_it_says_which_facts_are_missing(client: Any, db: Any) -> None:
    response = post(client, {"date": "2026-11-01", "person": {"date_of_birth": "1954-06-06"}})
    pension = by_id(response)["social_pension"]
    assert pension["status"] == "needs_info"
    assert set(pension["missing"]) == {"poverty_status", "monthly_pension_vnd"}
    assert response.json()["summary"]["monthly_total"] == 0


def test_it_stores_nothing(client: Any, db: Any) -> None:
    post(client, {"person": {"has_hiv": True, "date_of_birth": "1990-01-01"}})
    assert Person.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_it_refuses_bad_input_in_vietnamese_and_english(client: Any, db: Any) -> None:
    response = post(client, {"person": {"sex": "x", "monthly_pension_vnd": -5}})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert {d["field"] for d in error["details"]} >= {
        "body.payload.person.sex",
        "body.payload.person.monthly_pension_vnd",
    }
    early = post(client, {"date": "2021-06-30"})
    assert early.status_code == 422
    assert "01/07/2021" in early.json()["error"]["message"]
    assert "choose a day" in early.json()["error"]["message_en"]


def test_it_shows_the_screener_page_in_vietnamese(client: Any, db: Any) -> None:
    response = client.get(reverse("benefits:screener"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert 'method="post"' in html
    assert "csrfmiddlewaretoken" in html
    assert '<label for="id_date_of_birth">Ngày sinh</label>' in html
    assert 'style="' not in html
    assert "<script>" not in html


def test_it_shows_the_result_on_the_page(
    client: Any, db: Any, django_assert_max_num_queries: Any
) -> None:
    client.get(reverse("benefits:screener"))
    with django_assert_max_num_queries(3):
        response = client.post(
            reverse("benefits:screener"),
            {
                "day": "01/11/2026",
                "date_of_birth": "1990-01-01",
                "disability_level": "especially_severe",
                "disability_certified_on": "2026-11-15",
                "poverty_status": "neither",
            },
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kết quả ngày 01/11/2026" in html
    assert "1.000.000\xa0₫ mỗi tháng" in html
    assert "Đủ điều kiện" in html
    assert "Thiếu thông tin:" in html  # the health insurance routes that depend on the area
    assert Person.objects.count() == 0


def test_it_explains_a_bad_answer_on_the_page(client: Any, db: Any) -> None:
    response = client.post(
        reverse("benefits:screener"), {"day": "30/06/2021", "household_size": "-1"}
    )
    html = response.content.decode()
    assert "01/07/2021" in html
    assert 'role="alert"' in html
    assert "Kết quả ngày" not in html


def test_it_shows_the_page_in_english(client: Any, db: Any) -> None:
    client.cookies["langso_language"] = "en"
    response = client.post(
        reverse("benefits:screener"), {"day": "2026-11-01", "date_of_birth": "2023-01-01"}
    )
    html = response.content.decode()
    assert "Health insurance paid by the state budget" in html
    assert "A child under 6" in html

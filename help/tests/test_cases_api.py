"""The cases API: the same services and refusals as the pages, in JSON."""

from __future__ import annotations

import json

import pytest

from conftest import login
from help.models import Case
from help.tests import case_factories as factories

pytestmark = pytest.mark.django_db
BASE = "/api/v1/help"


def _post(client, url, data):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def corner_a(commune_a):  # type: ignore[no-untyped-def]
    return factories.corner(commune_a)


def test_a_helper_serves_a_case_through_the_api(client, helper_a, corner_a) -> None:  # type: ignore[no-untyped-def]
    login(client, helper_a)
    created = _post(
        client,
        f"{BASE}/cases",
        {
            "corner_id": corner_a.pk,
            "channel": "phone",
            "topic": "payment",
            "summary": "Cài ví điện tử để nhận trợ cấp",
            "name": "Bà Năm",
            "phone": "0912 000 333",
        },
    )
    assert created.status_code == 201, created.content
    case_id = created.json()["id"]
    url = f"{BASE}/cases/{case_id}"

    refused = _post(client, f"{url}/actions", {"kind": "on_behalf", "description": "Mở ví"})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert "đồng ý" in error["details"][0]["message"]

    _post(client, f"{url}/consent", {"method": "verbal"})
    done = _post(
        client, f"{url}/actions", {"kind": "on_behalf", "description": "Mở ví", "minutes": 7}
    )
    assert done.status_code == 201 and done.json()["done_for"] == "Bà Năm"
    closed = _post(client, f"{url}/close", {"outcome": "on_behalf", "feedback_channel": "zalo"})
    body = closed.json()
    assert body["status"] == "closed" and body["minutes_spent"] == 7
    assert [a["kind"] for a in body["actions"]] == ["consent", "on_behalf", "status"]
    fed = _post(client, f"{url}/feedback", {"helpful": True})
    assert fed.json()["helpful"] is True


def test_it_lists_only_the_callers_communes(  # type: ignore[no-untyped-def]
    client, helper_a, officer_b, corner_a, django_assert_max_num_queries
) -> None:
    from help import case_services

    for n in range(6):
        case = factories.case(helper_a, corner_a, phone=f"09120002{n:02d}")
        if n % 2:
            case_services.case_close(case=case, actor=helper_a, outcome="taught")
            case_services.feedback_record(case=case, helpful=True, channel="walk_in")
    login(client, helper_a)
    with django_assert_max_num_queries(6):
        every = client.get(f"{BASE}/cases")
    assert every.json()["count"] == 6 and len(every.json()["items"]) == 6
    assert sum(1 for c in every.json()["items"] if c["helpful"]) == 3
    assert client.get(f"{BASE}/cases?status=active").json()["count"] == 3

    login(client, officer_b)
    assert client.get(f"{BASE}/cases").json()["count"] == 0


def test_it_refuses_another_communes_case(client, helper_a, officer_b, corner_a) -> None:  # type: ignore[no-untyped-def]
    case = factories.case(helper_a, corner_a)
    referral_id = _post_referral(case, helper_a)
    login(client, officer_b)
    url = f"{BASE}/cases/{case.pk}"

    assert client.get(url).status_code == 404
    for path, data in [
        ("/consent", {"method": "verbal"}),
        ("/actions", {"kind": "note", "description": "x"}),
        ("/referrals", {"agency": "x", "reason": "y"}),
        ("/close", {"outcome": "done"}),
        ("/feedback", {"helpful": True}),
    ]:
        assert _post(client, url + path, data).status_code == 404, path
    assert (
        _post(client, f"{BASE}/referrals/{referral_id}/status", {"status": "got_help"}).status_code
        == 404
    )
    created = _post(
        client,
        f"{BASE}/cases",
        {
            "corner_id": case.corner_id,
            "channel": "walk_in",
            "topic": "vneid",
            "summary": "x",
            "name": "y",
        },
    )
    assert created.status_code == 404
    case.refresh_from_db()
    assert case.status == "referred" and Case.objects.count() == 1


def test_it_refuses_roles_that_do_not_work_on_cases(client, health_worker_a, citizen) -> None:  # type: ignore[no-untyped-def]
    for user in (health_worker_a, citizen):
        login(client, user)
        assert client.get(f"{BASE}/cases").status_code == 403
    client.logout()
    assert client.get(f"{BASE}/cases").status_code == 401


def _post_referral(case, actor):  # type: ignore[no-untyped-def]
    from help import case_services

    return case_services.referral_create(case=case, actor=actor, agency="UBND xã", reason="Hỏi").pk

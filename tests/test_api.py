"""The API contract: health, the OpenAPI snapshot and the one error shape.

The OpenAPI document is compared with the committed tests/openapi.json so that every change to
the contract shows up in review. After an intended change, run
`LANGSO_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_api.py`, review the diff and commit it.
"""

from __future__ import annotations

import difflib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from langso import __version__

SNAPSHOT = Path(__file__).with_name("openapi.json")
ERROR_KEYS = {"code", "message", "message_en", "details"}


def _render(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _assert_error_shape(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == ERROR_KEYS
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["message_en"], str) and error["message_en"]
    assert isinstance(error["details"], list)
    return error


@pytest.mark.django_db
def test_it_reports_health_with_database_version_and_time(client: Any) -> None:
    response = client.get("/api/v1/health")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "database", "version", "time"}
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["version"] == __version__
    assert datetime.fromisoformat(body["time"]).tzinfo is not None


@pytest.mark.django_db
def test_it_serves_the_openapi_document_of_the_committed_snapshot(client: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    current = _render(response.json())

    if os.environ.get("LANGSO_UPDATE_SNAPSHOTS") == "1":
        previous = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else ""
        if previous != current:
            SNAPSHOT.write_text(current, encoding="utf-8")
            pytest.fail(
                f"{SNAPSHOT} was rewritten from the current API. Review the diff "
                "(git diff tests/openapi.json), commit it, and run the test again."
            )
        return

    assert SNAPSHOT.exists(), (
        f"{SNAPSHOT} is missing. Create it with "
        "`LANGSO_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_api.py` and commit it."
    )
    snapshot = SNAPSHOT.read_text(encoding="utf-8")
    if current != snapshot:
        diff = list(
            difflib.unified_diff(
                snapshot.splitlines(),
                current.splitlines(),
                "tests/openapi.json",
                "/api/v1/openapi.json",
                lineterm="",
            )
        )
        shown = "\n".join(diff[:80]) + (
            f"\n... {len(diff) - 80} more lines" if len(diff) > 80 else ""
        )
        pytest.fail(
            "The API contract (/api/v1/openapi.json) differs from the committed snapshot "
            "tests/openapi.json. If the change is intended, run "
            "`LANGSO_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_api.py`, review the diff "
            f"and commit it.\n{shown}",
            pytrace=False,
        )


@pytest.mark.django_db
def test_it_answers_401_in_the_error_shape_without_a_token(client: Any) -> None:
    response = client.get("/api/v1/accounts/me")

    _assert_error_shape(response, 401, "unauthenticated")


@pytest.mark.django_db
def test_it_answers_401_in_the_error_shape_for_an_unknown_token(client: Any) -> None:
    response = client.get(
        "/api/v1/accounts/me", headers={"Authorization": "Bearer not-a-real-token"}
    )

    _assert_error_shape(response, 401, "unauthenticated")


@pytest.mark.django_db
def test_it_answers_404_in_the_error_shape_for_an_unknown_commune(client: Any) -> None:
    response = client.get("/api/v1/places/communes/99999")

    _assert_error_shape(response, 404, "not_found")


@pytest.mark.django_db
def test_it_answers_422_in_the_error_shape_for_a_parameter_of_the_wrong_type(
    client: Any,
) -> None:
    response = client.get("/api/v1/places/provinces/abc/communes")

    error = _assert_error_shape(response, 422, "validation_error")
    assert error["details"], "a validation error lists what is wrong"
    assert {"field", "message"} <= set(error["details"][0])
    assert "code" in error["details"][0]["field"]

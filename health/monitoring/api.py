"""JSON API of health monitoring: readings in batches from devices, gateways and people.

POST /api/v1/health/readings takes up to HEALTH_READINGS_BATCH_MAX readings and answers with the
outcome of each one (accepted, flagged, duplicate, rejected with a reason in Vietnamese and
English). Senders authenticate with a device token (issued by a health worker for a patient's
meter or a commune gateway), an API token with the health:ingest scope, or the browser session
of the person, a named carer, a helper or a health worker of the person's commune.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer
from pydantic import BaseModel

from accounts.api_auth import TokenAuth, session_auth
from accounts.models import ApiToken
from health.models import Alert, Device
from health.monitoring import selectors, services
from health.permissions import require_health_worker

router = Router(tags=["health"])
_RENDERER = JSONRenderer()  # ninja's default, which langso.api keeps


class ReadingsAuth(HttpBearer):
    """A device token (lsd_...) or an API token with the health:ingest scope.

    A revoked device token is let through to the endpoint, which refuses the readings with
    their own reason and keeps them, so that nothing a device sent is lost.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if services.is_device_token(token):
            device = services.device_for_token(token)
            if device is None:
                return None
            request.health_device = device  # type: ignore[attr-defined]
            return device
        return TokenAuth(ApiToken.Scope.HEALTH_INGEST).authenticate(request, token)


# The batch schemas are plain pydantic models: a batch holds up to a thousand readings and
# ninja's Schema wraps each one in its Django-object getter, which costs more than the rest of
# the request. The JSON schema (and so the OpenAPI document) is the same.
class ReadingIn(BaseModel):
    client_id: str = Field(
        "", max_length=64, description="The sender's own id: sending it again changes nothing."
    )
    personal_id: str | None = Field(
        None, description="12-digit personal ID number; a device bound to one person may omit it."
    )
    kind: str = Field(..., description="bp, hr, glucose, spo2, weight or temp")
    value: float | str | None = Field(None, description="The value (systolic for bp).")
    value2: float | str | None = Field(None, description="Diastolic, for bp.")
    unit: str = Field(
        "",
        description="UCUM unit (mm[Hg], /min, mmol/L or mg/dL, %, kg or [lb_av], Cel or "
        "[degF]); empty means the canonical unit.",
    )
    context: str = Field("", description="Glucose: fasting or random.")
    measured_at: str | None = Field(None, description="ISO 8601 with a time zone.")


class ReadingsIn(BaseModel):
    readings: list[ReadingIn] = Field(..., min_length=1)


class ItemOut(BaseModel):
    index: int = Field(..., description="Position in the request, from 1.")
    client_id: str
    status: str = Field(..., description="accepted, flagged, duplicate or rejected")
    reading_id: int | None
    code: str
    message: str
    message_en: str
    flag: str
    alerts: list[int]


class ReadingsOut(Schema):
    accepted: int
    flagged: int
    duplicate: int
    rejected: int
    results: list[ItemOut]


class ErrorBody(Schema):
    code: str
    message: str
    message_en: str
    details: list[Any] = []


class ErrorOut(Schema):
    error: ErrorBody


DEVICE_REVOKED_VI = (
    "Mã truy cập của thiết bị này đã bị thu hồi; các chỉ số được lưu lại nhưng không được nhận. "
    "Hãy liên hệ nhân viên y tế xã để cấp mã mới."
)
DEVICE_REVOKED_EN = (
    "This device's token has been revoked; the readings are kept but not accepted. Ask the "
    "commune health worker for a new token."
)


@router.post(
    "/readings",
    response={200: ReadingsOut, 403: ErrorOut},
    auth=[ReadingsAuth(), session_auth],
    summary="Send readings in a batch; each one is accepted, flagged, duplicate or rejected",
)
def readings_post(request: HttpRequest, payload: ReadingsIn) -> Any:
    limit = settings.HEALTH_READINGS_BATCH_MAX
    if len(payload.readings) > limit:
        raise NinjaValidationError(
            [
                {
                    "loc": ["body", "readings"],
                    "msg": f"at most {limit} readings per request / tối đa {limit} chỉ số",
                }
            ]
        )
    # The validated fields as they are (plain str, float and None): model_dump would copy
    # each of a thousand models through the serializer for nothing.
    items = [dict(vars(r)) for r in payload.readings]
    device: Device | None = getattr(request, "health_device", None)
    if device is not None and device.revoked_at is not None:
        services.readings_keep_refused(
            items=items, device=device, reason_vi=DEVICE_REVOKED_VI, reason_en=DEVICE_REVOKED_EN
        )
        return Status(
            403,
            {
                "error": {
                    "code": "device_revoked",
                    "message": DEVICE_REVOKED_VI,
                    "message_en": DEVICE_REVOKED_EN,
                    "details": [],
                }
            },
        )
    sender = services.Sender(
        user=None if device is not None else request.user,  # type: ignore[arg-type]
        device=device,
        token=getattr(request, "api_token", None),
        request=request,
        via="api",
    )
    results = services.readings_ingest(items=items, sender=sender)
    counts = {"accepted": 0, "flagged": 0, "duplicate": 0, "rejected": 0}
    for result in results:
        counts[result.status] += 1
    # Rendered as it is: every value comes from a typed field of the results, and validating
    # a thousand of them again against ReadingsOut (which still documents the answer) cost
    # more than building them.
    body = {
        **counts,
        "results": [
            {
                "index": r.index,
                "client_id": r.client_id,
                "status": r.status,
                "reading_id": r.reading_id,
                "code": r.code,
                "message": r.message,
                "message_en": r.message_en,
                "flag": r.flag,
                "alerts": r.alerts,
            }
            for r in results
        ],
    }
    content = _RENDERER.render(request, body, response_status=200)
    return HttpResponse(content, content_type="application/json; charset=utf-8")


class AlertOut(Schema):
    id: int
    person_id: int
    person_name: str
    commune_code: int
    rule: str
    severity: int
    status: str
    message: str
    occurrences: int
    first_at: datetime
    last_at: datetime
    escalate_at: datetime | None


@router.get(
    "/alerts",
    response=list[AlertOut],
    auth=session_auth,
    summary="A health worker's open alerts, most urgent first",
)
def alerts_list(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    require_health_worker(user)  # type: ignore[arg-type]
    alerts: list[Alert] = list(selectors.open_alerts(user)[:200])  # type: ignore[arg-type]
    services.list_view_record(
        actor=user, what="alerts", people=[a.person_id for a in alerts], request=request, via="api"
    )  # type: ignore[arg-type]
    return [
        {
            "id": a.pk,
            "person_id": a.person_id,
            "person_name": a.person.full_name,
            "commune_code": a.commune_id,
            "rule": a.rule,
            "severity": a.severity,
            "status": a.status,
            "message": a.message,
            "occurrences": a.occurrences,
            "first_at": a.first_at,
            "last_at": a.last_at,
            "escalate_at": a.escalate_at,
        }
        for a in alerts
    ]

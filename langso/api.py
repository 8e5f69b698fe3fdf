"""The JSON API at /api/v1/: one NinjaAPI, a router per app, one error shape.

Every error is {"error": {"code", "message" (Vietnamese), "message_en", "details"}} so that a
client shows the Vietnamese text to people and logs the English one.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from accounts.api import router as accounts_router
from benefits.api import router as benefits_router
from health.api import router as health_router
from help.api import router as help_router
from knowledge.api import router as knowledge_router
from langso import __version__
from people.api import router as people_router
from places.api import router as places_router

api = NinjaAPI(
    title="Làng Số API",
    version="1",
    description=(
        "JSON API of Làng Số. Machine clients authenticate with `Authorization: Bearer <token>`; "
        "each token carries scopes. Errors share one shape: "
        '`{"error": {"code", "message", "message_en", "details"}}`.'
    ),
    urls_namespace="api",
    docs_url="/docs",
)


class ErrorBody(Schema):
    code: str
    message: str
    message_en: str
    details: list[Any] = []


class ErrorOut(Schema):
    error: ErrorBody


def error_response(
    request: HttpRequest, status: int, code: str, vi: str, en: str, details: list[Any] | None = None
) -> HttpResponse:
    return api.create_response(
        request,
        {"error": {"code": code, "message": vi, "message_en": en, "details": details or []}},
        status=status,
    )


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = [
        {"field": ".".join(str(p) for p in err.get("loc", [])), "message": err.get("msg", "")}
        for err in exc.errors
    ]
    return error_response(
        request,
        422,
        "validation_error",
        "Dữ liệu gửi lên không hợp lệ; xem danh sách lỗi trong 'details'.",
        "The request data is invalid; see the list of problems in 'details'.",
        details,
    )


@api.exception_handler(DjangoValidationError)
def on_django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return error_response(
        request,
        422,
        "validation_error",
        "Dữ liệu gửi lên không hợp lệ; xem danh sách lỗi trong 'details'.",
        "The request data is invalid; see the list of problems in 'details'.",
        [{"field": "", "message": m} for m in exc.messages],
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request,
        401,
        "unauthenticated",
        "Cần xác thực: gửi 'Authorization: Bearer <mã truy cập>' hoặc đăng nhập.",
        "Authentication required: send 'Authorization: Bearer <token>' or log in.",
    )


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(
        request,
        403,
        "forbidden",
        "Bạn không có quyền thực hiện thao tác này.",
        "You are not allowed to do this.",
        [str(exc)] if str(exc) else [],
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(
        request,
        404,
        "not_found",
        "Không tìm thấy, hoặc bạn không có quyền xem mục này.",
        "Not found, or you are not allowed to see it.",
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    return error_response(request, exc.status_code, "error", message, message)


class HealthOut(Schema):
    status: str
    database: str
    version: str
    time: str


@api.get(
    "/health",
    response={200: HealthOut, 503: HealthOut},
    auth=None,
    tags=["system"],
    summary="Liveness and database check",
)
def health(request: HttpRequest) -> Status[dict[str, str]]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database, status, code = "ok", "ok", 200
    except Exception:  # noqa: BLE001 - any database failure means "unavailable"
        database, status, code = "unavailable", "error", 503
    return Status(
        code,
        {
            "status": status,
            "database": database,
            "version": __version__,
            "time": timezone.now().isoformat(),
        },
    )


api.add_router("/places/", places_router)
api.add_router("/accounts/", accounts_router)
api.add_router("/people/", people_router)
api.add_router("/benefits/", benefits_router)
api.add_router("/knowledge/", knowledge_router)
api.add_router("/help/", help_router)
api.add_router("/health/", health_router)

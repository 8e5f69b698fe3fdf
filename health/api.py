"""JSON API of the health app: the book and FHIR exchange, readings and alerts."""

from __future__ import annotations

from ninja import Router

from health.book.api import router as book_router
from health.monitoring.api import router as monitoring_router

router = Router(tags=["health"])
router.add_router("", book_router)
router.add_router("", monitoring_router)

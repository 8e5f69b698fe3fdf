"""JSON API of the help app: corners, appointments, queues and cases."""

from __future__ import annotations

from ninja import Router

from help.case_api import router as case_router

router = Router(tags=["help"])
router.add_router("", case_router)

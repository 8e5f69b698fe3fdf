"""JSON API of the health app."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["health"])

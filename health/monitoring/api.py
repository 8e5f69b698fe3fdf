"""JSON API of the health monitoring part."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["health"])

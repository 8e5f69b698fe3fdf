"""JSON API of the health book part."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["health"])

"""JSON API of the help app."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["help"])

"""JSON API of help cases."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["help"])

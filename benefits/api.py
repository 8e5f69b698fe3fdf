"""JSON API of the benefits app."""

from ninja import Router

router = Router(tags=["benefits"])

"""Models of the health app."""

from __future__ import annotations

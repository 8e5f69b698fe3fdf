"""Models of the help app."""

from __future__ import annotations

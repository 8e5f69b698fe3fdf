"""Small helpers for the places tests: CSV bytes and villages made through the services."""

from __future__ import annotations

from typing import Any

from places import services


def csv_bytes(*lines: str, encoding: str = "utf-8", bom: bool = False) -> bytes:
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def village(commune: Any, name: str = "Ấp Hòa Bình", **extra: Any) -> Any:
    return services.village_create(commune_code=commune.code, name=name, **extra)

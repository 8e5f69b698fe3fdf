"""The browser tests load the demo province once for the session and leave it in the test
database; the other health tests count rows and create the demo accounts, so they run first."""

from __future__ import annotations

from typing import Any


def pytest_collection_modifyitems(items: list[Any]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)

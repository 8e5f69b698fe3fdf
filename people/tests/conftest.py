"""The browser test loads the demo province once for the session and leaves it in the test
database; the other registry tests count rows, so they run before it."""

from __future__ import annotations

from typing import Any


def pytest_collection_modifyitems(items: list[Any]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)

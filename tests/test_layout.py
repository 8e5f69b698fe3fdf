"""The test suite sees every test: no test module lies outside pytest's testpaths.

A new app whose directory is missing from `testpaths` in pyproject.toml would have its tests
silently left out of `make test`; this test names the directory instead.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORED = {".venv", "node_modules", ".git", "var", "staticfiles", "build"}


def _test_modules() -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [d for d in subdirectories if d not in IGNORED]
        for name in files:
            if name.startswith("test_") and name.endswith(".py"):
                yield Path(directory) / name


def test_it_collects_every_test_module_in_the_repository() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    testpaths = [ROOT / path for path in config["tool"]["pytest"]["ini_options"]["testpaths"]]

    outside = sorted(
        str(module.relative_to(ROOT))
        for module in _test_modules()
        if not any(module.is_relative_to(path) for path in testpaths)
    )

    assert not outside, (
        "These test modules are outside pytest's testpaths (pyproject.toml, "
        f"[tool.pytest.ini_options]) and never run: {outside}"
    )

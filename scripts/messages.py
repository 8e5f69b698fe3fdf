#!/usr/bin/env python
"""Keep the translation catalogues right.

`python scripts/messages.py update [APP ...]` refreshes each (or every) app's locale/<lang>/LC_MESSAGES/django.po
from the source. `python scripts/messages.py check` fails when a catalogue is out of date (a
string in the code that is missing from the .po, or an obsolete one still there) or when a
Vietnamese entry is untranslated or fuzzy: Vietnamese is the language citizens read first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "langso",
    "places",
    "accounts",
    "people",
    "notifications",
    "benefits",
    "knowledge",
    "help",
    "health",
]
LANGS = ["vi", "en"]


def _django_admin() -> list[str]:
    # -P: the app directory is the working directory, and its selectors.py must not shadow
    # the standard library's selectors module.
    return [sys.executable, "-P", "-m", "django"]


def update(app_dir: Path) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "langso.settings", "PYTHONPATH": str(ROOT)}
    (app_dir / "locale").mkdir(exist_ok=True)
    cmd = [*_django_admin(), "makemessages", "--no-location", "--no-obsolete", "-v", "0"]
    for lang in LANGS:
        cmd += ["-l", lang]
    subprocess.run(cmd, cwd=app_dir, env=env, check=True)


def _unquote(line: str) -> str:
    return line.strip()[1:-1]


def _entries(po: Path) -> dict[str, tuple[str, bool]]:
    """msgctxt+msgid → (first msgstr, fuzzy), parsed without extra packages."""
    entries: dict[str, tuple[str, bool]] = {}
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        fuzzy, field = False, ""
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            if not line or line.startswith("#"):
                continue
            if line.startswith('"'):
                fields[field] += _unquote(line)
                continue
            field, _sep, rest = line.partition(" ")
            fields.setdefault(field, "")
            fields[field] += _unquote(rest)
        msgid = fields.get("msgctxt", "") + "\x04" + fields.get("msgid", "")
        if fields.get("msgid"):
            entries[msgid] = (fields.get("msgstr", fields.get("msgstr[0]", "")), fuzzy)
    return entries


def check() -> int:
    problems: list[str] = []
    for app in APPS:
        app_dir = ROOT / app
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / app
            shutil.copytree(app_dir, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
            update(copy)
            for lang in LANGS:
                rel = Path("locale") / lang / "LC_MESSAGES" / "django.po"
                fresh, committed = copy / rel, app_dir / rel
                if not fresh.exists():
                    continue
                if not committed.exists():
                    problems.append(f"{app}: {rel} is missing; run `make messages`.")
                    continue
                new, old = _entries(fresh), _entries(committed)
                for msgid in sorted(set(new) - set(old)):
                    problems.append(
                        f"{app}/{rel}: not in catalogue: {msgid!r}; run `make messages`."
                    )
                for msgid in sorted(set(old) - set(new)):
                    problems.append(f"{app}/{rel}: obsolete entry: {msgid!r}; run `make messages`.")
                if lang == "vi":
                    for msgid, (msgstr, fuzzy) in sorted(old.items()):
                        if msgid in new and (not msgstr or fuzzy):
                            what = "fuzzy" if fuzzy else "untranslated"
                            problems.append(f"{app}/{rel}: {what}: {msgid!r}")
    for line in problems:
        print(line)
    print(f"translations: {len(problems)} problem(s)")
    return 1 if problems else 0


def main() -> int:
    what = sys.argv[1] if len(sys.argv) > 1 else "check"
    if what == "update":
        for app in sys.argv[2:] or APPS:
            update(ROOT / app)
        return 0
    return check()


if __name__ == "__main__":
    sys.exit(main())

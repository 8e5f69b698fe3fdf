"""Load the 34 provinces and 3,321 communes of the July 2025 reform from the vendored JSON.

Self-contained on purpose (migrations never import app code): the folding below is the same
rule as lib.vn_text.name_key, frozen as of this migration.
"""

import json
import re
import unicodedata
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "vn-divisions-2026-09.json"
_OLD_STYLE = re.compile(
    r"(?i)([oO])([\u0300\u0301\u0303\u0309\u0323])([aAeE])(?![a-zA-Z\u00C0-\u1EF9])"
    r"|([uU])([\u0300\u0301\u0303\u0309\u0323])([yY])(?![a-zA-Z\u00C0-\u1EF9])"
)


def _key(text):
    text = unicodedata.normalize("NFD", " ".join(text.split()))
    text = _OLD_STYLE.sub(
        lambda m: m.group(1) + m.group(3) + m.group(2) if m.group(1) else m.group(4) + m.group(6) + m.group(5),
        text,
    )
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()


def load(apps, schema_editor):
    Province = apps.get_model("places", "Province")
    Commune = apps.get_model("places", "Commune")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    Province.objects.bulk_create(
        [
            Province(
                code=p["code"],
                name=p["name"],
                codename=p["codename"],
                division_type=p["division_type"],
                phone_code=p.get("phone_code"),
            )
            for p in data
        ],
        ignore_conflicts=True,
    )
    Commune.objects.bulk_create(
        [
            Commune(
                code=w["code"],
                province_id=p["code"],
                name=unicodedata.normalize("NFC", w["name"]),
                codename=w["codename"],
                division_type=w["division_type"],
                name_key=_key(w["name"]),
            )
            for p in data
            for w in p["wards"]
        ],
        ignore_conflicts=True,
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [("places", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

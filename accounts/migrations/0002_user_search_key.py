"""Add User.search_key (name, username and phone folded to ASCII) and fill it for existing users.

The folding is repeated here rather than imported, so that this migration keeps working when the
application code changes.
"""

import re
import unicodedata

from django.db import migrations, models


def _fold(text):
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", stripped.lower()).strip()


def fill_search_key(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.only("pk", "full_name", "username", "phone").iterator():
        phone = user.phone or ""
        national = "0" + phone[3:] if phone.startswith("+84") else phone
        key = " ".join(p for p in (_fold(user.full_name), user.username.lower(), national) if p)
        User.objects.filter(pk=user.pk).update(search_key=key[:400])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="search_key",
            field=models.CharField(blank=True, editable=False, max_length=400),
        ),
        migrations.RunPython(fill_search_key, migrations.RunPython.noop),
    ]

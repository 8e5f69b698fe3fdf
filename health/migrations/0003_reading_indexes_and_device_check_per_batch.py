"""Readings: no index of the person link alone, no database check of the device link.

The index on (person, kind, measured_at) already serves every lookup by person; ingestion
checks the sending device once per batch instead of once per reading row.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("health", "0002_home_visit_one_per_plan_day"),
        ("people", "0006_creation_recorded_on_the_record"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reading",
            name="device",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="readings",
                to="health.device",
            ),
        ),
        migrations.AlterField(
            model_name="reading",
            name="person",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="people.person",
            ),
        ),
    ]

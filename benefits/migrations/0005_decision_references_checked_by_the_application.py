"""The eligibility run writes decisions whose references it has just read from the registry:
the application checks them (and Django still refuses to delete what they point at), not the
database, whose four checks per row took longer than inserting the rows. One index on
(person, policy, id) serves a person's decisions and the latest of one policy."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("benefits", "0004_current_decision_per_person_and_policy"),
        ("people", "0009_social_fact_pregnant_and_taken_in"),
        ("places", "0003_village_local_code_and_import_run"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="decision",
            name="decision_policy_latest_idx",
        ),
        migrations.AlterField(
            model_name="decision",
            name="commune",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="places.commune",
            ),
        ),
        migrations.AlterField(
            model_name="decision",
            name="person",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="people.person",
            ),
        ),
        migrations.AlterField(
            model_name="decision",
            name="run",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="decisions",
                to="benefits.eligibilityrun",
            ),
        ),
        migrations.AlterField(
            model_name="decision",
            name="supersedes",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="benefits.decision",
            ),
        ),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(
                fields=["person", "policy_id", "id"], name="decision_person_policy_idx"
            ),
        ),
    ]

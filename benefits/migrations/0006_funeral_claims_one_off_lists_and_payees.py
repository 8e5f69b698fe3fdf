"""Funeral support claims as one-off cases, one-off payment lists kept apart from the monthly
ones, and the payee (foster carer, whoever arranged a funeral) printed on a payment line."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("benefits", "0005_decision_references_checked_by_the_application"),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="status",
            field=models.CharField(
                choices=[
                    ("proposed", "Proposed"),
                    ("reviewed", "Reviewed"),
                    ("approved", "Approved"),
                    ("suspended", "Suspended"),
                    ("ended", "Ended"),
                    ("paid", "Paid"),
                ],
                default="proposed",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.CreateModel(
            name="FuneralClaim",
            fields=[
                (
                    "case",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="funeral_claim",
                        serialize=False,
                        to="benefits.case",
                    ),
                ),
                ("date_of_death", models.DateField(verbose_name="date of death")),
                (
                    "arranger_name",
                    models.CharField(max_length=150, verbose_name="who arranged the funeral"),
                ),
                (
                    "arranger_relation",
                    models.CharField(max_length=60, verbose_name="relation to the deceased"),
                ),
                ("arranger_phone", models.CharField(max_length=16, verbose_name="phone")),
                (
                    "arranger_personal_id",
                    models.CharField(blank=True, max_length=12, verbose_name="personal ID number"),
                ),
                (
                    "documents",
                    models.JSONField(blank=True, default=list, verbose_name="documents received"),
                ),
            ],
            options={
                "verbose_name": "funeral support claim",
                "verbose_name_plural": "funeral support claims",
            },
        ),
        migrations.AddField(
            model_name="paymentlist",
            name="kind",
            field=models.CharField(
                choices=[("monthly", "Monthly support"), ("one_off", "One-off support")],
                default="monthly",
                max_length=10,
                verbose_name="kind",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="paymentlist",
            name="payment_list_one_per_sequence",
        ),
        migrations.AddConstraint(
            model_name="paymentlist",
            constraint=models.UniqueConstraint(
                fields=("commune", "kind", "month", "sequence"),
                name="payment_list_one_per_kind_sequence",
            ),
        ),
        migrations.AddField(
            model_name="paymentline",
            name="payee_name",
            field=models.CharField(blank=True, max_length=150, verbose_name="paid to"),
        ),
        migrations.AddField(
            model_name="paymentline",
            name="payee_personal_id",
            field=models.CharField(
                blank=True, max_length=12, verbose_name="payee's personal ID number"
            ),
        ),
        migrations.AddField(
            model_name="paymentline",
            name="payee_relation",
            field=models.CharField(blank=True, max_length=60, verbose_name="payee's relation"),
        ),
    ]

"""A care plan has at most one home visit a day.

Two scheduling runs at the same moment (the daily run and a worker recording a visit, say)
could each add the same day's visit. Before the constraint, such twins are folded: a twin still
only scheduled is removed; a twin with an outcome (done, missed, cancelled) is kept as an extra
visit outside the plan, so no record of a visit is lost.
"""

from django.db import migrations, models


def fold_twin_visits(apps, schema_editor):
    HomeVisit = apps.get_model("health", "HomeVisit")
    twins = (
        HomeVisit.objects.filter(plan__isnull=False)
        .values("plan_id", "due_on")
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
    )
    for twin in twins:
        visits = list(
            HomeVisit.objects.filter(plan_id=twin["plan_id"], due_on=twin["due_on"]).order_by("id")
        )
        # Keep the first visit with an outcome, or else the oldest.
        kept = next((v for v in visits if v.status != "scheduled"), visits[0])
        for visit in visits:
            if visit.pk == kept.pk:
                continue
            if visit.status == "scheduled":
                HomeVisit.objects.filter(pk=visit.pk).delete()
            else:
                HomeVisit.objects.filter(pk=visit.pk).update(plan=None)


class Migration(migrations.Migration):
    dependencies = [
        ("health", "0001_book_readings_alerts"),
    ]

    operations = [
        migrations.RunPython(fold_twin_visits, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="homevisit",
            constraint=models.UniqueConstraint(
                condition=models.Q(("plan__isnull", False)),
                fields=("plan", "due_on"),
                name="home_visit_one_per_plan_day",
            ),
        ),
    ]

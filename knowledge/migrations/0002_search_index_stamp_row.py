from django.db import migrations


def create_stamp(apps, schema_editor):
    apps.get_model("knowledge", "SearchIndexStamp").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_articles_versions_phrasings_terms")]

    operations = [migrations.RunPython(create_stamp, migrations.RunPython.noop)]

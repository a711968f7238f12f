"""The starting list of causes (admins edit it on /studies/causes/)."""

from django.db import migrations

from motivo.studies.defaults import CAUSES, default_causes_ensure


def seed(apps, schema_editor):
    default_causes_ensure(apps.get_model("studies", "RepeatCause"))


def unseed(apps, schema_editor):
    RepeatCause = apps.get_model("studies", "RepeatCause")
    RepeatCause.objects.filter(slug__in=[slug for slug, *_names in CAUSES], studies=None).delete()


class Migration(migrations.Migration):
    dependencies = [("studies", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]

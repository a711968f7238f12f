"""Suggestions are for contacts that arrive from now on: the contacts already stored when
the app is installed are history (the suggester starts after the newest one)."""

from django.db import migrations
from django.db.models import Max


def start_after_history(apps, schema_editor):
    Contact = apps.get_model("cases", "Contact")
    SuggesterState = apps.get_model("suggest", "SuggesterState")
    SuggestSettings = apps.get_model("suggest", "SuggestSettings")
    top = Contact.objects.aggregate(top=Max("pk"))["top"] or 0
    SuggesterState.objects.update_or_create(pk=1, defaults={"watermark": top, "floor": top})
    SuggestSettings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [
        ("suggest", "0001_initial"),
    ]

    operations = [migrations.RunPython(start_after_history, migrations.RunPython.noop)]

"""Ship the checklist of weak and lax branches as data."""

from typing import Any

from django.db import migrations


def add(apps: Any, schema_editor: Any) -> None:
    from fupin.leadership.criteria import CRITERIA

    Criterion = apps.get_model("leadership", "WeakCriterion")
    for ordering, (key, label) in enumerate(CRITERIA, start=1):
        Criterion.objects.get_or_create(key=key, defaults={"label": label, "ordering": ordering})


def remove(apps: Any, schema_editor: Any) -> None:
    apps.get_model("leadership", "WeakCriterion").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("leadership", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]

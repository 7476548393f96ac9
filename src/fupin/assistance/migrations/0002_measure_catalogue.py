"""Ship the catalogue of measures (catalogue.MEASURES)."""

from typing import Any

from django.db import migrations


def install(apps: Any, schema_editor: Any) -> None:
    from fupin.assistance.catalogue import MEASURES

    MeasureType = apps.get_model("assistance", "MeasureType")
    existing = set(MeasureType.objects.values_list("code", flat=True))
    MeasureType.objects.bulk_create(
        MeasureType(code=code, name=name, category=category, project=project)
        for code, name, category, project in MEASURES
        if code not in existing
    )


class Migration(migrations.Migration):
    dependencies = [("assistance", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]

"""Add the assistance norms (visit gap, concern deadlines) to the shipped national
standards of databases made before they existed, as a new version of each."""

from typing import Any

from django.db import migrations

KEYS = (
    "visit_gap_days",
    "concern_days_village",
    "concern_days_township",
    "concern_days_department",
)


def add(apps: Any, schema_editor: Any) -> None:
    from fupin.policy import params as P

    Standard = apps.get_model("policy", "PolicyStandard")
    Version = apps.get_model("policy", "StandardVersion")
    for standard in Standard.objects.filter(region=""):
        latest = Version.objects.filter(standard=standard).order_by("-number").first()
        if latest is None or all(k in latest.params for k in KEYS):
            continue
        params = dict(latest.params)
        for key in KEYS:
            params.setdefault(key, P.NATIONAL_DEFAULTS[key])
        Version.objects.create(
            standard=standard,
            number=latest.number + 1,
            params=params,
            note="补充帮扶工作规范默认值",
        )


class Migration(migrations.Migration):
    dependencies = [("policy", "0004_run_rows_without_constraint")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]

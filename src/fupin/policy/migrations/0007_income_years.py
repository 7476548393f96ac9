"""Identification and exit judge different years' income (POLICY.md §2, §4): the one
``income_year_offset`` becomes ``identification_income_year_offset`` (its value kept:
the 12 months before) and ``exit_income_year_offset`` (the year being judged, 0) — a new
version of each standard that held the old key or, nationally, lacked the new ones."""

from typing import Any

from django.db import migrations

OLD = "income_year_offset"
IDENTIFICATION = "identification_income_year_offset"
EXIT = "exit_income_year_offset"
NOTE = "收入年度分为识别（上一年度）和退出（评估年度）两个参数"


def split(apps: Any, schema_editor: Any) -> None:
    from fupin.policy import params as P

    Standard = apps.get_model("policy", "PolicyStandard")
    Version = apps.get_model("policy", "StandardVersion")
    for standard in Standard.objects.all():
        latest = Version.objects.filter(standard=standard).order_by("-number").first()
        if latest is None:
            continue
        params = dict(latest.params)
        national = standard.region == ""
        if OLD not in params and (not national or (IDENTIFICATION in params and EXIT in params)):
            continue
        if OLD in params:
            # an override of the one offset meant the year identification reads
            params.setdefault(IDENTIFICATION, params.pop(OLD))
        if national:
            params.setdefault(IDENTIFICATION, P.NATIONAL_DEFAULTS[IDENTIFICATION])
            params.setdefault(EXIT, P.NATIONAL_DEFAULTS[EXIT])
        Version.objects.create(
            standard=standard, number=latest.number + 1, params=params, note=NOTE
        )


class Migration(migrations.Migration):
    dependencies = [("policy", "0006_organisation_norms")]
    operations = [migrations.RunPython(split, migrations.RunPython.noop)]

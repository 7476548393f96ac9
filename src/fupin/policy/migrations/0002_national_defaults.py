"""Ship the national standards of POLICY.md and the western provinces' override."""

from typing import Any

from django.db import migrations


def install(apps: Any, schema_editor: Any) -> None:
    from fupin.policy import params as P

    Standard = apps.get_model("policy", "PolicyStandard")
    Version = apps.get_model("policy", "StandardVersion")
    years = [*sorted(P.POVERTY_LINES), P.FIRST_MONITORING_YEAR]
    for year in years:
        if Standard.objects.filter(region="", year=year).exists():
            continue
        standard = Standard.objects.create(region="", year=year, region_name="全国")
        Version.objects.create(
            standard=standard,
            number=1,
            params=P.clean_params(P.national_defaults(year), complete=True),
            note="系统内置默认值（POLICY.md）",
        )
    for region, name in P.WESTERN_PROVINCES.items():
        if Standard.objects.filter(region=region).exists():
            continue
        standard = Standard.objects.create(region=region, year=years[0], region_name=name)
        Version.objects.create(
            standard=standard,
            number=1,
            params=P.clean_params(P.WESTERN_OVERRIDE, complete=False),
            note="西部省份：贫困发生率3%",
        )


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]

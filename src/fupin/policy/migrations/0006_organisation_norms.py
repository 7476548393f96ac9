"""Add the organisation norms, the vanguard index items and the first-secretary matching
weights to the shipped national standards of databases made before they existed, as a
new version of each."""

from typing import Any

from django.db import migrations

PREFIXES = ("contact_leaders_", "vanguard_", "match_")
KEYS = (
    "key_villages_per_leader_max",
    "weak_villages_per_leader_max",
    "listed_incidence_rate",
    "reserve_cadres_min",
    "supervisor_villages_min",
    "supervisor_villages_max",
    "young_official_age",
)


def add(apps: Any, schema_editor: Any) -> None:
    from fupin.policy import params as P

    keys = [k for k in P.NATIONAL_DEFAULTS if k in KEYS or k.startswith(PREFIXES)]
    Standard = apps.get_model("policy", "PolicyStandard")
    Version = apps.get_model("policy", "StandardVersion")
    for standard in Standard.objects.filter(region=""):
        latest = Version.objects.filter(standard=standard).order_by("-number").first()
        if latest is None or all(k in latest.params for k in keys):
            continue
        params = dict(latest.params)
        for key in keys:
            params.setdefault(key, P.NATIONAL_DEFAULTS[key])
        Version.objects.create(
            standard=standard,
            number=latest.number + 1,
            params=params,
            note="补充组织体系规范、先锋指数和第一书记匹配权重默认值",
        )


class Migration(migrations.Migration):
    dependencies = [("policy", "0005_assistance_norms")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]

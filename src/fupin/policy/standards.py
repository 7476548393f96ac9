"""Which standard is in force where: resolution by year and by area prefix.

A standard takes effect in its year and stays in force until a later one of the same
region; the national one applies everywhere, an override under its prefix, the narrowest
winning parameter by parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _

from fupin.core.errors import NotFound
from fupin.policy import params as P
from fupin.policy.engine import Part
from fupin.policy.models import PolicyStandard, StandardVersion


@dataclass(frozen=True)
class InForce:
    standard: PolicyStandard
    version: StandardVersion


def in_force(year: int) -> dict[str, InForce]:
    """{region: the standard in force there in ``year``, at its latest version}."""
    latest_year = {
        row["region"]: row["y"]
        for row in PolicyStandard.objects.filter(year__lte=year)
        .values("region")
        .annotate(y=Max("year"))
    }
    standards = [
        s
        for s in PolicyStandard.objects.filter(region__in=list(latest_year), year__lte=year)
        if latest_year[s.region] == s.year
    ]
    latest_number = {
        row["standard_id"]: row["n"]
        for row in StandardVersion.objects.filter(standard__in=standards)
        .values("standard_id")
        .annotate(n=Max("number"))
    }
    versions = {
        v.standard_id: v
        for v in StandardVersion.objects.filter(standard__in=standards)
        if latest_number.get(v.standard_id) == v.number
    }
    return {s.region: InForce(s, versions[s.pk]) for s in standards if s.pk in versions}


def chain(region_prefix: str, force: dict[str, InForce]) -> list[str]:
    """The regions whose standards apply at ``region_prefix``, widest first."""
    return sorted((r for r in force if region_prefix.startswith(r)), key=len)


def effective(region_prefix: str, force: dict[str, InForce]) -> dict[str, Any]:
    if "" not in force:
        raise NotFound(_("该年度没有国家标准，请先设置。"))
    return P.merge(*(force[r].version.params for r in chain(region_prefix, force)))


def plan(scope_prefix: str, year: int) -> tuple[list[Part], dict[str, InForce]]:
    """Split a scope into parts that share one effective standard."""
    force = in_force(year)
    if "" not in force:
        raise NotFound(_("%(year)d 年没有国家标准，请先设置。") % {"year": year})
    inner = sorted(r for r in force if r and r.startswith(scope_prefix) and r != scope_prefix)
    heads = [scope_prefix, *inner]
    parts: list[Part] = []
    for head in heads:
        nested = [r for r in inner if r != head and r.startswith(head)]
        # only the outermost nested overrides are cut out; theirs are cut out in turn
        excluded = tuple(r for r in nested if not any(r != q and r.startswith(q) for q in nested))
        params = effective(head, force)
        region = chain(head, force)[-1]
        parts.append(Part(region=region, prefix=head, excluded=excluded, params=params))
    used = {r: force[r] for r in force if any(r == c for p in heads for c in chain(p, force))}
    return parts, used

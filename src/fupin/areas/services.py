"""Writes to the area tree."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fupin.areas.codes import LEVELS, level_of, parent_code
from fupin.areas.models import Area, PovertyStatus
from fupin.audit.services import audit_write
from fupin.core.errors import InvalidInput


def areas_load(*, actor: Any, rows: Iterable[Mapping[str, str]], channel: str = "cli") -> int:
    """Create or rename areas from rows of ``code, name[, level][, boundary]``.

    All rows are checked first (codes, levels agreeing with codes, parents present in
    the rows or the tree); then the tree is written level by level in one transaction.
    Returns the number of areas created or changed.
    """
    errors: dict[str, list[str]] = {}
    parsed: dict[str, dict[str, Any]] = {}
    for line, row in enumerate(rows, start=2):
        code = (row.get("code") or row.get("区划代码") or "").strip()
        name = (row.get("name") or row.get("名称") or "").strip()
        level_given = (row.get("level") or row.get("层级") or "").strip()
        where = _("第%(line)d行") % {"line": line}
        try:
            level = level_of(code)
        except InvalidInput as exc:
            errors.setdefault(where, []).append(str(exc.message))
            continue
        if not name:
            errors.setdefault(where, []).append(_("名称不能为空"))
        if level_given and level_given not in (level, Area.Level(level).label):
            errors.setdefault(where, []).append(
                _("层级“%(given)s”与区划代码%(code)s不符") % {"given": level_given, "code": code}
            )
        boundary = None
        raw_boundary = (row.get("boundary") or "").strip()
        if raw_boundary:
            try:
                boundary = json.loads(raw_boundary)
            except ValueError:
                errors.setdefault(where, []).append(_("边界不是有效的GeoJSON"))
        if code in parsed:
            errors.setdefault(where, []).append(_("区划代码%(code)s重复") % {"code": code})
        poverty = _poverty_of(row, level, where, errors)
        parsed[code] = {"name": name, "level": level, "boundary": boundary, "poverty": poverty}

    existing = dict(Area.objects.filter(code__in=list(parsed)).values_list("code", "id"))
    missing_parents = {p for code in parsed if (p := parent_code(code)) and p not in parsed} - set(
        existing
    )
    known_parents = set(
        Area.objects.filter(code__in=list(missing_parents)).values_list("code", flat=True)
    )
    for code in sorted(parsed):
        p = parent_code(code)
        if p and p not in parsed and p not in known_parents and p not in existing:
            errors.setdefault(code, []).append(_("上级区划%(parent)s不存在") % {"parent": p})
    if errors:
        raise InvalidInput(_("区划文件有误，未导入任何区划。"), fields=errors)

    with transaction.atomic():
        ids = dict(
            Area.objects.filter(code__in=list(parsed) + list(missing_parents)).values_list(
                "code", "id"
            )
        )
        changed = 0
        for level in LEVELS:
            batch = [c for c, v in parsed.items() if v["level"] == level]
            new = [
                Area(
                    code=c,
                    name=parsed[c]["name"],
                    level=level,
                    parent_id=ids.get(parent_code(c) or ""),
                    boundary=parsed[c]["boundary"],
                )
                for c in batch
                if c not in ids
            ]
            Area.objects.bulk_create(new, batch_size=2000)
            changed += len(new)
            ids.update(
                Area.objects.filter(code__in=[a.code for a in new]).values_list("code", "id")
            )
            renamed = [
                Area(id=ids[c], name=parsed[c]["name"], boundary=parsed[c]["boundary"])
                for c in batch
                if c in existing
            ]
            Area.objects.bulk_update(renamed, ["name", "boundary"], batch_size=2000)
            changed += len(renamed)
            marked = [
                Area(
                    id=ids[c],
                    poverty_status=parsed[c]["poverty"][0],
                    poverty_identified_year=parsed[c]["poverty"][1],
                    poverty_exited_year=parsed[c]["poverty"][2],
                )
                for c in batch
                if parsed[c]["poverty"] is not None
            ]
            Area.objects.bulk_update(
                marked,
                ["poverty_status", "poverty_identified_year", "poverty_exited_year"],
                batch_size=2000,
            )
        audit_write(
            actor=actor,
            action="areas.load",
            object_type="area",
            object_ids=sorted(parsed)[:1000],
            fields=["code", "name"],
            channel=channel,
        )
    return changed


def _year(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not 1978 <= int(text) <= 2100:
        raise ValueError(text)
    return int(text)


def _poverty_of(
    row: Mapping[str, str], level: str, where: str, errors: dict[str, list[str]]
) -> tuple[str, int | None, int | None] | None:
    """A village's 贫困村 columns: the year it was registered and the year it exited.
    None when the row has neither, so that a rename never clears them."""
    raw_since = row.get("poor_since") or row.get("贫困村识别年度") or ""
    raw_exited = row.get("exited_in") or row.get("贫困村退出年度") or ""
    if not raw_since.strip() and not raw_exited.strip():
        return None
    if level != Area.Level.VILLAGE:
        errors.setdefault(where, []).append(_("只有行政村可以登记为贫困村"))
        return None
    try:
        since, exited = _year(raw_since), _year(raw_exited)
    except ValueError as exc:
        errors.setdefault(where, []).append(_("年度“%(value)s”无效") % {"value": exc.args[0]})
        return None
    if since is None:
        errors.setdefault(where, []).append(_("有退出年度的贫困村须填写识别年度"))
        return None
    if exited is not None and exited < since:
        errors.setdefault(where, []).append(_("贫困村退出年度早于识别年度"))
        return None
    return (
        PovertyStatus.EXITED if exited is not None else PovertyStatus.POOR,
        since,
        exited,
    )


@transaction.atomic
def village_poverty_exit(*, actor: Any, area_code: str, year: int, channel: str) -> None:
    """Mark a registered poor village as exited: the outcome of the village exit procedure,
    which has checked who may do it."""
    updated = Area.objects.filter(
        code=area_code, level=Area.Level.VILLAGE, poverty_status=PovertyStatus.POOR
    ).update(poverty_status=PovertyStatus.EXITED, poverty_exited_year=year)
    if updated != 1:
        raise InvalidInput(_("该村不是未退出的贫困村。"))
    audit_write(
        actor=actor,
        action="areas.village_exit",
        object_type="area",
        object_ids=[area_code],
        fields=["poverty_status", "poverty_exited_year"],
        channel=channel,
        area_code=area_code,
    )


def areas_load_csv(*, actor: Any, text: str, channel: str = "cli") -> int:
    return areas_load(
        actor=actor, rows=csv.DictReader(io.StringIO(text.lstrip("\ufeff"))), channel=channel
    )

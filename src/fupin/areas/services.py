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
from fupin.areas.models import Area
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
        parsed[code] = {"name": name, "level": level, "boundary": boundary}

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
        audit_write(
            actor=actor,
            action="areas.load",
            object_type="area",
            object_ids=sorted(parsed)[:1000],
            fields=["code", "name"],
            channel=channel,
        )
    return changed


def areas_load_csv(*, actor: Any, text: str, channel: str = "cli") -> int:
    return areas_load(
        actor=actor, rows=csv.DictReader(io.StringIO(text.lstrip("\ufeff"))), channel=channel
    )

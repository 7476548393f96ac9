"""Writes to the area tree."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sized
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from fupin.areas import loader
from fupin.areas.loader import LoadResult, ProgressFn
from fupin.areas.models import Area, PovertyStatus
from fupin.audit.services import audit_write
from fupin.core.errors import InvalidInput

if TYPE_CHECKING:
    import polars as pl


def areas_load_slices(
    *,
    actor: Any,
    slices: Iterable[pl.DataFrame],
    total: int = 0,
    channel: str = "cli",
    progress: ProgressFn | None = None,
) -> LoadResult:
    """Create or rename areas from slices of a file of ``code, name[, level][, boundary]
    [, poor_since, exited_in]`` (see ``areas.loader``), in one transaction.

    Every row is checked first (codes, levels agreeing with codes, names, parents present
    in the file or the tree, no code twice, the poverty-village years); a file with any
    wrong row raises ``InvalidInput`` listing them all by line and changes nothing.
    ``progress(phase, done, total)`` follows the phases read, check and write.
    """
    with transaction.atomic():
        result = loader.load(slices, total=total, progress=progress)
        audit_write(
            actor=actor,
            action="areas.load",
            object_type="area",
            object_ids=loader.first_codes(1000),
            fields=["code", "name"],
            channel=channel,
        )
        loader.drop_stage()
    return result


def areas_load_file(
    *, actor: Any, path: Path, channel: str = "cli", progress: ProgressFn | None = None
) -> LoadResult:
    """``areas_load_slices`` of a UTF-8 CSV file, read in slices (any size)."""
    return areas_load_slices(
        actor=actor,
        slices=loader.csv_slices(path),
        total=loader.count_lines(path),
        channel=channel,
        progress=progress,
    )


def areas_load(
    *,
    actor: Any,
    rows: Iterable[Mapping[str, str]],
    channel: str = "cli",
    progress: ProgressFn | None = None,
) -> int:
    """``areas_load_slices`` of rows given as mappings (header → cell); returns the number
    of areas created or changed."""
    result = areas_load_slices(
        actor=actor,
        slices=loader.row_slices(rows),
        total=len(rows) if isinstance(rows, Sized) else 0,
        channel=channel,
        progress=progress,
    )
    return result.created + result.changed


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


def areas_load_csv(
    *, actor: Any, text: str, channel: str = "cli", progress: ProgressFn | None = None
) -> int:
    """``areas_load_slices`` of a CSV file's text; returns the number of areas created or
    changed."""
    result = areas_load_slices(
        actor=actor,
        slices=loader.csv_slices(text.lstrip("\ufeff").encode("utf-8")),
        total=max(text.count("\n") - 1, 0),
        channel=channel,
        progress=progress,
    )
    return result.created + result.changed

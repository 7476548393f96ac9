"""Areas in three provinces: Hubei (central), Hunan (central, requires safe water in some
tests) and Guizhou (western: villages and counties exit below 3%)."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.areas.services import areas_load

MORE_AREAS = [
    ("430000000000", "湖南省"),
    ("433100000000", "湘西土家族苗族自治州"),
    ("433101000000", "吉首市"),
    ("433101100000", "乾州街道"),
    ("433101100001", "乾州村"),
    ("520000000000", "贵州省"),
    ("522600000000", "黔东南苗族侗族自治州"),
    ("522601000000", "凯里市"),
    ("522601100000", "大十字街道"),
    ("522601100001", "大十字村"),
]
HUNAN_VILLAGE = "433101100001"
GUIZHOU_VILLAGE = "522601100001"


@pytest.fixture
def provinces(areas: None) -> None:
    areas_load(actor=None, rows=[{"code": c, "name": n} for c, n in MORE_AREAS])


@pytest.fixture
def run_now() -> Any:
    """Create and execute a run synchronously (as the worker would)."""
    from fupin.policy import services

    def run(area_code: str, year: int = 2026, actor: Any = None) -> Any:
        created = services.evaluation_run_create(actor=actor, area_code=area_code, year=year)
        done = services.evaluation_run_execute(run_id=created.pk)
        assert done.status == "done", done.error
        return done

    return run

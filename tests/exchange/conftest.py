from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    """Uploads go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def jobs_inline(settings: Any, media: Path) -> Path:
    """Jobs run inline (immediate backend), with uploads in the temporary MEDIA_ROOT."""
    settings.TASKS = IMMEDIATE
    return media

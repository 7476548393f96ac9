"""Visit photos: shown on the household page, downloadable within the user's areas only."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fupin.assistance import services
from fupin.assistance.models import VisitPhoto
from tests import factories

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 32


def test_visit_photo_download_is_scoped(
    client_for: Any, users: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    unit = services.unit_save(
        actor=None, name="县林业局", kind="department", area_code="422822000000"
    )
    services.cadre_save(
        actor=None,
        unit_id=unit.pk,
        name="覃明",
        area_code=factories.VILLAGE,
        user_id=users["cadre"].pk,
    )
    h = factories.household(status="not_exited")
    services.visit_record(
        actor=users["cadre"],
        household_id=h.pk,
        visited_on=timezone.localdate(),
        seen="查看护林情况",
        photos=[SimpleUploadedFile("山林.png", PNG)],
    )
    photo = VisitPhoto.objects.get()
    page = client_for("village_secretary").get(f"/households/{h.pk}/").content.decode()
    assert f"/assistance/photos/{photo.pk}/" in page
    got = client_for("cadre").get(f"/assistance/photos/{photo.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == PNG
    assert got["Content-Type"] == "image/png" and got["X-Content-Type-Options"] == "nosniff"
    assert client_for("other_secretary").get(f"/assistance/photos/{photo.pk}/").status_code == 404
    assert client_for("outsider").get(f"/assistance/photos/{photo.pk}/").status_code == 404

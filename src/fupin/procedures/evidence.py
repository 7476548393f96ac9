"""Checking and storing evidence files: the type is read from the first bytes, not from
the name or the browser's word; the size is bounded; the stored name is fupin's own."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from fupin.core.errors import InvalidInput
from fupin.core.files import private_dir, write_private

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 10

# (magic prefix, extension, content type)
SIGNATURES = (
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
)


@dataclass(frozen=True)
class Checked:
    name: str
    extension: str
    content_type: str
    data: bytes


def check(upload: Any) -> Checked:
    """Read one uploaded file (Django's UploadedFile) within the size limit and identify it."""
    name = Path(str(getattr(upload, "name", "") or "file")).name[:200]
    size = int(getattr(upload, "size", 0) or 0)
    if size > MAX_BYTES:
        raise InvalidInput(fields={"evidence": [_("文件“%(name)s”超过 10 MB") % {"name": name}]})
    data = b"".join(upload.chunks())
    if len(data) > MAX_BYTES:
        raise InvalidInput(fields={"evidence": [_("文件“%(name)s”超过 10 MB") % {"name": name}]})
    if not data:
        raise InvalidInput(fields={"evidence": [_("文件“%(name)s”是空的") % {"name": name}]})
    for magic, extension, content_type in SIGNATURES:
        if data.startswith(magic):
            return Checked(name, extension, content_type, data)
    raise InvalidInput(
        fields={
            "evidence": [
                _("文件“%(name)s”不是 PDF、JPEG 或 PNG（按文件内容判断）") % {"name": name}
            ]
        }
    )


def store(owner_id: int, checked: Checked, *, under: str = "evidence") -> str:
    """Write the file under MEDIA_ROOT/<under>/<owner_id>/; returns its relative path."""
    relative = Path(under) / str(int(owner_id)) / (f"{secrets.token_hex(12)}.{checked.extension}")
    target = Path(settings.MEDIA_ROOT) / relative
    private_dir(target.parent)
    write_private(target, checked.data)
    return relative.as_posix()


def remove(paths: list[str]) -> None:
    root = Path(settings.MEDIA_ROOT)
    for relative in paths:
        (root / relative).unlink(missing_ok=True)


def absolute(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def file_response(relative: str, content_type: str, name: str) -> Any:
    """A stored file as a download (never shown inline, never sniffed), or NotFound."""
    from django.http import FileResponse
    from django.utils.http import content_disposition_header

    from fupin.core.errors import NotFound

    path = absolute(relative)
    if not path.is_file():
        raise NotFound(_("文件已不存在。"))
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(False, name) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response

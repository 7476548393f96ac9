"""``fupin purge_uploads``: remove import uploads and error reports past their retention
(``FUPIN_UPLOAD_RETENTION_DAYS`` after the job finished or failed). Run it daily (cron,
a systemd timer); each new import also does it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fupin.exchange.services import import_uploads_purge


class Command(BaseCommand):
    help = "删除超过保存期限的导入文件 / Remove import uploads past their retention"

    def handle(self, *args: Any, **options: Any) -> None:
        ids = import_uploads_purge()
        self.stdout.write(
            _("已删除 %(n)d 个导入任务的上传文件（保存期限 %(days)d 天）。")
            % {"n": len(ids), "days": settings.FUPIN_UPLOAD_RETENTION_DAYS}
        )

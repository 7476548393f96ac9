"""Import jobs: one upload of registry files, run in the background by a worker.

The job row holds the request (files, options) and the final outcome. While the engine
runs, it holds the database's write transaction (on SQLite no other connection may write
then), so live progress is kept in a small JSON file beside the job's files instead of in
this row; see :mod:`fupin.exchange.services`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("等待处理")
        RUNNING = "running", _("正在处理")
        VALIDATED = "validated", _("校验通过（试运行，未写入）")
        SUCCEEDED = "succeeded", _("已导入")
        REJECTED = "rejected", _("有错误，未导入任何数据")
        FAILED = "failed", _("处理出错（可重新运行）")

    FINISHED = (Status.VALIDATED, Status.SUCCEEDED, Status.REJECTED, Status.FAILED)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="import_jobs",
        verbose_name=_("提交人"),
    )
    # The common prefix of the creator's writable areas when the job was made: the job's
    # data lies under it, so overseers of that area may see the job.
    area_prefix = models.CharField(_("区划范围"), max_length=15, blank=True, db_index=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    channel = models.CharField(_("渠道"), max_length=16, default="web")
    dry_run = models.BooleanField(_("试运行"), default=False)
    create_areas = models.BooleanField(_("自动创建区划"), default=False)
    reason = models.CharField(_("导入原因"), max_length=200, blank=True)

    file_names = models.JSONField(_("原文件名"), default=list)
    # Paths relative to MEDIA_ROOT; names are made by fupin, never taken from the upload.
    file_paths = models.JSONField(_("存储路径"), default=list)

    households_created = models.PositiveIntegerField(_("新增户"), default=0)
    households_updated = models.PositiveIntegerField(_("更新户"), default=0)
    households_unchanged = models.PositiveIntegerField(_("未变户"), default=0)
    members_created = models.PositiveIntegerField(_("新增成员"), default=0)
    members_updated = models.PositiveIntegerField(_("更新成员"), default=0)
    members_removed = models.PositiveIntegerField(_("移除成员"), default=0)

    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    # The first errors, for the job page; the full list is in the report workbook.
    errors = models.JSONField(_("错误（前若干条）"), default=list)
    error_report = models.CharField(_("错误报告"), max_length=300, blank=True)
    refused = models.TextField(_("拒绝原因"), blank=True)
    ignored_headers = models.JSONField(_("忽略的列"), default=dict)
    failure = models.TextField(_("出错信息"), blank=True)
    attempts = models.PositiveIntegerField(_("运行次数"), default=0)

    # When the uploads and the error report were removed at the end of their retention.
    files_purged_at = models.DateTimeField(_("文件删除时间"), null=True, blank=True)

    phase = models.CharField(_("阶段"), max_length=16, blank=True)
    done = models.PositiveBigIntegerField(_("已处理"), default=0)
    total = models.PositiveBigIntegerField(_("总数"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="importjob_user_idx")]
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")

    def __str__(self) -> str:
        return f"ImportJob {self.pk} {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def status_chip(self) -> str:
        """The CSS class of the status chip (the registry's colours)."""
        if self.status in (self.Status.SUCCEEDED, self.Status.VALIDATED):
            return "status-exited"
        if self.status in (self.Status.REJECTED, self.Status.FAILED):
            return "status-not_exited"
        return "status-monitored"

    @property
    def files_kept_until(self) -> Any:
        """Until when the uploads and error report are kept; None while running or once
        removed."""
        if self.files_purged_at is not None or self.finished_at is None:
            return None
        return self.finished_at + timedelta(days=settings.FUPIN_UPLOAD_RETENTION_DAYS)

    @property
    def directory(self) -> Path:
        return Path(settings.MEDIA_ROOT) / "imports" / str(self.pk)

    def absolute_paths(self) -> list[Path]:
        root = Path(settings.MEDIA_ROOT)
        return [root / p for p in self.file_paths]

    def counts(self) -> dict[str, Any]:
        return {
            "households_created": self.households_created,
            "households_updated": self.households_updated,
            "households_unchanged": self.households_unchanged,
            "members_created": self.members_created,
            "members_updated": self.members_updated,
            "members_removed": self.members_removed,
        }

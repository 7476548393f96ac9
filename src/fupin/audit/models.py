"""The audit trail: every write, and every display or export of unmasked personal data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        WRITE = "write", _("修改")
        PII_VIEW = "pii_view", _("查看个人信息")
        PII_EXPORT = "pii_export", _("导出个人信息")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_ids = models.JSONField(default=list)
    # Names of fields shown or changed, never their values: the trail must not become a PII copy.
    fields = models.JSONField(default=list)
    channel = models.CharField(max_length=16, blank=True)  # web, api, cli, export
    area_code = models.CharField(max_length=15, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["actor", "at"]), models.Index(fields=["kind", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action}"

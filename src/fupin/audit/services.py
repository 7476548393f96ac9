"""Writing the audit trail. Called inside the caller's transaction, so an audit row
lands exactly when the change it describes lands."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fupin.audit.models import AuditEvent


def audit_write(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_ids: Iterable[int | str],
    fields: Iterable[str] = (),
    channel: str = "web",
    area_code: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        kind=AuditEvent.Kind.WRITE,
        action=action,
        object_type=object_type,
        object_ids=list(object_ids),
        fields=sorted(set(fields)),
        channel=channel,
        area_code=area_code,
    )


class AppAudit:
    """``audit_write`` for one app's services: actions are prefixed with the app's name."""

    def __init__(self, app: str) -> None:
        self.app = app

    def __call__(
        self,
        actor: Any,
        action: str,
        object_type: str,
        ids: Iterable[int | str],
        area_code: str,
        channel: str,
    ) -> None:
        audit_write(
            actor=actor,
            action=f"{self.app}.{action}",
            object_type=object_type,
            object_ids=list(ids),
            channel=channel,
            area_code=area_code,
        )


def pii_access_record(
    *,
    actor: Any,
    object_type: str,
    object_ids: Iterable[int | str],
    fields: Iterable[str],
    channel: str,
    export: bool = False,
) -> AuditEvent | None:
    """Record that ``actor`` saw (or exported) unmasked personal data of these objects."""
    ids = list(object_ids)
    if not ids:
        return None
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        kind=AuditEvent.Kind.PII_EXPORT if export else AuditEvent.Kind.PII_VIEW,
        action="pii.export" if export else "pii.view",
        object_type=object_type,
        object_ids=ids,
        fields=sorted(set(fields)),
        channel=channel,
    )

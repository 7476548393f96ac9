"""core.pii: one rule for masking, one access record per response, no way around it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from fupin.accounts.scope import Scope
from fupin.audit.models import AuditEvent
from fupin.core import pii

SRC = Path(pii.__file__).resolve().parents[1]
SEES = Scope(user_id=1, prefixes=("4228",), pii_prefixes=("422822100",))


def test_masks_by_kind() -> None:
    assert pii.mask(pii.ID_NUMBER, "422822199001011234") == "422822********1234"
    assert pii.mask(pii.PHONE, "13812345678") == "138****5678"
    assert pii.mask(pii.HEALTH, "disabled") == "（无权查看）"
    with pytest.raises(ValueError):
        pii.mask("name", "张三")


def test_a_viewer_shows_plain_only_where_the_role_sees_and_remembers_only_that() -> None:
    v = pii.Viewer(actor=None, scope=SEES, channel="web")
    inside, outside = "422822100001", "422822101001"
    assert v.phone("13812345678", area_code=inside, ref=("household", 1)) == "13812345678"
    assert v.phone("13812345679", area_code=outside, ref=("household", 2)) == "138****5679"
    assert v.health("disabled", "残疾", area_code=inside, ref=("member", 5)) == "残疾"
    assert v.health("disabled", "残疾", area_code=outside, ref=("member", 6)) == "（无权查看）"
    assert v.health_key("disabled", area_code=outside, ref=("member", 6)) is None
    assert v.id_number("", area_code=inside, ref=("member", 7)) == ""  # nothing revealed
    assert v.revealed == {"household": {1: {"phone"}}, "member": {5: {"health"}}}
    public = pii.public_viewer()
    assert public.phone("13812345678", area_code=inside, ref=("household", 1)) == "138****5678"
    assert public.revealed == {}


@pytest.mark.django_db
def test_one_record_per_flush_naming_records_and_fields_never_values() -> None:
    v = pii.Viewer(actor=None, scope=SEES, channel="api")
    v.id_number("422822199001011234", area_code="422822100001", ref=("member", 3))
    v.health("serious", "患有大病", area_code="422822100001", ref=("member", 3))
    v.id_number("422822199001015678", area_code="422822100001", ref=("member", 2))
    event = v.flush()
    assert event is not None
    assert (event.kind, event.object_type, event.object_ids, event.fields, event.channel) == (
        "pii_view", "member", [2, 3], ["health", "id_number"], "api",
    )  # fmt: skip
    assert v.flush() is None  # nothing new
    v.phone("13812345678", area_code="422822100001", ref=("household", 9))
    v.id_number("422822199001011234", area_code="422822100001", ref=("member", 3))
    mixed = v.flush()
    assert mixed is not None and mixed.object_type == "household+member"
    assert mixed.object_ids == ["household:9", "member:3"]
    assert mixed.fields == ["household.phone", "member.id_number"]
    assert "13812345678" not in str(AuditEvent.objects.values_list())


@pytest.mark.django_db
def test_viewing_outside_a_request_records_when_done() -> None:
    with pii.viewing(actor=None, scope=SEES, channel="export", export=True) as v:
        v.note_many("household", [4, 2], ["phone"])
    event = AuditEvent.objects.get()
    assert (event.kind, event.object_ids, event.fields) == ("pii_export", [2, 4], ["phone"])


def test_a_viewer_needs_the_middleware() -> None:
    request = RequestFactory().get("/")
    with pytest.raises(ImproperlyConfigured):
        pii.viewer(request)


@pytest.mark.django_db
def test_the_middleware_writes_nothing_for_a_failed_view() -> None:
    from django.http import HttpResponse

    def view(request: Any) -> HttpResponse:
        v = pii.viewer(request)
        v.scope = SEES
        v.phone("13812345678", area_code="422822100001", ref=("household", 1))
        return HttpResponse(status=500 if request.GET.get("fail") else 200)

    middleware = pii.PiiAuditMiddleware(view)
    middleware(RequestFactory().get("/?fail=1"))
    assert not AuditEvent.objects.exists()
    middleware(RequestFactory().get("/"))
    assert AuditEvent.objects.get().object_ids == [1]


# Masking and the access record have one home; anything else calling them would be a
# second rule that the walk of every page might not notice.
_FORBIDDEN = re.compile(
    r"\b(mask_id_number|mask_phone|mask_sensitive|pii_access_record|PII_VIEW|PII_EXPORT)\b"
    r"|\bsees_pii\(|core\.masking"
)
_ALLOWED = {"core/pii.py", "audit/services.py", "audit/models.py", "accounts/scope.py"}


def test_no_masking_or_access_record_outside_core_pii() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{n}: {line.strip()}"
        for path in sorted(SRC.rglob("*.py"))
        if str(path.relative_to(SRC)) not in _ALLOWED and "migrations" not in path.parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _FORBIDDEN.search(line)
    ]
    assert not offenders, offenders

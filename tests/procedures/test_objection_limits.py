"""The public objection form takes a bounded number of objections per visitor and day
(the visitor a keyed hash of address and cookie, never the address), and objections that
repeat one another are resolved together with one finding — service, page and API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fupin.core.errors import Conflict, InvalidInput
from fupin.procedures import services
from fupin.procedures.models import Objection
from tests.procedures.api_helpers import api_client, post
from tests.procedures.test_public import noticed  # noqa: F401 - the fixture
from tests.procedures.test_services import TODAY, on

pytestmark = pytest.mark.django_db


def _object(client: Client, notice: Any, procedure: Any, text: str) -> Any:
    with on(TODAY):
        return client.post(f"/notices/{notice.pk}/", {"procedure": procedure.pk, "text": text})


def test_a_visitor_raises_a_bounded_number_a_day(noticed: Any, settings: Any) -> None:  # noqa: F811
    settings.FUPIN_PUBLIC_OBJECTIONS_PER_DAY = 3
    notice, procedure = noticed
    visitor = Client(REMOTE_ADDR="10.1.2.3")
    for n in range(3):
        assert _object(visitor, notice, procedure, f"第{n}条意见").status_code == 302
    refused = _object(visitor, notice, procedure, "第四条")
    assert refused.status_code == 400
    assert "每日上限" in refused.content.decode()
    assert Objection.objects.count() == 3
    # another visitor (another cookie) is not held back
    assert _object(Client(REMOTE_ADDR="10.1.2.3"), notice, procedure, "别人").status_code == 302
    keys = set(Objection.objects.values_list("visitor", flat=True))
    assert len(keys) == 2 and all(len(k) == 64 for k in keys)
    for row in Objection.objects.values():
        assert not any("10.1.2.3" in str(v) for v in row.values())


def test_the_default_limit_is_five_and_in_person_objections_are_not_counted(
    noticed: Any,  # noqa: F811
    users: dict[str, Any],
) -> None:
    notice, procedure = noticed
    key = services.visitor_key("10.9.9.9", "a" * 32)
    assert (
        key
        == services.visitor_key("10.9.9.9", "a" * 32)
        != services.visitor_key("10.9.9.8", "a" * 32)
    )
    with on(TODAY):
        for n in range(5):
            services.objection_raise(
                notice_id=notice.pk, procedure_id=procedure.pk, text=f"{n}", visitor=key
            )
        with pytest.raises(InvalidInput) as err:
            services.objection_raise(
                notice_id=notice.pk, procedure_id=procedure.pk, text="6", visitor=key
            )
        assert err.value.code == "too_many_objections"
        services.objection_raise(
            notice_id=notice.pk,
            procedure_id=procedure.pk,
            text="当面反映",
            actor=users["village_secretary"],
            channel="in_person",
        )
    assert Objection.objects.count() == 6


def _repeats(notice: Any, procedure: Any) -> list[Objection]:
    with on(TODAY):
        return [
            services.objection_raise(
                notice_id=notice.pk, procedure_id=procedure.pk, text=text, visitor=str(i)
            )
            for i, text in enumerate(
                ["他家儿子是公务员", " 他家儿子是公务员！", "他家儿子 是公务员。", "另有一事"]
            )
        ]


def test_repeated_objections_are_grouped_and_resolved_together(
    noticed: Any,  # noqa: F811
    users: dict[str, Any],
) -> None:
    notice, procedure = noticed
    *same, other = _repeats(notice, procedure)
    [group] = services.repeated_objections(list(Objection.objects.all()))
    assert [o.pk for o in group] == [o.pk for o in same]
    secretary = users["village_secretary"]
    done = services.objections_resolve(
        actor=secretary, objection_ids=[o.pk for o in same], upheld=False, finding="经核实不属实"
    )
    assert len(done) == 3
    assert set(
        Objection.objects.filter(pk__in=[o.pk for o in same]).values_list("status", "finding")
    ) == {("dismissed", "经核实不属实")}
    assert Objection.objects.get(pk=other.pk).status == "open"
    with pytest.raises(Conflict):  # all or none: one is already resolved
        services.objections_resolve(
            actor=secretary, objection_ids=[same[0].pk, other.pk], upheld=False, finding="x"
        )
    assert Objection.objects.get(pk=other.pk).status == "open"


def test_the_page_offers_one_finding_for_the_repeats(
    noticed: Any,  # noqa: F811
    client_for: Any,
) -> None:
    notice, procedure = noticed
    *same, other = _repeats(notice, procedure)
    secretary = client_for("village_secretary")
    page = secretary.get(f"/procedures/{procedure.pk}/").content.decode()
    assert "核查重复的异议（3 条）" in page
    ids = ",".join(str(o.pk) for o in same)
    assert f'value="{ids}"' in page
    response = secretary.post(
        f"/procedures/{procedure.pk}/",
        {"what": "resolve_group", "ids": ids, "upheld": "0", "finding": "不属实"},
    )
    assert response.status_code == 302
    assert Objection.objects.filter(status="dismissed").count() == 3
    assert Objection.objects.get(pk=other.pk).status == "open"


def test_the_api_resolves_several_at_once(
    noticed: Any,  # noqa: F811
    users: dict[str, Any],
) -> None:
    notice, procedure = noticed
    *same, _other = _repeats(notice, procedure)
    ids = [o.pk for o in same]
    body = {"objection_ids": ids, "upheld": True, "finding": "属实"}
    outside = post(api_client(users["other_secretary"]), "/api/objections/resolve", body)
    assert outside.status_code == 404
    response = post(api_client(users["village_secretary"]), "/api/objections/resolve", body)
    assert response.status_code == 200, response.content
    assert [o["status"] for o in response.json()] == ["upheld"] * 3
    procedure.refresh_from_db()
    assert procedure.step == "cross_checked"  # back to before the village review, once
    assert procedure.steps.filter(action="reopened").count() == 1

"""The public notice pages: no login, masked IDs, no health or phone, objections."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.test import Client

from fupin.procedures import services
from fupin.procedures.models import Objection
from fupin.registry.models import Household, Member
from tests import factories
from tests.procedures.helpers import candidate_run
from tests.procedures.test_services import TODAY, on, open_identification, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def noticed(users: dict[str, Any]) -> Any:
    procedure = walk(users, open_identification(users), "village_reviewed", TODAY)
    with on(TODAY):
        notice = services.notice_publish(
            actor=users["village_secretary"], procedure_ids=[procedure.pk]
        )
    return notice, procedure


def test_anyone_sees_the_notice_with_ids_masked(noticed: Any) -> None:
    notice, procedure = noticed
    head = Member.objects.get(household_id=procedure.household_id, relation="head")
    Member.objects.filter(pk=head.pk).update(health="serious")
    Household.objects.filter(pk=procedure.household_id).update(phone="13812345678")
    with on(TODAY):
        listing = Client().get("/notices/")
        page = Client().get(f"/notices/{notice.pk}/")
    assert listing.status_code == 200 and notice.title in listing.content.decode()
    html = page.content.decode()
    assert page.status_code == 200
    assert head.name in html
    assert head.id_number not in html
    assert head.id_number[:6] + "********" + head.id_number[-4:] in html
    assert "患有大病" not in html
    assert "13812345678" not in html
    assert "提出异议" in html


def test_an_objection_from_the_public_page_blocks_the_next_step(
    noticed: Any, users: dict[str, Any]
) -> None:
    notice, procedure = noticed
    client = Client(enforce_csrf_checks=False)
    with on(TODAY):
        bad = client.post(f"/notices/{notice.pk}/", {"procedure": procedure.pk, "text": " "})
        assert bad.status_code == 400
        wrong = client.post(f"/notices/{notice.pk}/", {"procedure": 999999, "text": "x"})
        assert wrong.status_code == 400
        robot = client.post(
            f"/notices/{notice.pk}/", {"procedure": procedure.pk, "text": "spam", "website": "x"}
        )
        assert robot.status_code == 400
        assert not Objection.objects.exists()
        ok = client.post(
            f"/notices/{notice.pk}/",
            {"procedure": procedure.pk, "text": "他家儿子是公务员", "name": "", "contact": ""},
        )
    assert ok.status_code == 302
    objection = Objection.objects.get()
    assert (objection.channel, objection.status) == ("public", "open")
    with on(notice.ends_on + dt.timedelta(days=1)), pytest.raises(Exception, match="异议"):
        services.procedure_advance(
            actor=users["township_officer"], procedure_id=procedure.pk, step="township_reviewed"
        )


def test_an_ended_notice_takes_no_objection_and_old_ones_leave_the_page(noticed: Any) -> None:
    notice, _ = noticed
    with on(notice.ends_on + dt.timedelta(days=1)):
        page = Client().get(f"/notices/{notice.pk}/")
    assert page.status_code == 200 and "公示已结束" in page.content.decode()
    assert "提出异议" not in page.content.decode()
    with on(notice.ends_on + dt.timedelta(days=31)):
        assert Client().get(f"/notices/{notice.pk}/").status_code == 404
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        assert Client().get("/notices/999999/").status_code == 404


def test_a_notice_page_lists_a_village_batch(users: dict[str, Any]) -> None:
    households = [factories.household(status="not_exited") for _ in range(3)]
    procedures = []
    for h in households:
        run_id = candidate_run(h, "exit")
        with on(TODAY):
            p = services.procedure_open(
                actor=users["village_secretary"], kind="exit", household_id=h.pk, run_id=run_id
            )
        procedures.append(walk(users, p, "agreement_signed", TODAY))
    with on(TODAY):
        notice = services.notice_publish(
            actor=users["village_secretary"], procedure_ids=[p.pk for p in procedures]
        )
        html = Client().get(f"/notices/{notice.pk}/").content.decode()
    for h in households:
        assert h.number in html

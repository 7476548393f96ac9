"""The village exit (贫困村退出): proposed by the township for poor villages that met the
village standard in an evaluation run, a notice within the township, the county's
announcement; the village's 贫困村 status is what changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fupin.areas.models import Area
from fupin.areas.services import areas_load
from fupin.audit.models import AuditEvent
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.policy import services as policy_services
from fupin.procedures import selectors, services
from fupin.procedures.models import Procedure
from tests import factories
from tests.procedures.test_services import TODAY, on

pytestmark = pytest.mark.django_db
V1, V2, V3 = factories.VILLAGE, factories.OTHER_VILLAGE_SAME_TOWNSHIP, "422822100003"


@pytest.fixture
def run(users: dict[str, Any]) -> Any:
    """V1 and V2 meet the village standard, V3 does not (no collective income figure);
    V1 and V3 are registered poor villages, V2 never was."""
    areas_load(actor=None, rows=[{"code": V3, "name": "三村"}])
    for code in (V1, V2, V3):
        Area.objects.filter(code=code).update(rural_population=1000)
    for code in (V1, V2):
        policy_services.village_facts_set(
            actor=None, area_code=code, year=2026, data={"collective_income": "60000"}
        )
    Area.objects.filter(code__in=[V1, V3]).update(
        poverty_status="poor", poverty_identified_year=2014
    )
    created = policy_services.evaluation_run_create(actor=None, area_code="422822000000", year=2026)
    done = policy_services.evaluation_run_execute(run_id=created.pk)
    assert done.status == "done", done.error
    return done


def test_open_from_a_run_only_for_poor_villages_that_passed(
    users: dict[str, Any], run: Any
) -> None:
    with pytest.raises(AccessDenied), on(TODAY):  # the township proposes, not the village
        services.village_exits_open_from_run(
            actor=users["village_secretary"], run_id=run.pk, area_code="422822100"
        )
    assert not Procedure.objects.exists()
    with on(TODAY):
        opened = services.village_exits_open_from_run(
            actor=users["township_officer"], run_id=run.pk, area_code="422822100000"
        )
        again = services.village_exits_open_from_run(
            actor=users["township_officer"], run_id=run.pk, area_code="422822100"
        )
    assert [(p.area_code, p.household_id, p.step) for p in opened] == [(V1, None, "proposed")]
    assert again == []  # once only
    assert opened[0].source == f"policy_run:{run.pk}"
    with on(TODAY), pytest.raises(Conflict):
        services.procedure_open(actor=users["township_officer"], kind="village_exit", area_code=V1)
    with on(TODAY), pytest.raises(InvalidInput, match="非贫困村"):
        services.procedure_open(actor=users["township_officer"], kind="village_exit", area_code=V2)
    with on(TODAY), pytest.raises(NotFound):  # not a village
        services.procedure_open(
            actor=users["township_officer"], kind="village_exit", area_code="422822100000"
        )


def test_township_notice_objection_and_county_announcement(users: dict[str, Any], run: Any) -> None:
    officer, county = users["township_officer"], users["county_admin"]
    with on(TODAY):
        (procedure,) = services.village_exits_open_from_run(
            actor=officer, run_id=run.pk, area_code="422822100"
        )
        with pytest.raises(AccessDenied):
            services.notice_publish(actor=users["village_secretary"], procedure_ids=[procedure.pk])
        notice = services.notice_publish(actor=officer, procedure_ids=[procedure.pk])
    assert (notice.days, notice.ends_on) == (7, dt.date(2026, 6, 7))
    public = selectors.public_notice(notice_id=notice.pk, today=TODAY)
    assert public.of_villages
    assert [(e.head_name, e.group, e.head_id) for e in public.entries] == [("东门村", "业州镇", "")]
    with on(TODAY):
        objection = services.objection_raise(
            notice_id=notice.pk, procedure_id=procedure.pk, text="村里通组路还没硬化"
        )
    after = notice.ends_on + dt.timedelta(days=1)
    with on(notice.ends_on), pytest.raises(InvalidInput, match="公示期"):
        services.procedure_advance(actor=county, procedure_id=procedure.pk, step="exited")
    with on(after), pytest.raises(InvalidInput, match="异议"):
        services.procedure_advance(actor=county, procedure_id=procedure.pk, step="exited")
    with pytest.raises(AccessDenied):  # the notice is the township's; so is the finding
        services.objection_resolve(
            actor=users["village_secretary"], objection_id=objection.pk, upheld=False, finding="x"
        )
    services.objection_resolve(
        actor=officer, objection_id=objection.pk, upheld=False, finding="经查，通组路已于5月硬化"
    )
    with on(after), pytest.raises(AccessDenied):
        services.procedure_advance(actor=officer, procedure_id=procedure.pk, step="exited")
    with on(after):
        services.procedure_advance(actor=county, procedure_id=procedure.pk, step="exited")
    procedure.refresh_from_db()
    village = Area.objects.get(code=V1)
    assert procedure.state == Procedure.State.DONE
    assert (village.poverty_status, village.poverty_exited_year) == ("exited", 2026)
    assert AuditEvent.objects.filter(action="areas.village_exit", object_ids=[V1]).exists()
    entries = selectors.village_timeline(scope=_scope(county), area_code=V1)
    assert [s.step for s in entries[0].steps] == ["proposed", "township_notice", "exited"]
    with pytest.raises(NotFound):
        selectors.village_timeline(scope=_scope(users["other_secretary"]), area_code=V1)


def test_an_upheld_objection_sends_the_village_back_to_the_proposal(
    users: dict[str, Any], run: Any
) -> None:
    officer = users["township_officer"]
    with on(TODAY):
        (procedure,) = services.village_exits_open_from_run(
            actor=officer, run_id=run.pk, area_code="422822"
        )
        notice = services.notice_publish(actor=officer, procedure_ids=[procedure.pk])
        objection = services.objection_raise(
            notice_id=notice.pk, procedure_id=procedure.pk, text="卫生室没有村医"
        )
    services.objection_resolve(
        actor=officer, objection_id=objection.pk, upheld=True, finding="属实，待配齐村医后重新公示"
    )
    procedure.refresh_from_db()
    assert (procedure.step, procedure.state) == ("proposed", Procedure.State.OPEN)
    assert Area.objects.get(code=V1).poverty_status == "poor"


def test_a_crash_in_the_announcement_leaves_the_village_where_it_was(
    users: dict[str, Any], run: Any
) -> None:
    from unittest import mock

    officer, county = users["township_officer"], users["county_admin"]
    with on(TODAY):
        (procedure,) = services.village_exits_open_from_run(
            actor=officer, run_id=run.pk, area_code="422822"
        )
        notice = services.notice_publish(actor=officer, procedure_ids=[procedure.pk])
    after = notice.ends_on + dt.timedelta(days=1)
    with (
        on(after),
        mock.patch("fupin.areas.services.audit_write", side_effect=RuntimeError("power cut")),
        pytest.raises(RuntimeError),
    ):
        services.procedure_advance(actor=county, procedure_id=procedure.pk, step="exited")
    procedure.refresh_from_db()
    assert (procedure.step, procedure.state) == ("township_notice", Procedure.State.OPEN)
    assert Area.objects.get(code=V1).poverty_status == "poor"
    with on(after):
        services.procedure_advance(actor=county, procedure_id=procedure.pk, step="exited")
    assert Area.objects.get(code=V1).poverty_status == "exited"


def test_the_area_file_carries_poor_villages(areas: None) -> None:
    areas_load(
        actor=None,
        rows=[
            {"code": V1, "name": "一村", "poor_since": "2014"},
            {"code": V2, "name": "二村", "贫困村识别年度": "2014", "贫困村退出年度": "2018"},
        ],
    )
    got = dict(
        (c, (s, a, b))
        for c, s, a, b in Area.objects.filter(code__in=[V1, V2]).values_list(
            "code", "poverty_status", "poverty_identified_year", "poverty_exited_year"
        )
    )
    assert got == {V1: ("poor", 2014, None), V2: ("exited", 2014, 2018)}
    areas_load(actor=None, rows=[{"code": V1, "name": "一村（更名）"}])  # a rename keeps it
    assert Area.objects.get(code=V1).poverty_status == "poor"
    with pytest.raises(InvalidInput) as exc:
        areas_load(
            actor=None,
            rows=[
                {"code": "422822100000", "name": "业州镇", "poor_since": "2014"},
                {"code": V2, "name": "二村", "poor_since": "2014", "exited_in": "2013"},
                {"code": V3, "name": "三村", "poor_since": "十四年"},
            ],
        )
    text = str(exc.value.fields)
    assert "只有行政村" in text and "早于识别年度" in text and "十四年" in text
    assert Area.objects.get(code=V2).poverty_exited_year == 2018  # nothing changed


def _scope(user: Any) -> Any:
    from fupin.accounts.scope import scope_for

    return scope_for(user)


def test_pages(client_for: Any, users: dict[str, Any], run: Any) -> None:
    secretary, officer = client_for("village_secretary"), client_for("township_officer")
    form = {"run": run.pk, "area": "422822100000", "level": "village"}
    with on(TODAY):
        refused = secretary.post("/procedures/exits-from-run/", form, follow=True)
        assert "乡镇" in refused.content.decode()  # the refusal names the owning role
        assert not Procedure.objects.exists()
        done = officer.post("/procedures/exits-from-run/", form)
    assert done.status_code == 302 and "kind=village_exit" in done["Location"]
    procedure = Procedure.objects.get()
    listing = officer.get(done["Location"]).content.decode()
    assert "东门村" in listing and "贫困村退出" in listing
    with on(TODAY):
        detail = officer.get(f"/procedures/{procedure.pk}/").content.decode()
        assert "东门村" in detail and "发布公示" in detail
        officer.post(f"/procedures/{procedure.pk}/", {"what": "notice"})
    notice = procedure.notices.get()
    with on(TODAY):
        page = client_for("outsider").get(f"/notices/{notice.pk}/")
        page_anon = type(page.client)().get(f"/notices/{notice.pk}/")
    text = page_anon.content.decode()
    assert page_anon.status_code == 200
    assert "贫困村经评估达到退出标准" in text and "东门村" in text and "业州镇" in text
    assert "对哪一个村有异议" in text

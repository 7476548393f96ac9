"""Every transition: allowed for its owning role, refused for others, refused before the
notice ends, blocked by an open objection, released by a dismissed one, reopened by an
upheld one; a crash leaves nothing half-done."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest

from fupin.areas.models import Area
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.procedures import services
from fupin.procedures.definitions import DEFINITIONS
from fupin.procedures.models import Objection, Procedure, ProcedureStep
from fupin.procedures.workdays import period_end
from fupin.registry.models import Household, HouseholdChange
from tests import factories
from tests.procedures.helpers import candidate_run, evaluated

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 1)  # a Monday; no holiday in the following weeks


@contextmanager
def on(day: dt.date) -> Iterator[None]:
    with mock.patch("django.utils.timezone.localdate", return_value=day):
        yield


# who may take each step in these tests (the owning roles of definitions.py)
ACTORS = {
    "village_secretary": "village_secretary",
    "cadre": "cadre",
    "township_officer": "township_officer",
    "county_admin": "county_admin",
}


def owner(step: Any) -> str:
    return next(
        r
        for r in ("village_secretary", "township_officer", "county_admin", "cadre")
        if r in step.roles
    )


def walk(users: dict[str, Any], procedure: Procedure, until: str, day: dt.date) -> Procedure:
    """Take the procedure's steps in order (notices published and let run out) to ``until``."""
    definition = DEFINITIONS[procedure.kind]
    while procedure.step != until:
        nxt = definition.next_step(procedure.step)
        assert nxt is not None
        actor = users[owner(nxt)]
        with on(day):
            if nxt.is_notice:
                notice = services.notice_publish(actor=actor, procedure_ids=[procedure.pk])
                day = notice.ends_on + dt.timedelta(days=1)
            else:
                services.procedure_advance(actor=actor, procedure_id=procedure.pk, step=nxt.code)
        procedure.refresh_from_db()
    return procedure


def open_identification(users: dict[str, Any]) -> Procedure:
    h = factories.household(status="unregistered", identified_year=None)
    with on(TODAY):
        return services.procedure_open(
            actor=users["village_secretary"],
            kind="identification",
            household_id=h.pk,
            note="本人申请",
        )


def test_identification_from_application_to_registered(users: dict[str, Any]) -> None:
    procedure = open_identification(users)
    procedure = walk(users, procedure, "registered", TODAY)
    assert procedure.state == Procedure.State.DONE
    h = Household.objects.get(pk=procedure.household_id)
    assert h.status == "not_exited"
    assert h.identified_year == 2026  # the year of the last step, by the mocked day
    steps = list(ProcedureStep.objects.filter(procedure=procedure).values_list("step", flat=True))
    assert steps == [s.code for s in DEFINITIONS["identification"].steps]
    assert HouseholdChange.objects.filter(household=h, reason__contains="贫困户识别").exists()


@pytest.mark.parametrize("kind", sorted(DEFINITIONS))
def test_every_step_is_refused_for_roles_that_do_not_own_it(
    users: dict[str, Any], kind: str
) -> None:
    definition = DEFINITIONS[kind]
    status = definition.open_statuses[0]
    subject: dict[str, Any]
    if definition.for_village:
        Area.objects.filter(code=factories.VILLAGE).update(
            poverty_status=status, poverty_identified_year=2014
        )
        subject = {"area_code": factories.VILLAGE}
    else:
        h = factories.household(
            status=status, exited_year=2019 if status in ("exited", "monitored") else None
        )
        subject = {"household_id": h.pk}
        if kind in services.RUN_CANDIDATES:
            subject["run_id"] = candidate_run(h, kind)
    first = definition.steps[0]
    for role in ("auditor", "other_secretary", "outsider", *ACTORS):
        if role in first.roles:
            continue
        with on(TODAY), pytest.raises((AccessDenied, NotFound)):
            services.procedure_open(actor=users[role], kind=kind, **subject)
    with on(TODAY):
        procedure = services.procedure_open(actor=users[owner(first)], kind=kind, **subject)
    day = TODAY
    while (nxt := definition.next_step(procedure.step)) is not None:
        for role in ("auditor", "other_secretary", "outsider", *ACTORS):
            if role in nxt.roles:
                continue
            with on(day), pytest.raises((AccessDenied, NotFound)):
                if nxt.is_notice:
                    services.notice_publish(actor=users[role], procedure_ids=[procedure.pk])
                else:
                    services.procedure_advance(
                        actor=users[role], procedure_id=procedure.pk, step=nxt.code
                    )
        procedure.refresh_from_db()
        assert procedure.step != nxt.code  # nothing moved on a refusal
        with on(day):
            if nxt.is_notice:
                notice = services.notice_publish(
                    actor=users[owner(nxt)], procedure_ids=[procedure.pk]
                )
                day = notice.ends_on + dt.timedelta(days=1)
            else:
                services.procedure_advance(
                    actor=users[owner(nxt)], procedure_id=procedure.pk, step=nxt.code
                )
        procedure.refresh_from_db()
    assert procedure.state == Procedure.State.DONE
    if definition.for_village:
        village = Area.objects.get(code=factories.VILLAGE)
        assert (village.poverty_status, village.poverty_exited_year) == ("exited", 2026)
    else:
        assert Household.objects.get(pk=h.pk).status == definition.outcome_status


def test_the_step_after_a_notice_waits_for_its_end(users: dict[str, Any]) -> None:
    procedure = walk(users, open_identification(users), "village_reviewed", TODAY)
    with on(TODAY):
        notice = services.notice_publish(
            actor=users["village_secretary"], procedure_ids=[procedure.pk]
        )
    # 7 calendar days by the national standard: 1 June .. 7 June
    assert (notice.starts_on, notice.ends_on, notice.days) == (TODAY, dt.date(2026, 6, 7), 7)
    officer = users["township_officer"]
    with on(notice.ends_on), pytest.raises(InvalidInput) as exc:
        services.procedure_advance(
            actor=officer, procedure_id=procedure.pk, step="township_reviewed"
        )
    assert "2026-06-08" in str(exc.value.message)
    with on(notice.ends_on + dt.timedelta(days=1)):
        services.procedure_advance(
            actor=officer, procedure_id=procedure.pk, step="township_reviewed"
        )


def test_an_open_objection_blocks_and_a_dismissed_one_releases(users: dict[str, Any]) -> None:
    procedure = walk(users, open_identification(users), "village_reviewed", TODAY)
    with on(TODAY):
        notice = services.notice_publish(
            actor=users["village_secretary"], procedure_ids=[procedure.pk]
        )
        objection = services.objection_raise(
            notice_id=notice.pk, procedure_id=procedure.pk, text="他家在县城有商品房"
        )
    after = notice.ends_on + dt.timedelta(days=1)
    officer = users["township_officer"]
    with on(after), pytest.raises(InvalidInput, match="异议"):
        services.procedure_advance(
            actor=officer, procedure_id=procedure.pk, step="township_reviewed"
        )
    with pytest.raises(AccessDenied):  # the notice's owner (the village) resolves it
        services.objection_resolve(
            actor=users["cadre"], objection_id=objection.pk, upheld=False, finding="x"
        )
    with pytest.raises(InvalidInput):
        services.objection_resolve(
            actor=users["village_secretary"], objection_id=objection.pk, upheld=False, finding=" "
        )
    services.objection_resolve(
        actor=users["village_secretary"],
        objection_id=objection.pk,
        upheld=False,
        finding="经不动产登记查询，该房屋系其子所有，其子已分户",
    )
    assert Objection.objects.get(pk=objection.pk).status == Objection.Status.DISMISSED
    with on(after):
        services.procedure_advance(
            actor=officer, procedure_id=procedure.pk, step="township_reviewed"
        )


def test_an_upheld_objection_sends_the_household_back_to_review(users: dict[str, Any]) -> None:
    procedure = walk(users, open_identification(users), "village_reviewed", TODAY)
    with on(TODAY):
        notice = services.notice_publish(
            actor=users["village_secretary"], procedure_ids=[procedure.pk]
        )
        objection = services.objection_raise(
            notice_id=notice.pk,
            procedure_id=procedure.pk,
            text="有财政供养亲属",
            channel="in_person",
            actor=users["cadre"],
        )
    services.objection_resolve(
        actor=users["village_secretary"], objection_id=objection.pk, upheld=True, finding="属实"
    )
    procedure.refresh_from_db()
    assert procedure.step == "cross_checked"  # to be reviewed and noticed again
    last = ProcedureStep.objects.filter(procedure=procedure).last()
    assert last is not None and last.action == "reopened" and "属实" in last.note
    with on(TODAY), pytest.raises(InvalidInput):  # the household is no longer on notice
        services.objection_raise(notice_id=notice.pk, procedure_id=procedure.pk, text="再提")


def test_a_repeated_click_does_not_move_twice(users: dict[str, Any]) -> None:
    procedure = open_identification(users)
    with on(TODAY):
        services.procedure_advance(actor=users["cadre"], procedure_id=procedure.pk, step="verified")
        with pytest.raises(Conflict):
            services.procedure_advance(
                actor=users["cadre"], procedure_id=procedure.pk, step="verified"
            )
    procedure.refresh_from_db()
    walk(users, procedure, "village_reviewed", TODAY)
    with on(TODAY), pytest.raises(InvalidInput):  # a notice step goes through notice_publish
        services.procedure_advance(
            actor=users["village_secretary"], procedure_id=procedure.pk, step="village_notice"
        )


def test_one_open_procedure_of_a_kind_and_only_from_the_right_status(
    users: dict[str, Any],
) -> None:
    procedure = open_identification(users)
    with on(TODAY), pytest.raises(Conflict):
        services.procedure_open(
            actor=users["village_secretary"],
            kind="identification",
            household_id=procedure.household_id,
        )
    poor = factories.household(status="not_exited")
    with on(TODAY), pytest.raises(InvalidInput):
        services.procedure_open(
            actor=users["village_secretary"], kind="identification", household_id=poor.pk
        )


def test_a_village_batch_notice(users: dict[str, Any]) -> None:
    procedures = []
    for _ in range(3):
        h = factories.household(status="not_exited")
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
    assert notice.procedures.count() == 3
    assert notice.area_code == factories.VILLAGE + "0" * 0 or notice.area_code.startswith(
        factories.VILLAGE
    )
    after = notice.ends_on + dt.timedelta(days=1)
    for p in procedures:
        with on(after):
            services.procedure_advance(
                actor=users["township_officer"], procedure_id=p.pk, step="exited"
            )
        h = Household.objects.get(pk=p.household_id)
        assert (h.status, h.exited_year) == ("exited", 2026)
    other = factories.household(
        status="not_exited", area_code=factories.OTHER_VILLAGE_SAME_TOWNSHIP
    )
    p2h = factories.household(status="not_exited")
    run_id = evaluated(high=[other, p2h])
    with on(TODAY):
        p1 = services.procedure_open(actor=None, kind="exit", household_id=other.pk, run_id=run_id)
    p1 = walk_system(p1, "agreement_signed")
    with on(TODAY):
        p2 = walk_system(
            services.procedure_open(actor=None, kind="exit", household_id=p2h.pk, run_id=run_id),
            "agreement_signed",
        )
        with pytest.raises(InvalidInput, match="同一个村"):
            services.notice_publish(actor=None, procedure_ids=[p1.pk, p2.pk])


def walk_system(procedure: Procedure, until: str) -> Procedure:
    definition = DEFINITIONS[procedure.kind]
    while procedure.step != until:
        nxt = definition.next_step(procedure.step)
        assert nxt is not None and not nxt.is_notice
        with on(TODAY):
            services.procedure_advance(actor=None, procedure_id=procedure.pk, step=nxt.code)
        procedure.refresh_from_db()
    return procedure


def test_monitoring_has_a_deadline_in_working_days(users: dict[str, Any]) -> None:
    h = factories.household(status="exited", exited_year=2019)
    run_id = candidate_run(h, "monitoring")
    with on(dt.date(2026, 9, 28)):
        p = services.procedure_open(
            actor=users["cadre"], kind="monitoring", household_id=h.pk, run_id=run_id
        )
    # 20 working days from Monday 28 September across the National Day holiday
    assert p.due_on == period_end(dt.date(2026, 9, 28), 20, "working").ends_on
    assert p.due_on > dt.date(2026, 9, 28) + dt.timedelta(days=27)


def test_a_crash_in_the_last_step_leaves_the_procedure_where_it_was(
    users: dict[str, Any],
) -> None:
    procedure = walk(users, open_identification(users), "county_approved", TODAY)
    before = list(ProcedureStep.objects.filter(procedure=procedure).values_list("pk", flat=True))
    with (
        on(TODAY + dt.timedelta(days=40)),
        mock.patch(
            "fupin.procedures.services.household_status_by_procedure",
            side_effect=RuntimeError("power cut"),
        ),
        pytest.raises(RuntimeError),
    ):
        services.procedure_advance(
            actor=users["county_admin"], procedure_id=procedure.pk, step="registered"
        )
    procedure.refresh_from_db()
    assert (procedure.step, procedure.state) == ("county_approved", Procedure.State.OPEN)
    assert (
        list(ProcedureStep.objects.filter(procedure=procedure).values_list("pk", flat=True))
        == before
    )
    assert Household.objects.get(pk=procedure.household_id).status == "unregistered"
    with on(TODAY + dt.timedelta(days=40)):
        services.procedure_advance(
            actor=users["county_admin"], procedure_id=procedure.pk, step="registered"
        )
    assert Household.objects.get(pk=procedure.household_id).status == "not_exited"


def test_cancel(users: dict[str, Any]) -> None:
    procedure = open_identification(users)
    with pytest.raises(AccessDenied):
        services.procedure_cancel(
            actor=users["village_secretary"], procedure_id=procedure.pk, reason="x"
        )
    services.procedure_cancel(
        actor=users["township_officer"], procedure_id=procedure.pk, reason="本人撤回申请"
    )
    procedure.refresh_from_db()
    assert procedure.state == Procedure.State.CANCELLED
    with on(TODAY), pytest.raises(InvalidInput):
        services.procedure_advance(actor=users["cadre"], procedure_id=procedure.pk, step="verified")


def test_working_day_periods() -> None:
    # 2026 National Day: 1–7 October off; the calendar library knows the make-up days
    assert period_end(dt.date(2026, 6, 1), 5, "calendar").ends_on == dt.date(2026, 6, 5)
    assert period_end(dt.date(2026, 6, 1), 5, "working").ends_on == dt.date(2026, 6, 5)
    assert period_end(dt.date(2026, 6, 5), 5, "working").ends_on == dt.date(2026, 6, 11)
    october = period_end(dt.date(2026, 9, 30), 2, "working")
    assert october.ends_on >= dt.date(2026, 10, 8) and october.calendar_known
    beyond = period_end(dt.date(2099, 3, 2), 5, "working")
    assert beyond.ends_on == dt.date(2099, 3, 6) and not beyond.calendar_known


def test_fupin_today_lets_a_notice_period_run_out(users: dict[str, Any], settings: Any) -> None:
    """A demo or test run moves the server's day with FUPIN_TODAY (core.clock) instead of
    waiting out the notice."""
    settings.FUPIN_TODAY = TODAY
    procedure = walk(users, open_identification(users), "village_reviewed", TODAY)
    notice = services.notice_publish(actor=users["village_secretary"], procedure_ids=[procedure.pk])
    assert notice.starts_on == TODAY
    officer = users["township_officer"]
    with pytest.raises(InvalidInput):
        services.procedure_advance(
            actor=officer, procedure_id=procedure.pk, step="township_reviewed"
        )
    settings.FUPIN_TODAY = notice.ends_on + dt.timedelta(days=1)
    services.procedure_advance(actor=officer, procedure_id=procedure.pk, step="township_reviewed")
    procedure.refresh_from_db()
    assert procedure.step == "township_reviewed"

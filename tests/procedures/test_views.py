"""Staff pages of the procedures: access, the actions through the web, the batch, the
household timeline, the overdue list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fupin.procedures import services
from fupin.procedures.models import Objection, Procedure
from fupin.registry.models import Household
from tests import factories
from tests.procedures.helpers import candidate_run
from tests.procedures.test_services import TODAY, on, open_identification, walk

pytestmark = pytest.mark.django_db


def test_pages_need_a_login_and_a_role(client_for: Any, users: dict[str, Any]) -> None:
    from django.test import Client

    procedure = open_identification(users)
    for url in ("/procedures/", "/procedures/overdue/", f"/procedures/{procedure.pk}/"):
        assert Client().get(url).status_code == 302
        assert client_for("outsider").get(url).status_code in (403, 404)
    assert client_for("other_secretary").get(f"/procedures/{procedure.pk}/").status_code == 404
    page = client_for("village_secretary").get("/procedures/")
    assert page.status_code == 200 and procedure.household.number in page.content.decode()


def test_the_steps_through_the_web_and_the_timeline(client_for: Any, users: dict[str, Any]) -> None:
    procedure = open_identification(users)
    url = f"/procedures/{procedure.pk}/"
    cadre = client_for("cadre")
    with on(TODAY):
        refused = client_for("township_officer").post(
            url, {"what": "advance", "step": "verified", "version": procedure.version}
        )
        assert refused.status_code == 302
        procedure.refresh_from_db()
        assert procedure.step == "applied"
        page = cadre.get(url).content.decode()
        assert "入户核实、承诺授权" in page
        cadre.post(
            url,
            {"what": "advance", "step": "verified", "version": procedure.version, "note": "已入户"},
        )
    procedure.refresh_from_db()
    assert procedure.step == "verified"
    walk(users, procedure, "village_reviewed", TODAY)
    secretary = client_for("village_secretary")
    with on(TODAY):
        secretary.post(url, {"what": "notice"})
        procedure.refresh_from_db()
        assert procedure.step == "village_notice"
        secretary.post(url, {"what": "objection", "text": "群众反映家有小轿车", "name": "张某"})
    objection = Objection.objects.get()
    assert objection.channel == "in_person"
    secretary.post(
        url,
        {
            "what": "resolve",
            "objection": objection.pk,
            "upheld": "0",
            "finding": "车辆已于前年报废",
        },
    )
    assert Objection.objects.get().status == "dismissed"
    household_page = secretary.get(f"/households/{procedure.household_id}/").content.decode()
    for text in (
        "贫困户识别",
        "入户核实、承诺授权",
        "已入户",
        "群众反映家有小轿车",
        "车辆已于前年报废",
    ):
        assert text in household_page


def test_open_from_the_household_page(client_for: Any, users: dict[str, Any]) -> None:
    h = factories.household(status="not_exited")
    secretary = client_for("village_secretary")
    with on(TODAY):
        refused = secretary.post(f"/procedures/open/{h.pk}/", {"kind": "exit", "note": "收入稳定"})
        assert refused.status_code == 400 and "评估批次" in refused.content.decode()
    run_id = candidate_run(h, "exit")
    with on(TODAY):
        form = secretary.get(f"/procedures/open/{h.pk}/")
        assert form.status_code == 200 and "贫困户退出" in form.content.decode()
        assert f'value="{run_id}"' in form.content.decode()  # the latest run, proposed
        done = secretary.post(
            f"/procedures/open/{h.pk}/", {"kind": "exit", "note": "收入稳定", "run": run_id}
        )
    assert done.status_code == 302
    procedure = Procedure.objects.get(household=h)
    assert (procedure.kind, procedure.source) == ("exit", f"policy_run:{run_id}")
    assert client_for("auditor").get(f"/procedures/open/{h.pk}/").status_code == 403


def test_a_village_batch_through_the_web(client_for: Any, users: dict[str, Any]) -> None:
    procedures = []
    for _ in range(3):
        h = factories.household(status="not_exited")
        run_id = candidate_run(h, "exit")
        with on(TODAY):
            p = services.procedure_open(
                actor=users["village_secretary"], kind="exit", household_id=h.pk, run_id=run_id
            )
        procedures.append(p)
    ids = ",".join(str(p.pk) for p in procedures)
    secretary = client_for("village_secretary")
    with on(TODAY):
        for step in ("village_reviewed",):
            secretary.post("/procedures/batch/", {"action": "advance", "step": step, "ids": ids})
        # verification is also the work team's; the agreement is the village's
        client_for("cadre").post(
            "/procedures/batch/", {"action": "advance", "step": "verified", "ids": ids}
        )
        secretary.post(
            "/procedures/batch/", {"action": "advance", "step": "agreement_signed", "ids": ids}
        )
        secretary.post("/procedures/batch/", {"action": "notice", "ids": ids})
    steps = set(
        Procedure.objects.filter(pk__in=[p.pk for p in procedures]).values_list("step", flat=True)
    )
    assert steps == {"village_notice"}
    officer = client_for("township_officer")
    with on(TODAY + dt.timedelta(days=3)):  # before the notice ends: nothing moves
        officer.post("/procedures/batch/", {"action": "advance", "step": "exited", "ids": ids})
    assert Household.objects.filter(status="exited").count() == 0
    with on(TODAY + dt.timedelta(days=30)):
        officer.post("/procedures/batch/", {"action": "advance", "step": "exited", "ids": ids})
    assert Household.objects.filter(status="exited").count() == 3


def test_overdue_lists_procedures_past_their_time_limit(
    client_for: Any, users: dict[str, Any]
) -> None:
    h = factories.household(status="exited", exited_year=2019)
    run_id = candidate_run(h, "monitoring")
    with on(TODAY):
        p = services.procedure_open(
            actor=users["cadre"], kind="monitoring", household_id=h.pk, run_id=run_id
        )
    with on(p.due_on + dt.timedelta(days=1)):
        page = client_for("county_admin").get("/procedures/overdue/").content.decode()
    assert h.number in page and "业州镇" in page
    with on(p.due_on):
        page = client_for("county_admin").get("/procedures/overdue/").content.decode()
    assert h.number not in page


def test_evidence_is_checked_stored_and_shown_within_scope(
    client_for: Any, users: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fupin.procedures.models import Evidence

    settings.MEDIA_ROOT = str(tmp_path)
    procedure = open_identification(users)
    url = f"/procedures/{procedure.pk}/"
    cadre = client_for("cadre")
    fake = SimpleUploadedFile("授权书.pdf", b"MZ not a pdf at all", content_type="application/pdf")
    with on(TODAY):
        cadre.post(url, {"what": "advance", "step": "verified", "evidence": [fake]})
    procedure.refresh_from_db()
    assert procedure.step == "applied"  # refused whole: nothing written
    assert not Evidence.objects.exists() and not list(tmp_path.rglob("*.pdf"))
    pdf = SimpleUploadedFile("授权书.pdf", b"%PDF-1.4\n%fake but well-formed enough\n")
    photo = SimpleUploadedFile("照片.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100)
    with on(TODAY):
        cadre.post(url, {"what": "advance", "step": "verified", "evidence": [pdf, photo]})
    procedure.refresh_from_db()
    assert procedure.step == "verified"
    items = list(Evidence.objects.order_by("id"))
    assert [(e.original_name, e.content_type) for e in items] == [
        ("授权书.pdf", "application/pdf"),
        ("照片.jpg", "image/jpeg"),
    ]
    assert "授权书" not in items[0].path  # stored under fupin's own name
    page = client_for("village_secretary").get(f"/households/{procedure.household_id}/")
    assert "授权书.pdf" in page.content.decode()
    download = client_for("village_secretary").get(f"/procedures/evidence/{items[0].pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert (
        client_for("other_secretary").get(f"/procedures/evidence/{items[0].pk}/").status_code == 404
    )


def test_exits_opened_from_a_runs_candidates(client_for: Any, users: dict[str, Any]) -> None:
    from fupin.policy import services as policy_services
    from fupin.registry.services import income_record_set

    ready = factories.household(status="not_exited")
    poor = factories.household(status="not_exited")
    exited = factories.household(status="exited", exited_year=2019)
    for h, wage in ((ready, "9000"), (poor, "5000"), (exited, "9000")):
        income_record_set(
            actor=None, household_id=h.pk, year=2026, data={"wage": wage, "household_size": 2}
        )
    run = policy_services.evaluation_run_create(actor=None, area_code="422822000000", year=2026)
    policy_services.evaluation_run_execute(run_id=run.pk)
    secretary = client_for("village_secretary")
    with on(TODAY):
        secretary.post("/procedures/exits-from-run/", {"run": run.pk, "area": factories.VILLAGE})
        again = secretary.post(
            "/procedures/exits-from-run/", {"run": run.pk, "area": factories.VILLAGE}
        )
    assert again.status_code == 302
    opened = list(Procedure.objects.filter(kind="exit"))
    assert [p.household_id for p in opened] == [ready.pk]  # once, only the candidate
    assert opened[0].source == f"policy_run:{run.pk}"
    with on(TODAY):
        client_for("other_secretary").post(
            "/procedures/exits-from-run/", {"run": run.pk, "area": factories.VILLAGE}
        )
    assert Procedure.objects.filter(kind="exit").count() == 1

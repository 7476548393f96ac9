"""Leadership pages: access per role, scope, forms through the services, query counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fupin.leadership import services
from fupin.leadership.models import (
    BuildingAssignment,
    Course,
    CourseAttendance,
    GoalProgress,
    RectificationItem,
    ReserveCadre,
    VillageOfficial,
    WeakCase,
)
from fupin.party.models import PartyOrganisation
from tests import factories
from tests.leadership.conftest import PNG, World, official, reserve

pytestmark = pytest.mark.django_db

V1, V2, V3 = (
    factories.VILLAGE,
    factories.OTHER_VILLAGE_SAME_TOWNSHIP,
    factories.OTHER_TOWNSHIP_VILLAGE,
)
LISTS = [
    "/leadership/",
    "/leadership/weak/",
    "/leadership/building/",
    "/leadership/building/goals/",
    "/leadership/trainings/",
    "/leadership/trainings/untrained/",
]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def a_case(world: World, *, with_evidence: bool = False) -> tuple[WeakCase, RectificationItem]:
    case = services.weak_case_flag(
        actor=None, organisation_id=world.branch.pk, criteria=["secretary"]
    )
    item = services.rectification_item_add(
        actor=None, case_id=case.pk, text="选优配强书记", due_on="2099-01-01"
    )
    if with_evidence:
        item = services.rectification_evidence_attach(
            actor=None, item_id=item.pk, upload=SimpleUploadedFile("会议.png", PNG)
        )
    return case, item


def pages(world: World) -> list[str]:
    case, item = a_case(world, with_evidence=True)
    course = Course.objects.create(
        title="轮训", kind="rotation", area_code="422822100000", organiser="镇党委",
        starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 1), hours=4,
    )  # fmt: skip
    return [
        *LISTS,
        f"/leadership/villages/{V1}/",
        f"/leadership/weak/{case.pk}/",
        f"/leadership/weak/items/{item.pk}/evidence/",
        f"/leadership/trainings/{course.pk}/",
    ]


def test_anonymous_is_sent_to_login(world: World) -> None:
    for url in pages(world):
        response = Client().get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


@pytest.mark.parametrize("key", ["outsider", "cadre"])
def test_users_who_may_not_read_are_refused(client_for: Any, world: World, key: str) -> None:
    client = client_for(key)
    for url in pages(world):
        assert client.get(url).status_code == 403, url


def test_other_secretary_does_not_find_another_villages_records(
    client_for: Any, world: World
) -> None:
    urls = pages(world)[len(LISTS) :]
    client = client_for("other_secretary")
    for url in urls[:3]:
        assert client.get(url).status_code == 404, url
    # a township course is not visible from a village of another township
    assert client.get(urls[3]).status_code == 404
    for url in LISTS:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "key", ["county_admin", "township_officer", "auditor", "village_secretary"]
)
def test_readers_see_every_page(client_for: Any, world: World, key: str) -> None:
    client = client_for(key)
    urls = pages(world)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    download = client.get(urls[8])
    assert download["Content-Type"] == "image/png" and b"".join(download.streaming_content) == PNG
    assert download["X-Content-Type-Options"] == "nosniff"


def test_missing_evidence_file_is_not_found(client_for: Any, world: World) -> None:
    _case, item = a_case(world)
    RectificationItem.objects.filter(pk=item.pk).update(evidence="rectification/1/gone.png")
    assert (
        client_for("county_admin").get(f"/leadership/weak/items/{item.pk}/evidence/").status_code
        == 404
    )


def test_overview_shows_statistics_and_gaps(client_for: Any, users: dict[str, Any]) -> None:
    official(V1, birth_date=dt.date(1995, 1, 1), education="college")
    official(V1, birth_date=dt.date(1960, 1, 1))
    reserve(V1)
    reserve(V2)
    reserve(V2, name="后备乙")
    body = client_for("township_officer").get("/leadership/").content.decode()
    assert "业州镇" in body and "建始县" in body and "东门村" in body
    assert 'href="/leadership/villages/422822100001/"' in body
    gaps = body.split("后备干部不足的村")[1]
    assert "东门村" in gaps and "南门村" not in gaps.split("各村班子")[0]


def test_list_pages_query_counts_do_not_grow(
    client_for: Any, world: World, django_assert_max_num_queries: Any
) -> None:
    client = client_for("county_admin")
    goals = iter(["team", "ranks", "plan", "project", "venue", "rules"])

    def fill(start: int, n: int) -> None:
        for i in range(start, start + n):
            official(V1, name=f"成员{i}")
            reserve(V3, name=f"后备{i}")
            org = PartyOrganisation.objects.create(
                name=f"支部{i}", kind="branch", base="cooperative", area_code=V2
            )
            case = services.weak_case_flag(
                actor=None, organisation_id=org.pk, criteria=["secretary", "disunity"]
            )
            RectificationItem.objects.create(case=case, text="x", due_on=dt.date(2020, 1, 1))
            BuildingAssignment.objects.create(
                kind="supervisor",
                cadre=world.cadres[i],
                area_code=V1,
                starts_on=dt.date(2025, 1, 1),
            )
            course = Course.objects.create(
                title=f"课{i}", kind="themed", area_code="422822000000", organiser="县",
                starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 1, 1), hours=2,
            )  # fmt: skip
            CourseAttendance.objects.create(course=course, member=world.member, area_code=V1)
            GoalProgress.objects.create(
                area_code=V1, year=dt.date.today().year, goal=next(goals),
                reached_on=dt.date.today(),
            )  # fmt: skip

    fill(0, 1)
    counts = {}
    for url in LISTS:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts[url] = len(ctx.captured_queries)
    fill(1, 4)
    for url in LISTS:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200, url


def test_roster_forms(client_for: Any, users: dict[str, Any]) -> None:
    url = f"/leadership/villages/{V1}/"
    person = {"name": "新成员", "gender": "male", "birth_date": "1988-01-02", "education": "senior"}
    secretary = client_for("village_secretary")
    page = secretary.get(url).content.decode()
    assert 'value="reserve"' in page and 'value="appoint"' not in page
    secretary.post(url, {"what": "appoint", "post": "committee_member", **person})
    assert not VillageOfficial.objects.exists()  # refused, as a message
    secretary.post(url, {"what": "reserve", "source": "capable", **person})
    assert ReserveCadre.objects.filter(area_code=V1).count() == 1
    officer = client_for("township_officer")
    response = officer.post(
        url, {"what": "appoint", "post": "committee_member", **person}, follow=True
    )
    assert "已任职" in response.content.decode()
    o = VillageOfficial.objects.get()
    officer.post(url, {"what": "end", "official": o.pk, "version": o.version})
    o.refresh_from_db()
    assert o.ends_on is not None
    r = ReserveCadre.objects.get()
    officer.post(url, {"what": "unreserve", "reserve": r.pk, "reason": "当选村委委员"})
    r.refresh_from_db()
    assert r.removed_on is not None


def test_weak_case_page_flow(client_for: Any, world: World) -> None:
    county, officer = client_for("county_admin"), client_for("township_officer")
    response = county.post(
        "/leadership/weak/",
        {"organisation": world.branch.pk, "criteria": ["secretary"], "finding": "涣散"},
    )
    case = WeakCase.objects.get()
    assert response["Location"] == f"/leadership/weak/{case.pk}/"
    url = response["Location"]
    officer.post(url, {"what": "item", "text": "规范三会一课", "due_on": "2099-01-01"})
    item = case.items.get()
    # closing without evidence is refused with a message
    refused = officer.post(
        url, {"what": "close_item", "item": item.pk, "note": "已规范"}, follow=True
    )
    assert "须上传佐证材料" in refused.content.decode()
    secretary = client_for("village_secretary")
    secretary.post(
        url, {"what": "evidence", "item": item.pk, "evidence": SimpleUploadedFile("a.png", PNG)}
    )
    officer.post(url, {"what": "close_item", "item": item.pk, "note": "已规范"})
    item.refresh_from_db()
    assert item.closed_on is not None and item.evidence_name == "a.png"
    case.refresh_from_db()
    county.post(url, {"what": "team", "version": case.version, "county_leader": world.leader.pk,
                      "first_secretary": world.cadres[0].pk, "township_lead": "赵镇长"})  # fmt: skip
    case.refresh_from_db()
    assert case.status == "rectifying"
    page = county.get(url).content.decode()
    assert 'value="close"' in page and "李县长" in page and "data-print" in page
    county.post(url, {"what": "close", "version": case.version})
    case.refresh_from_db()
    assert case.status == "closed"


def test_building_goals_and_trainings_forms(client_for: Any, world: World) -> None:
    officer = client_for("township_officer")
    officer.post(
        "/leadership/building/",
        {"what": "assign", "kind": "instructor", "cadre": world.cadres[0].pk, "area_code": V1},
    )
    assert BuildingAssignment.objects.filter(area_code=V1, kind="instructor").count() == 1
    page = officer.get("/leadership/building/").content.decode()
    assert "没有党建指导员的村" in page and "南门村" in page
    year = dt.date.today().year
    client_for("village_secretary").post(
        f"/leadership/building/goals/?year={year}",
        {"area_code": V1, "goal": "team", "note": "班子健全"},
    )
    assert GoalProgress.objects.filter(area_code=V1, goal="team").exists()
    grid = officer.get("/leadership/building/goals/").content.decode()
    assert "干部1" in grid and "1/6" in grid
    officer.post("/leadership/trainings/", {
        "title": "专题培训", "kind": "themed", "area_code": "422822100000", "organiser": "镇党委",
        "starts_on": f"{year}-01-05", "ends_on": f"{year}-01-05", "hours": "4",
    })  # fmt: skip
    course = Course.objects.get()
    o = official(V1, name="培训人")
    official(V1, name="没培训")
    officer.post(
        f"/leadership/trainings/{course.pk}/", {"officials": [o.pk], "members": [world.member.pk]}
    )
    assert CourseAttendance.objects.filter(course=course).count() == 2
    untrained = officer.get("/leadership/trainings/untrained/").content.decode()
    assert "没培训" in untrained and "培训人（" not in untrained

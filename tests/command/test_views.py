"""Command pages: access by role and area, query counts, the chart with its five groups
and the forms that change it, the contact points with the violations first, the leaders
with masked phones, and a leader's page with the figures of the areas answered for."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from django.test import Client

from fupin.audit.models import AuditEvent
from fupin.command import services
from fupin.command.models import Command, CommandPost, ContactPoint, Leader, WorkingGroup
from tests.command.conftest import COUNTY, T1, T2, TODAY, V3

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today() -> Any:
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        yield


READERS = ("township_officer", "county_admin", "auditor")
REFUSED = ("outsider", "cadre", "village_secretary", "other_secretary")


def pages(w: SimpleNamespace) -> list[str]:
    return [
        "/command/",
        f"/command/{T1}/",
        "/command/contacts/",
        "/command/leaders/",
        f"/command/leaders/{w.jia.pk}/",
    ]


def hq(w: SimpleNamespace) -> Command:
    command = services.command_create(actor=None, area_code=COUNTY)
    services.post_assign(actor=None, command_id=command.pk, leader_id=w.jia.pk, role="commander")
    services.post_assign(actor=None, command_id=command.pk, leader_id=w.yi.pk, role="deputy")
    services.command_create(actor=None, area_code=T1)
    return command


def test_pages_need_a_login_and_a_reading_role(
    world: SimpleNamespace, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    hq(world)
    for url in pages(world):
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]
        for key in REFUSED:
            assert client_for(key).get(url).status_code in (403, 404), (key, url)
        for key in READERS:
            client = client_for(key)
            with django_assert_max_num_queries(45):
                page = client.get(url, follow=True)
            assert page.status_code == 200, (key, url, page.content[:300])


def test_page_query_counts_do_not_grow(
    world: SimpleNamespace, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    hq(world)
    client = client_for("county_admin")
    counts = {}
    for url in pages(world):
        with django_assert_max_num_queries(45) as ctx:
            client.get(url)
        counts[url] = len(ctx.captured_queries)
    for i in range(5):
        extra = Leader.objects.create(name=f"新{i}", post="常委", level="county", area_code=COUNTY)
        for kind, code in (("township", T2), ("weak_village", V3), ("township", T1)):
            ContactPoint.objects.create(
                leader=extra, kind=kind, area_code=code, starts_on=world.p_jia_t1.starts_on
            )
    for code in (V3, "422822102002", "422822101002"):
        ContactPoint.objects.create(
            leader=world.jia, kind="listed", area_code=code, starts_on=world.p_jia_t1.starts_on
        )
    for url in pages(world):
        with django_assert_max_num_queries(counts[url] + 1):
            client.get(url)


def test_the_chart(world: SimpleNamespace, client_for: Any) -> None:
    command = hq(world)
    page = client_for("auditor").get("/command/").content.decode()
    assert "建始县脱贫攻坚指挥部" in page and "指挥长" in page and "甲" in page
    assert "产业发展工作组" in page and "社会保障兜底工作组" in page
    assert "data-print" in page and "org-chart" in page
    assert "维护指挥部" not in page  # the auditor reads only
    township = client_for("township_officer").get("/command/")
    assert township.status_code == 302 and township["Location"] == f"/command/{T1}/"
    assert client_for("township_officer").get(f"/command/{T2}/").status_code == 404
    # the county changes a group through the page
    admin = client_for("county_admin")
    group = WorkingGroup.objects.filter(command=command, line="education").get()
    response = admin.post(
        "/command/",
        {
            "what": "group",
            "group_id": group.pk,
            "name": "教育扶贫专班",
            "line": "education",
            "head": world.bing.pk,
            "lead_unit": world.agri.pk,
            "units": [world.water.pk],
            "duties": "控辍保学",
        },
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "教育扶贫专班" and group.head == world.bing
    page = admin.get("/command/").content.decode()
    assert "教育扶贫专班" in page and "县农业农村局" in page and "控辍保学" in page
    # a second commander is refused with a message
    refused = admin.post(
        "/command/", {"what": "post", "leader": world.bing.pk, "role": "commander"}, follow=True
    )
    assert "已有指挥长" in refused.content.decode()
    assert CommandPost.objects.filter(command=command, role="commander").count() == 1


def test_a_township_sets_up_its_hq(world: SimpleNamespace, client_for: Any) -> None:
    officer = client_for("township_officer")
    page = officer.get(f"/command/{T1}/").content.decode()
    assert "尚未设立指挥部" in page and "设立指挥部" in page
    officer.post(f"/command/{T1}/", {"what": "create", "name": ""})
    assert Command.objects.filter(area_code=T1).exists()
    assert "业州镇脱贫攻坚指挥部" in officer.get(f"/command/{T1}/").content.decode()
    # the township officer may not set up another township's
    assert officer.get(f"/command/{T2}/").status_code in (200, 404)


def test_contacts_page_lists_violations_first(world: SimpleNamespace, client_for: Any) -> None:
    page = client_for("county_admin").get("/command/contacts/").content.decode()
    first = page.index("乡镇联系县领导少于规定")
    assert first < page.index("联系点（")
    assert "联系县领导 1 名，规定不少于 2 名" in page
    assert "贫困发生率超标的村未挂牌督战" in page and "登记联系点" in page
    auditor = client_for("auditor").get("/command/contacts/").content.decode()
    assert "登记联系点" not in auditor and "结束联系" not in auditor
    admin = client_for("county_admin")
    admin.post(
        "/command/contacts/",
        {"what": "assign", "leader": world.ding.pk, "kind": "key_village", "area_code": V3},
    )
    assert ContactPoint.objects.filter(leader=world.ding, area_code=V3).exists()
    bad = admin.post(
        "/command/contacts/",
        {"what": "assign", "leader": world.ding.pk, "kind": "township", "area_code": V3},
        follow=True,
    )
    assert "联系乡镇 只能是" in bad.content.decode()
    admin.post("/command/contacts/", {"what": "end", "contact": world.p_jia_t1.pk})
    world.p_jia_t1.refresh_from_db()
    assert world.p_jia_t1.ends_on is not None
    # the township reads but may not assign
    client_for("township_officer").post(
        "/command/contacts/",
        {"what": "assign", "leader": world.ding.pk, "kind": "township", "area_code": T1},
    )
    assert ContactPoint.objects.filter(leader=world.ding, area_code=T1).count() == 1  # 8 月起的


def test_leaders_pages_mask_phones(world: SimpleNamespace, client_for: Any) -> None:
    admin = client_for("county_admin").get("/command/leaders/").content.decode()
    assert "13912345678" in admin and "登记领导干部" in admin
    assert AuditEvent.objects.filter(action="pii.view", object_type="leader").exists()
    township = client_for("township_officer").get("/command/leaders/").content.decode()
    assert "139****5678" in township and "13912345678" not in township
    page = client_for("township_officer").get(f"/command/leaders/{world.jia.pk}/").content.decode()
    assert "东门村" in page and "业州镇" in page and "20.0%" in page
    assert (
        client_for("township_officer").get(f"/command/leaders/{world.badong.pk}/").status_code
        == 404
    )
    client_for("county_admin").post(
        "/command/leaders/",
        {"what": "save", "name": "新县长", "post": "县长", "level": "county", "area_code": COUNTY},
    )
    assert Leader.objects.filter(name="新县长").exists()
    client_for("county_admin").post(
        "/command/leaders/", {"what": "retire", "leader": world.geng.pk}
    )
    assert not Leader.objects.get(pk=world.geng.pk).is_active

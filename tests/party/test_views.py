"""Party pages: access (login, roles, scope), what each shows, the forms through the
services, masked phones with unmasked views audited, and flat query counts."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from fupin.audit.models import AuditEvent
from fupin.party.models import Meeting, MemberRecord, PartyMember
from tests.party.conftest import YEAR, member

pytestmark = pytest.mark.django_db


def pages(w: SimpleNamespace) -> list[str]:
    return [
        "/party/",
        f"/party/organisations/{w.east.pk}/",
        "/party/bodies/",
        f"/party/members/{w.a.pk}/",
        "/party/vanguard/",
    ]


def test_anonymous_is_sent_to_login(world: SimpleNamespace) -> None:
    for url in pages(world):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login" in response["Location"], url


@pytest.mark.parametrize("key", ["cadre", "outsider"])
def test_roles_without_the_party_roll_are_refused(
    world: SimpleNamespace, client_for: Any, key: str
) -> None:
    client = client_for(key)
    for url in pages(world):
        assert client.get(url).status_code == 403, url


def test_another_township_does_not_see_this_one(world: SimpleNamespace, client_for: Any) -> None:
    client = client_for("other_secretary")
    assert client.get(f"/party/organisations/{world.east.pk}/").status_code == 404
    assert client.get(f"/party/members/{world.a.pk}/").status_code == 404
    page = client.get("/party/").content.decode()
    assert "高坪村党支部" in page and "东门村党支部" not in page
    ranking = client.get(f"/party/vanguard/?year={YEAR}").content.decode()
    assert "辛" in ranking and "甲" not in ranking


@pytest.mark.parametrize(
    "key", ["county_admin", "township_officer", "village_secretary", "auditor"]
)
def test_readers_see_every_page(world: SimpleNamespace, client_for: Any, key: str) -> None:
    client = client_for(key)
    for url in pages(world):
        assert client.get(url).status_code == 200, (key, url)


def test_organisations_page(world: SimpleNamespace, client_for: Any) -> None:
    client = client_for("county_admin")
    page = client.get("/party/").content.decode()
    assert "东门村党支部" in page and "南门村魔芋专业合作社" in page
    assert "66%" in page or "67%" in page  # 业州镇's coverage 2 of 3
    village_only = client.get("/party/?base=village").content.decode()
    assert ">业州镇党委</a>" not in village_only and ">东门村党支部</a>" in village_only
    assert "登记党组织" in page


def test_organisation_page_masks_phones_for_the_secretary(
    world: SimpleNamespace, client_for: Any
) -> None:
    page = client_for("village_secretary").get(f"/party/organisations/{world.east.pk}/")
    text = page.content.decode()
    assert "139****1111" in text and "13900001111" not in text
    assert "记录会议和出勤" in text and "登记党员" not in text
    assert not AuditEvent.objects.filter(action="pii.view").exists()
    text = client_for("township_officer").get(f"/party/organisations/{world.east.pk}/")
    assert "13900001111" in text.content.decode()
    event = AuditEvent.objects.get(action="pii.view")
    assert sorted(event.object_ids) == sorted([world.a.pk, world.b.pk, world.d.pk])


def test_auditor_reads_without_forms(world: SimpleNamespace, client_for: Any) -> None:
    client = client_for("auditor")
    text = client.get(f"/party/organisations/{world.east.pk}/").content.decode()
    assert "记录会议和出勤" not in text and "建立覆盖" not in text
    text = client.get(f"/party/members/{world.a.pk}/").content.decode()
    assert "记入表彰或处分" not in text
    response = client.post(
        f"/party/organisations/{world.east.pk}/",
        {"what": "meeting", "kind": "general", "held_on": "2025-05-05", "topic": "x"},
    )
    assert response.status_code == 302
    assert not Meeting.objects.filter(topic="x").exists()


def test_secretary_records_a_meeting_with_attendance(
    world: SimpleNamespace, client_for: Any
) -> None:
    client = client_for("village_secretary")
    url = f"/party/organisations/{world.east.pk}/"
    response = client.post(url, {"what": "meeting", "kind": "lecture", "held_on": "2025-06-28",
                                 "topic": "七一党课", "attendees": [world.a.pk, world.c.pk]})  # fmt: skip
    assert response.status_code == 302
    meeting = Meeting.objects.get(topic="七一党课")
    assert set(meeting.attendees.all()) == {world.a, world.c}
    page = client.get(url).content.decode()
    assert "七一党课" in page


def test_township_covers_a_body_and_adds_a_member(world: SimpleNamespace, client_for: Any) -> None:
    client = client_for("township_officer")
    url = f"/party/organisations/{world.east.pk}/"
    page = client.get(url).content.decode()
    assert "建立覆盖" in page
    client.post(url, {"what": "cover", "body": world.farm.pk})
    assert world.east in world.farm.organisations.all()
    client.post(url, {"what": "uncover", "body": world.farm.pk})
    assert world.east not in world.farm.organisations.all()
    client.post(url, {"what": "member", "name": "新党员", "gender": "female",
                      "birth_date": "1990-02-02", "education": "college",
                      "joined_on": "2015-07-01", "phone": "", "households_led": 0})  # fmt: skip
    assert PartyMember.objects.filter(name="新党员", organisation=world.east).exists()
    # a refusal comes back as a message
    response = client.post(url, {"what": "member", "name": "太小", "gender": "male",
                                 "birth_date": "2010-01-01", "education": "junior",
                                 "joined_on": "2015-07-01", "households_led": 0},
                           follow=True)  # fmt: skip
    assert "入党时应年满十八岁" in response.content.decode()


def test_member_page_traces_the_points(world: SimpleNamespace, client_for: Any) -> None:
    text = client_for("county_admin").get(f"/party/members/{world.a.pk}/?year={YEAR}")
    page = text.content.decode()
    assert "77.50" in page and "已达上限" in page
    assert "2025-03-20" in page  # a meeting behind the points
    assert "饮水管道破损" in page and "培训0" in page and "优秀共产党员" in page


def test_member_page_records_and_transfer(world: SimpleNamespace, client_for: Any) -> None:
    client = client_for("township_officer")
    url = f"/party/members/{world.d.pk}/"
    client.post(url, {"what": "record", "kind": "commendation", "on": "2025-10-01",
                      "title": "优秀党员", "grounds": "抗洪救灾", "issued_by": "镇党委"})  # fmt: skip
    assert MemberRecord.objects.filter(member=world.d, title="优秀党员").exists()
    client.post(url, {"what": "transfer", "left_on": "2025-11-01", "version": world.d.version})
    world.d.refresh_from_db()
    assert world.d.is_active is False
    # the secretary may not add records
    client_for("village_secretary").post(
        f"/party/members/{world.a.pk}/",
        {"what": "record", "kind": "sanction", "on": "2025-10-01", "title": "t", "grounds": "g"},
    )
    assert not MemberRecord.objects.filter(title="t").exists()


def test_vanguard_page_and_queries(
    world: SimpleNamespace, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for("county_admin")
    page = client.get(f"/party/vanguard/?year={YEAR}").content.decode()
    # the county starts with its first township (业州镇): 高坪镇's branch is not shown
    assert "东门村党支部" in page and "77.50" in page and "-18.00" in page
    assert "高坪村党支部</a></h2>" not in page
    page = client.get(f"/party/vanguard/?year={YEAR}&area=all").content.decode()
    assert "高坪村党支部</a></h2>" in page and "东门村党支部</a></h2>" in page
    one = client.get(f"/party/vanguard/?year={YEAR}&organisation={world.gaoping.pk}")
    assert "甲" not in one.content.decode()
    for i in range(10):
        member(world.east, f"新{i}")
    with django_assert_max_num_queries(16):
        assert client.get(f"/party/vanguard/?year={YEAR}&area=all").status_code == 200


def test_list_pages_query_counts(
    world: SimpleNamespace, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for("county_admin")
    for i in range(10):
        member(world.east, f"新{i}")
    with django_assert_max_num_queries(14):
        assert client.get("/party/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/party/bodies/").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(f"/party/organisations/{world.east.pk}/").status_code == 200

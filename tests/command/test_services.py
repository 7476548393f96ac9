"""Command writes: who may do what (county, township, auditor, outside the area), one
commander per HQ, the five default working groups, the kind and area checks of contact
points, retirement, and the audit row of each write."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from fupin.audit.models import AuditEvent
from fupin.command import services
from fupin.command.models import Command, CommandPost, ContactPoint, Leader, WorkingGroup
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from tests.command.conftest import BV1, COUNTY, START, T1, T2, V1, V3, V4, V7

pytestmark = pytest.mark.django_db


def test_leader_save_by_role(world: SimpleNamespace) -> None:
    u = world.users
    data = {"name": "张书记", "post": "县委书记", "level": "county", "area_code": COUNTY}
    for key in ("township_officer", "auditor", "village_secretary", "cadre"):
        with pytest.raises((AccessDenied, NotFound)):
            services.leader_save(actor=u[key], **data)
    with pytest.raises(NotFound):
        services.leader_save(actor=u["outsider"], **data)
    leader = services.leader_save(actor=u["county_admin"], phone="13800001111", **data)
    assert leader.is_active and leader.phone == "13800001111"
    assert AuditEvent.objects.filter(action="command.leader_save").count() == 1
    # a township's own leader is the township's to manage
    own = services.leader_save(
        actor=u["township_officer"],
        name="李书记",
        post="镇党委书记",
        level="township",
        area_code=T1,
    )
    assert own.level == "township"
    with pytest.raises(NotFound):
        services.leader_save(
            actor=u["township_officer"], name="x", post="y", level="township", area_code=T2
        )
    with pytest.raises(InvalidInput) as bad:
        services.leader_save(actor=None, name="x", post="y", level="county", area_code=T1)
    assert "area_code" in bad.value.fields
    with pytest.raises(InvalidInput):
        services.leader_save(actor=None, name="x", post="y", level="mayor", area_code=COUNTY)
    with pytest.raises(InvalidInput):
        services.leader_save(actor=None, phone="call me", **data)
    changed = services.leader_save(
        actor=u["county_admin"], leader_id=leader.pk, version=1, **{**data, "post": "县长"}
    )
    assert changed.post == "县长" and changed.version == 2
    with pytest.raises(Conflict):
        services.leader_save(actor=u["county_admin"], leader_id=leader.pk, version=1, **data)


def test_command_create_sets_up_the_five_groups(world: SimpleNamespace) -> None:
    u = world.users
    with pytest.raises(NotFound):  # the county is outside the township's areas
        services.command_create(actor=u["township_officer"], area_code=COUNTY)
    with pytest.raises(AccessDenied):
        services.command_create(actor=u["auditor"], area_code=COUNTY)
    with pytest.raises(InvalidInput):
        services.command_create(actor=u["county_admin"], area_code=V1)
    hq = services.command_create(actor=u["county_admin"], area_code=COUNTY)
    assert hq.name == "建始县脱贫攻坚指挥部" and hq.established_on is not None
    groups = list(WorkingGroup.objects.filter(command=hq).order_by("ordering"))
    assert [g.line for g in groups] == [
        "production",
        "relocation",
        "ecology",
        "education",
        "security",
    ]
    assert all(g.duties for g in groups)
    with pytest.raises(Conflict):
        services.command_create(actor=None, area_code=COUNTY)
    # the township manages its own HQ, not another township's
    own = services.command_create(actor=u["township_officer"], area_code=T1, name="业州镇指挥部")
    assert own.name == "业州镇指挥部"
    with pytest.raises(NotFound):
        services.command_create(actor=u["township_officer"], area_code=T2)
    assert AuditEvent.objects.filter(action="command.command_create").count() == 2


def test_one_commander_per_hq(world: SimpleNamespace) -> None:
    admin = world.users["county_admin"]
    hq = services.command_create(actor=None, area_code=COUNTY)
    post = services.post_assign(
        actor=admin, command_id=hq.pk, leader_id=world.jia.pk, role="commander", duty="全面负责"
    )
    with pytest.raises(Conflict) as clash:
        services.post_assign(actor=admin, command_id=hq.pk, leader_id=world.yi.pk, role="commander")
    assert "甲" in str(clash.value.message)
    services.post_assign(actor=admin, command_id=hq.pk, leader_id=world.yi.pk, role="deputy")
    # re-assigning the same leader changes the post, not adds one
    services.post_assign(
        actor=admin, command_id=hq.pk, leader_id=world.jia.pk, role="commander", duty="总负责"
    )
    assert CommandPost.objects.get(pk=post.pk).duty == "总负责"
    with pytest.raises(InvalidInput):
        services.post_assign(
            actor=admin, command_id=hq.pk, leader_id=world.retired.pk, role="member"
        )
    with pytest.raises(InvalidInput):
        services.post_assign(
            actor=admin, command_id=hq.pk, leader_id=world.badong.pk, role="member"
        )
    with pytest.raises(InvalidInput):
        services.post_assign(actor=admin, command_id=hq.pk, leader_id=world.ding.pk, role="boss")
    with pytest.raises(NotFound):
        services.post_assign(
            actor=world.users["township_officer"],
            command_id=hq.pk,
            leader_id=world.ding.pk,
            role="member",
        )
    services.post_remove(actor=admin, post_id=post.pk)
    services.post_assign(actor=admin, command_id=hq.pk, leader_id=world.yi.pk, role="commander")
    assert Command.objects.get(pk=hq.pk).version > 1
    assert list(CommandPost.objects.filter(command=hq).values_list("role", flat=True)) == [
        "commander"
    ]


def test_groups_can_be_renamed_given_units_or_removed(world: SimpleNamespace) -> None:
    admin = world.users["county_admin"]
    hq = services.command_create(actor=None, area_code=COUNTY)
    group = WorkingGroup.objects.filter(command=hq, line="production").get()
    saved = services.group_save(
        actor=admin,
        command_id=hq.pk,
        group_id=group.pk,
        name="产业就业工作组",
        line="production",
        head_id=world.bing.pk,
        lead_unit_id=world.agri.pk,
        unit_ids=[world.water.pk, world.agri.pk],
        duties="产业和就业",
    )
    assert saved.name == "产业就业工作组" and saved.head == world.bing
    assert saved.lead_unit == world.agri
    assert sorted(u.name for u in saved.units.all()) == ["县农业农村局", "县水利局"]
    with pytest.raises(InvalidInput) as foreign:
        services.group_save(
            actor=admin, command_id=hq.pk, name="x", unit_ids=[world.badong_unit.pk]
        )
    assert "units" in foreign.value.fields
    with pytest.raises(Conflict):
        services.group_save(actor=admin, command_id=hq.pk, name="教育扶贫工作组")
    extra = services.group_save(actor=admin, command_id=hq.pk, name="基础设施工作组")
    assert extra.line == "other" and extra.ordering == 6
    with pytest.raises(AccessDenied):
        services.group_remove(actor=world.users["auditor"], group_id=extra.pk)
    services.group_remove(actor=admin, group_id=extra.pk)
    assert WorkingGroup.objects.filter(command=hq).count() == 5


def test_contact_points_kinds_and_areas(world: SimpleNamespace) -> None:
    admin = world.users["county_admin"]
    leader = services.leader_save(
        actor=None, name="新领导", post="副县长", level="county", area_code=COUNTY
    )

    def assign(kind: str, code: str, who: Leader = leader) -> ContactPoint:
        return services.contact_assign(
            actor=admin, leader_id=who.pk, kind=kind, area_code=code, starts_on=START
        )

    for kind, code in (
        ("township", V1),
        ("key_village", T1),
        ("weak_village", T1),
        ("listed", T1),
        ("key_village", "422822102001"),  # not a registered poor village
        ("weak_village", V7),  # its weak case is closed
        ("nonsense", V1),
    ):
        with pytest.raises(InvalidInput):
            assign(kind, code)
    with pytest.raises(InvalidInput):
        assign("key_village", V3, world.retired)
    city = world.city
    with pytest.raises(InvalidInput):  # only county leaders for townships
        assign("township", T1, city)
    with pytest.raises(NotFound):
        assign("key_village", BV1)
    with pytest.raises(InvalidInput):  # a leader of another county
        services.contact_assign(
            actor=None, leader_id=world.badong.pk, kind="key_village", area_code=V3
        )
    point = assign("key_village", V3)
    assert point.ends_on is None
    with pytest.raises(Conflict):
        assign("key_village", V3)
    assign("weak_village", V3)
    assign("listed", COUNTY, city)
    assign("listed", V3, city)
    for key in ("township_officer", "auditor"):
        with pytest.raises(AccessDenied):
            services.contact_assign(
                actor=world.users[key], leader_id=leader.pk, kind="township", area_code=T1
            )
    with pytest.raises(NotFound):
        services.contact_assign(
            actor=world.users["other_secretary"], leader_id=leader.pk, kind="township", area_code=T1
        )
    with pytest.raises(AccessDenied):
        services.contact_end(actor=world.users["township_officer"], contact_id=point.pk)
    with pytest.raises(InvalidInput):
        services.contact_end(actor=admin, contact_id=point.pk, ends_on=dt.date(2025, 1, 1))
    ended = services.contact_end(actor=admin, contact_id=point.pk, ends_on=dt.date(2026, 7, 1))
    assert ended.ends_on == dt.date(2026, 7, 1)
    with pytest.raises(Conflict):
        services.contact_end(actor=admin, contact_id=point.pk)
    assign("key_village", V3)  # again, after the old one ended
    assert AuditEvent.objects.filter(action="command.contact_assign").count() == 5


def test_a_retiring_leader_leaves_their_posts(world: SimpleNamespace) -> None:
    hq = services.command_create(actor=None, area_code=COUNTY)
    services.post_assign(actor=None, command_id=hq.pk, leader_id=world.jia.pk, role="commander")
    group = WorkingGroup.objects.filter(command=hq).first()
    assert group is not None
    services.group_save(
        actor=None, command_id=hq.pk, group_id=group.pk, name=group.name, head_id=world.jia.pk
    )
    with pytest.raises(AccessDenied):
        services.leader_retire(actor=world.users["auditor"], leader_id=world.jia.pk)
    with pytest.raises(NotFound):
        services.leader_retire(actor=world.users["township_officer"], leader_id=world.jia.pk)
    vacated = services.leader_retire(
        actor=world.users["county_admin"], leader_id=world.jia.pk, on=dt.date(2026, 7, 1)
    )
    assert vacated == {"contact_points": 3, "posts": 1, "groups": 1}
    assert not Leader.objects.get(pk=world.jia.pk).is_active
    assert not ContactPoint.objects.filter(leader=world.jia, ends_on__isnull=True).exists()
    with pytest.raises(Conflict):
        services.leader_retire(actor=None, leader_id=world.jia.pk)
    assert V4  # (the fixture's villages)

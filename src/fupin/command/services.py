"""Every write of the command system: leaders, the county and township HQs (指挥部) with
their posts and working groups, and the leaders' contact points (联系点, 挂牌督战).

Each service checks that the actor holds a role allowed to do it over the area concerned,
runs in one transaction and writes an audit row in it. ``actor=None`` is the system
itself (the demo, the CLI). The county's administrator manages the county HQ, the leaders
and the contact points; a township's officer manages the township's HQ and its township
leaders; auditors only read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from fupin.accounts.guard import require as _require
from fupin.accounts.models import Role
from fupin.accounts.scope import scope_for
from fupin.areas.codes import level_of, prefix_of
from fupin.areas.models import Area, PovertyStatus
from fupin.assistance.models import Unit
from fupin.audit.services import AppAudit
from fupin.command.models import (
    Command,
    CommandPost,
    ContactPoint,
    Leader,
    Line,
    WorkingGroup,
)
from fupin.core import clock
from fupin.core.clean import text as _text
from fupin.core.errors import Conflict, InvalidInput, NotFound

COUNTY = (Role.COUNTY_ADMIN,)
TOWNSHIP = (Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN)

# The five working groups every new HQ starts with (五个一批), with their usual duties;
# each can be renamed, given a head and units, or removed.
DEFAULT_GROUPS: tuple[tuple[str, str, str], ...] = (
    (
        Line.PRODUCTION,
        "产业发展工作组",
        "统筹特色产业、就业扶贫和带贫主体，落实产业扶持和技能培训政策。",
    ),
    (
        Line.RELOCATION,
        "易地扶贫搬迁工作组",
        "负责搬迁对象核定、安置点建设和搬迁后续扶持，确保搬得出、稳得住、能致富。",
    ),
    (
        Line.ECOLOGY,
        "生态补偿工作组",
        "落实生态补偿、公益林补偿和生态护林员选聘，推进生态保护与脱贫结合。",
    ),
    (
        Line.EDUCATION,
        "教育扶贫工作组",
        "落实义务教育控辍保学和各学段资助政策，阻断贫困代际传递。",
    ),
    (
        Line.SECURITY,
        "社会保障兜底工作组",
        "落实低保、特困供养、医疗保障和临时救助，做到应保尽保、应兜尽兜。",
    ),
)
# Which areas each kind of contact point may be made for.
KIND_LEVELS: dict[str, tuple[str, ...]] = {
    ContactPoint.Kind.TOWNSHIP: (Area.Level.TOWNSHIP,),
    ContactPoint.Kind.KEY_VILLAGE: (Area.Level.VILLAGE,),
    ContactPoint.Kind.WEAK_VILLAGE: (Area.Level.VILLAGE,),
    ContactPoint.Kind.LISTED: (Area.Level.VILLAGE, Area.Level.COUNTY),
}
# The level of area a leader of each level serves in.
LEADER_AREA_LEVELS: dict[str, tuple[str, ...]] = {
    Leader.Level.CITY: ("prefecture", "county"),
    Leader.Level.COUNTY: ("county",),
    Leader.Level.TOWNSHIP: ("township",),
}


# --- helpers -------------------------------------------------------------------------------


_audit = AppAudit("command")


def _level(area_code: str, field: str = "area_code") -> str:
    try:
        return level_of(area_code)
    except InvalidInput:
        raise InvalidInput(fields={field: [_("区划代码无效")]}) from None


def _area(area_code: str) -> Area:
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise NotFound()
    return area


def _related(inner: str, outer: str) -> bool:
    """Whether one of the two areas contains the other."""
    return inner.startswith(prefix_of(outer)) or outer.startswith(prefix_of(inner))


def _hq_roles(area_code: str) -> tuple[str, ...]:
    return COUNTY if level_of(area_code) == Area.Level.COUNTY else TOWNSHIP


def _command(actor: Any, command_id: int) -> Command:
    command = Command.objects.select_for_update().filter(pk=command_id).first()
    if command is None:
        raise NotFound()
    _require(actor, _hq_roles(command.area_code), command.area_code)
    return command


def _active_leader(leader_id: int | None, field: str, near: str) -> Leader:
    """An active leader serving in or over the area ``near``."""
    leader = Leader.objects.filter(pk=leader_id or 0).first()
    if leader is None or not _related(leader.area_code, near):
        raise InvalidInput(fields={field: [_("领导干部不存在或不在本地区")]})
    if not leader.is_active:
        raise InvalidInput(fields={field: [_("%(name)s 已不在任。") % {"name": leader.name}]})
    return leader


def _touch(command: Command) -> None:
    command.version += 1
    command.save(update_fields=["version"])


# --- leaders -------------------------------------------------------------------------------


@transaction.atomic
def leader_save(
    *,
    actor: Any,
    name: str,
    post: str,
    level: str,
    area_code: str,
    phone: str = "",
    leader_id: int | None = None,
    version: int | None = None,
    channel: str = "web",
) -> Leader:
    """Create or change a leader. County and city leaders are the county's to manage; a
    township's own leaders (乡镇领导) the township's. A city leader sent to the county for
    listed supervision serves in the county (or the prefecture). The phone is personal
    data: written, never logged."""
    if level not in Leader.Level.values:
        raise InvalidInput(fields={"level": [_("层级无效")]})
    if _level(area_code) not in LEADER_AREA_LEVELS[level]:
        raise InvalidInput(fields={"area_code": [_("所在区划与领导层级不符")]})
    _require(actor, TOWNSHIP if level == Leader.Level.TOWNSHIP else COUNTY, area_code)
    _area(area_code)
    phone = _text(phone, "phone", 32, required=False)
    if phone and not phone.replace("-", "").isdigit():
        raise InvalidInput(fields={"phone": [_("电话号码只能包含数字和“-”")]})
    if leader_id is None:
        leader = Leader()
    else:
        found = Leader.objects.select_for_update().filter(pk=leader_id).first()
        if found is None or (actor is not None and not scope_for(actor).covers(found.area_code)):
            raise NotFound()
        if version is not None and found.version != version:
            raise Conflict()
        leader = found
        leader.version += 1
    leader.name = _text(name, "name", 64)
    leader.post = _text(post, "post", 100)
    leader.level = level
    leader.area_code = area_code
    leader.phone = phone
    leader.save()
    _audit(actor, "leader_save", "leader", [leader.pk], area_code, channel)
    return leader


@transaction.atomic
def leader_retire(
    *, actor: Any, leader_id: int, on: dt.date | None = None, channel: str = "web"
) -> dict[str, int]:
    """A leader leaves office: every contact point ends that day, the leader's HQ posts go
    and the groups headed are left without a head, to be given a new one. Returns what was
    vacated, by kind."""
    leader = Leader.objects.select_for_update().filter(pk=leader_id).first()
    if leader is None:
        raise NotFound()
    _require(actor, TOWNSHIP if leader.level == Leader.Level.TOWNSHIP else COUNTY, leader.area_code)
    if not leader.is_active:
        raise Conflict(_("%(name)s 已不在任。") % {"name": leader.name})
    on = on or clock.today()
    leader.is_active = False
    leader.version += 1
    leader.save(update_fields=["is_active", "version"])
    contacts = ContactPoint.objects.filter(leader=leader, ends_on__isnull=True).update(ends_on=on)
    posts, _detail = CommandPost.objects.filter(leader=leader).delete()
    groups = WorkingGroup.objects.filter(head=leader).update(head=None)
    _audit(actor, "leader_retire", "leader", [leader.pk], leader.area_code, channel)
    return {"contact_points": contacts, "posts": posts, "groups": groups}


# --- HQs, posts, groups -----------------------------------------------------------------------


@transaction.atomic
def command_create(
    *,
    actor: Any,
    area_code: str,
    name: str = "",
    established_on: dt.date | None = None,
    channel: str = "web",
) -> Command:
    """Set up a county or township HQ (指挥部) with the five default working groups, one
    per 五个一批 line."""
    level = _level(area_code)
    if level not in (Area.Level.COUNTY, Area.Level.TOWNSHIP):
        raise InvalidInput(fields={"area_code": [_("指挥部只设在县和乡镇")]})
    _require(actor, _hq_roles(area_code), area_code)
    area = _area(area_code)
    if Command.objects.filter(area_code=area_code).exists():
        raise Conflict(_("%(area)s 已设立指挥部。") % {"area": area.name})
    default = _("%(area)s脱贫攻坚指挥部") % {"area": area.name}
    command = Command.objects.create(
        area_code=area_code,
        name=_text(name, "name", 100, required=False) or default,
        established_on=established_on or clock.today(),
    )
    WorkingGroup.objects.bulk_create(
        WorkingGroup(command=command, line=line, name=label, duties=duties, ordering=i)
        for i, (line, label, duties) in enumerate(DEFAULT_GROUPS, start=1)
    )
    _audit(actor, "command_create", "command", [command.pk], area_code, channel)
    return command


@transaction.atomic
def post_assign(
    *,
    actor: Any,
    command_id: int,
    leader_id: int,
    role: str,
    duty: str = "",
    ordering: int = 0,
    channel: str = "web",
) -> CommandPost:
    """Give a leader a place in an HQ (or change it). An HQ has one commander: another
    must be removed first."""
    command = _command(actor, command_id)
    if role not in CommandPost.Role.values:
        raise InvalidInput(fields={"role": [_("职责无效")]})
    leader = _active_leader(leader_id, "leader", command.area_code)
    duty = _text(duty, "duty", 200, required=False)
    post = CommandPost.objects.filter(command=command, leader=leader).first()
    if role == CommandPost.Role.COMMANDER:
        other = (
            CommandPost.objects.filter(command=command, role=role)
            .exclude(leader=leader)
            .select_related("leader")
            .first()
        )
        if other is not None:
            raise Conflict(
                _("%(hq)s 已有指挥长 %(name)s，请先调整。")
                % {"hq": command.name, "name": other.leader.name}
            )
    post = post or CommandPost(command=command, leader=leader)
    post.role, post.duty, post.ordering = role, duty, max(0, int(ordering))
    try:
        with transaction.atomic():
            post.save()
    except IntegrityError:  # a commander appointed at the same moment
        raise Conflict() from None
    _touch(command)
    _audit(actor, "post_assign", "command_post", [post.pk], command.area_code, channel)
    return post


@transaction.atomic
def post_remove(*, actor: Any, post_id: int, channel: str = "web") -> None:
    post = CommandPost.objects.filter(pk=post_id).first()
    if post is None:
        raise NotFound()
    command = _command(actor, post.command_id)
    post.delete()
    _touch(command)
    _audit(actor, "post_remove", "command_post", [post_id], command.area_code, channel)


@transaction.atomic
def group_save(
    *,
    actor: Any,
    command_id: int,
    name: str,
    line: str = Line.OTHER,
    head_id: int | None = None,
    lead_unit_id: int | None = None,
    unit_ids: Sequence[int] = (),
    duties: str = "",
    ordering: int | None = None,
    group_id: int | None = None,
    channel: str = "web",
) -> WorkingGroup:
    """Create or change a working group: its name, line, head, lead unit, member units and
    duties. The units are the county's (assistance units)."""
    command = _command(actor, command_id)
    if line not in Line.values:
        raise InvalidInput(fields={"line": [_("工作线无效")]})
    if group_id is None:
        group = WorkingGroup(command=command)
    else:
        found = WorkingGroup.objects.filter(pk=group_id, command=command).first()
        if found is None:
            raise NotFound()
        group = found
    group.name = _text(name, "name", 100)
    if WorkingGroup.objects.filter(command=command, name=group.name).exclude(pk=group.pk).exists():
        raise Conflict(_("该指挥部已有同名工作组。"))
    group.line = line
    group.duties = _text(duties, "duties", 2000, required=False)
    group.head = _active_leader(head_id, "head", command.area_code) if head_id else None
    county = command.area_code[:6]
    wanted = sorted({int(u) for u in unit_ids} | ({int(lead_unit_id)} if lead_unit_id else set()))
    units = {
        u.pk: u
        for u in Unit.objects.filter(pk__in=wanted, is_active=True, area_code__startswith=county)
    }
    if len(units) != len(wanted):
        raise InvalidInput(fields={"units": [_("单位不存在或不属于本县")]})
    group.lead_unit = units[int(lead_unit_id)] if lead_unit_id else None
    if ordering is not None:
        group.ordering = max(0, int(ordering))
    elif group.pk is None:
        last = WorkingGroup.objects.filter(command=command).aggregate(m=Max("ordering"))["m"]
        group.ordering = (last or 0) + 1
    group.save()
    group.units.set([units[pk] for pk in sorted({int(u) for u in unit_ids})])
    _touch(command)
    _audit(actor, "group_save", "working_group", [group.pk], command.area_code, channel)
    return group


@transaction.atomic
def group_remove(*, actor: Any, group_id: int, channel: str = "web") -> None:
    group = WorkingGroup.objects.filter(pk=group_id).first()
    if group is None:
        raise NotFound()
    command = _command(actor, group.command_id)
    group.delete()
    _touch(command)
    _audit(actor, "group_remove", "working_group", [group_id], command.area_code, channel)


# --- contact points ---------------------------------------------------------------------------


def _open_weak_case(area_code: str) -> bool:
    from fupin.leadership.models import WeakCase

    return (
        WeakCase.objects.exclude(status=WeakCase.Status.CLOSED)
        .filter(organisation__base="village", organisation__area_code=area_code)
        .exists()
    )


@transaction.atomic
def contact_assign(
    *,
    actor: Any,
    leader_id: int,
    kind: str,
    area_code: str,
    starts_on: dt.date | None = None,
    note: str = "",
    channel: str = "web",
) -> ContactPoint:
    """Make a leader answerable for an area: a township (county leaders), a registered poor
    village (重点贫困村), a village whose branch is weak (软弱涣散村, with an open weak
    case), or listed supervision (挂牌督战) of a village or a county. How many a leader or
    a township has is not refused here: the rules are checked as a whole (violations)."""
    if kind not in ContactPoint.Kind.values:
        raise InvalidInput(fields={"kind": [_("联系类型无效")]})
    level = _level(area_code)
    _require(actor, COUNTY, area_code)
    area = _area(area_code)
    if level not in KIND_LEVELS[kind]:
        raise InvalidInput(
            fields={
                "area_code": [
                    _("%(kind)s 只能是%(levels)s")
                    % {
                        "kind": ContactPoint.Kind(kind).label,
                        "levels": "、".join(str(Area.Level(v).label) for v in KIND_LEVELS[kind]),
                    }
                ]
            }
        )
    if kind == ContactPoint.Kind.KEY_VILLAGE and area.poverty_status != PovertyStatus.POOR:
        raise InvalidInput(
            fields={"area_code": [_("%(area)s 不是在册贫困村。") % {"area": area.name}]}
        )
    if kind == ContactPoint.Kind.WEAK_VILLAGE and not _open_weak_case(area_code):
        raise InvalidInput(
            fields={
                "area_code": [_("%(area)s 没有未销号的软弱涣散村党组织。") % {"area": area.name}]
            }
        )
    leader = Leader.objects.select_for_update().filter(pk=leader_id).first()
    if leader is None or not area_code.startswith(prefix_of(leader.area_code)):
        raise InvalidInput(fields={"leader": [_("领导干部不存在或不在本地区")]})
    if not leader.is_active:
        raise InvalidInput(fields={"leader": [_("%(name)s 已不在任。") % {"name": leader.name}]})
    if kind == ContactPoint.Kind.TOWNSHIP and leader.level != Leader.Level.COUNTY:
        raise InvalidInput(fields={"leader": [_("联系乡镇的应为县级领导")]})
    if ContactPoint.objects.filter(
        leader=leader, kind=kind, area_code=area_code, ends_on__isnull=True
    ).exists():
        raise Conflict(_("%(name)s 已联系 %(area)s。") % {"name": leader.name, "area": area.name})
    point = ContactPoint.objects.create(
        leader=leader,
        kind=kind,
        area_code=area_code,
        starts_on=starts_on or clock.today(),
        note=_text(note, "note", 200, required=False),
    )
    _audit(actor, "contact_assign", "contact_point", [point.pk], area_code, channel)
    return point


@transaction.atomic
def contact_end(
    *, actor: Any, contact_id: int, ends_on: dt.date | None = None, channel: str = "web"
) -> ContactPoint:
    point = ContactPoint.objects.select_for_update().filter(pk=contact_id).first()
    if point is None:
        raise NotFound()
    _require(actor, COUNTY, point.area_code)
    if point.ends_on is not None:
        raise Conflict(_("该联系点已结束。"))
    ends_on = ends_on or clock.today()
    if ends_on < point.starts_on:
        raise InvalidInput(fields={"ends_on": [_("结束日期不能早于开始日期")]})
    point.ends_on = ends_on
    point.save(update_fields=["ends_on"])
    _audit(actor, "contact_end", "contact_point", [point.pk], point.area_code, channel)
    return point

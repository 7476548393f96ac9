"""Every write of assistance: units and cadres, pairing, plans and measures, schemes and
their income, visits and concerns, work teams, presence and leave, notifications.

Each service checks that the actor holds a role allowed to do it over the area concerned,
runs in one transaction and writes an audit row in it. ``actor=None`` is the system
itself (the demo, the CLI, scheduled jobs)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.guard import require as _require
from fupin.accounts.guard import user_of as _user
from fupin.accounts.models import Role, RoleAssignment
from fupin.accounts.scope import holds_role, scope_for
from fupin.areas.models import Area
from fupin.assistance.models import (
    INCOME_FIELDS,
    Cadre,
    Concern,
    ConcernEvent,
    Leave,
    Measure,
    MeasureType,
    Notification,
    Pairing,
    Participation,
    ParticipationIncome,
    Plan,
    PlannedMeasure,
    Presence,
    TeamMember,
    Unit,
    UnitVillage,
    Visit,
    VisitPhoto,
    WorkTeam,
)
from fupin.audit.services import AppAudit, audit_write
from fupin.core import clock
from fupin.core.clean import text as _text
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.policy import standards
from fupin.procedures import evidence
from fupin.registry.models import Household, IncomeRecord

COUNTY = (Role.COUNTY_ADMIN,)
TOWNSHIP = (Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN)
VILLAGE = (Role.VILLAGE_SECRETARY, Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN)
FIELD = (Role.CADRE, Role.VILLAGE_SECRETARY, Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN)

# What each scheme's income counts as in the household's income record, unless told.
SCHEME_INCOME = {
    Participation.Kind.INDUSTRY_PROJECT: "business",
    Participation.Kind.COOPERATIVE: "property_income",
    Participation.Kind.MICRO_LOAN: "business",
    Participation.Kind.PHOTOVOLTAIC: "property_income",
    Participation.Kind.ASSET_DIVIDEND: "property_income",
    Participation.Kind.OTHER: "transfer",
}
# The level a concern goes to when its deadline passes unhandled.
ESCALATION = {
    Concern.Level.VILLAGE: Concern.Level.TOWNSHIP,
    Concern.Level.TOWNSHIP: Concern.Level.COUNTY,
    Concern.Level.DEPARTMENT: Concern.Level.COUNTY,
}  # the county has no level above: its overdue concerns stay on the overdue list
# Who handles (resolves) a concern routed to each level.
HANDLERS = {
    Concern.Level.VILLAGE: VILLAGE,
    Concern.Level.TOWNSHIP: TOWNSHIP,
    Concern.Level.DEPARTMENT: COUNTY,
    Concern.Level.COUNTY: COUNTY,
}
MAX_PHOTOS = 6


# --- helpers -------------------------------------------------------------------------------


_audit = AppAudit("assistance")


def _household(household_id: int | None) -> Household:
    household = Household.objects.filter(pk=household_id or 0, is_active=True).first()
    if household is None:
        raise NotFound()
    return household


def _params(area_code: str, day: dt.date) -> dict[str, Any]:
    return standards.effective(area_code, standards.in_force(day.year))


def _money(value: Any, field: str, *, required: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise InvalidInput(fields={field: [_("必填")]})
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(fields={field: [_("须为数字")]}) from None
    if amount < 0 or amount >= Decimal("1e10"):
        raise InvalidInput(fields={field: [_("金额超出范围")]})
    return amount.quantize(Decimal("0.01"))


def _day(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(fields={field: [_("日期格式应为 YYYY-MM-DD")]}) from None


def _notify(users: Iterable[Any], kind: str, text: str, url: str = "") -> None:
    Notification.objects.bulk_create(
        Notification(user_id=getattr(u, "pk", u), kind=kind, text=text[:300], url=url)
        for u in {getattr(u, "pk", u) for u in users if u}
    )


def _users_with_role(roles: tuple[str, ...], area_code: str) -> list[int]:
    """Users holding one of ``roles`` on the area itself or on one containing it."""
    codes = [area_code[:n].ljust(12, "0") for n in (2, 4, 6, 9, 12) if len(area_code) >= n]
    return list(
        RoleAssignment.objects.filter(role__in=roles, area__code__in=codes)
        .values_list("user_id", flat=True)
        .distinct()
    )


# --- units and cadres ------------------------------------------------------------------------


@transaction.atomic
def unit_save(
    *,
    actor: Any,
    name: str,
    kind: str,
    area_code: str,
    handles_concerns: bool = False,
    unit_id: int | None = None,
    channel: str = "web",
) -> Unit:
    """Create or change an assisting unit (the county's organisation department)."""
    _require(actor, COUNTY, area_code)
    if kind not in Unit.Kind.values:
        raise InvalidInput(fields={"kind": [_("单位类型无效")]})
    name = _text(name, "name", 100)
    unit = Unit(area_code=area_code) if unit_id is None else Unit.objects.filter(pk=unit_id).first()
    if unit is None or unit.area_code != area_code:
        raise NotFound()
    if Unit.objects.filter(area_code=area_code, name=name).exclude(pk=unit.pk).exists():
        raise Conflict(_("已有同名单位。"))
    unit.name, unit.kind, unit.handles_concerns = name, kind, handles_concerns
    unit.save()
    _audit(actor, "unit_save", "unit", [unit.pk], area_code, channel)
    return unit


@transaction.atomic
def unit_village_pair(
    *, actor: Any, unit_id: int, area_code: str, starts_on: dt.date, channel: str = "web"
) -> UnitVillage:
    """定点帮扶: a unit takes a village."""
    unit = Unit.objects.filter(pk=unit_id, is_active=True).first()
    if unit is None or not Area.objects.filter(code=area_code, level="village").exists():
        raise NotFound()
    _require(actor, COUNTY, area_code)
    if UnitVillage.objects.filter(unit=unit, area_code=area_code, ends_on__isnull=True).exists():
        raise Conflict(_("该单位已在帮扶这个村。"))
    row = UnitVillage.objects.create(unit=unit, area_code=area_code, starts_on=starts_on)
    _audit(actor, "unit_village_pair", "unit_village", [row.pk], area_code, channel)
    return row


@transaction.atomic
def cadre_save(
    *,
    actor: Any,
    unit_id: int,
    name: str,
    area_code: str,
    phone: str = "",
    is_party_member: bool = False,
    post: str = "",
    skills: str = "",
    user_id: int | None = None,
    cadre_id: int | None = None,
    version: int | None = None,
    channel: str = "web",
) -> Cadre:
    """Create or change a cadre. The phone is personal data: written, never logged."""
    _require(actor, TOWNSHIP, area_code)
    unit = Unit.objects.filter(pk=unit_id, is_active=True).first()
    if unit is None:
        raise InvalidInput(fields={"unit": [_("帮扶单位不存在")]})
    phone = _text(phone, "phone", 32, required=False)
    if phone and not phone.replace("-", "").isdigit():
        raise InvalidInput(fields={"phone": [_("电话号码只能包含数字和“-”")]})
    if cadre_id is None:
        cadre = Cadre()
    else:
        found = Cadre.objects.select_for_update().filter(pk=cadre_id).first()
        if found is None or (actor is not None and not scope_for(actor).covers(found.area_code)):
            raise NotFound()
        if version is not None and found.version != version:
            raise Conflict()
        cadre = found
        cadre.version += 1
    if user_id is not None and Cadre.objects.filter(user_id=user_id).exclude(pk=cadre.pk).exists():
        raise Conflict(_("该用户已关联其他干部。"))
    cadre.name = _text(name, "name", 64)
    cadre.unit = unit
    cadre.area_code = area_code
    cadre.phone = phone
    cadre.is_party_member = bool(is_party_member)
    cadre.post = _text(post, "post", 64, required=False)
    cadre.skills = _text(skills, "skills", 200, required=False)
    cadre.user_id = user_id
    cadre.save()
    _audit(actor, "cadre_save", "cadre", [cadre.pk], area_code, channel)
    return cadre


@transaction.atomic
def cadre_leave(
    *, actor: Any, cadre_id: int, left_on: dt.date | None = None, channel: str = "web"
) -> list[int]:
    """A cadre leaves (transferred, retired): every pairing and team post ends that day.
    Returns the households that now need a new cadre (帮扶责任不脱钩)."""
    cadre = Cadre.objects.select_for_update().filter(pk=cadre_id).first()
    if cadre is None:
        raise NotFound()
    _require(actor, TOWNSHIP, cadre.area_code)
    if cadre.left_on is not None:
        raise Conflict(_("该干部已调离。"))
    left_on = left_on or clock.today()
    cadre.left_on = left_on
    cadre.version += 1
    cadre.save(update_fields=["left_on", "version"])
    active = Pairing.objects.filter(cadre=cadre, ends_on__isnull=True)
    households = list(active.values_list("household_id", flat=True))
    active.update(ends_on=left_on, end_reason=Pairing.EndReason.CADRE_LEFT)
    TeamMember.objects.filter(cadre=cadre, ends_on__isnull=True).update(ends_on=left_on)
    _audit(actor, "cadre_leave", "cadre", [cadre.pk], cadre.area_code, channel)
    return households


# --- pairing ---------------------------------------------------------------------------------


@transaction.atomic
def pairing_create(
    *,
    actor: Any,
    cadre_id: int,
    household_id: int,
    starts_on: dt.date | None = None,
    channel: str = "web",
) -> Pairing:
    """Make ``cadre`` the household's responsible cadre; a previous one is replaced. The
    cadre may not take more households than the standard allows."""
    household = _household(household_id)
    _require(actor, TOWNSHIP, household.area_code)
    cadre = Cadre.objects.select_for_update().filter(pk=cadre_id).first()
    if cadre is None or (actor is not None and not scope_for(actor).covers(cadre.area_code)):
        raise NotFound()
    if cadre.left_on is not None:
        raise InvalidInput(_("该干部已调离，不能结对。"))
    today = clock.today()
    starts_on = starts_on or today
    current = Pairing.objects.select_for_update().filter(household=household, ends_on=None).first()
    if current is not None and current.cadre_id == cadre.pk:
        raise Conflict(_("该户已由这名干部帮扶。"))
    limit = int(_params(household.area_code, today)["cadre_max_households"])
    load = Pairing.objects.filter(cadre=cadre, ends_on__isnull=True).count()
    if load >= limit:
        raise InvalidInput(
            _("%(name)s 已结对 %(n)s 户，达到每名干部最多 %(limit)s 户的规定。")
            % {"name": cadre.name, "n": load, "limit": limit}
        )
    if current is not None:
        current.ends_on = starts_on
        current.end_reason = Pairing.EndReason.REPLACED
        current.save(update_fields=["ends_on", "end_reason"])
    pairing = Pairing.objects.create(
        cadre=cadre,
        household=household,
        area_code=household.area_code,
        starts_on=starts_on,
        created_by=_user(actor),
    )
    if cadre.user_id:
        _notify(
            [cadre.user_id],
            "pairing",
            _("您新结对帮扶户 %(number)s。") % {"number": household.number},
            f"/households/{household.pk}/",
        )
    _audit(actor, "pairing_create", "pairing", [pairing.pk], household.area_code, channel)
    return pairing


@transaction.atomic
def pairing_end(
    *,
    actor: Any,
    pairing_id: int,
    reason: str,
    ends_on: dt.date | None = None,
    channel: str = "web",
) -> Pairing:
    pairing = Pairing.objects.select_for_update().filter(pk=pairing_id).first()
    if pairing is None:
        raise NotFound()
    _require(actor, TOWNSHIP, pairing.area_code)
    if pairing.ends_on is not None:
        raise Conflict(_("该结对已结束。"))
    if reason not in Pairing.EndReason.values:
        raise InvalidInput(fields={"reason": [_("结束原因无效")]})
    pairing.ends_on = ends_on or clock.today()
    pairing.end_reason = reason
    pairing.save(update_fields=["ends_on", "end_reason"])
    _audit(actor, "pairing_end", "pairing", [pairing.pk], pairing.area_code, channel)
    return pairing


# --- plans, measures, schemes ------------------------------------------------------------------


def _latest_needs(household: Household) -> list[str]:
    """The exit clauses the household failed in the latest evaluation covering it."""
    from fupin.policy import engine as policy_engine
    from fupin.policy.models import EvaluationRun, HouseholdVerdict

    verdict = (
        HouseholdVerdict.objects.filter(
            household_id=household.pk, run__status=EvaluationRun.Status.DONE
        )
        .order_by("-run__finished_at", "-run_id")
        .first()
    )
    if verdict is None:
        return []
    return [name for name, bit in policy_engine.CLAUSES if verdict.exit_fails & bit]


@transaction.atomic
def plan_save(
    *,
    actor: Any,
    household_id: int,
    year: int,
    income_target: Any,
    note: str = "",
    version: int | None = None,
    channel: str = "web",
) -> Plan:
    """Make or change a household's plan for a year. Its needs are taken from the latest
    verdict when the plan is made, so that progress can be judged against them."""
    household = _household(household_id)
    _require(actor, FIELD, household.area_code)
    if not 2014 <= int(year) <= clock.today().year + 1:
        raise InvalidInput(fields={"year": [_("年度无效")]})
    target = _money(income_target, "income_target", required=True)
    plan = Plan.objects.select_for_update().filter(household=household, year=year).first()
    if plan is None:
        plan = Plan(household=household, area_code=household.area_code, year=year)
        plan.needs = _latest_needs(household)
        plan.created_by = _user(actor)
    else:
        if version is not None and plan.version != version:
            raise Conflict()
        plan.version += 1
    plan.income_target = target  # type: ignore[assignment]
    plan.note = _text(note, "note", 2000, required=False)
    plan.save()
    _audit(actor, "plan_save", "plan", [plan.pk], household.area_code, channel)
    return plan


@transaction.atomic
def planned_measure_add(
    *,
    actor: Any,
    plan_id: int,
    type_code: str,
    description: str,
    due_on: Any,
    amount: Any = None,
    channel: str = "web",
) -> PlannedMeasure:
    plan = Plan.objects.filter(pk=plan_id).first()
    if plan is None:
        raise NotFound()
    _require(actor, FIELD, plan.area_code)
    kind = MeasureType.objects.filter(code=type_code, is_active=True).first()
    if kind is None:
        raise InvalidInput(fields={"type": [_("措施类型不存在")]})
    item = PlannedMeasure.objects.create(
        plan=plan,
        type=kind,
        description=_text(description, "description", 200),
        due_on=_day(due_on, "due_on"),
        amount=_money(amount, "amount"),
    )
    _audit(actor, "planned_measure_add", "plan", [plan.pk], plan.area_code, channel)
    return item


@transaction.atomic
def measure_record(
    *,
    actor: Any,
    household_id: int,
    type_code: str,
    delivered_on: Any,
    description: str,
    amount: Any = None,
    cadre_id: int | None = None,
    project_name: str = "",
    planned_id: int | None = None,
    participation_id: int | None = None,
    channel: str = "web",
) -> Measure:
    """Enter a delivered measure in the ledger; it fulfils a planned one when named."""
    household = _household(household_id)
    _require(actor, FIELD, household.area_code)
    kind = MeasureType.objects.filter(code=type_code, is_active=True).first()
    if kind is None:
        raise InvalidInput(fields={"type": [_("措施类型不存在")]})
    day = _day(delivered_on, "delivered_on")
    if day > clock.today():
        raise InvalidInput(fields={"delivered_on": [_("落实日期不能晚于今天")]})
    if cadre_id is None and actor is not None:
        cadre_id = Cadre.objects.filter(user=actor).values_list("pk", flat=True).first()
    planned = None
    if planned_id is not None:
        planned = (
            PlannedMeasure.objects.select_for_update()
            .filter(pk=planned_id, plan__household=household)
            .first()
        )
        if planned is None:
            raise InvalidInput(fields={"planned": [_("该户没有这项计划措施")]})
        if planned.delivered_id is not None:
            raise Conflict(_("这项计划措施已落实。"))
    if (
        participation_id is not None
        and not Participation.objects.filter(pk=participation_id, household=household).exists()
    ):
        raise InvalidInput(fields={"participation": [_("该户没有参加这个项目")]})
    measure = Measure.objects.create(
        household=household,
        area_code=household.area_code,
        type=kind,
        delivered_on=day,
        amount=_money(amount, "amount"),
        description=_text(description, "description", 200),
        cadre_id=cadre_id,
        project_name=_text(project_name, "project_name", 100, required=False),
        participation_id=participation_id,
        recorded_by=_user(actor),
    )
    if planned is not None:
        planned.delivered = measure
        planned.save(update_fields=["delivered"])
    _audit(actor, "measure_record", "measure", [measure.pk], household.area_code, channel)
    return measure


@transaction.atomic
def participation_add(
    *,
    actor: Any,
    household_id: int,
    kind: str,
    name: str,
    starts_on: Any,
    amount: Any = None,
    income_field: str = "",
    channel: str = "web",
) -> Participation:
    """A household joins an industry project, a cooperative, a loan or a dividend scheme."""
    household = _household(household_id)
    _require(actor, FIELD, household.area_code)
    if kind not in Participation.Kind.values:
        raise InvalidInput(fields={"kind": [_("类型无效")]})
    income_field = income_field or SCHEME_INCOME[Participation.Kind(kind)]
    if income_field not in dict(INCOME_FIELDS):
        raise InvalidInput(fields={"income_field": [_("收益计入项无效")]})
    row = Participation.objects.create(
        household=household,
        area_code=household.area_code,
        kind=kind,
        name=_text(name, "name", 100),
        starts_on=_day(starts_on, "starts_on"),
        amount=_money(amount, "amount"),
        income_field=income_field,
        created_by=_user(actor),
    )
    _audit(actor, "participation_add", "participation", [row.pk], household.area_code, channel)
    return row


def participation_income_set(
    *, actor: Any, participation_id: int, year: int, amount: Any, channel: str = "web"
) -> ParticipationIncome:
    """Record what a scheme brought in a year, and feed it into the household's income
    record for that year: the record's field changes by the difference from what was
    recorded before, so a correction never counts twice."""
    from fupin.registry.services import income_record_set

    participation = Participation.objects.filter(pk=participation_id).first()
    if participation is None:
        raise NotFound()
    _require(actor, FIELD, participation.area_code)
    value = _money(amount, "amount", required=True)
    assert value is not None
    field = participation.income_field
    with transaction.atomic():
        row = (
            ParticipationIncome.objects.select_for_update()
            .filter(participation=participation, year=year)
            .first()
        )
        before = row.amount if row else Decimal(0)
        if row is None:
            row = ParticipationIncome(participation=participation, year=year, amount=value)
        row.amount = value
        row.save()
        record = IncomeRecord.objects.filter(
            household_id=participation.household_id, year=year
        ).first()
        current = getattr(record, field) if record else Decimal(0)
        income_record_set(
            actor=None,  # the service checked the actor; the cadre role may not edit incomes
            household_id=participation.household_id,
            year=year,
            data={field: str(current - before + value)},
            version=record.version if record else None,
            reason=str(
                _("%(name)s %(year)s 年收益 %(amount)s 元")
                % {"name": participation.name, "year": year, "amount": value}
            ),
            channel=channel,
        )
        _audit(
            actor,
            "participation_income_set",
            "participation",
            [participation.pk],
            participation.area_code,
            channel,
        )
    return row


# --- visits and concerns -----------------------------------------------------------------------


def visit_record(
    *,
    actor: Any,
    household_id: int,
    visited_on: Any,
    seen: str,
    mode: str = Visit.Mode.HOME,
    photos: Sequence[Any] = (),
    latitude: Any = None,
    longitude: Any = None,
    concerns: Sequence[str] = (),
    cadre_id: int | None = None,
    channel: str = "web",
) -> Visit:
    """Log a visit (民情日记) with its photos and the concerns raised in it. The cadre is
    the acting user's own record unless the system names one."""
    household = _household(household_id)
    _require(actor, FIELD, household.area_code)
    if actor is not None:
        cadre_id = (
            Cadre.objects.filter(user=actor, left_on=None).values_list("pk", flat=True).first()
        )
        if cadre_id is None:
            raise AccessDenied(_("您的账号没有关联帮扶干部信息，请联系乡镇登记。"))
    if cadre_id is None:
        raise InvalidInput(fields={"cadre": [_("必填")]})
    day = _day(visited_on, "visited_on")
    today = clock.today()
    if day > today or day < today - dt.timedelta(days=60):
        raise InvalidInput(fields={"visited_on": [_("走访日期须在最近 60 天内，且不晚于今天")]})
    if mode not in Visit.Mode.values:
        raise InvalidInput(fields={"mode": [_("方式无效")]})
    lat, lon = _coordinate(latitude, "latitude", 90), _coordinate(longitude, "longitude", 180)
    texts = [_text(t, "concerns", 2000) for t in concerns if str(t or "").strip()]
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(fields={"photos": [_("最多上传 %(n)s 张照片") % {"n": MAX_PHOTOS}]})
    checked = [evidence.check(f) for f in photos]
    if any(c.content_type == "application/pdf" for c in checked):
        raise InvalidInput(fields={"photos": [_("照片须为 JPEG 或 PNG")]})
    seen = _text(seen, "seen", 4000)
    written: list[str] = []
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                cadre_id=cadre_id,
                household=household,
                area_code=household.area_code,
                visited_on=day,
                mode=mode,
                seen=seen,
                latitude=lat,
                longitude=lon,
                recorded_by=_user(actor),
            )
            for c in checked:
                path = evidence.store(visit.pk, c, under="visits")
                written.append(path)
                VisitPhoto.objects.create(
                    visit=visit,
                    original_name=c.name,
                    path=path,
                    content_type=c.content_type,
                    size=len(c.data),
                )
            for text in texts:
                _concern_create(actor, household, household.area_code, text, visit, day)
            _audit(actor, "visit_record", "visit", [visit.pk], household.area_code, channel)
    except BaseException:
        evidence.remove(written)  # the rows are rolled back; their files go too
        raise
    return visit


def _coordinate(value: Any, field: str, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(fields={field: [_("须为数字")]}) from None
    if abs(number) > limit:
        raise InvalidInput(fields={field: [_("超出范围")]})
    return number.quantize(Decimal("0.000001"))


def _concern_create(
    actor: Any,
    household: Household | None,
    area_code: str,
    text: str,
    visit: Visit | None,
    day: dt.date,
) -> Concern:
    concern = Concern.objects.create(
        household=household,
        area_code=area_code,
        visit=visit,
        text=text,
        raised_on=day,
        raised_by=_user(actor),
    )
    ConcernEvent.objects.create(concern=concern, action="raised", actor=_user(actor))
    # the village sees every new concern first, to handle or pass on
    _notify(
        _users_with_role((Role.VILLAGE_SECRETARY,), area_code[:12]),
        "concern_raised",
        _("新的民情问题：%(text)s") % {"text": text[:60]},
        f"/assistance/concerns/{concern.pk}/",
    )
    return concern


@transaction.atomic
def concern_raise(
    *,
    actor: Any,
    text: str,
    household_id: int | None = None,
    area_code: str = "",
    channel: str = "web",
) -> Concern:
    """A concern raised outside a visit: by a household, or about a village or group."""
    household = _household(household_id) if household_id is not None else None
    where = household.area_code if household else area_code
    if not Area.objects.filter(code=where[:12]).exists():
        raise NotFound()
    _require(actor, FIELD, where)
    concern = _concern_create(
        actor, household, where, _text(text, "text", 2000), None, clock.today()
    )
    _audit(actor, "concern_raise", "concern", [concern.pk], where, channel)
    return concern


def _locked_concern(concern_id: int, version: int | None) -> Concern:
    concern = Concern.objects.select_for_update().filter(pk=concern_id).first()
    if concern is None:
        raise NotFound()
    if version is not None and concern.version != version:
        raise Conflict()
    return concern


def _due(area_code: str, level: str, day: dt.date) -> dt.date:
    key = {
        Concern.Level.VILLAGE: "concern_days_village",
        Concern.Level.TOWNSHIP: "concern_days_township",
    }.get(Concern.Level(level), "concern_days_department")
    return day + dt.timedelta(days=int(_params(area_code, day)[key]))


def _handlers(concern: Concern) -> list[int]:
    if concern.level == Concern.Level.DEPARTMENT and concern.department_id:
        users = list(
            Cadre.objects.filter(
                unit_id=concern.department_id, user__isnull=False, left_on=None
            ).values_list("user_id", flat=True)
        )
        return users or _users_with_role(COUNTY, concern.area_code)
    level = Concern.Level(concern.level)
    roles = {
        Concern.Level.VILLAGE: (Role.VILLAGE_SECRETARY,),
        Concern.Level.TOWNSHIP: (Role.TOWNSHIP_OFFICER,),
    }.get(level, COUNTY)
    return _users_with_role(roles, concern.area_code)


@transaction.atomic
def concern_route(
    *,
    actor: Any,
    concern_id: int,
    level: str,
    department_id: int | None = None,
    due_on: Any = None,
    note: str = "",
    version: int | None = None,
    channel: str = "web",
) -> Concern:
    """Send a concern to the village, the township, a county department or the county,
    with a deadline (the standard's days for that level unless given). The village routes
    within the village; the township and the county route anywhere."""
    concern = _locked_concern(concern_id, version)
    if level not in Concern.Level.values:
        raise InvalidInput(fields={"level": [_("交办层级无效")]})
    allowed = VILLAGE if level == Concern.Level.VILLAGE else TOWNSHIP
    _require(actor, allowed, concern.area_code)
    if concern.status not in (Concern.Status.RAISED, Concern.Status.ROUTED):
        raise InvalidInput(_("该问题已办结。"))
    department = None
    if level == Concern.Level.DEPARTMENT:
        department = Unit.objects.filter(pk=department_id or 0, handles_concerns=True).first()
        if department is None or not concern.area_code.startswith(department.area_code[:6]):
            raise InvalidInput(fields={"department": [_("请选择受理部门")]})
    today = clock.today()
    due = _day(due_on, "due_on") if due_on else _due(concern.area_code, level, today)
    if due < today:
        raise InvalidInput(fields={"due_on": [_("办理时限不能早于今天")]})
    concern.status = Concern.Status.ROUTED
    concern.level = level
    concern.department = department
    concern.due_on = due
    concern.version += 1
    concern.save()
    ConcernEvent.objects.create(
        concern=concern,
        action="routed",
        actor=_user(actor),
        note=_text(note, "note", 1000, required=False)
        or str(Concern.Level(level).label) + (f" {department.name}" if department else ""),
    )
    _notify(
        _handlers(concern),
        "concern_assigned",
        _("交办民情问题（%(due)s 前办结）：%(text)s")
        % {"due": due.isoformat(), "text": concern.text[:60]},
        f"/assistance/concerns/{concern.pk}/",
    )
    _audit(actor, "concern_route", "concern", [concern.pk], concern.area_code, channel)
    return concern


def may_handle(actor: Any, concern: Concern) -> bool:
    if actor is None:
        return True
    if (
        concern.level == Concern.Level.DEPARTMENT
        and concern.department_id is not None
        and Cadre.objects.filter(user=actor, unit_id=concern.department_id, left_on=None).exists()
    ):
        return True
    return holds_role(actor, HANDLERS[Concern.Level(concern.level)], concern.area_code)


@transaction.atomic
def concern_resolve(
    *,
    actor: Any,
    concern_id: int,
    resolution: str,
    version: int | None = None,
    channel: str = "web",
) -> Concern:
    """Whoever it was routed to records what was done."""
    concern = _locked_concern(concern_id, version)
    # a department's cadre may handle it without covering the area
    if (
        actor is not None
        and not scope_for(actor).covers(concern.area_code)
        and not may_handle(actor, concern)
    ):
        raise NotFound()
    if concern.status != Concern.Status.ROUTED:
        raise InvalidInput(_("只有已交办的问题才能办结。"))
    if not may_handle(actor, concern):
        raise AccessDenied(
            _("该问题已交办给%(level)s办理。") % {"level": concern.get_level_display()}
        )
    concern.resolution = _text(resolution, "resolution", 2000)
    concern.status = Concern.Status.RESOLVED
    concern.resolved_on = clock.today()
    concern.version += 1
    concern.save()
    ConcernEvent.objects.create(
        concern=concern, action="resolved", actor=_user(actor), note=concern.resolution
    )
    raiser = [concern.raised_by_id] if concern.raised_by_id else []
    _notify(
        raiser,
        "concern_resolved",
        _("您登记的问题已办结，请向群众反馈：%(text)s") % {"text": concern.text[:60]},
        f"/assistance/concerns/{concern.pk}/",
    )
    _audit(actor, "concern_resolve", "concern", [concern.pk], concern.area_code, channel)
    return concern


@transaction.atomic
def concern_tell(
    *,
    actor: Any,
    concern_id: int,
    note: str,
    told_on: Any = None,
    version: int | None = None,
    channel: str = "web",
) -> Concern:
    """The resident has been told the outcome: the concern closes (反馈)."""
    concern = _locked_concern(concern_id, version)
    _require(actor, FIELD, concern.area_code)
    if concern.status != Concern.Status.RESOLVED:
        raise InvalidInput(_("问题办结后才能登记向群众反馈。"))
    day = _day(told_on, "told_on") if told_on else clock.today()
    if day > clock.today():
        raise InvalidInput(fields={"told_on": [_("反馈日期不能晚于今天")]})
    concern.told_on = day
    concern.told_note = _text(note, "note", 2000)
    concern.status = Concern.Status.TOLD
    concern.version += 1
    concern.save()
    ConcernEvent.objects.create(
        concern=concern, action="told", actor=_user(actor), note=concern.told_note
    )
    _audit(actor, "concern_tell", "concern", [concern.pk], concern.area_code, channel)
    return concern


def concerns_escalate(*, today: dt.date | None = None) -> int:
    """Overdue routed concerns go one level up with a new deadline (set-based: one update
    per level, events and notifications in bulk). Run daily by the scheduler; safe to
    rerun, since an escalated concern has a new deadline in the future."""
    today = today or clock.today()
    national = _params("", today)
    escalated: list[int] = []
    with transaction.atomic():
        for level, up in ESCALATION.items():
            ids = list(
                Concern.objects.select_for_update()
                .filter(status=Concern.Status.ROUTED, level=level, due_on__lt=today)
                .values_list("pk", flat=True)
            )
            if not ids:
                continue
            key = (
                "concern_days_township"
                if up == Concern.Level.TOWNSHIP
                else "concern_days_department"
            )
            Concern.objects.filter(pk__in=ids).update(
                level=up,
                department=None,
                due_on=today + dt.timedelta(days=int(national[key])),
                escalations=F("escalations") + 1,
                version=F("version") + 1,
            )
            ConcernEvent.objects.bulk_create(
                ConcernEvent(
                    concern_id=i,
                    action="escalated",
                    note=str(_("逾期未办结，升级至%(level)s") % {"level": up.label}),
                )
                for i in ids
            )
            escalated.extend(ids)
        if escalated:
            _escalation_notices(
                list(
                    Concern.objects.filter(pk__in=escalated).values_list(
                        "pk", "area_code", "level", "text"
                    )
                )
            )
            audit_write(
                actor=None,
                action="assistance.concerns_escalate",
                object_type="concern",
                object_ids=escalated[:1000],
                channel="job",
            )
    return len(escalated)


def _escalation_notices(rows: list[tuple[int, str, str, str]]) -> None:
    """One notification per handler and concern, with the few role lookups grouped by area."""
    by_area: dict[tuple[str, str], list[int]] = {}
    for pk, code, level, _t in rows:
        key = (code[:9] if level == Concern.Level.TOWNSHIP else code[:6], level)
        by_area.setdefault(key, []).append(pk)
    texts = {pk: t for pk, _c, _l, t in rows}
    out: list[Notification] = []
    for (prefix, level), ids in by_area.items():
        roles = (Role.TOWNSHIP_OFFICER,) if level == Concern.Level.TOWNSHIP else COUNTY
        for user_id in _users_with_role(roles, prefix.ljust(12, "0")):
            out.extend(
                Notification(
                    user_id=user_id,
                    kind="concern_overdue",
                    text=str(_("逾期升级的民情问题：%(text)s") % {"text": texts[i][:60]}),
                    url=f"/assistance/concerns/{i}/",
                )
                for i in ids
            )
    Notification.objects.bulk_create(out, batch_size=1000)


# --- work teams ----------------------------------------------------------------------------------


@transaction.atomic
def team_create(
    *,
    actor: Any,
    area_code: str,
    leader_id: int,
    member_ids: Sequence[int],
    starts_on: Any,
    ends_on: Any,
    unit_id: int | None = None,
    channel: str = "web",
) -> WorkTeam:
    """A resident work team for a village: led by its first secretary, at least the
    standard's number of members, for at least the standard's term."""
    if not Area.objects.filter(code=area_code, level="village").exists():
        raise NotFound()
    _require(actor, COUNTY, area_code)
    start, end = _day(starts_on, "starts_on"), _day(ends_on, "ends_on")
    params = _params(area_code, start)
    years = int(params["team_term_years"])
    try:
        earliest_end = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        earliest_end = start.replace(year=start.year + years, day=28)
    if end < earliest_end:
        raise InvalidInput(
            fields={"ends_on": [_("驻村任期不少于 %(n)s 年") % {"n": years}]},
        )
    ids = list(dict.fromkeys([leader_id, *member_ids]))
    minimum = int(params["team_min_members"])
    if len(ids) < minimum:
        raise InvalidInput(
            fields={"members": [_("工作队至少 %(n)s 人（含第一书记）") % {"n": minimum}]}
        )
    cadres = {c.pk: c for c in Cadre.objects.filter(pk__in=ids, left_on=None)}
    if len(cadres) != len(ids):
        raise InvalidInput(fields={"members": [_("有干部不存在或已调离")]})
    busy = TeamMember.objects.filter(cadre_id__in=ids, ends_on__isnull=True)
    if busy.exists():
        raise Conflict(_("有干部已在其他工作队。"))
    if WorkTeam.objects.filter(area_code=area_code, is_active=True).exists():
        raise Conflict(_("该村已有工作队。"))
    team = WorkTeam.objects.create(
        area_code=area_code, unit_id=unit_id, starts_on=start, ends_on=end
    )
    TeamMember.objects.bulk_create(
        TeamMember(team=team, cadre_id=i, is_leader=i == leader_id, starts_on=start) for i in ids
    )
    _audit(actor, "team_create", "work_team", [team.pk], area_code, channel)
    return team


@transaction.atomic
def team_member_recall(
    *, actor: Any, member_id: int, grounds: str, channel: str = "web"
) -> TeamMember:
    """Recall an unfit member, with the grounds on record (the county decides)."""
    member = (
        TeamMember.objects.select_for_update().select_related("team").filter(pk=member_id).first()
    )
    if member is None:
        raise NotFound()
    _require(actor, COUNTY, member.team.area_code)
    if member.ends_on is not None:
        raise Conflict(_("该队员已离队。"))
    member.recall_grounds = _text(grounds, "grounds", 2000)
    member.recalled = True
    member.ends_on = clock.today()
    member.save()
    _audit(actor, "team_member_recall", "team_member", [member.pk], member.team.area_code, channel)
    return member


def _member_of(actor: Any, member_id: int | None) -> TeamMember:
    qs = TeamMember.objects.select_related("team").filter(ends_on__isnull=True)
    member = (
        qs.filter(pk=member_id).first()
        if member_id is not None
        else qs.filter(cadre__user=actor).first()
    )
    if member is None:
        raise NotFound()
    return member


@transaction.atomic
def presence_record(
    *,
    actor: Any,
    days: Sequence[Any],
    member_id: int | None = None,
    channel: str = "web",
) -> int:
    """Record days in the village: a member for themself (member_id None), or the village
    secretary or township for a member. Days already recorded are kept once."""
    member = _member_of(actor, member_id)
    own = actor is not None and member.cadre.user_id == actor.pk
    if not own:
        _require(actor, VILLAGE, member.team.area_code)
    today = clock.today()
    wanted = sorted({_day(d, "days") for d in days})
    if not wanted:
        raise InvalidInput(fields={"days": [_("请选择日期")]})
    if wanted[-1] > today or wanted[0] < today - dt.timedelta(days=31):
        raise InvalidInput(fields={"days": [_("只能登记最近 31 天内的考勤")]})
    if wanted[0] < member.starts_on:
        raise InvalidInput(fields={"days": [_("早于进驻日期")]})
    existing = set(
        Presence.objects.filter(member=member, day__in=wanted).values_list("day", flat=True)
    )
    new = [d for d in wanted if d not in existing]
    Presence.objects.bulk_create(
        Presence(member=member, area_code=member.team.area_code, day=d, recorded_by=_user(actor))
        for d in new
    )
    _audit(actor, "presence_record", "team_member", [member.pk], member.team.area_code, channel)
    return len(new)


@transaction.atomic
def leave_request(
    *,
    actor: Any,
    starts_on: Any,
    ends_on: Any,
    reason: str,
    member_id: int | None = None,
    channel: str = "web",
) -> Leave:
    """A member asks for leave; up to the standard's days the township approves, longer
    leave goes to the county."""
    member = _member_of(actor, member_id)
    own = actor is not None and member.cadre.user_id == actor.pk
    if not own:
        _require(actor, VILLAGE, member.team.area_code)
    start, end = _day(starts_on, "starts_on"), _day(ends_on, "ends_on")
    if end < start:
        raise InvalidInput(fields={"ends_on": [_("结束日期早于开始日期")]})
    days = (end - start).days + 1
    limit = int(_params(member.team.area_code, start)["leave_township_max_days"])
    level = "township" if days <= limit else "county"
    leave = Leave.objects.create(
        member=member,
        area_code=member.team.area_code,
        starts_on=start,
        ends_on=end,
        days=days,
        reason=_text(reason, "reason", 500),
        approver_level=level,
        requested_by=_user(actor),
    )
    roles = (Role.TOWNSHIP_OFFICER,) if level == "township" else COUNTY
    _notify(
        _users_with_role(roles, member.team.area_code),
        "leave_requested",
        _("%(name)s 请假 %(days)s 天，待审批。") % {"name": member.cadre.name, "days": days},
        "/assistance/leaves/",
    )
    _audit(actor, "leave_request", "leave", [leave.pk], member.team.area_code, channel)
    return leave


@transaction.atomic
def leave_decide(*, actor: Any, leave_id: int, approve: bool, channel: str = "web") -> Leave:
    leave = (
        Leave.objects.select_for_update()
        .select_related("member__cadre")
        .filter(pk=leave_id)
        .first()
    )
    if leave is None:
        raise NotFound()
    roles = (
        (Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN) if leave.approver_level == "township" else COUNTY
    )
    if actor is not None and not scope_for(actor).covers(leave.area_code):
        raise NotFound()
    if not holds_role(actor, roles, leave.area_code):
        raise AccessDenied(
            _("超过 %(n)s 天的请假须由县级审批。")
            % {"n": _params(leave.area_code, leave.starts_on)["leave_township_max_days"]}
        )
    if leave.status != Leave.Status.REQUESTED:
        raise Conflict(_("该请假已审批。"))
    leave.status = Leave.Status.APPROVED if approve else Leave.Status.REFUSED
    leave.decided_by = _user(actor)
    leave.decided_at = timezone.now()
    leave.save()
    if leave.member.cadre.user_id:
        _notify(
            [leave.member.cadre.user_id],
            "leave_decided",
            _("您的请假（%(start)s 起 %(days)s 天）%(result)s。")
            % {
                "start": leave.starts_on.isoformat(),
                "days": leave.days,
                "result": leave.get_status_display(),
            },
            "/assistance/todo/",
        )
    _audit(actor, "leave_decide", "leave", [leave.pk], leave.area_code, channel)
    return leave


# --- notifications ---------------------------------------------------------------------------------


def notifications_read(*, actor: Any, ids: Sequence[int] = ()) -> int:
    """Mark the actor's notifications read (all of them when no ids are given)."""
    if actor is None or not getattr(actor, "pk", None):
        raise AccessDenied()
    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if ids:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())

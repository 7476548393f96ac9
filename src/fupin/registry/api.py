"""Registry endpoints: households, members, incomes, history.

This module only translates HTTP to the selectors (reads, with the caller's scope) and
the services (writes, with the caller as actor and channel "api"); every rule lives
there. A household outside the caller's scope is "not found", never "forbidden".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.responses import codes_4xx
from pydantic import Field

from fupin.accounts.scope import Scope, scope_for
from fupin.core import pii
from fupin.core.params import AreaFilter
from fupin.registry import selectors, services
from fupin.registry.choices import Cause, HouseholdStatus, HouseholdType
from fupin.registry.models import Household, HouseholdChange, IncomeRecord, Member
from fupin.registry.schemas import (
    ChangeOut,
    ErrorOut,
    HouseholdCreateIn,
    HouseholdOut,
    HouseholdPage,
    HouseholdPatchIn,
    IncomeIn,
    IncomeOut,
    MemberAddIn,
    MemberOut,
    MemberPatchIn,
)

CHANNEL = "api"

router = Router(tags=["registry 建档立卡"])


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _scope(request: HttpRequest) -> Scope:
    return scope_for(_actor(request))


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


# --- presenting ----------------------------------------------------------------------


def _member_out(view: selectors.MemberView) -> dict[str, Any]:
    m = view.member
    return {
        "id": m.pk,
        "household_id": m.household_id,
        "name": m.name,
        "sex": m.sex,
        "sex_label": m.get_sex_display(),
        "id_number": view.id_number,
        "age": view.age,
        "relation": m.relation,
        "relation_label": m.get_relation_display(),
        "ethnicity": m.ethnicity,
        "education": m.education,
        "education_label": m.get_education_display() if m.education else "",
        "schooling": m.schooling,
        "health": view.health_key,
        "health_label": view.health,
        "labour": m.labour,
        "labour_label": m.get_labour_display(),
        "migrant_status": m.migrant_status,
        "migrant_status_label": m.get_migrant_status_display(),
        "migrant_months": m.migrant_months,
        "medical_insurance": m.medical_insurance,
        "serious_illness_insurance": m.serious_illness_insurance,
        "pension_insurance": m.pension_insurance,
        "dibao": m.dibao,
        "tekun": m.tekun,
        "masked": view.masked,
        "version": m.version,
    }


def _members_out(
    request: HttpRequest, household: Household, members: list[Member]
) -> list[dict[str, Any]]:
    views = selectors.member_views(
        viewer=pii.viewer(request, CHANNEL), members=members, area_code=household.area_code
    )
    return [_member_out(v) for v in views]


def _income_out(record: IncomeRecord) -> dict[str, Any]:
    return {
        "year": record.year,
        "wage": record.wage,
        "business": record.business,
        "property_income": record.property_income,
        "transfer": record.transfer,
        "business_costs": record.business_costs,
        "household_size": record.household_size,
        "net_income": record.net_income,
        "net_income_per_capita": record.net_income_per_capita,
        "version": record.version,
    }


def _household_out(request: HttpRequest, household_id: int) -> dict[str, Any]:
    """The household as the caller may see it, read afresh through the selectors."""
    scope = _scope(request)
    h = selectors.household_get(scope=scope, household_id=household_id)
    phone = selectors.phone_view(viewer=pii.viewer(request, CHANNEL), household=h)
    members = selectors.member_list(scope=scope, household=h)
    return {
        "id": h.pk,
        "number": h.number,
        "area_code": h.area_code,
        "area_name": h.area.name,
        "phone": phone,
        "standard": h.standard,
        "standard_label": h.get_standard_display(),
        "household_type": h.household_type,
        "household_type_label": h.get_household_type_display(),
        "main_cause": h.main_cause,
        "main_cause_label": h.get_main_cause_display(),
        "other_causes": list(h.other_causes or []),
        "other_causes_labels": [_label(Cause, c) for c in h.other_causes or []],
        "housing_area": h.housing_area,
        "danger_grade": h.danger_grade,
        "danger_grade_label": h.get_danger_grade_display(),
        "relocated": h.relocated,
        "safe_water": h.safe_water,
        "has_electricity": h.has_electricity,
        "road_distance_km": h.road_distance_km,
        "status": h.status,
        "status_label": h.get_status_display(),
        "identified_year": h.identified_year,
        "exited_year": h.exited_year,
        "is_active": h.is_active,
        "created_at": h.created_at,
        "updated_at": h.updated_at,
        "version": h.version,
        "members": _members_out(request, h, members),
        "incomes": [_income_out(r) for r in selectors.income_list(scope=scope, household=h)],
    }


def _member_response(request: HttpRequest, member_id: int) -> dict[str, Any]:
    scope = _scope(request)
    member = selectors.member_get(scope=scope, member_id=member_id)
    return _members_out(request, member.household, [member])[0]


# --- households ----------------------------------------------------------------------


class HouseholdQuery(Schema):
    area_code: AreaFilter = Field("", description="区划代码：该区划及其下级")
    status: HouseholdStatus | None = None
    household_type: HouseholdType | None = None
    main_cause: Cause | None = None
    q: str = Field("", description="姓名、拼音或首字母、证件号码后几位、户编号")
    cursor: str = Field("", description="上一页返回的 next_cursor / prev_cursor")
    limit: int = Field(20, ge=1, le=100)


@router.get("/households", response={200: HouseholdPage, codes_4xx: ErrorOut})
def household_list(request: HttpRequest, filters: Query[HouseholdQuery]) -> dict[str, Any]:
    """户列表 — households in the caller's areas, in area-code order, by cursor."""
    scope = _scope(request)
    page = selectors.household_page(
        scope=scope,
        filters=selectors.HouseholdFilters(
            area_code=filters.area_code,
            status=filters.status or "",
            household_type=filters.household_type or "",
            main_cause=filters.main_cause or "",
            q=filters.q,
        ),
        cursor=filters.cursor,
        limit=filters.limit,
    )
    items = []
    head_ids = selectors.head_id_views(viewer=pii.viewer(request, CHANNEL), rows=page.rows)
    for row, head_id in zip(page.rows, head_ids, strict=True):
        items.append(
            {
                "id": row.pk,
                "number": row.number,
                "area_code": row.area_code,
                "area_name": row.area.name,
                "head_name": row.head_name,
                "head_id_number": head_id,
                "member_count": row.member_count or 0,
                "household_type": row.household_type,
                "household_type_label": row.get_household_type_display(),
                "main_cause": row.main_cause,
                "main_cause_label": row.get_main_cause_display(),
                "status": row.status,
                "status_label": row.get_status_display(),
                "version": row.version,
            }
        )
    return {"items": items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.post("/households", response={201: HouseholdOut, codes_4xx: ErrorOut})
def household_create(request: HttpRequest, payload: HouseholdCreateIn) -> Status[dict[str, Any]]:
    """建档 — register a household with its members (exactly one head)."""
    data = payload.model_dump(
        mode="json", exclude_unset=True, exclude={"area_code", "members", "reason"}
    )
    members: list[Mapping[str, Any]] = [
        m.model_dump(mode="json", exclude_unset=True) for m in payload.members
    ]
    household = services.household_create(
        actor=_actor(request),
        area_code=payload.area_code,
        data=data,
        members=members,
        reason=payload.reason,
        channel=CHANNEL,
    )
    return Status(201, _household_out(request, household.pk))


@router.get("/households/{household_id}", response={200: HouseholdOut, codes_4xx: ErrorOut})
def household_detail(request: HttpRequest, household_id: int) -> dict[str, Any]:
    """户详情 — the household with members, incomes and phone (masked per role)."""
    return _household_out(request, household_id)


@router.patch("/households/{household_id}", response={200: HouseholdOut, codes_4xx: ErrorOut})
def household_update(
    request: HttpRequest, household_id: int, payload: HouseholdPatchIn
) -> dict[str, Any]:
    """修改户信息 — send ``version`` as read; 409 if someone saved in between."""
    data = payload.model_dump(mode="json", exclude_unset=True, exclude={"version", "reason"})
    services.household_update(
        actor=_actor(request),
        household_id=household_id,
        version=payload.version,
        data=data,
        reason=payload.reason,
        channel=CHANNEL,
    )
    return _household_out(request, household_id)


@router.get(
    "/households/{household_id}/history", response={200: list[ChangeOut], codes_4xx: ErrorOut}
)
def household_history(request: HttpRequest, household_id: int) -> list[dict[str, Any]]:
    """变更记录 — the household's history, newest first, personal data masked per role."""
    scope = _scope(request)
    household = selectors.household_get(scope=scope, household_id=household_id)
    changes: list[HouseholdChange] = list(selectors.change_list(scope=scope, household=household))
    out = []
    views = selectors.change_views(
        viewer=pii.viewer(request, CHANNEL), household=household, changes=changes
    )
    for entry in views:
        change: HouseholdChange = entry["change"]
        out.append(
            {
                "id": change.pk,
                "at": change.at,
                "action": change.action,
                "action_label": change.get_action_display(),
                "actor": change.actor.get_username() if change.actor else None,
                "member_id": change.member_id,
                "member_name": change.member.name if change.member else None,
                "reason": change.reason,
                "changes": entry["rows"],
            }
        )
    return out


# --- members -------------------------------------------------------------------------


@router.get(
    "/households/{household_id}/members", response={200: list[MemberOut], codes_4xx: ErrorOut}
)
def member_list(request: HttpRequest, household_id: int) -> list[dict[str, Any]]:
    """家庭成员 — the household's current members, head first."""
    scope = _scope(request)
    household = selectors.household_get(scope=scope, household_id=household_id)
    members = selectors.member_list(scope=scope, household=household)
    return _members_out(request, household, members)


@router.post("/households/{household_id}/members", response={201: MemberOut, codes_4xx: ErrorOut})
def member_add(
    request: HttpRequest, household_id: int, payload: MemberAddIn
) -> Status[dict[str, Any]]:
    """增加成员 — add a member (not a head; use the head change for that)."""
    member = services.member_add(
        actor=_actor(request),
        household_id=household_id,
        data=payload.model_dump(mode="json", exclude_unset=True, exclude={"reason"}),
        reason=payload.reason,
        channel=CHANNEL,
    )
    return Status(201, _member_response(request, member.pk))


@router.get("/members/{member_id}", response={200: MemberOut, codes_4xx: ErrorOut})
def member_detail(request: HttpRequest, member_id: int) -> dict[str, Any]:
    """成员详情."""
    return _member_response(request, member_id)


@router.patch("/members/{member_id}", response={200: MemberOut, codes_4xx: ErrorOut})
def member_update(request: HttpRequest, member_id: int, payload: MemberPatchIn) -> dict[str, Any]:
    """修改成员 — send ``version`` as read; 409 if someone saved in between."""
    services.member_update(
        actor=_actor(request),
        member_id=member_id,
        version=payload.version,
        data=payload.model_dump(mode="json", exclude_unset=True, exclude={"version", "reason"}),
        reason=payload.reason,
        channel=CHANNEL,
    )
    return _member_response(request, member_id)


class MemberRemoveQuery(Schema):
    version: int = Field(description="读取时的版本号")
    reason: str = Field(description="减少原因（如死亡、婚出、分户）")


@router.delete("/members/{member_id}", response={204: None, codes_4xx: ErrorOut})
def member_remove(
    request: HttpRequest, member_id: int, params: Query[MemberRemoveQuery]
) -> Status[None]:
    """减少成员 — the member leaves the household; the history keeps them."""
    services.member_remove(
        actor=_actor(request),
        member_id=member_id,
        version=params.version,
        reason=params.reason,
        channel=CHANNEL,
    )
    return Status(204, None)


# --- incomes -------------------------------------------------------------------------


@router.put(
    "/households/{household_id}/incomes/{year}", response={200: IncomeOut, codes_4xx: ErrorOut}
)
def income_set(
    request: HttpRequest, household_id: int, year: int, payload: IncomeIn
) -> dict[str, Any]:
    """登记收入 — record or correct one year's income (the whole year at once)."""
    data = payload.model_dump(mode="json", exclude={"version", "reason", "household_size"})
    if payload.household_size is not None:
        data["household_size"] = payload.household_size
    record = services.income_record_set(
        actor=_actor(request),
        household_id=household_id,
        year=year,
        data=data,
        version=payload.version,
        reason=payload.reason,
        channel=CHANNEL,
    )
    return _income_out(record)

"""Request and response shapes of the registry API (and the error shape shared by all).

Field names are the model's; choice fields carry the model's key and, in responses, a
``*_label`` with the Chinese label. Money is a decimal string ("1234.50").
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from fupin.registry.choices import (
    Cause,
    DangerGrade,
    Education,
    Health,
    HouseholdStatus,
    HouseholdType,
    Labour,
    MigrantStatus,
    Relation,
    Sex,
    Standard,
)


def _drop_defaults(schema: dict[str, Any]) -> None:
    """In a partial update an omitted field stays as it is; a default would mislead."""
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


class InputSchema(Schema):
    """Request bodies reject unknown fields, so a misspelt field is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid")


# --- errors --------------------------------------------------------------------------


class ErrorBody(Schema):
    code: str = Field(description="机器可读的错误代码 machine-readable code", examples=["invalid"])
    message: str = Field(description="中文说明 message for people")
    fields: dict[str, list[str]] | None = Field(
        None, description="出错的字段及原因 field → messages"
    )


class ErrorOut(Schema):
    error: ErrorBody


# --- accounts and areas --------------------------------------------------------------


class RoleOut(Schema):
    role: str
    role_label: str
    area_code: str
    area_name: str


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    roles: list[RoleOut]
    prefixes: list[str] = Field(description="可查看的区划代码前缀 readable area-code prefixes")
    write_prefixes: list[str]
    pii_prefixes: list[str]


class AreaOut(Schema):
    code: str
    name: str
    level: str
    level_label: str
    parent_code: str | None


# --- members -------------------------------------------------------------------------


class MemberFields(InputSchema):
    """Member fields as written; the ones a client leaves out keep their current value
    (update) or the model's default (add)."""

    name: str = Field("", max_length=64)
    sex: Sex = Sex.MALE
    id_number: str = Field("", max_length=22, description="身份证号或残疾人证号")
    relation: Relation = Relation.OTHER
    ethnicity: str = Field("", max_length=16)
    education: Education | Literal[""] = ""
    schooling: str = Field("", max_length=16)
    health: Health = Health.HEALTHY
    labour: Labour = Labour.ORDINARY
    migrant_status: MigrantStatus = MigrantStatus.NONE
    migrant_months: int = Field(0, ge=0)
    medical_insurance: bool = True
    serious_illness_insurance: bool = True
    pension_insurance: bool = False
    dibao: bool = False
    tekun: bool = False


class MemberCreateIn(MemberFields):
    model_config = ConfigDict(json_schema_extra=_drop_defaults)

    name: str = Field(max_length=64)
    sex: Sex
    id_number: str = Field(max_length=22, description="身份证号或残疾人证号")
    relation: Relation


class MemberAddIn(MemberCreateIn):
    reason: str = ""


class MemberPatchIn(MemberFields):
    model_config = ConfigDict(json_schema_extra=_drop_defaults)

    version: int = Field(description="读取时的版本号 the version read; 409 if it changed")
    reason: str = ""


class MemberOut(Schema):
    id: int
    household_id: int
    name: str
    sex: str
    sex_label: str
    id_number: str = Field(description="无权查看时为掩码 masked unless the role may see it")
    age: int | None
    relation: str
    relation_label: str
    ethnicity: str
    education: str
    education_label: str
    schooling: str
    health: str | None = Field(description="无权查看时为 null")
    health_label: str
    labour: str
    labour_label: str
    migrant_status: str
    migrant_status_label: str
    migrant_months: int
    medical_insurance: bool
    serious_illness_insurance: bool
    pension_insurance: bool
    dibao: bool
    tekun: bool
    masked: bool = Field(description="证件号码与健康状况是否已掩码")
    version: int


# --- incomes -------------------------------------------------------------------------


class IncomeIn(InputSchema):
    """A whole year's income: components left out count as 0. ``household_size`` left
    out means the household's members now."""

    wage: Decimal = Decimal(0)
    business: Decimal = Decimal(0)
    property_income: Decimal = Decimal(0)
    transfer: Decimal = Decimal(0)
    business_costs: Decimal = Decimal(0)
    household_size: int | None = Field(None, ge=1)
    version: int | None = Field(None, description="修改已有记录时的版本号 (optional lock)")
    reason: str = ""


class IncomeOut(Schema):
    year: int
    wage: Decimal
    business: Decimal
    property_income: Decimal
    transfer: Decimal
    business_costs: Decimal
    household_size: int
    net_income: Decimal
    net_income_per_capita: Decimal = Field(description="人均纯收入")
    version: int


# --- households ----------------------------------------------------------------------


class HouseholdFields(InputSchema):
    number: str = Field("", max_length=32)
    phone: str = Field("", max_length=20)
    standard: Standard = Standard.NATIONAL
    household_type: HouseholdType = HouseholdType.ORDINARY
    main_cause: Cause = Cause.OTHER
    other_causes: list[Cause] = Field(default_factory=list, max_length=2)
    housing_area: Decimal | None = None
    danger_grade: DangerGrade = DangerGrade.NONE
    relocated: bool = False
    safe_water: bool = True
    has_electricity: bool = True
    road_distance_km: Decimal | None = None
    status: HouseholdStatus = Field(
        HouseholdStatus.UNREGISTERED,
        description=(
            "户状态 changes only as the last step of a procedure (POST /api/procedures): "
            "a new household is unregistered; any other value, or a change, is refused "
            "with 400 status_by_procedure"
        ),
    )
    identified_year: int | None = None
    exited_year: int | None = None


class HouseholdCreateIn(HouseholdFields):
    area_code: str = Field(description="行政村或村民小组的区划代码")
    number: str = Field(max_length=32)
    main_cause: Cause
    members: list[MemberCreateIn] = Field(min_length=1)
    reason: str = ""


class HouseholdPatchIn(HouseholdFields):
    model_config = ConfigDict(json_schema_extra=_drop_defaults)

    version: int = Field(description="读取时的版本号 the version read; 409 if it changed")
    reason: str = ""


class HouseholdListItem(Schema):
    id: int
    number: str
    area_code: str
    area_name: str
    head_name: str | None
    head_id_number: str | None = Field(description="无权查看时为掩码")
    member_count: int
    household_type: str
    household_type_label: str
    main_cause: str
    main_cause_label: str
    status: str
    status_label: str
    version: int


class HouseholdPage(Schema):
    items: list[HouseholdListItem]
    next_cursor: str | None
    prev_cursor: str | None


class HouseholdOut(Schema):
    id: int
    number: str
    area_code: str
    area_name: str
    phone: str = Field(description="无权查看时为掩码")
    standard: str
    standard_label: str
    household_type: str
    household_type_label: str
    main_cause: str
    main_cause_label: str
    other_causes: list[str]
    other_causes_labels: list[str]
    housing_area: Decimal | None
    danger_grade: str
    danger_grade_label: str
    relocated: bool
    safe_water: bool
    has_electricity: bool
    road_distance_km: Decimal | None
    status: str
    status_label: str
    identified_year: int | None
    exited_year: int | None
    is_active: bool
    created_at: datetime
    updated_at: datetime
    version: int
    members: list[MemberOut]
    incomes: list[IncomeOut]


class ChangeRowOut(Schema):
    field: str
    label: str
    old: Any
    new: Any


class ChangeOut(Schema):
    id: int
    at: datetime
    action: str
    action_label: str
    actor: str | None = Field(description="操作人用户名 username of who made the change")
    member_id: int | None
    member_name: str | None
    reason: str
    changes: list[ChangeRowOut]

"""The registry exchange layout (IMPORT_TEMPLATE.md): sheets, headers, and how each
header's text maps to the registry's stored values. Import and export both use this, so a
file written by fupin reads back unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db.models import TextChoices
from django.utils import translation

from fupin.registry import choices

HOUSEHOLD_SHEET = "户"
MEMBER_SHEET = "成员"
HOUSEHOLD_CSV = "households.csv"
MEMBER_CSV = "members.csv"

AREA_NAME_HEADERS = ("省", "市", "县", "乡镇", "行政村", "村民小组")
INCOME_HEADERS = ("工资性收入", "生产经营性收入", "财产性收入", "转移性收入", "生产经营性支出")


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese header in the file
    field: str  # the model field (or a pseudo-field for derived columns)
    kind: str  # text | code | enum | enum_list | bool | decimal | int | year | id_number | phone
    required: bool = False
    enum: type[TextChoices] | None = None


HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column("户编号", "number", "text", required=True),
    Column("区划代码", "area_code", "code", required=True),
    *(Column(h, f"area_name_{i}", "text") for i, h in enumerate(AREA_NAME_HEADERS)),
    Column("户主姓名", "head_name", "text", required=True),
    Column("户主证件号码", "head_id_number", "id_number", required=True),
    Column("联系电话", "phone", "phone"),
    Column("识别标准", "standard", "enum", enum=choices.Standard),
    Column("贫困户属性", "household_type", "enum", required=True, enum=choices.HouseholdType),
    Column("主要致贫原因", "main_cause", "enum", required=True, enum=choices.Cause),
    Column("其他致贫原因", "other_causes", "enum_list", enum=choices.Cause),
    Column("收入年度", "income_year", "year"),
    Column("工资性收入", "wage", "decimal"),
    Column("生产经营性收入", "business", "decimal"),
    Column("财产性收入", "property_income", "decimal"),
    Column("转移性收入", "transfer", "decimal"),
    Column("生产经营性支出", "business_costs", "decimal"),
    Column("住房面积", "housing_area", "decimal"),
    Column("危房等级", "danger_grade", "enum", enum=choices.DangerGrade),
    Column("是否易地搬迁", "relocated", "bool"),
    Column("饮水是否安全", "safe_water", "bool"),
    Column("是否通生活用电", "has_electricity", "bool"),
    Column("距村主干路距离", "road_distance_km", "decimal"),
    Column("户状态", "status", "enum", required=True, enum=choices.HouseholdStatus),
    Column("识别年度", "identified_year", "year"),
    Column("脱贫年度", "exited_year", "year"),
)

MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("户编号", "household_number", "text", required=True),
    Column("姓名", "name", "text", required=True),
    Column("性别", "sex", "enum", required=True, enum=choices.Sex),
    Column("证件号码", "id_number", "id_number", required=True),
    Column("与户主关系", "relation", "enum", required=True, enum=choices.Relation),
    Column("民族", "ethnicity", "text"),
    Column("文化程度", "education", "enum", enum=choices.Education),
    Column("在校生状况", "schooling", "text"),
    Column("健康状况", "health", "enum", enum=choices.Health),
    Column("劳动能力", "labour", "enum", enum=choices.Labour),
    Column("务工状况", "migrant_status", "enum", enum=choices.MigrantStatus),
    Column("务工时间(月)", "migrant_months", "int"),
    Column("是否参加基本医疗保险", "medical_insurance", "bool"),
    Column("是否参加大病保险", "serious_illness_insurance", "bool"),
    Column("是否参加基本养老保险", "pension_insurance", "bool"),
    Column("是否享受低保", "dibao", "bool"),
    Column("是否特困供养", "tekun", "bool"),
)

HOUSEHOLD_HEADERS = tuple(c.header for c in HOUSEHOLD_COLUMNS)
MEMBER_HEADERS = tuple(c.header for c in MEMBER_COLUMNS)

# Older forms and common spellings read as the current value.
ENUM_ALIASES: dict[str, str] = {"五保户": "tekun", "其他": "other"}
TRUE_TEXTS = frozenset({"是", "Y", "y", "1", "√", "✓", "TRUE", "True", "true", "有"})
FALSE_TEXTS = frozenset({"否", "N", "n", "0", "×", "✗", "FALSE", "False", "false", "无", ""})


@cache
def enum_labels(enum: type[TextChoices]) -> dict[str, str]:
    """stored value → the Simplified Chinese label written in files (whatever the UI language)."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in enum.choices}


@cache
def enum_values(enum: type[TextChoices]) -> dict[str, str]:
    """label in a file (and aliases, and the stored value itself) → stored value."""
    out = {label: value for value, label in enum_labels(enum).items()}
    out.update({value: value for value in enum.values})
    out.update({alias: value for alias, value in ENUM_ALIASES.items() if value in enum.values})
    if enum is choices.Relation:
        # Relation's 其他 must not be taken for the cause alias above.
        out["其他"] = choices.Relation.OTHER
    if enum is choices.Cause:
        out["其他"] = choices.Cause.OTHER
    return out


# Limits on what an import reads (issue 3 point 6). A registry sheet has about 30 columns;
# a file with hundreds is broken or hostile, and a million empty columns would otherwise
# cost minutes before the first row.
MAX_COLUMNS = 200
MAX_ROWS = 5_000_000
# A zip entry (an xlsx part) inflating more than this over its stored size is a bomb: real
# sheets compress 5–20×, rarely above 100×.
MAX_COMPRESSION_RATIO = 200
MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024 * 1024
ERROR_HEADER = "错误说明"


def columns_of(sheet: str) -> tuple[Column, ...]:
    return HOUSEHOLD_COLUMNS if sheet == HOUSEHOLD_SHEET else MEMBER_COLUMNS

"""The parameters of a standard (POLICY.md): what they are, their units and checks.

A national standard holds every parameter; a regional override (a province, city or
county) holds only those it changes, and is laid over the national one for every code
under its prefix. Parameters are plain data (numbers, switches, lists of codes) read by
fixed rules in :mod:`fupin.policy.engine`; nothing here is ever run as code.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.core.errors import InvalidInput
from fupin.registry.models import HardshipEvent


@dataclass(frozen=True)
class Param:
    key: str
    label: Any
    group: Any
    kind: str  # money | rate | int | bool | grades | kinds | choice
    unit: Any = ""
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    nullable: bool = False
    # Shown in the what-if panel: a number the engine can re-apply to a stored run at once.
    what_if: bool = False
    choices: tuple[str, ...] = ()


G_HOUSEHOLD = gettext_lazy("户脱贫标准")
G_MONITOR = gettext_lazy("防止返贫监测")
G_VILLAGE = gettext_lazy("贫困村退出")
G_COUNTY = gettext_lazy("贫困县摘帽")
G_NOTICE = gettext_lazy("公示期限")
G_NORMS = gettext_lazy("工作规范")
G_ORG = gettext_lazy("组织体系规范")
G_VANGUARD = gettext_lazy("党员先锋指数")
G_MATCH = gettext_lazy("第一书记匹配权重")

Y = gettext_lazy("元")
DAYS = gettext_lazy("天")
PEOPLE = gettext_lazy("人")
HOUSEHOLDS = gettext_lazy("户")
VILLAGES = gettext_lazy("个村")
POINTS = gettext_lazy("分")
YEARS = gettext_lazy("岁")
KM = gettext_lazy("公里")

DANGER_GRADES = ("A", "B", "C", "D")
DAY_KINDS = ("calendar", "working")

PARAMS: tuple[Param, ...] = (
    # --- household exit (两不愁三保障) ---
    Param(
        "poverty_line",
        gettext_lazy("扶贫标准（人均纯收入）"),
        G_HOUSEHOLD,
        "money",
        Y,
        Decimal(0),
        Decimal(1_000_000),
        what_if=True,
    ),
    # POLICY.md §2, §4: identification (and monitoring, §5) reads the 12 months before;
    # exit the year being judged (a 2020 exit compares 2020 income with 4,000 元).
    Param(
        "identification_income_year_offset",
        gettext_lazy("识别、监测收入年度（相对评估年度）"),
        G_HOUSEHOLD,
        "int",
        gettext_lazy("年"),
        Decimal(-2),
        Decimal(0),
    ),
    Param(
        "exit_income_year_offset",
        gettext_lazy("退出收入年度（相对评估年度）"),
        G_HOUSEHOLD,
        "int",
        gettext_lazy("年"),
        Decimal(-2),
        Decimal(0),
    ),
    Param(
        "require_schooling", gettext_lazy("要求义务教育有保障"), G_HOUSEHOLD, "bool", what_if=True
    ),
    Param(
        "school_age_min",
        gettext_lazy("义务教育起始年龄"),
        G_HOUSEHOLD,
        "int",
        gettext_lazy("岁"),
        Decimal(3),
        Decimal(18),
    ),
    Param(
        "school_age_max",
        gettext_lazy("义务教育截止年龄"),
        G_HOUSEHOLD,
        "int",
        gettext_lazy("岁"),
        Decimal(6),
        Decimal(20),
    ),
    Param(
        "age_reference",
        gettext_lazy("计算年龄的日期（月-日）"),
        G_HOUSEHOLD,
        "choice",
        choices=("01-01", "09-01", "12-31"),
    ),
    Param(
        "require_medical",
        gettext_lazy("要求基本医疗有保障（全员参保）"),
        G_HOUSEHOLD,
        "bool",
        what_if=True,
    ),
    Param("require_housing", gettext_lazy("要求住房安全有保障"), G_HOUSEHOLD, "bool", what_if=True),
    Param("dangerous_grades", gettext_lazy("视为危房的等级"), G_HOUSEHOLD, "grades"),
    Param("require_safe_water", gettext_lazy("要求饮水安全"), G_HOUSEHOLD, "bool", what_if=True),
    # --- monitoring (三类监测对象) ---
    Param(
        "monitoring_threshold",
        gettext_lazy("监测收入范围（人均纯收入低于）"),
        G_MONITOR,
        "money",
        Y,
        Decimal(0),
        Decimal(1_000_000),
        what_if=True,
    ),
    Param(
        "rigid_expense_share",
        gettext_lazy("刚性支出超过家庭纯收入的比例"),
        G_MONITOR,
        "rate",
        "",
        Decimal(0),
        Decimal(10),
        what_if=True,
    ),
    Param("hardship_kinds", gettext_lazy("计入的困难事件类别"), G_MONITOR, "kinds"),
    Param(
        "hardship_window_months",
        gettext_lazy("困难事件回溯月数"),
        G_MONITOR,
        "int",
        gettext_lazy("月"),
        Decimal(1),
        Decimal(36),
    ),
    # --- village exit ---
    Param(
        "village_incidence_limit",
        gettext_lazy("贫困村退出：贫困发生率低于"),
        G_VILLAGE,
        "rate",
        "",
        Decimal(0),
        Decimal(1),
        what_if=True,
    ),
    Param(
        "village_collective_income_min",
        gettext_lazy("村集体经济收入不低于"),
        G_VILLAGE,
        "money",
        Y,
        Decimal(0),
        Decimal(100_000_000),
        nullable=True,
        what_if=True,
    ),
    Param("village_require_hard_road", gettext_lazy("要求通硬化路"), G_VILLAGE, "bool"),
    Param("village_require_safe_water", gettext_lazy("要求安全饮水"), G_VILLAGE, "bool"),
    Param("village_require_electricity", gettext_lazy("要求通生活用电"), G_VILLAGE, "bool"),
    Param("village_require_clinic", gettext_lazy("要求有标准化卫生室"), G_VILLAGE, "bool"),
    # --- county exit (four vetoes) ---
    Param(
        "county_incidence_limit",
        gettext_lazy("综合贫困发生率低于"),
        G_COUNTY,
        "rate",
        "",
        Decimal(0),
        Decimal(1),
    ),
    Param(
        "county_wrong_exit_limit",
        gettext_lazy("错退率低于"),
        G_COUNTY,
        "rate",
        "",
        Decimal(0),
        Decimal(1),
    ),
    Param(
        "county_miss_limit",
        gettext_lazy("漏评率低于"),
        G_COUNTY,
        "rate",
        "",
        Decimal(0),
        Decimal(1),
    ),
    Param(
        "county_approval_min",
        gettext_lazy("群众认可度高于"),
        G_COUNTY,
        "rate",
        "",
        Decimal(0),
        Decimal(1),
    ),
    # --- notice periods and time limits (used by the procedures) ---
    Param("notice_day_kind", gettext_lazy("公示期计日方式"), G_NOTICE, "choice", choices=DAY_KINDS),
    Param(
        "identification_village_notice_days",
        gettext_lazy("识别：村内公示"),
        G_NOTICE,
        "int",
        DAYS,
        Decimal(1),
        Decimal(60),
    ),
    Param(
        "identification_township_notice_days",
        gettext_lazy("识别：乡镇公示"),
        G_NOTICE,
        "int",
        DAYS,
        Decimal(1),
        Decimal(60),
    ),
    Param(
        "exit_notice_days",
        gettext_lazy("退出：村内公示"),
        G_NOTICE,
        "int",
        DAYS,
        Decimal(1),
        Decimal(60),
    ),
    Param(
        "village_exit_notice_days",
        gettext_lazy("贫困村退出：乡镇公示"),
        G_NOTICE,
        "int",
        DAYS,
        Decimal(1),
        Decimal(60),
    ),
    Param(
        "monitoring_notice_days",
        gettext_lazy("监测对象：公示"),
        G_NOTICE,
        "int",
        DAYS,
        Decimal(1),
        Decimal(60),
    ),
    Param(
        "monitoring_time_limit_days",
        gettext_lazy("监测对象识别总时限（工作日）"),
        G_NOTICE,
        "int",
        DAYS,
        Decimal(1),
        Decimal(90),
    ),
    # --- work norms (used by assistance and organisation) ---
    Param(
        "cadre_max_households",
        gettext_lazy("每名干部最多结对户数"),
        G_NORMS,
        "int",
        HOUSEHOLDS,
        Decimal(1),
        Decimal(100),
    ),
    Param(
        "contact_interval_days",
        gettext_lazy("党员联系结对户间隔不超过"),
        G_NORMS,
        "int",
        DAYS,
        Decimal(1),
        Decimal(365),
    ),
    Param(
        "residence_days_per_month",
        gettext_lazy("驻村每月不少于"),
        G_NORMS,
        "int",
        DAYS,
        Decimal(1),
        Decimal(31),
    ),
    Param(
        "team_min_members",
        gettext_lazy("驻村工作队最少人数"),
        G_NORMS,
        "int",
        PEOPLE,
        Decimal(1),
        Decimal(20),
    ),
    Param(
        "team_term_years",
        gettext_lazy("驻村任期不少于（年）"),
        G_NORMS,
        "int",
        gettext_lazy("年"),
        Decimal(1),
        Decimal(10),
    ),
    Param(
        "leave_township_max_days",
        gettext_lazy("乡镇可批请假天数"),
        G_NORMS,
        "int",
        DAYS,
        Decimal(1),
        Decimal(30),
    ),
    Param(
        "pairing_stability_years",
        gettext_lazy("脱贫后保持帮扶（年）"),
        G_NORMS,
        "int",
        gettext_lazy("年"),
        Decimal(0),
        Decimal(10),
    ),
    Param(
        "village_meeting_interval_days",
        gettext_lazy("村级研究问题间隔"),
        G_NORMS,
        "int",
        DAYS,
        Decimal(1),
        Decimal(365),
    ),
    Param(
        "township_meeting_interval_days",
        gettext_lazy("乡镇研究问题间隔"),
        G_NORMS,
        "int",
        DAYS,
        Decimal(1),
        Decimal(365),
    ),
    Param(
        "county_meeting_interval_days",
        gettext_lazy("县级研究问题间隔"),
        G_NORMS,
        "int",
        DAYS,
        Decimal(1),
        Decimal(365),
    ),
    Param(
        "visit_gap_days",
        gettext_lazy("结对户未走访超过（天）即列出"),
        G_NORMS,
        "int",
        DAYS,
        Decimal(1),
        Decimal(365),
    ),
    Param(
        "concern_days_village",
        gettext_lazy("村级办理民情问题时限"),
        G_NORMS,
        "int",
        DAYS,
        Decimal(1),
        Decimal(365),
    ),
    Param(
        "concern_days_township",
        gettext_lazy("乡镇办理民情问题时限"),
        G_NORMS,
        "int",
        DAYS,
        Decimal(1),
        Decimal(365),
    ),
    Param(
        "concern_days_department",
        gettext_lazy("县直部门、县级办理民情问题时限"),
        G_NORMS,
        "int",
        DAYS,
        Decimal(1),
        Decimal(365),
    ),
    Param(
        "contact_leaders_min",
        gettext_lazy("每个乡镇联系县领导不少于"),
        G_ORG,
        "int",
        PEOPLE,
        Decimal(0),
        Decimal(20),
    ),
    Param(
        "contact_leaders_max",
        gettext_lazy("每个乡镇联系县领导不多于"),
        G_ORG,
        "int",
        PEOPLE,
        Decimal(1),
        Decimal(50),
    ),
    Param(
        "key_villages_per_leader_max",
        gettext_lazy("每名领导联系重点贫困村不多于"),
        G_ORG,
        "int",
        VILLAGES,
        Decimal(0),
        Decimal(20),
    ),
    Param(
        "weak_villages_per_leader_max",
        gettext_lazy("每名领导联系软弱涣散村不多于"),
        G_ORG,
        "int",
        VILLAGES,
        Decimal(0),
        Decimal(20),
    ),
    Param(
        "listed_incidence_rate",
        gettext_lazy("贫困发生率高于此值的村须挂牌督战"),
        G_ORG,
        "rate",
        "",
        Decimal(0),
        Decimal(1),
    ),
    Param(
        "reserve_cadres_min",
        gettext_lazy("每村后备干部不少于"),
        G_ORG,
        "int",
        PEOPLE,
        Decimal(0),
        Decimal(20),
    ),
    Param(
        "supervisor_villages_min",
        gettext_lazy("每名党建督导员联系村不少于"),
        G_ORG,
        "int",
        VILLAGES,
        Decimal(1),
        Decimal(50),
    ),
    Param(
        "supervisor_villages_max",
        gettext_lazy("每名党建督导员联系村不多于"),
        G_ORG,
        "int",
        VILLAGES,
        Decimal(1),
        Decimal(50),
    ),
    Param(
        "young_official_age",
        gettext_lazy("村干部年轻化统计年龄线（不满）"),
        G_ORG,
        "int",
        YEARS,
        Decimal(18),
        Decimal(70),
    ),
    Param(
        "vanguard_meeting_points",
        gettext_lazy("参加组织生活每次加分"),
        G_VANGUARD,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(100),
    ),
    Param(
        "vanguard_meeting_cap",
        gettext_lazy("参加组织生活加分上限"),
        G_VANGUARD,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(1000),
    ),
    Param(
        "vanguard_absence_points",
        gettext_lazy("缺席组织生活每次扣分"),
        G_VANGUARD,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(100),
    ),
    Param(
        "vanguard_training_points",
        gettext_lazy("参加培训每次加分"),
        G_VANGUARD,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(100),
    ),
    Param(
        "vanguard_training_cap",
        gettext_lazy("参加培训加分上限"),
        G_VANGUARD,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(1000),
    ),
    Param(
        "vanguard_pairing_points",
        gettext_lazy("结对帮扶每户加分"),
        G_VANGUARD,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(100),
    ),
    Param(
        "vanguard_pairing_cap",
        gettext_lazy("结对帮扶加分上限"),
        G_VANGUARD,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(1000),
    ),
    Param(
        "vanguard_visit_points",
        gettext_lazy("入户走访每次加分"),
        G_VANGUARD,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(100),
    ),
    Param(
        "vanguard_visit_cap",
        gettext_lazy("入户走访加分上限"),
        G_VANGUARD,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(1000),
    ),
    Param(
        "vanguard_concern_points",
        gettext_lazy("办结民情问题每件加分"),
        G_VANGUARD,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(100),
    ),
    Param(
        "vanguard_concern_cap",
        gettext_lazy("办结民情问题加分上限"),
        G_VANGUARD,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(1000),
    ),
    Param(
        "vanguard_demonstration_points",
        gettext_lazy("党员示范户加分"),
        G_VANGUARD,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(100),
    ),
    Param(
        "vanguard_business_leader_points",
        gettext_lazy("党员致富带头人加分"),
        G_VANGUARD,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(100),
    ),
    Param(
        "vanguard_commendation_points",
        gettext_lazy("受到表彰每次加分"),
        G_VANGUARD,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(100),
    ),
    Param(
        "vanguard_sanction_points",
        gettext_lazy("受到处分每次扣分"),
        G_VANGUARD,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(100),
    ),
    Param(
        "match_weight_industry",
        gettext_lazy("专长对口主导产业"),
        G_MATCH,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(100),
    ),
    Param(
        "match_weight_weak_branch",
        gettext_lazy("软弱涣散村配党务干部"),
        G_MATCH,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(100),
    ),
    Param(
        "match_weight_incidence",
        gettext_lazy("高发生率村配农业经济干部"),
        G_MATCH,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(100),
    ),
    Param(
        "match_weight_language",
        gettext_lazy("通晓当地民族语言"),
        G_MATCH,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(100),
    ),
    Param(
        "match_weight_unit",
        gettext_lazy("派出单位定点帮扶该村"),
        G_MATCH,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(100),
    ),
    Param(
        "match_weight_remote",
        gettext_lazy("偏远村配年轻干部"),
        G_MATCH,
        "rate",
        POINTS,
        Decimal(0),
        Decimal(100),
    ),
    Param(
        "match_remote_km",
        gettext_lazy("偏远村距县城不少于"),
        G_MATCH,
        "int",
        KM,
        Decimal(0),
        Decimal(1000),
    ),
    Param(
        "match_young_age",
        gettext_lazy("年轻干部年龄不超过"),
        G_MATCH,
        "int",
        YEARS,
        Decimal(18),
        Decimal(70),
    ),
)
BY_KEY = {p.key: p for p in PARAMS}

# POLICY.md §3–§6: the national defaults, shipped with fupin and editable by administrators.
# Lines after 2019 and the monitoring threshold (1.5× the 2020 line) are the less certain
# figures the document marks; they are data, so a county corrects them in the UI.
NATIONAL_DEFAULTS: dict[str, Any] = {
    "poverty_line": "4000",
    "identification_income_year_offset": -1,
    "exit_income_year_offset": 0,
    "require_schooling": True,
    "school_age_min": 6,
    "school_age_max": 15,
    "age_reference": "09-01",
    "require_medical": True,
    "require_housing": True,
    "dangerous_grades": ["C", "D"],
    "require_safe_water": False,
    "monitoring_threshold": "6000",
    "rigid_expense_share": "0.5",
    "hardship_kinds": ["serious_illness", "accident", "disaster", "job_loss"],
    "hardship_window_months": 12,
    "village_incidence_limit": "0.02",
    "village_collective_income_min": "40000",
    "village_require_hard_road": False,
    "village_require_safe_water": False,
    "village_require_electricity": False,
    "village_require_clinic": False,
    "county_incidence_limit": "0.02",
    "county_wrong_exit_limit": "0.02",
    "county_miss_limit": "0.02",
    "county_approval_min": "0.90",
    "notice_day_kind": "calendar",
    "identification_village_notice_days": 7,
    "identification_township_notice_days": 7,
    "exit_notice_days": 7,
    "village_exit_notice_days": 7,
    "monitoring_notice_days": 5,
    "monitoring_time_limit_days": 20,
    "cadre_max_households": 5,
    "contact_interval_days": 7,
    "residence_days_per_month": 20,
    "team_min_members": 3,
    "team_term_years": 2,
    "leave_township_max_days": 3,
    "pairing_stability_years": 5,
    "village_meeting_interval_days": 15,
    "township_meeting_interval_days": 30,
    "county_meeting_interval_days": 90,
    "visit_gap_days": 30,
    "concern_days_village": 7,
    "concern_days_township": 15,
    "concern_days_department": 30,
    "contact_leaders_min": 2,
    "contact_leaders_max": 4,
    "key_villages_per_leader_max": 1,
    "weak_villages_per_leader_max": 3,
    "listed_incidence_rate": "0.10",
    "reserve_cadres_min": 2,
    "supervisor_villages_min": 4,
    "supervisor_villages_max": 7,
    "young_official_age": 35,
    "vanguard_meeting_points": "2",
    "vanguard_meeting_cap": "24",
    "vanguard_absence_points": "2",
    "vanguard_training_points": "5",
    "vanguard_training_cap": "20",
    "vanguard_pairing_points": "4",
    "vanguard_pairing_cap": "20",
    "vanguard_visit_points": "0.5",
    "vanguard_visit_cap": "15",
    "vanguard_concern_points": "3",
    "vanguard_concern_cap": "15",
    "vanguard_demonstration_points": "10",
    "vanguard_business_leader_points": "10",
    "vanguard_commendation_points": "10",
    "vanguard_sanction_points": "20",
    "match_weight_industry": "30",
    "match_weight_weak_branch": "25",
    "match_weight_incidence": "20",
    "match_weight_language": "15",
    "match_weight_unit": "10",
    "match_weight_remote": "10",
    "match_remote_km": 40,
    "match_young_age": 40,
}

# POLICY.md §3: the yearly poverty line at current prices (2300 元 at 2010 prices).
POVERTY_LINES = {
    2011: "2536",
    2012: "2625",
    2013: "2736",
    2014: "2800",
    2015: "2855",
    2016: "2952",
    2017: "2952",
    2018: "2995",
    2019: "3218",
    2020: "4000",
}
FIRST_MONITORING_YEAR = 2021

# Western provinces (西部): villages and counties exit below 3% instead of 2%.
WESTERN_PROVINCES = {
    "15": "内蒙古自治区",
    "45": "广西壮族自治区",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
}
WESTERN_OVERRIDE: dict[str, Any] = {
    "village_incidence_limit": "0.03",
    "county_incidence_limit": "0.03",
}


def _number(param: Param, value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError from exc
    if not number.is_finite():
        raise ValueError
    return number


def clean_value(param: Param, value: Any) -> Any:
    """The stored form of one parameter value; ValueError with a message when it is wrong."""
    if value is None or value == "":
        if param.nullable:
            return None
        raise ValueError(_("不能为空"))
    if param.kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "on", "yes", "是"):
            return True
        if text in ("0", "false", "off", "no", "否"):
            return False
        raise ValueError(_("须为是或否"))
    if param.kind in ("money", "rate", "int"):
        try:
            number = _number(param, value)
        except ValueError:
            raise ValueError(_("须为数字")) from None
        if param.kind == "int" and number != number.to_integral_value():
            raise ValueError(_("须为整数"))
        if param.minimum is not None and number < param.minimum:
            raise ValueError(_("不能小于 %(v)s") % {"v": param.minimum})
        if param.maximum is not None and number > param.maximum:
            raise ValueError(_("不能大于 %(v)s") % {"v": param.maximum})
        if param.kind == "int":
            return int(number)
        return format(number.normalize(), "f")
    if param.kind == "choice":
        if str(value) not in param.choices:
            raise ValueError(_("须为以下之一：%(v)s") % {"v": "、".join(param.choices)})
        return str(value)
    if param.kind in ("grades", "kinds"):
        items = value.split(",") if isinstance(value, str) else list(value)
        allowed = DANGER_GRADES if param.kind == "grades" else tuple(HardshipEvent.Kind.values)
        cleaned = sorted({str(i).strip() for i in items if str(i).strip()})
        wrong = [i for i in cleaned if i not in allowed]
        if wrong:
            raise ValueError(_("不认识的取值：%(v)s") % {"v": "、".join(wrong)})
        return cleaned
    raise ValueError(param.kind)  # pragma: no cover - every kind is handled above


def clean_params(data: dict[str, Any], *, complete: bool) -> dict[str, Any]:
    """Check every value; a national standard must hold them all, an override any subset."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        param = BY_KEY.get(key)
        if param is None:
            errors[key] = [_("没有这个参数")]
            continue
        try:
            cleaned[key] = clean_value(param, value)
        except ValueError as exc:
            errors[key] = [str(exc)]
    if complete:
        for key in BY_KEY:
            if key not in data:
                errors.setdefault(key, []).append(_("国家标准须包含所有参数"))
    if errors:
        raise InvalidInput(fields=errors)
    return cleaned


def check_consistent(params: dict[str, Any]) -> None:
    """Rules across parameters of a merged (effective) standard."""
    errors: dict[str, list[str]] = {}
    if params["school_age_min"] > params["school_age_max"]:
        errors["school_age_max"] = [_("截止年龄不能小于起始年龄")]
    for low, high in (
        ("contact_leaders_min", "contact_leaders_max"),
        ("supervisor_villages_min", "supervisor_villages_max"),
    ):
        if params[low] > params[high]:
            errors[high] = [_("上限不能小于下限")]
    if errors:
        raise InvalidInput(fields=errors)


def merge(*layers: dict[str, Any]) -> dict[str, Any]:
    """National first, then each override from the widest area to the narrowest."""
    out: dict[str, Any] = {}
    for layer in layers:
        out.update(layer)
    return out


def national_defaults(year: int) -> dict[str, Any]:
    params = dict(NATIONAL_DEFAULTS)
    line = POVERTY_LINES.get(year)
    if line is not None:
        params["poverty_line"] = line
        params["monitoring_threshold"] = str(int(Decimal(line) * Decimal("1.5")))
    return params

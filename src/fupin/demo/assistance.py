"""Assistance (精准帮扶) for the demo county, built after its registry.

Units and the poor villages they are paired with, cadres and their households, this year's
plans (一户一策), the measures ledger, industry schemes with last year's income, visits of
the last 120 days, residents' concerns, resident work teams with presence and leave.

It draws from its own ``random.Random`` so the registry stays as it was, and reads the
registry in one pass; every row is written set-based (``fupin.core.bulk``). Visits,
concerns and presence are counted back from today (``clock.today()``), since the
reports judge them against today.

Some norms are broken on purpose, so that the reports have something to show: about 3 %
of the households that need a cadre have none (in a few villages), a few cadres help more
than the standard's five households, a few have left and their households wait to be paired
again, some party members let weekly contact lapse, some concerns are overdue, two or three
work teams are short of three members and a few members spend fewer than 20 days a month
in their village.
"""

from __future__ import annotations

import calendar
import json
import math
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.db.models import Count, FilteredRelation, Q
from django.utils import timezone

from fupin.accounts.models import Role, RoleAssignment
from fupin.areas.models import Area, PovertyStatus
from fupin.assistance.models import (
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
    WorkTeam,
)
from fupin.core import clock
from fupin.core.bulk import allocate_ids, bulk_insert
from fupin.demo.names import (
    FEMALE_CHARS_NEW,
    FEMALE_CHARS_OLD,
    GIVEN_FEMALE,
    GIVEN_MALE,
    MALE_CHARS_NEW,
    MALE_CHARS_OLD,
    SURNAMES,
)
from fupin.policy.params import NATIONAL_DEFAULTS
from fupin.registry.choices import Cause, DangerGrade, HouseholdStatus, HouseholdType
from fupin.registry.models import Household

# The generator's own figures, repeated because it imports this module (a test checks them).
REGION = "422822"  # the demo county
COUNTY_CODE = "422822000000"
FIRST_TOWNSHIP = "422822100"  # where the demo users work
INCOME_YEAR = 2025  # the last income year of the demo registry
POVERTY_LINE = 4000

MAX_HOUSEHOLDS = int(NATIONAL_DEFAULTS["cadre_max_households"])
RESIDENCE_DAYS = int(NATIONAL_DEFAULTS["residence_days_per_month"])
STABILITY_YEARS = int(NATIONAL_DEFAULTS["pairing_stability_years"])
LEAVE_TOWNSHIP_DAYS = int(NATIONAL_DEFAULTS["leave_township_max_days"])
CONCERN_DAYS = {
    Concern.Level.VILLAGE: int(NATIONAL_DEFAULTS["concern_days_village"]),
    Concern.Level.TOWNSHIP: int(NATIONAL_DEFAULTS["concern_days_township"]),
    Concern.Level.DEPARTMENT: int(NATIONAL_DEFAULTS["concern_days_department"]),
    Concern.Level.COUNTY: int(NATIONAL_DEFAULTS["concern_days_department"]),
}
# as concerns_escalate does it: one level up when the deadline passes
ESCALATION = {
    Concern.Level.VILLAGE: Concern.Level.TOWNSHIP,
    Concern.Level.TOWNSHIP: Concern.Level.COUNTY,
    Concern.Level.DEPARTMENT: Concern.Level.COUNTY,
}

# Households that need a responsible cadre: still poor or watched, or exited recently.
NEED_STATUSES = (HouseholdStatus.NOT_EXITED, HouseholdStatus.RETURNED, HouseholdStatus.MONITORED)
SCHEME_STATUSES = (*NEED_STATUSES, HouseholdStatus.EXITED)
GAP_SHARE = 0.03  # of households needing a cadre: left without one, in a few villages
OVERLOAD_SHARE = 0.05  # of cadres where a village has enough households: 6 or 7 of them
SPARE_SHARE = 0.08  # cadres with no household yet, per township
PARTY_SHARE = 0.6
LOADS = ((1, 4), (2, 8), (3, 20), (4, 30), (5, 38))
SCHEME_SHARE = 0.3
CONCERNS_PER_HOUSEHOLD = 1 / 15
CONCERNS_FROM_VISITS = 0.65  # the rest are raised at the village office, of any household
VISIT_DAYS = 120
BATCH = 5000  # rows read from the registry at a time
VISIT_FLUSH = 50_000  # visits held in memory before they are written

# (name, kind, takes residents' concerns); all answer to the county
UNITS: tuple[tuple[str, str, bool], ...] = (
    ("县委组织部", Unit.Kind.PARTY, False),
    ("县委宣传部", Unit.Kind.PARTY, False),
    ("县委统战部", Unit.Kind.PARTY, False),
    ("县纪委监委", Unit.Kind.PARTY, False),
    ("县乡村振兴局", Unit.Kind.DEPARTMENT, True),
    ("县发展和改革局", Unit.Kind.DEPARTMENT, False),
    ("县财政局", Unit.Kind.DEPARTMENT, False),
    ("县教育局", Unit.Kind.DEPARTMENT, True),
    ("县卫健局", Unit.Kind.DEPARTMENT, True),
    ("县医保局", Unit.Kind.DEPARTMENT, True),
    ("县民政局", Unit.Kind.DEPARTMENT, True),
    ("县人社局", Unit.Kind.DEPARTMENT, True),
    ("县住建局", Unit.Kind.DEPARTMENT, True),
    ("县交通运输局", Unit.Kind.DEPARTMENT, True),
    ("县水利局", Unit.Kind.DEPARTMENT, True),
    ("县农业农村局", Unit.Kind.DEPARTMENT, True),
    ("县自然资源和规划局", Unit.Kind.DEPARTMENT, False),
    ("县林业局", Unit.Kind.DEPARTMENT, False),
    ("县商务局", Unit.Kind.DEPARTMENT, False),
    ("县文化和旅游局", Unit.Kind.DEPARTMENT, False),
    ("县人民医院", Unit.Kind.INSTITUTION, False),
    ("县职业教育中心", Unit.Kind.INSTITUTION, False),
    ("湖北民族大学", Unit.Kind.INSTITUTION, False),
    ("县农村商业银行", Unit.Kind.ENTERPRISE, False),
    ("县供电公司", Unit.Kind.ENTERPRISE, True),
    ("县烟草公司", Unit.Kind.ENTERPRISE, False),
    ("县茶业集团有限公司", Unit.Kind.ENTERPRISE, False),
)
POSTS: dict[str, tuple[str, ...]] = {
    Unit.Kind.PARTY: ("副部长", "科长", "副科长", "干事", "科员"),
    Unit.Kind.DEPARTMENT: ("副局长", "股长", "办公室主任", "副主任科员", "科员"),
    Unit.Kind.INSTITUTION: ("副院长", "科长", "讲师", "医师", "干部"),
    Unit.Kind.ENTERPRISE: ("副总经理", "部门经理", "客户经理", "职员"),
    Unit.Kind.OTHER: ("干部",),
}
SKILLS = (
    "种植养殖技术",
    "茶叶栽培与加工",
    "农村电商",
    "财务会计",
    "水利工程",
    "医疗卫生",
    "法律政策咨询",
    "教育培训",
    "建筑施工",
    "农产品营销",
    "小额信贷",
    "党建工作",
    "群众工作",
)

# (text, department, what was done, what the resident was told)
CONCERNS: tuple[tuple[str, str, str, str], ...] = (
    (
        "饮水管破裂，家里已停水三天",
        "县水利局",
        "已组织维修，更换破损管道，恢复供水",
        "当面告知户主已恢复供水，户主表示满意",
    ),
    (
        "孩子的助学金本学期还未到账",
        "县教育局",
        "经核实系银行卡信息有误，已更正并补发",
        "电话告知家长，已确认到账",
    ),
    (
        "危房改造补助资金还没有拨付",
        "县住建局",
        "补助资金已拨付至户主惠民一卡通",
        "入户告知，户主已查询到账",
    ),
    (
        "住院费用医保报销偏少，对报销比例有疑问",
        "县医保局",
        "已复核，按政策补报部分费用",
        "向户主解释报销政策，补报款已到账",
    ),
    (
        "去年的产业奖补资金还没有兑现",
        "县农业农村局",
        "已核实种植面积，奖补资金兑现到户",
        "入户告知，户主表示满意",
    ),
    (
        "通组公路雨后塌方，车辆无法通行",
        "县交通运输局",
        "已组织清理塌方并修复路面",
        "告知村民道路已恢复通行",
    ),
    (
        "申请低保已两个月，一直没有结果",
        "县民政局",
        "已按程序审核，纳入农村低保",
        "入户告知审核结果，已发放低保金",
    ),
    (
        "想在县内就近务工，希望帮忙推荐岗位",
        "县人社局",
        "已推荐到县内企业务工",
        "电话告知，户主已上岗",
    ),
    (
        "电压不稳，家用电器经常烧坏",
        "县供电公司",
        "已更换台区变压器，电压恢复正常",
        "入户回访，用电正常",
    ),
    (
        "家庭医生签约后一直没有上门随访",
        "县卫健局",
        "家庭医生已上门随访并更新健康档案",
        "电话回访，户主表示满意",
    ),
    (
        "光伏收益分红今年还没有发放",
        "县乡村振兴局",
        "已核实，收益分红已发放到户",
        "告知户主分红已到账",
    ),
)
SEEN_HOME = (
    "户主在家，身体状况稳定，正在管护茶园。",
    "了解家庭收入情况，今年烤烟长势良好。",
    "宣讲医保和大病救助政策，户主表示已了解。",
    "子女在外务工，每月按时寄钱回家，老人生活有保障。",
    "查看住房安全情况，房屋无明显安全隐患。",
    "帮助联系农技员指导生猪防疫。",
    "了解孩子在校情况，已享受两免一补。",
    "核对家庭人口和收入信息，无变化。",
    "协助办理小额信贷续贷手续。",
    "宣讲防止返贫监测帮扶政策，告知申报渠道。",
    "自来水已通到户，饮水正常。",
    "动员家中劳动力参加村里组织的技能培训。",
    "了解秋收情况，玉米和土豆已收完。",
    "户主出院后在家休养，已落实医疗救助。",
    "帮助整理房前屋后环境卫生。",
)
SEEN_PHONE = (
    "电话询问近期身体状况和用药情况，病情稳定。",
    "电话了解外出务工情况，工作稳定。",
    "电话提醒按时缴纳城乡居民医保。",
    "电话询问生猪出栏和销售情况。",
    "电话告知产业奖补申报时间和所需材料。",
)
# Roughly the middle of 建始县; townships and villages are spread around it.
CENTRE = (30.602, 109.723)

# (description, low, high amount in 元; None when the measure has no money value)
MEASURE_DETAILS: dict[str, tuple[str, int | None, int | None]] = {
    "industry_grant": ("发放产业发展奖补资金", 1000, 5000),
    "livestock": ("发放仔猪、鸡苗等畜禽种苗", 600, 3000),
    "cooperative_join": ("带动加入专业合作社", None, None),
    "micro_loan": ("办理扶贫小额信贷", 30000, 50000),
    "photovoltaic": ("发放光伏扶贫收益", 800, 3000),
    "ecommerce": ("帮助通过电商平台销售农产品", None, None),
    "job_placement": ("推荐到县内企业务工", None, None),
    "public_welfare_post": ("安排公益性岗位（保洁、护路）", 6000, 9600),
    "skills_training": ("参加职业技能培训", None, None),
    "relocation": ("易地扶贫搬迁安置", 40000, 75000),
    "house_repair": ("危房改造补助", 15000, 35000),
    "forest_ranger": ("聘为生态护林员", 8000, 10000),
    "eco_compensation": ("发放生态公益林补偿", 300, 1500),
    "education_aid": ("落实教育资助（两免一补、助学金）", 1000, 3000),
    "dropout_return": ("劝返辍学学生复学", None, None),
    "medical_insurance": ("代缴城乡居民医保", 300, 1800),
    "medical_aid": ("落实医疗救助、大病救助", 2000, 30000),
    "family_doctor": ("签约家庭医生", None, None),
    "minimum_living": ("纳入农村低保", 2400, 7200),
    "extreme_poverty": ("纳入特困人员供养", 6000, 9000),
    "temporary_relief": ("发放临时救助金", 500, 3000),
    "disability_allowance": ("发放残疾人两项补贴", 1200, 1800),
    "safe_water": ("安全饮水入户改造", 500, 2000),
    "road": ("通组道路硬化到户", None, None),
}
# Measures that fit a main cause of poverty; and those any household may have.
CAUSE_MEASURES: dict[str, tuple[str, ...]] = {
    Cause.ILLNESS: ("medical_aid", "medical_insurance", "family_doctor", "temporary_relief"),
    Cause.DISABILITY: ("disability_allowance", "minimum_living", "public_welfare_post"),
    Cause.SCHOOLING: ("education_aid", "dropout_return", "skills_training"),
    Cause.DISASTER: ("house_repair", "temporary_relief", "industry_grant"),
    Cause.LACK_LAND: ("industry_grant", "job_placement", "relocation"),
    Cause.LACK_WATER: ("safe_water", "industry_grant"),
    Cause.LACK_SKILLS: ("skills_training", "job_placement", "ecommerce"),
    Cause.LACK_LABOUR: ("minimum_living", "public_welfare_post", "photovoltaic"),
    Cause.LACK_FUNDS: ("micro_loan", "industry_grant", "livestock"),
    Cause.POOR_TRANSPORT: ("road", "relocation", "ecommerce"),
    Cause.LACK_DRIVE: ("skills_training", "public_welfare_post", "industry_grant"),
    Cause.OTHER: ("industry_grant", "temporary_relief"),
}
ANY_MEASURES = (
    "livestock",
    "industry_grant",
    "forest_ranger",
    "eco_compensation",
    "medical_insurance",
    "family_doctor",
    "cooperative_join",
)
PROJECT_MEASURES = {
    "industry_grant": ("茶叶基地建设项目", "烤烟产业扶持项目", "魔芋种植项目", "中药材种植项目"),
    "livestock": ("生猪养殖扶持项目", "山羊养殖扶持项目"),
    "safe_water": ("农村安全饮水巩固提升工程",),
    "road": ("通组公路硬化工程",),
    "house_repair": ("农村危房改造项目",),
    "relocation": ("易地扶贫搬迁集中安置项目",),
    "photovoltaic": ("村级光伏扶贫电站",),
}
PLAN_NOTES: dict[str, str] = {
    Cause.ILLNESS: "落实基本医保、大病保险和医疗救助，签约家庭医生；发展庭院经济增加收入。",
    Cause.DISABILITY: "落实残疾人两项补贴和低保，安排力所能及的公益性岗位。",
    Cause.SCHOOLING: "落实教育资助，确保子女不因贫失学；家中劳动力转移就业。",
    Cause.DISASTER: "落实临时救助和危房改造，恢复生产。",
    Cause.LACK_SKILLS: "参加职业技能培训，推荐稳定就业。",
    Cause.LACK_LABOUR: "落实兜底保障，入股合作社获得分红。",
    Cause.LACK_FUNDS: "办理扶贫小额信贷，发展茶叶、生猪等产业。",
}
PLAN_NOTE_DEFAULT = "发展特色产业，稳定务工收入，落实各项帮扶政策。"
PRODUCTS = ("茶叶", "烤烟", "魔芋", "蔬菜", "中药材", "生猪", "山羊", "猕猴桃", "核桃", "高山土豆")
# (kind, weight, income field as assistance.services.SCHEME_INCOME counts it)
SCHEMES = (
    (Participation.Kind.COOPERATIVE, 35, "property_income"),
    (Participation.Kind.INDUSTRY_PROJECT, 22, "business"),
    (Participation.Kind.MICRO_LOAN, 20, "business"),
    (Participation.Kind.PHOTOVOLTAIC, 18, "property_income"),
    (Participation.Kind.ASSET_DIVIDEND, 5, "property_income"),
)
LEAVE_REASONS = (
    "家中老人生病住院，回家照料",
    "子女升学，回家办理入学手续",
    "本人身体不适，到县医院就诊",
    "家中房屋修缮",
)
RECALL_GROUNDS = "驻村期间多次无故离岗，考勤不达标，经县委组织部研究予以召回。"


@dataclass
class AssistanceResult:
    counts: dict[str, int]
    seconds: float


@dataclass(slots=True)
class _Home:
    """A household as assistance sees it."""

    id: int
    number: str
    area_code: str
    status: str
    identified: int | None
    household_type: str
    cause: str
    danger: str
    per_capita: float | None


@dataclass(slots=True)
class _Cadre:
    name: str
    unit_id: int
    area_code: str
    party: bool
    post: str
    left_on: date | None = None
    id: int = 0
    load: int = 0


@dataclass(slots=True)
class _Pairing:
    cadre: _Cadre
    home: _Home
    starts_on: date
    ends_on: date | None = None
    end_reason: str = ""


@dataclass(slots=True)
class _Concern:
    household_id: int | None
    area_code: str
    topic: int
    status: str = ""
    overdue: bool = False
    escalations: int = 0
    level: str = ""
    ages: tuple[int, int] = (1, 1)  # how many days ago it may have been raised
    raised_on: date | None = None
    visit_id: int | None = None


@dataclass(slots=True)
class _Member:
    team: int
    cadre: _Cadre
    leader: bool
    starts_on: date
    ends_on: date | None = None
    recalled: bool = False
    id: int = 0


@dataclass
class _Scheme:
    home_id: int
    area_code: str
    kind: str
    name: str
    starts_on: date
    ends_on: date | None
    amount: Decimal | None
    income_field: str
    income: Decimal | None  # what it brought in INCOME_YEAR
    id: int = 0


def _write(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> list[int]:
    """Insert rows given in ``fields`` order with fresh ids; returns the ids in row order."""
    ids = allocate_ids(model, len(rows))
    bulk_insert(model, ("id", *fields), ((pk, *row) for pk, row in zip(ids, rows, strict=True)))
    return ids


class _Stamp:
    """Aware datetimes in database form, for the timestamps the models would set to now."""

    def __init__(self) -> None:
        self.tz = timezone.get_current_timezone()
        self.adapt = connection.ops.adapt_datetimefield_value
        self.cache: dict[tuple[date, int, int], Any] = {}

    def __call__(self, day: date, hour: int = 9, minute: int = 0) -> Any:
        key = (day, hour, minute)
        found = self.cache.get(key)
        if found is None:
            moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)
            found = self.cache[key] = self.adapt(moment)
        return found


class _Quota:
    """True for a share ``rate`` of the calls, evenly; the first comes early."""

    def __init__(self, rate: float, rng: random.Random) -> None:
        self.rate = rate
        self.level = 1.0 - rate * rng.uniform(1.0, min(5.0, 1.0 / rate))

    def hit(self) -> bool:
        self.level += self.rate
        if self.level >= 1.0:
            self.level -= 1.0
            return True
        return False


def _months_back(day: date, months: int) -> date:
    """The first day of the month ``months`` before ``day``'s."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class _Builder:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.stamp = _Stamp()
        self.counts: dict[str, int] = {}
        self.surnames = [s for s, _w in SURNAMES]
        self.surname_weights = list(_cumulative([w for _s, w in SURNAMES]))
        self.visit_start = today - timedelta(days=VISIT_DAYS)

    # --- people ---------------------------------------------------------------------------

    def name(self) -> str:
        rng = self.rng
        male = rng.random() < 0.68
        born = rng.randint(1966, 1998)
        surname = str(rng.choices(self.surnames, cum_weights=self.surname_weights)[0])
        if rng.random() < 0.25:
            return surname + rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)
        if male:
            first, second = MALE_CHARS_NEW if born >= 1985 else MALE_CHARS_OLD
        else:
            first, second = FEMALE_CHARS_NEW if born >= 1985 else FEMALE_CHARS_OLD
        if rng.random() < 0.15:
            return surname + rng.choice(second)
        return surname + rng.choice(first) + rng.choice(second)

    def cadre(
        self, unit_id: int, area_code: str, post: str = "", party: bool | None = None
    ) -> _Cadre:
        name = self.name()
        kind = self.unit_kinds[unit_id]
        return _Cadre(
            name=name,
            unit_id=unit_id,
            area_code=area_code,
            party=self.rng.random() < PARTY_SHARE if party is None else party,
            post=post or self.rng.choice(POSTS[kind]),
        )

    # --- the build -------------------------------------------------------------------------

    def run(self) -> None:
        self.areas()
        self.units()
        self.registry()
        self.pair()
        self.team_cadres()
        self.cadres_write()
        self.pairings_write()
        self.plans_and_measures()
        self.concern_specs()
        self.visits()
        self.concerns_write()
        self.teams_write()
        self.presence_and_leave()

    def areas(self) -> None:
        villages = Area.objects.filter(level=Area.Level.VILLAGE, code__startswith=REGION)
        self.villages = list(
            villages.order_by("code").values_list("code", "name", "poverty_status")
        )
        self.village_names = {c: n for c, n, _s in self.villages}
        self.poor_villages = [
            c for c, _n, s in self.villages if s in (PovertyStatus.POOR, PovertyStatus.EXITED)
        ]
        self.townships = sorted({c[:9] for c, _n, _s in self.villages})
        # the demo users' village (generator._user_area): its households stay paired
        self.demo_village = next(
            (c for c, _n, _s in self.villages if c.startswith(FIRST_TOWNSHIP)), ""
        )

    def units(self) -> None:
        rng = self.rng
        rows = [(name, kind, COUNTY_CODE, takes, True) for name, kind, takes in UNITS]
        ids = _write(Unit, ("name", "kind", "area_code", "handles_concerns", "is_active"), rows)
        self.unit_ids = dict(zip([n for n, _k, _t in UNITS], ids, strict=True))
        self.unit_kinds = {pk: kind for pk, (_n, kind, _t) in zip(ids, UNITS, strict=True)}
        order = list(ids)
        rng.shuffle(order)
        # 定点帮扶: each registered poor village has one unit, from 2015 or 2016
        self.village_unit = {
            code: order[i % len(order)] for i, code in enumerate(self.poor_villages)
        }
        pairs = [
            (
                unit,
                code,
                date(rng.choice((2015, 2015, 2016)), rng.randint(1, 12), rng.randint(1, 28)),
                None,
            )
            for code, unit in self.village_unit.items()
        ]
        bulk_insert(UnitVillage, ("unit", "area_code", "starts_on", "ends_on"), pairs)
        # other villages' households are helped by cadres from two units per township
        self.township_units = {t: rng.sample(ids, 2) for t in self.townships}
        self.counts["units"] = len(ids)
        self.counts["unit_villages"] = len(pairs)

    def registry(self) -> None:
        """One pass over the county's households with last year's income: who needs a
        cadre, who is in a scheme, who raised a concern at the village office."""
        rng = self.rng
        recent = self.today.year - STABILITY_YEARS
        self.needing: dict[str, list[_Home]] = {}
        self.schemes: list[_Scheme] = []
        self.loose: list[_Concern] = []
        # exited households of the demo village, paired when it has few that need a cadre
        # (脱贫不脱帮扶)
        self.demo_extra: list[_Home] = []
        loose_rate = CONCERNS_PER_HOUSEHOLD * (1 - CONCERNS_FROM_VISITS)
        kinds = [k for k, _w, _f in SCHEMES]
        kind_weights = list(_cumulative([w for _k, w, _f in SCHEMES]))
        fields: dict[str, str] = {k: f for k, _w, f in SCHEMES}
        rows = (
            Household.objects.filter(area_code__startswith=REGION)
            .annotate(last=FilteredRelation("incomes", condition=Q(incomes__year=INCOME_YEAR)))
            .order_by("number")
            .values_list(
                "id",
                "number",
                "area_code",
                "status",
                "identified_year",
                "exited_year",
                "is_active",
                "household_type",
                "main_cause",
                "danger_grade",
                "last__wage",
                "last__business",
                "last__business_costs",
                "last__property_income",
                "last__transfer",
                "last__household_size",
            )
        )
        households = 0
        for (
            pk,
            number,
            area_code,
            status,
            identified,
            exited,
            active,
            household_type,
            cause,
            danger,
            wage,
            business,
            costs,
            property_income,
            transfer,
            size,
        ) in rows.iterator(chunk_size=BATCH):
            households += 1
            if active and (
                status in NEED_STATUSES
                or (status == HouseholdStatus.EXITED and (exited or 0) >= recent)
            ):
                per_capita = None
                if size:
                    per_capita = float(wage + business - costs + property_income + transfer) / size
                self.needing.setdefault(area_code[:12], []).append(
                    _Home(
                        pk,
                        number,
                        area_code,
                        status,
                        identified,
                        household_type,
                        cause,
                        danger,
                        per_capita,
                    )
                )
            elif (
                active
                and status in (HouseholdStatus.EXITED, HouseholdStatus.RISK_CLEARED)
                and self.demo_village
                and area_code.startswith(self.demo_village)
                and len(self.demo_extra) < 3
            ):
                self.demo_extra.append(
                    _Home(
                        pk,
                        number,
                        area_code,
                        status,
                        identified,
                        household_type,
                        cause,
                        danger,
                        None,
                    )
                )
            if status in SCHEME_STATUSES and size and rng.random() < SCHEME_SHARE:
                kind = str(rng.choices(kinds, cum_weights=kind_weights)[0])
                values = {"business": business, "property_income": property_income}
                if values[fields[kind]] < 200:  # too little to take a share of: a business one
                    kind = Participation.Kind.INDUSTRY_PROJECT
                self.schemes.append(
                    self.scheme(pk, area_code, kind, identified, values[fields[kind]], fields[kind])
                )
            if rng.random() < loose_rate:
                self.loose.append(_Concern(pk, area_code, rng.randrange(len(CONCERNS))))
        self.households = households

    def scheme(
        self,
        home_id: int,
        area_code: str,
        kind: str,
        identified: int | None,
        value: Decimal,
        income_field: str,
    ) -> _Scheme:
        rng = self.rng
        village = self.village_names.get(area_code[:12], "")
        short = village[:-1] if village.endswith("村") else village
        product = rng.choice(PRODUCTS)
        earliest = max(identified or 2015, 2015)
        ends_on: date | None = None
        amount: Decimal | None = None
        if kind == Participation.Kind.COOPERATIVE:
            name = f"建始县{short}{product}专业合作社"
            start_year = rng.randint(2016, 2022)
            amount = Decimal(rng.randrange(1000, 5001, 500))
        elif kind == Participation.Kind.PHOTOVOLTAIC:
            name = f"{village}光伏扶贫电站"
            start_year = rng.randint(2017, 2020)
        elif kind == Participation.Kind.MICRO_LOAN:
            name = "扶贫小额信贷（县农村商业银行）"
            # three-year loans: most running now, some paid back
            start_year = (
                rng.randint(2023, INCOME_YEAR) if rng.random() < 0.6 else rng.randint(2016, 2021)
            )
            amount = Decimal(rng.randrange(30000, 50001, 5000))
        elif kind == Participation.Kind.ASSET_DIVIDEND:
            name = f"{village}扶贫资产收益分红"
            start_year = rng.randint(2018, 2022)
        else:
            name = f"{village}{product}产业基地"
            start_year = rng.randint(2017, 2023)
            amount = Decimal(rng.randrange(2000, 10001, 1000))
        starts_on = date(max(start_year, earliest), rng.randint(1, 12), rng.randint(1, 28))
        if kind == Participation.Kind.MICRO_LOAN:
            ends_on = _plus_years(starts_on, 3)
            if ends_on > self.today:
                ends_on = None  # still running: its end is not known until repaid
        income = None
        running = ends_on is None or ends_on.year >= INCOME_YEAR
        if starts_on.year <= INCOME_YEAR and running and value >= 200:
            # a part of what the income record already holds for that field
            income = Decimal(int(float(value) * rng.uniform(0.15, 0.5)) // 10 * 10)
        return _Scheme(
            home_id, area_code, kind, name, starts_on, ends_on, amount, income_field, income
        )

    def pair(self) -> None:
        """Cadres for the households that need one, within each township, leaving a few
        households in a few villages without."""
        rng = self.rng
        homes = [h for code, _n, _s in self.villages for h in self.needing.get(code, [])]
        self.counts["needing"] = len(homes)
        target = max(1, round(len(homes) * GAP_SHARE)) if len(homes) >= 2 else 0
        candidates = [
            code
            for code, _n, _s in self.villages
            if len(self.needing.get(code, [])) >= 2 and code != self.demo_village
        ]
        rng.shuffle(candidates)
        gap: set[int] = set()
        for code in candidates:
            if len(gap) >= target:
                break
            waiting = self.needing[code]
            take = min(math.ceil(len(waiting) / 2), target - len(gap))
            gap.update(h.id for h in waiting[-take:])  # the last identified wait longest
        self.gap = gap
        loads, load_weights = [n for n, _w in LOADS], list(_cumulative([w for _n, w in LOADS]))
        overload = _Quota(OVERLOAD_SHARE, rng)
        self.cadres: list[_Cadre] = []
        self.pairings: list[_Pairing] = []
        by_township: dict[str, list[_Cadre]] = {}
        self.demo_cadre: _Cadre | None = None
        latest = self.today - timedelta(days=30)
        for township in self.townships:
            # the demo users' village has cadres of its own, so that the demo cadre's
            # households are all in the village the demo user sees
            blocks: list[list[_Home]] = [[]]
            for code, _name, _status in self.villages:
                if code[:9] != township:
                    continue
                waiting = [h for h in self.needing.get(code, []) if h.id not in gap]
                if code == self.demo_village:
                    blocks.insert(0, waiting + self.demo_extra[: max(0, 3 - len(waiting))])
                else:
                    blocks[-1].extend(waiting)
            for block in blocks:
                i = 0
                while i < len(block):
                    remaining = len(block) - i
                    if remaining > MAX_HOUSEHOLDS and overload.hit():
                        load = rng.choice((MAX_HOUSEHOLDS + 1, MAX_HOUSEHOLDS + 2))
                    else:
                        load = min(remaining, int(rng.choices(loads, cum_weights=load_weights)[0]))
                    group = block[i : i + load]
                    village = group[0].area_code[:12]
                    poor = village in self.village_unit
                    unit = (
                        self.village_unit[village]
                        if poor
                        else rng.choice(self.township_units[township])
                    )
                    # the paired unit's cadres (and the demo village's) work in the village,
                    # the others from the township
                    alone = all(h.area_code.startswith(village) for h in group)
                    local = alone and (poor or village == self.demo_village)
                    cadre = self.cadre(unit, village if local else township + "000")
                    cadre.load = load
                    if village == self.demo_village and (
                        self.demo_cadre is None or load > self.demo_cadre.load
                    ):
                        self.demo_cadre = cadre
                    base = date(
                        rng.choice((2015, 2015, 2016, 2016, 2017, 2018, 2019, 2020, 2021)),
                        rng.randint(1, 12),
                        rng.randint(1, 28),
                    )
                    for home in group:
                        start = base
                        if home.identified and home.identified > base.year:
                            start = date(home.identified, rng.randint(3, 11), rng.randint(1, 28))
                        self.pairings.append(_Pairing(cadre, home, min(start, latest)))
                    self.cadres.append(cadre)
                    by_township.setdefault(township, []).append(cadre)
                    i += load
        self.demo_first: _Home | None = None
        if self.demo_cadre is not None:
            self.demo_cadre.party = True  # the demo user is held to the weekly contact norm
            demo = self.demo_cadre
            self.demo_first = next(p.home for p in self.pairings if p.cadre is demo)
        # spare cadres, who can take the households that wait
        for township in self.townships:
            count = max(1, round(len(by_township.get(township, [])) * SPARE_SHARE))
            for _ in range(count):
                spare = self.cadre(rng.choice(self.township_units[township]), township + "000")
                self.cadres.append(spare)
                by_township.setdefault(township, []).append(spare)
        self.leave_cadres()
        self.replaced(by_township)

    def leave_cadres(self) -> None:
        """A few cadres have left; their households are not paired again yet."""
        rng = self.rng
        working = [c for c in self.cadres if c.load and c is not self.demo_cadre]
        if not working:
            return
        # light loads first, so that a small county keeps most of its households covered
        light = [c for c in working if c.load <= 2] or working
        count = min(len(light), max(2, min(4, round(len(working) / 40))))
        leaving = rng.sample(light, count)
        for cadre in leaving:
            latest = max(p.starts_on for p in self.pairings if p.cadre is cadre)
            left_on = self.today - timedelta(days=rng.randint(6, 50))
            cadre.left_on = max(left_on, latest + timedelta(days=1))
        for p in self.pairings:
            if p.cadre.left_on is not None:
                p.ends_on = p.cadre.left_on
                p.end_reason = Pairing.EndReason.CADRE_LEFT
        self.counts["cadres_left"] = count

    def replaced(self, by_township: dict[str, list[_Cadre]]) -> None:
        """Some households had another cadre before the present one."""
        rng = self.rng
        earlier: list[_Pairing] = []
        pools = {t: [c for c in cadres if c.left_on is None] for t, cadres in by_township.items()}
        for p in self.pairings:
            if p.starts_on.year < 2017 or rng.random() >= 0.25:
                continue
            pool = pools[p.home.area_code[:9]]
            before = rng.choice(pool)
            if before is p.cadre:
                continue
            first = max(2015, p.home.identified or 2015)
            starts_on = date(first, rng.randint(1, 12), rng.randint(1, 28))
            if starts_on >= p.starts_on:
                continue
            earlier.append(
                _Pairing(before, p.home, starts_on, p.starts_on, Pairing.EndReason.REPLACED)
            )
        self.pairings.extend(earlier)

    def team_cadres(self) -> None:
        """Dedicated cadres of the resident work teams, sent by each village's unit."""
        rng = self.rng
        short = set(rng.sample(self.poor_villages, min(len(self.poor_villages), rng.randint(2, 3))))
        self.short_teams = short
        recalled_in = min(short) if short else ""
        window = _months_back(self.today, 2)
        self.teams: list[tuple[str, int, date, date]] = []
        self.members: list[_Member] = []
        for index, code in enumerate(self.poor_villages):
            unit = self.village_unit[code]
            starts_on = date(2021, rng.randint(5, 7), rng.randint(1, 28))
            ends_on = max(_plus_years(starts_on, 2), date(self.today.year + 1, 6, 30))
            self.teams.append((code, unit, starts_on, ends_on))
            size = 2 if code in short else 3
            rotations = [
                d for d in (starts_on, date(2023, 6, 15), date(2025, 6, 15)) if d < window
            ] or [starts_on]
            rotation = rng.choice(rotations)
            for seat in range(size):
                leader = seat == 0
                post = "驻村第一书记" if leader else "驻村工作队员"
                cadre = self.cadre(unit, code, post, True if leader else None)
                self.cadres.append(cadre)
                self.members.append(_Member(index, cadre, leader, rotation))
            if code == recalled_in:
                # recalled and not yet replaced: the team is short
                cadre = self.cadre(unit, code, "驻村工作队员")
                self.cadres.append(cadre)
                gone = self.today - timedelta(days=rng.randint(20, 45))
                self.members.append(_Member(index, cadre, False, rotation, gone, True))

    def cadres_write(self) -> None:
        rng = self.rng
        rows = [
            (
                c.name,
                c.unit_id,
                f"1{rng.choice('3358')}{rng.randrange(10**9):09d}",
                c.party,
                c.post,
                rng.choice(SKILLS),
                c.area_code,
                c.left_on,
                1,
                None,
            )
            for c in self.cadres
        ]
        fields = (
            "name",
            "unit",
            "phone",
            "is_party_member",
            "post",
            "skills",
            "area_code",
            "left_on",
            "version",
            "user",
        )
        for c, pk in zip(self.cadres, _write(Cadre, fields, rows), strict=True):
            c.id = pk
        self.counts["cadres"] = len(rows)

    def pairings_write(self) -> None:
        fields = (
            "cadre",
            "household",
            "area_code",
            "starts_on",
            "ends_on",
            "end_reason",
            "created_by",
        )
        rows = [
            (p.cadre.id, p.home.id, p.home.area_code, p.starts_on, p.ends_on, p.end_reason, None)
            for p in self.pairings
        ]
        bulk_insert(Pairing, fields, rows)
        active = [p for p in self.pairings if p.ends_on is None]
        self.active = active
        self.current = {p.home.id: p for p in active}
        self.counts["pairings"] = len(active)
        self.counts["pairings_ended"] = len(rows) - len(active)
        self.counts["paired_households"] = sum(
            1
            for code, _n, _s in self.villages
            for h in self.needing.get(code, [])
            if h.id in self.current
        )

    # --- plans, ledger, schemes ---------------------------------------------------------------

    def measure_type(self, home: _Home) -> str:
        rng = self.rng
        if home.danger in (DangerGrade.C, DangerGrade.D) and rng.random() < 0.5:
            return "house_repair"
        if home.household_type == HouseholdType.DIBAO and rng.random() < 0.2:
            return "minimum_living"
        if home.household_type == HouseholdType.TEKUN and rng.random() < 0.3:
            return "extreme_poverty"
        if rng.random() < 0.6:
            return rng.choice(CAUSE_MEASURES.get(home.cause, ANY_MEASURES))
        return rng.choice(ANY_MEASURES)

    def measure_row(
        self,
        home_id: int,
        area_code: str,
        code: str,
        day: date,
        cadre_id: int | None,
        participation: int | None = None,
        amount: Decimal | None = None,
    ) -> tuple[Any, ...]:
        rng = self.rng
        text, low, high = MEASURE_DETAILS[code]
        if amount is None and low is not None and high is not None:
            amount = Decimal(rng.randrange(low, high + 1, 100 if high >= 1000 else 10))
        project = ""
        if code in PROJECT_MEASURES and rng.random() < 0.6:
            village = self.village_names.get(area_code[:12], "")
            project = f"{day.year}年{village}{rng.choice(PROJECT_MEASURES[code])}"
        return (
            home_id,
            area_code,
            self.type_ids[code],
            day,
            amount,
            text,
            cadre_id,
            project,
            participation,
            None,
            self.stamp(day, rng.randint(9, 17), rng.randrange(60)),
        )

    def plans_and_measures(self) -> None:
        rng = self.rng
        today, year = self.today, self.today.year
        self.type_ids = dict(MeasureType.objects.values_list("code", "id"))
        measure_fields = (
            "household",
            "area_code",
            "type",
            "delivered_on",
            "amount",
            "description",
            "cadre",
            "project_name",
            "participation",
            "recorded_by",
            "recorded_at",
        )
        measures: list[tuple[Any, ...]] = []
        # this year's plans (一户一策) for households not (yet) out of poverty
        plans: list[tuple[Any, ...]] = []
        items: list[tuple[int, tuple[Any, ...], int | None]] = []  # plan index, row, measure index
        overdue = _Quota(0.2, rng)
        planned_on = date(year, 1, 1) + timedelta(days=rng.randint(10, 70))
        planned_on = min(planned_on, today)
        for code, _n, _s in self.villages:
            for home in self.needing.get(code, []):
                if home.status not in NEED_STATUSES:
                    continue
                needs: list[str] = []
                if home.per_capita is not None and home.per_capita < POVERTY_LINE:
                    needs.append("income")
                if home.danger in (DangerGrade.C, DangerGrade.D):
                    needs.append("housing")
                if home.cause == Cause.ILLNESS and rng.random() < 0.05:
                    needs.append("medical")
                if home.cause == Cause.SCHOOLING and rng.random() < 0.1:
                    needs.append("schooling")
                plans.append(
                    (
                        home.id,
                        home.area_code,
                        year,
                        Decimal(rng.randrange(6500, 9001, 100)),
                        json.dumps(needs),
                        PLAN_NOTES.get(home.cause, PLAN_NOTE_DEFAULT),
                        None,
                        self.stamp(planned_on, 10),
                        1,
                    )
                )
                pairing = self.current.get(home.id)
                for _ in range(rng.randint(1, 3)):
                    kind = self.measure_type(home)
                    text, low, high = MEASURE_DETAILS[kind]
                    due = date(year, rng.randint(2, 12), rng.randint(1, 28))
                    amount = None
                    if low is not None and high is not None:
                        amount = Decimal(rng.randrange(low, high + 1, 100 if high >= 1000 else 10))
                    done: int | None = None
                    late = due < today and overdue.hit()
                    if (due < today and not late) or (due >= today and rng.random() < 0.15):
                        day = max(planned_on, min(today, due - timedelta(days=rng.randint(0, 25))))
                        cadre = pairing.cadre.id if pairing and pairing.starts_on <= day else None
                        done = len(measures)
                        measures.append(
                            self.measure_row(
                                home.id, home.area_code, kind, day, cadre, amount=amount
                            )
                        )
                    items.append((len(plans) - 1, (kind, text, due, amount), done))
        # the ledger: what each paired household got over the years from its cadre
        for p in self.pairings:
            last = p.ends_on or today
            span = (last - p.starts_on).days
            for _ in range(
                rng.randint(1, 4)
                if p.ends_on is None or p.end_reason == Pairing.EndReason.CADRE_LEFT
                else rng.randint(0, 2)
            ):
                day = p.starts_on + timedelta(days=rng.randint(0, max(0, span)))
                measures.append(
                    self.measure_row(
                        p.home.id, p.home.area_code, self.measure_type(p.home), day, p.cadre.id
                    )
                )
        # schemes and what they brought last year
        scheme_fields = (
            "household",
            "area_code",
            "kind",
            "name",
            "starts_on",
            "ends_on",
            "amount",
            "income_field",
            "created_by",
        )
        scheme_ids = _write(
            Participation,
            scheme_fields,
            [
                (
                    s.home_id,
                    s.area_code,
                    s.kind,
                    s.name,
                    s.starts_on,
                    s.ends_on,
                    s.amount,
                    s.income_field,
                    None,
                )
                for s in self.schemes
            ],
        )
        incomes = []
        for s, pk in zip(self.schemes, scheme_ids, strict=True):
            s.id = pk
            if s.income is not None:
                incomes.append((pk, INCOME_YEAR, s.income))
            if s.kind == Participation.Kind.MICRO_LOAN:
                pairing = self.current.get(s.home_id)
                cadre = pairing.cadre.id if pairing and pairing.starts_on <= s.starts_on else None
                measures.append(
                    self.measure_row(
                        s.home_id, s.area_code, "micro_loan", s.starts_on, cadre, pk, s.amount
                    )
                )
        bulk_insert(ParticipationIncome, ("participation", "year", "amount"), incomes)
        measure_ids = _write(Measure, measure_fields, measures)
        plan_fields = (
            "household",
            "area_code",
            "year",
            "income_target",
            "needs",
            "note",
            "created_by",
            "created_at",
            "version",
        )
        plan_ids = _write(Plan, plan_fields, plans)
        bulk_insert(
            PlannedMeasure,
            ("plan", "type", "description", "due_on", "amount", "delivered"),
            [
                (
                    plan_ids[plan],
                    self.type_ids[kind],
                    text,
                    due,
                    amount,
                    None if done is None else measure_ids[done],
                )
                for plan, (kind, text, due, amount), done in items
            ],
        )
        self.counts["plans"] = len(plans)
        self.counts["planned_measures"] = len(items)
        self.counts["planned_overdue"] = sum(
            1 for _p, (_k, _t, due, _a), d in items if d is None and due < today
        )
        self.counts["measures"] = len(measures)
        self.counts["participations"] = len(self.schemes)
        self.counts["participation_incomes"] = len(incomes)

    # --- visits and concerns ----------------------------------------------------------------

    def concern_specs(self) -> None:
        """Which households raised a concern, in which state it is now and how old it may
        be; those raised in a visit get their date from one of its visits."""
        rng = self.rng
        from_visits = min(
            len(self.active),
            round(self.households * CONCERNS_PER_HOUSEHOLD * CONCERNS_FROM_VISITS),
        )
        picked = sorted(rng.sample(range(len(self.active)), from_visits))
        specs = [
            _Concern(
                self.active[i].home.id, self.active[i].home.area_code, rng.randrange(len(CONCERNS))
            )
            for i in picked
        ]
        specs += self.loose
        # (status, overdue, weight): about two fifths are closed with the resident told
        shares = (
            (Concern.Status.RAISED, False, 12),
            (Concern.Status.ROUTED, False, 16),
            (Concern.Status.ROUTED, True, 14),
            (Concern.Status.RESOLVED, False, 15),
            (Concern.Status.TOLD, False, 43),
        )
        counts = _apportion(len(specs), [w for _s, _o, w in shares])
        if specs and not counts[2]:  # always something overdue
            counts[counts.index(max(counts))] -= 1
            counts[2] += 1
        states = [(s, o) for (s, o, _w), n in zip(shares, counts, strict=True) for _ in range(n)]
        rng.shuffle(states)
        for spec, (status, late) in zip(specs, states, strict=True):
            spec.status, spec.overdue = status, late
            if status != Concern.Status.RAISED:
                draw = rng.random()
                spec.level = (
                    Concern.Level.DEPARTMENT
                    if draw < 0.45
                    else Concern.Level.TOWNSHIP
                    if draw < 0.7
                    else Concern.Level.VILLAGE
                )
            spec.ages = self.ages(spec)
        self.concerns = specs
        self.concern_by_home: dict[int, list[_Concern]] = {}
        for spec in specs[:from_visits]:
            assert spec.household_id is not None
            self.concern_by_home.setdefault(spec.household_id, []).append(spec)

    def ages(self, spec: _Concern) -> tuple[int, int]:
        """The days before today the concern may have been raised, for its state."""
        rng = self.rng
        if spec.status == Concern.Status.RAISED:
            # a few have waited more than the village's half month
            return (16, 40) if rng.random() < 0.15 else (0, 6)
        days = CONCERN_DAYS[Concern.Level(spec.level)]
        if spec.status == Concern.Status.ROUTED and not spec.overdue:
            return (0, days - 1)
        if spec.status == Concern.Status.ROUTED:
            if rng.random() < 0.5:
                up = ESCALATION[Concern.Level(spec.level)]
                # routed, overdue, escalated one level up, and overdue again
                least = 2 + days + 1 + CONCERN_DAYS[up] + 1
                if least < VISIT_DAYS - 2:
                    spec.escalations = 1
                    return (least, min(least + 60, VISIT_DAYS - 2))
            return (days + 3, days + 60)
        if spec.status == Concern.Status.RESOLVED:
            return (3, 90)
        return (4, VISIT_DAYS - 2)

    def visits(self) -> None:
        rng = self.rng
        today = self.today
        fields = (
            "cadre",
            "household",
            "area_code",
            "visited_on",
            "mode",
            "seen",
            "latitude",
            "longitude",
            "recorded_by",
            "recorded_at",
        )
        places: dict[str, tuple[float, float]] = {}
        for township in self.townships:
            places[township] = (
                CENTRE[0] + rng.uniform(-0.2, 0.2),
                CENTRE[1] + rng.uniform(-0.25, 0.25),
            )
        for code, _n, _s in self.villages:
            lat, lon = places[code[:9]]
            places[code] = (lat + rng.uniform(-0.04, 0.04), lon + rng.uniform(-0.04, 0.04))
        buffer: list[tuple[Any, ...]] = []
        links: list[tuple[_Concern, int]] = []
        written = 0
        lapsed = 0

        def flush() -> None:
            nonlocal written
            ids = _write(Visit, fields, buffer)
            for spec, position in links:
                spec.visit_id = ids[position]
            written += len(buffer)
            buffer.clear()
            links.clear()

        weekly = int(NATIONAL_DEFAULTS["contact_interval_days"])
        for p in self.pairings:
            if p.ends_on is not None and p.end_reason != Pairing.EndReason.CADRE_LEFT:
                continue
            first = max(self.visit_start, p.starts_on)
            last = min(today, p.ends_on or today)
            draw = rng.random()
            stale = draw < (0.04 if p.cadre.party else 0.06)
            if p.cadre is self.demo_cadre and p.home is self.demo_first:
                stale = True  # something for the demo cadre's to-do list
            if stale:
                last = min(last, today - timedelta(days=rng.randint(31, 55)))
            gap_from = gap_to = None
            if p.cadre.party and not stale and draw > 0.84:
                gap_from = first + timedelta(days=rng.randint(7, 70))
                gap_to = gap_from + timedelta(days=rng.randint(21, 42))
            lapsed += stale or gap_from is not None
            days: list[date] = []
            day = first + timedelta(days=rng.randint(0, 6))
            while day <= last:
                if gap_from is None or not gap_from < day < (gap_to or day):
                    days.append(day)
                day += timedelta(
                    days=rng.randint(4, weekly) if p.cadre.party else rng.randint(8, 24)
                )
            wanted = self.concern_by_home.get(p.home.id, [])
            for spec in wanted:
                fits = [
                    i
                    for i, d in enumerate(days)
                    if spec.ages[0] <= (today - d).days <= spec.ages[1]
                ]
                if fits:
                    i = rng.choice(fits)
                    spec.raised_on = days[i]
                    links.append((spec, len(buffer) + i))
            lat, lon = places[p.home.area_code[:12]]
            for day in days:
                mode = (
                    Visit.Mode.HOME
                    if rng.random() < 0.62
                    else Visit.Mode.PHONE
                    if rng.random() < 0.9
                    else Visit.Mode.OTHER
                )
                latitude = longitude = None
                if mode == Visit.Mode.HOME and rng.random() < 0.6:
                    latitude = Decimal(f"{lat + rng.uniform(-0.003, 0.003):.6f}")
                    longitude = Decimal(f"{lon + rng.uniform(-0.003, 0.003):.6f}")
                seen = rng.choice(SEEN_PHONE if mode == Visit.Mode.PHONE else SEEN_HOME)
                buffer.append(
                    (
                        p.cadre.id,
                        p.home.id,
                        p.home.area_code,
                        day,
                        mode,
                        seen,
                        latitude,
                        longitude,
                        None,
                        self.stamp(day, 19),
                    )
                )
            if len(buffer) >= VISIT_FLUSH:
                flush()
        flush()
        self.counts["visits"] = written
        self.counts["contact_lapsed"] = lapsed

    def concerns_write(self) -> None:
        rng = self.rng
        today = self.today
        rows: list[tuple[Any, ...]] = []
        events: list[tuple[int, str, str, Any]] = []  # concern index, action, note, at
        departments = {name: self.unit_ids[name] for _t, name, _r, _n in CONCERNS}
        for index, spec in enumerate(self.concerns):
            before = len(events)
            text, department_name, resolution_text, told_text = CONCERNS[spec.topic]
            if spec.raised_on is None:
                spec.raised_on = today - timedelta(days=rng.randint(*spec.ages))
                spec.visit_id = None
            raised = spec.raised_on
            events.append((index, "raised", "", self.stamp(raised, rng.randint(9, 18))))
            level, department, due = spec.level, None, None
            resolution, resolved_on, told_on, told_note = "", None, None, ""
            if spec.status != Concern.Status.RAISED:
                age = (today - raised).days
                routed = raised + timedelta(days=rng.randint(0, min(2, max(0, age - 2))))
                days = CONCERN_DAYS[Concern.Level(level)]
                due = routed + timedelta(days=days)
                if level == Concern.Level.DEPARTMENT:
                    department = departments[department_name]
                label = Concern.Level(level).label
                note = f"{label} {department_name}" if department else str(label)
                events.append((index, "routed", note, self.stamp(routed, 10)))
                for _ in range(spec.escalations):
                    level = ESCALATION[Concern.Level(level)]
                    department = None
                    escalated = due + timedelta(days=1)
                    due = escalated + timedelta(days=CONCERN_DAYS[Concern.Level(level)])
                    events.append(
                        (
                            index,
                            "escalated",
                            f"逾期未办结，升级至{Concern.Level(level).label}",
                            self.stamp(escalated, 2),
                        )
                    )
                if spec.status in (Concern.Status.RESOLVED, Concern.Status.TOLD):
                    room = (today - routed).days - (1 if spec.status == Concern.Status.TOLD else 0)
                    resolved_on = routed + timedelta(days=rng.randint(1, max(1, min(days, room))))
                    resolved_on = min(resolved_on, today)
                    resolution = resolution_text
                    events.append((index, "resolved", resolution, self.stamp(resolved_on, 16)))
                if spec.status == Concern.Status.TOLD:
                    assert resolved_on is not None
                    told_on = min(today, resolved_on + timedelta(days=rng.randint(0, 7)))
                    told_note = told_text
                    events.append((index, "told", told_note, self.stamp(told_on, 17)))
            rows.append(
                (
                    spec.household_id,
                    spec.area_code,
                    spec.visit_id,
                    text,
                    raised,
                    None,
                    spec.status,
                    level,
                    department,
                    due,
                    spec.escalations,
                    resolution,
                    resolved_on,
                    told_on,
                    told_note,
                    len(events) - before,  # one more with each change, as the services do
                )
            )
        fields = (
            "household",
            "area_code",
            "visit",
            "text",
            "raised_on",
            "raised_by",
            "status",
            "level",
            "department",
            "due_on",
            "escalations",
            "resolution",
            "resolved_on",
            "told_on",
            "told_note",
            "version",
        )
        ids = _write(Concern, fields, rows)
        bulk_insert(
            ConcernEvent,
            ("concern", "action", "actor", "at", "note"),
            [(ids[i], action, None, at, note) for i, action, note, at in events],
        )
        self.counts["concerns"] = len(rows)
        self.counts["concern_events"] = len(events)
        for status in Concern.Status.values:
            self.counts[f"concerns_{status}"] = sum(1 for s in self.concerns if s.status == status)
        self.counts["concerns_overdue"] = sum(
            1 for s in self.concerns if s.status == Concern.Status.ROUTED and s.overdue
        )

    # --- work teams -------------------------------------------------------------------------

    def teams_write(self) -> None:
        team_ids = _write(
            WorkTeam,
            ("area_code", "unit", "starts_on", "ends_on", "is_active"),
            [(code, unit, start, end, True) for code, unit, start, end in self.teams],
        )
        self.team_ids = team_ids
        rows = [
            (
                team_ids[m.team],
                m.cadre.id,
                m.leader,
                m.starts_on,
                m.ends_on,
                m.recalled,
                RECALL_GROUNDS if m.recalled else "",
            )
            for m in self.members
        ]
        fields = (
            "team",
            "cadre",
            "is_leader",
            "starts_on",
            "ends_on",
            "recalled",
            "recall_grounds",
        )
        for m, pk in zip(self.members, _write(TeamMember, fields, rows), strict=True):
            m.id = pk
        self.counts["teams"] = len(team_ids)
        self.counts["team_members"] = sum(1 for m in self.members if m.ends_on is None)
        self.counts["teams_short"] = len(self.short_teams)

    def presence_and_leave(self) -> None:
        """Days in the village for the last two full months and this month so far, and
        the leave that explains some of the missing days."""
        rng = self.rng
        today = self.today
        months = [_months_back(today, n) for n in (2, 1, 0)]
        short = _Quota(0.08, rng)
        leaves: list[tuple[Any, ...]] = []
        presence: list[tuple[Any, ...]] = []
        short_months = 0
        serving = [i for i, m in enumerate(self.members) if not m.recalled]
        county_leave = rng.choice(serving) if serving else -1
        pending_team = next(
            (i for i, (code, *_rest) in enumerate(self.teams) if code.startswith(FIRST_TOWNSHIP)), 0
        )
        pending = next(
            (m for m in self.members if m.team == pending_team and m.ends_on is None), None
        )
        for index, m in enumerate(self.members):
            code = self.teams[m.team][0]
            off: set[date] = set()
            if index == county_leave or (not m.recalled and rng.random() < 0.12):
                days = 5 if index == county_leave else rng.randint(1, LEAVE_TOWNSHIP_DAYS)
                start = months[0] + timedelta(
                    days=rng.randint(0, max(0, (today - months[0]).days - days - 1))
                )
                end = start + timedelta(days=days - 1)
                off.update(start + timedelta(days=d) for d in range(days))
                level = "township" if days <= LEAVE_TOWNSHIP_DAYS else "county"
                decided = self.stamp(
                    start - timedelta(days=rng.randint(1, 3)), 10, rng.randrange(60)
                )
                leaves.append(
                    (
                        m.id,
                        code,
                        start,
                        end,
                        days,
                        rng.choice(LEAVE_REASONS),
                        Leave.Status.APPROVED,
                        level,
                        None,
                        decided,
                        None,
                    )
                )
            last_day = min(today, m.ends_on or today)
            for first in months:
                length = calendar.monthrange(first.year, first.month)[1]
                open_days = [
                    d
                    for d in (first + timedelta(days=n) for n in range(length))
                    if m.starts_on <= d <= last_day and d not in off
                ]
                if not open_days:
                    continue
                low = m.recalled or short.hit()
                wanted = (
                    rng.randint(12, RESIDENCE_DAYS - 1) if low else rng.randint(RESIDENCE_DAYS, 24)
                )
                short_months += low
                # this month so far: in proportion to the days gone
                elapsed = min(length, (last_day - first).days + 1)
                wanted = min(len(open_days), round(wanted * elapsed / length))
                for d in sorted(rng.sample(open_days, wanted)):
                    presence.append((m.id, code, d, None))
        if pending is not None:
            start = today + timedelta(days=rng.randint(2, 5))
            leaves.append(
                (
                    pending.id,
                    self.teams[pending.team][0],
                    start,
                    start + timedelta(days=1),
                    2,
                    rng.choice(LEAVE_REASONS),
                    Leave.Status.REQUESTED,
                    "township",
                    None,
                    None,
                    None,
                )
            )
        bulk_insert(Presence, ("member", "area_code", "day", "recorded_by"), presence)
        bulk_insert(
            Leave,
            (
                "member",
                "area_code",
                "starts_on",
                "ends_on",
                "days",
                "reason",
                "status",
                "approver_level",
                "decided_by",
                "decided_at",
                "requested_by",
            ),
            leaves,
        )
        self.counts["presence"] = len(presence)
        self.counts["presence_short_months"] = short_months
        self.counts["leaves"] = len(leaves)


def _cumulative(weights: Iterable[float]) -> Iterable[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` exactly (largest remainder)."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - shares[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def build(*, seed: int, today: date | None = None) -> AssistanceResult:
    """Write the demo county's assistance; its registry and areas must be written."""
    started = time.monotonic()
    builder = _Builder(random.Random(f"fupin-demo-assistance:{seed}"), today or clock.today())
    with transaction.atomic():
        builder.run()
    return AssistanceResult(counts=builder.counts, seconds=time.monotonic() - started)


def users_link() -> bool:
    """Give the demo cadre user the cadre record with most households in their village,
    and the cadre and township users a few notifications. Once per build: a user already
    linked is left alone. Returns True when it linked."""
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=("cadre", "township_officer"))}
    user = users.get("cadre")
    if user is None or Cadre.objects.filter(user=user).exists():
        return False
    village = (
        RoleAssignment.objects.filter(user=user, role=Role.CADRE)
        .values_list("area__code", flat=True)
        .first()
    )
    if not village:
        return False
    best = (
        Pairing.objects.filter(
            ends_on__isnull=True,
            area_code__startswith=village,
            cadre__user__isnull=True,
            cadre__left_on__isnull=True,
        )
        .values("cadre_id")
        .annotate(n=Count("id"))
        .order_by("-n", "cadre_id")
        .first()
    )
    cadre_id = (
        best["cadre_id"]
        if best
        else Cadre.objects.filter(
            user__isnull=True, left_on__isnull=True, area_code__startswith=village[:9]
        )
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    if cadre_id is None:
        return False
    Cadre.objects.filter(pk=cadre_id).update(user=user)
    notes: list[Notification] = []
    # the texts and addresses are those the assistance services write
    for household_id, number in (
        Pairing.objects.filter(cadre_id=cadre_id, ends_on__isnull=True)
        .order_by("-starts_on", "id")
        .values_list("household_id", "household__number")[:2]
    ):
        notes.append(
            Notification(
                user=user,
                kind="pairing",
                text=f"您新结对帮扶户 {number}。",
                url=f"/households/{household_id}/",
            )
        )
    routed = Concern.objects.filter(
        status=Concern.Status.ROUTED, due_on__gte=clock.today()
    ).order_by("due_on", "id")
    concern = (
        routed.filter(area_code__startswith=village).first()
        or routed.filter(area_code__startswith=village[:9]).first()
    )
    if concern is not None and concern.due_on is not None:
        notes.append(
            Notification(
                user=user,
                kind="concern_assigned",
                text=f"交办民情问题（{concern.due_on.isoformat()} 前办结）：{concern.text[:60]}",
                url=f"/assistance/concerns/{concern.pk}/",
            )
        )
    officer = users.get("township_officer")
    township = (
        RoleAssignment.objects.filter(user=officer, role=Role.TOWNSHIP_OFFICER)
        .values_list("area__code", flat=True)
        .first()
        if officer
        else None
    )
    if officer is not None and township:
        prefix = township[:9]
        leave = (
            Leave.objects.filter(status=Leave.Status.REQUESTED, area_code__startswith=prefix)
            .select_related("member__cadre")
            .order_by("id")
            .first()
        )
        if leave is not None:
            notes.append(
                Notification(
                    user=officer,
                    kind="leave_requested",
                    text=f"{leave.member.cadre.name} 请假 {leave.days} 天，待审批。",
                    url="/assistance/leaves/",
                )
            )
        overdue = (
            Concern.objects.filter(
                status=Concern.Status.ROUTED,
                due_on__lt=clock.today(),
                area_code__startswith=prefix,
            )
            .order_by("-escalations", "due_on", "id")
            .first()
        )
        if overdue is not None:
            notes.append(
                Notification(
                    user=officer,
                    kind="concern_overdue",
                    text=f"逾期升级的民情问题：{overdue.text[:60]}",
                    url=f"/assistance/concerns/{overdue.pk}/",
                )
            )
    Notification.objects.bulk_create(notes)
    return True

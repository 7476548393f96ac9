"""Assistance (精准帮扶): assisting units and their cadres, cadre ↔ household pairing, the
household plan (一户一策), the measures catalogue and ledger (帮扶措施账), participation in
industry projects, loans and dividends, visits (民情日记) and the concerns raised in them,
resident work teams with their presence and leave, and in-app notifications.

Every row carries the area code it belongs to, so that scoping is one prefix filter."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.Model):
    """An assisting unit (帮扶单位): a department, enterprise, university or Party body."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("党政机关、部门")
        INSTITUTION = "institution", _("事业单位、高校")
        ENTERPRISE = "enterprise", _("企业")
        PARTY = "party", _("党组织")
        OTHER = "other", _("其他")

    name = models.CharField(_("单位名称"), max_length=100)
    kind = models.CharField(_("单位类型"), max_length=12, choices=Kind.choices)
    # The area the unit answers to (usually the county); scoping is by this code.
    area_code = models.CharField(_("所属区划"), max_length=12)
    # A department that concerns can be routed to (e.g. the water bureau).
    handles_concerns = models.BooleanField(_("可受理民情问题"), default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("帮扶单位")
        constraints = [
            models.UniqueConstraint(fields=["area_code", "name"], name="unit_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class UnitVillage(models.Model):
    """定点帮扶: a unit's paired village for a period."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="villages")
    area_code = models.CharField(_("帮扶村"), max_length=12)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("定点帮扶村")
        indexes = [models.Index(fields=["area_code"], name="unit_village_area")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.area_code}"


class Cadre(models.Model):
    """A cadre who helps households (帮扶干部); optionally a user of fupin."""

    name = models.CharField(_("姓名"), max_length=64)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="cadres")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cadre",
    )
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    is_party_member = models.BooleanField(_("中共党员"), default=False)
    post = models.CharField(_("职务"), max_length=64, blank=True)
    skills = models.CharField(_("专长"), max_length=200, blank=True)
    # Where the cadre works (the unit's area, or the village of a work team member).
    area_code = models.CharField(_("工作区划"), max_length=12)
    left_on = models.DateField(_("调离日期"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("帮扶干部")
        indexes = [models.Index(fields=["area_code"], name="cadre_area")]

    def __str__(self) -> str:
        return self.name


class Pairing(models.Model):
    """结对帮扶: the cadre responsible for a household, from a day until ended."""

    class EndReason(models.TextChoices):
        REPLACED = "replaced", _("更换帮扶干部")
        CADRE_LEFT = "cadre_left", _("帮扶干部调离")
        NO_LONGER_NEEDED = "no_longer_needed", _("帮扶期满")
        HOUSEHOLD_GONE = "household_gone", _("户已注销")

    cadre = models.ForeignKey(Cadre, on_delete=models.PROTECT, related_name="pairings")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="pairings"
    )
    area_code = models.CharField(max_length=15)
    starts_on = models.DateField(_("结对日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(
        _("结束原因"), max_length=20, choices=EndReason.choices, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("结对帮扶")
        indexes = [
            models.Index(fields=["area_code"], name="pairing_area"),
            models.Index(fields=["cadre", "ends_on"], name="pairing_cadre"),
        ]
        constraints = [
            # one responsible cadre per household at a time
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(ends_on__isnull=True),
                name="pairing_one_active_per_household",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cadre_id} ↔ {self.household_id}"


class Category(models.TextChoices):
    """七个一批 (seed 003), which contain the 五个一批."""

    INDUSTRY = "industry", _("发展特色产业脱贫一批")
    LABOUR = "labour", _("引导劳务输出脱贫一批")
    RELOCATION = "relocation", _("实施易地搬迁脱贫一批")
    ECOLOGY = "ecology", _("结合生态保护脱贫一批")
    EDUCATION = "education", _("着力加强教育脱贫一批")
    MEDICAL = "medical", _("开展医疗保险和医疗救助脱贫一批")
    SECURITY = "security", _("实施保障兜底脱贫一批")


class Project(models.TextChoices):
    """八大工程 (seed 003)."""

    INFRASTRUCTURE = "infrastructure", _("农村基础设施改善提质工程")
    HOUSING = "housing", _("农村幸福安居工程")
    INDUSTRY_INCOME = "industry_income", _("农村产业培育和农民增收工程")
    TRAINING = "training", _("教育培训和劳动力就业工程")
    SOCIAL_SECURITY = "social_security", _("社会保障工程")
    FINANCE = "finance", _("金融扶贫和信息化工程")
    ENVIRONMENT = "environment", _("农村生态环境保护工程")
    FOUNDATION = "foundation", _("强基固本工程")


# The income record fields a measure's or a scheme's income may feed.
INCOME_FIELDS = (
    ("wage", _("工资性收入")),
    ("business", _("生产经营性收入")),
    ("property_income", _("财产性收入")),
    ("transfer", _("转移性收入")),
)


class MeasureType(models.Model):
    """The catalogue of measures, typed by 七个一批 and tagged by 八大工程."""

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("措施名称"), max_length=64)
    category = models.CharField(_("七个一批"), max_length=12, choices=Category.choices)
    project = models.CharField(_("八大工程"), max_length=16, choices=Project.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("帮扶措施类型")
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return self.name


class Plan(models.Model):
    """一户一策: a household's plan for a year — targets and planned measures."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="plans"
    )
    area_code = models.CharField(max_length=15)
    year = models.PositiveSmallIntegerField(_("年度"))
    income_target = models.DecimalField(_("人均纯收入目标(元)"), max_digits=12, decimal_places=2)
    # The exit clauses the household failed in the latest verdict when the plan was made.
    needs = models.JSONField(_("待解决的基本需求"), default=list)
    note = models.TextField(_("帮扶思路"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("帮扶计划")
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="plan_one_per_year")
        ]
        indexes = [models.Index(fields=["area_code"], name="plan_area")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"


class Participation(models.Model):
    """A household in an industry project, cooperative, micro-loan or dividend scheme."""

    class Kind(models.TextChoices):
        INDUSTRY_PROJECT = "industry_project", _("产业项目")
        COOPERATIVE = "cooperative", _("合作社")
        MICRO_LOAN = "micro_loan", _("扶贫小额信贷")
        PHOTOVOLTAIC = "photovoltaic", _("光伏收益")
        ASSET_DIVIDEND = "asset_dividend", _("资产收益分红")
        OTHER = "other", _("其他")

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="participations"
    )
    area_code = models.CharField(max_length=15)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("项目或组织名称"), max_length=100)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    # A loan's principal, shares bought, capacity allotted: what the household put in or got.
    amount = models.DecimalField(
        _("金额(元)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    income_field = models.CharField(_("收益计入"), max_length=16, choices=INCOME_FIELDS)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("产业带动与收益")
        indexes = [models.Index(fields=["area_code"], name="participation_area")]

    def __str__(self) -> str:
        return self.name


class ParticipationIncome(models.Model):
    """What a scheme brought a household in a year; it is added to that year's income."""

    participation = models.ForeignKey(
        Participation, on_delete=models.PROTECT, related_name="incomes"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("收益(元)"), max_digits=12, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participation", "year"], name="participation_income_one_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participation_id} {self.year}"


class Measure(models.Model):
    """One piece of help delivered to a household (帮扶措施账)."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="measures"
    )
    area_code = models.CharField(max_length=15)
    type = models.ForeignKey(MeasureType, on_delete=models.PROTECT, related_name="+")
    delivered_on = models.DateField(_("落实日期"))
    amount = models.DecimalField(
        _("金额(元)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    description = models.CharField(_("内容"), max_length=200)
    cadre = models.ForeignKey(
        Cadre, null=True, blank=True, on_delete=models.PROTECT, related_name="measures"
    )
    project_name = models.CharField(_("所属项目"), max_length=100, blank=True)
    participation = models.ForeignKey(
        Participation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("帮扶措施")
        indexes = [
            models.Index(fields=["area_code", "delivered_on"], name="measure_area"),
            models.Index(fields=["household", "delivered_on"], name="measure_household"),
        ]

    def __str__(self) -> str:
        return self.description


class PlannedMeasure(models.Model):
    """A measure a plan intends, by a date; delivered when a ledger entry is linked."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items")
    type = models.ForeignKey(MeasureType, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("内容"), max_length=200)
    due_on = models.DateField(_("计划完成日期"))
    amount = models.DecimalField(
        _("计划金额(元)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    delivered = models.OneToOneField(
        Measure, null=True, blank=True, on_delete=models.SET_NULL, related_name="planned"
    )

    class Meta:
        verbose_name = _("计划措施")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.description


class Visit(models.Model):
    """A visit or contact (民情日记): who, which household, when, what was seen."""

    class Mode(models.TextChoices):
        HOME = "home", _("入户走访")
        PHONE = "phone", _("电话联系")
        OTHER = "other", _("其他当面联系")

    cadre = models.ForeignKey(Cadre, on_delete=models.PROTECT, related_name="visits")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="visits"
    )
    area_code = models.CharField(max_length=15)
    visited_on = models.DateField(_("走访日期"))
    mode = models.CharField(_("方式"), max_length=8, choices=Mode.choices, default=Mode.HOME)
    seen = models.TextField(_("走访情况"))
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("走访记录")
        indexes = [
            models.Index(fields=["household", "visited_on"], name="visit_household"),
            models.Index(fields=["cadre", "household", "visited_on"], name="visit_cadre"),
            models.Index(fields=["area_code", "visited_on"], name="visit_area"),
        ]

    def __str__(self) -> str:
        return f"{self.cadre_id} {self.household_id} {self.visited_on}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="photos")
    original_name = models.CharField(max_length=200)
    path = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.original_name


class Concern(models.Model):
    """民情问题: raised by residents, routed to whoever must solve it, with a deadline,
    followed until the resident is told the outcome (收集 → 处理 → 反馈)."""

    class Level(models.TextChoices):
        VILLAGE = "village", _("村级")
        TOWNSHIP = "township", _("乡镇")
        DEPARTMENT = "department", _("县直部门")
        COUNTY = "county", _("县级")

    class Status(models.TextChoices):
        RAISED = "raised", _("已登记")
        ROUTED = "routed", _("已交办")
        RESOLVED = "resolved", _("已办结")
        TOLD = "told", _("已反馈群众")

    household = models.ForeignKey(
        "registry.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="concerns",
    )
    area_code = models.CharField(max_length=15)
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="concerns"
    )
    text = models.TextField(_("问题"))
    raised_on = models.DateField(_("登记日期"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.RAISED
    )
    level = models.CharField(_("交办层级"), max_length=12, choices=Level.choices, blank=True)
    department = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="concerns"
    )
    due_on = models.DateField(_("办理时限"), null=True, blank=True)
    escalations = models.PositiveSmallIntegerField(_("升级次数"), default=0)
    resolution = models.TextField(_("办理结果"), blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    told_on = models.DateField(_("反馈日期"), null=True, blank=True)
    told_note = models.TextField(_("反馈情况"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("民情问题")
        indexes = [
            models.Index(fields=["status", "area_code"], name="concern_status_area"),
            models.Index(fields=["status", "due_on"], name="concern_due"),
        ]

    def __str__(self) -> str:
        return self.text[:30]


class ConcernEvent(models.Model):
    """Each change of a concern: raised, routed, escalated, resolved, told."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.concern_id} {self.action}"


class WorkTeam(models.Model):
    """驻村工作队: one per registered village, led by the first secretary."""

    area_code = models.CharField(_("驻村"), max_length=12)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="teams"
    )
    starts_on = models.DateField(_("进驻日期"))
    ends_on = models.DateField(_("任期届满"))
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("驻村工作队")
        constraints = [
            models.UniqueConstraint(
                fields=["area_code"],
                condition=models.Q(is_active=True),
                name="team_one_active_per_village",
            )
        ]

    def __str__(self) -> str:
        return self.area_code


class TeamMember(models.Model):
    team = models.ForeignKey(WorkTeam, on_delete=models.PROTECT, related_name="members")
    cadre = models.ForeignKey(Cadre, on_delete=models.PROTECT, related_name="team_terms")
    is_leader = models.BooleanField(_("第一书记（队长）"), default=False)
    starts_on = models.DateField(_("进驻日期"))
    ends_on = models.DateField(_("离队日期"), null=True, blank=True)
    recalled = models.BooleanField(_("召回"), default=False)
    recall_grounds = models.TextField(_("召回理由"), blank=True)

    class Meta:
        verbose_name = _("工作队员")
        constraints = [
            models.UniqueConstraint(
                fields=["cadre"],
                condition=models.Q(ends_on__isnull=True),
                name="member_one_active_team",
            )
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.cadre_id}"


class Presence(models.Model):
    """驻村考勤: a day a team member was in the village."""

    member = models.ForeignKey(TeamMember, on_delete=models.PROTECT, related_name="presence")
    area_code = models.CharField(max_length=12)
    day = models.DateField(_("日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("驻村考勤")
        constraints = [
            models.UniqueConstraint(fields=["member", "day"], name="presence_one_per_day")
        ]
        indexes = [models.Index(fields=["area_code", "day"], name="presence_area")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.day}"


class Leave(models.Model):
    """A team member's leave: the township approves short ones, the county longer."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("未批准")

    member = models.ForeignKey(TeamMember, on_delete=models.PROTECT, related_name="leaves")
    area_code = models.CharField(max_length=12)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    days = models.PositiveSmallIntegerField(_("天数"))
    reason = models.TextField(_("事由"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    # the level that must decide: "township" or "county"
    approver_level = models.CharField(max_length=10)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("请假")

    def __str__(self) -> str:
        return f"{self.member_id} {self.starts_on}"


class Notification(models.Model):
    """An in-app notice to one user: a new pairing, a concern assigned, something overdue."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=24)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user")]

    def __str__(self) -> str:
        return self.text

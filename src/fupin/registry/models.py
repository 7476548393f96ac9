"""The registry (建档立卡): households, members, yearly incomes and their history."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

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


class Household(models.Model):
    number = models.CharField(_("户编号"), max_length=32)
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区划")
    )
    # The area's code, copied so that scoping is one indexed range without a join.
    area_code = models.CharField(_("区划代码"), max_length=15)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    standard = models.CharField(
        _("识别标准"), max_length=16, choices=Standard.choices, default=Standard.NATIONAL
    )
    household_type = models.CharField(
        _("贫困户属性"),
        max_length=16,
        choices=HouseholdType.choices,
        default=HouseholdType.ORDINARY,
    )
    main_cause = models.CharField(_("主要致贫原因"), max_length=16, choices=Cause.choices)
    other_causes = models.JSONField(_("其他致贫原因"), default=list, blank=True)
    housing_area = models.DecimalField(
        _("住房面积(㎡)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    danger_grade = models.CharField(
        _("危房等级"), max_length=4, choices=DangerGrade.choices, default=DangerGrade.NONE
    )
    relocated = models.BooleanField(_("是否易地搬迁"), default=False)
    safe_water = models.BooleanField(_("饮水是否安全"), default=True)
    has_electricity = models.BooleanField(_("是否通生活用电"), default=True)
    road_distance_km = models.DecimalField(
        _("距村主干路距离(公里)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("户状态"),
        max_length=16,
        choices=HouseholdStatus.choices,
        default=HouseholdStatus.NOT_EXITED,
    )
    identified_year = models.PositiveSmallIntegerField(_("识别年度"), null=True, blank=True)
    exited_year = models.PositiveSmallIntegerField(_("脱贫年度"), null=True, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("户")
        constraints = [
            # 户编号 is unique within a county (the first six digits of the code).
            models.UniqueConstraint(
                Substr("area_code", 1, 6), "number", name="household_number_unique_in_county"
            ),
            models.CheckConstraint(
                condition=Q(exited_year__isnull=True)
                | Q(identified_year__isnull=True)
                | Q(exited_year__gte=models.F("identified_year")),
                name="household_exit_after_identification",
            ),
        ]
        indexes = [
            models.Index(fields=["area_code", "id"], name="household_scope_order"),
            models.Index(fields=["status", "area_code", "id"], name="household_status_scope"),
            models.Index(fields=["number"], name="household_number"),
        ]

    def __str__(self) -> str:
        return self.number


class Member(models.Model):
    # Indexed by member_household (household, relation); a second index would only slow loads.
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="members", db_index=False
    )
    name = models.CharField(_("姓名"), max_length=64)
    sex = models.CharField(_("性别"), max_length=8, choices=Sex.choices)
    id_number = models.CharField(_("证件号码"), max_length=22)
    relation = models.CharField(_("与户主关系"), max_length=16, choices=Relation.choices)
    ethnicity = models.CharField(_("民族"), max_length=16, default="汉族")
    education = models.CharField(
        _("文化程度"), max_length=16, choices=Education.choices, blank=True
    )
    schooling = models.CharField(_("在校生状况"), max_length=16, blank=True)
    health = models.CharField(
        _("健康状况"), max_length=16, choices=Health.choices, default=Health.HEALTHY
    )
    labour = models.CharField(
        _("劳动能力"), max_length=16, choices=Labour.choices, default=Labour.ORDINARY
    )
    migrant_status = models.CharField(
        _("务工状况"), max_length=16, choices=MigrantStatus.choices, default=MigrantStatus.NONE
    )
    migrant_months = models.PositiveSmallIntegerField(_("务工时间(月)"), default=0)
    medical_insurance = models.BooleanField(_("是否参加基本医疗保险"), default=True)
    serious_illness_insurance = models.BooleanField(_("是否参加大病保险"), default=True)
    pension_insurance = models.BooleanField(_("是否参加基本养老保险"), default=False)
    dibao = models.BooleanField(_("是否享受低保"), default=False)
    tekun = models.BooleanField(_("是否特困供养"), default=False)
    is_active = models.BooleanField(_("在户"), default=True)
    # Search keys kept by the services: full pinyin, initials, and the ID reversed so that
    # "last digits of the ID" is an indexed prefix search.
    name_pinyin = models.CharField(max_length=128, blank=True)
    name_initials = models.CharField(max_length=32, blank=True)
    id_reversed = models.CharField(max_length=22, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("家庭成员")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=Q(is_active=True),
                name="member_one_active_household",
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(is_active=True, relation="head"),
                name="member_one_head",
            ),
        ]
        indexes = [
            models.Index(fields=["household", "relation"], name="member_household"),
            models.Index(fields=["name"], name="member_name"),
            models.Index(fields=["name_initials"], name="member_initials"),
            models.Index(fields=["name_pinyin"], name="member_pinyin"),
            models.Index(fields=["id_reversed"], name="member_id_reversed"),
            # For the policy engine: active members per household as an index-only count,
            # and the few members behind a member-level reason (uninsured, out of school)
            # without reading every member. Its SQL repeats these conditions word for word.
            models.Index(
                fields=["household"], name="member_active_household", condition=Q(is_active=True)
            ),
            models.Index(
                fields=["household"],
                name="member_policy_findings",
                condition=Q(is_active=True)
                & (Q(medical_insurance=False) | Q(schooling="非在校生")),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IncomeRecord(models.Model):
    """One year's household income (POLICY.md §2): five components and the size it divides by."""

    # Indexed by the unique (household, year) constraint.
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="incomes", db_index=False
    )
    year = models.PositiveSmallIntegerField(_("收入年度"))
    wage = models.DecimalField(_("工资性收入"), max_digits=12, decimal_places=2, default=Decimal(0))
    business = models.DecimalField(
        _("生产经营性收入"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    property_income = models.DecimalField(
        _("财产性收入"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    transfer = models.DecimalField(
        _("转移性收入"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    business_costs = models.DecimalField(
        _("生产经营性支出"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    household_size = models.PositiveSmallIntegerField(_("家庭人口"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("收入")
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="income_one_per_year"),
            models.CheckConstraint(
                condition=Q(
                    wage__gte=0,
                    business__gte=0,
                    property_income__gte=0,
                    transfer__gte=0,
                    business_costs__gte=0,
                    household_size__gte=1,
                ),
                name="income_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"

    @property
    def net_income(self) -> Decimal:
        return (
            self.wage + self.business + self.property_income + self.transfer - self.business_costs
        )

    @property
    def net_income_per_capita(self) -> Decimal:
        """人均纯收入 = (工资性+经营性+财产性+转移性−生产经营性支出)/家庭人口."""
        return (self.net_income / self.household_size).quantize(Decimal("0.01"))


class HouseholdExpense(models.Model):
    """One year's rigid expenses of a household (刚性支出): what monitoring weighs against income."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="expenses", db_index=False
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    medical = models.DecimalField(
        _("医疗支出"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    schooling = models.DecimalField(
        _("教育支出"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("刚性支出")
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="expense_one_per_year"),
            models.CheckConstraint(
                condition=Q(medical__gte=0, schooling__gte=0), name="expense_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"

    @property
    def total(self) -> Decimal:
        return self.medical + self.schooling


class HardshipEvent(models.Model):
    """A recorded hardship (突发困难): serious illness, accident, disaster, job loss."""

    class Kind(models.TextChoices):
        SERIOUS_ILLNESS = "serious_illness", _("重大疾病")
        ACCIDENT = "accident", _("意外事故")
        DISASTER = "disaster", _("自然灾害")
        JOB_LOSS = "job_loss", _("失业")
        OTHER = "other", _("其他")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="hardships", db_index=False
    )
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    occurred_on = models.DateField(_("发生日期"))
    loss = models.DecimalField(
        _("损失或支出(元)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    description = models.TextField(_("情况说明"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("困难事件")
        indexes = [
            models.Index(fields=["household", "occurred_on"], name="hardship_household"),
            models.Index(fields=["occurred_on"], name="hardship_date"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind} {self.occurred_on}"


class HouseholdChange(models.Model):
    """One entry of a household's history: never updated, never deleted."""

    class Action(models.TextChoices):
        CREATE = "create", _("建档")
        UPDATE = "update", _("修改户信息")
        DEACTIVATE = "deactivate", _("注销")
        MEMBER_ADD = "member_add", _("增加成员")
        MEMBER_UPDATE = "member_update", _("修改成员")
        MEMBER_REMOVE = "member_remove", _("减少成员")
        INCOME_SET = "income_set", _("登记收入")
        EXPENSE_SET = "expense_set", _("登记刚性支出")
        HARDSHIP_ADD = "hardship_add", _("登记困难事件")
        IMPORT = "import", _("导入")

    # Indexed by change_household (household, at).
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="changes", db_index=False
    )
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    # {field: [old, new]} with values as stored (choice keys, ISO numbers).
    changes = models.JSONField(default=dict)
    reason = models.TextField(_("原因"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["household", "at"], name="change_household")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.action} {self.at}"

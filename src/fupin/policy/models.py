"""Standards as data, evaluation runs and their results.

A *standard* is the set of policy numbers of one region from one year on: the national
one (region ``""``) or an override for a province, city or county (region = the code
prefix). Each edit adds a version; nothing is overwritten. A *run* judges every household
under a scope for a year with the standards in force, and keeps what it found: one
verdict row per household (the values it judged on, the failed clauses, the monitoring
category), one row per member behind a member-level reason, one row per area roll-up.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyStandard(models.Model):
    year = models.PositiveSmallIntegerField(_("起始年度"))
    # "" = national; otherwise the prefix (2, 4 or 6 digits) of the area it applies under.
    region = models.CharField(_("适用区划"), max_length=12, blank=True)
    region_name = models.CharField(_("区划名称"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("政策标准")
        ordering = ["region", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="standard_region_year")
        ]

    def __str__(self) -> str:
        return f"{self.region or 'national'} {self.year}"

    @property
    def is_national(self) -> bool:
        return self.region == ""


class StandardVersion(models.Model):
    standard = models.ForeignKey(PolicyStandard, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本"))
    # National: every parameter; override: only those it changes (see policy.params).
    params = models.JSONField(_("参数"))
    note = models.CharField(_("修改说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("标准版本")
        ordering = ["standard", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "number"], name="standard_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.standard} v{self.number}"


class VillageFacts(models.Model):
    """What a village's exit needs beyond its households: collective income, infrastructure."""

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    collective_income = models.DecimalField(
        _("村集体经济收入(元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    hard_road = models.BooleanField(_("通硬化路"), null=True, blank=True)
    safe_water = models.BooleanField(_("安全饮水"), null=True, blank=True)
    electricity = models.BooleanField(_("通生活用电"), null=True, blank=True)
    clinic = models.BooleanField(_("标准化卫生室"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("村情数据")
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="village_facts_one_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year}"


class CountyAssessment(models.Model):
    """Third-party evaluation figures of a county's exit; any of them may be missing."""

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    wrong_exit_rate = models.DecimalField(
        _("错退率"), max_digits=6, decimal_places=4, null=True, blank=True
    )
    miss_rate = models.DecimalField(
        _("漏评率"), max_digits=6, decimal_places=4, null=True, blank=True
    )
    approval_rate = models.DecimalField(
        _("群众认可度"), max_digits=6, decimal_places=4, null=True, blank=True
    )
    missed_people = models.PositiveIntegerField(_("漏评人数"), null=True, blank=True)
    wrongly_exited_people = models.PositiveIntegerField(_("错退人数"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("第三方评估")
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="county_assessment_one_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year}"


class EvaluationRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("评估中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("出错（可重新运行）")

    year = models.PositiveSmallIntegerField(_("评估年度"))
    scope_prefix = models.CharField(_("评估范围"), max_length=12)
    scope_name = models.CharField(_("范围名称"), max_length=64, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # {region: {"standard": id, "version": id, "number": n}} for every standard in force.
    standards = models.JSONField(_("所用标准版本"), default=dict)
    # {region: merged params}: what each part of the scope was judged by.
    params = models.JSONField(_("参数快照"), default=dict)
    summary = models.JSONField(_("汇总"), default=dict)
    progress = models.JSONField(_("进度"), default=dict)
    error = models.TextField(_("错误"), blank=True)
    seconds = models.FloatField(_("用时(秒)"), null=True, blank=True)

    class Meta:
        verbose_name = _("评估批次")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["scope_prefix", "year"], name="run_scope_year")]

    def __str__(self) -> str:
        return f"run {self.pk} {self.scope_prefix} {self.year}"


class HouseholdVerdict(models.Model):
    """One household in one run: the values judged, the failed clauses, the category."""

    pk = models.CompositePrimaryKey("run_id", "household_id")
    # Indexed by the primary key (run, household); a second index would slow every run.
    # No database-level constraint either: checking a million rows' run at commit costs
    # seconds, and rows are only ever written by the run itself and deleted with it.
    run = models.ForeignKey(
        EvaluationRun,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # No FK constraint: a run is a record of its time and may outlive an edited registry.
    household_id = models.BigIntegerField()
    area_code = models.CharField(max_length=15)
    # 0 registered poor (未脱贫/返贫), 1 exited, 2 never registered (监测 only).
    status_group = models.SmallIntegerField()
    people = models.IntegerField()
    per_capita = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    net_income = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    expenses = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    danger_grade = models.CharField(max_length=4)
    # Raw facts, whatever the standard requires (engine.F_*), so a what-if can re-apply.
    facts = models.IntegerField()
    # Failed exit clauses under the run's standard (engine.C_*); 0 = meets the standard.
    exit_fails = models.IntegerField()
    # Monitoring risks found (engine.R_*) and the resulting category ("" = none).
    risks = models.IntegerField()
    category = models.CharField(max_length=12)

    class Meta:
        verbose_name = _("户评估结果")
        indexes = [models.Index(fields=["run", "area_code"], name="verdict_run_area")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.household_id}"


class MemberFinding(models.Model):
    """A member behind a member-level reason (a child out of school, an uninsured member)."""

    # No database-level constraint either: checking a million rows' run at commit costs
    # seconds, and rows are only ever written by the run itself and deleted with it.
    run = models.ForeignKey(
        EvaluationRun,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    household_id = models.BigIntegerField()
    member_id = models.BigIntegerField()
    age = models.SmallIntegerField(null=True)
    facts = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["run", "household_id"], name="finding_run_household")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.member_id}"


class AreaResult(models.Model):
    """A village's, township's or county's figures and exit verdict in one run."""

    class Verdict(models.TextChoices):
        PASS = "pass", _("达到退出标准")
        FAIL = "fail", _("未达到退出标准")
        PENDING = "pending", _("数据不全，待定")
        NONE = "none", _("不评定")

    run = models.ForeignKey(
        EvaluationRun, on_delete=models.CASCADE, related_name="areas", db_index=False
    )
    area_code = models.CharField(max_length=12)
    level = models.CharField(max_length=16)
    households = models.IntegerField(default=0)
    people = models.IntegerField(default=0)
    poor_households = models.IntegerField(default=0)
    poor_people = models.IntegerField(default=0)
    remaining_poor_people = models.IntegerField(default=0)
    rural_population = models.IntegerField(null=True)
    meets_exit = models.IntegerField(default=0)
    exit_candidates = models.IntegerField(default=0)
    failing_exited = models.IntegerField(default=0)
    # {clause: households failing it}, {category: households}
    clause_counts = models.JSONField(default=dict)
    category_counts = models.JSONField(default=dict)
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    # [{"code": ..., "state": pass|fail|missing, "value": ..., "limit": ...}]
    reasons = models.JSONField(default=list)
    # The village's facts (collective income, infrastructure) as judged, for the what-if.
    facts = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "area_code"], name="area_result_unique")
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.area_code}"

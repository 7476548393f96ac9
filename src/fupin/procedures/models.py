"""Procedures (a household's identification, exit, return, monitoring, risk clearing),
their recorded steps, public notices and objections. Rows are only ever added, except a
procedure's current step and an objection's resolution, which services change."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.procedures.definitions import DEFINITIONS, Definition


class Procedure(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("进行中")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已终止")

    kind = models.CharField(
        _("程序"), max_length=16, choices=[(k, d.label) for k, d in DEFINITIONS.items()]
    )
    # None for a village's own procedure (village exit): area_code is then the village.
    household = models.ForeignKey(
        "registry.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="procedures",
    )
    area_code = models.CharField(_("区划代码"), max_length=15)
    # The last step completed (definitions.DEFINITIONS[kind].steps).
    step = models.CharField(_("当前步骤"), max_length=32)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.OPEN)
    source = models.CharField(_("来源"), max_length=32, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_on = models.DateField(_("开始日期"))
    due_on = models.DateField(_("办结时限"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("程序")
        indexes = [
            models.Index(fields=["state", "area_code"], name="procedure_state_area"),
            models.Index(fields=["household", "kind"], name="procedure_household"),
        ]
        constraints = [
            # one open procedure of a kind per household
            models.UniqueConstraint(
                fields=["household", "kind"],
                condition=models.Q(state="open"),
                name="procedure_one_open_per_kind",
            ),
            models.UniqueConstraint(
                fields=["area_code", "kind"],
                condition=models.Q(state="open", household__isnull=True),
                name="procedure_one_open_per_village",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.household_id or self.area_code} {self.step}"

    @property
    def definition(self) -> Definition:
        return DEFINITIONS[self.kind]


class Notice(models.Model):
    """A public notice (公示) of one or many households' step, e.g. a village's batch."""

    kind = models.CharField(_("程序"), max_length=16)
    step = models.CharField(_("步骤"), max_length=32)
    area_code = models.CharField(_("区划代码"), max_length=15)
    title = models.CharField(_("标题"), max_length=200)
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示截止"))
    day_kind = models.CharField(_("计日方式"), max_length=12)
    days = models.PositiveSmallIntegerField(_("公示天数"))
    # False when the period reaches a year the holiday calendar does not cover yet.
    calendar_known = models.BooleanField(default=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)
    procedures = models.ManyToManyField(Procedure, related_name="notices")

    class Meta:
        verbose_name = _("公示")
        indexes = [models.Index(fields=["area_code", "ends_on"], name="notice_area")]

    def __str__(self) -> str:
        return self.title


class Objection(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="objections")
    channel = models.CharField(_("渠道"), max_length=16)  # public | in_person
    # Who objects may stay anonymous on the public page; kept only for the follow-up.
    name = models.CharField(_("姓名"), max_length=64, blank=True)
    contact = models.CharField(_("联系方式"), max_length=64, blank=True)
    text = models.TextField(_("异议内容"))
    # The public page's visitor: a keyed hash of the client address and a cookie, never
    # the address itself; it bounds how many objections one visitor raises a day.
    visitor = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    raised_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    finding = models.TextField(_("核查结论"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("异议")
        indexes = [
            models.Index(fields=["procedure", "status"], name="objection_procedure"),
            models.Index(fields=["visitor", "raised_at"], name="objection_visitor"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.procedure_id} {self.status}"


class ProcedureStep(models.Model):
    """One step done (or undone by an upheld objection): who, when, what was noted."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="steps")
    step = models.CharField(_("步骤"), max_length=32)
    action = models.CharField(max_length=16, default="done")  # done | reopened | cancelled
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(_("说明"), blank=True)
    notice = models.ForeignKey(Notice, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["procedure", "at"], name="step_procedure")]

    def __str__(self) -> str:
        return f"{self.procedure_id} {self.step} {self.action}"


class Evidence(models.Model):
    """A file behind a step: meeting minutes, a vote, a signed agreement, a photo. Stored
    under a name fupin makes, never the uploader's; type checked by its content."""

    step = models.ForeignKey(ProcedureStep, on_delete=models.PROTECT, related_name="evidence")
    original_name = models.CharField(_("原文件名"), max_length=200)
    path = models.CharField(max_length=200)  # relative to MEDIA_ROOT
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("证明材料")

    def __str__(self) -> str:
        return self.original_name

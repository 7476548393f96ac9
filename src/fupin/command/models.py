"""The command system (作战指挥部): county and township HQs with their commander, deputies
and working groups (one per 五个一批 line by default), and the leaders' contact points
(领导蹲点, 两联一包, 挂牌督战) that make a named leader answerable for a township or village.

Every row carries the area code it belongs to, so that scoping is one prefix filter."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Leader(models.Model):
    """A leading cadre who can command, head a group or answer for an area: county leaders
    (县"四大家"领导), city leaders sent for listed supervision, township leaders."""

    class Level(models.TextChoices):
        CITY = "city", _("市级领导")
        COUNTY = "county", _("县级领导")
        TOWNSHIP = "township", _("乡镇领导")

    name = models.CharField(_("姓名"), max_length=64)
    post = models.CharField(_("职务"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    # The area the leader serves in (a county for county leaders); scoping is by this code.
    area_code = models.CharField(_("所在区划"), max_length=12)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    is_active = models.BooleanField(_("在任"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("领导干部")
        indexes = [models.Index(fields=["area_code"], name="leader_area")]

    def __str__(self) -> str:
        return f"{self.name}（{self.post}）"


class Command(models.Model):
    """指挥部: one per county and per township."""

    area_code = models.CharField(_("区划"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("指挥部")

    def __str__(self) -> str:
        return self.name


class CommandPost(models.Model):
    """A leader's place in an HQ and what they answer for."""

    class Role(models.TextChoices):
        COMMANDER = "commander", _("指挥长")
        DEPUTY = "deputy", _("副指挥长")
        OFFICE_DIRECTOR = "office_director", _("办公室主任")
        MEMBER = "member", _("成员")

    command = models.ForeignKey(Command, on_delete=models.CASCADE, related_name="posts")
    leader = models.ForeignKey(Leader, on_delete=models.PROTECT, related_name="command_posts")
    role = models.CharField(_("职责"), max_length=16, choices=Role.choices)
    duty = models.CharField(_("分工"), max_length=200, blank=True)
    ordering = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("指挥部成员")
        ordering = ["ordering", "id"]
        constraints = [
            models.UniqueConstraint(fields=["command", "leader"], name="command_post_unique"),
            # one commander per HQ
            models.UniqueConstraint(
                fields=["command"],
                condition=models.Q(role="commander"),
                name="command_one_commander",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.command_id} {self.leader_id} {self.role}"


class Line(models.TextChoices):
    """五个一批: the default working groups of an HQ."""

    PRODUCTION = "production", _("发展生产脱贫一批")
    RELOCATION = "relocation", _("易地搬迁脱贫一批")
    ECOLOGY = "ecology", _("生态补偿脱贫一批")
    EDUCATION = "education", _("发展教育脱贫一批")
    SECURITY = "security", _("社会保障兜底一批")
    OTHER = "other", _("其他专项")


class WorkingGroup(models.Model):
    """工作组 (专项工作组): a line of work with its head, lead unit and member units."""

    command = models.ForeignKey(Command, on_delete=models.CASCADE, related_name="groups")
    line = models.CharField(_("工作线"), max_length=12, choices=Line.choices)
    name = models.CharField(_("工作组名称"), max_length=100)
    head = models.ForeignKey(
        Leader,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="groups_headed",
        verbose_name=_("组长"),
    )
    lead_unit = models.ForeignKey(
        "assistance.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="groups_led",
        verbose_name=_("牵头单位"),
    )
    units = models.ManyToManyField(
        "assistance.Unit", blank=True, related_name="groups", verbose_name=_("成员单位")
    )
    duties = models.TextField(_("职责"), blank=True)
    ordering = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("工作组")
        ordering = ["ordering", "id"]
        constraints = [
            models.UniqueConstraint(fields=["command", "name"], name="working_group_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ContactPoint(models.Model):
    """A leader answerable for an area (联系点): a township (2–4 county leaders each), a key
    poor village (one leader each), weak villages (1–3 per leader), or listed supervision
    (挂牌督战) of a county or village with high incidence."""

    class Kind(models.TextChoices):
        TOWNSHIP = "township", _("联系乡镇")
        KEY_VILLAGE = "key_village", _("联系重点贫困村")
        WEAK_VILLAGE = "weak_village", _("联系软弱涣散村")
        LISTED = "listed", _("挂牌督战")

    leader = models.ForeignKey(Leader, on_delete=models.PROTECT, related_name="contact_points")
    kind = models.CharField(_("类型"), max_length=14, choices=Kind.choices)
    area_code = models.CharField(_("联系区划"), max_length=12)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("领导联系点")
        indexes = [models.Index(fields=["area_code"], name="contact_point_area")]
        constraints = [
            models.UniqueConstraint(
                fields=["leader", "kind", "area_code"],
                condition=models.Q(ends_on__isnull=True),
                name="contact_point_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.leader_id} {self.kind} {self.area_code}"

"""Party organisations and members (党组织, 党员): branches of villages, units, cooperatives
and enterprises (支部建在产业链上) and the economic bodies each covers; a file per member
(政治生活档案) built from recorded facts: meetings of 三会一课 attended, commendations and
sanctions, the demonstration household (党员示范户), and, through the member's cadre
record, pairings, visits and concerns solved. The vanguard index (先锋指数) is computed
from these facts (selectors), never stored by hand.

Every row carries the area code it belongs to, so that scoping is one prefix filter."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.registry.choices import Education


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class PartyOrganisation(models.Model):
    """党组织: a committee, general branch or branch, and where it is built."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("党委")
        GENERAL_BRANCH = "general_branch", _("党总支")
        BRANCH = "branch", _("党支部")

    class Base(models.TextChoices):
        VILLAGE = "village", _("村（社区）")
        UNIT = "unit", _("机关事业单位")
        COOPERATIVE = "cooperative", _("农民专业合作社")
        ENTERPRISE = "enterprise", _("企业")
        OTHER = "other", _("其他")

    name = models.CharField(_("组织名称"), max_length=100)
    kind = models.CharField(_("组织类别"), max_length=16, choices=Kind.choices)
    base = models.CharField(_("建在"), max_length=12, choices=Base.choices)
    area_code = models.CharField(_("所在区划"), max_length=12)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级党组织"),
    )
    unit = models.ForeignKey(
        "assistance.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_organisations",
        verbose_name=_("所在单位"),
    )
    secretary_name = models.CharField(_("书记"), max_length=64, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("党组织")
        indexes = [models.Index(fields=["area_code"], name="party_org_area")]
        constraints = [
            models.UniqueConstraint(fields=["area_code", "name"], name="party_org_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class EconomicBody(models.Model):
    """An economic body a branch can be built on: a cooperative, a leading enterprise, a
    family farm, the village collective."""

    class Kind(models.TextChoices):
        COOPERATIVE = "cooperative", _("农民专业合作社")
        ENTERPRISE = "enterprise", _("龙头企业")
        FAMILY_FARM = "family_farm", _("家庭农场")
        COLLECTIVE = "collective", _("村集体经济组织")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    area_code = models.CharField(_("所在区划"), max_length=12)
    industry = models.CharField(_("主导产业"), max_length=64, blank=True)
    poor_households = models.PositiveIntegerField(_("带动贫困户数"), default=0)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # 党组织覆盖: the organisations that cover this body
    organisations = models.ManyToManyField(
        PartyOrganisation, blank=True, related_name="bodies", verbose_name=_("覆盖的党组织")
    )

    class Meta:
        verbose_name = _("经济组织")
        indexes = [models.Index(fields=["area_code"], name="economic_body_area")]
        constraints = [
            models.UniqueConstraint(fields=["area_code", "name"], name="economic_body_unique")
        ]

    def __str__(self) -> str:
        return self.name


class PartyMember(models.Model):
    """党员: one file per member. ``cadre`` links the member's assistance work (pairings,
    visits, concerns) when the member is also a cadre."""

    name = models.CharField(_("姓名"), max_length=64)
    organisation = models.ForeignKey(
        PartyOrganisation, on_delete=models.PROTECT, related_name="members"
    )
    # copied from the organisation so that scoping is one prefix filter
    area_code = models.CharField(_("所在区划"), max_length=12)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    education = models.CharField(_("文化程度"), max_length=16, choices=Education.choices)
    joined_on = models.DateField(_("入党日期"))
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    cadre = models.OneToOneField(
        "assistance.Cadre",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_member",
        verbose_name=_("帮扶干部档案"),
    )
    household = models.ForeignKey(
        "registry.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_members",
        verbose_name=_("所在农户"),
    )
    is_demonstration_household = models.BooleanField(_("党员示范户"), default=False)
    is_business_leader = models.BooleanField(_("党员致富带头人"), default=False)
    households_led = models.PositiveIntegerField(_("带动户数"), default=0)
    is_active = models.BooleanField(_("在册"), default=True)
    left_on = models.DateField(_("转出日期"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("党员")
        indexes = [models.Index(fields=["area_code"], name="party_member_area")]

    def __str__(self) -> str:
        return self.name


class Meeting(models.Model):
    """A meeting of 三会一课 or a theme Party day (主题党日), with its attendance."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("支部党员大会")
        COMMITTEE = "committee", _("支部委员会")
        GROUP = "group", _("党小组会")
        LECTURE = "lecture", _("党课")
        THEME_DAY = "theme_day", _("主题党日")

    organisation = models.ForeignKey(
        PartyOrganisation, on_delete=models.PROTECT, related_name="meetings"
    )
    area_code = models.CharField(max_length=12)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    held_on = models.DateField(_("日期"))
    topic = models.CharField(_("主题"), max_length=200)
    attendees = models.ManyToManyField(
        PartyMember, blank=True, related_name="meetings_attended", verbose_name=_("参会党员")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("组织生活会议")
        indexes = [models.Index(fields=["area_code", "held_on"], name="meeting_area_day")]

    def __str__(self) -> str:
        return self.topic


class MemberRecord(models.Model):
    """A commendation (表彰) or sanction (处分) in a member's file, with its grounds."""

    class Kind(models.TextChoices):
        COMMENDATION = "commendation", _("表彰")
        SANCTION = "sanction", _("处分")

    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="records")
    area_code = models.CharField(max_length=12)
    kind = models.CharField(_("类型"), max_length=14, choices=Kind.choices)
    on = models.DateField(_("日期"))
    title = models.CharField(_("名称"), max_length=200)
    grounds = models.TextField(_("事由"))
    issued_by = models.CharField(_("决定机关"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("奖惩记录")
        indexes = [models.Index(fields=["area_code", "on"], name="member_record_area")]

    def __str__(self) -> str:
        return self.title

"""The enumerations of the registry, with the labels of IMPORT_TEMPLATE.md as Chinese text."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Standard(models.TextChoices):
    NATIONAL = "national", _("国家")
    PROVINCIAL = "provincial", _("省定")
    MUNICIPAL = "municipal", _("市定")


class HouseholdType(models.TextChoices):
    ORDINARY = "ordinary", _("一般贫困户")
    DIBAO = "dibao", _("低保贫困户")
    TEKUN = "tekun", _("特困供养贫困户")


class Cause(models.TextChoices):
    ILLNESS = "illness", _("因病")
    DISABILITY = "disability", _("因残")
    SCHOOLING = "schooling", _("因学")
    DISASTER = "disaster", _("因灾")
    LACK_LAND = "lack_land", _("缺土地")
    LACK_WATER = "lack_water", _("缺水")
    LACK_SKILLS = "lack_skills", _("缺技术")
    LACK_LABOUR = "lack_labour", _("缺劳力")
    LACK_FUNDS = "lack_funds", _("缺资金")
    POOR_TRANSPORT = "poor_transport", _("交通条件落后")
    LACK_DRIVE = "lack_drive", _("自身发展动力不足")
    OTHER = "other", _("其它")


class DangerGrade(models.TextChoices):
    NONE = "none", _("无")
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class HouseholdStatus(models.TextChoices):
    NOT_EXITED = "not_exited", _("未脱贫")
    EXITED = "exited", _("已脱贫")
    RETURNED = "returned", _("返贫")
    MONITORED = "monitored", _("监测户")
    RISK_CLEARED = "risk_cleared", _("已消除风险")
    UNREGISTERED = "unregistered", _("非建档立卡")


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    SON = "son", _("之子")
    DAUGHTER = "daughter", _("之女")
    DAUGHTER_IN_LAW = "daughter_in_law", _("之儿媳")
    SON_IN_LAW = "son_in_law", _("之女婿")
    GRANDSON = "grandson", _("之孙子")
    GRANDDAUGHTER = "granddaughter", _("之孙女")
    FATHER = "father", _("之父")
    MOTHER = "mother", _("之母")
    OTHER = "other", _("其他")


class Education(models.TextChoices):
    ILLITERATE = "illiterate", _("文盲或半文盲")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    COLLEGE = "college", _("大专及以上")
    PRESCHOOL_CHILD = "preschool_child", _("学龄前儿童")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("健康")
    CHRONIC = "chronic", _("长期慢性病")
    SERIOUS = "serious", _("患有大病")
    DISABLED = "disabled", _("残疾")


class Labour(models.TextChoices):
    ORDINARY = "ordinary", _("普通劳动力")
    SKILLED = "skilled", _("技能劳动力")
    LOST = "lost", _("丧失劳动力")
    NONE = "none", _("无劳动力")


class MigrantStatus(models.TextChoices):
    IN_COUNTY = "in_county", _("县内务工")
    IN_PROVINCE = "in_province", _("县外省内务工")
    OUT_OF_PROVINCE = "out_of_province", _("省外务工")
    NONE = "none", _("未务工")

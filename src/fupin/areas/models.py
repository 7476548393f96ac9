from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PovertyStatus(models.TextChoices):
    NONE = "", _("非贫困村")
    POOR = "poor", _("贫困村")
    EXITED = "exited", _("已退出贫困村")


class Area(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        PREFECTURE = "prefecture", _("市")
        COUNTY = "county", _("县")
        TOWNSHIP = "township", _("乡镇")
        VILLAGE = "village", _("行政村")
        GROUP = "group", _("村民小组")

    code = models.CharField(_("区划代码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    boundary = models.JSONField(_("边界(GeoJSON)"), null=True, blank=True)
    # 农村户籍人口: the denominator of the incidence rate (贫困发生率) of a village.
    rural_population = models.PositiveIntegerField(_("农村户籍人口"), null=True, blank=True)
    # A village registered as poor (贫困村), and when it left the list by the village
    # exit procedure. Blank for every other area.
    poverty_status = models.CharField(
        _("贫困村状态"), max_length=8, choices=PovertyStatus.choices, blank=True, default=""
    )
    poverty_identified_year = models.PositiveSmallIntegerField(
        _("贫困村识别年度"), null=True, blank=True
    )
    poverty_exited_year = models.PositiveSmallIntegerField(
        _("贫困村退出年度"), null=True, blank=True
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def prefix(self) -> str:
        from fupin.areas.codes import PREFIX_LENGTH

        return self.code[: PREFIX_LENGTH[self.level]]

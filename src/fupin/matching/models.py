"""First-secretary matching (因村派人、因人定村、人岗相适): candidates' profiles (skills,
background, languages), villages' profiles (main industries, ethnic composition,
distance), a matching round scored by explained criteria and solved as an optimal
one-to-one assignment under excluded and fixed pairs, the officer's accept or override,
and the postings that follow with their terms, yearly appraisal and recall.

Every row carries the area code it belongs to, so that scoping is one prefix filter."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Background(models.TextChoices):
    AGRICULTURE = "agriculture", _("农业农村")
    PARTY = "party", _("党务组织")
    ECONOMY = "economy", _("经济管理")
    LAW = "law", _("政法信访")
    SOCIAL = "social", _("教育卫生社保")
    TECHNICAL = "technical", _("工程技术")
    OTHER = "other", _("其他")


class VillageProfile(models.Model):
    """What a village needs, as far as matching goes. Incidence and whether its branch is
    weak are read from the registry and the weak-branch cases, not kept here."""

    area_code = models.CharField(_("村"), max_length=12, unique=True)
    # comma-separated tags, e.g. "茶叶,养殖"
    industries = models.CharField(_("主导产业"), max_length=200, blank=True)
    # the minority language most residents speak, blank where it is Mandarin
    ethnic_language = models.CharField(_("主要少数民族语言"), max_length=32, blank=True)
    minority_share = models.PositiveSmallIntegerField(_("少数民族人口占比（%）"), default=0)
    distance_km = models.PositiveIntegerField(_("距县城（公里）"), default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("村情画像")

    def __str__(self) -> str:
        return self.area_code


class Candidate(models.Model):
    """A cadre put forward for first secretary, and what they bring."""

    cadre = models.OneToOneField(
        "assistance.Cadre", on_delete=models.PROTECT, related_name="candidacy"
    )
    # the cadre's area, for scoping
    area_code = models.CharField(max_length=12)
    # comma-separated tags, matched against the villages' industries
    skills = models.CharField(_("专长"), max_length=200, blank=True)
    background = models.CharField(_("工作背景"), max_length=12, choices=Background.choices)
    # comma-separated, besides Mandarin
    languages = models.CharField(_("通晓语言"), max_length=100, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"))
    is_available = models.BooleanField(_("可选派"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("第一书记人选")
        indexes = [models.Index(fields=["area_code"], name="candidate_area")]

    def __str__(self) -> str:
        return str(self.cadre_id)


class MatchRound(models.Model):
    """One matching exercise over a set of villages and candidates, with the weights of
    its criteria (copied from the standard in force, adjustable by the officer)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待求解")
        SOLVED = "solved", _("已求解")
        ACCEPTED = "accepted", _("已确认")

    area_code = models.CharField(_("区划"), max_length=12)
    title = models.CharField(_("名称"), max_length=100)
    starts_on = models.DateField(_("任期开始"))
    weights = models.JSONField(_("评分权重"), default=dict)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    villages = models.JSONField(_("待选派村"), default=list)  # area codes
    candidates = models.ManyToManyField(Candidate, related_name="rounds")
    total_score = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("选派匹配")
        indexes = [models.Index(fields=["area_code"], name="match_round_area")]

    def __str__(self) -> str:
        return self.title


class PairRule(models.Model):
    """A constraint on a round: this candidate must not go to, or must go to, this village."""

    class Kind(models.TextChoices):
        EXCLUDE = "exclude", _("排除")
        FIX = "fix", _("指定")

    round = models.ForeignKey(MatchRound, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    area_code = models.CharField(_("村"), max_length=12)
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("理由"), max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "area_code", "candidate"], name="pair_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.area_code} {self.candidate_id}"


class Proposal(models.Model):
    """The round's answer for one village: who, the score, and why (one entry per
    criterion that scored); an officer's override keeps the solver's choice beside it."""

    class Source(models.TextChoices):
        SOLVER = "solver", _("最优匹配")
        FIXED = "fixed", _("指定人选")
        OVERRIDE = "override", _("人工调整")

    round = models.ForeignKey(MatchRound, on_delete=models.CASCADE, related_name="proposals")
    area_code = models.CharField(_("村"), max_length=12)
    candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(_("得分"), max_digits=8, decimal_places=2, default=0)
    # [{"criterion": key, "points": "12.5", "text": "..."}]
    reasons = models.JSONField(default=list)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    solver_candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    solver_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    override_reason = models.CharField(_("调整理由"), max_length=200, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("匹配结果")
        constraints = [
            models.UniqueConstraint(fields=["round", "area_code"], name="proposal_one_per_village")
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.area_code}"


class Posting(models.Model):
    """选派: a first secretary in a village for a term, until ended or recalled."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在任")
        ENDED = "ended", _("期满离任")
        RECALLED = "recalled", _("召回")

    cadre = models.ForeignKey("assistance.Cadre", on_delete=models.PROTECT, related_name="postings")
    area_code = models.CharField(_("村"), max_length=12)
    round = models.ForeignKey(
        MatchRound, null=True, blank=True, on_delete=models.SET_NULL, related_name="postings"
    )
    starts_on = models.DateField(_("任职日期"))
    ends_on = models.DateField(_("任期届满"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    left_on = models.DateField(_("离任日期"), null=True, blank=True)
    recall_grounds = models.TextField(_("召回理由"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("第一书记选派")
        indexes = [models.Index(fields=["area_code"], name="posting_area")]
        constraints = [
            models.UniqueConstraint(
                fields=["area_code"],
                condition=models.Q(status="active"),
                name="posting_one_active_per_village",
            ),
            models.UniqueConstraint(
                fields=["cadre"],
                condition=models.Q(status="active"),
                name="posting_one_active_per_cadre",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cadre_id} {self.area_code}"


class Appraisal(models.Model):
    """年度考核 of a first secretary."""

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("优秀")
        COMPETENT = "competent", _("称职")
        BASIC = "basic", _("基本称职")
        INCOMPETENT = "incompetent", _("不称职")

    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="appraisals")
    year = models.PositiveSmallIntegerField(_("年度"))
    grade = models.CharField(_("等次"), max_length=12, choices=Grade.choices)
    note = models.CharField(_("评语"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("第一书记考核")
        constraints = [
            models.UniqueConstraint(fields=["posting", "year"], name="appraisal_one_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.posting_id} {self.year}"

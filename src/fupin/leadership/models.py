"""Village leadership and grassroots Party building: the 两委 roster and the reserve cadres
(后备干部, at least 2 per village), weak and lax branches (软弱涣散) flagged by a checklist
and put right by a 三对一 team with items closed on evidence, Party-building instructors
(one per village) and supervisors (one per 4–7 villages) with their 六个一 goals, and
trainings (专题培训, 大轮训) with their attendance.

Every row carries the area code it belongs to, so that scoping is one prefix filter."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.party.models import Gender
from fupin.registry.choices import Education


class VillageOfficial(models.Model):
    """A member of the village's two committees (村"两委"), in post from a day until ended."""

    class Post(models.TextChoices):
        SECRETARY_DIRECTOR = "secretary_director", _("书记兼村委会主任")
        SECRETARY = "secretary", _("村党组织书记")
        DIRECTOR = "director", _("村委会主任")
        DEPUTY_SECRETARY = "deputy_secretary", _("村党组织副书记")
        BRANCH_MEMBER = "branch_member", _("村党组织委员")
        COMMITTEE_MEMBER = "committee_member", _("村委会委员")
        SUPERVISOR = "supervisor", _("村务监督委员会主任")

    area_code = models.CharField(_("村"), max_length=12)
    name = models.CharField(_("姓名"), max_length=64)
    post = models.CharField(_("职务"), max_length=20, choices=Post.choices)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    education = models.CharField(_("文化程度"), max_length=16, choices=Education.choices)
    is_party_member = models.BooleanField(_("中共党员"), default=False)
    member = models.ForeignKey(
        "party.PartyMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="village_posts",
        verbose_name=_("党员档案"),
    )
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    starts_on = models.DateField(_("任职日期"))
    ends_on = models.DateField(_("离任日期"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("村两委成员")
        indexes = [models.Index(fields=["area_code"], name="village_official_area")]

    def __str__(self) -> str:
        return self.name


class ReserveCadre(models.Model):
    """后备干部: a candidate for the village's leadership, and where they were found."""

    class Source(models.TextChoices):
        DOCTOR_TEACHER = "doctor_teacher", _("村医村教")
        SERVING = "serving", _("在职村干部")
        CAPABLE = "capable", _("致富能人")
        GRADUATE = "graduate", _("大学生村官")
        RETURNED_YOUTH = "returned_youth", _("回乡青年")
        VETERAN = "veteran", _("退伍军人")
        OTHER = "other", _("其他")

    area_code = models.CharField(_("村"), max_length=12)
    name = models.CharField(_("姓名"), max_length=64)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    education = models.CharField(_("文化程度"), max_length=16, choices=Education.choices)
    is_party_member = models.BooleanField(_("中共党员"), default=False)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    added_on = models.DateField(_("入库日期"))
    removed_on = models.DateField(_("出库日期"), null=True, blank=True)
    removed_reason = models.CharField(_("出库原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("村级后备干部")
        indexes = [models.Index(fields=["area_code"], name="reserve_cadre_area")]

    def __str__(self) -> str:
        return self.name


class WeakCriterion(models.Model):
    """One item of the checklist that identifies a weak and lax branch; shipped as data."""

    key = models.CharField(max_length=32, unique=True)
    label = models.CharField(_("认定情形"), max_length=200)
    ordering = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("软弱涣散认定情形")
        ordering = ["ordering", "id"]

    def __str__(self) -> str:
        return self.label


class WeakCase(models.Model):
    """A branch flagged weak and lax in a year, its 三对一 rectification team (县委领导 +
    第一书记 + 乡镇党委) and its state; closed (销号) only when every item is."""

    class Status(models.TextChoices):
        FLAGGED = "flagged", _("已认定")
        RECTIFYING = "rectifying", _("整顿中")
        CLOSED = "closed", _("已销号")

    organisation = models.ForeignKey(
        "party.PartyOrganisation", on_delete=models.PROTECT, related_name="weak_cases"
    )
    area_code = models.CharField(_("区划"), max_length=12)
    year = models.PositiveSmallIntegerField(_("年度"))
    criteria = models.ManyToManyField(WeakCriterion, related_name="cases")
    finding = models.TextField(_("主要问题"), blank=True)
    flagged_on = models.DateField(_("认定日期"))
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.FLAGGED
    )
    county_leader = models.ForeignKey(
        "command.Leader",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="weak_cases",
        verbose_name=_("联系县领导"),
    )
    first_secretary = models.ForeignKey(
        "assistance.Cadre",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="weak_cases",
        verbose_name=_("第一书记"),
    )
    township_lead = models.CharField(_("乡镇党委责任人"), max_length=64, blank=True)
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("软弱涣散党组织")
        indexes = [models.Index(fields=["area_code"], name="weak_case_area")]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=~models.Q(status="closed"),
                name="weak_case_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.year}"


class RectificationItem(models.Model):
    """整改事项: one thing to put right, closed with evidence."""

    case = models.ForeignKey(WeakCase, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(_("整改事项"), max_length=300)
    due_on = models.DateField(_("完成时限"))
    closed_on = models.DateField(_("完成日期"), null=True, blank=True)
    closed_note = models.TextField(_("完成情况"), blank=True)
    # a stored file (procedures.evidence) proving it is done
    evidence = models.CharField(max_length=200, blank=True)
    evidence_name = models.CharField(_("佐证材料"), max_length=200, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("整改事项")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.text


class BuildingAssignment(models.Model):
    """A Party-building instructor (党建指导员, one per village) or supervisor (党建督导员,
    one per 4–7 villages): one row per person and village."""

    class Kind(models.TextChoices):
        INSTRUCTOR = "instructor", _("党建指导员")
        SUPERVISOR = "supervisor", _("党建督导员")

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    cadre = models.ForeignKey(
        "assistance.Cadre", on_delete=models.PROTECT, related_name="building_assignments"
    )
    area_code = models.CharField(_("村"), max_length=12)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("党建指导员、督导员")
        indexes = [models.Index(fields=["area_code"], name="building_assignment_area")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "cadre", "area_code"],
                condition=models.Q(ends_on__isnull=True),
                name="building_assignment_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.cadre_id} {self.area_code}"


class Goal(models.TextChoices):
    """六个一: the goals an instructor helps a village reach."""

    TEAM = "team", _("建强一个好班子")
    RANKS = "ranks", _("带出一支好队伍")
    PLAN = "plan", _("制定一个好规划")
    PROJECT = "project", _("选准一个好项目")
    VENUE = "venue", _("建设一个好阵地")
    RULES = "rules", _("完善一套好制度")


class GoalProgress(models.Model):
    """A village's 六个一 goal in a year: reached on a day, with what shows it."""

    area_code = models.CharField(_("村"), max_length=12)
    year = models.PositiveSmallIntegerField(_("年度"))
    goal = models.CharField(_("目标"), max_length=8, choices=Goal.choices)
    reached_on = models.DateField(_("达成日期"), null=True, blank=True)
    note = models.CharField(_("情况说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("六个一目标")
        constraints = [
            models.UniqueConstraint(
                fields=["area_code", "year", "goal"], name="goal_progress_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area_code} {self.year} {self.goal}"


class Course(models.Model):
    """A training (培训班): who organised it, when, on what."""

    class Kind(models.TextChoices):
        THEMED = "themed", _("专题培训")
        ROTATION = "rotation", _("大轮训")
        ON_SITE = "on_site", _("现场培训")
        STUDY_TOUR = "study_tour", _("外出考察")

    title = models.CharField(_("培训名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    # the organiser's area: a county course is open to the whole county
    area_code = models.CharField(_("举办区划"), max_length=12)
    organiser = models.CharField(_("举办单位"), max_length=100)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    topics = models.CharField(_("内容"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("培训")
        indexes = [models.Index(fields=["area_code", "starts_on"], name="course_area_day")]

    def __str__(self) -> str:
        return self.title


class CourseAttendance(models.Model):
    """Who attended a course: a Party member or a village official (exactly one)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(
        "party.PartyMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="course_attendance",
    )
    official = models.ForeignKey(
        VillageOfficial,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="course_attendance",
    )
    # the attendee's area, for scoping
    area_code = models.CharField(max_length=12)

    class Meta:
        verbose_name = _("培训出勤")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(member__isnull=False, official__isnull=True)
                    | models.Q(member__isnull=True, official__isnull=False)
                ),
                name="course_attendance_one_person",
            ),
            models.UniqueConstraint(
                fields=["course", "member"],
                condition=models.Q(member__isnull=False),
                name="course_attendance_member_once",
            ),
            models.UniqueConstraint(
                fields=["course", "official"],
                condition=models.Q(official__isnull=False),
                name="course_attendance_official_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course_id} {self.member_id or self.official_id}"

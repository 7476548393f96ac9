"""Forms of the leadership pages: input shape only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.leadership.models import BuildingAssignment, Course, Goal, ReserveCadre, VillageOfficial
from fupin.party.models import Gender
from fupin.registry.choices import Education

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EDUCATION = [(v, label) for v, label in Education.choices if v != Education.PRESCHOOL_CHILD]


class _Person(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices)
    birth_date = forms.DateField(label=_("出生日期"), widget=DATE)
    education = forms.ChoiceField(label=_("文化程度"), choices=EDUCATION)
    is_party_member = forms.BooleanField(label=_("中共党员"), required=False)


class OfficialForm(_Person):
    post = forms.ChoiceField(label=_("职务"), choices=VillageOfficial.Post.choices)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    starts_on = forms.DateField(label=_("任职日期"), widget=DATE, required=False)


class OfficialEndForm(forms.Form):
    official = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    ends_on = forms.DateField(label=_("离任日期"), widget=DATE, required=False)


class ReserveForm(_Person):
    source = forms.ChoiceField(label=_("来源"), choices=ReserveCadre.Source.choices)


class ReserveRemoveForm(forms.Form):
    reserve = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("出库原因"), max_length=200)


class FlagForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("党组织"), coerce=int, choices=())
    criteria = forms.MultipleChoiceField(
        label=_("认定情形"), choices=(), widget=forms.CheckboxSelectMultiple, required=False
    )
    finding = forms.CharField(
        label=_("主要问题"), max_length=2000, required=False, widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, *args: Any, organisations: Any = (), criteria: Any = (), **kw: Any):
        super().__init__(*args, **kw)
        self.fields["organisation"].choices = list(organisations)  # type: ignore[attr-defined]
        self.fields["criteria"].choices = list(criteria)  # type: ignore[attr-defined]


class TeamForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    county_leader = forms.TypedChoiceField(label=_("联系县领导"), coerce=int, choices=())
    first_secretary = forms.TypedChoiceField(label=_("第一书记"), coerce=int, choices=())
    township_lead = forms.CharField(label=_("乡镇党委责任人"), max_length=64)

    def __init__(self, *args: Any, leaders: Any = (), cadres: Any = (), **kw: Any):
        super().__init__(*args, **kw)
        self.fields["county_leader"].choices = list(leaders)  # type: ignore[attr-defined]
        self.fields["first_secretary"].choices = list(cadres)  # type: ignore[attr-defined]


class ItemForm(forms.Form):
    text = forms.CharField(label=_("整改事项"), max_length=300)
    due_on = forms.DateField(label=_("完成时限"), widget=DATE)


class ItemCloseForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("完成情况"), max_length=2000)
    evidence = forms.FileField(label=_("佐证材料（PDF、JPEG、PNG）"), required=False)


class EvidenceForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    evidence = forms.FileField(label=_("佐证材料（PDF、JPEG、PNG）"))


class CaseCloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AssignForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=BuildingAssignment.Kind.choices)
    cadre = forms.TypedChoiceField(label=_("干部"), coerce=int, choices=())
    area_code = forms.ChoiceField(label=_("村"), choices=())

    def __init__(self, *args: Any, cadres: Any = (), villages: Any = (), **kw: Any):
        super().__init__(*args, **kw)
        self.fields["cadre"].choices = list(cadres)  # type: ignore[attr-defined]
        self.fields["area_code"].choices = list(villages)  # type: ignore[attr-defined]


class AssignEndForm(forms.Form):
    assignment = forms.IntegerField(widget=forms.HiddenInput)


class GoalForm(forms.Form):
    area_code = forms.CharField(widget=forms.HiddenInput, max_length=12)
    goal = forms.ChoiceField(label=_("目标"), choices=Goal.choices)
    reached_on = forms.DateField(label=_("达成日期"), widget=DATE, required=False)
    note = forms.CharField(label=_("情况说明"), max_length=300)


class CourseForm(forms.Form):
    title = forms.CharField(label=_("培训名称"), max_length=200)
    kind = forms.ChoiceField(label=_("类型"), choices=Course.Kind.choices)
    area_code = forms.ChoiceField(label=_("举办区划"), choices=())
    organiser = forms.CharField(label=_("举办单位"), max_length=100)
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)
    ends_on = forms.DateField(label=_("结束日期"), widget=DATE)
    hours = forms.DecimalField(label=_("学时"), max_digits=5, decimal_places=1, min_value=0)
    topics = forms.CharField(label=_("内容"), max_length=300, required=False)

    def __init__(self, *args: Any, areas: Any = (), **kw: Any):
        super().__init__(*args, **kw)
        self.fields["area_code"].choices = list(areas)  # type: ignore[attr-defined]


class AttendanceForm(forms.Form):
    officials = forms.TypedMultipleChoiceField(
        label=_("村两委成员"), coerce=int, choices=(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    members = forms.TypedMultipleChoiceField(
        label=_("农村党员"), coerce=int, choices=(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(self, *args: Any, officials: Any = (), members: Any = (), **kw: Any):
        super().__init__(*args, **kw)
        self.fields["officials"].choices = list(officials)  # type: ignore[attr-defined]
        self.fields["members"].choices = list(members)  # type: ignore[attr-defined]

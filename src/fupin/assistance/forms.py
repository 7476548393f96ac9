"""Forms of the assistance pages: input shape only; the services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.assistance.models import (
    INCOME_FIELDS,
    Category,
    Concern,
    MeasureType,
    Participation,
    Unit,
    Visit,
)
from fupin.core import clock

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def measure_type_choices() -> list[Any]:
    """The active measure types grouped by 七个一批 category (for <optgroup>)."""
    by_category: dict[str, list[tuple[str, str]]] = {}
    for code, name, category in MeasureType.objects.filter(is_active=True).values_list(
        "code", "name", "category"
    ):
        by_category.setdefault(category, []).append((code, name))
    return [("", "—")] + [
        (str(label), by_category[value])
        for value, label in Category.choices
        if value in by_category
    ]


class VisitForm(forms.Form):
    household = forms.IntegerField(label=_("走访户"))
    visited_on = forms.DateField(label=_("走访日期"), widget=DATE)
    mode = forms.ChoiceField(label=_("方式"), choices=Visit.Mode.choices, initial=Visit.Mode.HOME)
    seen = forms.CharField(
        label=_("走访情况"),
        max_length=4000,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": _("看到的情况、群众的想法、落实的事项")}
        ),
    )
    concerns = forms.CharField(
        label=_("群众反映的问题（每行一个）"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    latitude = forms.DecimalField(required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, widget=forms.HiddenInput)

    def concern_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["concerns"].splitlines() if line.strip()]


class RouteForm(forms.Form):
    level = forms.ChoiceField(label=_("交办层级"), choices=Concern.Level.choices)
    department = forms.TypedChoiceField(
        label=_("受理部门（交县直部门时必选）"), coerce=int, required=False, empty_value=None
    )
    due_on = forms.DateField(label=_("办理时限（不填按规定天数）"), required=False, widget=DATE)
    note = forms.CharField(label=_("交办说明"), max_length=1000, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, departments: list[Unit] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (u.pk, u.name) for u in departments
        ]


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("办理结果"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TellForm(forms.Form):
    note = forms.CharField(
        label=_("反馈情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    told_on = forms.DateField(label=_("反馈日期"), required=False, widget=DATE)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PairingForm(forms.Form):
    household = forms.IntegerField(widget=forms.HiddenInput)
    cadre = forms.TypedChoiceField(label=_("帮扶干部"), coerce=int)

    def __init__(self, *args: Any, cadres: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["cadre"].choices = list(cadres)  # type: ignore[attr-defined]


class CadreForm(forms.Form):
    cadre_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("姓名"), max_length=64)
    unit = forms.TypedChoiceField(label=_("帮扶单位"), coerce=int)
    area_code = forms.CharField(label=_("工作区划代码"), max_length=12)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    post = forms.CharField(label=_("职务"), max_length=64, required=False)
    skills = forms.CharField(label=_("专长"), max_length=200, required=False)
    is_party_member = forms.BooleanField(label=_("中共党员"), required=False)
    username = forms.CharField(label=_("关联的登录账号（可不填）"), max_length=150, required=False)

    def __init__(self, *args: Any, units: list[Unit] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]  # type: ignore[attr-defined]


class UnitForm(forms.Form):
    unit_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("单位名称"), max_length=100)
    kind = forms.ChoiceField(label=_("单位类型"), choices=Unit.Kind.choices)
    area_code = forms.CharField(label=_("所属区划代码"), max_length=12)
    handles_concerns = forms.BooleanField(label=_("可受理民情问题"), required=False)


class UnitVillageForm(forms.Form):
    unit = forms.IntegerField(widget=forms.HiddenInput)
    area_code = forms.CharField(label=_("帮扶村代码"), max_length=12)
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)


class TeamForm(forms.Form):
    area_code = forms.CharField(label=_("驻村（村代码）"), max_length=12)
    leader = forms.TypedChoiceField(label=_("第一书记（队长）"), coerce=int)
    members = forms.TypedMultipleChoiceField(label=_("队员"), coerce=int, required=False)
    unit = forms.TypedChoiceField(label=_("派出单位"), coerce=int, required=False, empty_value=None)
    starts_on = forms.DateField(label=_("进驻日期"), widget=DATE)
    ends_on = forms.DateField(label=_("任期届满"), widget=DATE)

    def __init__(
        self,
        *args: Any,
        cadres: list[tuple[int, str]] = (),  # type: ignore[assignment]
        units: list[Unit] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].choices = list(cadres)  # type: ignore[attr-defined]
        self.fields["members"].choices = list(cadres)  # type: ignore[attr-defined]
        self.fields["unit"].choices = [("", "—")] + [(u.pk, u.name) for u in units]  # type: ignore[attr-defined]


class RecallForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    grounds = forms.CharField(label=_("召回理由"), max_length=2000)


def last_days(n: int = 31) -> list[dt.date]:
    today = clock.today()
    return [today - dt.timedelta(days=i) for i in range(n)]


class PresenceForm(forms.Form):
    days = forms.MultipleChoiceField(label=_("在村日期"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = [  # type: ignore[attr-defined]
            (d.isoformat(), d.strftime("%m-%d")) for d in last_days()
        ]


class LeaveForm(forms.Form):
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)
    ends_on = forms.DateField(label=_("结束日期"), widget=DATE)
    reason = forms.CharField(label=_("事由"), max_length=500)


class PlanForm(forms.Form):
    year = forms.IntegerField(label=_("年度"))
    income_target = forms.DecimalField(
        label=_("人均纯收入目标(元)"), max_digits=12, decimal_places=2
    )
    note = forms.CharField(
        label=_("帮扶思路"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PlannedMeasureForm(forms.Form):
    plan = forms.IntegerField(widget=forms.HiddenInput)
    type = forms.ChoiceField(label=_("措施类型"))
    description = forms.CharField(label=_("内容"), max_length=200)
    due_on = forms.DateField(label=_("计划完成日期"), widget=DATE)
    amount = forms.DecimalField(
        label=_("计划金额(元)"), required=False, max_digits=12, decimal_places=2
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = measure_type_choices()  # type: ignore[attr-defined]


class MeasureForm(forms.Form):
    household = forms.IntegerField(widget=forms.HiddenInput)
    type = forms.ChoiceField(label=_("措施类型"))
    delivered_on = forms.DateField(label=_("落实日期"), widget=DATE)
    description = forms.CharField(label=_("内容"), max_length=200)
    amount = forms.DecimalField(
        label=_("金额(元)"), required=False, max_digits=12, decimal_places=2
    )
    project_name = forms.CharField(label=_("所属项目"), max_length=100, required=False)
    planned = forms.TypedChoiceField(
        label=_("落实的计划措施"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, planned: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = measure_type_choices()  # type: ignore[attr-defined]
        self.fields["planned"].choices = [("", "—"), *planned]  # type: ignore[attr-defined]


class ParticipationForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Participation.Kind.choices)
    name = forms.CharField(label=_("项目或组织名称"), max_length=100)
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)
    amount = forms.DecimalField(
        label=_("金额(元)"), required=False, max_digits=12, decimal_places=2
    )
    income_field = forms.ChoiceField(
        label=_("收益计入"), choices=[("", _("按类型默认")), *list(INCOME_FIELDS)], required=False
    )


class ParticipationIncomeForm(forms.Form):
    participation = forms.IntegerField(widget=forms.HiddenInput)
    year = forms.IntegerField(label=_("年度"))
    amount = forms.DecimalField(label=_("收益(元)"), max_digits=12, decimal_places=2)

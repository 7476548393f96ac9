"""Forms of the party pages: input shape only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.core import clock
from fupin.party.models import EconomicBody, Gender, Meeting, MemberRecord, PartyOrganisation
from fupin.registry.choices import Education

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("组织名称"), max_length=100)
    kind = forms.ChoiceField(label=_("组织类别"), choices=PartyOrganisation.Kind.choices)
    base = forms.ChoiceField(label=_("建在"), choices=PartyOrganisation.Base.choices)
    area_code = forms.CharField(label=_("所在区划代码"), max_length=12)
    parent = forms.TypedChoiceField(
        label=_("上级党组织"), coerce=int, required=False, empty_value=None
    )
    unit = forms.TypedChoiceField(label=_("所在单位"), coerce=int, required=False, empty_value=None)
    secretary_name = forms.CharField(label=_("书记"), max_length=64, required=False)
    founded_on = forms.DateField(label=_("成立日期"), required=False, widget=DATE)

    def __init__(
        self,
        *args: Any,
        parents: list[tuple[int, str]] = (),  # type: ignore[assignment]
        units: list[tuple[int, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", "—"), *parents]  # type: ignore[attr-defined]
        self.fields["unit"].choices = [("", "—"), *units]  # type: ignore[attr-defined]


class BodyForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=EconomicBody.Kind.choices)
    area_code = forms.CharField(label=_("所在区划代码"), max_length=12)
    industry = forms.CharField(label=_("主导产业"), max_length=64, required=False)
    poor_households = forms.IntegerField(label=_("带动贫困户数"), min_value=0, initial=0)
    founded_on = forms.DateField(label=_("成立日期"), required=False, widget=DATE)


class CoverForm(forms.Form):
    body = forms.TypedChoiceField(label=_("经济组织"), coerce=int)

    def __init__(self, *args: Any, bodies: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = bodies  # type: ignore[attr-defined]


class MemberForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices)
    birth_date = forms.DateField(label=_("出生日期"), widget=DATE)
    education = forms.ChoiceField(label=_("文化程度"), choices=Education.choices)
    joined_on = forms.DateField(label=_("入党日期"), widget=DATE)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    household = forms.IntegerField(label=_("所在农户（系统编号）"), required=False, min_value=1)
    is_demonstration_household = forms.BooleanField(label=_("党员示范户"), required=False)
    is_business_leader = forms.BooleanField(label=_("党员致富带头人"), required=False)
    households_led = forms.IntegerField(label=_("带动户数"), min_value=0, initial=0)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class TransferForm(forms.Form):
    left_on = forms.DateField(label=_("转出日期"), widget=DATE)
    version = forms.IntegerField(widget=forms.HiddenInput)


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Meeting.Kind.choices)
    held_on = forms.DateField(label=_("日期"), widget=DATE)
    topic = forms.CharField(label=_("主题"), max_length=200)
    attendees = forms.TypedMultipleChoiceField(
        label=_("参会党员"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        members: list[tuple[int, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = members  # type: ignore[attr-defined]
        self.fields["held_on"].initial = clock.today()


class RecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=MemberRecord.Kind.choices)
    on = forms.DateField(label=_("日期"), widget=DATE)
    title = forms.CharField(label=_("名称"), max_length=200)
    grounds = forms.CharField(
        label=_("事由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    issued_by = forms.CharField(label=_("决定机关"), max_length=100, required=False)

"""Forms of the command pages: input shape only; the services decide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.command.models import CommandPost, ContactPoint, Leader, Line

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CommandForm(forms.Form):
    name = forms.CharField(label=_("指挥部名称（可留空）"), max_length=100, required=False)
    established_on = forms.DateField(label=_("成立日期"), required=False, widget=DATE)


class PostForm(forms.Form):
    leader = forms.TypedChoiceField(label=_("领导干部"), coerce=int)
    role = forms.ChoiceField(label=_("职责"), choices=CommandPost.Role.choices)
    duty = forms.CharField(label=_("分工"), max_length=200, required=False)
    ordering = forms.IntegerField(label=_("排序"), min_value=0, initial=0, required=False)

    def __init__(self, *args: Any, leaders: Sequence[tuple[int, str]] = (), **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["leader"].choices = list(leaders)  # type: ignore[attr-defined]


class GroupForm(forms.Form):
    group_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("工作组名称"), max_length=100)
    line = forms.ChoiceField(label=_("工作线"), choices=Line.choices, initial=Line.OTHER)
    head = forms.TypedChoiceField(label=_("组长"), coerce=int, required=False, empty_value=None)
    lead_unit = forms.TypedChoiceField(
        label=_("牵头单位"), coerce=int, required=False, empty_value=None
    )
    units = forms.TypedMultipleChoiceField(
        label=_("成员单位"), coerce=int, required=False, widget=forms.SelectMultiple
    )
    duties = forms.CharField(
        label=_("职责"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        leaders: Sequence[tuple[int, str]] = (),
        units: Sequence[tuple[int, str]] = (),
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["head"].choices = [("", "—"), *leaders]  # type: ignore[attr-defined]
        self.fields["lead_unit"].choices = [("", "—"), *units]  # type: ignore[attr-defined]
        self.fields["units"].choices = list(units)  # type: ignore[attr-defined]


class LeaderForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    post = forms.CharField(label=_("职务"), max_length=100)
    level = forms.ChoiceField(label=_("层级"), choices=Leader.Level.choices)
    area_code = forms.CharField(label=_("所在区划代码"), max_length=12)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)


class ContactForm(forms.Form):
    leader = forms.TypedChoiceField(label=_("领导干部"), coerce=int)
    kind = forms.ChoiceField(label=_("类型"), choices=ContactPoint.Kind.choices)
    area_code = forms.CharField(label=_("联系区划代码"), max_length=12)
    starts_on = forms.DateField(label=_("开始日期"), required=False, widget=DATE)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, leaders: Sequence[tuple[int, str]] = (), **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["leader"].choices = list(leaders)  # type: ignore[attr-defined]

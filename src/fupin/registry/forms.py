"""Web forms of the registry. They only parse what was typed; the rules live in the services,
whose ``InvalidInput.fields`` are mapped back onto these fields by ``apply_service_errors``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.registry import services
from fupin.registry.choices import (
    Cause,
    DangerGrade,
    Education,
    Health,
    HouseholdStatus,
    HouseholdType,
    Labour,
    MigrantStatus,
    Relation,
    Sex,
    Standard,
)
from fupin.registry.models import HardshipEvent

YES_NO = [("1", _("是")), ("0", _("否"))]
KEEP_HINT = _("留空则不修改")
STATUS_HINT = _("户状态由程序办结时变更：贫困户识别、贫困户退出、返贫认定、监测对象识别、风险消除")


def _yes_no(label: Any) -> forms.TypedChoiceField:
    """是/否 as a select: a checkbox cannot tell "no" from "not sent"."""
    return forms.TypedChoiceField(label=label, choices=YES_NO, coerce=lambda v: v == "1")


def _choice(
    label: Any, choices: Iterable[tuple[str, Any]], *, required: bool = True, empty: Any = None
) -> forms.ChoiceField:
    options = list(choices)
    if not required or empty is not None:
        options = [("", empty if empty is not None else "—"), *options]
    return forms.ChoiceField(label=label, choices=options, required=required)


def _reason(required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=_("修改原因"),
        required=required,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("将记入本户的历史记录"),
    )


def _year(label: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=1900, max_value=2100)


def apply_service_errors(
    form: forms.BaseForm,
    fields: Mapping[str, Iterable[Any]],
    key_map: Mapping[str, str] | None = None,
) -> None:
    """Put a service's field errors on the form; keys the form has no field for
    become errors of the whole form."""
    key_map = key_map or {}
    for key, messages in fields.items():
        name = key_map.get(key, key)
        for message in messages:
            if name in form.fields:
                form.add_error(name, str(message))
            else:
                form.add_error(None, str(message))


class _Form(forms.Form):
    # (heading, field names) groups shown as separate blocks; empty means one block.
    sections: tuple[tuple[Any, tuple[str, ...]], ...] = ()

    def section_list(self) -> list[tuple[Any, list[forms.BoundField]]]:
        if not self.sections:
            return [("", list(self.visible_fields()))]
        return [
            (title, [self[name] for name in names if name in self.fields])
            for title, names in self.sections
        ]

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        # Pico CSS marks fields by aria-invalid; screen readers announce it too.
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"


class HouseholdFilterForm(forms.Form):
    """The list's filters; a wrong value is ignored rather than shown as an error."""

    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("姓名、拼音首字母、证件号码后几位或户编号")}
        ),
    )
    area = forms.ChoiceField(label=_("所在区划"), required=False)
    status = _choice(_("户状态"), HouseholdStatus.choices, required=False, empty=_("全部"))
    household_type = _choice(
        _("贫困户属性"), HouseholdType.choices, required=False, empty=_("全部")
    )
    main_cause = _choice(_("主要致贫原因"), Cause.choices, required=False, empty=_("全部"))

    def __init__(self, *args: Any, areas: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area_field = self.fields["area"]
        assert isinstance(area_field, forms.ChoiceField)
        area_field.choices = [("", _("全部")), *areas]

    def value(self, name: str) -> str:
        """The cleaned value of one filter, or "" when it was missing or invalid."""
        if not self.is_bound:
            return ""
        self.is_valid()
        return str(self.cleaned_data.get(name) or "") if name not in self.errors else ""


class _HouseholdFields(_Form):
    number = forms.CharField(label=_("户编号"), max_length=32)
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    standard = _choice(_("识别标准"), Standard.choices)
    household_type = _choice(_("贫困户属性"), HouseholdType.choices)
    main_cause = _choice(_("主要致贫原因"), Cause.choices, empty=_("请选择"))
    other_causes = forms.MultipleChoiceField(
        label=_("其他致贫原因"),
        choices=Cause.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("最多两项"),
    )
    status = _choice(_("户状态"), HouseholdStatus.choices)
    identified_year = _year(_("识别年度"))
    exited_year = _year(_("脱贫年度"))
    housing_area = forms.DecimalField(
        label=_("住房面积(㎡)"), required=False, min_value=0, max_digits=8, decimal_places=2
    )
    danger_grade = _choice(_("危房等级"), DangerGrade.choices)
    relocated = _yes_no(_("是否易地搬迁"))
    safe_water = _yes_no(_("饮水是否安全"))
    has_electricity = _yes_no(_("是否通生活用电"))
    road_distance_km = forms.DecimalField(
        label=_("距村主干路距离(公里)"), required=False, min_value=0, max_digits=6, decimal_places=2
    )

    HOUSEHOLD_FIELDS = (
        "number",
        "phone",
        "standard",
        "household_type",
        "main_cause",
        "status",
        "identified_year",
        "exited_year",
        "housing_area",
        "danger_grade",
        "relocated",
        "safe_water",
        "has_electricity",
        "road_distance_km",
        "other_causes",
    )
    # The wide checkbox group goes last so it does not break the grid of short fields.
    field_order = list(HOUSEHOLD_FIELDS)

    def household_data(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name] for name in self.HOUSEHOLD_FIELDS if name in self.fields
        }


class HouseholdCreateForm(_HouseholdFields):
    """A new household with its head; further members are added on the detail page."""

    area = forms.ChoiceField(label=_("所在村/组"))
    head_name = forms.CharField(label=_("户主姓名"), max_length=64)
    head_sex = _choice(_("户主性别"), Sex.choices, empty=_("请选择"))
    head_id_number = forms.CharField(label=_("户主证件号码"), max_length=22)
    head_ethnicity = forms.CharField(label=_("民族"), max_length=16, initial=_("汉族"))
    head_education = _choice(_("文化程度"), Education.choices, required=False)
    head_health = _choice(_("健康状况"), Health.choices)
    head_labour = _choice(_("劳动能力"), Labour.choices)
    reason = _reason(required=False)

    HEAD_FIELDS = ("name", "sex", "id_number", "ethnicity", "education", "health", "labour")
    field_order = ["area", *_HouseholdFields.HOUSEHOLD_FIELDS]
    sections = (
        (_("户信息"), ("area", *_HouseholdFields.HOUSEHOLD_FIELDS)),
        (_("户主"), tuple(f"head_{name}" for name in HEAD_FIELDS)),
        ("", ("reason",)),
    )

    def __init__(self, *args: Any, areas: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area_field = self.fields["area"]
        assert isinstance(area_field, forms.ChoiceField)
        area_field.choices = [("", _("请选择")), *areas]
        self.fields["reason"].label = _("建档说明")
        # A new household is 非建档立卡 (services.NEW_HOUSEHOLD_STATUS); identification
        # registers it and records the year, exit records the exit year.
        for name in ("status", "identified_year", "exited_year"):
            del self.fields[name]
        self.fields["safe_water"].initial = "1"
        self.fields["has_electricity"].initial = "1"
        self.fields["relocated"].initial = "0"

    def head_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[f"head_{name}"] for name in self.HEAD_FIELDS}
        data["relation"] = Relation.HEAD
        return data

    def error_key_map(self) -> dict[str, str]:
        """Service keys (``members[0].name``) → this form's field names."""
        out = {"area_code": "area"}
        out.update({f"members[0].{name}": f"head_{name}" for name in self.HEAD_FIELDS})
        return out


class HouseholdEditForm(_HouseholdFields):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = _reason()

    def __init__(
        self, *args: Any, sees_pii: bool = True, masked_phone: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sees_pii = sees_pii
        # Shown, never edited here: procedures change it (services refuse it otherwise).
        status = self.fields["status"]
        status.disabled = True
        status.required = False
        status.help_text = STATUS_HINT
        if not sees_pii:
            # The real phone must not reach a role that sees it masked, not even in a form.
            self.fields["phone"].widget.attrs["placeholder"] = masked_phone
            self.fields["phone"].help_text = KEEP_HINT

    def household_data(self) -> dict[str, Any]:
        data = super().household_data()
        data.pop("status", None)
        # A status posted all the same goes to the service, which refuses a change.
        posted = self.data.get("status") if self.is_bound else None
        if posted:
            data["status"] = posted
        if not self.sees_pii and not data.get("phone"):
            data.pop("phone", None)
        return data


class MemberForm(_Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    sex = _choice(_("性别"), Sex.choices, empty=_("请选择"))
    id_number = forms.CharField(
        label=_("证件号码"), max_length=22, help_text=_("18位身份证号，或20/22位残疾人证号")
    )
    relation = _choice(
        _("与户主关系"), [c for c in Relation.choices if c[0] != Relation.HEAD], empty=_("请选择")
    )
    ethnicity = forms.CharField(label=_("民族"), max_length=16, initial=_("汉族"))
    education = _choice(_("文化程度"), Education.choices, required=False)
    schooling = forms.CharField(
        label=_("在校生状况"),
        max_length=16,
        required=False,
        help_text=_("如 学前、小学3年级、初中1年级、非在校生"),
    )
    health = _choice(_("健康状况"), Health.choices)
    labour = _choice(_("劳动能力"), Labour.choices)
    migrant_status = _choice(_("务工状况"), MigrantStatus.choices)
    migrant_months = forms.IntegerField(
        label=_("务工时间(月)"), min_value=0, max_value=12, initial=0
    )
    medical_insurance = _yes_no(_("是否参加基本医疗保险"))
    serious_illness_insurance = _yes_no(_("是否参加大病保险"))
    pension_insurance = _yes_no(_("是否参加基本养老保险"))
    dibao = _yes_no(_("是否享受低保"))
    tekun = _yes_no(_("是否特困供养"))
    reason = _reason()

    MEMBER_FIELDS = services.MEMBER_FIELDS
    PII_FIELDS = ("id_number", "health")

    def __init__(
        self,
        *args: Any,
        sees_pii: bool = True,
        is_head: bool = False,
        masked_id_number: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sees_pii = sees_pii
        if is_head:
            # The head's relation is changed only through 变更户主.
            del self.fields["relation"]
        if not sees_pii:
            # Roles that see these masked may overwrite them but never read them back.
            id_field = self.fields["id_number"]
            id_field.required = False
            id_field.widget.attrs["placeholder"] = masked_id_number
            id_field.help_text = KEEP_HINT
            health = self.fields["health"]
            assert isinstance(health, forms.ChoiceField)
            health.required = False
            health.choices = [("", KEEP_HINT), *Health.choices]
            health.initial = ""
        self.fields["medical_insurance"].initial = "1"
        self.fields["serious_illness_insurance"].initial = "1"
        self.fields["pension_insurance"].initial = "0"
        self.fields["dibao"].initial = "0"
        self.fields["tekun"].initial = "0"
        self.fields["migrant_status"].initial = MigrantStatus.NONE

    def member_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.MEMBER_FIELDS if name in self.fields}
        if not self.sees_pii:
            for name in self.PII_FIELDS:
                if not data.get(name):
                    data.pop(name, None)
        return data


class MemberEditForm(MemberForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class MemberRemoveForm(_Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("减少原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如死亡、婚出、分户"),
    )


class HeadChangeForm(_Form):
    new_head = forms.TypedChoiceField(label=_("新户主"), coerce=int)
    old_head_relation = _choice(
        _("原户主改为"), [c for c in Relation.choices if c[0] != Relation.HEAD], empty=_("请选择")
    )
    reason = _reason()

    def __init__(
        self, *args: Any, candidates: Iterable[tuple[int, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["new_head"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("请选择")), *candidates]


class IncomeForm(_Form):
    year = forms.IntegerField(label=_("收入年度"), min_value=2000, max_value=2100)
    wage = forms.DecimalField(
        label=_("工资性收入"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    business = forms.DecimalField(
        label=_("生产经营性收入"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    property_income = forms.DecimalField(
        label=_("财产性收入"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    transfer = forms.DecimalField(
        label=_("转移性收入"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    business_costs = forms.DecimalField(
        label=_("生产经营性支出"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    household_size = forms.IntegerField(
        label=_("家庭人口"), min_value=1, required=False, help_text=_("留空则按现有在户成员计算")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = _reason()

    INCOME_FIELDS = (
        "wage",
        "business",
        "property_income",
        "transfer",
        "business_costs",
        "household_size",
    )

    def income_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.INCOME_FIELDS}
        if data["household_size"] is None:
            data.pop("household_size")
        return data


class ExpenseForm(_Form):
    year = forms.IntegerField(label=_("支出年度"), min_value=2000, max_value=2100)
    medical = forms.DecimalField(
        label=_("医疗支出"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        initial=0,
        help_text=_("自付部分，元/年"),
    )
    schooling = forms.DecimalField(
        label=_("教育支出"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        initial=0,
        help_text=_("元/年"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = _reason()

    EXPENSE_FIELDS = ("medical", "schooling")

    def expense_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.EXPENSE_FIELDS}


class HardshipForm(_Form):
    kind = _choice(_("类别"), HardshipEvent.Kind.choices, empty=_("请选择"))
    occurred_on = forms.DateField(
        label=_("发生日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    member = forms.TypedChoiceField(
        label=_("涉及成员"), coerce=int, required=False, empty_value=None
    )
    loss = forms.DecimalField(
        label=_("损失或支出(元)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    description = forms.CharField(
        label=_("情况说明"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("将记入本户的历史记录"),
    )

    def __init__(self, *args: Any, members: Iterable[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("全户")), *members]

    def error_key_map(self) -> dict[str, str]:
        return {"member_id": "member"}

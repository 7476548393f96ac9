"""Web forms of the policy pages. They only parse what was typed; the rules (ranges,
required parameters, who may do what) live in the services, whose ``InvalidInput.fields``
are put back onto these fields by ``fupin.registry.forms.apply_service_errors``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.policy import engine
from fupin.policy import params as P
from fupin.policy.reasons import CATEGORY_LABELS, CLAUSE_LABELS
from fupin.registry.forms import YES_NO, _Form
from fupin.registry.models import HardshipEvent

UNKNOWN_YES_NO = [("", _("未知")), ("1", _("是")), ("0", _("否"))]


def _set_choices(form: forms.Form, name: str, choices: Iterable[tuple[Any, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = list(choices)


class _FilterForm(forms.Form):
    """Filters of a page: a wrong value is ignored rather than shown as an error."""

    def value(self, name: str) -> str:
        if not self.is_bound:
            return ""
        self.is_valid()
        return str(self.cleaned_data.get(name) or "") if name not in self.errors else ""


# --- runs -------------------------------------------------------------------------------


class RunCreateForm(_Form):
    area = forms.ChoiceField(label=_("评估范围"))
    year = forms.IntegerField(label=_("评估年度"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, areas: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "area", areas)


VERDICT_CHOICES = [
    ("", _("全部")),
    ("meets", _("达到退出标准")),
    ("fails", _("未达到退出标准")),
    ("candidates", _("未脱贫户中达到退出标准（可退出）")),
    ("failing_exited", _("已脱贫户中未达到标准")),
]


class RunHouseholdsFilterForm(_FilterForm):
    area = forms.ChoiceField(label=_("区划"), required=False)
    verdict = forms.ChoiceField(label=_("结论"), required=False, choices=VERDICT_CHOICES)
    clause = forms.ChoiceField(
        label=_("未达标项"),
        required=False,
        choices=[("", _("全部")), *((name, CLAUSE_LABELS[name]) for name, _bit in engine.CLAUSES)],
    )
    category = forms.ChoiceField(
        label=_("监测类别"),
        required=False,
        choices=[("", _("全部")), *((c, CATEGORY_LABELS[c]) for c in engine.CATEGORIES)],
    )

    def __init__(self, *args: Any, areas: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "area", [("", _("全部")), *areas])


class DiffForm(_FilterForm):
    before = forms.TypedChoiceField(label=_("之前的批次"), coerce=int, required=False)
    after = forms.TypedChoiceField(label=_("之后的批次"), coerce=int, required=False)

    def __init__(self, *args: Any, runs: Iterable[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = [("", _("请选择")), *runs]
        _set_choices(self, "before", options)
        _set_choices(self, "after", options)


# --- parameters -------------------------------------------------------------------------


def yes_no_value(value: Any) -> str:
    """A stored flag as the select's value ("1"/"0"; "" when unknown)."""
    if value is None or value == "":
        return ""
    return "1" if value else "0"


def param_field(param: P.Param, *, required: bool = False) -> forms.Field:
    """The input of one parameter. Numbers are typed as text: the service checks them (and
    says in Chinese what is wrong), so nothing typed is lost to a parse error here."""
    label = param.label
    if param.kind == "bool":
        return forms.ChoiceField(label=label, choices=YES_NO, required=required)
    if param.kind == "choice":
        return forms.ChoiceField(
            label=label, choices=[(c, c) for c in param.choices], required=required
        )
    if param.kind in ("grades", "kinds"):
        choices: list[tuple[str, Any]] = (
            [(g, g) for g in P.DANGER_GRADES]
            if param.kind == "grades"
            else list(HardshipEvent.Kind.choices)
        )
        return forms.MultipleChoiceField(
            label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
        )
    attrs = {"inputmode": "numeric" if param.kind == "int" else "decimal"}
    help_text: Any = ""
    if param.kind == "rate":
        help_text = _("比率，如 0.02 即 2%")
    elif param.nullable:
        help_text = _("单位：%(unit)s；留空表示不作要求") % {"unit": param.unit}
    elif param.unit:
        help_text = _("单位：%(unit)s") % {"unit": param.unit}
    return forms.CharField(
        label=label,
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs=attrs),
        help_text=help_text,
    )


def param_initial(param: P.Param, value: Any) -> Any:
    if param.kind == "bool":
        return yes_no_value(value)
    if param.kind in ("grades", "kinds"):
        return list(value or [])
    return "" if value is None else str(value)


def param_value(param: P.Param, typed: Any) -> Any:
    """What was typed, as the service takes it (a flag from "1"/"0", None for blank)."""
    if param.kind == "bool":
        return {"1": True, "0": False}.get(str(typed), typed)
    if param.kind in ("grades", "kinds"):
        return list(typed or [])
    return None if typed in (None, "") else typed


ADJUST_PREFIX = "adjust__"


class StandardForm(_Form):
    """Every parameter of a standard. A regional override keeps only the parameters ticked
    "本地区调整"; a national standard keeps them all."""

    note = forms.CharField(
        label=_("修改说明"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("将记入版本记录"),
    )
    expected_number = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        national: bool,
        with_region: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.national = national
        self.with_region = with_region
        if with_region:
            self.fields["region"] = forms.CharField(
                label=_("适用区划代码"),
                required=False,
                max_length=12,
                help_text=_("全国标准留空；省填2位、市填4位、县填6位代码前缀"),
            )
            self.fields["year"] = forms.IntegerField(
                label=_("起始年度"), min_value=2000, max_value=2100
            )
        for param in P.PARAMS:
            self.fields[param.key] = param_field(param)
            self.fields[ADJUST_PREFIX + param.key] = forms.BooleanField(
                label=_("本地区调整"), required=False
            )

    def groups(self) -> list[tuple[Any, list[tuple[forms.BoundField, forms.BoundField]]]]:
        """(group label, [(value field, adjust checkbox)]) in the order of PARAMS."""
        out: list[tuple[Any, list[tuple[forms.BoundField, forms.BoundField]]]] = []
        for param in P.PARAMS:
            if not out or out[-1][0] != param.group:
                out.append((param.group, []))
            out[-1][1].append((self[param.key], self[ADJUST_PREFIX + param.key]))
        return out

    def region_value(self) -> str:
        if not self.with_region:
            return ""
        return str(self.cleaned_data.get("region") or "").strip()

    def params_data(self, *, national: bool | None = None) -> dict[str, Any]:
        """The parameters to save: all of a national standard, the ticked ones of an override."""
        national = self.national if national is None else national
        out: dict[str, Any] = {}
        for param in P.PARAMS:
            if national or self.cleaned_data.get(ADJUST_PREFIX + param.key):
                out[param.key] = param_value(param, self.cleaned_data.get(param.key))
        return out


class WhatIfForm(_Form):
    """The numbers the engine can re-apply to a stored run, with the run's values as defaults."""

    region = forms.ChoiceField(label=_("调整哪一级的标准"), required=False)

    def __init__(
        self,
        *args: Any,
        regions: Iterable[tuple[str, str]] = (),
        defaults: dict[str, Any] | None = None,
        keys: Iterable[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "region", regions)
        self.defaults = defaults or {}
        self.keys = [k for k in keys if k in P.BY_KEY]
        for key in self.keys:
            param = P.BY_KEY[key]
            self.fields[key] = param_field(param)
            self.fields[key].initial = param_initial(param, self.defaults.get(key))

    def changes(self) -> dict[str, Any]:
        """Only what differs from the run's values. A value that cannot be compared goes to
        the service, which says what is wrong with it."""
        out: dict[str, Any] = {}
        for key in self.keys:
            param = P.BY_KEY[key]
            typed = param_value(param, self.cleaned_data.get(key))
            try:
                same = P.clean_value(param, typed) == P.clean_value(param, self.defaults.get(key))
            except ValueError:
                same = False
            if not same:
                out[key] = typed
        return out


# --- village facts and county assessment ------------------------------------------------


def _unknown_yes_no(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=UNKNOWN_YES_NO,
        required=False,
        coerce=lambda v: v == "1",
        empty_value=None,
    )


class VillageFactsForm(_Form):
    collective_income = forms.DecimalField(
        label=_("村集体经济收入(元)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_("留空表示尚无数据"),
    )
    hard_road = _unknown_yes_no(_("通硬化路"))
    safe_water = _unknown_yes_no(_("安全饮水"))
    electricity = _unknown_yes_no(_("通生活用电"))
    clinic = _unknown_yes_no(_("标准化卫生室"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = ("collective_income", "hard_road", "safe_water", "electricity", "clinic")

    def facts_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class CountyAssessmentForm(_Form):
    wrong_exit_rate = forms.DecimalField(
        label=_("错退率"),
        required=False,
        max_digits=6,
        decimal_places=4,
        help_text=_("比率，如 0.01 即 1%"),
    )
    miss_rate = forms.DecimalField(
        label=_("漏评率"),
        required=False,
        max_digits=6,
        decimal_places=4,
        help_text=_("比率，如 0.01 即 1%"),
    )
    approval_rate = forms.DecimalField(
        label=_("群众认可度"),
        required=False,
        max_digits=6,
        decimal_places=4,
        help_text=_("比率，如 0.95 即 95%"),
    )
    missed_people = forms.IntegerField(label=_("漏评人数"), required=False, min_value=0)
    wrongly_exited_people = forms.IntegerField(label=_("错退人数"), required=False, min_value=0)
    source = forms.CharField(
        label=_("来源"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如 2026年省第三方评估报告")}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = (
        "wrong_exit_rate",
        "miss_rate",
        "approval_rate",
        "missed_people",
        "wrongly_exited_people",
        "source",
    )

    def assessment_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class FactsFilterForm(_FilterForm):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    township = forms.ChoiceField(label=_("乡镇"), required=False)

    def __init__(
        self, *args: Any, townships: Iterable[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "township", [("", _("全部")), *townships])

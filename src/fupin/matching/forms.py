"""Forms of the matching pages: input shape only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.matching.models import Appraisal, Background, PairRule

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RoundForm(forms.Form):
    title = forms.CharField(label=_("名称"), max_length=100)
    area_code = forms.CharField(label=_("区划代码"), max_length=12)
    starts_on = forms.DateField(label=_("任期开始"), widget=DATE)
    villages = forms.CharField(
        label=_("待选派村代码（每行一个，留空为本区划未派第一书记的贫困村）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def village_codes(self) -> list[str] | None:
        codes = [c.strip() for c in self.cleaned_data["villages"].split() if c.strip()]
        return codes or None


class OverrideForm(forms.Form):
    area_code = forms.CharField(max_length=12, widget=forms.HiddenInput)
    candidate = forms.TypedChoiceField(
        label=_("改派人选"), coerce=int, required=False, empty_value=None
    )
    reason = forms.CharField(label=_("调整理由"), max_length=200)

    def __init__(self, *args: Any, candidates: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["candidate"].choices = [("", _("（不派）")), *candidates]  # type: ignore[attr-defined]


class RuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=PairRule.Kind.choices)
    area_code = forms.ChoiceField(label=_("村"))
    candidate = forms.TypedChoiceField(label=_("人选"), coerce=int)
    reason = forms.CharField(label=_("理由"), max_length=200)

    def __init__(
        self,
        *args: Any,
        villages: list[tuple[str, str]] = (),  # type: ignore[assignment]
        candidates: list[tuple[int, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = list(villages)  # type: ignore[attr-defined]
        self.fields["candidate"].choices = list(candidates)  # type: ignore[attr-defined]


class AppraisalForm(forms.Form):
    posting = forms.IntegerField(widget=forms.HiddenInput)
    year = forms.IntegerField(label=_("年度"))
    grade = forms.ChoiceField(label=_("等次"), choices=Appraisal.Grade.choices)
    note = forms.CharField(label=_("评语"), max_length=300, required=False)


class RecallForm(forms.Form):
    posting = forms.IntegerField(widget=forms.HiddenInput)
    grounds = forms.CharField(label=_("召回理由"), max_length=2000)


class CandidateForm(forms.Form):
    cadre = forms.IntegerField(widget=forms.HiddenInput)
    background = forms.ChoiceField(label=_("工作背景"), choices=Background.choices)
    birth_year = forms.IntegerField(label=_("出生年份"))
    skills = forms.CharField(label=_("专长（逗号分隔）"), max_length=200, required=False)
    languages = forms.CharField(label=_("通晓语言"), max_length=100, required=False)
    is_available = forms.BooleanField(label=_("可选派"), required=False, initial=True)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class VillageProfileForm(forms.Form):
    area_code = forms.CharField(max_length=12, widget=forms.HiddenInput)
    industries = forms.CharField(label=_("主导产业（逗号分隔）"), max_length=200, required=False)
    ethnic_language = forms.CharField(label=_("主要少数民族语言"), max_length=32, required=False)
    minority_share = forms.IntegerField(label=_("少数民族人口占比（%）"), min_value=0, max_value=100, initial=0)  # fmt: skip
    distance_km = forms.IntegerField(label=_("距县城（公里）"), min_value=0, initial=0)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

"""Forms of the procedures' pages: input shape only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PublicObjectionForm(forms.Form):
    procedure = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("异议内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    name = forms.CharField(label=_("您的姓名（可不填）"), max_length=64, required=False)
    contact = forms.CharField(
        label=_("联系方式（可不填，便于回复）"), max_length=64, required=False
    )
    # A field people do not see: a form that fills it is a robot's.
    website = forms.CharField(required=False, widget=forms.HiddenInput)


class OpenForm(forms.Form):
    kind = forms.ChoiceField(label=_("程序"))
    run = forms.IntegerField(
        label=_("评估批次编号"),
        required=False,
        min_value=1,
        help_text=_("退出、监测对象识别和风险消除只能为该批次的候选户开始；默认为最新批次"),
    )
    note = forms.CharField(
        label=_("说明"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: object, kinds: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]


class AdvanceForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(
        label=_("办理情况"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("异议内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    name = forms.CharField(label=_("提出人"), max_length=64, required=False)
    contact = forms.CharField(label=_("联系方式"), max_length=64, required=False)


class ResolveForm(forms.Form):
    objection = forms.IntegerField(widget=forms.HiddenInput)
    upheld = forms.ChoiceField(
        label=_("核查结论"),
        choices=[("0", _("异议不成立")), ("1", _("异议成立，退回重新评议"))],
        widget=forms.RadioSelect,
    )
    finding = forms.CharField(
        label=_("核查情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ResolveGroupForm(forms.Form):
    """One finding for objections that repeat one another."""

    ids = forms.CharField(widget=forms.HiddenInput)  # comma-separated objection ids
    upheld = forms.ChoiceField(
        label=_("核查结论"),
        choices=[("0", _("异议不成立")), ("1", _("异议成立，退回重新评议"))],
        widget=forms.RadioSelect,
    )
    finding = forms.CharField(
        label=_("核查情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def id_list(self) -> list[int]:
        return [int(p) for p in self.cleaned_data["ids"].split(",") if p.strip().isdigit()]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("终止原因"), max_length=1000)


class BatchForm(forms.Form):
    action = forms.ChoiceField(choices=[("advance", "advance"), ("notice", "notice")])
    step = forms.CharField(required=False)
    ids = forms.CharField()  # comma-separated, from the checked rows

    def id_list(self) -> list[int]:
        out = []
        for part in self.cleaned_data["ids"].split(","):
            part = part.strip()
            if part.isdigit():
                out.append(int(part))
        return out

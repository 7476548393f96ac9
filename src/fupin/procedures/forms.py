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

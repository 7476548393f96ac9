"""Forms of the user pages: input shape only; the services check names, passwords and
who may give which role where."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

NEW_PASSWORD = forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=False)


class _Confirmed(forms.Form):
    """Two password fields that must match."""

    first = "password"
    second = "password2"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get(self.first) and data.get(self.second) != data.get(self.first):
            self.add_error(self.second, _("两次输入的密码不一致"))
        return data


def _choices(field: Any, choices: Sequence[tuple[str, str]], blank: str | None) -> None:
    # Plain text fields shown as a select: the service, not the form, refuses a role or an
    # area the user may not give, with a message that says why.
    field.widget.choices = ([("", blank)] if blank is not None else []) + list(choices)


class UserCreateForm(_Confirmed):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
        help_text=_("登录用，可用文字、数字和 @ . + - _"),
    )
    full_name = forms.CharField(label=_("姓名"), max_length=150, required=False)
    password = forms.CharField(label=_("初始密码"), widget=NEW_PASSWORD, strip=False)
    password2 = forms.CharField(label=_("再次输入密码"), widget=NEW_PASSWORD, strip=False)
    role = forms.CharField(label=_("角色"), required=False, widget=forms.Select)
    area_code = forms.CharField(label=_("区划"), required=False, widget=forms.Select)

    def __init__(
        self,
        *args: Any,
        roles: Sequence[tuple[str, str]] = (),
        areas: Sequence[tuple[str, str]] = (),
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        _choices(self.fields["role"], roles, str(_("（暂不分配）")))
        _choices(self.fields["area_code"], areas, "—")


class RoleAssignForm(forms.Form):
    role = forms.CharField(label=_("角色"), widget=forms.Select)
    area_code = forms.CharField(label=_("区划"), widget=forms.Select)

    def __init__(
        self,
        *args: Any,
        roles: Sequence[tuple[str, str]] = (),
        areas: Sequence[tuple[str, str]] = (),
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        _choices(self.fields["role"], roles, None)
        _choices(self.fields["area_code"], areas, None)


class PasswordSetForm(_Confirmed):
    password = forms.CharField(label=_("新密码"), widget=NEW_PASSWORD, strip=False)
    password2 = forms.CharField(label=_("再次输入新密码"), widget=NEW_PASSWORD, strip=False)


class PasswordChangeForm(_Confirmed):
    first = "new_password"
    second = "new_password2"
    old_password = forms.CharField(
        label=_("原密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(label=_("新密码"), widget=NEW_PASSWORD, strip=False)
    new_password2 = forms.CharField(label=_("再次输入新密码"), widget=NEW_PASSWORD, strip=False)

"""Log in and out of the web interface."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Django's login form with the project's own Chinese labels and messages."""

    error_messages = {
        "invalid_login": _("用户名或密码错误，请重新输入。注意密码区分大小写。"),
        "inactive": _("该账号已停用，请联系管理员。"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.fields["username"].widget.attrs.update(autocapitalize="none", autocomplete="username")
        password = self.fields["password"]
        assert isinstance(password, forms.CharField)
        password.widget.attrs["autocomplete"] = "current-password"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

"""Log in and out, change one's password, the sign-in lockout page, and the user pages of
those who manage users (county administrators and township officers).

The user pages are refused (403) to everyone else; a user the manager does not see is
"not found". The services decide who may give which role where; their refusals are
shown on the form, field by field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from fupin.accounts import selectors, services
from fupin.accounts.forms import PasswordChangeForm, PasswordSetForm, RoleAssignForm, UserCreateForm
from fupin.core.errors import AccessDenied, FupinError, InvalidInput, NotFound

CHANNEL = "web"


class LoginForm(AuthenticationForm):
    """Django's login form with the project's own Chinese labels and messages."""

    error_messages = {
        "invalid_login": gettext_lazy("用户名或密码错误，请重新输入。注意密码区分大小写。"),
        "inactive": gettext_lazy("该账号已停用，请联系管理员。"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = gettext_lazy("用户名")
        self.fields["password"].label = gettext_lazy("密码")
        self.fields["username"].widget.attrs.update(autocapitalize="none", autocomplete="username")
        password = self.fields["password"]
        assert isinstance(password, forms.CharField)
        password.widget.attrs["autocomplete"] = "current-password"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True


def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """What django-axes answers a locked-out sign-in (``AXES_LOCKOUT_CALLABLE``): a page
    in Chinese on the web, the one JSON error shape under /api/; 429 either way."""
    from axes.helpers import get_cool_off  # type: ignore[import-untyped]

    cool_off = get_cool_off(request)
    minutes = max(1, int(cool_off.total_seconds() // 60)) if cool_off else 0
    if minutes:
        text = _("登录失败次数过多，已暂时锁定。请 %(n)s 分钟后再试，或请管理员解除锁定。") % {
            "n": minutes
        }
    else:
        text = _("登录失败次数过多，已锁定。请联系管理员解除锁定。")
    error = FupinError(text, code="throttled")
    error.status = 429
    if request.path.startswith("/api/"):
        return JsonResponse(error.as_dict(), status=429, json_dumps_params={"ensure_ascii": False})
    return render(request, "accounts/locked_out.html", {"error": error}, status=429)


# --- one's own password ----------------------------------------------------------------------


def _show_errors(form: forms.Form, exc: FupinError) -> None:
    """A service's refusal on the form: each field's reasons beside it, the rest on top."""
    placed = False
    if isinstance(exc, InvalidInput):
        for name, reasons in exc.fields.items():
            target = name if name in form.fields else None
            for reason in reasons:
                form.add_error(target, str(reason))
                placed = True
    if not placed:
        form.add_error(None, str(exc.message))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Every signed-in user changes their own password; they stay signed in."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                actor=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                channel=CHANNEL,
            )
        except InvalidInput as exc:
            _show_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
            messages.success(request, _("密码已修改。"))
            return HttpResponseRedirect(reverse("accounts:password_change"))
    return render(request, "accounts/password_change.html", {"form": form})


# --- managing users --------------------------------------------------------------------------


@login_required
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    after = request.GET.get("after", "")[:150]
    rows, next_after = selectors.user_list(actor=request.user, q=q, after=after)
    return render(
        request,
        "accounts/user_list.html",
        {"rows": rows, "q": q, "next_after": next_after, "after": after},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    selectors.manager_prefixes(request.user)
    form = UserCreateForm(
        request.POST or None,
        roles=selectors.role_choices(actor=request.user),
        areas=selectors.area_choices(actor=request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                full_name=data["full_name"],
                role=data["role"] or None,
                area_code=data["area_code"] or None,
                channel=CHANNEL,
            )
        except (InvalidInput, AccessDenied, NotFound) as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, _("已创建用户 %(name)s。") % {"name": user.username})
            return HttpResponseRedirect(reverse("accounts:user_detail", args=[user.pk]))
    return render(request, "accounts/user_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    row = selectors.user_detail(actor=request.user, user_id=user_id)
    if request.method == "POST":
        what = request.POST.get("what", "")
        try:
            if what == "deactivate":
                services.user_deactivate(actor=request.user, user_id=row.id, channel=CHANNEL)
                messages.success(request, _("已停用该账号。"))
            elif what == "reactivate":
                services.user_reactivate(actor=request.user, user_id=row.id, channel=CHANNEL)
                messages.success(request, _("已恢复该账号。"))
            elif what == "unlock":
                services.user_unlock(actor=request.user, user_id=row.id, channel=CHANNEL)
                messages.success(request, _("已解除登录锁定。"))
            elif what == "role_remove":
                assignment = int(request.POST.get("assignment") or 0)
                if assignment not in {r.id for r in row.roles}:
                    raise NotFound()
                services.role_remove(actor=request.user, assignment_id=assignment, channel=CHANNEL)
                messages.success(request, _("已取消该角色。"))
            else:
                raise InvalidInput(_("未知的操作。"))
        except (InvalidInput, AccessDenied, NotFound) as exc:
            messages.error(request, str(exc.message))
        return HttpResponseRedirect(request.path)
    return render(
        request,
        "accounts/user_detail.html",
        {"row": row, "is_self": row.id == request.user.pk},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def role_assign(request: HttpRequest, user_id: int) -> HttpResponse:
    row = selectors.user_detail(actor=request.user, user_id=user_id)
    form = RoleAssignForm(
        request.POST or None,
        roles=selectors.role_choices(actor=request.user),
        areas=selectors.area_choices(actor=request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.role_assign(
                actor=request.user,
                user_id=row.id,
                role=form.cleaned_data["role"],
                area_code=form.cleaned_data["area_code"],
                channel=CHANNEL,
            )
        except (InvalidInput, AccessDenied, NotFound) as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, _("已分配角色。"))
            return HttpResponseRedirect(reverse("accounts:user_detail", args=[row.id]))
    return render(request, "accounts/role_form.html", {"form": form, "row": row})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """A manager sets a user's password, typed in or generated (shown this once only)."""
    row = selectors.user_detail(actor=request.user, user_id=user_id)
    generate = request.method == "POST" and request.POST.get("what") == "generate"
    form = PasswordSetForm(None if generate else (request.POST or None))
    generated = ""
    if request.method == "POST" and (generate or form.is_valid()):
        password = services.generate_password() if generate else form.cleaned_data["password"]
        try:
            services.user_password_set(
                actor=request.user, user_id=row.id, password=password, channel=CHANNEL
            )
        except (InvalidInput, AccessDenied, NotFound) as exc:
            if form.is_bound:
                _show_errors(form, exc)
            else:
                messages.error(request, str(exc.message))
        else:
            if not generate:
                messages.success(request, _("已重置密码，请告知本人。"))
                return HttpResponseRedirect(reverse("accounts:user_detail", args=[row.id]))
            generated = password
    return render(
        request,
        "accounts/password_reset.html",
        {"form": form, "row": row, "generated": generated},
    )

"""Pages of the procedures. The public notice pages need no login: the board of the
village, on the web — head's name, masked ID number, household size, village group; no
health, no phone — with a form to object."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fupin.core.errors import InvalidInput
from fupin.procedures import selectors, services
from fupin.procedures.definitions import DEFINITIONS
from fupin.procedures.forms import PublicObjectionForm


@require_GET
def public_notice_list(request: HttpRequest) -> HttpResponse:
    notices = list(selectors.public_notices()[:200])
    return render(
        request,
        "procedures/public_notice_list.html",
        {"notices": notices, "definitions": DEFINITIONS},
    )


@require_http_methods(["GET", "POST"])
def public_notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    view = selectors.public_notice(notice_id=notice_id)
    status = 200
    form = PublicObjectionForm()
    if request.method == "POST":
        form = PublicObjectionForm(request.POST)
        status = 400
        if form.is_valid() and not form.cleaned_data["website"]:
            allowed = {e.procedure_id for e in view.entries}
            if form.cleaned_data["procedure"] not in allowed:
                form.add_error(None, _("请选择公示名单中的户。"))
            else:
                try:
                    services.objection_raise(
                        notice_id=view.notice.pk,
                        procedure_id=form.cleaned_data["procedure"],
                        text=form.cleaned_data["text"],
                        name=form.cleaned_data["name"],
                        contact=form.cleaned_data["contact"],
                        channel="public",
                    )
                except InvalidInput as exc:
                    form.add_error(None, str(exc.message))
                    for name, errors in exc.fields.items():
                        for error in errors:
                            form.add_error(name if name in form.fields else None, str(error))
                else:
                    messages.success(
                        request,
                        _("您的异议已收到。村、乡镇将核查并记录结论；核查期间该户不能进入下一步。"),
                    )
                    return HttpResponseRedirect(reverse("public_notice", args=[view.notice.pk]))
    return render(
        request,
        "procedures/public_notice.html",
        {"view": view, "form": form, "definition": DEFINITIONS[view.notice.kind]},
        status=status,
    )

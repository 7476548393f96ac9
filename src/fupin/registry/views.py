from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fupin.accounts.scope import scope_for
from fupin.registry import selectors


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    page = selectors.household_page(scope=scope, cursor=request.GET.get("cursor", ""))
    return render(request, "registry/household_list.html", {"page": page})


@login_required
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    household = selectors.household_get(scope=scope, household_id=household_id)
    return render(request, "registry/household_detail.html", {"household": household})

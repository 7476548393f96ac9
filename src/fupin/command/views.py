"""Pages of the command system: the printable organisation chart of the county's and each
township's HQ, the leaders and what each answers for, and the contact points with the
rules' violations listed first.

Every page needs a login, is refused to roles that may not read it, and shows only the
user's areas; the services decide who may change what, and their refusals come back as
messages on the page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fupin.accounts.models import Role
from fupin.accounts.scope import Scope, holds_role, scope_for
from fupin.areas.codes import level_of, prefix_q
from fupin.assistance.models import Unit
from fupin.command import selectors, services
from fupin.command.forms import CommandForm, ContactForm, GroupForm, LeaderForm, PostForm
from fupin.command.models import ContactPoint, Leader
from fupin.core import clock, pii
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.core.feedback import fail as _fail
from fupin.core.feedback import form_fail as _form_fail
from fupin.core.params import area_param

CHANNEL = "web"
FAILURES = (InvalidInput, Conflict, AccessDenied, NotFound)
READERS = (Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN, Role.AUDITOR)


def _scope(request: HttpRequest) -> Scope:
    """The user's scope; refused when they cover nothing or may not read these pages."""
    scope = scope_for(request.user)
    if scope.is_empty or not any(role in READERS for role, _code in scope.roles):
        raise AccessDenied()
    return scope


def _leader_choices(area_code: str) -> list[tuple[int, str]]:
    """Active leaders serving in the area's county (and its townships), or over it."""
    county = area_code[:6]
    above = [county[:2].ljust(12, "0"), county[:4].ljust(12, "0")]
    qs = Leader.objects.filter(is_active=True).filter(
        prefix_q("area_code", [county]) | Q(area_code__in=above)
    )
    return [
        (pk, f"{name}（{post}）")
        for pk, name, post in qs.order_by("area_code", "id").values_list("id", "name", "post")
    ]


def _unit_choices(area_code: str) -> list[tuple[int, str]]:
    qs = Unit.objects.filter(is_active=True).filter(prefix_q("area_code", [area_code[:6]]))
    return list(qs.order_by("name").values_list("id", "name"))


def _phones(request: HttpRequest, leaders: list[Any]) -> dict[int, str]:
    """Each leader's phone as the user may see it."""
    viewer = pii.viewer(request, CHANNEL)
    return {
        leader.id: viewer.phone(leader.phone, area_code=leader.area_code, ref=("leader", leader.id))
        for leader in leaders
    }


# --- the organisation chart ----------------------------------------------------------------


def _chart_post(request: HttpRequest, area_code: str, chart: selectors.Chart) -> None:
    what = request.POST.get("what", "")
    command = chart.command
    if what == "create":
        form = CommandForm(request.POST)
        if not form.is_valid():
            return _form_fail(request, form)
        services.command_create(
            actor=request.user,
            area_code=area_code,
            name=form.cleaned_data["name"],
            established_on=form.cleaned_data["established_on"],
            channel=CHANNEL,
        )
        messages.success(request, _("已设立指挥部，并建立五个专项工作组。"))
        return None
    if command is None:
        raise NotFound()
    if what == "post":
        pform = PostForm(request.POST, leaders=_leader_choices(area_code))
        if not pform.is_valid():
            return _form_fail(request, pform)
        services.post_assign(
            actor=request.user,
            command_id=command.pk,
            leader_id=pform.cleaned_data["leader"],
            role=pform.cleaned_data["role"],
            duty=pform.cleaned_data["duty"],
            ordering=pform.cleaned_data["ordering"] or 0,
            channel=CHANNEL,
        )
        messages.success(request, _("已保存指挥部成员。"))
    elif what == "post_remove":
        services.post_remove(
            actor=request.user, post_id=int(request.POST.get("post") or 0), channel=CHANNEL
        )
        messages.success(request, _("已移出指挥部。"))
    elif what == "group":
        gform = GroupForm(
            request.POST, leaders=_leader_choices(area_code), units=_unit_choices(area_code)
        )
        if not gform.is_valid():
            return _form_fail(request, gform)
        data = gform.cleaned_data
        services.group_save(
            actor=request.user,
            command_id=command.pk,
            group_id=data["group_id"],
            name=data["name"],
            line=data["line"],
            head_id=data["head"],
            lead_unit_id=data["lead_unit"],
            unit_ids=data["units"],
            duties=data["duties"],
            channel=CHANNEL,
        )
        messages.success(request, _("已保存工作组 %(name)s。") % {"name": data["name"]})
    elif what == "group_remove":
        services.group_remove(
            actor=request.user, group_id=int(request.POST.get("group") or 0), channel=CHANNEL
        )
        messages.success(request, _("已撤销工作组。"))
    return None


@login_required
@require_http_methods(["GET", "POST"])
def chart(request: HttpRequest, area_code: str = "") -> HttpResponse:
    """The organisation chart of an HQ: ``/command/`` is the county's, a township officer
    is taken to the township's."""
    scope = _scope(request)
    if not area_code:
        roots = scope.root_codes
        county = roots[0][:6] + "000000" if roots else ""
        if not county or not scope.covers(county):
            townships = [c for c in roots if level_of(c) == "township"]
            if not townships:
                raise NotFound()
            return HttpResponseRedirect(reverse("command:chart", args=[townships[0]]))
        area_code = county
    view = selectors.hq_chart(scope=scope, area_code=area_code)
    manager = services.COUNTY if view.level == "county" else services.TOWNSHIP
    may_manage = holds_role(request.user, manager, area_code)
    if request.method == "POST":
        try:
            _chart_post(request, area_code, view)
        except FAILURES as exc:
            _fail(request, exc)
        return HttpResponseRedirect(request.path)
    context: dict[str, Any] = {"chart": view, "may_manage": may_manage}
    if may_manage:
        leaders = _leader_choices(area_code)
        units = _unit_choices(area_code)
        context["command_form"] = CommandForm()
        context["post_form"] = PostForm(leaders=leaders)
        context["group_form"] = GroupForm(leaders=leaders, units=units)
        context["group_forms"] = [
            (
                group,
                GroupForm(
                    leaders=leaders,
                    units=units,
                    initial={
                        "group_id": group.pk,
                        "name": group.name,
                        "line": group.line,
                        "head": group.head_id,
                        "lead_unit": group.lead_unit_id,
                        "units": [u.pk for u in group.units.all()],
                        "duties": group.duties,
                    },
                    auto_id=f"g{group.pk}_%s",
                ),
            )
            for group in view.groups
        ]
    return render(request, "command/chart.html", context)


# --- contact points and violations -----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def contacts(request: HttpRequest) -> HttpResponse:
    """The violations of the contact-point rules first, then every contact point by
    township; the county assigns and ends them here."""
    scope = _scope(request)
    area = area_param(request.GET)
    if request.method == "POST":
        try:
            if request.POST.get("what") == "end":
                services.contact_end(
                    actor=request.user,
                    contact_id=int(request.POST.get("contact") or 0),
                    channel=CHANNEL,
                )
                messages.success(request, _("已结束联系。"))
            else:
                form = ContactForm(request.POST, leaders=_leader_choices(scope.root_codes[0]))
                if form.is_valid():
                    services.contact_assign(
                        actor=request.user,
                        leader_id=form.cleaned_data["leader"],
                        kind=form.cleaned_data["kind"],
                        area_code=form.cleaned_data["area_code"].strip(),
                        starts_on=form.cleaned_data["starts_on"],
                        note=form.cleaned_data["note"],
                        channel=CHANNEL,
                    )
                    messages.success(request, _("已登记联系点。"))
                else:
                    _form_fail(request, form)
        except FAILURES as exc:
            _fail(request, exc)
        return HttpResponseRedirect(reverse("command:contacts"))
    today = clock.today()
    rows = selectors.contact_points(scope=scope, area=area, today=today)
    may_manage = holds_role(request.user, services.COUNTY, scope.root_codes[0])
    context = {
        "violations": selectors.violations(scope=scope, area=area, today=today),
        "townships": selectors.by_township(rows),
        "count": len(rows),
        "may_manage": may_manage,
        "form": ContactForm(leaders=_leader_choices(scope.root_codes[0])) if may_manage else None,
        "today": today,
    }
    return render(request, "command/contacts.html", context)


# --- leaders ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def leaders(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    if request.method == "POST":
        try:
            if request.POST.get("what") == "retire":
                services.leader_retire(
                    actor=request.user,
                    leader_id=int(request.POST.get("leader") or 0),
                    channel=CHANNEL,
                )
                messages.success(request, _("已登记离任，其联系点已结束。"))
            else:
                form = LeaderForm(request.POST)
                if form.is_valid():
                    leader = services.leader_save(
                        actor=request.user, channel=CHANNEL, **form.cleaned_data
                    )
                    messages.success(request, _("已保存 %(name)s。") % {"name": leader.name})
                else:
                    _form_fail(request, form)
        except FAILURES as exc:
            _fail(request, exc)
        return HttpResponseRedirect(reverse("command:leaders"))
    rows = selectors.leaders(scope=scope)
    phones = _phones(request, rows)
    may_write = any(role in services.TOWNSHIP for role, _code in scope.roles)
    return render(
        request,
        "command/leaders.html",
        {
            "rows": [(r, phones[r.id]) for r in rows],
            "form": LeaderForm(initial={"area_code": scope.root_codes[0]}) if may_write else None,
            "may_retire": may_write,
        },
    )


@login_required
@require_GET
def leader(request: HttpRequest, leader_id: int) -> HttpResponse:
    """A leader's page: the townships and villages answered for, with their figures."""
    scope = _scope(request)
    detail = selectors.leader_detail(scope=scope, leader_id=leader_id)
    phone = _phones(request, [detail.leader])[detail.leader.pk]
    return render(
        request,
        "command/leader.html",
        {"detail": detail, "phone": phone, "kinds": ContactPoint.Kind},
    )

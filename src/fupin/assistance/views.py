"""Pages of assistance (精准帮扶): coverage and pairing, the norm reports, cadres and units,
the phone-first visit form, concerns, meeting agendas, a cadre's to-do list, household
plans and the measures ledger, work teams with presence and leave, notifications.

Every page needs a login and shows only the user's areas; the services decide who may
change what, and their refusals come back as messages on the page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fupin.accounts.models import Role
from fupin.accounts.scope import Scope, holds_role, scope_for
from fupin.areas.codes import prefix_q
from fupin.areas.models import Area
from fupin.assistance import selectors, services
from fupin.assistance.api import cadre_phones, concern_get, concerns_visible
from fupin.assistance.forms import (
    CadreForm,
    LeaveForm,
    MeasureForm,
    PairingForm,
    ParticipationForm,
    ParticipationIncomeForm,
    PlanForm,
    PlannedMeasureForm,
    PresenceForm,
    RecallForm,
    ResolveForm,
    RouteForm,
    TeamForm,
    TellForm,
    UnitForm,
    UnitVillageForm,
    VisitForm,
    last_days,
)
from fupin.assistance.models import (
    Cadre,
    Concern,
    Leave,
    Measure,
    Pairing,
    Participation,
    Plan,
    PlannedMeasure,
    Presence,
    TeamMember,
    Unit,
    UnitVillage,
    Visit,
    WorkTeam,
)
from fupin.core import clock, pii
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.core.feedback import fail as _fail
from fupin.core.feedback import form_fail as _form_fail
from fupin.core.params import area_param, as_id, choice_param, id_param
from fupin.procedures.selectors import head_names
from fupin.registry.models import Household
from fupin.registry.selectors import household_get

CHANNEL = "web"
FAILURES = (InvalidInput, Conflict, AccessDenied, NotFound)
READERS = (Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN, Role.AUDITOR)
PAGE = 200


def _scope(request: HttpRequest, roles: tuple[str, ...] = ()) -> Scope:
    """The user's scope; refused when they cover nothing, or hold none of ``roles``."""
    scope = scope_for(request.user)
    if scope.is_empty:
        raise AccessDenied()
    if roles and not any(role in roles for role, _code in scope.roles):
        raise AccessDenied()
    return scope


def _may(request: HttpRequest, roles: tuple[str, ...], area_code: str) -> bool:
    return holds_role(request.user, roles, area_code)


def _holds_any(scope: Scope, roles: tuple[str, ...]) -> bool:
    return any(role in roles for role, _code in scope.roles)


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    back = request.POST.get("back") or default
    return HttpResponseRedirect(back if back.startswith("/") else default)


def _own_cadre(request: HttpRequest) -> Cadre | None:
    return (
        Cadre.objects.filter(user_id=request.user.pk or 0, left_on=None)
        .select_related("unit")
        .first()
    )


def _cadre_choices(scope: Scope, area: str = "") -> list[tuple[int, str]]:
    qs = Cadre.objects.filter(prefix_q("area_code", scope.prefixes), left_on=None)
    if area:
        qs = qs.filter(Q(area_code=area[:6].ljust(12, "0")) | prefix_q("area_code", [area[:9]]))
    return [
        (c.pk, f"{c.name}（{c.unit.name}）")
        for c in qs.select_related("unit").order_by("area_code", "name")[:500]
    ]


def _month(value: str, today: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{value}-01") if value else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


# --- overview, norms ----------------------------------------------------------------------


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """Coverage per village, the households without a cadre, each with a pairing form."""
    scope = _scope(request, READERS)
    area = area_param(request.GET)
    rows = selectors.coverage(scope=scope, area=area)
    gaps = selectors.coverage_gaps(scope=scope, area=area)[:PAGE]
    may_pair = _holds_any(scope, (Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN))
    cadres = _cadre_choices(scope) if may_pair else []
    return render(
        request,
        "assistance/overview.html",
        {
            "rows": rows,
            "total": selectors.coverage_total(rows),
            "gaps": [
                (g, PairingForm(initial={"household": g.household_id}, cadres=cadres)) for g in gaps
            ],
            "may_pair": may_pair and bool(cadres),
            "area": area,
        },
    )


@login_required
@require_POST
def pair(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    form = PairingForm(request.POST, cadres=_cadre_choices(scope))
    if form.is_valid():
        try:
            pairing = services.pairing_create(
                actor=request.user,
                cadre_id=form.cleaned_data["cadre"],
                household_id=form.cleaned_data["household"],
                channel=CHANNEL,
            )
        except FAILURES as exc:
            _fail(request, exc)
        else:
            messages.success(
                request,
                _("已为 %(number)s 结对帮扶干部 %(name)s。")
                % {"number": pairing.household.number, "name": pairing.cadre.name},
            )
    else:
        _form_fail(request, form)
    return _back(request, reverse("assistance:overview"))


@login_required
@require_GET
def norms(request: HttpRequest) -> HttpResponse:
    """The norm reports: contact, visits, residence, teams, overdue concerns."""
    scope = _scope(request, READERS)
    area = area_param(request.GET)
    today = clock.today()
    month = _month(request.GET.get("month", "").strip(), today)
    return render(
        request,
        "assistance/norms.html",
        {
            "area": area,
            "month": month,
            "contact": selectors.contact_shortfalls(scope=scope, area=area)[:PAGE],
            "unvisited": selectors.unvisited_households(scope=scope, area=area)[:PAGE],
            "residence": selectors.residence_shortfalls(scope=scope, area=area, month=month),
            "teams": selectors.team_shortfalls(scope=scope, area=area),
            "overdue": selectors.overdue_concerns(scope=scope, area=area)[:PAGE],
            "by_area": selectors.shortfalls_by_area(scope=scope, area=area, month=month),
            "by_unit": selectors.shortfalls_by_unit(scope=scope, area=area, month=month),
        },
    )


# --- cadres and units ---------------------------------------------------------------------


def _units(scope: Scope) -> list[Unit]:
    """The active units a user may pick: those of the user's areas and of the counties
    above them (a county unit works in its townships)."""
    counties = {p[:6] for p in scope.prefixes if len(p) >= 6}
    where = prefix_q("area_code", scope.prefixes) | Q(
        area_code__in=[c.ljust(12, "0") for c in counties]
    )
    return list(Unit.objects.filter(where, is_active=True).order_by("name"))


@login_required
@require_http_methods(["GET", "POST"])
def cadres(request: HttpRequest) -> HttpResponse:
    scope = _scope(request, READERS)
    units = _units(scope)
    if request.method == "POST":
        what = request.POST.get("what", "")
        try:
            if what == "leave":
                cadre_id = int(request.POST.get("cadre") or 0)
                households = services.cadre_leave(
                    actor=request.user, cadre_id=cadre_id, channel=CHANNEL
                )
                numbers = list(
                    Household.objects.filter(pk__in=households).values_list("number", flat=True)
                )
                messages.success(
                    request,
                    _("已登记调离。以下 %(n)s 户待重新结对：%(numbers)s")
                    % {"n": len(numbers), "numbers": "、".join(numbers) or "—"},
                )
                return HttpResponseRedirect(reverse("assistance:overview"))
            form = CadreForm(request.POST, units=units)
            if not form.is_valid():
                _form_fail(request, form)
            else:
                data = form.cleaned_data
                user_id = None
                if data["username"]:
                    user_id = (
                        get_user_model()
                        .objects.filter(username=data["username"])
                        .values_list("pk", flat=True)
                        .first()
                    )
                    if user_id is None:
                        raise InvalidInput(fields={"username": [_("没有这个登录账号")]})
                cadre = services.cadre_save(
                    actor=request.user,
                    unit_id=data["unit"],
                    name=data["name"],
                    area_code=data["area_code"],
                    phone=data["phone"],
                    is_party_member=data["is_party_member"],
                    post=data["post"],
                    skills=data["skills"],
                    user_id=user_id,
                    cadre_id=data["cadre_id"],
                    version=data["version"],
                    channel=CHANNEL,
                )
                messages.success(request, _("已保存干部 %(name)s。") % {"name": cadre.name})
        except FAILURES as exc:
            _fail(request, exc)
        except ValueError:
            messages.error(request, _("请选择干部。"))
        return HttpResponseRedirect(reverse("assistance:cadres"))
    area = area_param(request.GET)
    loads = selectors.cadre_loads(scope=scope, area=area)
    editing = None
    edit_id = id_param(request.GET, "edit")
    if edit_id is not None:
        editing = (
            Cadre.objects.filter(prefix_q("area_code", scope.prefixes), pk=edit_id)
            .select_related("user")
            .first()
        )
    if editing is not None:
        viewer = pii.viewer(request, CHANNEL)
        form = CadreForm(
            units=units,
            initial={
                "cadre_id": editing.pk,
                "version": editing.version,
                "name": editing.name,
                "unit": editing.unit_id,
                "area_code": editing.area_code,
                # the form shows the phone to roles that may see it, to edit it
                "phone": viewer.phone(
                    editing.phone, area_code=editing.area_code, ref=("cadre", editing.pk)
                )
                if viewer.sees(editing.area_code)
                else "",
                "post": editing.post,
                "skills": editing.skills,
                "is_party_member": editing.is_party_member,
                "username": editing.user.get_username() if editing.user else "",
            },
        )
    else:
        form = CadreForm(units=units, initial={"area_code": scope.root_codes[0]})
    return render(
        request,
        "assistance/cadres.html",
        {
            "loads": loads,
            "form": form,
            "editing": editing,
            "may_edit": _holds_any(scope, (Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN)),
            "area": area,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def units(request: HttpRequest) -> HttpResponse:
    scope = _scope(request, READERS)
    if request.method == "POST":
        what = request.POST.get("what", "")
        try:
            if what == "village":
                vform = UnitVillageForm(request.POST)
                if vform.is_valid():
                    services.unit_village_pair(
                        actor=request.user,
                        unit_id=vform.cleaned_data["unit"],
                        area_code=vform.cleaned_data["area_code"],
                        starts_on=vform.cleaned_data["starts_on"],
                        channel=CHANNEL,
                    )
                    messages.success(request, _("已登记定点帮扶村。"))
                else:
                    _form_fail(request, vform)
            else:
                form = UnitForm(request.POST)
                if form.is_valid():
                    unit = services.unit_save(
                        actor=request.user,
                        name=form.cleaned_data["name"],
                        kind=form.cleaned_data["kind"],
                        area_code=form.cleaned_data["area_code"],
                        handles_concerns=form.cleaned_data["handles_concerns"],
                        unit_id=form.cleaned_data["unit_id"],
                        channel=CHANNEL,
                    )
                    messages.success(request, _("已保存单位 %(name)s。") % {"name": unit.name})
                else:
                    _form_fail(request, form)
        except FAILURES as exc:
            _fail(request, exc)
        return HttpResponseRedirect(reverse("assistance:units"))
    rows = [
        u
        for u in Unit.objects.filter(Q(pk__in=[u.pk for u in _units(scope)]))
        .prefetch_related(
            Prefetch(
                "villages",
                queryset=UnitVillage.objects.filter(ends_on__isnull=True).order_by("area_code"),
                to_attr="current_villages",
            )
        )
        .order_by("name")
    ]
    names = dict(
        Area.objects.filter(
            code__in={v.area_code for u in rows for v in u.current_villages}
        ).values_list("code", "name")
    )
    may_edit = _holds_any(scope, (Role.COUNTY_ADMIN,))
    return render(
        request,
        "assistance/units.html",
        {
            "rows": [
                (u, [(v, names.get(v.area_code, v.area_code)) for v in u.current_villages])
                for u in rows
            ],
            "form": UnitForm(initial={"area_code": scope.root_codes[0]}) if may_edit else None,
            "village_form": UnitVillageForm(initial={"starts_on": clock.today()})
            if may_edit
            else None,
        },
    )


# --- visits ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def visit(request: HttpRequest) -> HttpResponse:
    """The phone-first visit form (民情日记)."""
    scope = _scope(request, services.FIELD)
    cadre = _own_cadre(request)
    today = clock.today()
    if request.method == "POST":
        form = VisitForm(request.POST)
        if form.is_valid():
            try:
                done = services.visit_record(
                    actor=request.user,
                    household_id=form.cleaned_data["household"],
                    visited_on=form.cleaned_data["visited_on"],
                    seen=form.cleaned_data["seen"],
                    mode=form.cleaned_data["mode"],
                    photos=request.FILES.getlist("photos"),
                    latitude=form.cleaned_data["latitude"],
                    longitude=form.cleaned_data["longitude"],
                    concerns=form.concern_lines(),
                    channel=CHANNEL,
                )
            except FAILURES as exc:
                _fail(request, exc)
            else:
                n = done.concerns.count()
                messages.success(
                    request,
                    _("已记录走访 %(number)s（%(n)s 个问题已登记）。")
                    % {"number": done.household.number, "n": n},
                )
                return HttpResponseRedirect(reverse("assistance:visit"))
        else:
            _form_fail(request, form)
    else:
        initial: dict[str, Any] = {"visited_on": today}
        household_id = id_param(request.GET, "household")
        if household_id is not None:
            initial["household"] = household_id
        form = VisitForm(initial=initial)
    mine: list[tuple[int, str]] = []
    if cadre is not None:
        paired = list(
            Pairing.objects.filter(cadre=cadre, ends_on__isnull=True)
            .select_related("household")
            .order_by("household__number")
        )
        heads = head_names([p.household_id for p in paired])
        mine = [
            (p.household_id, f"{p.household.number} {heads.get(p.household_id, '')}")
            for p in paired
        ]
    q = request.GET.get("q", "").strip()
    found: list[tuple[int, str]] = []
    wanted = form["household"].value()
    search = Household.objects.filter(prefix_q("area_code", scope.prefixes), is_active=True)
    if q:
        search = search.filter(number__icontains=q)
    elif (wanted_id := as_id(wanted)) is not None and wanted_id not in {i for i, _n in mine}:
        search = search.filter(pk=wanted_id)
    else:
        search = search.none()
    rows = list(search.order_by("number")[:30])
    heads = head_names([h.pk for h in rows])
    found = [
        (h.pk, f"{h.number} {heads.get(h.pk, '')}")
        for h in rows
        if h.pk not in {i for i, _n in mine}
    ]
    return render(
        request,
        "assistance/visit.html",
        {
            "form": form,
            "cadre": cadre,
            "mine": mine,
            "found": found,
            "q": q,
            "selected": str(wanted or ""),
            "max_photos": services.MAX_PHOTOS,
        },
    )


# --- concerns -------------------------------------------------------------------------------


def _may_see_concerns(request: HttpRequest) -> None:
    if scope_for(request.user).is_empty and _own_cadre(request) is None:
        raise AccessDenied()


@login_required
@require_GET
def concern_list(request: HttpRequest) -> HttpResponse:
    _may_see_concerns(request)
    status = choice_param(request.GET, "status", [*Concern.Status.values, "open"])
    level = choice_param(request.GET, "level", Concern.Level.values)
    area = area_param(request.GET)
    qs = concerns_visible(request.user).select_related("household")
    if status in Concern.Status.values:
        qs = qs.filter(status=status)
    elif status == "open":
        qs = qs.filter(status__in=selectors.OPEN_CONCERN)
    if level in Concern.Level.values:
        qs = qs.filter(level=level)
    if area:
        qs = qs.filter(prefix_q("area_code", [area]))
    concerns = list(qs.order_by("-raised_on", "-id")[:PAGE])
    today = clock.today()
    heads = head_names([c.household_id for c in concerns if c.household_id])
    return render(
        request,
        "assistance/concern_list.html",
        {
            "rows": [
                (
                    c,
                    selectors.effective_due(c),
                    c.status in selectors.OPEN_CONCERN and selectors.effective_due(c) < today,
                    heads.get(c.household_id or 0, ""),
                )
                for c in concerns
            ],
            "status": status,
            "level": level,
            "statuses": Concern.Status.choices,
            "levels": Concern.Level.choices,
        },
    )


def _departments(concern: Concern) -> list[Unit]:
    return list(
        Unit.objects.filter(
            handles_concerns=True,
            is_active=True,
            area_code__startswith=concern.area_code[:6],
        ).order_by("name")
    )


@login_required
@require_http_methods(["GET", "POST"])
def concern_detail(request: HttpRequest, concern_id: int) -> HttpResponse:
    concern = concern_get(request.user, concern_id)
    url = reverse("assistance:concern", args=[concern.pk])
    if request.method == "POST":
        what = request.POST.get("what", "")
        try:
            if what == "route":
                form = RouteForm(request.POST, departments=_departments(concern))
                if form.is_valid():
                    services.concern_route(
                        actor=request.user,
                        concern_id=concern.pk,
                        level=form.cleaned_data["level"],
                        department_id=form.cleaned_data["department"],
                        due_on=form.cleaned_data["due_on"],
                        note=form.cleaned_data["note"],
                        version=form.cleaned_data["version"],
                        channel=CHANNEL,
                    )
                    messages.success(request, _("已交办。"))
                else:
                    _form_fail(request, form)
            elif what == "resolve":
                rform = ResolveForm(request.POST)
                if rform.is_valid():
                    services.concern_resolve(
                        actor=request.user,
                        concern_id=concern.pk,
                        resolution=rform.cleaned_data["resolution"],
                        version=rform.cleaned_data["version"],
                        channel=CHANNEL,
                    )
                    messages.success(request, _("已办结，请向群众反馈。"))
                else:
                    _form_fail(request, rform)
            elif what == "tell":
                tform = TellForm(request.POST)
                if tform.is_valid():
                    services.concern_tell(
                        actor=request.user,
                        concern_id=concern.pk,
                        note=tform.cleaned_data["note"],
                        told_on=tform.cleaned_data["told_on"],
                        version=tform.cleaned_data["version"],
                        channel=CHANNEL,
                    )
                    messages.success(request, _("已登记向群众反馈，问题办结。"))
                else:
                    _form_fail(request, tform)
        except FAILURES as exc:
            _fail(request, exc)
        return HttpResponseRedirect(url)
    open_ = concern.status in selectors.OPEN_CONCERN
    may_route = open_ and (
        _may(request, services.TOWNSHIP, concern.area_code)
        or _may(request, services.VILLAGE, concern.area_code)
    )
    may_resolve = concern.status == Concern.Status.ROUTED and services.may_handle(
        request.user, concern
    )
    may_tell = concern.status == Concern.Status.RESOLVED and _may(
        request, services.FIELD, concern.area_code
    )
    version = {"version": concern.version}
    today = clock.today()
    due = selectors.effective_due(concern)
    return render(
        request,
        "assistance/concern_detail.html",
        {
            "concern": concern,
            "events": list(concern.events.select_related("actor")),
            "due": due,
            "overdue": open_ and due < today,
            "head": head_names([concern.household_id]).get(concern.household_id or 0, "")
            if concern.household_id
            else "",
            "route": RouteForm(departments=_departments(concern), initial=version)
            if may_route
            else None,
            "resolve": ResolveForm(initial=version) if may_resolve else None,
            "tell": TellForm(initial={**version, "told_on": today}) if may_tell else None,
        },
    )


@login_required
@require_GET
def agenda(request: HttpRequest, area_code: str) -> HttpResponse:
    """The printable agenda of a village's, a township's or the county's study meeting."""
    scope = _scope(request)
    try:
        view = selectors.agenda(scope=scope, area_code=area_code)
    except InvalidInput as exc:
        raise NotFound(exc.message) from exc
    return render(request, "assistance/agenda.html", {"agenda": view, "today": clock.today()})


# --- a cadre's own pages --------------------------------------------------------------------


@login_required
@require_GET
def todo(request: HttpRequest) -> HttpResponse:
    cadre = _own_cadre(request)
    view = selectors.cadre_todo(cadre=cadre) if cadre is not None else None
    return render(request, "assistance/todo.html", {"todo": view})


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("ids") if i.isascii() and i.isdigit()]
        n = services.notifications_read(actor=request.user, ids=ids)
        messages.success(request, _("已将 %(n)s 条通知标为已读。") % {"n": n})
        return HttpResponseRedirect(reverse("assistance:notifications"))
    rows = list(selectors.notifications_for(user=request.user)[:PAGE])
    return render(request, "assistance/notifications.html", {"rows": rows})


# --- plans, measures, schemes -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, household_id: int) -> HttpResponse:
    """一户一策: the plans of a household by year, their planned measures and progress;
    its schemes and their yearly income."""
    scope = _scope(request)
    household = household_get(scope=scope, household_id=household_id)
    url = reverse("assistance:plan", args=[household.pk])
    if request.method == "POST":
        what = request.POST.get("what", "")
        try:
            if what == "plan":
                form = PlanForm(request.POST)
                if form.is_valid():
                    services.plan_save(
                        actor=request.user,
                        household_id=household.pk,
                        year=form.cleaned_data["year"],
                        income_target=form.cleaned_data["income_target"],
                        note=form.cleaned_data["note"],
                        version=form.cleaned_data["version"],
                        channel=CHANNEL,
                    )
                    messages.success(request, _("已保存帮扶计划。"))
                else:
                    _form_fail(request, form)
            elif what == "item":
                iform = PlannedMeasureForm(request.POST)
                if iform.is_valid():
                    if not Plan.objects.filter(
                        pk=iform.cleaned_data["plan"], household=household
                    ).exists():
                        raise NotFound()
                    services.planned_measure_add(
                        actor=request.user,
                        plan_id=iform.cleaned_data["plan"],
                        type_code=iform.cleaned_data["type"],
                        description=iform.cleaned_data["description"],
                        due_on=iform.cleaned_data["due_on"],
                        amount=iform.cleaned_data["amount"],
                        channel=CHANNEL,
                    )
                    messages.success(request, _("已增加计划措施。"))
                else:
                    _form_fail(request, iform)
            elif what == "participation":
                pform = ParticipationForm(request.POST)
                if pform.is_valid():
                    services.participation_add(
                        actor=request.user,
                        household_id=household.pk,
                        kind=pform.cleaned_data["kind"],
                        name=pform.cleaned_data["name"],
                        starts_on=pform.cleaned_data["starts_on"],
                        amount=pform.cleaned_data["amount"],
                        income_field=pform.cleaned_data["income_field"],
                        channel=CHANNEL,
                    )
                    messages.success(request, _("已登记产业带动项目。"))
                else:
                    _form_fail(request, pform)
            elif what == "income":
                nform = ParticipationIncomeForm(request.POST)
                if nform.is_valid():
                    if not Participation.objects.filter(
                        pk=nform.cleaned_data["participation"], household=household
                    ).exists():
                        raise NotFound()
                    services.participation_income_set(
                        actor=request.user,
                        participation_id=nform.cleaned_data["participation"],
                        year=nform.cleaned_data["year"],
                        amount=nform.cleaned_data["amount"],
                        channel=CHANNEL,
                    )
                    messages.success(request, _("已登记收益，并计入当年家庭收入。"))
                else:
                    _form_fail(request, nform)
        except FAILURES as exc:
            _fail(request, exc)
        return HttpResponseRedirect(url)
    plans = list(
        Plan.objects.filter(household=household)
        .prefetch_related("items__type", "items__delivered")
        .order_by("-year")
    )
    progress = selectors.plan_progress(plans=plans)
    participations = list(
        Participation.objects.filter(household=household)
        .prefetch_related("incomes")
        .order_by("-starts_on", "-id")
    )
    year = clock.today().year
    may_write = _may(request, services.FIELD, household.area_code)
    current = next((p for p in plans if p.year == year), None)
    return render(
        request,
        "assistance/plan.html",
        {
            "household": household,
            "plans": [(p, progress.get(p.pk)) for p in plans],
            "participations": participations,
            "may_write": may_write,
            "plan_form": PlanForm(
                initial={
                    "year": year,
                    "income_target": current.income_target if current else None,
                    "note": current.note if current else "",
                    "version": current.version if current else None,
                }
            ),
            "item_form": PlannedMeasureForm(initial={"plan": plans[0].pk}) if plans else None,
            "participation_form": ParticipationForm(initial={"starts_on": clock.today()}),
            "income_form_year": year - 1,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def measure_new(request: HttpRequest) -> HttpResponse:
    """Record a delivered measure in a household's ledger."""
    scope = _scope(request)
    household_id = id_param(request.POST, "household") or id_param(request.GET, "household")
    if household_id is None:
        raise NotFound()
    household = household_get(scope=scope, household_id=household_id)
    planned = [
        (i.pk, f"{i.plan.year} {i.type.name}：{i.description}")
        for i in PlannedMeasure.objects.filter(
            plan__household=household, delivered__isnull=True
        ).select_related("plan", "type")
    ]
    if request.method == "POST":
        form = MeasureForm(request.POST, planned=planned)
        if form.is_valid():
            try:
                services.measure_record(
                    actor=request.user,
                    household_id=household.pk,
                    type_code=form.cleaned_data["type"],
                    delivered_on=form.cleaned_data["delivered_on"],
                    description=form.cleaned_data["description"],
                    amount=form.cleaned_data["amount"],
                    project_name=form.cleaned_data["project_name"],
                    planned_id=form.cleaned_data["planned"],
                    channel=CHANNEL,
                )
            except FAILURES as exc:
                _fail(request, exc)
            else:
                messages.success(request, _("已记入帮扶措施账。"))
                return HttpResponseRedirect(
                    reverse("registry:household_detail", args=[household.pk]) + "#assistance"
                )
        else:
            _form_fail(request, form)
    else:
        form = MeasureForm(
            planned=planned,
            initial={"household": household.pk, "delivered_on": clock.today()},
        )
    return render(request, "assistance/measure_new.html", {"form": form, "household": household})


# --- work teams, presence, leave ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def teams(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    url = reverse("assistance:teams")
    if request.method == "POST":
        what = request.POST.get("what", "")
        try:
            if what == "create":
                form = TeamForm(request.POST, cadres=_cadre_choices(scope), units=_units(scope))
                if form.is_valid():
                    data = form.cleaned_data
                    services.team_create(
                        actor=request.user,
                        area_code=data["area_code"],
                        leader_id=data["leader"],
                        member_ids=data["members"],
                        starts_on=data["starts_on"],
                        ends_on=data["ends_on"],
                        unit_id=data["unit"],
                        channel=CHANNEL,
                    )
                    messages.success(request, _("已组建驻村工作队。"))
                else:
                    _form_fail(request, form)
            elif what == "recall":
                rform = RecallForm(request.POST)
                if rform.is_valid():
                    services.team_member_recall(
                        actor=request.user,
                        member_id=rform.cleaned_data["member"],
                        grounds=rform.cleaned_data["grounds"],
                        channel=CHANNEL,
                    )
                    messages.success(request, _("已召回。"))
                else:
                    _form_fail(request, rform)
            elif what == "presence":
                pform = PresenceForm(request.POST)
                if pform.is_valid():
                    n = services.presence_record(
                        actor=request.user, days=pform.cleaned_data["days"], channel=CHANNEL
                    )
                    messages.success(request, _("已登记 %(n)s 天在村。") % {"n": n})
                else:
                    _form_fail(request, pform)
            elif what == "leave":
                lform = LeaveForm(request.POST)
                if lform.is_valid():
                    leave = services.leave_request(
                        actor=request.user,
                        starts_on=lform.cleaned_data["starts_on"],
                        ends_on=lform.cleaned_data["ends_on"],
                        reason=lform.cleaned_data["reason"],
                        channel=CHANNEL,
                    )
                    messages.success(
                        request,
                        _("已提交请假 %(days)s 天，待审批。") % {"days": leave.days},
                    )
                else:
                    _form_fail(request, lform)
        except FAILURES as exc:
            _fail(request, exc)
        return HttpResponseRedirect(url)
    today = clock.today()
    first = today.replace(day=1)
    members = TeamMember.objects.filter(ends_on__isnull=True).select_related("cadre__unit")
    rows = list(
        WorkTeam.objects.filter(prefix_q("area_code", scope.prefixes), is_active=True)
        .select_related("unit")
        .prefetch_related(Prefetch("members", queryset=members, to_attr="current"))
        .order_by("area_code")[:PAGE]
    )
    member_ids = [m.pk for t in rows for m in t.current]
    presence: dict[int, int] = {}
    for member_id in Presence.objects.filter(
        member_id__in=member_ids, day__gte=first, day__lte=today
    ).values_list("member_id", flat=True):
        presence[member_id] = presence.get(member_id, 0) + 1
    names = dict(
        Area.objects.filter(code__in=[t.area_code for t in rows]).values_list("code", "name")
    )
    own = (
        TeamMember.objects.filter(cadre__user_id=request.user.pk or 0, ends_on__isnull=True)
        .select_related("team")
        .first()
    )
    recorded: set[str] = set()
    if own is not None:
        recorded = {
            d.isoformat()
            for d in Presence.objects.filter(
                member=own, day__gte=today - dt.timedelta(days=31)
            ).values_list("day", flat=True)
        }
    may_create = _holds_any(scope, (Role.COUNTY_ADMIN,))
    return render(
        request,
        "assistance/teams.html",
        {
            "rows": [
                (
                    t,
                    names.get(t.area_code, t.area_code),
                    [(m, presence.get(m.pk, 0)) for m in t.current],
                    _may(request, services.COUNTY, t.area_code),
                )
                for t in rows
            ],
            "own": own,
            "days": [(d.isoformat(), d, d.isoformat() in recorded) for d in last_days()]
            if own
            else [],
            "leave_form": LeaveForm() if own else None,
            "form": TeamForm(cadres=_cadre_choices(scope), units=_units(scope))
            if may_create
            else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def leaves(request: HttpRequest) -> HttpResponse:
    """Leave requests waiting for a decision the user may take."""
    scope = _scope(request, (Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN))
    if request.method == "POST":
        try:
            leave_id = int(request.POST.get("leave") or 0)
            leave = Leave.objects.filter(prefix_q("area_code", scope.prefixes), pk=leave_id).first()
            if leave is None:
                raise NotFound()
            services.leave_decide(
                actor=request.user,
                leave_id=leave.pk,
                approve=request.POST.get("approve") == "1",
                channel=CHANNEL,
            )
            messages.success(request, _("已审批。"))
        except FAILURES as exc:
            _fail(request, exc)
        except ValueError:
            messages.error(request, _("请选择请假。"))
        return HttpResponseRedirect(reverse("assistance:leaves"))
    rows = list(
        Leave.objects.filter(prefix_q("area_code", scope.prefixes), status=Leave.Status.REQUESTED)
        .select_related("member__cadre")
        .order_by("starts_on", "id")[:PAGE]
    )
    return render(
        request,
        "assistance/leaves.html",
        {
            "rows": [
                (
                    leave,
                    _may(
                        request,
                        (Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN)
                        if leave.approver_level == "township"
                        else services.COUNTY,
                        leave.area_code,
                    ),
                )
                for leave in rows
            ]
        },
    )


# --- the household page's section ---------------------------------------------------------


@dataclass
class HouseholdAssistance:
    pairing: Pairing | None
    phone: str
    plan: Plan | None
    progress: selectors.Progress | None
    measures: list[Measure]
    participations: list[Participation]
    visits: list[Visit]
    concerns: list[Concern]
    may_visit: bool
    may_record: bool
    past_cadres: list[Pairing] = field(default_factory=list)


def household_assistance(
    *, request: HttpRequest, scope: Scope, household: Household
) -> HouseholdAssistance:
    """The assistance section of the household page, in a handful of queries."""
    pairings = list(
        Pairing.objects.filter(household=household)
        .select_related("cadre__unit")
        .order_by("-starts_on", "-id")[:10]
    )
    current = next((p for p in pairings if p.ends_on is None), None)
    may_field = household.is_active and _may(request, services.FIELD, household.area_code)
    phone = ""
    if current is not None:
        phone = cadre_phones(
            viewer=pii.viewer(request, CHANNEL), rows=[(current.cadre, household.area_code)]
        ).get(current.cadre_id, "")
    plan_row = (
        Plan.objects.filter(household=household)
        .prefetch_related("items__type")
        .order_by("-year")
        .first()
    )
    progress = selectors.plan_progress(plans=[plan_row]).get(plan_row.pk) if plan_row else None
    return HouseholdAssistance(
        pairing=current,
        phone=phone,
        plan=plan_row,
        progress=progress,
        measures=list(
            Measure.objects.filter(household=household)
            .select_related("type", "cadre")
            .order_by("-delivered_on", "-id")[:30]
        ),
        participations=list(
            Participation.objects.filter(household=household)
            .prefetch_related("incomes")
            .order_by("-starts_on", "-id")
        ),
        visits=list(
            Visit.objects.filter(household=household)
            .select_related("cadre")
            .prefetch_related("photos")
            .order_by("-visited_on", "-id")[:5]
        ),
        concerns=list(
            Concern.objects.filter(household=household).order_by("-raised_on", "-id")[:20]
        ),
        may_visit=may_field,
        may_record=may_field,
        past_cadres=[p for p in pairings if p.ends_on is not None],
    )


@login_required
@require_GET
def visit_photo(request: HttpRequest, photo_id: int) -> FileResponse:
    """A visit's photo, within the user's areas; served as an attachment, never sniffed."""
    from fupin.procedures import evidence

    photo = selectors.visit_photo_get(scope=scope_for(request.user), photo_id=photo_id)
    response: FileResponse = evidence.file_response(
        photo.path, photo.content_type, photo.original_name
    )
    return response

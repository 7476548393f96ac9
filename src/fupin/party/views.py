"""Pages of Party organisations and members: the organisations with their member counts
and the cooperatives no branch covers, one organisation with its members, meetings and
covered bodies, the economic bodies, a member's file (政治生活档案) with the vanguard
index item by item, and the ranking per branch.

Every page needs a login, refuses roles that keep no Party roll (cadres, users without a
role) and shows only the user's areas; the services decide who may change what, and their
refusals come back as messages on the page. Phones are masked unless the role sees
personal data there, and an unmasked view is logged."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fupin.accounts.scope import Scope, holds_role
from fupin.areas.codes import prefix_q
from fupin.areas.models import Area
from fupin.assistance.models import Unit
from fupin.core import clock, pii
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.core.feedback import fail as _fail
from fupin.core.feedback import form_fail as _form_fail
from fupin.core.params import area_param, choice_param, id_param, year_param
from fupin.party import selectors, services
from fupin.party.api import member_phones, reader_scope
from fupin.party.forms import (
    BodyForm,
    CoverForm,
    MeetingForm,
    MemberForm,
    OrganisationForm,
    RecordForm,
    TransferForm,
)
from fupin.party.models import EconomicBody, PartyMember, PartyOrganisation

CHANNEL = "web"
FAILURES = (InvalidInput, Conflict, AccessDenied, NotFound)
PAGE = 300


def _scope(request: HttpRequest) -> Scope:
    return reader_scope(request.user)


def _may(request: HttpRequest, roles: tuple[str, ...], area_code: str) -> bool:
    return holds_role(request.user, roles, area_code)


def _manages_any(scope: Scope) -> bool:
    return any(role in services.MANAGERS for role, _code in scope.roles)


def _year(request: HttpRequest) -> int:
    return year_param(request.GET) or clock.today().year


def _organisation_choices(scope: Scope) -> list[tuple[int, str]]:
    return [
        (o.pk, o.name)
        for o in PartyOrganisation.objects.filter(
            prefix_q("area_code", scope.prefixes), is_active=True
        ).order_by("area_code", "name")[:1000]
    ]


def _unit_choices(scope: Scope) -> list[tuple[int, str]]:
    return [
        (u.pk, u.name)
        for u in Unit.objects.filter(
            prefix_q("area_code", scope.prefixes), is_active=True
        ).order_by("name")[:500]
    ]


# --- organisations ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def organisations(request: HttpRequest) -> HttpResponse:
    """The organisations (filter by base and kind) with their member counts; cooperatives
    and enterprises no branch covers, and the coverage share per township."""
    scope = _scope(request)
    may_edit = _manages_any(scope)
    if request.method == "POST":
        form = OrganisationForm(
            request.POST, parents=_organisation_choices(scope), units=_unit_choices(scope)
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                organisation = services.organisation_save(
                    actor=request.user,
                    name=data["name"],
                    kind=data["kind"],
                    base=data["base"],
                    area_code=data["area_code"],
                    parent_id=data["parent"],
                    unit_id=data["unit"],
                    secretary_name=data["secretary_name"],
                    founded_on=data["founded_on"],
                    channel=CHANNEL,
                )
            except FAILURES as exc:
                _fail(request, exc)
            else:
                messages.success(
                    request, _("已保存党组织 %(name)s。") % {"name": organisation.name}
                )
                return HttpResponseRedirect(reverse("party:organisation", args=[organisation.pk]))
        else:
            _form_fail(request, form)
        return HttpResponseRedirect(reverse("party:organisations"))
    base = choice_param(request.GET, "base", PartyOrganisation.Base.values)
    kind = choice_param(request.GET, "kind", PartyOrganisation.Kind.values)
    area = area_param(request.GET)
    rows = list(selectors.organisations(scope=scope, area=area, base=base, kind=kind)[:PAGE])
    return render(
        request,
        "party/organisations.html",
        {
            "rows": rows,
            "bases": PartyOrganisation.Base.choices,
            "kinds": PartyOrganisation.Kind.choices,
            "base": base,
            "kind": kind,
            "area": area,
            "uncovered": list(selectors.uncovered_bodies(scope=scope, area=area)[:PAGE]),
            "coverage": selectors.coverage_by_township(scope=scope, area=area),
            "form": (
                OrganisationForm(parents=_organisation_choices(scope), units=_unit_choices(scope))
                if may_edit
                else None
            ),
        },
    )


def _organisation_post(request: HttpRequest, scope: Scope, organisation: PartyOrganisation) -> None:
    what = request.POST.get("what", "")
    members = [(m.pk, m.name) for m in organisation.members.filter(is_active=True)]
    if what == "meeting":
        form: Any = MeetingForm(request.POST, members=members)
        if form.is_valid():
            data = form.cleaned_data
            meeting = services.meeting_record(
                actor=request.user,
                organisation_id=organisation.pk,
                kind=data["kind"],
                held_on=data["held_on"],
                topic=data["topic"],
                attendee_ids=data["attendees"],
                channel=CHANNEL,
            )
            messages.success(
                request,
                _("已记录 %(topic)s，参会 %(n)s 人。")
                % {"topic": meeting.topic, "n": len(data["attendees"])},
            )
        else:
            _form_fail(request, form)
    elif what in ("cover", "uncover"):
        try:
            body_id = int(request.POST.get("body", ""))
        except ValueError:
            messages.error(request, _("请选择经济组织。"))
            return
        service = services.body_cover if what == "cover" else services.body_uncover
        body = service(
            actor=request.user, organisation_id=organisation.pk, body_id=body_id, channel=CHANNEL
        )
        messages.success(
            request,
            (_("已覆盖 %(name)s。") if what == "cover" else _("已取消覆盖 %(name)s。"))
            % {"name": body.name},
        )
    elif what == "member":
        form = MemberForm(request.POST)
        if form.is_valid():
            member = _member_save(request, organisation.pk, form.cleaned_data, None)
            messages.success(request, _("已登记党员 %(name)s。") % {"name": member.name})
        else:
            _form_fail(request, form)


def _member_save(
    request: HttpRequest, organisation_id: int, data: dict[str, Any], member_id: int | None
) -> PartyMember:
    return services.member_save(
        actor=request.user,
        organisation_id=organisation_id,
        name=data["name"],
        gender=data["gender"],
        birth_date=data["birth_date"],
        education=data["education"],
        joined_on=data["joined_on"],
        phone=data["phone"],
        household_id=data["household"],
        is_demonstration_household=data["is_demonstration_household"],
        is_business_leader=data["is_business_leader"],
        households_led=data["households_led"] or 0,
        member_id=member_id,
        version=data.get("version"),
        channel=CHANNEL,
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """One organisation: its members (phones as the role may see them), meetings with a
    form to record one and its attendance, the bodies it covers with the cover form."""
    scope = _scope(request)
    org = selectors.organisation_get(scope=scope, organisation_id=organisation_id)
    if request.method == "POST":
        try:
            _organisation_post(request, scope, org)
        except FAILURES as exc:
            _fail(request, exc)
        return HttpResponseRedirect(reverse("party:organisation", args=[org.pk]))
    members = list(selectors.members(scope=scope, organisation_id=org.pk))
    phones = member_phones(viewer=pii.viewer(request, CHANNEL), rows=members)
    may_manage = _may(request, services.MANAGERS, org.area_code)
    may_record = org.is_active and _may(request, services.MEETING_RECORDERS, org.area_code)
    covered = list(EconomicBody.objects.filter(organisations=org).order_by("area_code", "name"))
    candidates: list[tuple[int, str]] = []
    if may_manage and org.is_active:
        candidates = [
            (b.pk, f"{b.name}（{b.get_kind_display()}）")
            for b in selectors.bodies(scope=scope, area=org.area_code)
            .exclude(organisations=org)
            .prefetch_related(None)[:PAGE]
        ]
    choices = [(m.pk, m.name) for m in members]
    return render(
        request,
        "party/organisation.html",
        {
            "org": org,
            "members": [(m, phones[m.pk]) for m in members],
            "meetings": selectors.meetings(organisation=org),
            "covered": covered,
            "may_manage": may_manage,
            "meeting_form": (
                MeetingForm(members=choices, initial={"attendees": [c[0] for c in choices]})
                if may_record
                else None
            ),
            "cover_form": CoverForm(bodies=candidates) if candidates else None,
            "member_form": MemberForm() if may_manage and org.is_active else None,
            "year": clock.today().year,
        },
    )


# --- bodies -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def bodies(request: HttpRequest) -> HttpResponse:
    """The economic bodies with the organisations covering them (filter: kind, uncovered)."""
    scope = _scope(request)
    if request.method == "POST":
        form = BodyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                body = services.body_save(actor=request.user, channel=CHANNEL, **data)
            except FAILURES as exc:
                _fail(request, exc)
            else:
                messages.success(request, _("已保存经济组织 %(name)s。") % {"name": body.name})
        else:
            _form_fail(request, form)
        return HttpResponseRedirect(reverse("party:bodies"))
    kind = choice_param(request.GET, "kind", EconomicBody.Kind.values)
    area = area_param(request.GET)
    uncovered = request.GET.get("uncovered") == "1"
    rows = list(selectors.bodies(scope=scope, area=area, kind=kind, uncovered=uncovered)[:PAGE])
    return render(
        request,
        "party/bodies.html",
        {
            "rows": rows,
            "kinds": EconomicBody.Kind.choices,
            "kind": kind,
            "area": area,
            "uncovered": uncovered,
            "coverage": selectors.coverage_by_township(scope=scope, area=area),
            "form": BodyForm() if _manages_any(scope) else None,
        },
    )


# --- members --------------------------------------------------------------------------------


def _member_post(request: HttpRequest, member: PartyMember) -> None:
    what = request.POST.get("what", "")
    if what == "record":
        form: Any = RecordForm(request.POST)
        if form.is_valid():
            services.record_add(
                actor=request.user, member_id=member.pk, channel=CHANNEL, **form.cleaned_data
            )
            messages.success(request, _("已记入档案。"))
        else:
            _form_fail(request, form)
    elif what == "transfer":
        form = TransferForm(request.POST)
        if form.is_valid():
            services.member_transfer_out(
                actor=request.user,
                member_id=member.pk,
                left_on=form.cleaned_data["left_on"],
                version=form.cleaned_data["version"],
                channel=CHANNEL,
            )
            messages.success(request, _("已办理转出。"))
        else:
            _form_fail(request, form)
    elif what == "member":
        form = MemberForm(request.POST)
        if form.is_valid():
            _member_save(request, member.organisation_id, form.cleaned_data, member.pk)
            messages.success(request, _("已保存。"))
        else:
            _form_fail(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def member(request: HttpRequest, member_id: int) -> HttpResponse:
    """The member's file for a year and the vanguard index item by item, each item with
    the facts behind its points; forms for records, transfer and the file itself."""
    scope = _scope(request)
    if request.method == "POST":
        found = selectors.member_get(scope=scope, member_id=member_id)
        try:
            _member_post(request, found)
        except FAILURES as exc:
            _fail(request, exc)
        return HttpResponseRedirect(reverse("party:member", args=[found.pk]))
    year = _year(request)
    f = selectors.member_file(scope=scope, member_id=member_id, year=year)
    m = f.member
    viewer = pii.viewer(request, CHANNEL)
    phone = member_phones(viewer=viewer, rows=[m])[m.pk]
    may_manage = m.is_active and _may(request, services.MANAGERS, m.area_code)
    return render(
        request,
        "party/member.html",
        {
            "f": f,
            "m": m,
            "phone": phone,
            "year": year,
            "years": list(range(clock.today().year, clock.today().year - 5, -1)),
            "record_form": RecordForm() if may_manage else None,
            "transfer_form": (
                TransferForm(initial={"left_on": clock.today(), "version": m.version})
                if may_manage
                else None
            ),
            "member_form": (
                MemberForm(
                    initial={
                        "name": m.name,
                        "gender": m.gender,
                        "birth_date": m.birth_date,
                        "education": m.education,
                        "joined_on": m.joined_on,
                        "phone": phone,
                        "household": m.household_id,
                        "is_demonstration_household": m.is_demonstration_household,
                        "is_business_leader": m.is_business_leader,
                        "households_led": m.households_led,
                        "version": m.version,
                    }
                )
                if may_manage and viewer.sees(m.area_code)
                else None
            ),
        },
    )


@login_required
@require_GET
def vanguard(request: HttpRequest) -> HttpResponse:
    """The vanguard index ranked per branch for a year (filter by organisation); printable."""
    scope = _scope(request)
    year = _year(request)
    organisation_id = id_param(request.GET, "organisation")
    townships = list(
        Area.objects.filter(prefix_q("code", scope.prefixes), level=Area.Level.TOWNSHIP)
        .order_by("code")
        .values_list("code", "name")
    )
    everywhere = request.GET.get("area") == "all"
    area = "" if everywhere else area_param(request.GET)
    if not everywhere and not area and not organisation_id and len(townships) > 1:
        # a county-wide ranking is thousands of rows: start with one township
        area = townships[0][0]
    rows = selectors.vanguard(scope=scope, year=year, area=area, organisation_id=organisation_id)
    groups: list[tuple[str, int, list[tuple[selectors.VanguardRow, list[Any]]]]] = []
    for r in rows:  # already ordered by organisation: group without a query
        if not groups or groups[-1][1] != r.organisation_id:
            groups.append((r.organisation_name, r.organisation_id, []))
        groups[-1][2].append((r, [r.points[i.key] for i in selectors.ITEMS]))
    return render(
        request,
        "party/vanguard.html",
        {
            "groups": groups,
            "items": selectors.ITEMS,
            "year": year,
            "years": list(range(clock.today().year, clock.today().year - 5, -1)),
            "organisations": _organisation_choices(scope),
            "organisation_id": organisation_id,
            "area": area,
            "townships": townships if len(townships) > 1 else [],
        },
    )

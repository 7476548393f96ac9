"""Pages of village leadership and grassroots Party building: the overview (structure
statistics and reserve gaps), a village's roster, weak branches and a case (printable),
instructors and supervisors with the 六个一 grid, trainings and who is untrained.

Every page needs a login and shows only the user's areas; the services decide who may
change what, and their refusals come back as messages on the page."""

from __future__ import annotations

from collections.abc import Callable
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
from fupin.accounts.scope import Scope, scope_for
from fupin.areas.codes import prefix_q
from fupin.areas.models import Area
from fupin.assistance.models import Cadre
from fupin.command.models import Leader
from fupin.core import clock
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.core.feedback import fail as _fail
from fupin.core.feedback import form_fail as _form_fail
from fupin.core.params import area_param, choice_param, year_param
from fupin.leadership import selectors, services
from fupin.leadership.forms import (
    AssignEndForm,
    AssignForm,
    AttendanceForm,
    CaseCloseForm,
    CourseForm,
    EvidenceForm,
    FlagForm,
    GoalForm,
    ItemCloseForm,
    ItemForm,
    OfficialEndForm,
    OfficialForm,
    ReserveForm,
    ReserveRemoveForm,
    TeamForm,
)
from fupin.leadership.models import Goal, WeakCase, WeakCriterion
from fupin.procedures import evidence

CHANNEL = "web"
FAILURES = (InvalidInput, Conflict, AccessDenied, NotFound)
# Who reads these pages: the county, townships, auditors, and village secretaries for
# their own village; a cadre's work is in assistance.
READERS = (Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.AUDITOR, Role.VILLAGE_SECRETARY)


def _scope(request: HttpRequest) -> Scope:
    """The user's scope; refused when they cover nothing or read none of these pages."""
    scope = scope_for(request.user)
    if scope.is_empty or not any(role in READERS for role, _code in scope.roles):
        raise AccessDenied()
    return scope


def _holds_any(scope: Scope, roles: tuple[str, ...]) -> bool:
    return any(role in roles for role, _code in scope.roles)


def _submit(request: HttpRequest, form: Any, action: Callable[[Any], Any], done: str) -> None:
    """Validate the form, run the service with its cleaned data, report the outcome."""
    if not form.is_valid():
        _form_fail(request, form)
        return
    try:
        action(form.cleaned_data)
    except FAILURES as exc:
        _fail(request, exc)
    else:
        messages.success(request, done)


def _villages(scope: Scope, area: str = "") -> list[tuple[str, str]]:
    qs = Area.objects.filter(level=Area.Level.VILLAGE).filter(prefix_q("code", scope.prefixes))
    if area:
        qs = qs.filter(prefix_q("code", [area]))
    return list(qs.order_by("code").values_list("code", "name")[:1000])


def _cadres(scope: Scope) -> list[tuple[int, str]]:
    """Cadres in post who work in the user's areas or in a county containing them."""
    counties = {p[:6].ljust(12, "0") for p in scope.prefixes}
    return [
        (pk, f"{name}（{unit}）")
        for pk, name, unit in Cadre.objects.filter(left_on__isnull=True)
        .filter(prefix_q("area_code", scope.prefixes) | Q(area_code__in=counties))
        .order_by("area_code", "name")
        .values_list("pk", "name", "unit__name")[:1000]
    ]


# --- overview and roster ---------------------------------------------------------------------


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """Structure statistics per township and county, and the villages short of reserve
    cadres."""
    scope = _scope(request)
    area = area_param(request.GET)
    today = clock.today()
    return render(
        request,
        "leadership/overview.html",
        {
            "rows": selectors.structure(scope=scope, area=area, today=today),
            "gaps": selectors.reserve_gaps(scope=scope, area=area, today=today),
            "villages": _villages(scope, area),
            "young_age": selectors.norm_of(
                scope.prefixes[0].ljust(12, "0"), "young_official_age", today.year
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def village(request: HttpRequest, code: str) -> HttpResponse:
    """A village's 两委 roster and reserve cadres, with the township's forms."""
    scope = _scope(request)
    roster = selectors.village_roster(scope=scope, code=code)
    url = reverse("leadership:village", args=[code])
    if request.method == "POST":
        what = request.POST.get("what", "")
        user = request.user
        if what == "appoint":
            _submit(
                request,
                OfficialForm(request.POST),
                lambda d: services.official_appoint(
                    actor=user, area_code=code, channel=CHANNEL, **d
                ),
                _("已任职。"),
            )
        elif what == "end":
            _submit(
                request,
                OfficialEndForm(request.POST),
                lambda d: services.official_end(
                    actor=user,
                    official_id=d["official"],
                    version=d["version"],
                    ends_on=d["ends_on"],
                    channel=CHANNEL,
                ),
                _("已离任。"),
            )
        elif what == "reserve":
            _submit(
                request,
                ReserveForm(request.POST),
                lambda d: services.reserve_add(actor=user, area_code=code, channel=CHANNEL, **d),
                _("已入库。"),
            )
        elif what == "unreserve":
            _submit(
                request,
                ReserveRemoveForm(request.POST),
                lambda d: services.reserve_remove(
                    actor=user, reserve_id=d["reserve"], reason=d["reason"], channel=CHANNEL
                ),
                _("已出库。"),
            )
        return HttpResponseRedirect(url)
    may_appoint = services.may(request.user, services.TOWNSHIP, code)
    return render(
        request,
        "leadership/village.html",
        {
            "roster": roster,
            "short": len(roster.reserves) < roster.reserve_min,
            "may_appoint": may_appoint,
            "may_propose": services.may(request.user, services.VILLAGE, code),
            "official_form": OfficialForm(),
            "reserve_form": ReserveForm(),
        },
    )


# --- weak branches -------------------------------------------------------------------------


def _criteria() -> list[tuple[str, str]]:
    return list(WeakCriterion.objects.filter(is_active=True).values_list("key", "label"))


@login_required
@require_http_methods(["GET", "POST"])
def weak_cases(request: HttpRequest) -> HttpResponse:
    """The weak-branch cases with their status and items, the overdue items, and the
    county's form to flag a branch."""
    scope = _scope(request)
    may_flag = _holds_any(scope, (Role.COUNTY_ADMIN,))
    organisations = (
        [(o.pk, o.name) for o in selectors.village_organisations(scope=scope)[:1000]]
        if may_flag
        else []
    )
    if request.method == "POST":
        form = FlagForm(request.POST, organisations=organisations, criteria=_criteria())
        created: list[WeakCase] = []
        _submit(
            request,
            form,
            lambda d: created.append(
                services.weak_case_flag(
                    actor=request.user,
                    organisation_id=d["organisation"],
                    criteria=d["criteria"],
                    finding=d["finding"],
                    channel=CHANNEL,
                )
            ),
            _("已认定为软弱涣散党组织。"),
        )
        if created:
            return HttpResponseRedirect(reverse("leadership:weak_case", args=[created[0].pk]))
        return HttpResponseRedirect(reverse("leadership:weak_cases"))
    year = year_param(request.GET)
    status = choice_param(request.GET, "status", WeakCase.Status.values)
    return render(
        request,
        "leadership/weak_list.html",
        {
            "rows": selectors.weak_cases(scope=scope, year=year, status=status),
            "overdue": selectors.overdue_items(scope=scope),
            "statuses": WeakCase.Status.choices,
            "status": status,
            "year": year or "",
            "may_flag": may_flag and bool(organisations),
            "form": FlagForm(organisations=organisations, criteria=_criteria()),
        },
    )


def _team_choices(case: WeakCase) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    county = case.area_code[:6].ljust(12, "0")
    leaders = [
        (pk, f"{name}（{post}）")
        for pk, name, post in Leader.objects.filter(
            level=Leader.Level.COUNTY, is_active=True, area_code=county
        )
        .order_by("name")
        .values_list("pk", "name", "post")
    ]
    cadres = [
        (pk, f"{name}（{unit}）")
        for pk, name, unit in Cadre.objects.filter(left_on__isnull=True)
        .filter(prefix_q("area_code", [case.area_code[:6]]))
        .order_by(
            # the village's own cadres first: the work team's leader is usually the one
            "-area_code",
            "name",
        )
        .values_list("pk", "name", "unit__name")[:1000]
    ]
    return leaders, cadres


@login_required
@require_http_methods(["GET", "POST"])
def weak_case(request: HttpRequest, case_id: int) -> HttpResponse:
    """A case: the checklist, the 三对一 team, the items with their evidence; printable."""
    scope = _scope(request)
    detail = selectors.weak_case_get(scope=scope, case_id=case_id)
    case = detail.case
    url = reverse("leadership:weak_case", args=[case.pk])
    user = request.user
    if request.method == "POST":
        what = request.POST.get("what", "")
        if what == "team":
            leaders, cadres = _team_choices(case)
            _submit(
                request,
                TeamForm(request.POST, leaders=leaders, cadres=cadres),
                lambda d: services.weak_case_team_assign(
                    actor=user,
                    case_id=case.pk,
                    county_leader_id=d["county_leader"],
                    first_secretary_id=d["first_secretary"],
                    township_lead=d["township_lead"],
                    version=d["version"],
                    channel=CHANNEL,
                ),
                _("已落实整顿力量。"),
            )
        elif what == "item":
            _submit(
                request,
                ItemForm(request.POST),
                lambda d: services.rectification_item_add(
                    actor=user,
                    case_id=case.pk,
                    text=d["text"],
                    due_on=d["due_on"],
                    channel=CHANNEL,
                ),
                _("已添加整改事项。"),
            )
        elif what == "close_item":
            _submit(
                request,
                ItemCloseForm(request.POST, request.FILES),
                lambda d: services.rectification_item_close(
                    actor=user,
                    item_id=_own_item(detail, d["item"]),
                    note=d["note"],
                    upload=d["evidence"],
                    channel=CHANNEL,
                ),
                _("整改事项已完成。"),
            )
        elif what == "evidence":
            _submit(
                request,
                EvidenceForm(request.POST, request.FILES),
                lambda d: services.rectification_evidence_attach(
                    actor=user,
                    item_id=_own_item(detail, d["item"]),
                    upload=d["evidence"],
                    channel=CHANNEL,
                ),
                _("已上传佐证材料。"),
            )
        elif what == "close":
            _submit(
                request,
                CaseCloseForm(request.POST),
                lambda d: services.weak_case_close(
                    actor=user, case_id=case.pk, version=d["version"], channel=CHANNEL
                ),
                _("已销号。"),
            )
        return HttpResponseRedirect(url)
    is_open = case.status != WeakCase.Status.CLOSED
    may_county = is_open and services.may(user, services.COUNTY, case.area_code)
    may_township = is_open and services.may(user, services.TOWNSHIP, case.area_code)
    leaders, cadres = _team_choices(case) if may_county else ([], [])
    return render(
        request,
        "leadership/weak_case.html",
        {
            "d": detail,
            "case": case,
            "may_team": may_county,
            "may_items": may_township,
            "may_evidence": is_open and services.may(user, services.VILLAGE, case.area_code),
            "may_close": may_county and detail.may_close,
            "team_form": TeamForm(
                leaders=leaders,
                cadres=cadres,
                initial={
                    "version": case.version,
                    "county_leader": case.county_leader_id,
                    "first_secretary": case.first_secretary_id,
                    "township_lead": case.township_lead,
                },
            ),
            "item_form": ItemForm(),
        },
    )


def _own_item(detail: selectors.CaseDetail, item_id: int) -> int:
    """An item of the case shown (a posted id of another case is not found)."""
    if item_id not in {i.pk for i in detail.items}:
        raise NotFound()
    return item_id


@login_required
@require_GET
def item_evidence(request: HttpRequest, item_id: int) -> Any:
    """An item's evidence file, downloaded within the user's areas."""
    item = selectors.item_get(scope=_scope(request), item_id=item_id)
    if not item.evidence:
        raise NotFound()
    extension = item.evidence.rsplit(".", 1)[-1]
    return evidence.file_response(
        item.evidence,
        services.EVIDENCE_TYPES.get(extension, "application/octet-stream"),
        item.evidence_name or f"evidence.{extension}",
    )


# --- instructors and supervisors ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def building(request: HttpRequest) -> HttpResponse:
    """The assignment check, the current assignments, and the township's form."""
    scope = _scope(request)
    may_assign = _holds_any(scope, services.TOWNSHIP)
    villages = _villages(scope) if may_assign else []
    if request.method == "POST":
        what = request.POST.get("what", "")
        if what == "assign":
            _submit(
                request,
                AssignForm(request.POST, cadres=_cadres(scope), villages=villages),
                lambda d: services.building_assign(
                    actor=request.user,
                    kind=d["kind"],
                    cadre_id=d["cadre"],
                    area_code=d["area_code"],
                    channel=CHANNEL,
                ),
                _("已安排。"),
            )
        elif what == "end":
            _submit(
                request,
                AssignEndForm(request.POST),
                lambda d: services.building_end(
                    actor=request.user, assignment_id=d["assignment"], channel=CHANNEL
                ),
                _("已结束该任务。"),
            )
        return HttpResponseRedirect(reverse("leadership:building"))
    return render(
        request,
        "leadership/building.html",
        {
            "check": selectors.building_check(scope=scope),
            "assignments": list(selectors.assignments(scope=scope)[:2000]),
            "may_assign": may_assign,
            "form": AssignForm(cadres=_cadres(scope) if may_assign else [], villages=villages),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def goals(request: HttpRequest) -> HttpResponse:
    """Villages × 六个一 for a year, each with its instructor."""
    scope = _scope(request)
    today = clock.today()
    year = year_param(request.GET) or today.year
    if request.method == "POST":
        _submit(
            request,
            GoalForm(request.POST),
            lambda d: services.goal_record(
                actor=request.user,
                area_code=d["area_code"],
                year=year,
                goal=d["goal"],
                note=d["note"],
                reached_on=d["reached_on"] or None,
                channel=CHANNEL,
            ),
            _("已记录。"),
        )
        return HttpResponseRedirect(f"{reverse('leadership:goals')}?year={year}")
    may_record = _holds_any(scope, services.VILLAGE)
    return render(
        request,
        "leadership/goals.html",
        {
            "rows": selectors.goal_grid(scope=scope, year=year, today=today),
            "goals": Goal.choices,
            "year": year,
            "years": list(range(today.year, today.year - 5, -1)),
            "may_record": may_record,
        },
    )


# --- trainings ----------------------------------------------------------------------------


def _course_areas(scope: Scope) -> list[tuple[str, str]]:
    """Areas the user may hold a course for: where they are township officer or county
    admin."""
    codes = [c for role, c in scope.roles if role in services.TOWNSHIP]
    return list(Area.objects.filter(code__in=codes).order_by("code").values_list("code", "name"))


@login_required
@require_http_methods(["GET", "POST"])
def trainings(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    areas = _course_areas(scope)
    if request.method == "POST":
        _submit(
            request,
            CourseForm(request.POST, areas=areas),
            lambda d: services.course_save(actor=request.user, channel=CHANNEL, **d),
            _("已登记培训。"),
        )
        return HttpResponseRedirect(reverse("leadership:trainings"))
    year = year_param(request.GET)
    return render(
        request,
        "leadership/trainings.html",
        {
            "rows": selectors.courses(scope=scope, year=year),
            "year": year or "",
            "may_add": bool(areas),
            "form": CourseForm(areas=areas),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def course(request: HttpRequest, course_id: int) -> HttpResponse:
    scope = _scope(request)
    detail = selectors.course_get(scope=scope, course_id=course_id)
    may_record = services.may(request.user, services.TOWNSHIP, detail.course.area_code)
    officials, members = (
        selectors.attendee_choices(scope=scope, course=detail.course) if may_record else ([], [])
    )
    url = reverse("leadership:course", args=[course_id])
    if request.method == "POST":
        _submit(
            request,
            AttendanceForm(request.POST, officials=officials, members=members),
            lambda d: services.attendance_record(
                actor=request.user,
                course_id=course_id,
                member_ids=d["members"],
                official_ids=d["officials"],
                channel=CHANNEL,
            ),
            _("已登记参训人员。"),
        )
        return HttpResponseRedirect(url)
    present_officials = {a.official_id for a in detail.attendance if a.official_id}
    present_members = {a.member_id for a in detail.attendance if a.member_id}
    return render(
        request,
        "leadership/course.html",
        {
            "d": detail,
            "may_record": may_record,
            "form": AttendanceForm(
                officials=[o for o in officials if o[0] not in present_officials],
                members=[m for m in members if m[0] not in present_members],
            ),
        },
    )


@login_required
@require_GET
def untrained(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    today = clock.today()
    year = year_param(request.GET) or today.year
    rows = selectors.untrained(scope=scope, year=year, today=today)
    return render(
        request,
        "leadership/untrained.html",
        {
            "rows": rows,
            "year": year,
            "officials": sum(len(r.officials) for r in rows),
            "members": sum(len(r.members) for r in rows),
        },
    )

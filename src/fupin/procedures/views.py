"""Pages of the procedures. The public notice pages need no login: the board of the
village, on the web — head's name, masked ID number, household size, village group; no
health, no phone — with a form to object."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fupin.accounts.scope import scope_for
from fupin.areas.codes import prefix_of, prefix_q
from fupin.areas.models import Area
from fupin.areas.selectors import area_get
from fupin.core import pii
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.core.params import area_param
from fupin.procedures import evidence as evidence_files
from fupin.procedures import selectors, services
from fupin.procedures.definitions import DEFINITIONS
from fupin.procedures.forms import (
    AdvanceForm,
    BatchForm,
    CancelForm,
    ObjectionForm,
    OpenForm,
    PublicObjectionForm,
    ResolveForm,
    ResolveGroupForm,
)
from fupin.procedures.models import Objection, Procedure
from fupin.registry.models import Household
from fupin.registry.selectors import household_get

CHANNEL = "web"


@require_GET
def public_notice_list(request: HttpRequest) -> HttpResponse:
    notices = list(selectors.public_notices()[:200])
    return render(
        request,
        "procedures/public_notice_list.html",
        {"notices": notices, "definitions": DEFINITIONS},
    )


VISITOR_COOKIE = "fupin_visitor"


def _visitor_cookie(request: HttpRequest) -> str:
    cookie = request.COOKIES.get(VISITOR_COOKIE, "")
    if len(cookie) == 32 and cookie.isalnum():
        return cookie
    return secrets.token_hex(16)


def _remember_visitor(response: HttpResponse, cookie: str) -> HttpResponse:
    response.set_cookie(
        VISITOR_COOKIE, cookie, max_age=365 * 24 * 3600, httponly=True, samesite="Lax"
    )
    return response


@require_http_methods(["GET", "POST"])
def public_notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    view = selectors.public_notice(notice_id=notice_id)
    cookie = _visitor_cookie(request)
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
                        # the address is hashed with the cookie, never kept as it is
                        visitor=services.visitor_key(request.META.get("REMOTE_ADDR", ""), cookie),
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
                    return _remember_visitor(
                        HttpResponseRedirect(reverse("public_notice", args=[view.notice.pk])),
                        cookie,
                    )
    return _remember_visitor(
        render(
            request,
            "procedures/public_notice.html",
            {"view": view, "form": form, "definition": DEFINITIONS[view.notice.kind]},
            status=status,
        ),
        cookie,
    )


# --- staff pages -------------------------------------------------------------------------

PAGE = 100


def _fail(request: HttpRequest, exc: Any) -> None:
    text = str(exc.message)
    for errors in exc.fields.values():
        text += " " + " ".join(str(e) for e in errors)
    messages.error(request, text)


def _subjects(rows: list[Procedure]) -> dict[int, str]:
    """Per procedure: the head's name, or for a village's own procedure, the village."""
    heads = selectors.head_names([p.household_id for p in rows if p.household_id])
    villages = selectors.area_names([p.area_code for p in rows if not p.household_id])
    return {
        p.pk: heads.get(p.household_id, "")
        if p.household_id
        else villages.get(p.area_code, p.area_code)
        for p in rows
    }


def _step_label(procedure: Procedure) -> Any:
    definition = DEFINITIONS[procedure.kind]
    return definition.steps[definition.index(procedure.step)].label


@login_required
@require_GET
def procedure_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if scope.is_empty:
        raise AccessDenied()
    kind = request.GET.get("kind", "")
    step = request.GET.get("step", "")
    area = area_param(request.GET)
    qs = selectors.procedure_list(scope=scope, state=Procedure.State.OPEN, kind=kind, area=area)
    if step:
        qs = qs.filter(step=step)
    rows = list(qs[:PAGE])
    heads = _subjects(rows)
    nxt = {p.pk: selectors.next_step(p) for p in rows}
    return render(
        request,
        "procedures/procedure_list.html",
        {
            "rows": [(p, heads.get(p.pk, ""), nxt[p.pk], _step_label(p)) for p in rows],
            "more": qs.count() > PAGE if len(rows) == PAGE else False,
            "definitions": DEFINITIONS,
            "kind": kind,
            "step": step,
            "area": area,
            "next_steps": sorted(
                {
                    (p.kind, n.code, str(n.label))
                    for p in rows
                    if (n := nxt[p.pk]) and not n.is_notice
                }
            ),
        },
    )


@login_required
@require_http_methods(["POST"])
def procedure_batch(request: HttpRequest) -> HttpResponse:
    form = BatchForm(request.POST)
    back = request.POST.get("back") or reverse("procedures:list")
    if not back.startswith("/"):
        back = reverse("procedures:list")
    if not form.is_valid() or not form.id_list():
        messages.error(request, _("请选择要办理的户。"))
        return HttpResponseRedirect(back)
    ids = form.id_list()
    scope = scope_for(request.user)
    for procedure_id in ids:
        selectors.procedure_get(scope=scope, procedure_id=procedure_id)
    try:
        if form.cleaned_data["action"] == "notice":
            notice = services.notice_publish(actor=request.user, procedure_ids=ids)
            messages.success(
                request,
                _("已发布公示“%(title)s”，公示至 %(end)s。")
                % {"title": notice.title, "end": notice.ends_on.isoformat()},
            )
        else:
            n = services.procedures_advance(
                actor=request.user, procedure_ids=ids, step=form.cleaned_data["step"]
            )
            messages.success(request, _("已办理 %(n)s 户。") % {"n": n})
    except (InvalidInput, Conflict, AccessDenied) as exc:
        _fail(request, exc)
    return HttpResponseRedirect(back)


@dataclass
class Actions:
    next_step: Any
    advance: AdvanceForm | None
    objection: ObjectionForm | None
    resolve: list[tuple[Objection, ResolveForm]]
    # objections repeating one another, resolved with one finding
    resolve_groups: list[tuple[list[Objection], ResolveGroupForm]]
    cancel: CancelForm | None


@login_required
@require_http_methods(["GET", "POST"])
def procedure_detail(request: HttpRequest, procedure_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    procedure = selectors.procedure_get(scope=scope, procedure_id=procedure_id)
    if request.method == "POST":
        what = request.POST.get("what", "")
        try:
            if what == "advance":
                form = AdvanceForm(request.POST)
                if form.is_valid():
                    services.procedure_advance(
                        actor=request.user,
                        procedure_id=procedure.pk,
                        step=form.cleaned_data["step"],
                        version=form.cleaned_data["version"],
                        note=form.cleaned_data["note"],
                        files=request.FILES.getlist("evidence"),
                    )
                    messages.success(request, _("已办理。"))
            elif what == "notice":
                notice = services.notice_publish(actor=request.user, procedure_ids=[procedure.pk])
                messages.success(
                    request,
                    _("已发布公示，公示至 %(end)s。") % {"end": notice.ends_on.isoformat()},
                )
            elif what == "objection":
                form_o = ObjectionForm(request.POST)
                current = procedure.notices.filter(step=procedure.step).order_by("-id").first()
                if form_o.is_valid() and current is not None:
                    services.objection_raise(
                        notice_id=current.pk,
                        procedure_id=procedure.pk,
                        text=form_o.cleaned_data["text"],
                        name=form_o.cleaned_data["name"],
                        contact=form_o.cleaned_data["contact"],
                        actor=request.user,
                        channel="in_person",
                    )
                    messages.success(request, _("已登记异议。"))
                else:
                    messages.error(request, _("请写明异议的内容"))
            elif what == "resolve":
                form_r = ResolveForm(request.POST)
                if form_r.is_valid():
                    services.objection_resolve(
                        actor=request.user,
                        objection_id=form_r.cleaned_data["objection"],
                        upheld=form_r.cleaned_data["upheld"] == "1",
                        finding=form_r.cleaned_data["finding"],
                    )
                    messages.success(request, _("已记录核查结论。"))
                else:
                    messages.error(request, _("请记录核查结论"))
            elif what == "resolve_group":
                form_g = ResolveGroupForm(request.POST)
                if form_g.is_valid() and form_g.id_list():
                    done = services.objections_resolve(
                        actor=request.user,
                        objection_ids=form_g.id_list(),
                        upheld=form_g.cleaned_data["upheld"] == "1",
                        finding=form_g.cleaned_data["finding"],
                    )
                    messages.success(
                        request, _("已为 %(n)s 条异议记录同一核查结论。") % {"n": len(done)}
                    )
                else:
                    messages.error(request, _("请记录核查结论"))
            elif what == "cancel":
                form_c = CancelForm(request.POST)
                if form_c.is_valid():
                    services.procedure_cancel(
                        actor=request.user,
                        procedure_id=procedure.pk,
                        reason=form_c.cleaned_data["reason"],
                    )
                    messages.success(request, _("程序已终止。"))
                else:
                    messages.error(request, _("请说明终止原因"))
        except (InvalidInput, Conflict, AccessDenied, NotFound) as exc:
            _fail(request, exc)
        return HttpResponseRedirect(reverse("procedures:detail", args=[procedure.pk]))
    nxt = selectors.next_step(procedure)
    may = nxt is not None and services.may_do(request.user, nxt, procedure.area_code)
    on_notice = (
        DEFINITIONS[procedure.kind]
        .steps[DEFINITIONS[procedure.kind].index(procedure.step)]
        .is_notice
        and procedure.state == Procedure.State.OPEN
    )
    this = selectors.procedure_timeline(scope=scope, procedure=procedure)
    open_objections = [o for o in this.objections if o.status == Objection.Status.OPEN]
    actions = Actions(
        next_step=nxt,
        advance=AdvanceForm(initial={"step": nxt.code, "version": procedure.version})
        if may and nxt is not None and not nxt.is_notice
        else None,
        objection=ObjectionForm() if on_notice else None,
        resolve=[(o, ResolveForm(initial={"objection": o.pk})) for o in open_objections],
        resolve_groups=[
            (group, ResolveGroupForm(initial={"ids": ",".join(str(o.pk) for o in group)}))
            for group in services.repeated_objections(open_objections)
        ],
        cancel=CancelForm()
        if procedure.state == Procedure.State.OPEN
        and services.may_do(request.user, services.CANCEL_STEP, procedure.area_code)
        else None,
    )
    return render(
        request,
        "procedures/procedure_detail.html",
        {
            "procedure": procedure,
            "definition": DEFINITIONS[procedure.kind],
            "entry_list": [this],
            "actions": actions,
            "may_notice": may and nxt is not None and nxt.is_notice,
            "head": _subjects([procedure]).get(procedure.pk, ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def procedure_open(request: HttpRequest, household_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    household = household_get(scope=scope, household_id=household_id)
    kinds = [
        (k, str(d.label))
        for k, d in DEFINITIONS.items()
        if household.status in d.open_statuses
        and services.may_do(request.user, d.steps[0], household.area_code)
    ]
    if not kinds:
        raise AccessDenied(_("该户当前状态下，您没有可以开始的程序。"))
    latest = services.latest_run_for(household.area_code)
    form = OpenForm(
        request.POST or None, kinds=kinds, initial={"run": latest.pk if latest else None}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                procedure = services.procedure_open(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    household_id=household.pk,
                    note=form.cleaned_data["note"],
                    # the run is the source only of what opens from a run
                    run_id=form.cleaned_data["run"]
                    if form.cleaned_data["kind"] in services.RUN_CANDIDATES
                    else None,
                )
            except (InvalidInput, Conflict, NotFound) as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("程序已开始。"))
                return HttpResponseRedirect(reverse("procedures:detail", args=[procedure.pk]))
    return render(
        request,
        "procedures/procedure_open.html",
        {"form": form, "household": household},
        status=status,
    )


@login_required
@require_GET
def overdue_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if scope.is_empty:
        raise AccessDenied()
    area = area_param(request.GET)
    rows = list(selectors.overdue(scope=scope, area=area)[:500])
    heads = _subjects(rows)
    return render(
        request,
        "procedures/overdue.html",
        {
            "rows": [(p, heads.get(p.pk, "")) for p in rows],
            "townships": selectors.overdue_by_township(scope=scope, area=area),
        },
    )


@login_required
@require_GET
def household_card(request: HttpRequest, household_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    household = household_get(scope=scope, household_id=household_id)
    return render(
        request,
        "procedures/cards.html",
        {
            "cards": selectors.cards(
                scope=scope, viewer=pii.viewer(request, CHANNEL), households=[household]
            ),
            "title": household.number,
        },
    )


@login_required
@require_GET
def village_cards(request: HttpRequest, area_code: str) -> HttpResponse:
    """Every active household of a village, one card per printed page."""
    scope = scope_for(request.user)
    area = area_get(scope=scope, code=area_code)
    if area is None or area.level != Area.Level.VILLAGE:
        raise NotFound()
    households = list(
        Household.objects.filter(prefix_q("area_code", [area.prefix]), is_active=True)
        .exclude(status="unregistered")
        .order_by("area_code", "number")
    )
    return render(
        request,
        "procedures/cards.html",
        {
            "cards": selectors.cards(
                scope=scope, viewer=pii.viewer(request, CHANNEL), households=households
            ),
            "title": area.name,
        },
    )


@login_required
@require_GET
def evidence_download(request: HttpRequest, evidence_id: int) -> FileResponse:
    """An evidence file, to whoever may see its household's procedures."""
    item = selectors.evidence_get(scope=scope_for(request.user), evidence_id=evidence_id)
    response: FileResponse = evidence_files.file_response(
        item.path, item.content_type, item.original_name
    )
    return response


@login_required
@require_http_methods(["POST"])
def exits_from_run(request: HttpRequest) -> HttpResponse:
    """Open exits proposed by an evaluation run: a village's households, or (level
    "village") the poor villages of a township or county that met the village standard."""
    run_id = request.POST.get("run", "")
    area = request.POST.get("area", "").strip()
    villages = request.POST.get("level") == "village"
    if not run_id.isdigit():
        messages.error(request, _("请填写评估批次编号。"))
        return HttpResponseRedirect(reverse("procedures:list"))
    try:
        if villages:
            opened = services.village_exits_open_from_run(
                actor=request.user, run_id=int(run_id), area_code=area
            )
        else:
            opened = services.exits_open_from_run(
                actor=request.user, run_id=int(run_id), area_code=area
            )
    except (InvalidInput, Conflict, AccessDenied) as exc:
        _fail(request, exc)
        return HttpResponseRedirect(reverse("procedures:list"))
    if villages:
        messages.success(request, _("已为 %(n)s 个贫困村开始退出程序。") % {"n": len(opened)})
        where = prefix_of(area) if len(area) == 12 and area.isdigit() else area
        return HttpResponseRedirect(reverse("procedures:list") + f"?kind=village_exit&area={where}")
    messages.success(request, _("已为 %(n)s 户开始退出程序。") % {"n": len(opened)})
    return HttpResponseRedirect(reverse("procedures:list") + f"?kind=exit&area={area[:12]}")

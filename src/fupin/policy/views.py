"""Pages of the policy engine: evaluation runs (progress, figures, areas, drill-down, diff,
what-if), standards and their versions, village facts and county assessments. Thin views
over ``policy.selectors`` and ``policy.services``; every read goes through the actor's scope.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fupin.accounts.scope import Scope, scope_for
from fupin.areas.codes import prefix_of
from fupin.areas.models import Area
from fupin.areas.selectors import area_get, area_list, area_roots
from fupin.core import clock
from fupin.core.errors import AccessDenied, Conflict, FupinError, InvalidInput, NotFound
from fupin.core.params import area_param, as_id, year_param
from fupin.policy import engine, selectors, services, standards
from fupin.policy import params as P
from fupin.policy.forms import (
    ADJUST_PREFIX,
    CountyAssessmentForm,
    DiffForm,
    FactsFilterForm,
    RunCreateForm,
    RunHouseholdsFilterForm,
    StandardForm,
    VillageFactsForm,
    WhatIfForm,
    param_initial,
    yes_no_value,
)
from fupin.policy.models import (
    AreaResult,
    EvaluationRun,
    PolicyStandard,
    StandardVersion,
)
from fupin.policy.reasons import (
    CATEGORY_LABELS,
    CLAUSE_LABELS,
    area_reason_text,
    money,
    percent,
)
from fupin.registry.choices import HouseholdStatus
from fupin.registry.forms import apply_service_errors
from fupin.registry.models import HardshipEvent

CHANNEL = "web"
Status = EvaluationRun.Status
NO_ROLE_MESSAGE = gettext_lazy(
    "您的账号尚未分配角色和区域，不能查看评估结果。请联系县级管理员分配。"
)
PHASE_LABELS = {
    "findings": gettext_lazy("查找成员情况"),
    "verdicts": gettext_lazy("逐户评定"),
    "rollup": gettext_lazy("汇总村、乡镇、县"),
    "done": gettext_lazy("保存结果"),
}
DAY_KIND_LABELS = {"calendar": gettext_lazy("自然日"), "working": gettext_lazy("工作日")}
# The figures of a standard shown wherever a standard is summed up in one line.
KEY_FIGURES = (
    "poverty_line",
    "monitoring_threshold",
    "rigid_expense_share",
    "village_incidence_limit",
    "village_collective_income_min",
    "county_incidence_limit",
)
LEVEL_ORDER = (
    Area.Level.PROVINCE,
    Area.Level.PREFECTURE,
    Area.Level.COUNTY,
    Area.Level.TOWNSHIP,
    Area.Level.VILLAGE,
)
STALE_SECONDS = 120
DIFF_LABELS = {
    "total": gettext_lazy("结论变化的户数"),
    "now_meet": gettext_lazy("由未达标转为达标"),
    "now_fail": gettext_lazy("由达标转为未达标"),
    "clauses_changed": gettext_lazy("未达标项目变化"),
    "category_changed": gettext_lazy("监测类别变化"),
    "only_after": gettext_lazy("仅在后一批次中"),
    "only_before": gettext_lazy("仅在前一批次中"),
}


# --- helpers -------------------------------------------------------------------------


def _scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if scope.is_empty:
        raise AccessDenied(NO_ROLE_MESSAGE)
    return scope


def _reader(request: HttpRequest) -> None:
    """Standards are public policy data, but only for users with a role (or the superuser,
    who sets the national standard)."""
    if not getattr(request.user, "is_superuser", False):
        _scope(request)


def _partial(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _form_error(form: Any, exc: FupinError) -> None:
    """A refused write onto its form: field by field where the service named fields."""
    if exc.fields:
        apply_service_errors(form, exc.fields)
    else:
        form.add_error(None, str(exc.message))


def _user_name(user: Any) -> str:
    if user is None:
        return _("系统")
    return str(user.get_full_name() or user.get_username())


def _clause_labels(mask: int | None) -> list[str]:
    if not mask:
        return []
    return [str(CLAUSE_LABELS[name]) for name, bit in engine.CLAUSES if mask & bit]


def format_value(param: P.Param, value: Any) -> str:
    """A parameter's value as people read it: money with 元, rates as percent, labels."""
    if value is None or value == "":
        return _("不作要求") if param.nullable else "—"
    if param.kind == "bool":
        return _("是") if value else _("否")
    if param.kind == "money":
        return f"{money(value)} {param.unit}".strip()
    if param.kind == "rate":
        return percent(value)
    if param.kind == "int":
        return f"{value} {param.unit}".strip()
    if param.kind == "grades":
        return "、".join(value) if value else _("无")
    if param.kind == "kinds":
        labels = dict(HardshipEvent.Kind.choices)
        return "、".join(str(labels.get(v, v)) for v in value) if value else _("无")
    if param.key == "notice_day_kind":
        return str(DAY_KIND_LABELS.get(value, value))
    return str(value)


@dataclass(frozen=True)
class Figure:
    label: str
    value: str


def _key_figures(params: dict[str, Any], keys: Iterable[str] = KEY_FIGURES) -> list[Figure]:
    return [
        Figure(str(P.BY_KEY[k].label), format_value(P.BY_KEY[k], params[k]))
        for k in keys
        if k in params
    ]


# --- runs: list and start -------------------------------------------------------------


def _run_areas(user: Any, scope: Scope) -> list[tuple[str, str]]:
    """Areas a run may be started over: the user's own areas and two levels below them
    (a county admin: county, townships, villages), where the role may run."""
    levels: set[str] = set()
    top = len(LEVEL_ORDER)
    for root in area_roots(scope=scope):
        if root.level in LEVEL_ORDER:
            i = LEVEL_ORDER.index(Area.Level(root.level))
            top = min(top, i)
            levels.update(LEVEL_ORDER[i : i + 3])
    areas = area_list(scope=scope).filter(level__in=levels).only("code", "name", "level")
    out = []
    for area in areas:
        if services.may_run(user, area.prefix):
            depth = LEVEL_ORDER.index(Area.Level(area.level)) - top
            out.append((area.code, "\u3000" * max(depth, 0) + area.name))
    return out


def _runs_for_select(scope: Scope) -> list[tuple[int, str]]:
    runs = selectors.run_list(scope=scope).filter(status=Status.DONE)[:100]
    return [(r.pk, f"#{r.pk} {r.scope_name} {r.year} · {_finished(r)}") for r in runs]


def _finished(run: EvaluationRun) -> str:
    at = run.finished_at or run.created_at
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


@login_required
@require_http_methods(["GET", "POST"])
def run_list(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    areas = _run_areas(request.user, scope)
    form = RunCreateForm(_posted(request), areas=areas, initial={"year": clock.today().year})
    status = 200
    if request.method == "POST":
        if not areas:
            raise AccessDenied()
        if form.is_valid():
            try:
                run = services.evaluation_run_create(
                    actor=request.user,
                    area_code=form.cleaned_data["area"],
                    year=form.cleaned_data["year"],
                    channel=CHANNEL,
                )
            except (InvalidInput, NotFound) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("评估已提交，正在后台运行。"))
                return redirect("policy:run_detail", run_id=run.pk)
        status = 400
    runs = list(selectors.run_list(scope=scope)[:100])
    return render(
        request,
        "policy/run_list.html",
        {
            "form": form,
            "can_run": bool(areas),
            "runs": runs,
            "diff_form": DiffForm(runs=_runs_for_select(scope)),
        },
        status=status,
    )


# --- runs: one run ----------------------------------------------------------------------


@dataclass
class Progress:
    phase: str = ""
    done: int = 0
    total: int = 0
    percent: int = 0
    stale: bool = False


def _progress(run: EvaluationRun) -> Progress:
    data = services.progress_read(run.pk) or {}
    out = Progress()
    if run.status == Status.RUNNING and data:
        out.phase = str(PHASE_LABELS.get(str(data.get("phase")), ""))
        out.done, out.total = int(data.get("done") or 0), int(data.get("total") or 0)
        out.percent = out.done * 100 // out.total if out.total else 0
    last = float(data.get("at") or 0) if run.status == Status.RUNNING else 0.0
    if not last:
        last = (run.started_at or run.created_at).timestamp()
    out.stale = time.time() - last > STALE_SECONDS
    return out


@dataclass
class AreaRow:
    result: AreaResult
    name: str
    prefix: str
    reasons: list[tuple[str, str]]  # (state, text)
    clauses: list[tuple[str, str, int]]  # (clause, label, households)
    categories: list[tuple[str, str, int]]
    incidence: str = ""


def _area_row(result: AreaResult) -> AreaRow:
    incidence = ""
    for reason in result.reasons:
        if reason.get("code") in ("incidence", "county_incidence") and reason.get("value"):
            incidence = percent(reason["value"])
    return AreaRow(
        result=result,
        name=getattr(result, "name", result.area_code),
        prefix=prefix_of(result.area_code),
        reasons=[(r["state"], area_reason_text(r)) for r in result.reasons],
        clauses=[
            (name, str(CLAUSE_LABELS[name]), int(result.clause_counts.get(name, 0)))
            for name, _bit in engine.CLAUSES
        ],
        categories=[
            (c, str(CATEGORY_LABELS[c]), int(result.category_counts.get(c, 0)))
            for c in engine.CATEGORIES
        ],
        incidence=incidence,
    )


def _summary(scope: Scope, run: EvaluationRun) -> dict[str, Any]:
    return selectors.run_summary(scope=scope, run=run)


@dataclass
class StandardUsed:
    region: str
    name: str
    standard_id: int
    year: int
    number: int


@dataclass
class PartFigures:
    prefix: str
    name: str
    figures: list[Figure] = field(default_factory=list)


def _standards_used(run: EvaluationRun) -> tuple[list[StandardUsed], dict[str, str]]:
    used = []
    names: dict[str, str] = {"": _("全国")}
    for region, info in sorted(run.standards.items()):
        try:
            standard = selectors.standard_get(standard_id=int(info["standard"]))
        except NotFound:
            continue
        names[region] = standard.region_name or region or _("全国")
        used.append(
            StandardUsed(
                region=region,
                name=names[region],
                standard_id=standard.pk,
                year=int(info.get("year") or standard.year),
                number=int(info["number"]),
            )
        )
    return used, names


def _what_if_form(run: EvaluationRun, names: dict[str, str], data: Any = None) -> WhatIfForm:
    regions = [("", _("全国"))] + [(r, names.get(r, r)) for r in sorted(run.standards) if r]
    return WhatIfForm(
        data,
        regions=regions,
        defaults=selectors.params_at(run, run.scope_prefix),
        keys=selectors.WHAT_IF_KEYS,
    )


def _chart(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"name": str(CLAUSE_LABELS[name]), "value": int(summary.get(f"clause_{name}", 0))}
        for name, _bit in engine.CLAUSES
    ]


def _run_context(request: HttpRequest, scope: Scope, run: EvaluationRun) -> dict[str, Any]:
    context: dict[str, Any] = {
        "run": run,
        "polling": run.status in (Status.QUEUED, Status.RUNNING),
        "progress": _progress(run),
        "may_retry": run.status == Status.FAILED
        and services.may_run(request.user, run.scope_prefix),
    }
    if run.status != Status.DONE:
        return context
    summary = _summary(scope, run)
    used, names = _standards_used(run)
    parts = [
        PartFigures(
            prefix=prefix,
            name=run.scope_name if prefix == run.scope_prefix else names.get(prefix, prefix),
            figures=_key_figures(params),
        )
        for prefix, params in sorted(run.params.items())
    ]
    counties = [
        _area_row(r) for r in selectors.run_areas(scope=scope, run=run, level=Area.Level.COUNTY)
    ]
    townships = [
        _area_row(r) for r in selectors.run_areas(scope=scope, run=run, level=Area.Level.TOWNSHIP)
    ]
    township = request.GET.get("township", "")
    if not (len(township) == 9 and township.isascii() and township.isdigit()):
        township = ""
    if not township and len(townships) == 1:
        township = townships[0].prefix
    villages: list[AreaRow] = []
    if township or not townships:
        villages = [
            _area_row(r)
            for r in selectors.run_areas(
                scope=scope, run=run, parent=township, level=Area.Level.VILLAGE
            )
        ]
    context.update(
        summary=summary,
        clause_totals=[
            (name, str(CLAUSE_LABELS[name]), int(summary.get(f"clause_{name}", 0)))
            for name, _bit in engine.CLAUSES
        ],
        category_totals=[
            (c, str(CATEGORY_LABELS[c]), int(summary.get(f"category_{c}", 0)))
            for c in engine.CATEGORIES
        ],
        chart=_chart(summary),
        standards_used=used,
        parts=parts,
        counties=counties,
        townships=townships,
        township=township,
        township_name=next((t.name for t in townships if t.prefix == township), ""),
        villages=villages,
        what_if_form=_what_if_form(run, names),
        as_of=run.summary.get("as_of", ""),
    )
    return context


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    scope = _scope(request)
    run = selectors.run_get(scope=scope, run_id=run_id)
    if _partial(request) and request.GET.get("fragment") == "progress":
        response = render(request, "policy/_run_progress.html", _run_context(request, scope, run))
        if run.status not in (Status.QUEUED, Status.RUNNING):
            response["HX-Refresh"] = "true"  # finished: show the whole page with its results
    else:
        response = render(request, "policy/run_detail.html", _run_context(request, scope, run))
    response["Vary"] = "HX-Request"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def run_retry(request: HttpRequest, run_id: int) -> HttpResponse:
    _scope(request)
    services.evaluation_run_retry(actor=request.user, run_id=run_id, channel=CHANNEL)
    messages.success(request, _("已重新加入处理队列。"))
    return HttpResponseRedirect(reverse("policy:run_detail", args=[run_id]))


# --- runs: drill-down -------------------------------------------------------------------


@dataclass
class HouseholdRow:
    row: selectors.VerdictRow
    village: str
    status: str
    meets: bool
    clauses: list[str]
    category: str


def _drill_down_areas(scope: Scope, run: EvaluationRun, chosen: str) -> list[tuple[str, str]]:
    """The area filter: the run's townships, and the villages of the chosen township (all
    villages when the actor sees no township) — never every village of a province."""
    townships = selectors.run_areas(scope=scope, run=run, level=Area.Level.TOWNSHIP)
    township = chosen[:9] if len(chosen) >= 9 and chosen.isascii() and chosen.isdigit() else ""
    if not township and len(townships) == 1:
        township = prefix_of(townships[0].area_code)
    villages = (
        selectors.run_areas(scope=scope, run=run, parent=township, level=Area.Level.VILLAGE)
        if township or not townships
        else []
    )
    out: list[tuple[str, str]] = []
    for t in townships:
        out.append((prefix_of(t.area_code), getattr(t, "name", t.area_code)))
        if prefix_of(t.area_code) == township:
            out += [(prefix_of(v.area_code), "\u3000" + getattr(v, "name", "")) for v in villages]
    if not townships:
        out = [(prefix_of(v.area_code), getattr(v, "name", v.area_code)) for v in villages]
    return out


@login_required
@require_GET
def run_households(request: HttpRequest, run_id: int) -> HttpResponse:
    scope = _scope(request)
    run = selectors.run_get(scope=scope, run_id=run_id)
    if run.status != Status.DONE:
        raise NotFound(_("该批次尚未完成。"))
    form = RunHouseholdsFilterForm(
        request.GET or None, areas=_drill_down_areas(scope, run, area_param(request.GET))
    )
    page = selectors.run_households(
        scope=scope,
        run=run,
        area=form.value("area"),
        verdict=form.value("verdict"),
        clause=form.value("clause"),
        category=form.value("category"),
        cursor=request.GET.get("cursor", ""),
        limit=settings.FUPIN_PAGE_SIZE,
    )
    codes = {r.verdict.area_code[:12] for r in page.rows}
    names = dict(area_list(scope=scope).filter(code__in=codes).values_list("code", "name"))
    statuses = dict(HouseholdStatus.choices)
    rows = [
        HouseholdRow(
            row=r,
            village=names.get(r.verdict.area_code[:12], r.verdict.area_code),
            status=str(statuses.get(r.status, r.status or "—")),
            meets=r.verdict.exit_fails == 0,
            clauses=_clause_labels(r.verdict.exit_fails),
            category=str(CATEGORY_LABELS.get(r.verdict.category, r.verdict.category)),
        )
        for r in page.rows
    ]
    params = request.GET.copy()
    params.pop("cursor", None)
    return render(
        request,
        "policy/run_households.html",
        {
            "run": run,
            "form": form,
            "page": page,
            "rows": rows,
            "filter_query": params.urlencode(),
            "first_page": not request.GET.get("cursor"),
        },
    )


# --- diff -------------------------------------------------------------------------------


@dataclass
class DiffRowView:
    row: selectors.DiffRow
    village: str
    before: str
    after: str
    before_clauses: list[str]
    after_clauses: list[str]
    before_category: str
    after_category: str


def _verdict_word(fails: int | None) -> str:
    if fails is None:
        return _("未评估")
    return _("达标") if fails == 0 else _("未达标")


def _category_word(category: str | None) -> str:
    if category is None:
        return "—"
    return str(CATEGORY_LABELS.get(category, category))


def _run_id(value: str) -> int | None:
    return as_id(value) if len(value) < 12 else None


@login_required
@require_GET
def run_diff(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    before, after = _run_id(request.GET.get("before", "")), _run_id(request.GET.get("after", ""))
    form = DiffForm(request.GET or None, runs=_runs_for_select(scope))
    diff = None
    rows: list[DiffRowView] = []
    if before and after:
        diff = selectors.run_diff(scope=scope, before_id=before, after_id=after)
        codes = {r.area_code[:12] for r in diff.rows}
        names = dict(area_list(scope=scope).filter(code__in=codes).values_list("code", "name"))
        rows = [
            DiffRowView(
                row=r,
                village=names.get(r.area_code[:12], r.area_code),
                before=_verdict_word(r.before_fails),
                after=_verdict_word(r.after_fails),
                before_clauses=_clause_labels(r.before_fails),
                after_clauses=_clause_labels(r.after_fails),
                before_category=_category_word(r.before_category),
                after_category=_category_word(r.after_category),
            )
            for r in diff.rows
        ]
    counts = (
        [(str(label), diff.counts.get(key, 0)) for key, label in DIFF_LABELS.items()]
        if diff
        else []
    )
    return render(
        request,
        "policy/run_diff.html",
        {"form": form, "diff": diff, "rows": rows, "counts": counts},
    )


# --- what-if ----------------------------------------------------------------------------


@dataclass
class VillageChangeView:
    change: selectors.VillageChange
    before: str
    after: str


@login_required
@require_http_methods(["GET", "POST"])
def what_if(request: HttpRequest, run_id: int) -> HttpResponse:
    """A changed standard re-applied to a stored run: counts only, nothing is saved."""
    scope = _scope(request)
    run = selectors.run_get(scope=scope, run_id=run_id)
    if run.status != Status.DONE:
        raise InvalidInput(_("该批次尚未完成，不能用于测算。"))
    _used, names = _standards_used(run)
    form = _what_if_form(run, names, _posted(request))
    result = None
    villages: list[VillageChangeView] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = selectors.what_if(
                    scope=scope,
                    run_id=run.pk,
                    region=form.cleaned_data["region"],
                    changes=form.changes(),
                )
            except InvalidInput as exc:
                _form_error(form, exc)
                status = 400
        else:
            status = 400
    if result is not None:
        labels = dict(AreaResult.Verdict.choices)
        villages = [
            VillageChangeView(
                change=v,
                before=str(labels.get(v.verdict_before, v.verdict_before)),
                after=str(labels.get(v.verdict_after, v.verdict_after)),
            )
            for v in result.villages
        ]
    partial = _partial(request)
    context = {
        "run": run,
        "what_if_form": form,
        "result": result,
        "changed_params": [
            Figure(str(P.BY_KEY[k].label), format_value(P.BY_KEY[k], v))
            for k, v in (result.changes.items() if result else [])
        ],
        "villages": villages,
    }
    template = "policy/_what_if.html" if partial else "policy/what_if.html"
    # htmx does not swap an error response; the form with its errors is an answer too.
    response = render(request, template, context, status=200 if partial else status)
    response["Vary"] = "HX-Request"
    return response


# --- standards --------------------------------------------------------------------------


def _inherited(region: str, year: int) -> dict[str, Any]:
    """What a region's standard is laid over: the wider standards in force in ``year``."""
    force = standards.in_force(year)
    layers = [force[r].version.params for r in standards.chain(region, force) if r != region]
    return P.merge(*layers)


def _may_create_standard(request: HttpRequest) -> bool:
    user = request.user
    if getattr(user, "is_superuser", False):
        return True
    scope = scope_for(user)
    return any(
        services.may_edit_standard(user, prefix_of(code)[:6])
        for _role, code in scope.roles
        if len(prefix_of(code)) <= 6
    )


@dataclass
class StandardRow:
    standard: PolicyStandard
    number: int
    figures: list[Figure]


@login_required
@require_GET
def standard_list(request: HttpRequest) -> HttpResponse:
    _reader(request)
    rows = []
    for standard in selectors.standard_list().prefetch_related("versions"):
        versions = sorted(standard.versions.all(), key=lambda v: v.number)
        current = versions[-1] if versions else None
        params = current.params if current else {}
        keys = KEY_FIGURES if standard.is_national else [p.key for p in P.PARAMS if p.key in params]
        rows.append(
            StandardRow(
                standard=standard,
                number=current.number if current else 0,
                figures=_key_figures(params, keys),
            )
        )
    return render(
        request,
        "policy/standard_list.html",
        {"rows": rows, "can_create": _may_create_standard(request)},
    )


@dataclass
class ParamRow:
    param: P.Param
    value: str
    set_here: bool
    inherited: str


@dataclass
class VersionChange:
    label: str
    old: str
    new: str


@dataclass
class VersionView:
    version: StandardVersion
    author: str
    changes: list[VersionChange]
    first: bool


def _version_changes(old: dict[str, Any], new: dict[str, Any]) -> list[VersionChange]:
    inherited = _("（沿用上级）")
    out = []
    for param in P.PARAMS:
        key = param.key
        if (key in old) != (key in new) or old.get(key) != new.get(key):
            out.append(
                VersionChange(
                    label=str(param.label),
                    old=format_value(param, old[key]) if key in old else inherited,
                    new=format_value(param, new[key]) if key in new else inherited,
                )
            )
    return out


@login_required
@require_GET
def standard_detail(request: HttpRequest, standard_id: int) -> HttpResponse:
    _reader(request)
    standard = selectors.standard_get(standard_id=standard_id)
    versions = selectors.standard_versions(standard=standard)
    current = versions[0]
    inherited = {} if standard.is_national else _inherited(standard.region, standard.year)
    groups: list[tuple[Any, list[ParamRow]]] = []
    for param in P.PARAMS:
        if not groups or groups[-1][0] != param.group:
            groups.append((param.group, []))
        set_here = param.key in current.params
        value = current.params.get(param.key, inherited.get(param.key))
        groups[-1][1].append(
            ParamRow(
                param=param,
                value=format_value(param, value) if set_here or param.key in inherited else "—",
                set_here=set_here,
                inherited=format_value(param, inherited[param.key])
                if param.key in inherited
                else "—",
            )
        )
    history = [
        VersionView(
            version=v,
            author=_user_name(v.created_by),
            changes=_version_changes(versions[i + 1].params, v.params)
            if i + 1 < len(versions)
            else [],
            first=i + 1 == len(versions),
        )
        for i, v in enumerate(versions)
    ]
    return render(
        request,
        "policy/standard_detail.html",
        {
            "standard": standard,
            "current": current,
            "groups": groups,
            "history": history,
            "may_edit": services.may_edit_standard(request.user, standard.region),
        },
    )


def _standard_initial(params: dict[str, Any], inherited: dict[str, Any]) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for param in P.PARAMS:
        value = params.get(param.key, inherited.get(param.key))
        initial[param.key] = param_initial(param, value)
        initial[ADJUST_PREFIX + param.key] = param.key in params
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def standard_edit(request: HttpRequest, standard_id: int) -> HttpResponse:
    _reader(request)
    standard = selectors.standard_get(standard_id=standard_id)
    if not services.may_edit_standard(request.user, standard.region):
        raise AccessDenied()
    current = selectors.standard_current(standard=standard)
    inherited = {} if standard.is_national else _inherited(standard.region, standard.year)
    initial = _standard_initial(current.params, inherited)
    initial["expected_number"] = current.number
    form = StandardForm(_posted(request), national=standard.is_national, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.standard_save(
                    actor=request.user,
                    region=standard.region,
                    year=standard.year,
                    params=form.params_data(),
                    note=form.cleaned_data["note"],
                    expected_number=form.cleaned_data["expected_number"],
                    channel=CHANNEL,
                )
            except Conflict as exc:
                form.add_error(None, str(exc.message))
                status = 409
            except InvalidInput as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("已保存为新版本。"))
                return redirect("policy:standard_detail", standard_id=standard.pk)
    return render(
        request,
        "policy/standard_form.html",
        {
            "form": form,
            "standard": standard,
            "current": current,
            "title": _("修改标准：%(name)s %(year)s年起")
            % {"name": standard.region_name or _("全国"), "year": standard.year},
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def standard_create(request: HttpRequest) -> HttpResponse:
    _reader(request)
    if not _may_create_standard(request):
        raise AccessDenied()
    national = selectors.standard_list().filter(region="").first()
    base = selectors.standard_current(standard=national).params if national else {}
    initial = _standard_initial({}, base)
    initial["year"] = clock.today().year
    own = [prefix_of(code) for _role, code in scope_for(request.user).roles]
    counties = [p for p in own if len(p) == 6 and services.may_edit_standard(request.user, p)]
    if counties:
        initial["region"] = counties[0]
    form = StandardForm(_posted(request), national=False, with_region=True, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            region = form.region_value()
            try:
                version = services.standard_save(
                    actor=request.user,
                    region=region,
                    year=form.cleaned_data["year"],
                    params=form.params_data(national=not region),
                    note=form.cleaned_data["note"],
                    expected_number=0,  # a new standard: one that exists is not overwritten
                    channel=CHANNEL,
                )
            except Conflict:
                form.add_error(None, _("该区划该年度的标准已存在，请在标准列表中打开它修改。"))
                status = 409
            except InvalidInput as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("已新建标准。"))
                return redirect("policy:standard_detail", standard_id=version.standard_id)
    return render(
        request,
        "policy/standard_form.html",
        {"form": form, "title": _("新建标准")},
        status=status,
    )


# --- village facts and county assessments -------------------------------------------------


def _may_set_facts(user: Any, prefix: str) -> bool:
    return services.may_set_facts(user, prefix)


def _year(value: str) -> int:
    try:
        return year_param({"year": value}) or clock.today().year
    except InvalidInput:
        return clock.today().year


@dataclass
class FactsRow:
    area: Area
    record: Any
    can_edit: bool
    values: list[str]


def _flag(value: bool | None) -> str:
    if value is None:
        return "—"
    return _("是") if value else _("否")


def _rate_text(value: Any) -> str:
    return "—" if value is None else percent(value)


@login_required
@require_GET
def facts_home(request: HttpRequest) -> HttpResponse:
    """村情数据 and 第三方评估 of a year for the user's areas (reads scoped by area_list)."""
    scope = _scope(request)
    in_scope = area_list(scope=scope).only("code", "name", "level")
    townships = [(a.prefix, a.name) for a in in_scope.filter(level=Area.Level.TOWNSHIP)]
    form = FactsFilterForm(request.GET or None, townships=townships)
    year = _year(form.value("year"))
    township = form.value("township")
    villages = list(in_scope.filter(level=Area.Level.VILLAGE))
    if township:
        villages = [v for v in villages if v.code.startswith(township)]
    facts = selectors.village_facts_for(scope=scope, areas=villages, year=year)
    village_rows = []
    for v in villages:
        record = facts.get(v.pk)
        values = (
            [
                "—" if record.collective_income is None else money(record.collective_income),
                *(_flag(getattr(record, n)) for n in VillageFactsForm.FIELDS[1:]),
            ]
            if record
            else ["—"] * len(VillageFactsForm.FIELDS)
        )
        village_rows.append(FactsRow(v, record, _may_set_facts(request.user, v.prefix), values))
    counties = list(in_scope.filter(level=Area.Level.COUNTY))
    assessments = selectors.county_assessments_for(scope=scope, areas=counties, year=year)
    county_rows = []
    for c in counties:
        assessment = assessments.get(c.pk)
        values = (
            [
                _rate_text(assessment.wrong_exit_rate),
                _rate_text(assessment.miss_rate),
                _rate_text(assessment.approval_rate),
                "—" if assessment.missed_people is None else str(assessment.missed_people),
                "—"
                if assessment.wrongly_exited_people is None
                else str(assessment.wrongly_exited_people),
                assessment.source or "—",
            ]
            if assessment
            else ["—"] * len(CountyAssessmentForm.FIELDS)
        )
        county_rows.append(FactsRow(c, assessment, _may_set_facts(request.user, c.prefix), values))
    return render(
        request,
        "policy/facts.html",
        {
            "form": form,
            "year": year,
            "township": township,
            "village_rows": village_rows,
            "county_rows": county_rows,
        },
    )


def _facts_area(request: HttpRequest, code: str, level: str) -> Area:
    area = area_get(scope=_scope(request), code=code)
    if area is None or area.level != level:
        raise NotFound()
    if not _may_set_facts(request.user, area.prefix):
        raise AccessDenied()
    return area


def _facts_back(year: int, area: Area) -> HttpResponseRedirect:
    query: dict[str, Any] = {"year": year}
    if area.level == Area.Level.VILLAGE:
        query["township"] = area.code[:9]
    return HttpResponseRedirect(reverse("policy:facts") + "?" + urlencode(query))


@login_required
@require_http_methods(["GET", "POST"])
def village_facts_edit(request: HttpRequest, year: int, area_code: str) -> HttpResponse:
    area = _facts_area(request, area_code, Area.Level.VILLAGE)
    record = selectors.village_facts_for(scope=_scope(request), areas=[area], year=year).get(
        area.pk
    )
    status = 200
    if request.method == "POST":
        form = VillageFactsForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.village_facts_set(
                    actor=request.user,
                    area_code=area.code,
                    year=year,
                    data=form.facts_data(),
                    version=form.cleaned_data["version"],
                    channel=CHANNEL,
                )
            except Conflict as exc:
                form.add_error(None, str(exc.message))
                status = 409
            except InvalidInput as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return _facts_back(year, area)
    else:
        initial: dict[str, Any] = {}
        if record is not None:
            initial = {"collective_income": record.collective_income, "version": record.version}
            for name in VillageFactsForm.FIELDS[1:]:
                initial[name] = yes_no_value(getattr(record, name))
        form = VillageFactsForm(initial=initial)
    return render(
        request,
        "policy/facts_form.html",
        {
            "form": form,
            "area": area,
            "year": year,
            "title": _("%(year)s年村情数据：%(name)s") % {"year": year, "name": area.name},
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def county_assessment_edit(request: HttpRequest, year: int, area_code: str) -> HttpResponse:
    area = _facts_area(request, area_code, Area.Level.COUNTY)
    record = selectors.county_assessments_for(scope=_scope(request), areas=[area], year=year).get(
        area.pk
    )
    status = 200
    if request.method == "POST":
        form = CountyAssessmentForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.county_assessment_set(
                    actor=request.user,
                    area_code=area.code,
                    year=year,
                    data=form.assessment_data(),
                    version=form.cleaned_data["version"],
                    channel=CHANNEL,
                )
            except Conflict as exc:
                form.add_error(None, str(exc.message))
                status = 409
            except InvalidInput as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return _facts_back(year, area)
    else:
        initial: dict[str, Any] = {}
        if record is not None:
            initial = {name: getattr(record, name) for name in CountyAssessmentForm.FIELDS}
            initial["version"] = record.version
        form = CountyAssessmentForm(initial=initial)
    return render(
        request,
        "policy/facts_form.html",
        {
            "form": form,
            "area": area,
            "year": year,
            "title": _("%(year)s年第三方评估：%(name)s") % {"year": year, "name": area.name},
        },
        status=status,
    )

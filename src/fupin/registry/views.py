"""Server-rendered pages of the registry: thin views over the selectors and services."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from fupin.accounts.scope import Scope, scope_for
from fupin.areas.models import Area
from fupin.areas.selectors import area_list
from fupin.assistance.views import household_assistance
from fupin.core import pii
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.exchange.export import household_csv_chunks
from fupin.policy import engine as policy_engine
from fupin.policy import selectors as policy_selectors
from fupin.policy.reasons import CATEGORY_LABELS, CLAUSE_LABELS
from fupin.procedures import selectors as procedure_selectors
from fupin.registry import selectors, services
from fupin.registry.choices import Relation
from fupin.registry.forms import (
    ExpenseForm,
    HardshipForm,
    HeadChangeForm,
    HouseholdCreateForm,
    HouseholdEditForm,
    HouseholdFilterForm,
    IncomeForm,
    MemberEditForm,
    MemberForm,
    MemberRemoveForm,
    apply_service_errors,
)
from fupin.registry.models import (
    HardshipEvent,
    Household,
    HouseholdChange,
    HouseholdExpense,
    IncomeRecord,
    Member,
)

CHANNEL = "web"


# --- helpers -------------------------------------------------------------------------


NO_ROLE_MESSAGE = gettext_lazy(
    "您的账号尚未分配角色和区域，暂时看不到任何农户。请联系县级管理员分配。"
)


def _scope(request: HttpRequest) -> Scope:
    return scope_for(request.user)


def _require_write(scope: Scope, area_code: str) -> None:
    """Refuse the form itself, not only its submission, to read-only roles."""
    if not scope.can_write(area_code):
        raise AccessDenied()


def _household_for_write(request: HttpRequest, household_id: int) -> tuple[Scope, Household]:
    scope = _scope(request)
    household = selectors.household_get(scope=scope, household_id=household_id)
    if not household.is_active:
        raise NotFound()
    _require_write(scope, household.area_code)
    return scope, household


def _member_of(scope: Scope, household: Household, member_id: int) -> Member:
    member = selectors.member_get(scope=scope, member_id=member_id)
    if member.household_id != household.pk:
        raise NotFound()
    return member


def _area_label(area: Area, top_level: str) -> str:
    # Lower levels are indented under their parents so the flat select reads as a tree.
    return ("\u3000" + area.name) if area.level != top_level else area.name


def _filter_areas(scope: Scope) -> list[tuple[str, str]]:
    areas = (
        area_list(scope=scope)
        .filter(level__in=[Area.Level.TOWNSHIP, Area.Level.VILLAGE])
        .only("code", "name", "level")
    )
    return [(a.code, _area_label(a, Area.Level.TOWNSHIP)) for a in areas]


def _writable_areas(scope: Scope) -> list[tuple[str, str]]:
    areas = (
        area_list(scope=scope)
        .filter(level__in=[Area.Level.VILLAGE, Area.Level.GROUP])
        .only("code", "name", "level")
    )
    return [(a.code, _area_label(a, Area.Level.VILLAGE)) for a in areas if scope.can_write(a.code)]


def _yes_no_initial(value: bool) -> str:
    return "1" if value else "0"


def _initial(obj: models.Model, names: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(obj, name)
        out[name] = _yes_no_initial(value) if isinstance(value, bool) else value
    return out


def _posted(request: HttpRequest) -> Any:
    """The submitted data, or None on GET so the form starts unbound."""
    return request.POST if request.method == "POST" else None


def _form_response(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, template, context, status=status)


def _submit(form: forms.Form, write: Callable[[], object]) -> int | None:
    """Run a service write for a valid form. On refusal the reasons go onto the form
    and the HTTP status to answer with is returned; None means it was saved."""
    try:
        write()
    except Conflict as exc:
        form.add_error(None, str(exc.message))
        return 409
    except InvalidInput as exc:
        apply_service_errors(form, exc.fields)
        return 400
    return None


def _model_field(name: str) -> models.Field[Any, Any] | None:
    for model in (Household, Member, IncomeRecord):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(field, models.Field):
            return field
    return None


def _display_value(name: str, value: Any) -> str:
    """A stored history value as people read it: labels for choice keys, 是/否 for flags."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    field = _model_field(name)
    if field is not None and name == "other_causes" and isinstance(value, list):
        labels = dict(Household._meta.get_field("main_cause").choices or [])
        return "、".join(str(labels.get(v, v)) for v in value)
    if field is not None and field.choices:
        labels = dict(field.choices)
        return str(labels.get(value, value))
    return str(value)


@dataclass(frozen=True)
class HistoryRow:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    at: Any
    actor: str
    action: str
    member: str
    reason: str
    rows: list[HistoryRow]


# Expenses and hardships keep their own field names in the history ("2025.medical", "kind"),
# some of which a household or member field shares ("schooling"): label them by their model.
ACTION_MODELS: dict[str, type[models.Model]] = {
    HouseholdChange.Action.EXPENSE_SET: HouseholdExpense,
    HouseholdChange.Action.HARDSHIP_ADD: HardshipEvent,
}


def _own_field(action: str, name: str) -> models.Field[Any, Any] | None:
    model = ACTION_MODELS.get(action)
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _history(request: HttpRequest, scope: Scope, household: Household) -> list[HistoryEntry]:
    """History newest first, personal values as the user may see them."""
    changes = list(selectors.change_list(scope=scope, household=household))
    views = selectors.change_views(
        viewer=pii.viewer(request, CHANNEL), household=household, changes=changes
    )
    entries = []
    for view in views:
        change = view["change"]
        rows = []
        for row in view["rows"]:
            field = row["field"]
            name = field.split(".")[-1]
            label = str(row["label"])
            own = _own_field(change.action, name)
            if own is not None:
                label = str(own.verbose_name)
            if "." in field:  # income changes are keyed "2019.wage"
                label = _("%(year)s年%(label)s") % {"year": field.split(".")[0], "label": label}
            if own is not None and own.choices:
                labels = dict(own.choices)
                old = str(labels.get(row["old"], row["old"])) if row["old"] else "—"
                new = str(labels.get(row["new"], row["new"])) if row["new"] else "—"
            else:
                old, new = _display_value(name, row["old"]), _display_value(name, row["new"])
            if old != new:  # an empty field recorded at creation says nothing
                rows.append(HistoryRow(label=label, old=old, new=new))
        actor = change.actor
        entries.append(
            HistoryEntry(
                at=change.at,
                actor=(actor.get_full_name() or actor.get_username()) if actor else _("系统"),
                action=change.get_action_display(),
                member=change.member.name if change.member else "",
                reason=change.reason,
                rows=rows,
            )
        )
    return entries


# --- list and detail -----------------------------------------------------------------


@dataclass(frozen=True)
class ListRow:
    household: Household
    head_id_number: str


def _list_filters(
    request: HttpRequest, scope: Scope
) -> tuple[HouseholdFilterForm, selectors.HouseholdFilters]:
    form = HouseholdFilterForm(request.GET or None, areas=_filter_areas(scope))
    filters = selectors.HouseholdFilters(
        area_code=form.value("area"),
        status=form.value("status"),
        household_type=form.value("household_type"),
        main_cause=form.value("main_cause"),
        q=form.value("q"),
    )
    return form, filters


@login_required
@require_GET
def household_list(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    if scope.is_empty:
        # Without any role there is nothing to list; say so rather than show an empty page.
        raise AccessDenied(NO_ROLE_MESSAGE)
    form, filters = _list_filters(request, scope)
    page = selectors.household_page(
        scope=scope,
        filters=filters,
        cursor=request.GET.get("cursor", ""),
        limit=settings.FUPIN_PAGE_SIZE,
    )
    head_ids = selectors.head_id_views(viewer=pii.viewer(request, CHANNEL), rows=page.rows)
    rows = [
        ListRow(household=h, head_id_number=head_id)
        for h, head_id in zip(page.rows, head_ids, strict=True)
    ]

    params = request.GET.copy()
    params.pop("cursor", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "filter_query": params.urlencode(),
        "can_create": scope.may_write_anywhere,
    }
    # htmx swaps only the results; a history restore needs the whole page.
    partial = request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )
    template = "registry/_household_results.html" if partial else "registry/household_list.html"
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    return response


@login_required
@require_GET
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    scope = _scope(request)
    household = selectors.household_get(scope=scope, household_id=household_id)
    members = selectors.member_list(scope=scope, household=household)
    viewer = pii.viewer(request, CHANNEL)
    member_views = selectors.member_views(
        viewer=viewer, members=members, area_code=household.area_code
    )
    incomes = selectors.income_list(scope=scope, household=household)
    history = _history(request, scope, household)
    phone = selectors.phone_view(viewer=viewer, household=household)
    other_causes = _display_value("other_causes", household.other_causes)
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "verdict": _verdict_panel(scope, household),
            "timeline": procedure_selectors.timeline(scope=scope, household=household),
            "assistance": household_assistance(request=request, scope=scope, household=household),
            "expenses": list(household.expenses.order_by("-year")),
            "hardships": list(
                household.hardships.select_related("member").order_by("-occurred_on", "-pk")
            ),
            "phone": phone,
            "other_causes": other_causes,
            "members": member_views,
            "incomes": incomes,
            "history": history,
            "can_write": household.is_active and scope.can_write(household.area_code),
            "has_other_members": any(m.relation != Relation.HEAD for m in members),
        },
    )


@dataclass(frozen=True)
class VerdictPanel:
    """The latest evaluation of a household, in words (see policy.selectors)."""

    view: policy_selectors.HouseholdVerdictView
    meets_exit: bool
    category: str
    failed: list[str]
    exit_reasons: list[tuple[str, str]]  # (clause label, text)
    monitor_reasons: list[tuple[str, str]]
    judged_for_exit: bool


def _verdict_panel(scope: Scope, household: Household) -> VerdictPanel | None:
    view = policy_selectors.household_verdict(scope=scope, household=household)
    if view is None:
        return None
    verdict = view.verdict

    def label(clause: str) -> str:
        return str(CLAUSE_LABELS.get(clause, clause))

    return VerdictPanel(
        view=view,
        meets_exit=view.meets_exit,
        category=str(CATEGORY_LABELS.get(verdict.category, verdict.category)),
        failed=[
            str(CLAUSE_LABELS[name])
            for name, bit in policy_engine.CLAUSES
            if verdict.exit_fails & bit
        ],
        exit_reasons=[(label(r.clause), r.text) for r in view.reasons if r.kind == "exit"],
        monitor_reasons=[(label(r.clause), r.text) for r in view.reasons if r.kind != "exit"],
        judged_for_exit=verdict.status_group == policy_engine.G_POOR,
    )


# --- household forms -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    if not scope.may_write_anywhere:
        raise AccessDenied()
    areas = _writable_areas(scope)
    form = HouseholdCreateForm(_posted(request), areas=areas)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_create(
                actor=request.user,
                area_code=form.cleaned_data["area"],
                data=form.household_data(),
                members=[form.head_data()],
                reason=form.cleaned_data["reason"],
                channel=CHANNEL,
            )
        except InvalidInput as exc:
            apply_service_errors(form, exc.fields, form.error_key_map())
        else:
            messages.success(request, _("已建档。"))
            return redirect("registry:household_detail", household_id=household.pk)
    status = 400 if form.is_bound else 200
    return _form_response(
        request, "registry/household_form.html", {"form": form, "title": _("新建农户")}, status
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, household_id: int) -> HttpResponse:
    household = _household_for_write(request, household_id)[1]
    viewer = pii.viewer(request, CHANNEL)
    sees_pii = viewer.sees(household.area_code)
    kwargs: dict[str, Any] = {
        "sees_pii": sees_pii,
        "masked_phone": ""
        if sees_pii
        else viewer.phone(
            household.phone, area_code=household.area_code, ref=("household", household.pk)
        ),
    }
    status = 200
    if request.method == "POST":
        form = HouseholdEditForm(request.POST, **kwargs)
        if form.is_valid():
            refused = _submit(
                form,
                lambda: services.household_update(
                    actor=request.user,
                    household_id=household.pk,
                    version=form.cleaned_data["version"],
                    data=form.household_data(),
                    reason=form.cleaned_data["reason"],
                    channel=CHANNEL,
                ),
            )
            if refused is None:
                return _to_detail(request, household)
            status = refused
        else:
            status = 400
    else:
        initial = _initial(household, HouseholdEditForm.HOUSEHOLD_FIELDS)
        initial["version"] = household.version
        if sees_pii:  # the form shows the phone to edit it
            initial["phone"] = selectors.phone_view(viewer=viewer, household=household)
        else:
            initial.pop("phone")
        form = HouseholdEditForm(initial=initial, **kwargs)
    return _form_response(
        request,
        "registry/household_form.html",
        {
            "form": form,
            "household": household,
            "title": _("修改户信息"),
        },
        status,
    )


def _to_detail(request: HttpRequest, household: Household) -> HttpResponseRedirect:
    messages.success(request, _("已保存。"))
    return HttpResponseRedirect(
        reverse("registry:household_detail", kwargs={"household_id": household.pk})
    )


# --- member forms --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, household_id: int) -> HttpResponse:
    household = _household_for_write(request, household_id)[1]
    form = MemberForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.member_add(
                actor=request.user,
                household_id=household.pk,
                data=form.member_data(),
                reason=form.cleaned_data["reason"],
                channel=CHANNEL,
            )
        except InvalidInput as exc:
            apply_service_errors(form, exc.fields)
        else:
            return _to_detail(request, household)
    status = 400 if form.is_bound else 200
    return _form_response(
        request,
        "registry/member_form.html",
        {
            "form": form,
            "household": household,
            "title": _("增加家庭成员"),
        },
        status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, household_id: int, member_id: int) -> HttpResponse:
    scope, household = _household_for_write(request, household_id)
    member = _member_of(scope, household, member_id)
    viewer = pii.viewer(request, CHANNEL)
    sees_pii = viewer.sees(household.area_code)
    ref = ("member", member.pk)
    kwargs: dict[str, Any] = {
        "sees_pii": sees_pii,
        "is_head": member.relation == Relation.HEAD,
        "masked_id_number": ""
        if sees_pii
        else viewer.id_number(member.id_number, area_code=household.area_code, ref=ref),
    }
    status = 200
    if request.method == "POST":
        form = MemberEditForm(request.POST, **kwargs)
        if form.is_valid():
            refused = _submit(
                form,
                lambda: services.member_update(
                    actor=request.user,
                    member_id=member.pk,
                    version=form.cleaned_data["version"],
                    data=form.member_data(),
                    reason=form.cleaned_data["reason"],
                    channel=CHANNEL,
                ),
            )
            if refused is None:
                return _to_detail(request, household)
            status = refused
        else:
            status = 400
    else:
        initial = _initial(member, MemberForm.MEMBER_FIELDS)
        initial["version"] = member.version
        if sees_pii:  # the form shows them to edit them
            initial["id_number"] = viewer.id_number(
                member.id_number, area_code=household.area_code, ref=ref
            )
            viewer.health_key(member.health, area_code=household.area_code, ref=ref)
        else:
            for name in MemberForm.PII_FIELDS:
                initial.pop(name)
        form = MemberEditForm(initial=initial, **kwargs)
    return _form_response(
        request,
        "registry/member_form.html",
        {
            "form": form,
            "household": household,
            "member": member,
            "title": _("修改成员：%(name)s") % {"name": member.name},
        },
        status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, household_id: int, member_id: int) -> HttpResponse:
    scope, household = _household_for_write(request, household_id)
    member = _member_of(scope, household, member_id)
    status = 200
    if request.method == "POST":
        form = MemberRemoveForm(request.POST)
        if form.is_valid():
            refused = _submit(
                form,
                lambda: services.member_remove(
                    actor=request.user,
                    member_id=member.pk,
                    version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                    channel=CHANNEL,
                ),
            )
            if refused is None:
                return _to_detail(request, household)
            status = refused
        else:
            status = 400
    else:
        form = MemberRemoveForm(initial={"version": member.version})
    return _form_response(
        request,
        "registry/member_remove.html",
        {
            "form": form,
            "household": household,
            "member": member,
            "is_head": member.relation == Relation.HEAD,
            "title": _("减少成员：%(name)s") % {"name": member.name},
        },
        status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def head_change(request: HttpRequest, household_id: int) -> HttpResponse:
    scope, household = _household_for_write(request, household_id)
    members = selectors.member_list(scope=scope, household=household)
    head = next((m for m in members if m.relation == Relation.HEAD), None)
    candidates = [
        (m.pk, f"{m.name}（{m.get_relation_display()}）")
        for m in members
        if m.relation != Relation.HEAD
    ]
    form = HeadChangeForm(_posted(request), candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            services.household_head_change(
                actor=request.user,
                household_id=household.pk,
                new_head_id=form.cleaned_data["new_head"],
                old_head_relation=form.cleaned_data["old_head_relation"],
                reason=form.cleaned_data["reason"],
                channel=CHANNEL,
            )
        except InvalidInput as exc:
            apply_service_errors(form, exc.fields)
        else:
            return _to_detail(request, household)
    status = 400 if form.is_bound else 200
    return _form_response(
        request,
        "registry/head_change.html",
        {
            "form": form,
            "household": household,
            "head": head,
            "title": _("变更户主"),
        },
        status,
    )


# --- incomes -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def income_set(request: HttpRequest, household_id: int) -> HttpResponse:
    scope, household = _household_for_write(request, household_id)
    status = 200
    if request.method == "POST":
        form = IncomeForm(request.POST)
        if form.is_valid():
            refused = _submit(
                form,
                lambda: services.income_record_set(
                    actor=request.user,
                    household_id=household.pk,
                    year=form.cleaned_data["year"],
                    data=form.income_data(),
                    version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                    channel=CHANNEL,
                ),
            )
            if refused is None:
                return _to_detail(request, household)
            status = refused
        else:
            status = 400
    else:
        form = IncomeForm(initial=_income_initial(scope, household, request.GET))
    return _form_response(
        request,
        "registry/income_form.html",
        {
            "form": form,
            "household": household,
            "title": _("登记收入"),
        },
        status,
    )


def _income_initial(scope: Scope, household: Household, query: Mapping[str, str]) -> dict[str, Any]:
    """Prefill a year already recorded (with its version, so a concurrent edit is caught)."""
    year = query.get("year", "")
    if not (year.isascii() and year.isdigit() and len(year) == 4):
        return {}
    record = next(
        (r for r in selectors.income_list(scope=scope, household=household) if r.year == int(year)),
        None,
    )
    if record is None:
        return {"year": int(year)}
    initial = _initial(record, IncomeForm.INCOME_FIELDS)
    initial.update(year=record.year, version=record.version)
    return initial


# --- rigid expenses and hardship events ------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def expense_set(request: HttpRequest, household_id: int) -> HttpResponse:
    household = _household_for_write(request, household_id)[1]
    status = 200
    if request.method == "POST":
        form = ExpenseForm(request.POST)
        if form.is_valid():
            refused = _submit(
                form,
                lambda: services.expense_record_set(
                    actor=request.user,
                    household_id=household.pk,
                    year=form.cleaned_data["year"],
                    data=form.expense_data(),
                    version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                    channel=CHANNEL,
                ),
            )
            if refused is None:
                return _to_detail(request, household)
            status = refused
        else:
            status = 400
    else:
        form = ExpenseForm(initial=_expense_initial(household, request.GET))
    return _form_response(
        request,
        "registry/expense_form.html",
        {"form": form, "household": household, "title": _("登记刚性支出")},
        status,
    )


def _expense_initial(household: Household, query: Mapping[str, str]) -> dict[str, Any]:
    """Prefill a year already recorded (with its version, so a concurrent edit is caught)."""
    year = query.get("year", "")
    if not (year.isascii() and year.isdigit() and len(year) == 4):
        return {}
    record = household.expenses.filter(year=int(year)).first()
    if record is None:
        return {"year": int(year)}
    initial = _initial(record, ExpenseForm.EXPENSE_FIELDS)
    initial.update(year=record.year, version=record.version)
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def hardship_add(request: HttpRequest, household_id: int) -> HttpResponse:
    scope, household = _household_for_write(request, household_id)
    members = [(m.pk, m.name) for m in selectors.member_list(scope=scope, household=household)]
    form = HardshipForm(_posted(request), members=members)
    if request.method == "POST" and form.is_valid():
        try:
            services.hardship_event_record(
                actor=request.user,
                household_id=household.pk,
                kind=form.cleaned_data["kind"],
                occurred_on=form.cleaned_data["occurred_on"],
                member_id=form.cleaned_data["member"],
                loss=form.cleaned_data["loss"],
                description=form.cleaned_data["description"],
                channel=CHANNEL,
            )
        except InvalidInput as exc:
            apply_service_errors(form, exc.fields, form.error_key_map())
        else:
            return _to_detail(request, household)
    status = 400 if form.is_bound else 200
    return _form_response(
        request,
        "registry/hardship_form.html",
        {"form": form, "household": household, "title": _("登记困难事件")},
        status,
    )


@login_required
@require_GET
def household_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list as CSV in the 户 sheet layout, scoped and masked like the page."""
    scope = _scope(request)
    if scope.is_empty:
        raise AccessDenied(NO_ROLE_MESSAGE)
    _form, filters = _list_filters(request, scope)
    response = StreamingHttpResponse(
        household_csv_chunks(actor=request.user, scope=scope, filters=filters),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="households.csv"'
    return response

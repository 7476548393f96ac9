"""Pages of first-secretary matching: the rounds, one round's matching page (solve, why
each was chosen, override, pair rules, accept, print), the postings with appraisal and
recall, the candidates' and the villages' profiles.

For the township, the county and auditors (others get 403); every page shows only the
user's areas; the services decide who may change what, and their refusals come back as
messages on the page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fupin.accounts.scope import Scope, scope_for
from fupin.core import clock
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.core.feedback import fail as _fail
from fupin.core.feedback import form_fail as _form_fail
from fupin.matching import selectors, services
from fupin.matching.forms import (
    AppraisalForm,
    CandidateForm,
    OverrideForm,
    RecallForm,
    RoundForm,
    RuleForm,
    VillageProfileForm,
)
from fupin.matching.models import Appraisal, Background, MatchRound, Posting

CHANNEL = "web"
FAILURES = (InvalidInput, Conflict, AccessDenied, NotFound)


def _scope(request: HttpRequest) -> Scope:
    services.require_reader(request.user)
    return scope_for(request.user)


def _county_codes(scope: Scope) -> list[str]:
    """The counties the user manages matching in (for the create form's default)."""
    return sorted(
        code for role, code in scope.roles if role == "county_admin" and code.endswith("000000")
    )


# --- rounds -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rounds(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    counties = _county_codes(scope)
    if request.method == "POST":
        form = RoundForm(request.POST)
        if form.is_valid():
            try:
                r = services.round_create(
                    actor=request.user,
                    area_code=form.cleaned_data["area_code"],
                    title=form.cleaned_data["title"],
                    starts_on=form.cleaned_data["starts_on"],
                    village_codes=form.village_codes(),
                    channel=CHANNEL,
                )
                messages.success(request, _("已创建匹配，请设置约束后求解。"))
                return HttpResponseRedirect(reverse("matching:round", args=[r.pk]))
            except FAILURES as exc:
                _fail(request, exc)
        else:
            _form_fail(request, form)
        return HttpResponseRedirect(reverse("matching:rounds"))
    blank: RoundForm | None = (
        RoundForm(initial={"area_code": counties[0], "starts_on": clock.today()})
        if counties
        else None
    )
    return render(
        request, "matching/rounds.html", {"rows": selectors.rounds_list(scope=scope), "form": blank}
    )


def _round_post(request: HttpRequest, r: MatchRound, view: selectors.RoundView) -> None:
    what = request.POST.get("what", "")
    choices = [(c.candidate_id, c.name) for c in view.candidates]
    if what == "solve":
        solved = services.round_solve(actor=request.user, round_id=r.pk, channel=CHANNEL)
        messages.success(request, _("已求解：总分 %(total)s。") % {"total": solved.total_score})
    elif what == "accept":
        services.round_accept(actor=request.user, round_id=r.pk, channel=CHANNEL)
        messages.success(request, _("已确认匹配，选派记录已生成。"))
    elif what == "override":
        form = OverrideForm(request.POST, candidates=choices)
        if form.is_valid():
            services.proposal_override(
                actor=request.user,
                round_id=r.pk,
                area_code=form.cleaned_data["area_code"],
                candidate_id=form.cleaned_data["candidate"],
                reason=form.cleaned_data["reason"],
                channel=CHANNEL,
            )
            messages.success(request, _("已调整，并记录理由。"))
        else:
            _form_fail(request, form)
    elif what == "rule":
        villages = [(row.area_code, row.village_name) for row in view.rows]
        rform = RuleForm(request.POST, villages=villages, candidates=choices)
        if rform.is_valid():
            services.pair_rule_add(
                actor=request.user,
                round_id=r.pk,
                kind=rform.cleaned_data["kind"],
                area_code=rform.cleaned_data["area_code"],
                candidate_id=rform.cleaned_data["candidate"],
                reason=rform.cleaned_data["reason"],
                channel=CHANNEL,
            )
            messages.success(request, _("已增加约束，请重新求解。"))
        else:
            _form_fail(request, rform)
    elif what == "rule_remove":
        services.pair_rule_remove(
            actor=request.user, rule_id=int(request.POST.get("rule") or 0), channel=CHANNEL
        )
        messages.success(request, _("已删除约束，请重新求解。"))


@login_required
@require_http_methods(["GET", "POST"])
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    """The matching page: why each candidate was chosen, override, rules, accept."""
    scope = _scope(request)
    view = selectors.round_detail(scope=scope, round_id=round_id)
    r = view.round
    url = reverse("matching:round", args=[r.pk])
    if request.method == "POST":
        try:
            _round_post(request, r, view)
        except FAILURES as exc:
            _fail(request, exc)
        return HttpResponseRedirect(url)
    manage = services.may_manage(request.user, r.area_code) and r.status != "accepted"
    return render(
        request,
        "matching/round.html",
        {
            "view": view,
            "r": r,
            "manage": manage,
            "candidates": view.candidates,
            "kinds": [("exclude", _("排除")), ("fix", _("指定"))],
        },
    )


@login_required
@require_GET
def round_print(request: HttpRequest, round_id: int) -> HttpResponse:
    """The printable result table."""
    scope = _scope(request)
    view = selectors.round_detail(scope=scope, round_id=round_id, alternatives=False)
    return render(request, "matching/round_print.html", {"view": view, "today": clock.today()})


# --- postings -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def postings(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    url = reverse("matching:postings")
    if request.method == "POST":
        what = request.POST.get("what", "")
        try:
            if what == "appraise":
                form = AppraisalForm(request.POST)
                if form.is_valid():
                    services.posting_appraise(
                        actor=request.user,
                        posting_id=form.cleaned_data["posting"],
                        year=form.cleaned_data["year"],
                        grade=form.cleaned_data["grade"],
                        note=form.cleaned_data["note"],
                        channel=CHANNEL,
                    )
                    messages.success(request, _("已登记年度考核。"))
                else:
                    _form_fail(request, form)
            elif what == "recall":
                rform = RecallForm(request.POST)
                if rform.is_valid():
                    services.posting_recall(
                        actor=request.user,
                        posting_id=rform.cleaned_data["posting"],
                        grounds=rform.cleaned_data["grounds"],
                        channel=CHANNEL,
                    )
                    messages.success(request, _("已召回。"))
                else:
                    _form_fail(request, rform)
            elif what == "end":
                services.posting_end(
                    actor=request.user,
                    posting_id=int(request.POST.get("posting") or 0),
                    channel=CHANNEL,
                )
                messages.success(request, _("已办理离任。"))
        except FAILURES as exc:
            _fail(request, exc)
        return HttpResponseRedirect(url)
    status = request.GET.get("status", "")
    if status not in Posting.Status.values:
        status = ""
    rows = selectors.postings_list(scope=scope, status=status)
    rows_with_rights = [
        (
            p,
            services.may_appraise(request.user, p.area_code),
            services.may_manage(request.user, p.area_code),
        )
        for p in rows
    ]
    return render(
        request,
        "matching/postings.html",
        {
            "rows": rows_with_rights,
            "status": status,
            "statuses": Posting.Status.choices,
            "grades": Appraisal.Grade.choices,
            "year": clock.today().year,
        },
    )


# --- profiles -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def candidates(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    url = reverse("matching:candidates")
    if request.method == "POST":
        form = CandidateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.candidate_save(
                    actor=request.user,
                    cadre_id=data["cadre"],
                    background=data["background"],
                    birth_year=data["birth_year"],
                    skills=data["skills"],
                    languages=data["languages"],
                    is_available=data["is_available"],
                    note=data["note"],
                    version=data["version"],
                    channel=CHANNEL,
                )
                messages.success(request, _("已保存人选信息。"))
            except FAILURES as exc:
                _fail(request, exc)
        else:
            _form_fail(request, form)
        return HttpResponseRedirect(url)
    manage = services.may_manage(request.user, scope.prefixes[0].ljust(12, "0"))
    return render(
        request,
        "matching/candidates.html",
        {
            "rows": selectors.candidates_list(scope=scope),
            "cadres": selectors.cadres_without_candidacy(scope=scope) if manage else [],
            "manage": manage,
            "backgrounds": Background.choices,
            "year": clock.today().year,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def villages(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    url = reverse("matching:villages")
    if request.method == "POST":
        form = VillageProfileForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.village_profile_save(
                    actor=request.user,
                    area_code=data["area_code"],
                    industries=data["industries"],
                    ethnic_language=data["ethnic_language"],
                    minority_share=data["minority_share"],
                    distance_km=data["distance_km"],
                    version=data["version"],
                    channel=CHANNEL,
                )
                messages.success(request, _("已保存村情画像。"))
            except FAILURES as exc:
                _fail(request, exc)
        else:
            _form_fail(request, form)
        return HttpResponseRedirect(url)
    rows = [
        (row, services.may_appraise(request.user, row.code))
        for row in selectors.villages_list(scope=scope)
    ]
    return render(request, "matching/villages.html", {"rows": rows})

"""Every change to a procedure: open, advance a step, publish a notice, raise and resolve
an objection, cancel. Each checks that the actor holds the role owning the step over the
household's area, runs in one transaction (a crash leaves the procedure at its last
completed step, nothing half-done), records the step and writes an audit row."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.accounts.scope import holds_role, scope_for
from fupin.areas.codes import prefix_of, prefix_q
from fupin.areas.models import Area, PovertyStatus
from fupin.areas.services import village_poverty_exit
from fupin.audit.services import audit_write
from fupin.core import clock
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.policy import standards
from fupin.procedures import evidence
from fupin.procedures.definitions import DEFINITIONS, VILLAGE, Definition, Step
from fupin.procedures.models import Evidence, Notice, Objection, Procedure, ProcedureStep
from fupin.procedures.workdays import period_end
from fupin.registry.models import Household
from fupin.registry.services import household_status_by_procedure

State = Procedure.State
# Ending a procedure without its outcome is for the township or the county.
CANCEL_STEP = Step("cancelled", gettext_lazy("终止"), ("township_officer", "county_admin"))


def _definition(kind: str) -> Definition:
    try:
        return DEFINITIONS[kind]
    except KeyError:
        raise InvalidInput(fields={"kind": [_("没有这种程序")]}) from None


def may_do(actor: Any, step: Step, area_code: str) -> bool:
    """Whether ``actor`` holds a role owning ``step`` over an area containing ``area_code``."""
    return holds_role(actor, step.roles, area_code)


def _check(actor: Any, step: Step, area_code: str) -> None:
    if actor is not None and not scope_for(actor).covers(area_code):
        raise NotFound()
    if not may_do(actor, step, area_code):
        raise AccessDenied(
            _("“%(step)s”须由%(roles)s办理。")
            % {"step": step.label, "roles": "、".join(str(_role_label(r)) for r in step.roles)}
        )


def _role_label(role: str) -> Any:
    from fupin.accounts.models import Role

    return Role(role).label


def _params(area_code: str, day: dt.date) -> dict[str, Any]:
    return standards.effective(area_code, standards.in_force(day.year))


def _audit(actor: Any, action: str, procedure: Procedure, channel: str) -> None:
    audit_write(
        actor=actor,
        action=f"procedure.{action}",
        object_type="procedure",
        object_ids=[procedure.pk],
        fields=["step"],
        channel=channel,
        area_code=procedure.area_code,
    )


def _record(
    procedure: Procedure,
    step: str,
    *,
    actor: Any,
    note: str,
    action: str = "done",
    notice: Notice | None = None,
) -> ProcedureStep:
    return ProcedureStep.objects.create(
        procedure=procedure,
        step=step,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        note=(note or "").strip(),
        notice=notice,
    )


def _locked(procedure_id: int, version: int | None) -> Procedure:
    procedure = Procedure.objects.select_for_update().filter(pk=procedure_id).first()
    if procedure is None:
        raise NotFound()
    if version is not None and procedure.version != version:
        raise Conflict()
    return procedure


# Household procedures that open only for a candidate of an evaluation run (the run is
# recorded as the procedure's source): what the run must have found of the household.
RUN_CANDIDATES: dict[str, Any] = {
    # a registered poor household meeting the exit standard
    "exit": gettext_lazy("在评估批次 %(run)s 中未达到退出标准（不是退出候选户）"),
    # a household in a monitoring category (unstable, marginal, sudden hardship)
    "monitoring": gettext_lazy("在评估批次 %(run)s 中不属于监测对象类别"),
    # no monitoring risk left and 两不愁三保障 met
    "risk_clearing": gettext_lazy("在评估批次 %(run)s 中仍有风险或未达到两不愁三保障"),
}


def _is_candidate(kind: str, verdict: Any) -> bool:
    from fupin.policy import engine as policy_engine

    if verdict is None:
        return False
    if kind == "exit":
        return bool(verdict.status_group == policy_engine.G_POOR and verdict.exit_fails == 0)
    if kind == "monitoring":
        return bool(verdict.category)
    return bool(verdict.risks == 0 and verdict.exit_fails == 0)


def latest_run_for(area_code: str) -> Any:
    """The newest finished evaluation run whose scope holds ``area_code``, or None."""
    from fupin.policy.models import EvaluationRun

    prefixes = [area_code[:n] for n in (0, 2, 4, 6, 9, 12)]
    return (
        EvaluationRun.objects.filter(status=EvaluationRun.Status.DONE, scope_prefix__in=prefixes)
        .order_by("-created_at", "-id")
        .first()
    )


def _check_run_candidate(actor: Any, kind: str, household: Household, run_id: int | None) -> str:
    """The source of a procedure that opens only from a run: the run names the household
    as a candidate, and no later run covering it says otherwise."""
    from fupin.policy.models import EvaluationRun, HouseholdVerdict

    definition = DEFINITIONS[kind]
    if run_id is None:
        raise InvalidInput(
            _("“%(kind)s”只能为评估批次中的候选户开始，请填写评估批次编号。")
            % {"kind": definition.label},
            fields={"run_id": [_("请填写评估批次编号")]},
            code="run_required",
        )
    run = _run_for(actor, run_id)
    if run.status != EvaluationRun.Status.DONE:
        raise InvalidInput(
            _("评估批次 %(run)s 尚未完成。") % {"run": run.pk}, fields={"run_id": [_("批次未完成")]}
        )
    judged = [run]
    latest = latest_run_for(household.area_code)
    if latest is not None and latest.pk != run.pk and latest.created_at >= run.created_at:
        judged.append(latest)
    for each in judged:
        verdict = HouseholdVerdict.objects.filter(run=each, household_id=household.pk).first()
        if not _is_candidate(kind, verdict):
            why = RUN_CANDIDATES[kind] % {"run": each.pk}
            raise InvalidInput(
                _("户 %(number)s %(why)s，不能开始“%(kind)s”。")
                % {"number": household.number, "why": why, "kind": definition.label},
                fields={"run_id": [str(why)]},
                code="not_a_candidate",
            )
    return f"policy_run:{run.pk}"


def procedure_open(
    *,
    actor: Any,
    kind: str,
    household_id: int | None = None,
    area_code: str = "",
    note: str = "",
    run_id: int | None = None,
    channel: str = "web",
) -> Procedure:
    """Open a procedure with its first step done (an application, a proposal, a report):
    a household's, or for the village exit, the village ``area_code``'s. An exit, a
    monitoring or a risk clearing opens only for a candidate of the evaluation run
    ``run_id``, recorded as its source (RUN_CANDIDATES)."""
    definition = _definition(kind)
    source = ""
    household: Household | None = None
    if definition.for_village:
        village = Area.objects.filter(code=area_code, level=Area.Level.VILLAGE).first()
        if village is None:
            raise NotFound()
        where, status = village.code, village.poverty_status
        status_label = village.get_poverty_status_display()
    else:
        household = Household.objects.filter(pk=household_id or 0, is_active=True).first()
        if household is None:
            raise NotFound()
        where, status = household.area_code, household.status
        status_label = household.get_status_display()
    first = definition.steps[0]
    _check(actor, first, where)
    if status not in definition.open_statuses:
        raise InvalidInput(
            _("状态为“%(status)s”，不能开始“%(kind)s”程序。")
            % {"status": status_label, "kind": definition.label}
        )
    if household is not None and kind in RUN_CANDIDATES:
        source = _check_run_candidate(actor, kind, household, run_id)
    elif run_id is not None:
        source = f"policy_run:{_run_for(actor, run_id).pk}"
    today = clock.today()
    due_on = None
    if definition.time_limit_param:
        days = int(_params(where, today)[definition.time_limit_param])
        due_on = period_end(today, days, "working").ends_on
    with transaction.atomic():
        busy = Procedure.objects.filter(kind=kind, state=State.OPEN)
        busy = (
            busy.filter(household=household)
            if household
            else busy.filter(household__isnull=True, area_code=where)
        )
        if busy.exists():
            raise Conflict(_("已有进行中的“%(kind)s”程序。") % {"kind": definition.label})
        procedure = Procedure.objects.create(
            kind=kind,
            household=household,
            area_code=where,
            step=first.code,
            source=source,
            opened_by=actor if getattr(actor, "pk", None) else None,
            opened_on=today,
            due_on=due_on,
        )
        _record(procedure, first.code, actor=actor, note=note)
        _audit(actor, "open", procedure, channel)
    return procedure


def _notice_of(procedure: Procedure) -> Notice | None:
    return procedure.notices.filter(step=procedure.step).order_by("-published_at", "-id").first()


def _check_notice_passed(procedure: Procedure) -> None:
    """The step after a notice: the period is over and no objection is still open."""
    notice = _notice_of(procedure)
    if notice is None:  # pragma: no cover - a notice step is only reached by publishing
        raise InvalidInput(_("找不到该步骤的公示。"))
    today = clock.today()
    if today <= notice.ends_on:
        raise InvalidInput(
            _("公示期至 %(end)s 结束，期满后（%(next)s 起）才能办理下一步。")
            % {
                "end": notice.ends_on.isoformat(),
                "next": (notice.ends_on + dt.timedelta(days=1)).isoformat(),
            }
        )
    if procedure.objections.filter(notice=notice, status=Objection.Status.OPEN).exists():
        raise InvalidInput(_("公示期间有未处理的异议，须先核查并记录结论。"))


def _apply_outcome(actor: Any, procedure: Procedure, definition: Definition, channel: str) -> None:
    year = clock.today().year
    if definition.for_village:
        village_poverty_exit(actor=actor, area_code=procedure.area_code, year=year, channel=channel)
        return
    household_status_by_procedure(actor=actor, procedure_id=procedure.pk, channel=channel)


def procedure_advance(
    *,
    actor: Any,
    procedure_id: int,
    step: str,
    version: int | None = None,
    note: str = "",
    files: Sequence[Any] = (),
    channel: str = "web",
) -> Procedure:
    """Do ``step``, which must be the procedure's next one (naming it makes a repeated
    click harmless). Notice steps are done by publishing a notice instead. ``files`` are
    the step's evidence (PDF, JPEG, PNG), checked before anything is written."""
    if len(files) > evidence.MAX_FILES:
        raise InvalidInput(fields={"evidence": [_("一次最多上传 10 个文件")]})
    checked = [evidence.check(f) for f in files]
    written: list[str] = []
    with transaction.atomic():
        procedure = _locked(procedure_id, version)
        definition = _definition(procedure.kind)
        if procedure.state != State.OPEN:
            raise InvalidInput(_("该程序已结束。"))
        nxt = definition.next_step(procedure.step)
        if nxt is None or nxt.code != step:
            raise Conflict(_("该程序已不在这一步，请刷新后再办理。"))
        _check(actor, nxt, procedure.area_code)
        if nxt.is_notice:
            raise InvalidInput(_("公示步骤须通过“发布公示”办理。"))
        current = definition.steps[definition.index(procedure.step)]
        if current.is_notice:
            _check_notice_passed(procedure)
        last = definition.next_step(nxt.code) is None
        Procedure.objects.filter(pk=procedure.pk).update(
            step=nxt.code,
            version=F("version") + 1,
            state=State.DONE if last else State.OPEN,
            closed_at=timezone.now() if last else None,
        )
        procedure.refresh_from_db()
        done = _record(procedure, nxt.code, actor=actor, note=note)
        try:
            for c in checked:
                path = evidence.store(procedure.pk, c)
                written.append(path)
                Evidence.objects.create(
                    step=done,
                    original_name=c.name,
                    path=path,
                    content_type=c.content_type,
                    size=len(c.data),
                    uploaded_by=actor if getattr(actor, "pk", None) else None,
                )
            if last and definition.outcome_status:
                _apply_outcome(actor, procedure, definition, channel)
            _audit(actor, f"advance.{nxt.code}", procedure, channel)
        except BaseException:
            # the transaction is rolled back; files written for it go too
            evidence.remove(written)
            raise
    return procedure


def notice_publish(
    *,
    actor: Any,
    procedure_ids: Sequence[int],
    title: str = "",
    starts_on: dt.date | None = None,
    channel: str = "web",
) -> Notice:
    """Publish one notice for procedures whose next step is the same notice (a village's
    batch): its period comes from the standard in force for the first household's area."""
    ids = sorted(set(int(i) for i in procedure_ids))
    if not ids:
        raise InvalidInput(_("请选择要公示的户。"))
    starts_on = starts_on or clock.today()
    if starts_on < clock.today():
        raise InvalidInput(fields={"starts_on": [_("公示不能从过去的日期开始")]})
    with transaction.atomic():
        procedures = list(Procedure.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        if len(procedures) != len(ids):
            raise NotFound()
        kinds = {p.kind for p in procedures}
        steps = {p.step for p in procedures}
        if len(kinds) != 1 or len(steps) != 1 or any(p.state != State.OPEN for p in procedures):
            raise InvalidInput(_("一次公示的户须处于同一程序的同一步骤。"))
        definition = _definition(procedures[0].kind)
        nxt = definition.next_step(procedures[0].step)
        if nxt is None or not nxt.is_notice:
            raise InvalidInput(_("这些户的下一步不是公示。"))
        village = {p.area_code[:12] for p in procedures}
        if len(village) != 1 and nxt.roles == VILLAGE:
            raise InvalidInput(_("村内公示只能包含同一个村的户。"))
        common = _common_prefix([p.area_code for p in procedures])
        for p in procedures:
            _check(actor, nxt, p.area_code)
        params = _params(procedures[0].area_code, starts_on)
        days = int(params[nxt.notice_days_param])
        day_kind = str(params["notice_day_kind"])
        period = period_end(starts_on, days, day_kind)
        notice = Notice.objects.create(
            kind=definition.kind,
            step=nxt.code,
            area_code=common,
            title=(title or "").strip()[:200]
            or str(
                _("%(kind)s%(step)s（%(n)s户）")
                % {"kind": definition.label, "step": nxt.label, "n": len(procedures)}
            ),
            starts_on=starts_on,
            ends_on=period.ends_on,
            day_kind=day_kind,
            days=days,
            calendar_known=period.calendar_known,
            published_by=actor if getattr(actor, "pk", None) else None,
        )
        notice.procedures.set(procedures)
        Procedure.objects.filter(pk__in=ids).update(step=nxt.code, version=F("version") + 1)
        for p in procedures:
            _record(p, nxt.code, actor=actor, note="", notice=notice)
            _audit(actor, f"notice.{nxt.code}", p, channel)
    return notice


def _common_prefix(codes: list[str]) -> str:
    first, last = min(codes), max(codes)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


# How many objections one visitor of the public page raises a day (settings may change it).
PUBLIC_OBJECTIONS_PER_DAY = 5


def public_objections_per_day() -> int:
    return int(getattr(settings, "FUPIN_PUBLIC_OBJECTIONS_PER_DAY", PUBLIC_OBJECTIONS_PER_DAY))


def visitor_key(address: str, cookie: str) -> str:
    """A public visitor as stored: a hash of the client address and the visitor's cookie,
    keyed by the site's secret so the address cannot be found again by trying them all."""
    message = f"{address}|{cookie}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def normalised_objection(text: str) -> str:
    """The text two objections share when they repeat one another: compatibility forms
    folded, case, spaces and punctuation ignored."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(c for c in folded if unicodedata.category(c)[0] not in ("P", "Z", "C"))


def repeated_objections(objections: Sequence[Objection]) -> list[list[Objection]]:
    """Groups of open objections that repeat one another — same notice, same household,
    same normalised text — of two or more, in the order they were raised."""
    groups: dict[tuple[int, int, str], list[Objection]] = {}
    for o in sorted(objections, key=lambda o: (o.raised_at, o.pk)):
        if o.status == Objection.Status.OPEN:
            key = (o.notice_id, o.procedure_id, normalised_objection(o.text))
            groups.setdefault(key, []).append(o)
    return [g for g in groups.values() if len(g) > 1]


def objection_raise(
    *,
    notice_id: int,
    procedure_id: int,
    text: str,
    name: str = "",
    contact: str = "",
    actor: Any = None,
    channel: str = "public",
    visitor: str = "",
) -> Objection:
    """Anyone may object to a household on a notice until its procedure moves on: on the
    public page (no login) or in person, recorded by a cadre. A public visitor
    (``visitor_key``) raises at most ``public_objections_per_day`` a day."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(fields={"text": [_("请写明异议的内容")]})
    if len(text) > 2000:
        raise InvalidInput(fields={"text": [_("最多 2000 字")]})
    with transaction.atomic():
        notice = Notice.objects.filter(pk=notice_id).first()
        procedure = (
            Procedure.objects.select_for_update().filter(pk=procedure_id, notices=notice).first()
            if notice
            else None
        )
        if notice is None or procedure is None:
            raise NotFound()
        if procedure.step != notice.step or procedure.state != State.OPEN:
            raise InvalidInput(_("该户的公示已结束，异议请向乡镇反映。"))
        if clock.today() < notice.starts_on:
            raise InvalidInput(_("公示尚未开始。"))
        if channel == "public":
            _check_visitor_limit(visitor)
        objection = Objection.objects.create(
            notice=notice,
            procedure=procedure,
            channel=channel,
            name=(name or "").strip()[:64],
            contact=(contact or "").strip()[:64],
            text=text,
            visitor=visitor if channel == "public" else "",
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_write(
            actor=actor,
            action="procedure.objection_raise",
            object_type="objection",
            object_ids=[objection.pk],
            channel=channel,
            area_code=procedure.area_code,
        )
    return objection


def _check_visitor_limit(visitor: str) -> None:
    limit = public_objections_per_day()
    # the day as raised_at records it (the server's clock, in the local time zone)
    start = timezone.localtime(timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    # An anonymous visitor without a key is one visitor: the limit still holds.
    raised = Objection.objects.filter(
        channel="public", visitor=visitor, raised_at__gte=start
    ).count()
    if raised >= limit:
        raise InvalidInput(
            _(
                "您今天已提交 %(n)s 条异议，达到每日上限。如还有情况，请明天再提交，"
                "或直接向村委会、乡镇政府反映。"
            )
            % {"n": raised},
            code="too_many_objections",
        )


def objections_resolve(
    *,
    actor: Any,
    objection_ids: Sequence[int],
    upheld: bool,
    finding: str,
    channel: str = "web",
) -> list[Objection]:
    """Record one finding for several open objections to the same household on the same
    notice (typically ones that repeat one another): all of them, or none."""
    ids = sorted(set(int(i) for i in objection_ids))
    if not ids:
        raise InvalidInput(fields={"objection_ids": [_("请选择要核查的异议")]})
    finding = (finding or "").strip()
    if not finding:
        raise InvalidInput(fields={"finding": [_("请记录核查结论")]})
    with transaction.atomic():
        found = list(Objection.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        if len(found) != len(ids):
            raise NotFound()
        if len({(o.notice_id, o.procedure_id) for o in found}) != 1:
            raise InvalidInput(
                _("一并核查的异议须针对同一公示中的同一户。"),
                fields={"objection_ids": [_("须为同一公示中同一户的异议")]},
            )
        return [
            objection_resolve(
                actor=actor, objection_id=o.pk, upheld=upheld, finding=finding, channel=channel
            )
            for o in found
        ]


def objection_resolve(
    *, actor: Any, objection_id: int, upheld: bool, finding: str, channel: str = "web"
) -> Objection:
    """Record the finding of an objection. Upheld, the household's review is reopened: the
    procedure goes back to the step before that review, to be reviewed and noticed again.
    Dismissed, the notice's step may go on once its period has ended."""
    finding = (finding or "").strip()
    if not finding:
        raise InvalidInput(fields={"finding": [_("请记录核查结论")]})
    with transaction.atomic():
        objection = Objection.objects.select_for_update().filter(pk=objection_id).first()
        if objection is None:
            raise NotFound()
        procedure = _locked(objection.procedure_id, None)
        definition = _definition(procedure.kind)
        notice_step = definition.steps[definition.index(objection.notice.step)]
        _check(actor, notice_step, procedure.area_code)
        if objection.status != Objection.Status.OPEN:
            raise Conflict(_("该异议已处理。"))
        objection.status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
        objection.finding = finding
        objection.resolved_by = actor if getattr(actor, "pk", None) else None
        objection.resolved_at = timezone.now()
        objection.save()
        if upheld and procedure.step == notice_step.code and procedure.state == State.OPEN:
            back = definition.steps[max(definition.index(notice_step.code) - 2, 0)]
            Procedure.objects.filter(pk=procedure.pk).update(
                step=back.code, version=F("version") + 1
            )
            _record(
                procedure,
                back.code,
                actor=actor,
                note=_("异议成立，退回重新评议：%(finding)s") % {"finding": finding},
                action="reopened",
            )
        audit_write(
            actor=actor,
            action=f"procedure.objection_{objection.status}",
            object_type="objection",
            object_ids=[objection.pk],
            channel=channel,
            area_code=procedure.area_code,
        )
    return objection


def procedure_cancel(
    *, actor: Any, procedure_id: int, reason: str, version: int | None = None, channel: str = "web"
) -> Procedure:
    """End a procedure without its outcome (the household withdrew, was found ineligible)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("请说明终止原因")]})
    with transaction.atomic():
        procedure = _locked(procedure_id, version)
        if procedure.state != State.OPEN:
            raise InvalidInput(_("该程序已结束。"))
        _check(actor, CANCEL_STEP, procedure.area_code)
        Procedure.objects.filter(pk=procedure.pk).update(
            state=State.CANCELLED, closed_at=timezone.now(), version=F("version") + 1
        )
        _record(procedure, procedure.step, actor=actor, note=reason, action="cancelled")
        _audit(actor, "cancel", procedure, channel)
        procedure.refresh_from_db()
    return procedure


def procedures_advance(
    *, actor: Any, procedure_ids: Sequence[int], step: str, note: str = "", channel: str = "web"
) -> int:
    """Take the same next step for many households (a village's exit candidates): all of
    them or, when one may not move, none — the error names that household."""
    ids = sorted(set(int(i) for i in procedure_ids))
    if not ids:
        raise InvalidInput(_("请选择要办理的户。"))
    with transaction.atomic():
        for procedure_id in ids:
            try:
                procedure_advance(
                    actor=actor, procedure_id=procedure_id, step=step, note=note, channel=channel
                )
            except (InvalidInput, Conflict) as exc:
                raise type(exc)(
                    _("%(who)s：%(reason)s") % {"who": _who(procedure_id), "reason": exc.message}
                ) from exc
    return len(ids)


def _who(procedure_id: int) -> str:
    """How an error names a procedure's subject: 户 <number>, or the village's name."""
    row = (
        Procedure.objects.filter(pk=procedure_id)
        .values_list("household__number", "area_code")
        .first()
    )
    if row is None:
        return str(procedure_id)
    number, code = row
    if number:
        return str(_("户 %(number)s") % {"number": number})
    return Area.objects.filter(code=code).values_list("name", flat=True).first() or code


def _run_for(actor: Any, run_id: int) -> Any:
    """An evaluation run the actor may see (any, for the system itself)."""
    from fupin.policy import selectors as policy_selectors
    from fupin.policy.models import EvaluationRun

    found: EvaluationRun | None
    if actor is not None:
        found = policy_selectors.run_get(scope=scope_for(actor), run_id=run_id)
    else:
        found = EvaluationRun.objects.filter(pk=run_id).first()
    if found is None:
        raise NotFound()
    return found


def exits_open_from_run(
    *, actor: Any, run_id: int, area_code: str, channel: str = "web"
) -> list[Procedure]:
    """Open exit procedures for a village's candidates of an evaluation run: registered
    poor households that met the exit standard in it and have no exit under way. The run
    proposes; people decide, step by step."""
    from fupin.policy import engine as policy_engine
    from fupin.policy.models import HouseholdVerdict

    run = _run_for(actor, run_id)
    if len(area_code) < 12 or not area_code[:12].isdigit():
        raise InvalidInput(fields={"area": [_("请选择一个行政村")]})
    village = area_code[:12]
    candidate_ids = list(
        HouseholdVerdict.objects.filter(
            run=run,
            status_group=policy_engine.G_POOR,
            exit_fails=0,
            area_code__startswith=village,
        ).values_list("household_id", flat=True)
    )
    busy = set(
        Procedure.objects.filter(
            household_id__in=candidate_ids, kind="exit", state=State.OPEN
        ).values_list("household_id", flat=True)
    )
    households = Household.objects.filter(
        pk__in=[i for i in candidate_ids if i not in busy],
        is_active=True,
        status__in=DEFINITIONS["exit"].open_statuses,
    ).order_by("area_code", "number")
    if actor is not None:  # only the actor's own households, never a refusal halfway
        households = households.filter(prefix_q("area_code", scope_for(actor).prefixes))
    opened = []
    with transaction.atomic():
        for household in households:
            opened.append(
                procedure_open(
                    actor=actor,
                    kind="exit",
                    household_id=household.pk,
                    note=str(_("评估批次 %(id)s：达到退出标准") % {"id": run.pk}),
                    run_id=run.pk,
                    channel=channel,
                )
            )
    return opened


def village_exits_open_from_run(
    *, actor: Any, run_id: int, area_code: str, channel: str = "web"
) -> list[Procedure]:
    """Open the village exit of every registered poor village under ``area_code`` (a
    township, or the county) that met the village exit standard in an evaluation run and
    has no village exit under way."""
    from fupin.policy.models import AreaResult

    run = _run_for(actor, run_id)
    prefix = (area_code or "").strip()
    if not prefix.isdigit() or len(prefix) > 12:
        raise InvalidInput(fields={"area": [_("请填写乡镇或县的区划代码")]})
    prefix = prefix_of(prefix.ljust(12, "0")) if len(prefix) == 12 else prefix
    passed = AreaResult.objects.filter(
        run=run, level="village", verdict=AreaResult.Verdict.PASS, area_code__startswith=prefix
    ).values_list("area_code", flat=True)
    villages = Area.objects.filter(
        code__in=list(passed), level=Area.Level.VILLAGE, poverty_status=PovertyStatus.POOR
    ).exclude(
        code__in=Procedure.objects.filter(
            kind="village_exit", state=State.OPEN, household__isnull=True
        ).values("area_code")
    )
    if actor is not None:  # only the actor's own villages, never a refusal halfway
        villages = villages.filter(prefix_q("code", scope_for(actor).prefixes))
    opened = []
    with transaction.atomic():
        for village in villages.order_by("code"):
            opened.append(
                procedure_open(
                    actor=actor,
                    kind="village_exit",
                    area_code=village.code,
                    note=str(_("评估批次 %(id)s：达到贫困村退出标准") % {"id": run.pk}),
                    run_id=run.pk,
                    channel=channel,
                )
            )
    return opened

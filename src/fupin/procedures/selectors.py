"""Reads of procedures, within the actor's areas; and the public view of a notice, which
needs no login and shows no ID number in full and nothing about health."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr

from fupin.accounts.scope import Scope
from fupin.areas.codes import prefix_q
from fupin.areas.models import Area
from fupin.core import clock, pii
from fupin.core.errors import NotFound
from fupin.procedures.definitions import DEFINITIONS, Step
from fupin.procedures.models import Evidence, Notice, Objection, Procedure, ProcedureStep
from fupin.registry.choices import Relation
from fupin.registry.models import Household, Member


def procedure_list(
    *, scope: Scope, state: str = "", kind: str = "", area: str = ""
) -> QuerySet[Procedure]:
    qs = Procedure.objects.filter(prefix_q("area_code", scope.prefixes)).select_related("household")
    if state:
        qs = qs.filter(state=state)
    if kind in DEFINITIONS:
        qs = qs.filter(kind=kind)
    if area:
        qs = qs.filter(prefix_q("area_code", [area]))
    return qs.order_by("area_code", "id")


def procedure_get(*, scope: Scope, procedure_id: int) -> Procedure:
    procedure = procedure_list(scope=scope).filter(pk=procedure_id).first()
    if procedure is None:
        raise NotFound()
    return procedure


def overdue(*, scope: Scope, area: str = "", today: dt.date | None = None) -> QuerySet[Procedure]:
    """Open procedures past their time limit, oldest deadline first."""
    today = today or clock.today()
    return (
        procedure_list(scope=scope, state=Procedure.State.OPEN, area=area)
        .filter(due_on__lt=today)
        .order_by("due_on", "id")
    )


def overdue_by_township(*, scope: Scope, area: str = "") -> list[tuple[str, str, int]]:
    """(township code, name, overdue procedures) for the overdue list's summary."""
    counts = list(
        overdue(scope=scope, area=area)
        .order_by()
        .annotate(township=Substr("area_code", 1, 9))
        .values("township")
        .annotate(n=Count("id"))
        .values_list("township", "n")
    )
    names = area_names([t.ljust(12, "0") for t, _ in counts])
    return sorted((t, names.get(t.ljust(12, "0"), t), n) for t, n in counts)


def area_names(codes: list[str]) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=codes).values_list("code", "name"))


def head_names(household_ids: list[int]) -> dict[int, str]:
    return dict(
        Member.objects.filter(
            household_id__in=household_ids, relation=Relation.HEAD, is_active=True
        ).values_list("household_id", "name")
    )


def next_step(procedure: Procedure) -> Step | None:
    if procedure.state != Procedure.State.OPEN:
        return None
    return DEFINITIONS[procedure.kind].next_step(procedure.step)


@dataclass
class TimelineEntry:
    procedure: Procedure
    steps: list[ProcedureStep]
    objections: list[Objection]


def timeline(*, scope: Scope, household: Household) -> list[TimelineEntry]:
    """Every procedure of a household with every step and objection, newest first."""
    if not scope.covers(household.area_code):
        raise NotFound()
    return _entries(Procedure.objects.filter(household=household))


def village_timeline(*, scope: Scope, area_code: str) -> list[TimelineEntry]:
    """Every procedure of a village itself (its exit), newest first."""
    if not scope.covers(area_code):
        raise NotFound()
    return _entries(Procedure.objects.filter(household__isnull=True, area_code=area_code))


def procedure_timeline(*, scope: Scope, procedure: Procedure) -> TimelineEntry:
    if not scope.covers(procedure.area_code):
        raise NotFound()
    return _entries(Procedure.objects.filter(pk=procedure.pk))[0]


def _entries(procedures_qs: QuerySet[Procedure]) -> list[TimelineEntry]:
    procedures = list(procedures_qs.order_by("-opened_on", "-id"))
    ids = [p.pk for p in procedures]
    steps: dict[int, list[ProcedureStep]] = {i: [] for i in ids}
    kinds = {p.pk: p.kind for p in procedures}
    files: dict[int, list[Evidence]] = {}
    for item in Evidence.objects.filter(step__procedure_id__in=ids).order_by("id"):
        files.setdefault(item.step_id, []).append(item)
    for s in ProcedureStep.objects.filter(procedure_id__in=ids).select_related("actor", "notice"):
        definition = DEFINITIONS[kinds[s.procedure_id]]
        s.step_label = next(  # type: ignore[attr-defined]
            (x.label for x in definition.steps if x.code == s.step), s.step
        )
        s.files = files.get(s.pk, [])  # type: ignore[attr-defined]
        steps[s.procedure_id].append(s)
    objections: dict[int, list[Objection]] = {i: [] for i in ids}
    for o in Objection.objects.filter(procedure_id__in=ids).order_by("raised_at", "id"):
        objections[o.procedure_id].append(o)
    return [TimelineEntry(p, steps[p.pk], objections[p.pk]) for p in procedures]


def evidence_get(*, scope: Scope, evidence_id: int) -> Evidence:
    item = (
        Evidence.objects.filter(pk=evidence_id)
        .filter(prefix_q("step__procedure__area_code", scope.prefixes))
        .first()
    )
    if item is None:
        raise NotFound()
    return item


def notice_list(*, scope: Scope) -> QuerySet[Notice]:
    return Notice.objects.filter(prefix_q("area_code", scope.prefixes)).order_by(
        "-starts_on", "-id"
    )


# --- the public page -------------------------------------------------------------------


@dataclass
class PublicEntry:
    procedure_id: int
    household_number: str
    head_name: str
    head_id: str  # masked
    people: int
    group: str
    open_objection: bool


@dataclass
class PublicNotice:
    notice: Notice
    area_name: str
    entries: list[PublicEntry]
    active: bool
    # A notice of villages (village exit): entries name villages, not households.
    of_villages: bool = False


def public_notices(*, today: dt.date | None = None) -> QuerySet[Notice]:
    """Notices on the public page: running ones and those ended in the last 30 days."""
    today = today or clock.today()
    return Notice.objects.filter(ends_on__gte=today - dt.timedelta(days=30)).order_by(
        "-starts_on", "-id"
    )


def public_notice(*, notice_id: int, today: dt.date | None = None) -> PublicNotice:
    """A notice as the public sees it: head's name, masked ID, household size, group."""
    today = today or clock.today()
    notice = public_notices(today=today).filter(pk=notice_id).first()
    if notice is None:
        raise NotFound()
    procedures = list(notice.procedures.select_related("household").order_by("area_code", "id"))
    if notice.kind in DEFINITIONS and DEFINITIONS[notice.kind].for_village:
        return _public_village_notice(notice, procedures, today)
    household_ids = [p.household_id for p in procedures]
    heads: dict[int, Any] = {
        m.household_id: m
        for m in Member.objects.filter(
            household_id__in=household_ids, relation=Relation.HEAD, is_active=True
        ).only("household_id", "name", "id_number")
    }
    sizes = dict(
        Member.objects.filter(household_id__in=household_ids, is_active=True)
        .values("household_id")
        .annotate(n=Count("id"))
        .values_list("household_id", "n")
    )
    groups = dict(
        Area.objects.filter(code__in={p.area_code for p in procedures}).values_list("code", "name")
    )
    open_ids = set(
        Objection.objects.filter(notice=notice, status=Objection.Status.OPEN).values_list(
            "procedure_id", flat=True
        )
    )
    public = pii.public_viewer()  # a public page: masked whoever looks
    entries = []
    for p in procedures:
        assert p.household is not None and p.household_id is not None  # a household notice
        head = heads.get(p.household_id)
        entries.append(
            PublicEntry(
                procedure_id=p.pk,
                household_number=p.household.number,
                head_name=head.name if head else "",
                head_id=public.id_number(
                    head.id_number, area_code=p.area_code, ref=("member", head.pk)
                )
                if head
                else "",
                people=sizes.get(p.household_id, 0),
                group=groups.get(p.area_code, ""),
                open_objection=p.pk in open_ids,
            )
        )
    area = Area.objects.filter(code=notice.area_code.ljust(12, "0")[:15]).first()
    if area is None:
        area = Area.objects.filter(code__startswith=notice.area_code).order_by("code").first()
    return PublicNotice(
        notice=notice,
        area_name=area.name if area else notice.area_code,
        entries=entries,
        active=notice.starts_on <= today <= notice.ends_on,
    )


def _public_village_notice(
    notice: Notice, procedures: list[Procedure], today: dt.date
) -> PublicNotice:
    """A village exit notice: the villages, each with its township."""
    codes = {p.area_code for p in procedures}
    townships = {c[:9].ljust(12, "0") for c in codes}
    names = area_names(sorted(codes | townships))
    open_ids = set(
        Objection.objects.filter(notice=notice, status=Objection.Status.OPEN).values_list(
            "procedure_id", flat=True
        )
    )
    entries = [
        PublicEntry(
            procedure_id=p.pk,
            household_number="",
            head_name=names.get(p.area_code, p.area_code),
            head_id="",
            people=0,
            group=names.get(p.area_code[:9].ljust(12, "0"), ""),
            open_objection=p.pk in open_ids,
        )
        for p in procedures
    ]
    area = Area.objects.filter(code__startswith=notice.area_code).order_by("code").first()
    return PublicNotice(
        notice=notice,
        area_name=area.name if area else notice.area_code,
        entries=entries,
        active=notice.starts_on <= today <= notice.ends_on,
        of_villages=True,
    )


# --- 明白卡: the household card ------------------------------------------------------------


@dataclass
class CardMember:
    name: str
    relation: str
    sex: str
    age: int | None
    education: str
    labour: str
    schooling: str


@dataclass
class Card:
    household: Household
    area_name: str
    members: list[CardMember]
    per_capita: Any  # the latest year's per-capita net income, or None
    income_year: int | None
    verdict: Any  # HouseholdVerdict of the latest run, or None
    reasons: list[str]
    cadre: Any = None  # the responsible cadre (Cadre with unit), or None
    cadre_phone: str = ""  # as the viewer may see it
    measures: list[Any] = field(default_factory=list)  # this year's and last year's


def _age(id_number: str, today: dt.date) -> int | None:
    digits = id_number[6:14]
    if not digits.isdigit():
        return None
    try:
        birth = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def cards(*, scope: Scope, viewer: pii.Viewer, households: list[Household]) -> list[Card]:
    """明白卡 of these households (one or a village's), in a few queries whatever their number.
    No ID numbers, health or phones of members: the card hangs in the household's home. The
    responsible cadre's phone is shown as the viewer's actor may see it (masked for roles
    that may not see personal data)."""
    from fupin.assistance.models import Measure, Pairing
    from fupin.policy import engine as policy_engine
    from fupin.policy import selectors as policy_selectors
    from fupin.policy.models import HouseholdVerdict
    from fupin.policy.reasons import CLAUSE_LABELS
    from fupin.registry.models import IncomeRecord

    households = [h for h in households if scope.covers(h.area_code)]
    ids = [h.pk for h in households]
    today = clock.today()
    members: dict[int, list[CardMember]] = {i: [] for i in ids}
    for m in Member.objects.filter(household_id__in=ids, is_active=True).order_by(
        "household_id", "id"
    ):
        members[m.household_id].append(
            CardMember(
                name=m.name,
                relation=m.get_relation_display(),
                sex=m.get_sex_display(),
                age=_age(m.id_number, today),
                education=m.get_education_display() if m.education else "",
                labour=m.get_labour_display(),
                schooling=m.schooling,
            )
        )
    for rows in members.values():  # the head first
        rows.sort(key=lambda r: r.relation != str(Relation.HEAD.label))
    incomes: dict[int, IncomeRecord] = {}
    for record in IncomeRecord.objects.filter(household_id__in=ids).order_by(
        "household_id", "year"
    ):
        incomes[record.household_id] = record  # the last year wins
    verdicts: dict[int, Any] = {}
    prefixes = {h.area_code[:12] for h in households}
    for prefix in prefixes:
        run = policy_selectors.latest_run(scope=scope, prefix=prefix)
        if run is None:
            continue
        for v in HouseholdVerdict.objects.filter(
            run=run, household_id__in=[h.pk for h in households if h.area_code.startswith(prefix)]
        ):
            verdicts[v.household_id] = v
    names = area_names(sorted({h.area_code for h in households}))
    cadres = {
        p.household_id: p.cadre
        for p in Pairing.objects.filter(household_id__in=ids, ends_on__isnull=True).select_related(
            "cadre__unit"
        )
    }
    measures: dict[int, list[Any]] = {i: [] for i in ids}
    for entry in (
        Measure.objects.filter(household_id__in=ids, delivered_on__year__gte=today.year - 1)
        .select_related("type")
        .order_by("household_id", "-delivered_on", "-id")
    ):
        measures[entry.household_id].append(entry)
    out = []
    for h in households:
        verdict = verdicts.get(h.pk)
        reasons = (
            [
                str(CLAUSE_LABELS[name])
                for name, bit in policy_engine.CLAUSES
                if verdict.exit_fails & bit
            ]
            if verdict is not None
            else []
        )
        income = incomes.get(h.pk)
        out.append(
            Card(
                household=h,
                area_name=names.get(h.area_code, h.area_code),
                members=members[h.pk],
                per_capita=income.net_income_per_capita if income else None,
                income_year=income.year if income else None,
                verdict=verdict,
                reasons=reasons,
                cadre=cadres.get(h.pk),
                cadre_phone=_cadre_phone(viewer, cadres.get(h.pk), h.area_code),
                measures=measures[h.pk][:6],
            )
        )
    return out


def _cadre_phone(viewer: pii.Viewer, cadre: Any, area_code: str) -> str:
    if cadre is None:
        return ""
    return viewer.phone(cadre.phone, area_code=area_code, ref=("cadre", cadre.pk))

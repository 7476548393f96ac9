"""All writes to the registry. Each service checks the actor's right to write in the
household's area, runs in one transaction, keeps the household history and writes
an audit row in that same transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from fupin.accounts.scope import scope_for
from fupin.areas.models import Area
from fupin.audit.services import audit_write
from fupin.core import clock
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.registry.choices import Cause, HouseholdStatus, Relation
from fupin.registry.models import (
    HardshipEvent,
    Household,
    HouseholdChange,
    HouseholdExpense,
    IncomeRecord,
    Member,
)
from fupin.registry.validation import (
    FieldError,
    check_id_number,
    check_phone,
    check_schooling,
    id_search_key,
    name_search_keys,
    normalise_id_number,
    normalise_text,
)

HOUSEHOLD_FIELDS = (
    "number",
    "phone",
    "standard",
    "household_type",
    "main_cause",
    "other_causes",
    "housing_area",
    "danger_grade",
    "relocated",
    "safe_water",
    "has_electricity",
    "road_distance_km",
    "status",
    "identified_year",
    "exited_year",
)
MEMBER_FIELDS = (
    "name",
    "sex",
    "id_number",
    "relation",
    "ethnicity",
    "education",
    "schooling",
    "health",
    "labour",
    "migrant_status",
    "migrant_months",
    "medical_insurance",
    "serious_illness_insurance",
    "pension_insurance",
    "dibao",
    "tekun",
)
# A household's status changes only as the last step of a procedure (or by an import,
# with its reason); a household registered here starts outside the registry of the poor
# and enters it through identification, as every household does.
NEW_HOUSEHOLD_STATUS = HouseholdStatus.UNREGISTERED
STATUS_BY_PROCEDURE = "status_by_procedure"
# Marked for extraction here, translated where it is raised.
ALREADY_IN_ANOTHER_HOUSEHOLD = gettext_noop("此人已在另一有效户中登记，一人只能在一户")
INCOME_FIELDS = (
    "wage",
    "business",
    "property_income",
    "transfer",
    "business_costs",
    "household_size",
)


def _check_write(actor: Any, area_code: str) -> None:
    if actor is None:  # the system itself (CLI, demo); people always come with a user
        return
    if not scope_for(actor).can_write(area_code):
        raise AccessDenied()


def _clean_model_fields(
    model: type[models.Model], data: Mapping[str, Any], allowed: Iterable[str]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Run each model field's own checks (type, choices, length); collect every error."""
    allowed = set(allowed)
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        if name not in allowed:
            errors.setdefault(name, []).append(_("不能修改此字段"))
            continue
        field = model._meta.get_field(name)
        if isinstance(value, str):
            value = normalise_text(value)
        try:
            cleaned[name] = field.clean(value, None)  # type: ignore[union-attr]
        except ValidationError as exc:
            errors[name] = [str(m) for m in exc.messages]
    return cleaned, errors


def _procedure_for(current: str, wanted: str) -> list[Any]:
    """The procedures whose outcome is ``wanted`` and that open from ``current`` (all the
    household procedures when none does)."""
    from fupin.procedures.definitions import DEFINITIONS

    household = [d for d in DEFINITIONS.values() if not d.for_village]
    fitting = [d for d in household if d.outcome_status == wanted and current in d.open_statuses]
    return fitting or household


def _refuse_status(current: str, wanted: str) -> None:
    names = "、".join(f"“{d.label}”" for d in _procedure_for(current, wanted))
    message = _("户状态只能由程序的最后一步变更，请通过%(procedures)s程序办理。") % {
        "procedures": names
    }
    raise InvalidInput(message, fields={"status": [message]}, code=STATUS_BY_PROCEDURE)


def _clean_household(data: Mapping[str, Any], current: Household | None) -> dict[str, Any]:
    cleaned, errors = _clean_model_fields(Household, data, HOUSEHOLD_FIELDS)
    if "phone" in cleaned:
        try:
            cleaned["phone"] = check_phone(cleaned["phone"])
        except FieldError as exc:
            errors["phone"] = [str(exc)]
    if "other_causes" in cleaned:
        causes = cleaned["other_causes"] or []
        if not isinstance(causes, list) or any(c not in Cause.values for c in causes):
            errors["other_causes"] = [_("其他致贫原因须从致贫原因列表中选择")]
        elif len(causes) > 2:
            errors["other_causes"] = [_("其他致贫原因最多两项")]
        elif cleaned.get("main_cause", current.main_cause if current else None) in causes:
            errors["other_causes"] = [_("其他致贫原因不能与主要致贫原因相同")]
    merged = {f: getattr(current, f) for f in HOUSEHOLD_FIELDS} if current else {}
    merged.update(cleaned)
    identified, exited = merged.get("identified_year"), merged.get("exited_year")
    this_year = timezone.now().year
    for name in ("identified_year", "exited_year"):
        year = merged.get(name)
        if year is not None and not 2000 <= year <= this_year:
            errors.setdefault(name, []).append(
                _("年度须在2000年至%(year)d年之间") % {"year": this_year}
            )
    if exited is not None and identified is not None and exited < identified:
        errors.setdefault("exited_year", []).append(_("脱贫年度不能早于识别年度"))
    if exited is not None and merged.get("status") not in (
        HouseholdStatus.EXITED,
        HouseholdStatus.MONITORED,
        HouseholdStatus.RISK_CLEARED,
        HouseholdStatus.RETURNED,
    ):
        errors.setdefault("exited_year", []).append(_("只有已脱贫的户才有脱贫年度"))
    if errors:
        raise InvalidInput(fields=errors)
    return cleaned


def _clean_member(data: Mapping[str, Any], current: Member | None) -> dict[str, Any]:
    data = dict(data)
    if isinstance(data.get("id_number"), str):
        data["id_number"] = normalise_id_number(data["id_number"])
    cleaned, errors = _clean_model_fields(Member, data, MEMBER_FIELDS)
    if "schooling" in cleaned:
        try:
            cleaned["schooling"] = check_schooling(cleaned["schooling"])
        except FieldError as exc:
            errors["schooling"] = [str(exc)]
    id_number = cleaned.get("id_number", current.id_number if current else "")
    sex = cleaned.get("sex", current.sex if current else "")
    if "id_number" in cleaned or "sex" in cleaned:
        try:
            facts = check_id_number(id_number)
            if sex and facts.sex != sex:
                errors.setdefault("sex", []).append(
                    _("性别与证件号码不符（证件号码显示为%(sex)s）")
                    % {"sex": _("男") if facts.sex == "male" else _("女")}
                )
        except FieldError as exc:
            errors.setdefault("id_number", []).append(str(exc))
    months = cleaned.get("migrant_months")
    if months is not None and months > 12:
        errors.setdefault("migrant_months", []).append(_("务工时间不能超过12个月"))
    if errors:
        raise InvalidInput(fields=errors)
    if "name" in cleaned:
        cleaned["name_pinyin"], cleaned["name_initials"] = name_search_keys(cleaned["name"])
    if "id_number" in cleaned:
        cleaned["id_reversed"] = id_search_key(cleaned["id_number"])
    return cleaned


def _check_id_free(id_number: str, except_member_id: int | None = None) -> None:
    clash = Member.objects.filter(id_number=id_number, is_active=True)
    if except_member_id:
        clash = clash.exclude(pk=except_member_id)
    if clash.exists():
        raise InvalidInput(fields={"id_number": [_(ALREADY_IN_ANOTHER_HOUSEHOLD)]})


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


def _diff(obj: models.Model, cleaned: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [_json(getattr(obj, name)), _json(value)]
        for name, value in cleaned.items()
        if getattr(obj, name) != value
        and name not in ("name_pinyin", "name_initials", "id_reversed")
    }


def _history(
    *,
    household: Household,
    actor: Any,
    action: str,
    changes: dict[str, Any],
    reason: str,
    member: Member | None = None,
    channel: str,
) -> None:
    HouseholdChange.objects.create(
        household=household,
        member=member,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        changes=changes,
        reason=reason,
    )
    audit_write(
        actor=actor,
        action=f"household.{action}",
        object_type="member" if member else "household",
        object_ids=[member.pk if member else household.pk],
        fields=list(changes),
        channel=channel,
        area_code=household.area_code,
    )


def _member_added(
    household: Household, member: Member, *, actor: Any, reason: str, channel: str
) -> None:
    _history(
        household=household,
        member=member,
        actor=actor,
        action=HouseholdChange.Action.MEMBER_ADD,
        changes={k: [None, _json(getattr(member, k))] for k in MEMBER_FIELDS},
        reason=reason,
        channel=channel,
    )


def household_create(
    *,
    actor: Any,
    area_code: str,
    data: Mapping[str, Any],
    members: list[Mapping[str, Any]],
    reason: str = "",
    channel: str = "web",
) -> Household:
    """Register a household with its members; exactly one of them is the head."""
    area = Area.objects.filter(code=area_code).first()
    if area is None or area.level not in (Area.Level.VILLAGE, Area.Level.GROUP):
        raise InvalidInput(fields={"area_code": [_("请选择行政村或村民小组")]})
    _check_write(actor, area.code)
    data = dict(data)
    wanted = data.pop("status", None) or NEW_HOUSEHOLD_STATUS
    if wanted != NEW_HOUSEHOLD_STATUS:
        _refuse_status(NEW_HOUSEHOLD_STATUS, str(wanted))
    cleaned = _clean_household(data, None)
    cleaned["status"] = NEW_HOUSEHOLD_STATUS
    errors: dict[str, list[str]] = {}
    if cleaned.get("identified_year") is not None:
        # identification records it when it registers the household
        errors["identified_year"] = [_("识别年度在贫困户识别程序办结时记录")]
    for name in ("number", "main_cause"):
        if not cleaned.get(name):
            errors[name] = [_("此项必填")]
    cleaned_members = []
    for index, member in enumerate(members):
        try:
            cleaned_members.append(_clean_member(member, None))
        except InvalidInput as exc:
            for name, messages in exc.fields.items():
                errors[f"members[{index}].{name}"] = messages
    heads = [m for m in cleaned_members if m.get("relation") == Relation.HEAD]
    if not errors and len(heads) != 1:
        errors["members"] = [_("每户须有且只有一名户主")]
    ids = [m["id_number"] for m in cleaned_members if m.get("id_number")]
    if len(ids) != len(set(ids)):
        errors["members"] = [_("同一证件号码在本户出现了两次")]
    if errors:
        raise InvalidInput(fields=errors)
    if Household.objects.filter(
        area_code__startswith=area.code[:6], number=cleaned["number"]
    ).exists():
        raise InvalidInput(fields={"number": [_("户编号在本县已存在")]})
    with transaction.atomic():
        for m in cleaned_members:
            _check_id_free(m["id_number"])
        household = Household.objects.create(area=area, area_code=area.code, **cleaned)
        created = Member.objects.bulk_create(
            [Member(household=household, **m) for m in cleaned_members]
        )
        _history(
            household=household,
            actor=actor,
            action=HouseholdChange.Action.CREATE,
            changes={k: [None, _json(v)] for k, v in cleaned.items()},
            reason=reason,
            channel=channel,
        )
        for created_member in created:
            _member_added(household, created_member, actor=actor, reason=reason, channel=channel)
    return household


def _locked_update(
    model: type[models.Model], pk: int, version: int, values: Mapping[str, Any]
) -> None:
    """Write only if nobody else saved since ``version`` was read."""
    updated = (
        model._default_manager.filter(pk=pk, version=version).update(
            version=F("version") + 1, updated_at=timezone.now(), **values
        )
        if hasattr(model, "updated_at")
        else model._default_manager.filter(pk=pk, version=version).update(
            version=F("version") + 1, **values
        )
    )
    if updated != 1:
        raise Conflict()


def household_update(
    *,
    actor: Any,
    household_id: int,
    version: int,
    data: Mapping[str, Any],
    reason: str = "",
    channel: str = "web",
) -> Household:
    household = Household.objects.filter(pk=household_id, is_active=True).first()
    if household is None or (
        actor is not None and not scope_for(actor).covers(household.area_code)
    ):
        raise NotFound()
    _check_write(actor, household.area_code)
    if household.version != version:
        raise Conflict()
    if "status" in data and data["status"] != household.status:
        _refuse_status(household.status, str(data["status"]))
    cleaned = _clean_household(data, household)
    if (
        "number" in cleaned
        and Household.objects.filter(
            area_code__startswith=household.area_code[:6], number=cleaned["number"]
        )
        .exclude(pk=household.pk)
        .exists()
    ):
        raise InvalidInput(fields={"number": [_("户编号在本县已存在")]})
    changes = _diff(household, cleaned)
    if not changes:
        return household
    with transaction.atomic():
        _locked_update(Household, household.pk, version, {k: cleaned[k] for k in changes})
        _history(
            household=household,
            actor=actor,
            action=HouseholdChange.Action.UPDATE,
            changes=changes,
            reason=reason,
            channel=channel,
        )
    household.refresh_from_db()
    return household


def household_status_by_procedure(
    *, actor: Any, procedure_id: int, channel: str = "web"
) -> Household:
    """The one door through which a person changes a household's status: the outcome of
    a household procedure whose last step has just been done (identification, exit,
    return to poverty, monitoring, risk clearing). Identification records the year of
    identification when the household has none; exit the year of exit."""
    from fupin.procedures.models import Procedure

    procedure = (
        Procedure.objects.filter(pk=procedure_id, household__isnull=False)
        .select_related("household")
        .first()
    )
    definition = procedure.definition if procedure is not None else None
    if procedure is None or definition is None or not definition.outcome_status:
        raise NotFound()
    if procedure.state != Procedure.State.DONE or definition.next_step(procedure.step):
        raise InvalidInput(_("程序尚未办结，户状态不变。"), code=STATUS_BY_PROCEDURE)
    household = procedure.household
    assert household is not None
    if household.status not in definition.open_statuses:
        raise Conflict(
            _("户状态已是“%(status)s”，不能再由此程序变更。")
            % {"status": household.get_status_display()}
        )
    year = clock.today().year
    values: dict[str, Any] = {"status": definition.outcome_status}
    if definition.kind == "identification" and household.identified_year is None:
        values["identified_year"] = year
    if definition.kind == "exit":
        values["exited_year"] = year
    changes = _diff(household, values)
    with transaction.atomic():
        _locked_update(Household, household.pk, household.version, values)
        _history(
            household=household,
            actor=actor,
            action=HouseholdChange.Action.UPDATE,
            changes=changes,
            reason=str(
                _("%(kind)s程序办结（程序 %(id)s）")
                % {"kind": definition.label, "id": procedure.pk}
            ),
            channel=channel,
        )
    household.refresh_from_db()
    return household


def _member_for_write(actor: Any, member_id: int) -> Member:
    member = Member.objects.select_related("household").filter(pk=member_id, is_active=True).first()
    if member is None or (
        actor is not None and not scope_for(actor).covers(member.household.area_code)
    ):
        raise NotFound()
    _check_write(actor, member.household.area_code)
    return member


def member_add(
    *,
    actor: Any,
    household_id: int,
    data: Mapping[str, Any],
    reason: str = "",
    channel: str = "web",
) -> Member:
    household = Household.objects.filter(pk=household_id, is_active=True).first()
    if household is None or (
        actor is not None and not scope_for(actor).covers(household.area_code)
    ):
        raise NotFound()
    _check_write(actor, household.area_code)
    cleaned = _clean_member(data, None)
    missing = [f for f in ("name", "sex", "id_number", "relation") if not cleaned.get(f)]
    if missing:
        raise InvalidInput(fields={f: [_("此项必填")] for f in missing})
    if cleaned["relation"] == Relation.HEAD:
        raise InvalidInput(fields={"relation": [_("本户已有户主；更换户主请用“变更户主”")]})
    with transaction.atomic():
        _check_id_free(cleaned["id_number"])
        try:
            with transaction.atomic():
                member = Member.objects.create(household=household, **cleaned)
        except IntegrityError as exc:
            raise InvalidInput(fields={"id_number": [_(ALREADY_IN_ANOTHER_HOUSEHOLD)]}) from exc
        _member_added(household, member, actor=actor, reason=reason, channel=channel)
    return member


def member_update(
    *,
    actor: Any,
    member_id: int,
    version: int,
    data: Mapping[str, Any],
    reason: str = "",
    channel: str = "web",
) -> Member:
    member = _member_for_write(actor, member_id)
    if member.version != version:
        raise Conflict()
    cleaned = _clean_member(data, member)
    if "relation" in cleaned and (cleaned["relation"] == Relation.HEAD) != (
        member.relation == Relation.HEAD
    ):
        raise InvalidInput(fields={"relation": [_("更换户主请用“变更户主”")]})
    changes = _diff(member, cleaned)
    if not changes:
        return member
    with transaction.atomic():
        if "id_number" in changes:
            _check_id_free(cleaned["id_number"], except_member_id=member.pk)
        values = {
            k: cleaned[k]
            for k in cleaned
            if k in changes or k in ("name_pinyin", "name_initials", "id_reversed")
        }
        try:
            with transaction.atomic():
                _locked_update(Member, member.pk, version, values)
        except IntegrityError as exc:
            raise InvalidInput(fields={"id_number": [_(ALREADY_IN_ANOTHER_HOUSEHOLD)]}) from exc
        _history(
            household=member.household,
            member=member,
            actor=actor,
            action=HouseholdChange.Action.MEMBER_UPDATE,
            changes=changes,
            reason=reason,
            channel=channel,
        )
    member.refresh_from_db()
    return member


def member_remove(
    *,
    actor: Any,
    member_id: int,
    version: int,
    reason: str,
    channel: str = "web",
) -> None:
    member = _member_for_write(actor, member_id)
    if member.relation == Relation.HEAD:
        raise InvalidInput(fields={"relation": [_("不能减少户主；请先变更户主")]})
    if not reason.strip():
        raise InvalidInput(fields={"reason": [_("请说明减少成员的原因（如死亡、婚出、分户）")]})
    with transaction.atomic():
        _locked_update(Member, member.pk, version, {"is_active": False})
        _history(
            household=member.household,
            member=member,
            actor=actor,
            action=HouseholdChange.Action.MEMBER_REMOVE,
            changes={"is_active": [True, False]},
            reason=reason,
            channel=channel,
        )


def household_head_change(
    *,
    actor: Any,
    household_id: int,
    new_head_id: int,
    old_head_relation: str,
    reason: str,
    channel: str = "web",
) -> None:
    """Make another member the head; the old head takes ``old_head_relation``."""
    new_head = _member_for_write(actor, new_head_id)
    if new_head.household_id != household_id:
        raise NotFound()
    if old_head_relation == Relation.HEAD or old_head_relation not in Relation.values:
        raise InvalidInput(fields={"old_head_relation": [_("请选择原户主的新关系")]})
    old_head = Member.objects.get(household_id=household_id, relation=Relation.HEAD, is_active=True)
    with transaction.atomic():
        Member.objects.filter(pk=old_head.pk).update(
            relation=old_head_relation, version=F("version") + 1
        )
        Member.objects.filter(pk=new_head.pk).update(
            relation=Relation.HEAD, version=F("version") + 1
        )
        for m, old, new in (
            (old_head, Relation.HEAD, old_head_relation),
            (new_head, new_head.relation, Relation.HEAD),
        ):
            _history(
                household=new_head.household,
                member=m,
                actor=actor,
                action=HouseholdChange.Action.MEMBER_UPDATE,
                changes={"relation": [old, new]},
                reason=reason,
                channel=channel,
            )


def income_record_set(
    *,
    actor: Any,
    household_id: int,
    year: int,
    data: Mapping[str, Any],
    version: int | None = None,
    reason: str = "",
    channel: str = "web",
) -> IncomeRecord:
    """Record (or correct) one year's income. ``household_size`` defaults to the members now."""
    household = Household.objects.filter(pk=household_id, is_active=True).first()
    if household is None or (
        actor is not None and not scope_for(actor).covers(household.area_code)
    ):
        raise NotFound()
    _check_write(actor, household.area_code)
    this_year = timezone.now().year
    if not 2000 <= year <= this_year:
        raise InvalidInput(
            fields={"year": [_("年度须在2000年至%(year)d年之间") % {"year": this_year}]}
        )
    cleaned, errors = _clean_model_fields(IncomeRecord, data, INCOME_FIELDS)
    for name, value in cleaned.items():
        if value is not None and value < 0:
            errors.setdefault(name, []).append(_("不能为负数"))
    if errors:
        raise InvalidInput(fields=errors)
    if not cleaned.get("household_size"):
        cleaned["household_size"] = (
            Member.objects.filter(household=household, is_active=True).count() or 1
        )
    existing = IncomeRecord.objects.filter(household=household, year=year).first()
    with transaction.atomic():
        if existing is None:
            record = IncomeRecord.objects.create(household=household, year=year, **cleaned)
            changes = {f"{year}.{k}": [None, _json(v)] for k, v in cleaned.items()}
        else:
            if version is not None and existing.version != version:
                raise Conflict()
            diff = _diff(existing, cleaned)
            if not diff:
                return existing
            _locked_update(
                IncomeRecord, existing.pk, existing.version, {k: cleaned[k] for k in diff}
            )
            record = IncomeRecord.objects.get(pk=existing.pk)
            changes = {f"{year}.{k}": v for k, v in diff.items()}
        _history(
            household=household,
            actor=actor,
            action=HouseholdChange.Action.INCOME_SET,
            changes=changes,
            reason=reason,
            channel=channel,
        )
    return record


EXPENSE_FIELDS = ("medical", "schooling")


def _household_for_write(actor: Any, household_id: int) -> Household:
    household = Household.objects.filter(pk=household_id, is_active=True).first()
    if household is None or (
        actor is not None and not scope_for(actor).covers(household.area_code)
    ):
        raise NotFound()
    _check_write(actor, household.area_code)
    return household


def _check_year(year: int) -> None:
    this_year = timezone.now().year
    if not 2000 <= year <= this_year:
        raise InvalidInput(
            fields={"year": [_("年度须在2000年至%(year)d年之间") % {"year": this_year}]}
        )


def expense_record_set(
    *,
    actor: Any,
    household_id: int,
    year: int,
    data: Mapping[str, Any],
    version: int | None = None,
    reason: str = "",
    channel: str = "web",
) -> HouseholdExpense:
    """Record (or correct) one year's rigid expenses (medical, schooling) of a household."""
    household = _household_for_write(actor, household_id)
    _check_year(year)
    cleaned, errors = _clean_model_fields(HouseholdExpense, data, EXPENSE_FIELDS)
    for name, value in cleaned.items():
        if value is None:
            errors.setdefault(name, []).append(_("不能为空"))
        elif value < 0:
            errors.setdefault(name, []).append(_("不能为负数"))
    if errors:
        raise InvalidInput(fields=errors)
    existing = HouseholdExpense.objects.filter(household=household, year=year).first()
    with transaction.atomic():
        if existing is None:
            record = HouseholdExpense.objects.create(household=household, year=year, **cleaned)
            changes = {f"{year}.{k}": [None, _json(v)] for k, v in cleaned.items()}
        else:
            if version is not None and existing.version != version:
                raise Conflict()
            diff = _diff(existing, cleaned)
            if not diff:
                return existing
            _locked_update(
                HouseholdExpense, existing.pk, existing.version, {k: cleaned[k] for k in diff}
            )
            record = HouseholdExpense.objects.get(pk=existing.pk)
            changes = {f"{year}.{k}": v for k, v in diff.items()}
        _history(
            household=household,
            actor=actor,
            action=HouseholdChange.Action.EXPENSE_SET,
            changes=changes,
            reason=reason,
            channel=channel,
        )
    return record


def hardship_event_record(
    *,
    actor: Any,
    household_id: int,
    kind: str,
    occurred_on: Any,
    member_id: int | None = None,
    loss: Any = None,
    description: str = "",
    channel: str = "web",
) -> HardshipEvent:
    """Record a hardship (serious illness, accident, disaster, job loss) of a household."""
    household = _household_for_write(actor, household_id)
    data: dict[str, Any] = {"kind": kind, "occurred_on": occurred_on, "loss": loss}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in data.items():
        field = HardshipEvent._meta.get_field(name)
        try:
            cleaned[name] = field.clean(value, None)  # type: ignore[union-attr]
        except ValidationError as exc:
            errors[name] = [str(m) for m in exc.messages]
    if "occurred_on" in cleaned and cleaned["occurred_on"] > clock.today():
        errors["occurred_on"] = [_("发生日期不能晚于今天")]
    if cleaned.get("loss") is not None and cleaned["loss"] < 0:
        errors["loss"] = [_("不能为负数")]
    member = None
    if member_id is not None:
        member = Member.objects.filter(pk=member_id, household=household, is_active=True).first()
        if member is None:
            errors["member_id"] = [_("该成员不在本户")]
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        event = HardshipEvent.objects.create(
            household=household,
            member=member,
            description=normalise_text(description or ""),
            recorded_by=actor if getattr(actor, "pk", None) else None,
            **cleaned,
        )
        _history(
            household=household,
            member=member,
            actor=actor,
            action=HouseholdChange.Action.HARDSHIP_ADD,
            changes={
                "kind": [None, event.kind],
                "occurred_on": [None, event.occurred_on.isoformat()],
                "loss": [None, _json(event.loss)],
            },
            reason=event.description,
            channel=channel,
        )
    return event

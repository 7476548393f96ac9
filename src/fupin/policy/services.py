"""All writes of the policy engine: standards (versioned), village and county facts,
evaluation runs. Each checks who may act, runs in one transaction and writes an audit row
in it. A run never changes a household: it records verdicts that procedures take up."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.models import Role
from fupin.accounts.scope import scope_for
from fupin.areas.codes import prefix_of
from fupin.areas.models import Area
from fupin.audit.services import audit_write
from fupin.core import clock
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.core.files import private_dir
from fupin.policy import engine, standards
from fupin.policy import params as P
from fupin.policy.models import (
    AreaResult,
    CountyAssessment,
    EvaluationRun,
    HouseholdVerdict,
    MemberFinding,
    PolicyStandard,
    StandardVersion,
    VillageFacts,
)
from fupin.policy.rollup import rollup

log = logging.getLogger("fupin.policy")
Status = EvaluationRun.Status

# Who may start a run over an area (it reads the whole registry there) and who may set a
# regional standard or a village's and county's facts.
RUN_ROLES = (Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.AUDITOR)
STANDARD_ROLES = (Role.COUNTY_ADMIN,)
FACT_ROLES = (Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER)


def _role_covers(actor: Any, roles: tuple[str, ...], prefix: str) -> bool:
    if actor is None:
        return True  # the system itself (CLI, migrations)
    if getattr(actor, "is_superuser", False):
        return True
    for role, code in scope_for(actor).roles:
        if role in roles and prefix.startswith(prefix_of(code)):
            return True
    return False


def may_edit_standard(actor: Any, region: str) -> bool:
    """National standards only by a system administrator; an override by a county admin
    whose area contains it (a county sets its own, a province needs the superuser)."""
    if actor is None or getattr(actor, "is_superuser", False):
        return True
    return bool(region) and _role_covers(actor, STANDARD_ROLES, region)


def may_run(actor: Any, prefix: str) -> bool:
    return _role_covers(actor, RUN_ROLES, prefix)


def may_set_facts(actor: Any, prefix: str) -> bool:
    """Village facts and county assessments: county admins and township officers."""
    return _role_covers(actor, FACT_ROLES, prefix)


# --- standards ------------------------------------------------------------------------


def _region_name(region: str) -> str:
    if not region:
        return str(_("全国"))
    code = region.ljust(12, "0")
    area = Area.objects.filter(code=code).only("name").first()
    if area is not None:
        return area.name
    return P.WESTERN_PROVINCES.get(region, region)


def _check_region(region: str) -> None:
    if region and (not region.isdigit() or len(region) not in (2, 4, 6)):
        raise InvalidInput(
            fields={"region": [_("适用区划须为省（2位）、市（4位）或县（6位）代码前缀，全国留空")]}
        )


def standard_save(
    *,
    actor: Any,
    region: str,
    year: int,
    params: Mapping[str, Any],
    note: str = "",
    expected_number: int | None = None,
    channel: str = "web",
) -> StandardVersion:
    """Add a version of the standard of ``region`` from ``year`` on (creating it if new).

    A national standard must give every parameter; an override only those it changes.
    ``expected_number`` is the version the editor started from: a newer one means someone
    else saved in between, and the edit is refused rather than overwriting theirs.
    """
    region = (region or "").strip()
    _check_region(region)
    if not 2000 <= int(year) <= 2100:
        raise InvalidInput(fields={"year": [_("年度须在2000年至2100年之间")]})
    if not may_edit_standard(actor, region):
        raise AccessDenied()
    cleaned = P.clean_params(dict(params), complete=not region)
    with transaction.atomic():
        standard, _created = PolicyStandard.objects.get_or_create(
            region=region, year=int(year), defaults={"region_name": _region_name(region)}
        )
        standard = PolicyStandard.objects.select_for_update().get(pk=standard.pk)
        current = standard.versions.aggregate(n=Max("number"))["n"] or 0
        if expected_number is not None and expected_number != current:
            raise Conflict()
        # the merged standard must hold together wherever this one applies
        force = standards.in_force(int(year))
        layers = [force[r].version.params for r in standards.chain(region, force) if r != region]
        if region and not layers:
            raise InvalidInput(_("请先设置该年度适用的国家标准。"))
        merged = P.merge(*layers, cleaned)
        P.check_consistent(merged)
        version = StandardVersion.objects.create(
            standard=standard,
            number=current + 1,
            params=cleaned,
            note=(note or "")[:200],
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_write(
            actor=actor,
            action="policy.standard_save",
            object_type="standard_version",
            object_ids=[version.pk],
            fields=list(cleaned),
            channel=channel,
            area_code=region,
        )
    return version


def standards_install_defaults(*, actor: Any = None) -> int:
    """The national standards of POLICY.md (one per year of a poverty line, and the first
    monitoring year) and the western provinces' 3% override; existing ones are kept."""
    created = 0
    years = [*sorted(P.POVERTY_LINES), P.FIRST_MONITORING_YEAR]
    for year in years:
        if not PolicyStandard.objects.filter(region="", year=year).exists():
            standard_save(
                actor=actor,
                region="",
                year=year,
                params=P.national_defaults(year),
                note=str(_("系统内置默认值（POLICY.md）")),
                channel="system",
            )
            created += 1
    first = years[0]
    for region in P.WESTERN_PROVINCES:
        if not PolicyStandard.objects.filter(region=region).exists():
            standard_save(
                actor=actor,
                region=region,
                year=first,
                params=P.WESTERN_OVERRIDE,
                note=str(_("西部省份：贫困发生率3%")),
                channel="system",
            )
            created += 1
    return created


# --- village and county facts -----------------------------------------------------------


def _area_for_facts(actor: Any, area_code: str, level: str) -> Area:
    area = Area.objects.filter(code=area_code, level=level).first()
    if area is None or (actor is not None and not scope_for(actor).covers(area.code)):
        raise NotFound()
    if not may_set_facts(actor, area.prefix):
        raise AccessDenied()
    return area


def _save_facts(
    model: type[VillageFacts] | type[CountyAssessment],
    *,
    actor: Any,
    area: Area,
    year: int,
    data: Mapping[str, Any],
    fields: tuple[str, ...],
    version: int | None,
    channel: str,
) -> Any:
    if not 2000 <= int(year) <= timezone.now().year + 1:
        raise InvalidInput(fields={"year": [_("年度有误")]})
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        if name not in fields:
            errors[name] = [_("不能修改此字段")]
            continue
        field = model._meta.get_field(name)
        try:
            cleaned[name] = field.clean(None if value == "" else value, None)  # type: ignore[union-attr]
        except ValidationError as exc:
            errors[name] = [str(m) for m in exc.messages]
            continue
        if name.endswith("_rate") and cleaned[name] is not None and not 0 <= cleaned[name] <= 1:
            errors[name] = [_("比率须在0到1之间")]
        elif (
            cleaned[name] is not None
            and not isinstance(cleaned[name], bool | str)
            and cleaned[name] < 0
        ):
            errors[name] = [_("不能为负数")]
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        existing = model.objects.select_for_update().filter(area=area, year=year).first()
        if existing is None:
            record = model.objects.create(area=area, year=year, **cleaned)
        else:
            if version is not None and existing.version != version:
                raise Conflict()
            model.objects.filter(pk=existing.pk).update(**cleaned, version=F("version") + 1)
            record = model.objects.get(pk=existing.pk)
        audit_write(
            actor=actor,
            action=f"policy.{model._meta.model_name}_set",
            object_type=str(model._meta.model_name),
            object_ids=[record.pk],
            fields=list(cleaned),
            channel=channel,
            area_code=area.code,
        )
    return record


VILLAGE_FACT_FIELDS = ("collective_income", "hard_road", "safe_water", "electricity", "clinic")
COUNTY_FIELDS = (
    "wrong_exit_rate",
    "miss_rate",
    "approval_rate",
    "missed_people",
    "wrongly_exited_people",
    "source",
)


def village_facts_set(
    *,
    actor: Any,
    area_code: str,
    year: int,
    data: Mapping[str, Any],
    version: int | None = None,
    channel: str = "web",
) -> VillageFacts:
    area = _area_for_facts(actor, area_code, Area.Level.VILLAGE)
    result: VillageFacts = _save_facts(
        VillageFacts,
        actor=actor,
        area=area,
        year=year,
        data=data,
        fields=VILLAGE_FACT_FIELDS,
        version=version,
        channel=channel,
    )
    return result


def county_assessment_set(
    *,
    actor: Any,
    area_code: str,
    year: int,
    data: Mapping[str, Any],
    version: int | None = None,
    channel: str = "web",
) -> CountyAssessment:
    area = _area_for_facts(actor, area_code, Area.Level.COUNTY)
    result: CountyAssessment = _save_facts(
        CountyAssessment,
        actor=actor,
        area=area,
        year=year,
        data=data,
        fields=COUNTY_FIELDS,
        version=version,
        channel=channel,
    )
    return result


# --- evaluation runs ---------------------------------------------------------------------


def progress_path(run_id: int) -> Path:
    return Path(settings.DATA_DIR) / "policy-runs" / f"{int(run_id)}.json"


def progress_write(run_id: int, *, phase: str, done: int, total: int) -> None:
    path = progress_path(run_id)
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".progress-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"phase": phase, "done": done, "total": total, "at": time.time()}, fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def progress_read(run_id: int) -> dict[str, Any] | None:
    try:
        data = json.loads(progress_path(run_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _scope_area(area_code: str) -> Area:
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise NotFound()
    if area.level == Area.Level.GROUP:
        raise InvalidInput(fields={"area": [_("评估范围最小为行政村")]})
    return area


def _enqueue(run: EvaluationRun) -> None:
    from fupin.policy.tasks import evaluation_run_task

    try:
        evaluation_run_task.enqueue(run.pk)
    except Exception:
        log.exception("evaluation run %s could not be queued", run.pk)


def evaluation_run_create(
    *, actor: Any, area_code: str, year: int, channel: str = "web"
) -> EvaluationRun:
    """Queue a run over an area for a year; it runs in the background worker."""
    area = _scope_area(area_code)
    if actor is not None and not scope_for(actor).covers(area.code):
        raise NotFound()
    if not may_run(actor, area.prefix):
        raise AccessDenied()
    this_year = timezone.now().year
    if not 2011 <= int(year) <= this_year + 1:
        raise InvalidInput(
            fields={"year": [_("评估年度须在2011年至%(year)d年之间") % {"year": this_year + 1}]}
        )
    standards.plan(area.prefix, int(year))  # refuses at once when no standard applies
    with transaction.atomic():
        run = EvaluationRun.objects.create(
            year=int(year),
            scope_prefix=area.prefix,
            scope_name=area.name,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_write(
            actor=actor,
            action="policy.run_create",
            object_type="evaluation_run",
            object_ids=[run.pk],
            channel=channel,
            area_code=area.code,
        )
        transaction.on_commit(lambda: _enqueue(run))
    return run


def _as_of(year: int) -> dt.date:
    return min(clock.today(), dt.date(year, 12, 31))


def evaluation_run_execute(*, run_id: int) -> EvaluationRun:
    """Judge the run's scope; all results land in one transaction or none do."""
    with transaction.atomic():
        claimed = EvaluationRun.objects.filter(
            pk=run_id, status__in=[Status.QUEUED, Status.FAILED]
        ).update(status=Status.RUNNING, started_at=timezone.now(), finished_at=None, error="")
    run = EvaluationRun.objects.get(pk=run_id)
    if not claimed:
        log.info("evaluation run %s is %s; not run again", run_id, run.status)
        return run
    started = time.perf_counter()

    def progress(phase: str, done: int, total: int) -> None:
        try:
            progress_write(run_id, phase=phase, done=done, total=total)
        except OSError:
            log.warning("evaluation run %s: progress not written", run_id)

    try:
        parts, used = standards.plan(run.scope_prefix, run.year)
        as_of = _as_of(run.year)
        with transaction.atomic():
            # a rerun after a failure starts clean (a failed run wrote nothing, but be sure)
            HouseholdVerdict.objects.filter(run_id=run_id).delete()
            MemberFinding.objects.filter(run_id=run_id).delete()
            AreaResult.objects.filter(run_id=run_id).delete()
            engine.run_parts(run_id, run.year, as_of, parts, progress)
            progress("rollup", 0, 1)
            totals = rollup(run_id, run.scope_prefix, run.year, {p.prefix: p.params for p in parts})
            run.standards = {
                r: {
                    "standard": f.standard.pk,
                    "year": f.standard.year,
                    "version": f.version.pk,
                    "number": f.version.number,
                }
                for r, f in used.items()
            }
            run.params = {p.prefix: p.params for p in parts}
            run.summary = {**totals, "as_of": as_of.isoformat()}
            run.status = Status.DONE
            run.finished_at = timezone.now()
            run.seconds = round(time.perf_counter() - started, 3)
            run.save()
            audit_write(
                actor=run.created_by,
                action="policy.run_done",
                object_type="evaluation_run",
                object_ids=[run.pk],
                channel="task",
                area_code=run.scope_prefix,
            )
        progress("done", 1, 1)
    except Exception as exc:
        log.exception("evaluation run %s failed", run_id)
        message = str(exc) if isinstance(exc, NotFound | InvalidInput) else ""
        EvaluationRun.objects.filter(pk=run_id).update(
            status=Status.FAILED,
            finished_at=timezone.now(),
            error=message
            or _("评估时系统出现错误，没有保存任何结果。可以重新运行（批次 %(id)s）。")
            % {"id": run_id},
        )
    run.refresh_from_db()
    return run


def evaluation_run_retry(*, actor: Any, run_id: int, channel: str = "web") -> EvaluationRun:
    run = EvaluationRun.objects.filter(pk=run_id).first()
    if run is None or (actor is not None and not scope_for(actor).covers(run.scope_prefix)):
        raise NotFound()
    if not may_run(actor, run.scope_prefix):
        raise AccessDenied()
    if run.status != Status.FAILED:
        raise InvalidInput(_("只有出错的批次可以重新运行。"))
    with transaction.atomic():
        audit_write(
            actor=actor,
            action="policy.run_retry",
            object_type="evaluation_run",
            object_ids=[run.pk],
            channel=channel,
            area_code=run.scope_prefix,
        )
        transaction.on_commit(lambda: _enqueue(run))
    return run

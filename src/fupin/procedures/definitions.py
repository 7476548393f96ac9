"""The procedures as explicit state machines (POLICY.md §1, §4, §5): ordered steps, the
role that owns each, and which steps are public notices. All are a household's but the
village exit, which is a village's.

A procedure is at the last step it completed. The next step may be taken only by its
owning role over the household's area; the step after a notice only once the notice
period has ended and no objection to the household in that notice is still open.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from fupin.accounts.models import Role

VILLAGE = (Role.VILLAGE_SECRETARY,)
TOWNSHIP = (Role.TOWNSHIP_OFFICER,)
COUNTY = (Role.COUNTY_ADMIN,)
WORK_TEAM = (Role.VILLAGE_SECRETARY, Role.CADRE)  # home visits: village cadres, work team


@dataclass(frozen=True)
class Step:
    code: str
    label: object
    roles: tuple[str, ...]
    # For a notice step: the standard's parameter giving its period in days.
    notice_days_param: str = ""

    @property
    def is_notice(self) -> bool:
        return bool(self.notice_days_param)


@dataclass(frozen=True)
class Definition:
    kind: str
    label: object
    steps: tuple[Step, ...]
    # The household status the last step sets ("" = none: an area-level procedure).
    outcome_status: str
    # Statuses a household must have for the procedure to open.
    open_statuses: tuple[str, ...]
    # The standard's parameter giving the overall time limit in working days, if any.
    time_limit_param: str = ""
    # "household", or "village" for a village's own procedure (its open_statuses and
    # outcome_status are then the village's 贫困村 status).
    level: str = "household"

    @property
    def for_village(self) -> bool:
        return self.level == "village"

    def index(self, code: str) -> int:
        for i, step in enumerate(self.steps):
            if step.code == code:
                return i
        raise KeyError(code)

    def next_step(self, code: str) -> Step | None:
        i = self.index(code)
        return self.steps[i + 1] if i + 1 < len(self.steps) else None

    def previous_step(self, code: str) -> Step | None:
        i = self.index(code)
        return self.steps[i - 1] if i > 0 else None


DEFINITIONS: dict[str, Definition] = {
    d.kind: d
    for d in (
        Definition(
            kind="identification",
            label=_("贫困户识别"),
            steps=(
                Step("applied", _("农户申请"), VILLAGE),
                Step("verified", _("入户核实、承诺授权"), WORK_TEAM),
                Step("cross_checked", _("信息比对"), TOWNSHIP),
                Step("village_reviewed", _("村民代表大会民主评议"), VILLAGE),
                Step(
                    "village_notice",
                    _("村内公示"),
                    VILLAGE,
                    notice_days_param="identification_village_notice_days",
                ),
                Step("township_reviewed", _("乡镇审核"), TOWNSHIP),
                Step(
                    "township_notice",
                    _("乡镇公示"),
                    TOWNSHIP,
                    notice_days_param="identification_township_notice_days",
                ),
                Step("county_approved", _("县级审批"), COUNTY),
                Step("registered", _("公告并录入"), COUNTY),
            ),
            outcome_status="not_exited",
            open_statuses=("unregistered", "monitored", "risk_cleared"),
        ),
        Definition(
            kind="exit",
            label=_("贫困户退出"),
            steps=(
                Step("proposed", _("提出退出"), VILLAGE),
                Step("village_reviewed", _("村两委民主评议"), VILLAGE),
                Step("verified", _("村两委与驻村工作队核实"), WORK_TEAM),
                Step("agreement_signed", _("贫困户签字认可"), VILLAGE),
                Step(
                    "village_notice", _("村内公示"), VILLAGE, notice_days_param="exit_notice_days"
                ),
                Step("exited", _("公告退出、销号"), TOWNSHIP),
            ),
            outcome_status="exited",
            open_statuses=("not_exited", "returned"),
        ),
        Definition(
            kind="return",
            label=_("返贫认定"),
            steps=(
                Step("proposed", _("提出"), VILLAGE),
                Step("verified", _("入户核实"), WORK_TEAM),
                Step("village_reviewed", _("村级评议"), VILLAGE),
                Step(
                    "village_notice",
                    _("村内公示"),
                    VILLAGE,
                    notice_days_param="identification_village_notice_days",
                ),
                Step("township_reviewed", _("乡镇审核"), TOWNSHIP),
                Step("returned", _("县级审批"), COUNTY),
            ),
            outcome_status="returned",
            open_statuses=("exited",),
        ),
        Definition(
            kind="monitoring",
            label=_("监测对象识别"),
            steps=(
                Step("reported", _("农户申报或排查发现"), WORK_TEAM),
                Step("verified", _("入户核实"), WORK_TEAM),
                Step("cross_checked", _("信息比对"), TOWNSHIP),
                Step("village_reviewed", _("村级评议"), VILLAGE),
                Step(
                    "village_notice",
                    _("村内公示"),
                    VILLAGE,
                    notice_days_param="monitoring_notice_days",
                ),
                Step("township_reviewed", _("乡镇审核"), TOWNSHIP),
                Step("monitored", _("县级审批、录入"), COUNTY),
            ),
            outcome_status="monitored",
            open_statuses=("exited", "unregistered", "risk_cleared"),
            time_limit_param="monitoring_time_limit_days",
        ),
        Definition(
            kind="risk_clearing",
            label=_("风险消除"),
            steps=(
                Step("proposed", _("提出"), VILLAGE),
                Step("verified", _("入户核实"), WORK_TEAM),
                Step("village_reviewed", _("村级评议"), VILLAGE),
                Step(
                    "village_notice",
                    _("村内公示"),
                    VILLAGE,
                    notice_days_param="monitoring_notice_days",
                ),
                Step("township_reviewed", _("乡镇审核"), TOWNSHIP),
                Step("risk_cleared", _("县级审批、风险消除"), COUNTY),
            ),
            outcome_status="risk_cleared",
            open_statuses=("monitored",),
            time_limit_param="monitoring_time_limit_days",
        ),
        Definition(
            kind="village_exit",
            label=_("贫困村退出"),
            steps=(
                Step("proposed", _("乡镇提出（达到退出标准）"), TOWNSHIP),
                Step(
                    "township_notice",
                    _("乡镇内公示"),
                    TOWNSHIP,
                    notice_days_param="village_exit_notice_days",
                ),
                Step("exited", _("县级公告退出"), COUNTY),
            ),
            outcome_status="exited",
            open_statuses=("poor",),
            level="village",
        ),
    )
}

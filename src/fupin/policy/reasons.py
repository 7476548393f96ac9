"""Reasons in words: each names the clause, the person where relevant, the value and the
limit (人均纯收入 3,512 元 低于标准 4,000 元；成员 张三 12 岁 非在校生). Rendered when shown,
from what the run stored, so they read in the viewer's language."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.policy import engine
from fupin.policy.models import HouseholdVerdict, MemberFinding
from fupin.registry.models import HardshipEvent

CLAUSE_LABELS = {
    "income": gettext_lazy("收入"),
    "schooling": gettext_lazy("义务教育"),
    "medical": gettext_lazy("基本医疗"),
    "housing": gettext_lazy("住房安全"),
    "water": gettext_lazy("饮水安全"),
    "low_income": gettext_lazy("收入低于监测范围"),
    "rigid_expense": gettext_lazy("刚性支出过大"),
    "hardship": gettext_lazy("突发困难"),
}
CATEGORY_LABELS = {
    "": gettext_lazy("非监测对象"),
    "unstable": gettext_lazy("脱贫不稳定户"),
    "marginal": gettext_lazy("边缘易致贫户"),
    "hardship": gettext_lazy("突发严重困难户"),
}
AREA_REASON_LABELS = {
    "incidence": gettext_lazy("贫困发生率"),
    "collective_income": gettext_lazy("村集体经济收入"),
    "hard_road": gettext_lazy("通硬化路"),
    "safe_water": gettext_lazy("安全饮水"),
    "electricity": gettext_lazy("通生活用电"),
    "clinic": gettext_lazy("标准化卫生室"),
    "county_incidence": gettext_lazy("综合贫困发生率"),
    "wrong_exit_rate": gettext_lazy("错退率"),
    "miss_rate": gettext_lazy("漏评率"),
    "approval_rate": gettext_lazy("群众认可度"),
}
STATE_LABELS = {
    "pass": gettext_lazy("达标"),
    "fail": gettext_lazy("未达标"),
    "missing": gettext_lazy("缺少数据"),
}


@dataclass(frozen=True)
class Reason:
    kind: str  # exit | monitor
    clause: str
    text: str
    member_id: int | None = None


def money(value: Any) -> str:
    """1234.5 -> '1,234.5'; whole yuan without decimals."""
    number = Decimal(str(value)).quantize(Decimal("0.01"))
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,.2f}"


def percent(value: Any) -> str:
    number = Decimal(str(value)) * 100
    return f"{number.quantize(Decimal('0.01')).normalize():f}%"


def household_reasons(
    *,
    verdict: HouseholdVerdict,
    params: dict[str, Any],
    year: int,
    findings: list[tuple[MemberFinding, str]],
    events: list[HardshipEvent],
) -> list[Reason]:
    out: list[Reason] = []
    fails, risks = verdict.exit_fails, verdict.risks
    if verdict.status_group == engine.G_POOR:
        risks = 0  # a registered poor household is judged for exit, not for monitoring
    line = params["poverty_line"]
    if fails & engine.C_INCOME:
        if verdict.per_capita is None:
            text = _("无 %(year)s 年收入记录，不能判定收入达标") % {
                "year": engine.income_year(
                    year, params, for_exit=verdict.status_group == engine.G_POOR
                )
            }
        elif Decimal(verdict.per_capita) < Decimal(line):
            text = _("人均纯收入 %(value)s 元 低于标准 %(limit)s 元") % {
                "value": money(verdict.per_capita),
                "limit": money(line),
            }
        else:
            text = _("人均纯收入 %(value)s 元 未超过标准 %(limit)s 元") % {
                "value": money(verdict.per_capita),
                "limit": money(line),
            }
        out.append(Reason("exit", "income", text))
    if fails & engine.C_SCHOOLING:
        for finding, name in findings:
            if finding.facts & engine.F_CHILD_OUT_OF_SCHOOL:
                out.append(
                    Reason(
                        "exit",
                        "schooling",
                        _("成员 %(name)s %(age)s 岁 非在校生（义务教育年龄 %(min)s–%(max)s 岁）")
                        % {
                            "name": name,
                            "age": finding.age,
                            "min": params["school_age_min"],
                            "max": params["school_age_max"],
                        },
                        finding.member_id,
                    )
                )
    if fails & engine.C_MEDICAL:
        for finding, name in findings:
            if finding.facts & engine.F_UNINSURED:
                out.append(
                    Reason(
                        "exit",
                        "medical",
                        _("成员 %(name)s 未参加基本医疗保险") % {"name": name},
                        finding.member_id,
                    )
                )
    if fails & engine.C_HOUSING:
        out.append(
            Reason(
                "exit",
                "housing",
                _("住房为 %(grade)s 级危房") % {"grade": verdict.danger_grade},
            )
        )
    if fails & engine.C_WATER:
        out.append(Reason("exit", "water", _("饮水不安全（本地标准要求安全饮水）")))
    if risks & engine.R_LOW_INCOME:
        out.append(
            Reason(
                "monitor",
                "low_income",
                _("人均纯收入 %(value)s 元 低于监测标准 %(limit)s 元")
                % {
                    "value": money(verdict.per_capita),
                    "limit": money(params["monitoring_threshold"]),
                },
            )
        )
    if risks & engine.R_RIGID_EXPENSE:
        out.append(
            Reason(
                "monitor",
                "rigid_expense",
                _("刚性支出 %(value)s 元 超过家庭纯收入 %(income)s 元的 %(share)s")
                % {
                    "value": money(verdict.expenses or 0),
                    "income": money(verdict.net_income or 0),
                    "share": percent(params["rigid_expense_share"]),
                },
            )
        )
    if risks & engine.R_HARDSHIP:
        if events:
            for event in events:
                out.append(
                    Reason(
                        "monitor",
                        "hardship",
                        _("%(date)s 发生%(kind)s")
                        % {
                            "date": event.occurred_on.isoformat(),
                            "kind": event.get_kind_display(),
                        },
                        event.member_id,
                    )
                )
        else:
            out.append(
                Reason(
                    "monitor",
                    "hardship",
                    _("近 %(months)s 个月内登记有困难事件")
                    % {"months": params["hardship_window_months"]},
                )
            )
    return out


def area_reason_text(reason: dict[str, Any]) -> str:
    """One condition of a village's or county's exit, in words."""
    code, state = reason["code"], reason["state"]
    label = AREA_REASON_LABELS.get(code, code)
    if state == "missing":
        if code == "county_incidence" and reason.get("value") is not None:
            return _(
                "%(label)s：已知部分 %(value)s，尚缺第三方评估的漏评、错退人数，不能判定"
                "（标准 低于 %(limit)s）"
            ) % {
                "label": label,
                "value": percent(reason["value"]),
                "limit": percent(reason["limit"]),
            }
        return _("%(label)s：缺少数据，不能判定") % {"label": label}
    verdict = STATE_LABELS[state]
    if code in ("incidence", "county_incidence"):
        return _(
            "%(label)s %(value)s（%(people)s / %(population)s 人），标准 低于 %(limit)s：%(verdict)s"
        ) % {
            "label": label,
            "value": percent(reason["value"]),
            "people": reason.get("people"),
            "population": reason.get("population"),
            "limit": percent(reason["limit"]),
            "verdict": verdict,
        }
    if code == "collective_income":
        return _("%(label)s %(value)s 元，标准 不低于 %(limit)s 元：%(verdict)s") % {
            "label": label,
            "value": money(reason["value"]),
            "limit": money(reason["limit"]),
            "verdict": verdict,
        }
    if code in ("wrong_exit_rate", "miss_rate"):
        return _("%(label)s %(value)s，标准 低于 %(limit)s：%(verdict)s") % {
            "label": label,
            "value": percent(reason["value"]),
            "limit": percent(reason["limit"]),
            "verdict": verdict,
        }
    if code == "approval_rate":
        return _("%(label)s %(value)s，标准 高于 %(limit)s：%(verdict)s") % {
            "label": label,
            "value": percent(reason["value"]),
            "limit": percent(reason["limit"]),
            "verdict": verdict,
        }
    return _("%(label)s：%(verdict)s") % {"label": label, "verdict": verdict}

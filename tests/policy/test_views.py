"""The policy pages: access for every role, starting and reading a run, the drill-down,
what-if, diff, standards (versions and conflicts) and village facts."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fupin.policy import engine, services
from fupin.policy import params as P
from fupin.policy.forms import ADJUST_PREFIX
from fupin.policy.models import (
    CountyAssessment,
    EvaluationRun,
    PolicyStandard,
    StandardVersion,
    VillageFacts,
)
from fupin.registry.models import Household
from fupin.registry.services import income_record_set
from tests import factories

pytestmark = pytest.mark.django_db

COUNTY = "422822000000"
TOWNSHIP = "422822100000"
YEAR = 2026


def poor(per_capita: str, area_code: str = factories.VILLAGE, **fields: Any) -> Household:
    """A household with the income a 2026 run reads (2026 for exit, 2025 for
    identification and monitoring), everyone insured."""
    h = factories.household(area_code=area_code, **fields)
    income_record_set(
        actor=None,
        household_id=h.pk,
        year=YEAR if h.status in engine.POOR_STATUSES else YEAR - 1,
        data={"wage": Decimal(per_capita) * 2, "household_size": 2},
    )
    return h


@pytest.fixture
def households(areas: None) -> dict[str, Household]:
    return {
        "low": poor("3000"),  # below the 4,000 line
        "ok": poor("8000"),
        "near": poor("4500"),  # meets 4,000, fails 5,000
        "other": poor("3000", area_code=factories.OTHER_TOWNSHIP_VILLAGE),
    }


@pytest.fixture
def county_run(households: dict[str, Household], run_now: Any) -> EvaluationRun:
    run: EvaluationRun = run_now(COUNTY, YEAR)
    return run


@pytest.fixture
def township_run(households: dict[str, Household], run_now: Any) -> EvaluationRun:
    run: EvaluationRun = run_now(TOWNSHIP, YEAR)
    return run


def national() -> PolicyStandard:
    return PolicyStandard.objects.filter(region="").order_by("-year").first()  # type: ignore[return-value]


def national_post(standard: PolicyStandard, **overrides: Any) -> dict[str, Any]:
    """The edit form of a national standard as a browser submits it, unchanged."""
    current = standard.versions.order_by("-number").first()
    assert current is not None
    data: dict[str, Any] = {"expected_number": current.number, "note": "测试"}
    for param in P.PARAMS:
        value = current.params[param.key]
        if param.kind == "bool":
            value = "1" if value else "0"
        elif value is None:
            value = ""
        data[param.key] = value
    data.update(overrides)
    return data


# --- access ----------------------------------------------------------------------------------

RUN_URLS = ["run_detail", "run_households", "what_if", "run_diff"]
OTHER_URLS = [
    "run_list",
    "standard_list",
    "standard_detail",
    "standard_edit",
    "standard_create",
    "facts",
    "village_facts_edit",
    "county_assessment_edit",
]


def url_for(name: str, run: EvaluationRun | None = None) -> str:
    if name == "run_diff":
        assert run is not None
        return reverse("policy:run_diff") + f"?before={run.pk}&after={run.pk}"
    if name in ("run_detail", "run_households", "what_if", "run_retry"):
        assert run is not None
        return reverse(f"policy:{name}", args=[run.pk])
    if name in ("standard_detail", "standard_edit"):
        return reverse(f"policy:{name}", args=[national().pk])
    if name == "village_facts_edit":
        return reverse(f"policy:{name}", args=[YEAR, factories.VILLAGE])
    if name == "county_assessment_edit":
        return reverse(f"policy:{name}", args=[YEAR, COUNTY])
    return reverse(f"policy:{name}")


@pytest.mark.parametrize("name", [*RUN_URLS, *OTHER_URLS])
def test_anonymous_is_sent_to_login(county_run: EvaluationRun, name: str) -> None:
    response = Client().get(url_for(name, county_run))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_cannot_retry(county_run: EvaluationRun) -> None:
    response = Client().post(url_for("run_retry", county_run))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", [*RUN_URLS, *OTHER_URLS])
def test_outsider_is_refused(
    client_for: Callable[[str], Client], county_run: EvaluationRun, name: str
) -> None:
    response = client_for("outsider").get(url_for(name, county_run))
    assert response.status_code == 403
    body = response.content.decode()
    assert "尚未分配角色" in body or "您无权进行此操作" in body
    assert "业州镇" not in body


@pytest.mark.parametrize("name", RUN_URLS)
def test_other_area_does_not_see_the_run(
    client_for: Callable[[str], Client], township_run: EvaluationRun, name: str
) -> None:
    response = client_for("other_secretary").get(url_for(name, township_run))
    assert response.status_code == 404
    assert "未找到该记录" in response.content.decode()


def test_other_area_cannot_retry_or_what_if(
    client_for: Callable[[str], Client], township_run: EvaluationRun
) -> None:
    client = client_for("other_secretary")
    assert client.post(url_for("run_retry", township_run)).status_code == 404
    response = client.post(url_for("what_if", township_run), {"region": ""})
    assert response.status_code == 404


def test_other_area_sees_only_its_part_of_a_county_run(
    client_for: Callable[[str], Client],
    county_run: EvaluationRun,
    households: dict[str, Household],
) -> None:
    client = client_for("other_secretary")
    response = client.get(url_for("run_households", county_run))
    body = response.content.decode()
    assert households["other"].number in body
    assert households["low"].number not in body
    summary = client.get(url_for("run_detail", county_run)).context["summary"]
    assert summary["households"] == 1


def test_other_area_run_list_does_not_show_the_run(
    client_for: Callable[[str], Client], township_run: EvaluationRun
) -> None:
    response = client_for("other_secretary").get(reverse("policy:run_list"))
    assert response.status_code == 200
    assert response.context["runs"] == []


@pytest.mark.parametrize("role", ["county_admin", "township_officer", "cadre", "auditor"])
@pytest.mark.parametrize(
    "name", [*RUN_URLS, "run_list", "standard_list", "standard_detail", "facts"]
)
def test_roles_in_area_read_every_page(
    client_for: Callable[[str], Client], county_run: EvaluationRun, role: str, name: str
) -> None:
    assert client_for(role).get(url_for(name, county_run)).status_code == 200


# --- runs ------------------------------------------------------------------------------------


def test_county_admin_starts_a_run_and_sees_its_figures(
    client_for: Callable[[str], Client], households: dict[str, Household]
) -> None:
    client = client_for("county_admin")
    page = client.get(reverse("policy:run_list"))
    assert page.context["form"]["year"].value() == YEAR
    assert COUNTY in [code for code, _label in page.context["form"].fields["area"].choices]
    response = client.post(reverse("policy:run_list"), {"area": COUNTY, "year": YEAR})
    run = EvaluationRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("policy:run_detail", args=[run.pk])
    assert run.created_by is not None and run.created_by.username == "county_admin"

    queued = client.get(response["Location"])
    body = queued.content.decode()
    assert 'hx-trigger="every 1s"' in body
    assert "排队中" in body

    services.evaluation_run_execute(run_id=run.pk)  # what the worker does
    fragment = client.get(
        response["Location"] + "?fragment=progress", headers={"HX-Request": "true"}
    )
    assert fragment["HX-Refresh"] == "true"

    page = client.get(response["Location"])
    body = page.content.decode()
    summary = page.context["summary"]
    assert summary["households"] == 4
    assert summary["people"] == 8
    assert summary["exit_candidates"] == 2  # "ok" and "near"
    assert summary["clause_income"] == 2
    assert 'id="sum-households">4<' in body
    assert "4,000 元" in body  # the poverty line of the standard used
    assert "建始县" in body and "业州镇" in body
    assert "综合贫困发生率" in body  # the county's reasons in words
    assert 'id="clause-chart"' in body
    # the single township of the run's first level is not opened by itself: two townships
    villages = client.get(response["Location"] + "?township=422822100").context["villages"]
    assert [v.name for v in villages] == ["东门村", "南门村"]
    assert villages[0].reasons[0][1].startswith("贫困发生率")


def test_start_run_errors_are_form_errors(
    client_for: Callable[[str], Client], households: dict[str, Household]
) -> None:
    client = client_for("county_admin")
    response = client.post(reverse("policy:run_list"), {"area": COUNTY, "year": 2001})
    assert response.status_code == 400
    assert "评估年度须在2011年" in response.content.decode()
    assert not EvaluationRun.objects.exists()


@pytest.mark.parametrize("role", ["cadre", "village_secretary"])
def test_roles_that_may_not_run_get_no_form(
    client_for: Callable[[str], Client], households: dict[str, Household], role: str
) -> None:
    client = client_for(role)
    assert client.get(reverse("policy:run_list")).context["can_run"] is False
    response = client.post(reverse("policy:run_list"), {"area": factories.VILLAGE, "year": YEAR})
    assert response.status_code == 403
    assert not EvaluationRun.objects.exists()


def test_failed_run_shows_its_error_and_can_be_retried(
    client_for: Callable[[str], Client], county_run: EvaluationRun
) -> None:
    EvaluationRun.objects.filter(pk=county_run.pk).update(status="failed", error="磁盘已满")
    client = client_for("county_admin")
    body = client.get(url_for("run_detail", county_run)).content.decode()
    assert "磁盘已满" in body
    assert reverse("policy:run_retry", args=[county_run.pk]) in body
    response = client.post(url_for("run_retry", county_run))
    assert response.status_code == 302
    cadre = client_for("cadre").get(url_for("run_detail", county_run)).content.decode()
    assert reverse("policy:run_retry", args=[county_run.pk]) not in cadre


def test_retry_of_a_done_run_is_an_error_page(
    client_for: Callable[[str], Client], county_run: EvaluationRun
) -> None:
    response = client_for("county_admin").post(url_for("run_retry", county_run))
    assert response.status_code == 400
    assert "只有出错的批次可以重新运行" in response.content.decode()


# --- drill-down ------------------------------------------------------------------------------


def test_drill_down_lists_households_with_their_clauses(
    client_for: Callable[[str], Client],
    county_run: EvaluationRun,
    households: dict[str, Household],
) -> None:
    client = client_for("county_admin")
    url = url_for("run_households", county_run)
    body = client.get(url + "?clause=income").content.decode()
    assert households["low"].number in body
    assert households["other"].number in body
    assert households["ok"].number not in body
    assert "收入" in body
    assert reverse("registry:household_detail", args=[households["low"].pk]) in body
    body = client.get(url + "?verdict=candidates&area=422822100").content.decode()
    assert households["ok"].number in body and households["near"].number in body
    assert households["low"].number not in body


def test_drill_down_pages_by_cursor(
    client_for: Callable[[str], Client], areas: None, run_now: Any, settings: Any
) -> None:
    settings.FUPIN_PAGE_SIZE = 2
    made = [poor("3000") for _ in range(5)]
    run = run_now(COUNTY, YEAR)
    client = client_for("county_admin")
    seen: list[str] = []
    url: str | None = url_for("run_households", run)
    while url:
        response = client.get(url)
        seen += [r.row.number for r in response.context["rows"]]
        cursor = response.context["page"].next_cursor
        url = url_for("run_households", run) + f"?cursor={cursor}" if cursor else None
        assert ("下一页" in response.content.decode()) == bool(cursor)
    assert sorted(seen) == sorted(h.number for h in made)


def test_drill_down_query_count_does_not_grow_with_rows(
    client_for: Callable[[str], Client],
    areas: None,
    run_now: Any,
    django_assert_max_num_queries: Any,
) -> None:
    poor("3000")
    few_run = run_now(COUNTY, YEAR)
    client = client_for("county_admin")
    client.get(url_for("run_households", few_run))  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(url_for("run_households", few_run))
    for _ in range(15):
        poor("3000")
    many_run = run_now(COUNTY, YEAR)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url_for("run_households", many_run))
    assert len(response.context["rows"]) == 16
    with django_assert_max_num_queries(12):
        client.get(url_for("run_households", many_run))


# --- diff ------------------------------------------------------------------------------------


def test_diff_shows_households_whose_verdict_changed(
    client_for: Callable[[str], Client],
    households: dict[str, Household],
    run_now: Any,
) -> None:
    before = run_now(COUNTY, YEAR)
    services.standard_save(actor=None, region="422822", year=2021, params={"poverty_line": "5000"})
    after = run_now(COUNTY, YEAR)
    response = client_for("auditor").get(
        reverse("policy:run_diff") + f"?before={before.pk}&after={after.pk}"
    )
    assert response.status_code == 200
    assert response.context["diff"].counts["now_fail"] == 1
    body = response.content.decode()
    assert households["near"].number in body
    assert households["ok"].number not in body
    assert "由达标转为未达标" in body


# --- what-if ---------------------------------------------------------------------------------


def test_what_if_counts_the_households_a_threshold_change_moves(
    client_for: Callable[[str], Client],
    county_run: EvaluationRun,
    households: dict[str, Household],
) -> None:
    client = client_for("township_officer")
    page = client.get(url_for("run_detail", county_run))
    form = page.context["what_if_form"]
    assert form["poverty_line"].value() == "4000"
    data = {name: form[name].value() for name in form.fields}
    data["region"] = ""
    data["poverty_line"] = "5000"
    response = client.post(url_for("what_if", county_run), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    result = response.context["result"]
    assert result.changes == {"poverty_line": "5000"}
    assert result.totals["changed"] == 1  # "near" (4,500) now fails; the township's view
    assert result.totals["now_fail"] == 1
    body = response.content.decode()
    assert 'id="what-if-changed">1<' in body
    assert "东门村" in body
    assert "未保存任何数据" in body
    assert "<html" not in body  # only the panel for htmx
    assert StandardVersion.objects.count() == PolicyStandard.objects.count()  # nothing saved


def test_what_if_wrong_value_is_a_form_error(
    client_for: Callable[[str], Client], county_run: EvaluationRun
) -> None:
    response = client_for("county_admin").post(
        url_for("what_if", county_run), {"region": "", "poverty_line": "很多"}
    )
    assert response.status_code == 400
    assert "须为数字" in response.content.decode()


# --- standards -------------------------------------------------------------------------------


def test_standard_page_shows_groups_and_history(
    client_for: Callable[[str], Client], users: Any
) -> None:
    standard = national()
    body = client_for("cadre").get(url_for("standard_detail")).content.decode()
    assert "户脱贫标准" in body and "贫困县摘帽" in body
    assert "扶贫标准（人均纯收入）" in body
    assert "4,000 元" in body
    assert "初始版本" in body
    assert "/edit/" not in body  # the cadre gets no edit link
    assert standard.year == 2021


def test_cadre_and_county_admin_cannot_edit_the_national_standard(
    client_for: Callable[[str], Client], users: Any
) -> None:
    for role in ("cadre", "county_admin"):
        client = client_for(role)
        assert client.get(url_for("standard_edit")).status_code == 403
        response = client.post(url_for("standard_edit"), national_post(national()))
        assert response.status_code == 403
    assert client_for("cadre").get(reverse("policy:standard_create")).status_code == 403


def test_superuser_edits_the_national_standard_and_a_stale_edit_is_refused(
    users: Any, django_user_model: Any
) -> None:
    admin = django_user_model.objects.create_superuser("root", password="x")
    client = Client()
    client.force_login(admin)
    standard = national()
    before = national_post(standard)
    response = client.post(url_for("standard_edit"), {**before, "poverty_line": "4100"})
    assert response.status_code == 302
    current = standard.versions.order_by("-number").first()
    assert current is not None and current.number == 2
    assert current.params["poverty_line"] == "4100"
    assert current.created_by == admin
    body = client.get(url_for("standard_detail")).content.decode()
    assert "4,000 元" in body and "4,100 元" in body  # the change in the history
    # the same form again: based on version 1, someone saved version 2 since
    response = client.post(url_for("standard_edit"), {**before, "poverty_line": "4200"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "该记录已被他人修改" in body
    assert 'value="4200"' in body  # what was typed is still there
    assert standard.versions.count() == 2


def test_county_admin_creates_and_edits_a_county_override(
    client_for: Callable[[str], Client], users: Any
) -> None:
    client = client_for("county_admin")
    form = client.get(reverse("policy:standard_create")).context["form"]
    assert form["region"].value() == "422822"
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data = {k: v for k, v in data.items() if not k.startswith(ADJUST_PREFIX)}
    data.update(region="422822", year="2026", poverty_line="4600", note="县定标准")
    data[ADJUST_PREFIX + "poverty_line"] = "on"
    response = client.post(reverse("policy:standard_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    standard = PolicyStandard.objects.get(region="422822", year=2026)
    version = standard.versions.get()
    assert version.params == {"poverty_line": "4600"}
    assert standard.region_name == "建始县"

    # the same again is refused: it exists
    response = client.post(reverse("policy:standard_create"), data)
    assert response.status_code == 409
    assert "已存在" in response.content.decode()

    # edit: tick the monitoring threshold as well
    edit_url = reverse("policy:standard_edit", args=[standard.pk])
    form = client.get(edit_url).context["form"]
    assert form[ADJUST_PREFIX + "poverty_line"].value() is True
    assert form["monitoring_threshold"].value() == "6000"  # inherited, shown
    post = {
        "expected_number": 1,
        "poverty_line": "4600",
        ADJUST_PREFIX + "poverty_line": "on",
        "monitoring_threshold": "7000",
        ADJUST_PREFIX + "monitoring_threshold": "on",
        "school_age_min": "abc",  # not ticked: ignored
    }
    response = client.post(edit_url, post)
    assert response.status_code == 302
    assert standard.versions.get(number=2).params == {
        "poverty_line": "4600",
        "monitoring_threshold": "7000",
    }
    body = client.get(reverse("policy:standard_detail", args=[standard.pk])).content.decode()
    assert "本地区调整" in body
    assert "（沿用上级）" in body  # monitoring threshold: inherited → 7,000


def test_standard_edit_invalid_value_is_a_field_error(
    client_for: Callable[[str], Client], users: Any
) -> None:
    standard = services.standard_save(
        actor=None, region="422822", year=2026, params={"poverty_line": "4600"}
    ).standard
    response = client_for("county_admin").post(
        reverse("policy:standard_edit", args=[standard.pk]),
        {"expected_number": 1, "poverty_line": "-5", ADJUST_PREFIX + "poverty_line": "on"},
    )
    assert response.status_code == 400
    assert "不能小于 0" in response.content.decode()
    assert standard.versions.count() == 1


def test_standard_list(client_for: Callable[[str], Client], users: Any) -> None:
    body = client_for("village_secretary").get(reverse("policy:standard_list")).content.decode()
    assert "全国" in body
    assert "贵州省" in body  # a western override
    assert "3%" in body
    assert "新建标准" not in body
    assert (
        "新建标准"
        in client_for("county_admin").get(reverse("policy:standard_list")).content.decode()
    )


# --- village facts and county assessment -------------------------------------------------------


def test_facts_page_and_village_facts_save(client_for: Callable[[str], Client], users: Any) -> None:
    client = client_for("township_officer")
    page = client.get(reverse("policy:facts") + f"?year={YEAR}")
    names = [r.area.name for r in page.context["village_rows"]]
    assert names == ["东门村", "南门村"]
    assert all(r.can_edit for r in page.context["village_rows"])
    url = url_for("village_facts_edit")
    response = client.post(
        url, {"collective_income": "52000", "hard_road": "1", "safe_water": "0", "clinic": ""}
    )
    assert response.status_code == 302
    facts = VillageFacts.objects.get(area__code=factories.VILLAGE, year=YEAR)
    assert facts.collective_income == Decimal("52000")
    assert (facts.hard_road, facts.safe_water, facts.clinic) == (True, False, None)
    body = client.get(reverse("policy:facts") + f"?year={YEAR}").content.decode()
    assert "52,000" in body
    # stale version refused, typed values kept
    form = client.get(url).context["form"]
    assert form["version"].value() == 1
    client.post(url, {"collective_income": "60000", "version": 1})
    response = client.post(url, {"collective_income": "70000", "version": 1})
    assert response.status_code == 409
    assert 'value="70000"' in response.content.decode()


@pytest.mark.parametrize("role", ["cadre", "village_secretary", "auditor"])
def test_only_county_and_township_roles_set_facts(
    client_for: Callable[[str], Client], users: Any, role: str
) -> None:
    client = client_for(role)
    assert client.get(url_for("village_facts_edit")).status_code in (403, 404)
    response = client.post(url_for("village_facts_edit"), {"collective_income": "1"})
    assert response.status_code in (403, 404)
    assert not VillageFacts.objects.exists()


def test_other_area_gets_not_found_for_facts(
    client_for: Callable[[str], Client], users: Any
) -> None:
    assert client_for("other_secretary").get(url_for("village_facts_edit")).status_code == 404
    assert client_for("township_officer").get(url_for("county_assessment_edit")).status_code == 404


def test_county_assessment_save_and_error(client_for: Callable[[str], Client], users: Any) -> None:
    client = client_for("county_admin")
    url = url_for("county_assessment_edit")
    response = client.post(url, {"wrong_exit_rate": "1.5"})
    assert response.status_code == 400
    assert "比率须在0到1之间" in response.content.decode()
    response = client.post(
        url,
        {
            "wrong_exit_rate": "0.01",
            "miss_rate": "0.015",
            "approval_rate": "0.95",
            "missed_people": "20",
            "wrongly_exited_people": "10",
            "source": "第三方评估",
        },
    )
    assert response.status_code == 302
    record = CountyAssessment.objects.get(area__code=COUNTY, year=YEAR)
    assert record.approval_rate == Decimal("0.95")
    body = client.get(reverse("policy:facts") + f"?year={YEAR}").content.decode()
    assert "95%" in body


# --- the household page: latest verdict, rigid expenses, hardship events ---------------------


def household_url(name: str, household: Household) -> str:
    return reverse(f"registry:{name}", args=[household.pk])


def test_household_page_shows_the_latest_verdict_with_reasons(
    client_for: Callable[[str], Client],
    county_run: EvaluationRun,
    households: dict[str, Household],
) -> None:
    body = client_for("cadre").get(household_url("household_detail", households["low"]))
    text = body.content.decode()
    assert "最新评估结论" in text
    assert "未达到脱贫退出标准" in text
    assert "人均纯收入 3,000 元 低于标准 4,000 元" in text
    assert reverse("policy:run_detail", args=[county_run.pk]) in text
    ok = client_for("cadre").get(household_url("household_detail", households["ok"]))
    assert "达到脱贫退出标准" in ok.content.decode()
    assert "未达到脱贫退出标准" not in ok.content.decode()


def test_household_page_without_a_run(
    client_for: Callable[[str], Client], household: Household, users: Any
) -> None:
    text = client_for("village_secretary").get(household_url("household_detail", household))
    assert "尚未经过评估" in text.content.decode()


def test_household_page_verdict_of_a_monitored_household(
    client_for: Callable[[str], Client], areas: None, run_now: Any, users: Any
) -> None:
    h = poor("5000", status="exited", exited_year=2019)
    run_now(COUNTY, YEAR)
    text = client_for("auditor").get(household_url("household_detail", h)).content.decode()
    assert "脱贫不稳定户" in text
    assert "人均纯收入 5,000 元 低于监测标准 6,000 元" in text


REGISTRY_WRITE_URLS = ["expense_set", "hardship_add"]


@pytest.mark.parametrize("name", REGISTRY_WRITE_URLS)
def test_expense_and_hardship_forms_access(
    client_for: Callable[[str], Client], household: Household, users: Any, name: str
) -> None:
    url = household_url(name, household)
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))
    assert client_for("outsider").get(url).status_code in (403, 404)
    assert client_for("other_secretary").get(url).status_code == 404
    for role in ("cadre", "auditor"):
        assert client_for(role).get(url).status_code == 403
        assert client_for(role).post(url, {}).status_code == 403
    assert client_for("village_secretary").get(url).status_code == 200


def test_detail_shows_expense_and_hardship_buttons_only_to_writers(
    client_for: Callable[[str], Client], household: Household, users: Any
) -> None:
    url = household_url("household_detail", household)
    assert (
        household_url("expense_set", household)
        in client_for("village_secretary").get(url).content.decode()
    )
    assert (
        household_url("hardship_add", household)
        not in client_for("cadre").get(url).content.decode()
    )


def test_expense_is_recorded_shown_and_in_history(
    client_for: Callable[[str], Client], household: Household, users: Any
) -> None:
    client = client_for("village_secretary")
    url = household_url("expense_set", household)
    data = {"year": YEAR - 1, "medical": "3000", "schooling": "1200", "reason": "住院"}
    response = client.post(url, data)
    assert response.status_code == 302
    record = household.expenses.get()
    assert (record.medical, record.schooling) == (Decimal("3000"), Decimal("1200"))
    text = client.get(household_url("household_detail", household)).content.decode()
    assert "4200.00" in text
    assert f"{YEAR - 1}年教育支出" in text  # labelled as an expense, not as a member field
    assert "在校生状况" not in text
    # a year already recorded is prefilled with its version; a stale one is refused
    form = client.get(url + f"?year={YEAR - 1}").context["form"]
    assert form["version"].value() == 1
    client.post(url, {**data, "medical": "3500", "version": 1})
    response = client.post(url, {**data, "medical": "9999", "version": 1})
    assert response.status_code == 409
    assert 'value="9999"' in response.content.decode()
    assert household.expenses.get().medical == Decimal("3500")


def test_expense_future_year_is_a_field_error(
    client_for: Callable[[str], Client], household: Household, users: Any
) -> None:
    response = client_for("village_secretary").post(
        household_url("expense_set", household),
        {"year": YEAR + 1, "medical": "1", "schooling": "0", "reason": "x"},
    )
    assert response.status_code == 400
    assert "年度须在2000年至" in response.content.decode()


def test_hardship_event_is_recorded_shown_and_in_history(
    client_for: Callable[[str], Client], household: Household, users: Any
) -> None:
    client = client_for("township_officer")
    spouse = household.members.get(relation="spouse")
    response = client.post(
        household_url("hardship_add", household),
        {
            "kind": "serious_illness",
            "occurred_on": "2026-07-02",
            "member": spouse.pk,
            "loss": "20000",
            "description": "确诊重病住院",
        },
    )
    assert response.status_code == 302
    event = household.hardships.get()
    assert event.member == spouse
    text = client.get(household_url("household_detail", household)).content.decode()
    assert "确诊重病住院" in text
    assert "重大疾病" in text
    assert "serious_illness" not in text


def test_hardship_event_errors_are_field_errors(
    client_for: Callable[[str], Client], household: Household, users: Any
) -> None:
    response = client_for("village_secretary").post(
        household_url("hardship_add", household),
        {"kind": "accident", "occurred_on": "2099-01-01"},
    )
    assert response.status_code == 400
    assert "发生日期不能晚于今天" in response.content.decode()
    assert not household.hardships.exists()


def test_superuser_creates_a_national_standard_with_every_parameter(
    users: Any, django_user_model: Any
) -> None:
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    form = client.get(reverse("policy:standard_create")).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data = {k: v for k, v in data.items() if not k.startswith(ADJUST_PREFIX)}
    data.update(region="", year="2027", poverty_line="4300")
    response = client.post(reverse("policy:standard_create"), data)
    assert response.status_code == 302
    version = PolicyStandard.objects.get(region="", year=2027).versions.get()
    assert set(version.params) == {p.key for p in P.PARAMS}
    assert version.params["poverty_line"] == "4300"

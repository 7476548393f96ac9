from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fupin.audit.models import AuditEvent
from fupin.core.pii import mask_id_number
from fupin.registry import services
from fupin.registry.forms import HouseholdEditForm, MemberForm
from fupin.registry.models import Household, HouseholdChange, IncomeRecord, Member
from tests import factories

# --- URL table -----------------------------------------------------------------------

HOUSEHOLD_URLS = [
    "household_detail",
    "household_edit",
    "head_change",
    "income_set",
    "member_add",
    "member_edit",
    "member_remove",
]
WRITE_URLS = [u for u in HOUSEHOLD_URLS if u != "household_detail"]
ALL_URLS = ["household_list", "household_create", *HOUSEHOLD_URLS]


def url_for(name: str, household: Household) -> str:
    if name in ("household_list", "household_create"):
        return reverse(f"registry:{name}")
    if name in ("member_edit", "member_remove"):
        spouse = household.members.get(relation="spouse", is_active=True)
        return reverse(f"registry:{name}", args=[household.pk, spouse.pk])
    return reverse(f"registry:{name}", args=[household.pk])


def household_post(household: Household, **overrides: Any) -> dict[str, Any]:
    """The edit form as a browser would submit it, unchanged unless overridden."""
    data: dict[str, Any] = {}
    for name in HouseholdEditForm.HOUSEHOLD_FIELDS:
        value = getattr(household, name)
        if isinstance(value, bool):
            value = "1" if value else "0"
        data[name] = "" if value is None else value
    data.update(version=household.version, reason="测试")
    data.update(overrides)
    return data


def member_post(member: Member, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in MemberForm.MEMBER_FIELDS:
        value = getattr(member, name)
        if isinstance(value, bool):
            value = "1" if value else "0"
        data[name] = value
    data.update(version=member.version, reason="测试")
    data.update(overrides)
    return data


# --- access --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_URLS)
def test_anonymous_is_sent_to_login(household: Household, name: str) -> None:
    url = url_for(name, household)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=" in response["Location"]


@pytest.mark.parametrize("name", ALL_URLS)
def test_outsider_sees_nothing(
    client_for: Callable[[str], Client], household: Household, name: str
) -> None:
    response = client_for("outsider").get(url_for(name, household))
    assert response.status_code in (403, 404)
    body = response.content.decode()
    assert household.number not in body
    assert "张三" not in body


@pytest.mark.parametrize("name", HOUSEHOLD_URLS)
def test_other_area_gets_not_found(
    client_for: Callable[[str], Client], household: Household, name: str
) -> None:
    response = client_for("other_secretary").get(url_for(name, household))
    assert response.status_code == 404
    body = response.content.decode()
    assert household.number not in body
    assert "未找到该记录" in body


def test_other_area_list_does_not_show_the_household(
    client_for: Callable[[str], Client], household: Household, other_household: Household
) -> None:
    response = client_for("other_secretary").get(reverse("registry:household_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert other_household.number in body
    assert household.number not in body


@pytest.mark.parametrize("name", ALL_URLS)
def test_writer_in_area_gets_every_page(
    client_for: Callable[[str], Client], household: Household, name: str
) -> None:
    response = client_for("village_secretary").get(url_for(name, household))
    assert response.status_code == 200
    if name != "household_create":
        assert household.number in response.content.decode()


@pytest.mark.parametrize("role", ["cadre", "auditor"])
@pytest.mark.parametrize("name", ["household_list", "household_detail"])
def test_read_only_roles_read(
    client_for: Callable[[str], Client], household: Household, role: str, name: str
) -> None:
    response = client_for(role).get(url_for(name, household))
    assert response.status_code == 200
    assert household.number in response.content.decode()


@pytest.mark.parametrize("role", ["cadre", "auditor"])
@pytest.mark.parametrize("name", ["household_create", *WRITE_URLS])
def test_read_only_roles_get_no_forms(
    client_for: Callable[[str], Client], household: Household, role: str, name: str
) -> None:
    response = client_for(role).get(url_for(name, household))
    assert response.status_code == 403
    assert "您无权进行此操作" in response.content.decode()


@pytest.mark.parametrize("role", ["cadre", "auditor"])
@pytest.mark.parametrize("name", ["household_create", *WRITE_URLS])
def test_read_only_roles_cannot_post(
    client_for: Callable[[str], Client], household: Household, role: str, name: str
) -> None:
    spouse = household.members.get(relation="spouse")
    payloads = {
        "household_edit": household_post(household, phone="13912345678"),
        "member_edit": member_post(spouse, name="王五"),
        "member_remove": {"version": spouse.version, "reason": "婚出"},
        "head_change": {"new_head": spouse.pk, "old_head_relation": "spouse", "reason": "x"},
        "income_set": {
            "year": 2019,
            "wage": "100",
            "business": "0",
            "property_income": "0",
            "transfer": "0",
            "business_costs": "0",
            "reason": "x",
        },
        "member_add": member_post(spouse, name="王五", relation="son"),
        "household_create": {"area": factories.VILLAGE, "number": "X1"},
    }
    changes_before = HouseholdChange.objects.count()
    response = client_for(role).post(url_for(name, household), payloads[name])
    assert response.status_code == 403
    assert HouseholdChange.objects.count() == changes_before
    assert not AuditEvent.objects.filter(kind="write", actor__username=role).exists()


def test_list_hides_create_button_from_read_only_roles(
    client_for: Callable[[str], Client], household: Household
) -> None:
    url = reverse("registry:household_create")
    assert url not in client_for("cadre").get(reverse("registry:household_list")).content.decode()
    assert (
        url
        in client_for("village_secretary").get(reverse("registry:household_list")).content.decode()
    )


def test_detail_shows_edit_links_only_to_writers(
    client_for: Callable[[str], Client], household: Household
) -> None:
    edit = reverse("registry:household_edit", args=[household.pk])
    assert (
        edit
        in client_for("village_secretary")
        .get(url_for("household_detail", household))
        .content.decode()
    )
    assert (
        edit
        not in client_for("auditor").get(url_for("household_detail", household)).content.decode()
    )


# --- masking -------------------------------------------------------------------------


def _head_id(household: Household) -> str:
    return household.members.get(relation="head").id_number


def test_village_secretary_sees_masked_ids_and_no_access_is_logged(
    client_for: Callable[[str], Client], users: dict[str, Any], household: Household
) -> None:
    head_id = _head_id(household)
    client = client_for("village_secretary")
    for url in (url_for("household_list", household), url_for("household_detail", household)):
        body = client.get(url).content.decode()
        assert head_id not in body
        assert mask_id_number(head_id) in body
        assert mask_id_number(head_id).startswith("422822********")
    assert not AuditEvent.objects.filter(kind="pii_view").exists()


@pytest.mark.parametrize("role", ["county_admin", "auditor"])
def test_pii_roles_see_full_ids_and_the_view_is_logged(
    client_for: Callable[[str], Client], users: dict[str, Any], household: Household, role: str
) -> None:
    head_id = _head_id(household)
    body = client_for(role).get(url_for("household_list", household)).content.decode()
    assert head_id in body
    event = AuditEvent.objects.get(kind="pii_view", actor=users[role])
    assert event.object_type == "household"
    assert event.object_ids == [household.pk]
    assert event.fields == ["head_id_number"]
    assert event.channel == "web"

    body = client_for(role).get(url_for("household_detail", household)).content.decode()
    assert head_id in body
    assert AuditEvent.objects.filter(
        kind="pii_view", actor=users[role], object_type="member"
    ).exists()


def test_phone_is_masked_for_village_secretary_even_in_the_edit_form(
    client_for: Callable[[str], Client], household: Household
) -> None:
    services.household_update(
        actor=None,
        household_id=household.pk,
        version=household.version,
        data={"phone": "13912345678"},
    )
    client = client_for("village_secretary")
    for name in ("household_detail", "household_edit"):
        body = client.get(url_for(name, household)).content.decode()
        assert "13912345678" not in body
        assert "139****5678" in body
    body = (
        client_for("township_officer").get(url_for("household_detail", household)).content.decode()
    )
    assert "13912345678" in body


def test_health_is_hidden_from_village_secretary(
    client_for: Callable[[str], Client], household: Household
) -> None:
    spouse = household.members.get(relation="spouse")
    services.member_update(
        actor=None, member_id=spouse.pk, version=spouse.version, data={"health": "serious"}
    )
    body = (
        client_for("village_secretary").get(url_for("household_detail", household)).content.decode()
    )
    assert "患有大病" not in body
    assert "（无权查看）" in body
    body = client_for("county_admin").get(url_for("household_detail", household)).content.decode()
    assert "患有大病" in body


# --- household edit ------------------------------------------------------------------


def test_edit_saves_and_history_shows_it(
    client_for: Callable[[str], Client], users: dict[str, Any], household: Household
) -> None:
    client = client_for("township_officer")
    response = client.post(
        url_for("household_edit", household),
        household_post(
            household, phone="13912345678", main_cause="lack_funds", reason="电话号码更换"
        ),
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.phone == "13912345678"
    assert household.main_cause == "lack_funds"
    change = HouseholdChange.objects.get(household=household, action="update")
    assert change.actor == users["township_officer"]
    assert change.reason == "电话号码更换"
    body = client.get(response["Location"]).content.decode()
    assert "已保存" in body
    history = body[body.index('id="history"') :]
    assert "修改户信息" in history
    assert "13912345678" in history
    assert "因病" in history and "缺资金" in history
    assert "电话号码更换" in history


def test_stale_version_is_a_conflict_and_nothing_is_saved(
    client_for: Callable[[str], Client], household: Household
) -> None:
    stale = household_post(household, phone="13800001111")
    services.household_update(
        actor=None,
        household_id=household.pk,
        version=household.version,
        data={"phone": "13912345678"},
    )
    response = client_for("township_officer").post(url_for("household_edit", household), stale)
    assert response.status_code == 409
    assert "该记录已被他人修改" in response.content.decode()
    household.refresh_from_db()
    assert household.phone == "13912345678"
    assert not HouseholdChange.objects.filter(
        household=household, changes__phone__1="13800001111"
    ).exists()


def test_invalid_phone_is_a_chinese_field_error(
    client_for: Callable[[str], Client], household: Household
) -> None:
    response = client_for("township_officer").post(
        url_for("household_edit", household), household_post(household, phone="12345")
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["phone"] == ["联系电话须为11位手机号或带区号的固定电话"]
    household.refresh_from_db()
    assert household.phone == ""


def test_unknown_service_error_keys_become_form_errors(
    client_for: Callable[[str], Client], household: Household
) -> None:
    response = client_for("township_officer").post(
        url_for("household_edit", household),
        household_post(household, status="not_exited", exited_year="2018"),
    )
    assert response.status_code == 400
    assert "只有已脱贫的户才有脱贫年度" in response.context["form"].errors["exited_year"]


def test_edit_reason_is_required(client_for: Callable[[str], Client], household: Household) -> None:
    response = client_for("township_officer").post(
        url_for("household_edit", household),
        household_post(household, phone="13912345678", reason=""),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == ["这个字段是必填项。"]


def test_masked_phone_left_blank_keeps_the_phone(
    client_for: Callable[[str], Client], household: Household
) -> None:
    services.household_update(
        actor=None,
        household_id=household.pk,
        version=household.version,
        data={"phone": "13912345678"},
    )
    household.refresh_from_db()
    response = client_for("village_secretary").post(
        url_for("household_edit", household),
        household_post(household, phone="", housing_area="88.5"),
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.phone == "13912345678"
    assert household.housing_area == Decimal("88.5")


# --- members, head, income, create ----------------------------------------------------


def test_member_edit_invalid_id_is_a_chinese_field_error(
    client_for: Callable[[str], Client], household: Household
) -> None:
    spouse = household.members.get(relation="spouse")
    bad = spouse.id_number[:-1] + ("0" if spouse.id_number[-1] != "0" else "1")
    response = client_for("township_officer").post(
        url_for("member_edit", household), member_post(spouse, id_number=bad)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["id_number"] == ["证件号码校验位错误"]
    spouse.refresh_from_db()
    assert spouse.id_number != bad


def test_member_edit_saves(client_for: Callable[[str], Client], household: Household) -> None:
    spouse = household.members.get(relation="spouse")
    response = client_for("village_secretary").post(
        url_for("member_edit", household),
        member_post(spouse, id_number="", health="", labour="skilled", reason="培训"),
    )
    assert response.status_code == 302
    spouse.refresh_from_db()
    assert spouse.labour == "skilled"
    assert spouse.health == "healthy"  # left blank by a role that sees it masked


def test_member_edit_conflict(client_for: Callable[[str], Client], household: Household) -> None:
    spouse = household.members.get(relation="spouse")
    stale = member_post(spouse, labour="skilled")
    services.member_update(
        actor=None, member_id=spouse.pk, version=spouse.version, data={"labour": "lost"}
    )
    response = client_for("township_officer").post(url_for("member_edit", household), stale)
    assert response.status_code == 409
    assert "该记录已被他人修改" in response.content.decode()
    spouse.refresh_from_db()
    assert spouse.labour == "lost"


def test_member_add_and_remove(client_for: Callable[[str], Client], household: Household) -> None:
    client = client_for("village_secretary")
    data = factories.member_data(name="张小明", relation="son", born=date(2010, 3, 1))
    data.update(
        ethnicity="汉族",
        education="primary",
        schooling="小学3年级",
        migrant_status="none",
        migrant_months="0",
        medical_insurance="1",
        serious_illness_insurance="1",
        pension_insurance="0",
        dibao="0",
        tekun="0",
        reason="出生",
    )
    assert client.post(url_for("member_add", household), data).status_code == 302
    child = Member.objects.get(name="张小明")
    assert child.household_id == household.pk

    url = reverse("registry:member_remove", args=[household.pk, child.pk])
    response = client.post(url, {"version": child.version, "reason": ""})
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert client.post(url, {"version": child.version, "reason": "分户"}).status_code == 302
    child.refresh_from_db()
    assert not child.is_active
    assert HouseholdChange.objects.filter(
        member=child, action="member_remove", reason="分户"
    ).exists()


def test_head_change(client_for: Callable[[str], Client], household: Household) -> None:
    spouse = household.members.get(relation="spouse")
    response = client_for("village_secretary").post(
        url_for("head_change", household),
        {"new_head": spouse.pk, "old_head_relation": "spouse", "reason": "户主外出"},
    )
    assert response.status_code == 302
    assert household.members.get(relation="head", is_active=True).pk == spouse.pk


def test_income_set_shows_per_capita(
    client_for: Callable[[str], Client], household: Household
) -> None:
    client = client_for("village_secretary")
    response = client.post(
        url_for("income_set", household),
        {
            "year": "2019",
            "wage": "6000",
            "business": "3000",
            "property_income": "100",
            "transfer": "900",
            "business_costs": "1000",
            "household_size": "",
            "reason": "年度核算",
        },
    )
    assert response.status_code == 302
    record = IncomeRecord.objects.get(household=household, year=2019)
    assert record.net_income_per_capita == Decimal("4500.00")
    body = client.get(url_for("household_detail", household)).content.decode()
    assert "4500.00" in body
    form = client.get(url_for("income_set", household) + "?year=2019").context["form"]
    assert form.initial["version"] == record.version
    assert form.initial["wage"] == Decimal("6000.00")


def test_create_household(
    client_for: Callable[[str], Client], users: dict[str, Any], areas: None
) -> None:
    head = factories.member_data(name="赵六")
    data = {
        "area": factories.VILLAGE,
        "number": "N0001",
        "phone": "",
        "standard": "national",
        "household_type": "dibao",
        "main_cause": "illness",
        "other_causes": ["lack_funds"],
        "status": "not_exited",
        "identified_year": "2016",
        "exited_year": "",
        "housing_area": "",
        "danger_grade": "none",
        "relocated": "0",
        "safe_water": "1",
        "has_electricity": "1",
        "road_distance_km": "",
        "head_name": head["name"],
        "head_sex": head["sex"],
        "head_id_number": head["id_number"],
        "head_ethnicity": "土家族",
        "head_education": "junior",
        "head_health": "healthy",
        "head_labour": "ordinary",
        "reason": "新识别",
    }
    client = client_for("village_secretary")
    bad = dict(data, head_id_number=head["id_number"][:17])
    response = client.post(reverse("registry:household_create"), bad)
    assert response.status_code == 400
    assert response.context["form"].errors["head_id_number"] == [
        "证件号码须为18位（残疾人证号20或22位），现为17位"
    ]
    assert not Household.objects.filter(number="N0001").exists()

    response = client.post(reverse("registry:household_create"), data)
    assert response.status_code == 302
    household = Household.objects.get(number="N0001")
    assert household.other_causes == ["lack_funds"]
    assert household.members.get().name == "赵六"
    assert HouseholdChange.objects.filter(
        household=household, action="create", actor=users["village_secretary"]
    ).exists()


def test_create_offers_only_writable_areas(
    client_for: Callable[[str], Client], areas: None
) -> None:
    client = client_for("other_secretary")
    response = client.post(
        reverse("registry:household_create"), {"area": factories.VILLAGE, "number": "N0002"}
    )
    assert response.status_code == 400
    assert "area" in response.context["form"].errors
    choices = [c for c, _ in response.context["form"].fields["area"].choices]
    assert choices == ["", factories.OTHER_TOWNSHIP_VILLAGE]
    assert not Household.objects.filter(number="N0002").exists()


# --- list: filters, search, pagination, queries ------------------------------------


def _numbers(response: Any) -> list[str]:
    return [row.household.number for row in response.context["rows"]]


@pytest.fixture
def named(areas: None) -> dict[str, Household]:
    def make(name: str, **fields: Any) -> Household:
        return factories.household(members=[factories.member_data(name=name)], **fields)

    return {
        "张三": make("张三"),
        "王五": make("王五", status="exited", exited_year=2019),
        "张国强": make("张国强", area_code=factories.OTHER_VILLAGE_SAME_TOWNSHIP),
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("张三", ["张三"]),
        ("zs", ["张三"]),
        ("张", ["张三", "张国强"]),
        ("張國強", ["张国强"]),
        ("wangwu", ["王五"]),
    ],
)
def test_search(
    client_for: Callable[[str], Client], named: dict[str, Household], q: str, expected: list[str]
) -> None:
    response = client_for("township_officer").get(reverse("registry:household_list"), {"q": q})
    assert sorted(_numbers(response)) == sorted(named[n].number for n in expected)


def test_search_by_last_digits_of_id(
    client_for: Callable[[str], Client], named: dict[str, Household]
) -> None:
    last4 = _head_id(named["王五"])[-4:]
    response = client_for("township_officer").get(reverse("registry:household_list"), {"q": last4})
    assert _numbers(response) == [named["王五"].number]


def test_filters(client_for: Callable[[str], Client], named: dict[str, Household]) -> None:
    client = client_for("township_officer")
    url = reverse("registry:household_list")
    assert _numbers(client.get(url, {"status": "exited"})) == [named["王五"].number]
    assert _numbers(client.get(url, {"area": factories.OTHER_VILLAGE_SAME_TOWNSHIP})) == [
        named["张国强"].number
    ]
    # A value outside the choices is ignored rather than an error page.
    assert len(_numbers(client.get(url, {"status": "nonsense"}))) == 3


def test_htmx_request_gets_only_the_results(
    client_for: Callable[[str], Client], named: dict[str, Household]
) -> None:
    response = client_for("township_officer").get(
        reverse("registry:household_list"), {"q": "zs"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="results"')
    assert "<html" not in body
    assert named["张三"].number in body


def test_pagination_keeps_filters(
    client_for: Callable[[str], Client], areas: None, settings: Any
) -> None:
    settings.FUPIN_PAGE_SIZE = 2
    made = [factories.household(members=[factories.member_data()]) for _ in range(5)]
    client = client_for("village_secretary")
    url = reverse("registry:household_list")
    first = client.get(url, {"status": "not_exited"})
    assert "下一页" in first.content.decode()
    assert "上一页" not in first.content.decode()
    seen = _numbers(first)
    cursor = first.context["page"].next_cursor
    while cursor:
        page = client.get(url, {"status": "not_exited", "cursor": cursor})
        assert "status=not_exited" in page.context["filter_query"]
        assert "上一页" in page.content.decode()
        seen += _numbers(page)
        cursor = page.context["page"].next_cursor
    assert sorted(seen) == sorted(h.number for h in made)


@pytest.mark.parametrize("role", ["village_secretary", "county_admin"])
def test_list_query_count_does_not_grow_with_rows(
    client_for: Callable[[str], Client], areas: None, django_assert_num_queries: Any, role: str
) -> None:
    for _ in range(3):
        factories.household(members=[factories.member_data()])
    url = reverse("registry:household_list")
    client = client_for(role)
    with CaptureQueriesContext(connection) as few:
        assert len(_numbers(client.get(url))) == 3
    for _ in range(17):
        factories.household(members=[factories.member_data()])
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(_numbers(client.get(url))) == 20
    assert len(few.captured_queries) <= 8


# --- export --------------------------------------------------------------------------


def _export_body(response: Any) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_export_needs_login(household: Household) -> None:
    response = Client().get(reverse("registry:household_export"))
    assert response.status_code == 302 and "next=" in response["Location"]


def test_export_refuses_an_outsider(
    client_for: Callable[[str], Client], household: Household
) -> None:
    response = client_for("outsider").get(reverse("registry:household_export"))
    assert response.status_code == 403
    assert household.number not in response.content.decode()


def test_export_is_scoped_masked_and_filtered(
    client_for: Callable[[str], Client], household: Household, other_household: Household
) -> None:
    head = household.members.get(relation="head")
    other_body = _export_body(
        client_for("other_secretary").get(reverse("registry:household_export"))
    )
    assert other_household.number in other_body and household.number not in other_body
    response = client_for("village_secretary").get(
        reverse("registry:household_export") + "?status=not_exited"
    )
    assert response["Content-Type"].startswith("text/csv")
    body = _export_body(response)
    assert household.number in body and other_household.number not in body
    assert head.id_number not in body and mask_id_number(head.id_number) in body
    filtered = _export_body(
        client_for("county_admin").get(reverse("registry:household_export") + "?status=exited")
    )
    assert household.number not in filtered and other_household.number not in filtered
    full = _export_body(client_for("county_admin").get(reverse("registry:household_export")))
    assert head.id_number in full
    assert AuditEvent.objects.filter(kind="pii_export", channel="export").count() == 1


def test_outsider_is_told_to_ask_for_a_role(client_for: Callable[[str], Client]) -> None:
    response = client_for("outsider").get(reverse("registry:household_list"))
    assert response.status_code == 403
    assert "尚未分配角色" in response.content.decode()

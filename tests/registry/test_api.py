"""The registry API: who may reach what, masking, locking, errors, pagination."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client

from fupin.accounts.services import api_token_create, api_token_revoke
from fupin.audit.models import AuditEvent
from fupin.registry.models import Household, HouseholdChange, IncomeRecord, Member
from tests import factories

MASKED_ID = re.compile(r"^422822\*{8}[0-9]{3}[0-9X]$")


@pytest.fixture
def api(users: dict[str, Any]) -> Callable[[str], Client]:
    """A client that sends a fresh API token of the named user."""

    def make(key: str) -> Client:
        _, secret = api_token_create(actor=None, user=users[key], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


def call(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, data=body, content_type="application/json")


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return dict(body["error"])


def spouse(household: Household) -> Member:
    return household.members.get(relation="spouse")


def head(household: Household) -> Member:
    return household.members.get(relation="head")


def new_member() -> dict[str, Any]:
    return factories.member_data(name="王小五", relation="son", born=date(2008, 3, 9))


# (method, url, body, status for an allowed writer / reader). {h}: household, {m}: spouse.
ENDPOINTS: list[tuple[str, str, Callable[[Household], dict[str, Any] | None], int]] = [
    ("get", "/api/households/{h}", lambda h: None, 200),
    ("patch", "/api/households/{h}", lambda h: {"version": h.version, "phone": "13912345678"}, 200),
    ("get", "/api/households/{h}/members", lambda h: None, 200),
    ("post", "/api/households/{h}/members", lambda h: new_member(), 201),
    ("get", "/api/members/{m}", lambda h: None, 200),
    (
        "patch",
        "/api/members/{m}",
        lambda h: {"version": spouse(h).version, "ethnicity": "土家族"},
        200,
    ),
    ("delete", "/api/members/{m}?version=1&reason=%E5%A9%9A%E5%87%BA", lambda h: None, 204),
    ("put", "/api/households/{h}/incomes/2020", lambda h: {"wage": "12000.50"}, 200),
    ("get", "/api/households/{h}/history", lambda h: None, 200),
]
WRITES = [e for e in ENDPOINTS if e[0] != "get"]
READS = [e for e in ENDPOINTS if e[0] == "get"]


def url_for(template: str, household: Household) -> str:
    return template.format(h=household.pk, m=spouse(household).pk)


def ids(endpoints: list[Any]) -> list[str]:
    return [f"{e[0].upper()} {e[1]}" for e in endpoints]


def snapshot(household: Household) -> tuple[Any, ...]:
    h = Household.objects.get(pk=household.pk)
    return (
        h.version,
        h.phone,
        sorted(Member.objects.filter(household=h).values_list("pk", "version", "is_active")),
        IncomeRecord.objects.filter(household=h).count(),
        HouseholdChange.objects.filter(household=h).count(),
    )


# --- access --------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "template", "body", "ok"), ENDPOINTS, ids=ids(ENDPOINTS))
def test_without_token_is_401(
    household: Household, method: str, template: str, body: Any, ok: int
) -> None:
    before = snapshot(household)
    response = call(Client(), method, url_for(template, household), body(household))
    assert_error(response, 401, "not_authenticated")
    assert snapshot(household) == before


@pytest.mark.parametrize(("method", "template", "body", "ok"), ENDPOINTS, ids=ids(ENDPOINTS))
@pytest.mark.parametrize("header", ["Bearer fp_not-a-real-key", "Bearer ", "Token abc", "fp_x"])
def test_bad_token_is_401(
    household: Household, method: str, template: str, body: Any, ok: int, header: str
) -> None:
    client = Client(HTTP_AUTHORIZATION=header)
    response = call(client, method, url_for(template, household), body(household))
    assert_error(response, 401, "not_authenticated")


@pytest.mark.parametrize(("method", "template", "body", "ok"), ENDPOINTS, ids=ids(ENDPOINTS))
def test_revoked_token_is_401(
    users: dict[str, Any], household: Household, method: str, template: str, body: Any, ok: int
) -> None:
    token, key = api_token_create(actor=None, user=users["county_admin"], name="old")
    api_token_revoke(actor=users["county_admin"], token_id=token.pk)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    before = snapshot(household)
    response = call(client, method, url_for(template, household), body(household))
    assert_error(response, 401, "not_authenticated")
    assert snapshot(household) == before


@pytest.mark.parametrize(("method", "template", "body", "ok"), ENDPOINTS, ids=ids(ENDPOINTS))
@pytest.mark.parametrize("who", ["outsider", "other_secretary"])
def test_household_out_of_scope_is_404(
    api: Any, household: Household, method: str, template: str, body: Any, ok: int, who: str
) -> None:
    before = snapshot(household)
    response = call(api(who), method, url_for(template, household), body(household))
    error = assert_error(response, 404, "not_found")
    assert household.number not in response.content.decode()
    assert "fields" not in error
    assert snapshot(household) == before


@pytest.mark.parametrize(("method", "template", "body", "ok"), WRITES, ids=ids(WRITES))
@pytest.mark.parametrize("who", ["cadre", "auditor"])
def test_read_only_roles_cannot_write(
    api: Any, household: Household, method: str, template: str, body: Any, ok: int, who: str
) -> None:
    before = snapshot(household)
    response = call(api(who), method, url_for(template, household), body(household))
    assert_error(response, 403, "access_denied")
    assert snapshot(household) == before


@pytest.mark.parametrize(("method", "template", "body", "ok"), WRITES, ids=ids(WRITES))
@pytest.mark.parametrize("who", ["village_secretary", "township_officer", "county_admin"])
def test_writers_may_write(
    api: Any,
    users: dict[str, Any],
    household: Household,
    method: str,
    template: str,
    body: Any,
    ok: int,
    who: str,
) -> None:
    before = HouseholdChange.objects.filter(household=household).count()
    response = call(api(who), method, url_for(template, household), body(household))
    assert response.status_code == ok, response.content
    assert HouseholdChange.objects.filter(household=household).count() == before + 1
    event = AuditEvent.objects.filter(kind="write").latest("id")
    assert event.channel == "api"
    assert event.actor == users[who]


@pytest.mark.parametrize(("method", "template", "body", "ok"), READS, ids=ids(READS))
@pytest.mark.parametrize(
    "who", ["village_secretary", "cadre", "auditor", "township_officer", "county_admin"]
)
def test_readers_may_read(
    api: Any, household: Household, method: str, template: str, body: Any, ok: int, who: str
) -> None:
    response = call(api(who), method, url_for(template, household))
    assert response.status_code == 200, response.content
    assert response.json()


def test_list_excludes_households_out_of_scope(
    api: Any, household: Household, other_household: Household
) -> None:
    def numbers(who: str) -> set[str]:
        response = api(who).get("/api/households")
        assert response.status_code == 200
        return {item["number"] for item in response.json()["items"]}

    assert numbers("village_secretary") == {household.number}
    assert numbers("cadre") == {household.number}
    assert numbers("other_secretary") == {other_household.number}
    assert numbers("county_admin") == {household.number, other_household.number}
    assert numbers("outsider") == set()


def test_list_without_token_is_401(household: Household) -> None:
    assert_error(Client().get("/api/households"), 401, "not_authenticated")
    bad = Client(HTTP_AUTHORIZATION="Bearer fp_nope").get("/api/households")
    assert_error(bad, 401, "not_authenticated")


def test_create_without_token_is_401(areas: None) -> None:
    response = Client().post(
        "/api/households",
        data={
            "area_code": factories.VILLAGE,
            "number": "N1",
            "main_cause": "illness",
            "members": [factories.member_data()],
        },
        content_type="application/json",
    )
    assert_error(response, 401, "not_authenticated")
    assert not Household.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "other_secretary", "cadre", "auditor"])
def test_create_refused_outside_write_scope(api: Any, who: str) -> None:
    response = api(who).post(
        "/api/households",
        data={
            "area_code": factories.VILLAGE,
            "number": "N1",
            "main_cause": "illness",
            "members": [factories.member_data()],
        },
        content_type="application/json",
    )
    assert_error(response, 403, "access_denied")
    assert not Household.objects.exists()


# --- reading -------------------------------------------------------------------------


def test_detail_has_household_members_incomes(api: Any, household: Household) -> None:
    client = api("county_admin")
    put = client.put(
        f"/api/households/{household.pk}/incomes/2020",
        data={"wage": "10000", "transfer": "2000", "business_costs": "1000"},
        content_type="application/json",
    )
    assert put.status_code == 200, put.content
    assert put.json()["net_income_per_capita"] == "5500.00"
    body = client.get(f"/api/households/{household.pk}").json()
    assert body["number"] == household.number
    assert body["area_code"] == factories.VILLAGE
    assert body["area_name"] == "东门村"
    assert body["main_cause"] == "illness"
    assert body["main_cause_label"] == "因病"
    assert body["status_label"] == "未脱贫"
    assert body["version"] == 1
    assert [m["relation"] for m in body["members"]] == ["head", "spouse"]
    assert body["members"][0]["relation_label"] == "户主"
    assert body["incomes"] == [
        {
            "year": 2020,
            "wage": "10000.00",
            "business": "0.00",
            "property_income": "0.00",
            "transfer": "2000.00",
            "business_costs": "1000.00",
            "household_size": 2,
            "net_income": "11000.00",
            "net_income_per_capita": "5500.00",
            "version": 1,
        }
    ]


def test_village_secretary_sees_masked_ids_and_nothing_is_logged(
    api: Any, household: Household
) -> None:
    household.phone = "13812345678"
    household.save(update_fields=["phone"])
    client = api("village_secretary")
    detail = client.get(f"/api/households/{household.pk}").json()
    for member in detail["members"]:
        assert MASKED_ID.match(member["id_number"]), member["id_number"]
        assert member["masked"] is True
        assert member["health"] is None
        assert member["health_label"] == "（无权查看）"
    assert detail["phone"] == "138****5678"
    listed = client.get("/api/households").json()["items"]
    assert MASKED_ID.match(listed[0]["head_id_number"])
    members = client.get(f"/api/households/{household.pk}/members").json()
    assert all(MASKED_ID.match(m["id_number"]) for m in members)
    one = client.get(f"/api/members/{head(household).pk}").json()
    assert MASKED_ID.match(one["id_number"])
    assert not AuditEvent.objects.filter(kind="pii_view").exists()
    content = b"".join(
        client.get(u).content
        for u in (
            f"/api/households/{household.pk}",
            "/api/households",
            f"/api/households/{household.pk}/history",
        )
    ).decode()
    for m in household.members.all():
        assert m.id_number not in content


@pytest.mark.parametrize("who", ["county_admin", "auditor", "township_officer"])
def test_pii_roles_see_full_ids_and_each_view_is_logged(
    api: Any, users: dict[str, Any], household: Household, who: str
) -> None:
    household.phone = "13812345678"
    household.save(update_fields=["phone"])
    client = api(who)
    ids_ = sorted(household.members.values_list("id_number", flat=True))
    pks = sorted(household.members.values_list("pk", flat=True))

    detail = client.get(f"/api/households/{household.pk}").json()
    assert sorted(m["id_number"] for m in detail["members"]) == ids_
    assert all(m["masked"] is False and m["health"] == "healthy" for m in detail["members"])
    assert detail["phone"] == "13812345678"
    # One access record for the response, naming every record and field it revealed.
    events = AuditEvent.objects.filter(kind="pii_view", actor=users[who])
    detail_event = events.get()
    assert detail_event.channel == "api"
    assert detail_event.object_type == "household+member"
    assert detail_event.object_ids == [f"household:{household.pk}"] + [f"member:{pk}" for pk in pks]
    assert detail_event.fields == ["household.phone", "member.health", "member.id_number"]

    listed = client.get("/api/households").json()["items"]
    assert listed[0]["head_id_number"] == head(household).id_number
    list_event = events.filter(object_type="household").latest("id")
    assert list_event.object_ids == [household.pk]
    assert list_event.fields == ["head_id_number"]
    assert list_event.channel == "api"

    client.get(f"/api/members/{head(household).pk}")
    member_event = events.get(object_type="member")
    assert member_event.object_ids == [head(household).pk]
    assert member_event.fields == ["health", "id_number"]


def test_history_masks_personal_data_per_role(api: Any, household: Household) -> None:
    new_id = factories.id_number(sex="female")
    response = api("county_admin").patch(
        f"/api/members/{spouse(household).pk}",
        data={"version": 1, "id_number": new_id, "reason": "更正"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content

    def update_rows(who: str) -> list[dict[str, Any]]:
        history = api(who).get(f"/api/households/{household.pk}/history").json()
        entry = next(e for e in history if e["action"] == "member_update")
        assert entry["actor"] == "county_admin"
        assert entry["reason"] == "更正"
        assert entry["member_name"] == "李四"
        return list(entry["changes"])

    full = update_rows("auditor")
    assert full[0]["field"] == "id_number"
    assert full[0]["new"] == new_id
    # The auditor's view of the unmasked history is recorded (it was not before).
    event = AuditEvent.objects.get(kind="pii_view", actor__username="auditor")
    assert event.object_type == "member" and event.channel == "api"  # the household has no phone
    assert event.object_ids == sorted(m.pk for m in household.members.all())
    assert event.fields == ["health", "id_number"]
    masked = update_rows("village_secretary")
    assert MASKED_ID.match(masked[0]["new"])
    assert MASKED_ID.match(masked[0]["old"])
    assert not AuditEvent.objects.filter(actor__username="village_secretary").exists()


def test_list_filters(api: Any, household: Household) -> None:
    exited = factories.household(
        area_code=factories.OTHER_VILLAGE_SAME_TOWNSHIP,
        status="exited",
        exited_year=2019,
        main_cause="disability",
        members=[factories.member_data(name="赵六")],
    )
    client = api("county_admin")

    def numbers(query: str) -> list[str]:
        response = client.get(f"/api/households?{query}")
        assert response.status_code == 200, response.content
        return [i["number"] for i in response.json()["items"]]

    assert numbers("status=exited") == [exited.number]
    assert numbers("main_cause=illness") == [household.number]
    assert numbers(f"area_code={factories.VILLAGE}") == [household.number]
    assert numbers("area_code=422822100000") == [household.number, exited.number]
    assert numbers("q=%E8%B5%B5%E5%85%AD") == [exited.number]  # 赵六
    assert numbers("q=zl") == [exited.number]
    assert numbers("household_type=tekun") == []
    item = client.get("/api/households?status=exited").json()["items"][0]
    assert item["member_count"] == 1
    assert item["head_name"] == "赵六"
    assert item["status_label"] == "已脱贫"
    assert item["area_name"] == "南门村"


def test_pagination_walks_every_household_exactly_once(api: Any, areas: None) -> None:
    villages = [factories.VILLAGE, factories.OTHER_VILLAGE_SAME_TOWNSHIP, "422822100001001"]
    created = {
        factories.household(area_code=villages[i % 3], members=[factories.member_data()]).pk
        for i in range(11)
    }
    client = api("county_admin")
    seen: list[int] = []
    cursor = ""
    pages = 0
    while True:
        response = client.get(f"/api/households?limit=3&cursor={cursor}")
        assert response.status_code == 200
        body = response.json()
        assert len(body["items"]) <= 3
        seen.extend(item["id"] for item in body["items"])
        pages += 1
        if body["next_cursor"] is None:
            break
        cursor = body["next_cursor"]
    assert pages == 4
    assert len(seen) == len(set(seen)) == 11
    assert set(seen) == created
    codes = [Household.objects.get(pk=pk).area_code for pk in seen]
    assert codes == sorted(codes)
    # and back again from the last page
    back = client.get(f"/api/households?limit=3&cursor={body['prev_cursor']}").json()
    assert [i["id"] for i in back["items"]] == seen[6:9]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("status=bogus", "status"),
        ("main_cause=bad", "main_cause"),
    ],
)
def test_list_bad_query_is_400_with_field(
    api: Any, household: Household, query: str, field: str
) -> None:
    error = assert_error(api("county_admin").get(f"/api/households?{query}"), 400, "invalid")
    assert list(error["fields"]) == [field]
    assert all(re.search(r"[\u4e00-\u9fff]", m) for m in error["fields"][field])


# --- writing -------------------------------------------------------------------------


def test_create_household(api: Any, users: dict[str, Any]) -> None:
    members = [
        factories.member_data(name="陈一"),
        factories.member_data(name="刘二", sex="female", relation="spouse"),
    ]
    response = api("village_secretary").post(
        "/api/households",
        data={
            "area_code": factories.VILLAGE,
            "number": "JS0001",
            "main_cause": "lack_funds",
            "other_causes": ["illness"],
            "phone": "13800001111",
            "members": members,
            "reason": "识别",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    household = Household.objects.get(number="JS0001")
    assert body["id"] == household.pk
    assert body["version"] == 1
    assert (household.status, household.identified_year) == ("unregistered", None)
    assert body["other_causes_labels"] == ["因病"]
    assert body["phone"] == "138****1111"  # the secretary may not see it unmasked
    assert [m["name"] for m in body["members"]] == ["陈一", "刘二"]
    assert all(MASKED_ID.match(m["id_number"]) for m in body["members"])
    assert household.members.get(name="陈一").ethnicity == "汉族"  # model default kept
    change = HouseholdChange.objects.get(household=household, action="create")
    assert change.actor == users["village_secretary"]
    assert change.reason == "识别"
    assert AuditEvent.objects.filter(action="household.create", channel="api").exists()


def test_invalid_id_number_is_400_naming_the_field(api: Any, areas: None) -> None:
    bad = factories.member_data()
    bad["id_number"] = bad["id_number"][:-1] + ("0" if bad["id_number"][-1] != "0" else "1")
    response = api("county_admin").post(
        "/api/households",
        data={
            "area_code": factories.VILLAGE,
            "number": "B1",
            "main_cause": "illness",
            "members": [bad],
        },
        content_type="application/json",
    )
    error = assert_error(response, 400, "invalid")
    assert "校验位" in error["fields"]["members[0].id_number"][0]
    assert not Household.objects.exists()


def test_invalid_id_number_on_member_update(api: Any, household: Household) -> None:
    member = spouse(household)
    response = api("county_admin").patch(
        f"/api/members/{member.pk}",
        data={"version": 1, "id_number": "42282219800517123"},
        content_type="application/json",
    )
    error = assert_error(response, 400, "invalid")
    assert list(error["fields"]) == ["id_number"]
    assert Member.objects.get(pk=member.pk).id_number == member.id_number


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"number": "X"}, "members"),
        ({"number": "X", "members": [{"name": "甲"}]}, "members[0].sex"),
        ({"number": "X", "members": [], "colour": "red"}, "colour"),
        ({"number": "X", "members": [], "status": "rich"}, "status"),
        ({"number": "X", "members": [], "housing_area": "big"}, "housing_area"),
    ],
)
def test_create_schema_errors_name_the_field(
    api: Any, areas: None, body: dict[str, Any], field: str
) -> None:
    payload = {"area_code": factories.VILLAGE, "main_cause": "illness", **body}
    response = api("county_admin").post(
        "/api/households", data=payload, content_type="application/json"
    )
    error = assert_error(response, 400, "invalid")
    assert field in error["fields"]


def test_malformed_json_is_400(api: Any, household: Household) -> None:
    response = api("county_admin").patch(
        f"/api/households/{household.pk}", data="{not json", content_type="application/json"
    )
    assert_error(response, 400, "invalid")


def test_patch_household(api: Any, users: dict[str, Any], household: Household) -> None:
    response = api("township_officer").patch(
        f"/api/households/{household.pk}",
        data={"version": 1, "phone": "13900002222", "relocated": True, "reason": "核实"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2
    assert body["phone"] == "13900002222"
    assert body["relocated"] is True
    change = HouseholdChange.objects.get(household=household, action="update")
    assert change.changes == {"phone": ["", "13900002222"], "relocated": [False, True]}
    assert change.reason == "核实"
    assert change.actor == users["township_officer"]


def test_patch_requires_version(api: Any, household: Household) -> None:
    response = api("county_admin").patch(
        f"/api/households/{household.pk}",
        data={"phone": "13900002222"},
        content_type="application/json",
    )
    error = assert_error(response, 400, "invalid")
    assert error["fields"] == {"version": ["此项必填"]}
    assert Household.objects.get(pk=household.pk).phone == ""


def test_stale_version_is_409_and_changes_nothing(api: Any, household: Household) -> None:
    first = api("county_admin").patch(
        f"/api/households/{household.pk}",
        data={"version": 1, "phone": "13900002222"},
        content_type="application/json",
    )
    assert first.status_code == 200
    before = snapshot(household)
    second = api("village_secretary").patch(
        f"/api/households/{household.pk}",
        data={"version": 1, "phone": "13700003333"},
        content_type="application/json",
    )
    error = assert_error(second, 409, "conflict")
    assert "已被他人修改" in error["message"]
    assert snapshot(household) == before
    assert Household.objects.get(pk=household.pk).phone == "13900002222"


def test_stale_member_version_is_409(api: Any, household: Household) -> None:
    member = spouse(household)
    client = api("county_admin")
    ok = client.patch(
        f"/api/members/{member.pk}",
        data={"version": 1, "ethnicity": "苗族"},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert ok.json()["version"] == 2
    stale = client.patch(
        f"/api/members/{member.pk}",
        data={"version": 1, "ethnicity": "侗族"},
        content_type="application/json",
    )
    assert_error(stale, 409, "conflict")
    removed = client.delete(f"/api/members/{member.pk}?version=1&reason=x")
    assert_error(removed, 409, "conflict")
    assert Member.objects.get(pk=member.pk).ethnicity == "苗族"
    assert Member.objects.get(pk=member.pk).is_active


def test_add_and_remove_member(api: Any, household: Household) -> None:
    client = api("village_secretary")
    added = client.post(
        f"/api/households/{household.pk}/members",
        data={**new_member(), "reason": "出生"},
        content_type="application/json",
    )
    assert added.status_code == 201, added.content
    member_id = added.json()["id"]
    assert added.json()["relation_label"] == "之子"
    assert added.json()["age"] is not None
    members = client.get(f"/api/households/{household.pk}/members").json()
    assert member_id in [m["id"] for m in members]

    missing_reason = client.delete(f"/api/members/{member_id}?version=1")
    assert assert_error(missing_reason, 400, "invalid")["fields"] == {"reason": ["此项必填"]}
    gone = client.delete(f"/api/members/{member_id}?version=1&reason=%E5%88%86%E6%88%B7")
    assert gone.status_code == 204
    assert gone.content == b""
    members = client.get(f"/api/households/{household.pk}/members").json()
    assert member_id not in [m["id"] for m in members]
    assert_error(client.get(f"/api/members/{member_id}"), 404, "not_found")
    change = HouseholdChange.objects.get(household=household, action="member_remove")
    assert change.reason == "分户"


def test_head_cannot_be_added_or_removed(api: Any, household: Household) -> None:
    client = api("county_admin")
    second_head = client.post(
        f"/api/households/{household.pk}/members",
        data=factories.member_data(),
        content_type="application/json",
    )
    assert "relation" in assert_error(second_head, 400, "invalid")["fields"]
    remove_head = client.delete(f"/api/members/{head(household).pk}?version=1&reason=x")
    assert "relation" in assert_error(remove_head, 400, "invalid")["fields"]


def test_income_put_sets_and_corrects(api: Any, household: Household) -> None:
    client = api("village_secretary")
    url = f"/api/households/{household.pk}/incomes/2021"
    first = client.put(
        url, data={"wage": "9000", "household_size": 3}, content_type="application/json"
    )
    assert first.status_code == 200, first.content
    assert first.json()["net_income_per_capita"] == "3000.00"
    second = client.put(
        url,
        data={"wage": "9600", "household_size": 3, "version": 1},
        content_type="application/json",
    )
    assert second.json()["version"] == 2
    assert second.json()["net_income_per_capita"] == "3200.00"
    stale = client.put(url, data={"wage": "1", "version": 1}, content_type="application/json")
    assert_error(stale, 409, "conflict")
    negative = client.put(url, data={"wage": "-5"}, content_type="application/json")
    assert "wage" in assert_error(negative, 400, "invalid")["fields"]
    future = client.put(
        f"/api/households/{household.pk}/incomes/2999", data={}, content_type="application/json"
    )
    assert "year" in assert_error(future, 400, "invalid")["fields"]
    assert IncomeRecord.objects.get(household=household, year=2021).wage == 9600


# --- the error shape everywhere ------------------------------------------------------


def test_unknown_household_is_404(api: Any, areas: None) -> None:
    assert_error(api("county_admin").get("/api/households/999999"), 404, "not_found")
    assert_error(api("county_admin").get("/api/households/abc"), 400, "invalid")


def test_unknown_path_and_method_keep_the_shape(api: Any, household: Household) -> None:
    client = api("county_admin")
    assert_error(client.get("/api/nothing-here"), 404, "not_found")
    assert_error(Client().get("/api/nothing-here"), 404, "not_found")
    assert_error(Client().get("/api/"), 404, "not_found")
    not_allowed = assert_error(
        client.put(f"/api/households/{household.pk}"), 405, "method_not_allowed"
    )
    assert "PATCH" in not_allowed["message"]


def test_unexpected_error_is_500_without_traceback(
    api: Any,
    household: Household,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from fupin.registry import selectors

    def boom(**kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "household_page", boom)
    response = api("county_admin").get("/api/households")
    assert_error(response, 500, "server_error")
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content
    assert "secret internals" in caplog.text


# --- the browser session -------------------------------------------------------------


def test_session_reads_and_writes_with_csrf(users: dict[str, Any], household: Household) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["county_admin"])
    assert client.get(f"/api/households/{household.pk}").status_code == 200
    no_csrf = client.patch(
        f"/api/households/{household.pk}",
        data={"version": 1, "phone": "13900002222"},
        content_type="application/json",
    )
    assert_error(no_csrf, 403, "csrf_failed")
    assert Household.objects.get(pk=household.pk).version == 1

    client.get("/api/docs")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    with_csrf = client.patch(
        f"/api/households/{household.pk}",
        data={"version": 1, "phone": "13900002222"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert with_csrf.status_code == 200, with_csrf.content
    assert with_csrf.json()["version"] == 2


def test_anonymous_write_is_401_not_csrf(household: Household) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.patch(
        f"/api/households/{household.pk}", data={"version": 1}, content_type="application/json"
    )
    assert_error(response, 401, "not_authenticated")


def test_token_works_without_csrf(api: Any, household: Household) -> None:
    client = api("county_admin")
    client.handler.enforce_csrf_checks = True
    response = client.patch(
        f"/api/households/{household.pk}",
        data={"version": 1, "phone": "13900002222"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content

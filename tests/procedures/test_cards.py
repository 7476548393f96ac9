"""明白卡: the household's card and a village's document; what it shows and hides."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.registry.services import income_record_set
from tests import factories

pytestmark = pytest.mark.django_db


def test_household_card_and_village_document(
    client_for: Any, users: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    h = factories.household(
        members=[
            factories.member_data(name="张国强", health="serious"),
            factories.member_data(name="李秀英", sex="female", relation="spouse"),
        ],
        phone="13812345678",
    )
    income_record_set(
        actor=None, household_id=h.pk, year=2025, data={"wage": "9000", "household_size": 2}
    )
    from fupin.assistance import services as assistance

    unit = assistance.unit_save(
        actor=None, name="县交通运输局", kind="department", area_code="422822000000"
    )
    cadre = assistance.cadre_save(
        actor=None,
        unit_id=unit.pk,
        name="刘志远",
        area_code=factories.VILLAGE,
        phone="13700002222",
        post="副局长",
    )
    assistance.pairing_create(actor=None, cadre_id=cadre.pk, household_id=h.pk)
    assistance.measure_record(
        actor=None,
        household_id=h.pk,
        type_code="skills_training",
        delivered_on="2025-04-02",
        description="参加挖掘机技能培训",
        amount="1200",
    )
    others = [factories.household() for _ in range(4)]
    for o in others[:3]:
        assistance.pairing_create(actor=None, cadre_id=cadre.pk, household_id=o.pk)
    factories.household(area_code=factories.OTHER_TOWNSHIP_VILLAGE)
    secretary = client_for("village_secretary")
    card = secretary.get(f"/procedures/card/{h.pk}/").content.decode()
    for text in (
        "扶贫明白卡",
        "张国强",
        "李秀英",
        "一般贫困户",
        "因病",
        "4,500.00",
        "2025",
        "尚未评估",
        "刘志远（县交通运输局 副局长）",
        "137****2222",  # the cadre's phone, masked like everywhere for this role
        "职业技能培训：参加挖掘机技能培训",
    ):
        assert text in card, text
    head_id = h.members.get(relation="head").id_number
    assert "13700002222" not in card
    assert head_id not in card and "13812345678" not in card and "患有大病" not in card
    from fupin.audit.models import AuditEvent

    assert not AuditEvent.objects.filter(kind="pii_view").exists()
    # A role that sees personal data gets the phone in full, and the view is recorded.
    officer_card = client_for("township_officer").get(f"/procedures/card/{h.pk}/")
    assert "13700002222" in officer_card.content.decode()
    event = AuditEvent.objects.get(kind="pii_view", actor=users["township_officer"])
    assert (event.object_type, event.object_ids, event.fields) == ("cadre", [cadre.pk], ["phone"])
    with django_assert_max_num_queries(20):  # the same few queries for 5 or 500 households
        page = secretary.get(f"/procedures/cards/{factories.VILLAGE}/")
    html = page.content.decode()
    assert html.count('class="card-sheet"') == 5
    assert html.count("刘志远") == 4 and html.count("尚未结对") == 1
    assert all(o.number in html for o in others)
    assert (
        client_for("other_secretary").get(f"/procedures/cards/{factories.VILLAGE}/").status_code
        == 404
    )
    assert client_for("other_secretary").get(f"/procedures/card/{h.pk}/").status_code == 404

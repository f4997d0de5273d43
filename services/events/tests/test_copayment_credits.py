"""The co-payment breakdown after a credit (004 §4.3.7, §4.3.8): a credited event or interruption was wrong and
its days are recorded again, so the client is shown the corrected care's co-payment once, never the wrong one
beside it. Housing 2016: price 155.00 €/day, voucher value 140.00 €/day: the client pays 15.00 € a day."""

from __future__ import annotations

from .conftest import HOUSING_SERVICE, Harness, T
from .test_money_paths import _credit, _interruption, _record, _settle

URL = f"/v1/tenants/{T}/co-payments?service_id={HOUSING_SERVICE}&from=2016-02-01&to=2016-02-29&client_id=c-1"


async def test_a_credited_event_corrected_shows_only_the_corrected_co_payment(seeded: Harness) -> None:
    h = seeded
    wrong = await _record(h, "2016-02-01", "2016-02-10")  # 10 days: the client pays 150.00
    await _settle(h, "2016-02", [wrong["id"]])
    await _credit(h, wrong["id"], "Asiakas tuli vasta 3.2.")
    right = await _record(h, "2016-02-03", "2016-02-10")  # 8 days: 120.00
    assert right["amount_co_payment"] == "120.00"
    for who in (h.officer(), h.provider(), h.client_token("c-1")):
        body = (await h.client.get(URL, headers=who)).json()
        assert [(x["source_id"], x["start"], x["amount_co_payment"]) for x in body["lines"]] == [
            (right["id"], "2016-02-03", "120.00")
        ]
        assert (body["amount_tenant"], body["amount_co_payment"]) == ("1120.00", "120.00")
    html = await h.client.get(URL + "&format=html", headers=h.client_token("c-1"))
    assert "120,00\u00a0€" in html.text and "270,00\u00a0€" not in html.text


async def test_a_credited_interruption_recorded_again_as_presence_shows_its_co_payment_once(seeded: Harness) -> None:
    h = seeded
    away = await _interruption(h, "2016-02-05", "2016-02-09", "holiday")  # 5 days at 100 %: 75.00
    assert away["amount_co_payment"] == "75.00"
    await _settle(h, "2016-02", [], [away["id"]])
    credit = await h.client.post(
        f"/v1/tenants/{T}/interruptions/{away['id']}/credit", headers=h.officer(), json={"reason": "Ei lomalla"}
    )
    assert credit.status_code == 201, credit.text
    present = await _record(h, "2016-02-05", "2016-02-09")  # the client was there after all
    body = (await h.client.get(URL, headers=h.client_token("c-1"))).json()
    assert [(x["kind"], x["amount_co_payment"]) for x in body["lines"]] == [("event", "75.00")]
    assert body["amount_co_payment"] == "75.00" and present["amount_co_payment"] == "75.00"


async def test_a_credit_tells_settlement_the_co_payment_it_takes_back(seeded: Harness) -> None:
    h = seeded
    wrong = await _record(h, "2016-02-01", "2016-02-10")
    await _settle(h, "2016-02", [wrong["id"]])
    await _credit(h, wrong["id"])
    away = await _interruption(h, "2016-02-15", "2016-02-19", "holiday")
    await _settle(h, "2016-02", [], [away["id"]])
    credited = await h.client.post(
        f"/v1/tenants/{T}/interruptions/{away['id']}/credit", headers=h.officer(), json={"reason": "Ei lomalla"}
    )
    assert credited.status_code == 201, credited.text
    published = await h.published("events.credit.requested")
    assert [(c["kind"], c["amount"], c["amount_co_payment"]) for c in published] == [
        ("event", "-1400.00", "-150.00"),  # 10 days: 140.00 the tenant, 15.00 the client
        ("interruption", "-700.00", "-75.00"),
    ]

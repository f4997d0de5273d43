"""Client-pays contents are never paid (issue 16/8), and reports that name clients are reads of their
data that go to the clients' access log, kept by vouchers (issue 17/9)."""

from __future__ import annotations

from typing import Any

from .test_ledger import interruption

T = "kouvola"
P1 = "p-paivansade"
REPORT = f"/v1/tenants/{T}/reports/realisation"


async def test_an_interruption_of_a_client_pays_content_is_never_in_a_payment(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-care", "2016-03-01", "2016-03-10")  # 10 days x 90.00
    await h.event("e-rent", "2016-03-01", "2016-03-31", content_id="vuokra", share="0.00", price="20.00")
    rent_break = interruption(h, "i-rent", "2016-03-11", "2016-03-20",
                              [h.segment("2016-03-11", "2016-03-20", 10, "0.00", "20.00")])
    await h.publish("events.interruption.finalised", {**rent_break, "content_id": "vuokra"})
    run = await h.run("2016-03")
    assert run["total"] == "900.00"
    [payment] = run["payments"]
    assert [(ln["event_id"], ln["amount"]) for ln in payment["lines"]] == [("e-care", "900.00")]


async def test_reports_that_name_clients_are_published_for_their_access_log(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    await h.event("e-2", "2016-03-01", "2016-03-05", client_ref="A-1002")
    await h.publish("events.interruption.finalised",
                    interruption(h, "i-1", "2016-03-11", "2016-03-14", [h.segment("2016-03-11", "2016-03-14", 4)]))
    listing = await h.client.get(REPORT, params={"from": "2016-03", "to": "2016-03"}, headers=h.admin)
    assert listing.status_code == 200 and listing.json()["total"] == 2
    one = await h.client.get(REPORT, params={"from": "2016-03", "to": "2016-03", "client_ref": "A-1002",
                                             "format": "csv"}, headers={**h.admin, "x-purpose": "oikaisuvaatimus"})
    assert one.status_code == 200
    breaks = await h.client.get(f"/v1/tenants/{T}/reports/interruptions", params={"from": "2016-03", "to": "2016-03"},
                                headers=h.admin)
    assert breaks.status_code == 200
    empty = await h.client.get(REPORT, params={"from": "2015-01", "to": "2015-02"}, headers=h.admin)
    assert empty.json()["total"] == 0  # names nobody: nothing to log
    reads = await h.published("settlement.client_data.read")
    assert [([(c["provider_id"], c["client_ref"]) for c in r["clients"]], r["what"], r["why"]) for r in reads] == [
        ([(P1, "A-1001"), (P1, "A-1002")], "report.realisation", "report"),
        ([(P1, "A-1002")], "report.realisation.csv", "oikaisuvaatimus"),
        ([(P1, "A-1001")], "report.interruptions", "report"),
    ]
    assert {(r["actor_role"], r["actor_org"]) for r in reads} == {("tenant_admin", T)}
    assert all(r["at"].startswith("2016-03-15") for r in reads)

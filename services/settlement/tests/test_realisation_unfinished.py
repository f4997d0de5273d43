"""The settlement API's realisation report counts, of the unfinished units (004 §5), only those it knows: events
waiting for the tenant's approval. Drafts and unconfirmed auto-recordings never reach settlement, so the API names
its column for what it counts (`units_awaiting_approval`), in JSON and CSV alike; the portal's report, which adds
the drafts from the events service, is the one whose column says "unfinished" (Keskeneräiset / Oavslutade)."""

from __future__ import annotations

from typing import Any

from .conftest import P1, T


async def test_the_api_names_its_column_for_the_units_awaiting_approval_in_json_and_csv(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-ok", "2016-03-01", "2016-03-01")
    await h.event("e-late", "2016-03-02", "2016-03-03", status="awaiting_approval")
    params = {"from": "2016-03", "to": "2016-03"}
    report = await h.client.get(f"/v1/tenants/{T}/reports/realisation", params=params, headers=h.admin)
    assert report.status_code == 200, report.text
    [row] = report.json()["items"]
    assert row["units_awaiting_approval"] == "2" and "units_unfinished" not in row
    csv = await h.client.get(f"/v1/tenants/{T}/reports/realisation", params={**params, "format": "csv"},
                             headers=h.admin)
    assert csv.text.splitlines() == [
        "provider_id,client_ref,content_id,content_name,units_settled,amount_settled,co_payment,"
        "amount_unsettled,units_awaiting_approval",
        f"{P1},A-1001,hoito,Hoito ja hoiva,0,0.00,0.00,90.00,2",
    ]
    empty = await h.client.get(f"/v1/tenants/{T}/reports/realisation",
                               params={"from": "2015-01", "to": "2015-01", "format": "csv"}, headers=h.admin)
    assert empty.text.splitlines()[0].endswith(",amount_unsettled,units_awaiting_approval")
    documented = (await h.client.get("/openapi.json")).json()["components"]["schemas"]["RealisationRowOut"]
    assert "units_awaiting_approval" in documented["properties"] and "units_unfinished" not in documented["properties"]

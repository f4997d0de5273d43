"""A credited absence in the interruptions report: as the realisation report does, the report over the months the
credit is settled in nets the credit into the absence's amounts (what the tenant pays and the client's share); a
report of the absence's month alone, before the credit's month, still shows what that month paid. JSON and CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from .conftest import T
from .test_ledger import interruption
from .test_money_beside import _credit


async def _report(h: Any, start: str, end: str) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    params = {"from": start, "to": end}
    url = f"/v1/tenants/{T}/reports/interruptions"
    items = (await h.client.get(url, params=params, headers=h.admin)).json()["items"]
    text = (await h.client.get(url, params={**params, "format": "csv"}, headers=h.admin)).text
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    as_json = [(i["interruption_id"], i["amount_tenant"], i["amount_co_payment"]) for i in items]
    return as_json, [(r["interruption_id"], r["amount_tenant"], r["amount_co_payment"]) for r in rows]


async def test_a_credited_absence_shows_its_amount_net_of_the_credit_as_the_realisation_report_does(
        harness: Any) -> None:
    await _credited_absence_reported(harness)


async def test_the_embedded_sqlite_suite_reports_the_credited_absence_the_same(harness_factory: Any) -> None:
    async with harness_factory(sqlite=True) as h:
        await _credited_absence_reported(h)


async def _credited_absence_reported(h: Any) -> None:
    await h.seed()
    credited = interruption(h, "i-credited", "2016-03-02", "2016-03-05", [h.segment("2016-03-02", "2016-03-05", 4)])
    kept = interruption(h, "i-kept", "2016-03-20", "2016-03-21", [h.segment("2016-03-20", "2016-03-21", 2)])
    for stay in (credited, kept):
        await h.publish("events.interruption.finalised", {**stay, "revision": 1})
    assert (await h.run("2016-03"))["total"] == "540.00"  # 6 days × 90.00
    await h.publish("events.credit.requested", {**_credit("c-abs", "i-credited", "-360.00", "-40.00", "2016-04"),
                                                "kind": "interruption"})

    both = [("i-credited", "0.00", "0.00"), ("i-kept", "180.00", "20.00")]
    assert await _report(h, "2016-03", "2016-04") == (both, both)  # the credit open still: decided, not yet paid
    await h.event("e-april", "2016-04-01", "2016-04-15")  # 1350.00, less the credit
    assert (await h.run("2016-04"))["total"] == "990.00"
    assert await _report(h, "2016-03", "2016-04") == (both, both)
    realisation = await h.client.get(f"/v1/tenants/{T}/reports/realisation",
                                     params={"from": "2016-03", "to": "2016-04"}, headers=h.admin)
    # the two reports agree: 540.00 of absences less the 360.00 credited, and April's 1350.00 of care
    assert [i["amount_settled"] for i in realisation.json()["items"]] == ["1530.00"]
    # March alone: March paid the whole absence; its credit is April's
    march = [("i-credited", "360.00", "40.00"), ("i-kept", "180.00", "20.00")]
    assert await _report(h, "2016-03", "2016-03") == (march, march)

"""The demo company asked for its payment specification by email: the demo run's PDF went to it by mail, naming
Aino by her client number with her care. That disclosure is in Aino's access log, as the officer's API and Aino's
own page show it: the system sent it, to the company, in Finnish and in Swedish (Client Data Act 703/2023 §11)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx

from seteli.embedded import Suite

from .seed import OFFICER_PASSWORD, Seed
from .test_officer_clients import _api
from .test_resident_account import _client, _signed_in
from .test_swedish_pages import _swedish

EMAILED = "payment.specification.emailed"


async def _mailed_rows(officer: httpx.AsyncClient, data: Seed, client_id: str) -> list[dict[str, Any]]:
    for _ in range(100):  # rendered by settlement's worker, mailed by notifications, told to vouchers
        log = await officer.get(f"/vouchers/v1/tenants/{data.tenant_id}/clients/{client_id}/access-log",
                                params={"limit": 500})
        assert log.status_code == 200, log.text
        rows = [r for r in log.json()["items"] if r["what"] == EMAILED]
        if rows:
            return rows
        await asyncio.sleep(0.1)
    raise AssertionError("the mailed specification never reached the client's access log")


async def _page_with(portal: httpx.AsyncClient, text: str) -> str:
    """The resident's access-log page that shows `text` (her own look at the log adds no row: the pages stay put)."""
    for number in range(1, 100):
        page = await portal.get("/resident/access-log", params={"page": number})
        assert page.status_code == 200, page.text[-1500:]
        if text in page.text:
            return page.text
        if f"page={number + 1}" not in page.text:
            break
    raise AssertionError(f"{text!r} on no page of the resident's access log")


async def test_the_mailed_specification_is_in_the_clients_access_log_in_finnish_and_swedish(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    aino = await _client(officer, data, "Aino Asiakas")
    [row, *_] = await _mailed_rows(officer, data, aino["id"])
    assert (row["actor"], row["actor_name"], row["actor_role"], row["actor_org"], row["why"]) == (
        "system", "Seteli", "system", data.provider_id, "payment specification")

    signed_in = await _signed_in(portal, suite, data, aino["identity_code"])
    assert signed_in.status_code in (200, 303), signed_in.text[:500]
    company = "Hoivakoti Päivänsäde [0-9a-f]+ Oy"  # the demo's company, which received it, by name
    cells = r"<td>{}</td><td>" + company + "</td><td>{}</td><td>{}</td>"
    finnish = await _page_with(portal, "Maksuerittely lähetetty sähköpostilla")
    assert re.search(cells.format("Järjestelmä \\(automaattinen\\)", "Maksuerittely lähetetty sähköpostilla",
                                  "Maksuerittelyn toimitus palveluntuottajalle"), finnish), finnish[-3000:]
    assert EMAILED not in finnish and ">system<" not in finnish
    await _swedish(portal, "/resident/access-log")
    swedish = await _page_with(portal, "Betalningsspecifikationen skickad per e-post")
    assert re.search(cells.format("Systemet \\(automatiskt\\)", "Betalningsspecifikationen skickad per e-post",
                                  "Leverans av betalningsspecifikationen till serviceproducenten"), swedish), \
        swedish[-3000:]

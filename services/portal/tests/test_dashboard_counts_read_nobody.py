"""The officer's front page counts what waits (approvals, feedback to answer, correction requests): a number
shows no client, so opening the page writes no read in any client's access log."""

from __future__ import annotations

import httpx

from seteli.demo import _eventually, _ok
from seteli.embedded import Suite

from .conftest import login
from .seed import OFFICER_PASSWORD, Seed
from .service_calls import book_a_new_client, client_headers, officer_headers

SUITE = "http://suite"


async def test_the_officers_front_page_counts_feedback_without_reading_its_client(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed, suite: Suite) -> None:
    officer = await officer_headers(services, SUITE, data.officer_email, OFFICER_PASSWORD)
    booking = await book_a_new_client(services, data, data.service_id, "ET-714", "31", "month", "140.00", 7141)
    voucher = _ok(await services.get(f"{SUITE}/vouchers/v1/tenants/{data.tenant_id}/vouchers/{booking['voucher_id']}",
                                     headers=officer), "voucher")
    client_id = voucher["client_id"]
    # the newest feedback waiting for the company's reply: the first the feedback list names
    feedback = {"provider_id": data.provider_id, "kind": "criticism", "text": "Siivous jäi tekemättä.",
                "needs_reply": True}

    async def given() -> bool:  # once the events service has heard of the booking
        answer = await services.post(f"{SUITE}/events/v1/tenants/{data.tenant_id}/feedback", json=feedback,
                                     headers=client_headers(suite, data.tenant_id, client_id))
        assert answer.status_code in (201, 422), answer.text
        return answer.status_code == 201

    await _eventually("the client's feedback", given)

    await login(portal, data.officer_email, OFFICER_PASSWORD)
    front = await portal.get("/officer")
    assert front.status_code == 200, front.text[-2000:]
    assert "ET-714" not in front.text and "Siivous jäi tekemättä." not in front.text  # counted, not shown

    # the officer then reads the feedback itself, saying why: one read of this client, logged after the page's
    listed = _ok(await services.get(f"{SUITE}/events/v1/tenants/{data.tenant_id}/feedback", params={
        "awaiting_reply": "true", "limit": 500}, headers={**officer, "x-purpose": "palautteen seuranta"}), "feedback")
    assert any(f["text"] == "Siivous jäi tekemättä." for f in listed["items"]), listed

    async def feedback_reads() -> list[str]:
        log = _ok(await services.get(f"{SUITE}/vouchers/v1/tenants/{data.tenant_id}/clients/{client_id}/access-log",
                                     headers=officer, params={"limit": 500}), "access log")
        return [row["why"] for row in log["items"] if row["what"] == "feedback.list"]

    async def list_read_logged() -> bool:  # the events service's reads reach the log in the order made
        return "palautteen seuranta" in await feedback_reads()

    await _eventually("the feedback read logged", list_read_logged)
    assert await feedback_reads() == ["palautteen seuranta"]  # the list read, not the front page's count

"""The delivery log names no client: a notice to a company about its client (a booking ended, an event or an
interruption rejected) names the client by the company's client number, and the mail keeps it; the log that the
tenant admin and the platform admin read (subject, and the platform admin's full message) shows a mask instead,
since nothing there logs the read to the client's access log."""

from __future__ import annotations

from typing import Any

from seteli_common.auth import Role

from .conftest import Harness
from .test_messages import only, text

MASK = "•••"
REJECTED = {"event_id": "ev-1", "reason": "Yli myönnetyn", "provider_id": "p-fi", "client_ref": "K-5",
            "start": "2016-03-11", "end": "2016-03-11", "service_id": "kotihoito"}
ENDED = {"booking_id": "b-1", "voucher_id": "v-1", "provider_id": "p-sv", "ended_on": "2016-03-15",
         "reason": "death", "client_ref": "A 5/1", "service_id": "kotihoito", "producer_part": None}


async def _log(h: Harness, tenant_id: str) -> list[dict[str, Any]]:
    admin = h.token_for(Role.TENANT_ADMIN, tenant_id=tenant_id)
    page = await h.client.get(f"/v1/tenants/{tenant_id}/messages", headers=admin)
    assert page.status_code == 200, page.text
    return list(page.json()["items"])


async def test_the_tenant_admins_delivery_log_masks_the_client_a_notice_names(harness: Harness) -> None:
    h = harness
    await h.directory()
    await h.publish("events.event.rejected", REJECTED, tenant_id="kouvola")
    await h.publish("vouchers.booking.ended", ENDED, tenant_id="porvoo")  # a Swedish-speaking company
    await h.publish("settlement.payment.computed", {"payment_id": "pay-1", "run_id": "run-1", "month": "2016-02",
                                                    "provider_id": "p-fi", "amount": "10.00"}, tenant_id="kouvola")
    assert only(h, "info@paivansade.fi")["Subject"] == "Palvelutapahtumaa ei hyväksytty: K-5"  # the mail names it
    assert "asiakas K-5, 11.3.2016" in text(only(h, "info@paivansade.fi"))
    assert {i["kind"]: i["subject"] for i in await _log(h, "kouvola")} == {
        "event_rejected": f"Palvelutapahtumaa ei hyväksytty: {MASK}",
        "payment_computed": "Maksu laskettu: helmikuu 2016",  # names no client: as sent
    }
    [ended] = await _log(h, "porvoo")  # each tenant's admin sees its own messages only
    assert MASK in ended["subject"] and "A 5/1" not in ended["subject"]


async def test_the_platform_admin_reads_a_notice_without_the_client_it_names(harness: Harness) -> None:
    h = harness
    await h.directory()
    await h.publish("events.event.rejected", REJECTED, tenant_id="kouvola")
    await h.publish("vouchers.booking.ended", ENDED, tenant_id="porvoo")
    platform = h.token_for(Role.PLATFORM_ADMIN)
    listed = (await h.client.get("/v1/messages", headers=platform)).json()["items"]
    assert sorted(i["subject"] for i in listed) == sorted([f"Palvelutapahtumaa ei hyväksytty: {MASK}",
                                                           f"Servicebokningen upphör: {MASK}"])
    for item in listed:
        detail = (await h.client.get(f"/v1/messages/{item['id']}", headers=platform)).json()
        assert detail["subject"] == item["subject"]
        for body in (detail["body_text"], detail["body_html"]):
            assert MASK in body and "K-5" not in body and "A 5/1" not in body and "A 5&#x2F;1" not in body
    rejected = next(i for i in listed if i["kind"] == "event_rejected")
    detail = (await h.client.get(f"/v1/messages/{rejected['id']}", headers=platform)).json()
    assert f"asiakas {MASK}, 11.3.2016" in detail["body_text"]  # the rest of the notice as sent
    [row] = await h.db_message(kind="event_rejected")
    assert "K-5" in row["subject"] and "K-5" in row["body_text"]  # kept for sending: masked only where shown

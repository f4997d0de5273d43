"""A voucher used up by recorded care and open again when that care is deleted, as the provider notices it, over
the services' HTTP APIs (embedded suite, injected clock 15 December 2026 in Helsinki): the used-up close ends the
booking (the provider is emailed that it ends), the deletion gives the balance back, and the booking goes on in
vouchers, in events (the client is the provider's own again: its co-payment breakdown answers, care is recorded
again) and for the provider (emailed that it goes on)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from seteli.demo import random_test_identity_code

from .embedded_skeleton import skeleton_suite, until


async def test_a_booking_of_a_used_up_voucher_goes_on_everywhere_when_the_care_is_deleted(tmp_path: Path) -> None:
    async with skeleton_suite(tmp_path, seed=21) as suite:
        client, tenant, officer, provider = suite.client, suite.tenant, suite.officer, suite.provider
        vouchers, events = f"/vouchers/v1/tenants/{tenant}", f"/events/v1/tenants/{tenant}"
        [first] = (await client.get(f"{vouchers}/vouchers", headers=officer)).json()["items"]
        service_id = first["service_id"]
        content_id = (await client.get(f"{vouchers}/vouchers/{first['id']}", headers=officer)).json()[
            "contents"][0]["content_id"]
        person = await client.post(f"{vouchers}/clients", headers=officer, json={
            "first_name": "Bertta", "last_name": "Balanssi", "language": "fi",
            "identity_code": random_test_identity_code(random.Random(2121))})
        assert person.status_code == 201, person.text
        # a balance of 280.00 €: two days at the voucher's 140.00 € use it up
        granted = await client.post(f"{vouchers}/vouchers", headers=officer, json={
            "client_id": person.json()["id"], "service_id": service_id, "granted_on": "2026-12-01",
            "valid_from": "2026-12-01", "valid_until": "2026-12-31",
            "contents": [{"content_id": content_id, "granted_amount": "280.00", "period": "balance",
                          "voucher_value": "140.00"}]})
        assert granted.status_code == 201, granted.text
        voucher = granted.json()
        booked = await client.post(f"{vouchers}/bookings", headers=provider, json={
            "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
            "accept_terms": True, "client_number": "B-002"})
        assert booked.status_code == 201, booked.text
        booking = booked.json()
        breakdown = f"{events}/co-payments"
        asked = {"client_id": person.json()["id"], "service_id": service_id, "from": "2026-12-01",
                 "to": "2026-12-31"}

        care = await client.post(f"{events}/events", headers=provider, json={
            "booking_id": booking["id"], "start": "2026-12-01", "end": "2026-12-02", "status": "recorded"})
        assert care.status_code == 201, care.text
        assert care.json()["amount_tenant"] == "280.00"

        async def state(expected: str) -> Any:
            shown = (await client.get(f"{vouchers}/vouchers/{voucher['id']}", headers=officer)).json()
            mine = (await client.get(f"{vouchers}/bookings/{booking['id']}", headers=provider)).json()
            return (shown, mine) if (shown["state"], mine["state"]) == expected else None

        shown, mine = await until(lambda: state(("closed", "ended")))
        assert (shown["closed_reason"], mine["ended_on"]) == ("used_up", "2026-12-31")
        subjects = await until(lambda: _subjects(suite, "Palveluvaraus päättyy: •••"))
        assert "Palveluvaraus jatkuu: •••" not in subjects

        # the provider deletes the care (recorded by mistake): the voucher's balance comes back
        deleted = await client.delete(f"{events}/events/{care.json()['id']}", headers=provider)
        assert deleted.status_code == 204, deleted.text
        shown, mine = await until(lambda: state(("granted", "active")))
        assert (shown["closed_reason"], mine["ended_on"]) == (None, None)

        # events heard the booking goes on: its client is the provider's own (no care of it stands now)
        async def served() -> Any:
            answer = await client.get(breakdown, headers=provider, params=asked)
            return answer if answer.status_code == 200 else None

        assert (await until(served)).json()["client_id"] == person.json()["id"]
        again = await client.post(f"{events}/events", headers=provider, json={
            "booking_id": booking["id"], "start": "2026-12-01", "end": "2026-12-02", "status": "recorded"})
        assert again.status_code == 201, again.text
        await until(lambda: _subjects(suite, "Palveluvaraus jatkuu: •••"))


async def _subjects(suite: Any, wanted: str) -> list[str] | None:
    """The subjects of the tenant's mail, once `wanted` is among them (the log masks the client's number)."""
    answer = await suite.client.get(f"/notifications/v1/tenants/{suite.tenant}/messages", headers=suite.officer,
                                    params={"limit": 200})
    subjects = [m["subject"] for m in answer.json()["items"]]
    return subjects if wanted in subjects else None

"""A care event names a producer part of the booking's company, across the services' HTTP APIs (embedded suite,
clock 15 December 2026 in Helsinki). The company adds a site with its own account in the registry; the events
service hears of it and takes care recorded at the site on the company's booking, and settlement pays the
site's account. A mistyped site was taken before: settlement held its payment as "site not known" run after
run and the provider was never paid; now it is refused at once and nothing is stored. Vouchers are worth
140.00 € a day."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from .embedded_skeleton import skeleton_suite

DAY = Decimal("140.00")
SITE_IBAN = "FI5810171000000122"


async def test_care_at_a_real_site_is_paid_to_it_and_a_mistyped_site_is_refused(tmp_path: Path) -> None:
    async with skeleton_suite(tmp_path, seed=23) as suite:
        client, clock = suite.client, suite.clock
        tenant, officer, provider = suite.tenant, suite.officer, suite.provider
        [booking] = (await client.get(f"/vouchers/v1/tenants/{tenant}/bookings", headers=officer)).json()["items"]
        assert booking["producer_part"] is None  # booked at the company
        events_url = f"/events/v1/tenants/{tenant}/events"
        site = await client.post(f"/registry/v1/providers/{booking['provider_id']}/sites", headers=provider,
                                 json={"name": "Päivänsäde Kuusankoski",
                                       "notification_email": "kuusankoski@paivansade.fi",
                                       "billing": {"iban": SITE_IBAN, "bic": "NDEAFIHH", "reference": "1232"}})
        assert site.status_code == 201, site.text
        site_id = site.json()["id"]

        def december(part: str) -> dict[str, Any]:
            return {"booking_id": booking["id"], "start": "2026-12-01", "end": "2026-12-15", "producer_part": part}

        mistyped = await client.post(events_url, headers=provider, json=december(f"site:{uuid.uuid4()}"))
        assert mistyped.status_code == 422, mistyped.text
        assert mistyped.json()["code"] == "producer_part_not_known"
        assert [e["field"] for e in mistyped.json()["errors"]] == ["producer_part"]
        stored = await client.get(events_url, headers=provider, params={"from": "2026-12-01"})
        assert stored.json()["total"] == 0

        recorded = None
        for _ in range(150):  # until the registry's news of the site has reached the events service
            recorded = await client.post(events_url, headers=provider, json=december(f"site:{site_id}"))
            if recorded.status_code != 422:
                break
            assert recorded.json()["code"] == "producer_part_not_known", recorded.text
            await asyncio.sleep(0.2)
        assert recorded is not None and recorded.status_code == 201, recorded.text
        assert recorded.json()["producer_part"] == f"site:{site_id}"

        clock.set(datetime(2027, 1, 4, 8, 0, tzinfo=UTC))  # December has ended; the deadlines have passed
        run = await client.post(f"/settlement/v1/tenants/{tenant}/runs", headers=officer,
                                json={"month": "2026-12", "dry_run": False})
        assert run.status_code == 201, run.text
        paid = {p["site_id"]: Decimal(p["amount"]) for p in run.json()["payments"]}
        assert paid == {site_id: DAY * 15}  # 2100.00 to the site's own account, nothing held

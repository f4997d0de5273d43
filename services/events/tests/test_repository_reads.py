"""Reads combined into one round trip return what the separate reads return."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from seteli_events import repository as repo

from .conftest import HOME_CARE, HOUSING_SERVICE, OTHER_PROVIDER, PROVIDER, Harness, T


@pytest.mark.parametrize(("service_id", "provider_id"), [
    (HOUSING_SERVICE, PROVIDER),  # the service and its two price lists (2015, 2016)
    (HOME_CARE, PROVIDER),  # the service and one price list
    (HOUSING_SERVICE, OTHER_PROVIDER),  # the service, no price list of this provider
    ("no-such-service", PROVIDER),  # neither
])
async def test_service_and_price_lists_in_one_read_equal_the_two_reads(
    seeded: Harness, service_id: str, provider_id: str
) -> None:
    async with seeded.runtime.db.transaction(tenant_id=T) as session:
        service, lists = await repo.service_and_price_lists(session, T, service_id, provider_id)
        assert service == await repo.service_row(session, T, service_id)
        separate = await repo.service_price_lists(session, T, service_id, provider_id)
    assert sorted(lists, key=lambda r: r["id"]) == sorted(separate, key=lambda r: r["id"])
    assert (service is None) == (service_id == "no-such-service")
    assert bool(lists) == (provider_id == PROVIDER and service_id != "no-such-service")


async def test_content_events_and_interruptions_in_one_read_equal_the_two_reads(seeded: Harness) -> None:
    h = seeded

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await h.client.post(f"/v1/tenants/{T}/{path}", json=body, headers=h.provider())
        assert response.status_code == 201, response.text
        return dict(response.json())

    first = await post("events", {"booking_id": "b-housing", "start": "2015-07-01", "end": "2015-07-01"})
    await post("interruptions", {"booking_id": "b-housing", "start": "2015-07-02", "end": "2015-07-17",
                                 "reason": "hospital"})  # finalised: days and segments (JSON), amounts
    await post("events", {"booking_id": "b-housing", "start": "2015-07-17", "end": "2015-07-31"})
    await post("events", {"booking_id": "b-housing", "start": "2015-08-03", "end": "2015-08-04", "status": "draft"})
    deleted = await post("events", {"booking_id": "b-housing", "start": "2015-08-10", "end": "2015-08-10"})
    response = await h.client.delete(f"/v1/tenants/{T}/events/{deleted['id']}", headers=h.provider())
    assert response.status_code == 204, response.text
    await post("interruptions", {"booking_id": "b-housing", "start": "2015-09-01", "reason": "other"})  # open
    async with h.runtime.db.transaction(tenant_id=T) as session:
        booking = await repo.booking_context(session, T, "b-housing")
        assert booking is not None
        content = booking["voucher_content_id"]
        for exclude in (first["id"], "no-such-event"):
            events, interruptions = await repo.content_events_and_interruptions(session, T, content, exclude)
            assert events == await repo.content_events(session, T, content, exclude=exclude)
            assert interruptions == await repo.content_interruptions(session, T, content)
        assert len(events) == 3 and len(interruptions) == 2  # the deleted event is not there
        assert sorted(e["start"] for e in events) == [date(2015, 7, 1), date(2015, 7, 17), date(2015, 8, 3)]
        assert {i["end"] for i in interruptions} == {date(2015, 7, 17), None}
        assert all(isinstance(e["amount_tenant"], Decimal) for e in events)
        assert isinstance(interruptions[0]["days"], list)
        assert await repo.content_events_and_interruptions(session, T, "no-such-content", "x") == ([], [])

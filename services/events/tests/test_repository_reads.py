"""Reads combined into one round trip return what the separate reads return."""

from __future__ import annotations

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

"""Inside one tenant, a company reaches nothing of another company's clients and work, and a client nothing
of another client's: the sweep of test_tenant_isolation.py, with tenant A's ids in A's path, called by

- the main user and a user of company B, which tenant A has approved for the same service at a price (so a
  check of "an approved provider of this tenant" is not what answers; what must is "this company's own");
- a second client of A.

domain.md: a provider sees a client only with a booking or an event with it in the last three years, its own
applications, price lists, payments and people; a resident sees their own vouchers, co-payments and feedback.
A good answer is `rel_sweep.verdict`'s: 403, 404, or 200/204/422 naming none of the first company's or client's
private ids. `WITHIN_TENANT` lists the routes open to them on purpose. Nothing changes (an md5 of every row of
every table, before and after), except the look-up attempts vouchers counts against the company.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest
from rel_sweep import CROSS_TENANT, PROVIDERS, PUBLIC_IDS, OpenRoutes, sweep
from rel_tenants import TenantData, TwoTenants, quiet, table_digests, two_tenants_on
from seteli_common.auth import Role

from seteli.demo import random_test_identity_code

pytestmark = pytest.mark.integration

# The routes open inside a tenant, beside the public ones of CROSS_TENANT: (service, method, path) → (roles, why).
WITHIN_TENANT: OpenRoutes = {
    **CROSS_TENANT,
    # domain.md, booking by a provider: the provider enters the number the client gave it and sees the voucher
    # and the contents it may provide (unknown numbers count against it: no harvesting).
    ("vouchers", "GET", "/v1/tenants/{tenant_id}/vouchers/by-number/{number}"): (PROVIDERS, "booking by number"),
}
# A's values another company of the tenant may see: the service and its contents, the company's public card
# (catalog: name, business id, sites), its prices (price comparison) and the service's scheduled changes
# (every approved provider is told what changes).
VISIBLE_IN_TENANT = (*PUBLIC_IDS, "provider_id", "business_id", "site_id", "price_list_id", "change_id")


@pytest.fixture(scope="module")
async def world(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TwoTenants]:
    async with two_tenants_on(pg_admin_url, tmp_path_factory.mktemp("provider-isolation")) as running:
        yield running


async def _other_company_and_client_of_a(world: TwoTenants) -> TenantData:
    """Company B approved in tenant A for A's service with a price list, and a second client of A."""
    a, b, client = world.a, world.b, world.client
    a_admin, b_provider = world.token(Role.TENANT_ADMIN, a), world.token(Role.PROVIDER_ADMIN, b)
    base = f"/applications/v1/tenants/{a.tenant_id}/applications"
    made = await client.post(base, headers=b_provider, json={"service_id": a.ids["service_id"]})
    assert made.status_code == 201, made.text
    application = made.json()["id"]
    priced = await client.post(f"{base}/{application}/price-lists", headers=b_provider, json={
        "name": "Hinnasto", "start": "2020-01-01", "producer_part": None,
        "prices": [{"content_id": a.ids["content_id"], "unit_price": "149.00"}]})
    assert priced.status_code == 201, priced.text
    submitted = await client.post(f"{base}/{application}/submit", headers=b_provider,
                                  json={"accept_rulebook": True, "signature_assertion": "signed by the test"})
    assert submitted.status_code == 200, submitted.text
    decided = await client.post(f"{base}/{application}/decision", headers=a_admin, json={"decision": "approve"})
    assert decided.status_code == 200, decided.text
    second = await client.post(f"/vouchers/v1/tenants/{a.tenant_id}/clients", headers=a_admin, json={
        "first_name": "Bertta", "last_name": "Toinen", "identity_code": random_test_identity_code(random.Random(7)),
        "language": "sv"})
    assert second.status_code == 201, second.text
    await quiet(world.databases)
    return TenantData(a.tenant_id, b.demo, provider_id=b.provider_id, provider_user_id=b.provider_user_id,
                      tenant_admin_id=a.tenant_admin_id, client_id=second.json()["id"],
                      ids={"provider_id": b.provider_id, "application_id": application,
                           "price_list_id": str(priced.json()["id"]), "client_id": second.json()["id"]})


async def test_another_company_and_another_client_of_the_tenant_reach_nothing_of_theirs(world: TwoTenants) -> None:
    other = await _other_company_and_client_of_a(world)
    # Control: company B now works in A (its own application is its to read), and A's company reads its own.
    b_provider, a_provider = world.token(Role.PROVIDER_ADMIN, other), world.token(Role.PROVIDER_ADMIN, world.a)
    own = f"/applications/v1/tenants/{world.a.tenant_id}/applications/{other.ids['application_id']}"
    assert (await world.client.get(own, headers=b_provider)).status_code == 200
    booking = f"/vouchers/v1/tenants/{world.a.tenant_id}/bookings/{world.a.ids['booking_id']}"
    assert (await world.client.get(booking, headers=a_provider)).status_code == 200
    before = await table_digests(world.databases)

    statuses, failures = await sweep(world, world.token, other, world.a,
                                     roles=(Role.PROVIDER_ADMIN, Role.PROVIDER_USER, Role.CLIENT),
                                     open_routes=WITHIN_TENANT, public_ids=VISIBLE_IN_TENANT)

    await quiet(world.databases)
    after = await table_digests(world.databases)
    changed = sorted(t for t in before if before[t] != after.get(t) and t != "vouchers.lookup_attempts")
    print(f"\n[within a tenant] {sum(statuses.values())} calls: {dict(sorted(statuses.items()))}; changed: {changed}")
    assert not failures, "another company or client of the tenant reached theirs:\n" + "\n".join(failures)
    assert not changed, f"the calls changed {changed}"
    assert statuses[403] + statuses[404] > 200

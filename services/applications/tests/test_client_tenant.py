"""A resident reads the services of the one tenant their token names (to choose a provider); another tenant's
services are the public catalog's, without a token: with the token they are answered as a tenant that does
not exist, as to tenant staff of another tenant."""

from __future__ import annotations

from seteli_common.auth import Role

from .conftest import Api, Flow


async def test_a_client_reads_its_own_tenants_services_and_no_other_tenants(api: Api, flow: Flow) -> None:
    service = await flow.service()
    urls = ("/v1/tenants/kouvola/services", f"/v1/tenants/kouvola/services/{service['id']}")
    unknown = (await api.client.get("/v1/tenants/no-such-tenant/services", headers=api.lahti_officer)).json()
    own = api.token_for(Role.CLIENT, client_id="c-1", tenant_id="kouvola")
    for url in urls:
        assert (await api.client.get(url, headers=own)).status_code == 200, url
        assert (await api.client.get(url, headers=api.provider)).status_code == 200, url  # companies apply anywhere
        for stranger in (api.token_for(Role.CLIENT, client_id="c-1", tenant_id="lahti"), api.lahti_officer):
            answer = await api.client.get(url, headers=stranger)
            assert answer.status_code == 404 and answer.json()["title"] == unknown["title"], answer.text

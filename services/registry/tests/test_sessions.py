"""Ending sessions: logout whatever the access token's age, and revocations other services hear of."""

from __future__ import annotations

import time

from seteli_common.testing import bearer

from .conftest import MAIN, Registry


async def test_logout_with_an_expired_access_token_ends_the_session_by_its_refresh_token(registry: Registry) -> None:
    provider_id, _ = await registry.registered_provider()
    client = registry.client
    issuer = registry.runtime.extras["issuer"]
    issuer.clock = lambda: time.time() - 600  # the access token expired long ago, as at a usual logout
    tokens = (await client.post("/v1/auth/token", json={"email": MAIN["email"], "password": MAIN["password"]})).json()
    expired = bearer(tokens["access_token"])
    assert (await client.get(f"/v1/providers/{provider_id}", headers=expired)).status_code == 401
    out = await client.post("/v1/auth/logout", headers=expired, json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    again = await client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401
    # without a valid token or a refresh token nothing is ended, and the caller learns nothing
    assert (await client.post("/v1/auth/logout", headers=expired)).status_code == 401
    assert (await client.post("/v1/auth/logout", json={"refresh_token": "unknown"})).status_code == 204

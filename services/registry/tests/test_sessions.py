"""Ending sessions: logout whatever the access token's age, and revocations other services hear of."""

from __future__ import annotations

import time

import jwt
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


async def test_logout_and_passivation_publish_the_ended_sessions_for_every_service(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    client = registry.client
    created = await client.post(f"/v1/providers/{provider_id}/users", headers=main, json={
        "email": "hoitaja@paivansade.fi", "name": "Heikki Hoitaja", "password": "Alku-salasana-1"})
    assert created.status_code == 201, created.text
    assert (await client.post("/v1/auth/password", json={
        "email": "hoitaja@paivansade.fi", "current_password": "Alku-salasana-1",
        "new_password": "Uusi-salasana-22"})).status_code == 204
    user = await registry.login("hoitaja@paivansade.fi", "Uusi-salasana-22")
    sid = jwt.decode(user["authorization"].split()[1], options={"verify_signature": False})["sid"]
    passivated = await client.post(f"/v1/providers/{provider_id}/users/{created.json()['id']}/passivate", headers=main)
    assert passivated.status_code == 200
    [revoked] = [e for e in await registry.events("registry.session.revoked") if e["reason"] == "passivated"]
    assert revoked["session_ids"] == [sid] and revoked["user_id"] == created.json()["id"]
    assert revoked["_tenant_id"] is None and revoked["until"] > revoked["revoked_at"]
    main_sid = jwt.decode(main["authorization"].split()[1], options={"verify_signature": False})["sid"]
    assert (await client.post("/v1/auth/logout", headers=main)).status_code == 204
    [logout] = [e for e in await registry.events("registry.session.revoked") if e["reason"] == "logout"]
    assert logout["session_ids"] == [main_sid]

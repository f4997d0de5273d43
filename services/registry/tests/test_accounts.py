"""Accounts through the HTTP API on PostgreSQL: confirmation link, refresh and logout, lock-out and
unlock, password reset, provider users (first-login change, passivation, service teams), the policy."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
from seteli_common.testing import bearer
from sqlalchemy import select, update

from .conftest import MAIN, OTHER_TENANT, PROVIDER, Registry, token_of


async def test_self_registration_needs_the_confirmation_link_within_24_hours(registry: Registry) -> None:
    client = registry.client
    response = await client.post("/v1/providers", json=PROVIDER)
    assert response.status_code == 201 and response.json()["status"] == "unconfirmed"
    early = await client.post("/v1/auth/token", json={"email": MAIN["email"], "password": MAIN["password"]})
    assert early.status_code == 401 and "Confirm" in early.json()["detail"]
    assert early.json()["reason"] == "email_not_confirmed"
    [requested] = await registry.events("registry.registration.confirmation_requested")
    assert requested["email"] == MAIN["email"] and requested["language"] == "fi"
    assert requested["link"].startswith("https://seteli.kouvola.fi/confirm-registration?token=")
    assert requested["expires_at"].startswith("2016-03-16T10:00")
    assert await registry.events("registry.provider.registered") == []  # not before confirmation

    registry.clock.advance(timedelta(hours=24, seconds=1))
    late = await client.post("/v1/auth/confirm-registration", json={"token": token_of(requested["link"])})
    assert late.status_code == 422
    assert late.json()["errors"] == [{"field": "token", "reason": "the link has expired"}]
    assert (await client.post("/v1/auth/token", json={"email": MAIN["email"],
                                                      "password": MAIN["password"]})).status_code == 401


async def test_confirmed_link_lets_the_main_user_in_and_is_single_use(registry: Registry) -> None:
    client = registry.client
    await client.post("/v1/providers", json=PROVIDER)
    link = (await registry.events("registry.registration.confirmation_requested"))[0]["link"]
    registry.clock.advance(timedelta(hours=23))
    ok = await client.post("/v1/auth/confirm-registration", json={"token": token_of(link)})
    assert ok.status_code == 200
    again = await client.post("/v1/auth/confirm-registration", json={"token": token_of(link)})
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "token"
    await registry.login(MAIN["email"], MAIN["password"])
    [registered] = await registry.events("registry.provider.registered")
    assert registered["business_id"] == "7019376-8" and registered["billing"]["reference"] == "1234561"
    [created] = [e for e in await registry.events("registry.user.created") if e["role"] == "provider_admin"]
    assert created["provider_id"] == registered["provider_id"] and created["email"] == MAIN["email"]


async def test_platform_admin_registration_skips_confirmation(registry: Registry) -> None:
    response = await registry.client.post("/v1/providers", json=PROVIDER, headers=await registry.admin())
    assert response.status_code == 201 and response.json()["status"] == "registered"
    await registry.login(MAIN["email"], MAIN["password"])


async def test_refresh_token_rotates_and_logout_ends_the_session(registry: Registry) -> None:
    await registry.registered_provider()
    client = registry.client
    tokens = (await client.post("/v1/auth/token", json={"email": MAIN["email"], "password": MAIN["password"]})).json()
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["role"] == "provider_admin" and claims["provider"] and claims["sid"]
    refreshed = await client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    reused = await client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert reused.status_code == 401
    new = refreshed.json()
    headers = bearer(new["access_token"])
    assert (await client.post("/v1/auth/logout", headers=headers)).status_code == 204
    assert (await client.get(f"/v1/providers/{claims['provider']}", headers=headers)).status_code == 401
    assert (await client.post("/v1/auth/refresh", json={"refresh_token": new["refresh_token"]})).status_code == 401


async def _fail(registry: Registry, email: str, times: int) -> None:
    for _ in range(times):
        response = await registry.client.post("/v1/auth/token", json={"email": email, "password": "Vaara-sana-9"})
        assert response.status_code == 401


async def _user(registry: Registry, provider_id: str, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    body = {"email": "hoitaja@paivansade.fi", "name": "Heikki Hoitaja", "password": "Alku-salasana-1",
            "role": "provider_user", **extra}
    response = await registry.client.post(f"/v1/providers/{provider_id}/users", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _change(registry: Registry, email: str, current: str, new: str) -> int:
    response = await registry.client.post("/v1/auth/password", json={
        "email": email, "current_password": current, "new_password": new})
    return response.status_code


async def test_lock_ends_sessions_and_main_user_unlocks_at_once(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    user = await _user(registry, provider_id, main)
    assert await _change(registry, user["email"], "Alku-salasana-1", "Oma-salasana-22") == 204
    tokens = (await registry.client.post("/v1/auth/token", json={
        "email": user["email"], "password": "Oma-salasana-22"})).json()
    await _fail(registry, user["email"], 4)
    assert (await registry.client.post("/v1/auth/refresh", json={
        "refresh_token": tokens["refresh_token"]})).status_code == 200  # four failures: not locked yet
    tokens = (await registry.client.post("/v1/auth/token", json={
        "email": user["email"], "password": "Oma-salasana-22"})).json()
    await _fail(registry, user["email"], 5)
    assert (await registry.client.post("/v1/auth/refresh", json={
        "refresh_token": tokens["refresh_token"]})).status_code == 401  # the lock ended the session
    # another company's main user cannot unlock; the own main user can, at once
    _, stranger = await registry.registered_provider({
        **PROVIDER, "business_id": "2077474-0", "email": "info@toinen.fi",
        "main_user": {**MAIN, "email": "paa@toinen.fi"}})
    assert (await registry.client.post(f"/v1/users/{user['id']}/unlock", headers=stranger)).status_code == 404
    unlocked = await registry.client.post(f"/v1/users/{user['id']}/unlock", headers=main)
    assert unlocked.status_code == 200 and unlocked.json()["locked_until"] is None
    await registry.login(user["email"], "Oma-salasana-22")
    outcomes = await _login_log(registry, user["id"])
    assert outcomes.count("locked") == 1 and "unlocked" in outcomes and outcomes[-1] == "success"


async def _login_log(registry: Registry, user_id: str) -> list[str]:
    table = registry.runtime.table("login_log")
    async with registry.runtime.db.transaction() as session:
        rows = (await session.execute(select(table).where(table.c.user_id == user_id).order_by(table.c.id))).all()
    for row in rows:
        assert "salasana" not in row.detail.lower()  # no passwords in the log
    return [row.outcome for row in rows]


async def test_lock_expires_after_a_while(registry: Registry) -> None:
    await registry.registered_provider()
    await _fail(registry, MAIN["email"], 5)
    registry.clock.advance(timedelta(minutes=31))
    await registry.login(MAIN["email"], MAIN["password"])


async def test_after_a_lock_runs_out_the_user_again_has_five_tries(registry: Registry) -> None:
    """The 401 says "after 5 wrong tries the account is locked for 30 minutes": once the lock has run out,
    a mistyped password is the first of five again, not a new 30-minute lock at once."""
    await registry.registered_provider()
    await _fail(registry, MAIN["email"], 4)
    await registry.login(MAIN["email"], MAIN["password"])  # not locked after four; the count starts again
    await _fail(registry, MAIN["email"], 5)
    assert await _locked_out(registry, MAIN["email"], MAIN["password"])  # the fifth locked it
    registry.clock.advance(timedelta(minutes=31))
    await _fail(registry, MAIN["email"], 4)
    await registry.login(MAIN["email"], MAIN["password"])
    await _fail(registry, MAIN["email"], 5)
    assert await _locked_out(registry, MAIN["email"], MAIN["password"])


async def test_password_reset_link_is_single_use_and_expires(registry: Registry) -> None:
    await registry.registered_provider()
    client = registry.client
    unknown = await client.post("/v1/auth/password-reset", json={"email": "ei-ole@paivansade.fi"})
    assert unknown.status_code == 202  # same answer: the endpoint does not reveal accounts
    assert (await client.post("/v1/auth/password-reset", json={"email": MAIN["email"]})).status_code == 202
    [requested] = await registry.events("registry.password_reset.requested")
    assert requested["email"] == MAIN["email"] and requested["expires_at"].startswith("2016-03-15T11:00")
    secret = token_of(requested["link"])
    weak = await client.post("/v1/auth/password-reset/complete", json={"token": secret, "new_password": "lyhyt"})
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "new_password"
    done = await client.post("/v1/auth/password-reset/complete", json={"token": secret,
                                                                       "new_password": "Uusi-salasana-2"})
    assert done.status_code == 204
    assert (await client.post("/v1/auth/password-reset/complete", json={
        "token": secret, "new_password": "Kolmas-salasana-3"})).status_code == 422
    await registry.login(MAIN["email"], "Uusi-salasana-2")
    # a second link expires after an hour
    await client.post("/v1/auth/password-reset", json={"email": MAIN["email"]})
    second = (await registry.events("registry.password_reset.requested"))[-1]
    registry.clock.advance(timedelta(minutes=61))
    late = await client.post("/v1/auth/password-reset/complete", json={
        "token": token_of(second["link"]), "new_password": "Kolmas-salasana-3"})
    assert late.status_code == 422 and late.json()["errors"][0]["reason"] == "the link has expired"


async def test_new_user_changes_initial_password_and_passivated_user_is_out(registry: Registry) -> None:
    provider_id, main = await registry.registered_provider()
    user = await _user(registry, provider_id, main, teams=[{"tenant_id": "kouvola", "service_id": "kotihoito"}])
    first = await registry.client.post("/v1/auth/token", json={"email": user["email"], "password": "Alku-salasana-1"})
    assert first.status_code == 403 and first.json()["password_change_required"] is True
    assert await _change(registry, user["email"], "Alku-salasana-1", "Alku-salasana-1") == 422
    assert await _change(registry, user["email"], "Alku-salasana-1", "Oma-salasana-22") == 204
    tokens = (await registry.client.post("/v1/auth/token", json={
        "email": user["email"], "password": "Oma-salasana-22"})).json()
    assert jwt.decode(tokens["access_token"], options={"verify_signature": False})["teams"] == ["kouvola:kotihoito"]
    # teams changed by the main user reach the token at the next refresh
    teams = await registry.client.put(f"/v1/providers/{provider_id}/users/{user['id']}/teams", headers=main,
                                      json={"teams": [{"tenant_id": "lahti", "service_id": "siivous"}]})
    assert teams.status_code == 200
    tokens = (await registry.client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})).json()
    assert jwt.decode(tokens["access_token"], options={"verify_signature": False})["teams"] == ["lahti:siivous"]

    passivated = await registry.client.post(f"/v1/providers/{provider_id}/users/{user['id']}/passivate",
                                            headers=main)
    assert passivated.status_code == 200 and passivated.json()["status"] == "passive"
    assert (await registry.client.post("/v1/auth/token", json={
        "email": user["email"], "password": "Oma-salasana-22"})).status_code == 401
    assert (await registry.client.post("/v1/auth/refresh", json={
        "refresh_token": tokens["refresh_token"]})).status_code == 401
    listed = (await registry.client.get(f"/v1/providers/{provider_id}/users", headers=main)).json()
    assert listed["total"] == 2 and {u["status"] for u in listed["items"]} == {"active", "passive"}
    assert [e["user_id"] for e in await registry.events("registry.user.passivated")] == [user["id"]]
    # a provider user cannot create users
    worker = await registry.client.post(f"/v1/providers/{provider_id}/users", headers=main, json={
        "email": "toinen@paivansade.fi", "name": "T", "password": "Alku-salasana-1"})
    assert worker.status_code == 201


async def test_a_reset_link_mailed_before_passivation_no_longer_sets_the_password(registry: Registry) -> None:
    """A passivated user's tokens die with the passivation: the sessions, and a reset link already mailed."""
    provider_id, main = await registry.registered_provider()
    user = await _user(registry, provider_id, main)
    assert (await registry.client.post("/v1/auth/password-reset", json={"email": user["email"]})).status_code == 202
    [requested] = await registry.events("registry.password_reset.requested")
    passivated = await registry.client.post(f"/v1/providers/{provider_id}/users/{user['id']}/passivate",
                                            headers=main)
    assert passivated.status_code == 200
    late = await registry.client.post("/v1/auth/password-reset/complete", json={
        "token": token_of(requested["link"]), "new_password": "Uusi-salasana-2"})
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "token"
    assert await _change(registry, user["email"], "Alku-salasana-1", "Kolmas-salasana-3") == 401
    outcomes = await _login_log(registry, user["id"])
    assert "reset" not in outcomes


async def test_password_policy_refuses_short_and_common_passwords(registry: Registry) -> None:
    for password, reason in (("Lyhyt1", "password must be at least 8 characters"),
                             ("salasana123", "password is too common")):
        response = await registry.client.post("/v1/providers", json={
            **PROVIDER, "main_user": {**MAIN, "password": password}})
        assert response.status_code == 422
        assert {"field": "main_user.password", "reason": reason} in response.json()["errors"]
    assert await registry.events("registry.registration.confirmation_requested") == []


async def test_the_seeds_stricter_policy_can_be_switched_on(settings_factory: Any, clock: Any) -> None:
    from seteli_common.messaging.memory import InMemoryBroker
    from seteli_common.testing import running_app
    from seteli_registry.bootstrap import build_app, build_runtime

    settings = settings_factory(password_require_character_classes=True, password_max_age_days=30)
    app = build_app(build_runtime(settings, broker=InMemoryBroker(), clock=clock))
    async with running_app(app) as client:
        weak = await client.post("/v1/providers", json={**PROVIDER, "main_user": {**MAIN, "password": "kissakala"}})
        reasons = {e["reason"] for e in weak.json()["errors"]}
        assert {"password must contain a digit", "password must contain an upper-case letter"} <= reasons
        admin = (await client.post("/v1/auth/token", json={"email": "admin@seteli.fi",
                                                           "password": "Admin-pass-123"})).json()
        assert (await client.post("/v1/providers", json=PROVIDER,
                                  headers=bearer(admin["access_token"]))).status_code == 201
        clock.advance(timedelta(days=31))
        expired = await client.post("/v1/auth/token", json={"email": MAIN["email"], "password": MAIN["password"]})
        assert expired.status_code == 403 and expired.json()["password_change_required"] is True
        changed = await client.post("/v1/auth/password", json={
            "email": MAIN["email"], "current_password": MAIN["password"], "new_password": "Uusi-salasana-2"})
        assert changed.status_code == 204
        assert (await client.post("/v1/auth/token", json={"email": MAIN["email"],
                                                           "password": "Uusi-salasana-2"})).status_code == 200


async def test_a_session_does_not_outlive_the_password_s_expiry(settings_factory: Any, clock: Any) -> None:
    """With the seed's 30-day expiry on, a session begun on the 30th day is not carried past the expiry by
    refreshing it: the next refresh ends it, and the user changes the password at the next login."""
    from seteli_common.messaging.memory import InMemoryBroker
    from seteli_common.testing import running_app
    from seteli_registry.bootstrap import build_app, build_runtime

    settings = settings_factory(password_max_age_days=30)
    app = build_app(build_runtime(settings, broker=InMemoryBroker(), clock=clock))
    async with running_app(app) as client:
        admin = (await client.post("/v1/auth/token", json={"email": "admin@seteli.fi",
                                                           "password": "Admin-pass-123"})).json()
        assert (await client.post("/v1/providers", json=PROVIDER,
                                  headers=bearer(admin["access_token"]))).status_code == 201
        clock.advance(timedelta(days=30) - timedelta(hours=1))
        tokens = (await client.post("/v1/auth/token", json={"email": MAIN["email"],
                                                            "password": MAIN["password"]})).json()
        clock.advance(timedelta(minutes=50))
        refreshed = await client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert refreshed.status_code == 200  # not expired yet
        clock.advance(timedelta(minutes=20))  # 30 days and 10 minutes since the password was set
        late = await client.post("/v1/auth/refresh", json={"refresh_token": refreshed.json()["refresh_token"]})
        assert late.status_code == 401
        again = await client.post("/v1/auth/token", json={"email": MAIN["email"], "password": MAIN["password"]})
        assert again.status_code == 403 and again.json()["password_change_required"] is True


async def test_an_unconfirmed_registration_expires_and_the_company_can_register_again(registry: Registry) -> None:
    client = registry.client
    await client.post("/v1/providers", json={**PROVIDER, "main_user": {**MAIN, "email": "vaara@paivansade.fi"}})
    assert (await client.post("/v1/providers", json=PROVIDER)).status_code == 409  # the link is still valid
    registry.clock.advance(timedelta(hours=25))
    provider_id, headers = await registry.registered_provider()
    assert (await client.get(f"/v1/providers/{provider_id}", headers=headers)).status_code == 200
    admin = await registry.admin()
    listed = (await client.get("/v1/providers", params={"status": "registered"}, headers=admin)).json()
    assert [p["id"] for p in listed["items"]] == [provider_id] and listed["total"] == 1
    stale = await client.post("/v1/auth/token", json={"email": "vaara@paivansade.fi", "password": MAIN["password"]})
    assert stale.status_code == 401


async def test_an_address_whose_registration_expired_unconfirmed_can_register_another_company(
        registry: Registry) -> None:
    """The person let the first link (company A) lapse and registers another company with the same address:
    the confirmation mail is sent, not silently withheld as if the address had an account (it has none that
    anyone can sign in with or reset)."""
    client = registry.client
    assert (await client.post("/v1/providers", json=PROVIDER)).status_code == 201
    registry.clock.advance(timedelta(hours=24, minutes=1))
    other = {**PROVIDER, "business_id": "2077474-0", "name": "Kotipalvelu Toinen Oy", "email": "info@toinen.fi"}
    response = await client.post("/v1/providers", json=other)
    assert response.status_code == 201
    requested = await registry.events("registry.registration.confirmation_requested")
    assert len(requested) == 2 and requested[-1]["email"] == MAIN["email"]
    confirmed = await client.post("/v1/auth/confirm-registration", json={"token": token_of(requested[-1]["link"])})
    assert confirmed.status_code == 200 and confirmed.json()["provider_id"] == response.json()["id"]
    headers = await registry.login(MAIN["email"], MAIN["password"])
    assert (await client.get(f"/v1/providers/{response.json()['id']}", headers=headers)).status_code == 200
    # the lapsed company A is gone: it may register again later
    assert (await client.post("/v1/providers", json={**PROVIDER, "main_user": {
        **MAIN, "email": "uusi@paivansade.fi"}})).status_code == 201


async def _locked_out(registry: Registry, email: str, password: str) -> bool:
    response = await registry.client.post("/v1/auth/token", json={"email": email, "password": password})
    return response.status_code == 401 and "locked" in response.json()["detail"]


async def test_tenant_admin_unlocks_users_of_companies_the_tenant_works_with(registry: Registry) -> None:
    """Issue 17, item 7: a tenant admin unlocks its own staff and the users of a company the tenant
    works with; any other user is 404 and its record is not read back."""
    provider_id, _ = await registry.registered_provider()
    kouvola = await registry.tenant_with_admin()
    lahti = await registry.tenant_with_admin(OTHER_TENANT)
    from .test_provider_visibility import _publish  # the company applies to Kouvola: Kouvola works with it

    await _publish(registry, "applications.application.submitted", {
        "application_id": "app-1", "service_id": "kotihoito", "provider_id": provider_id}, tenant_id="kouvola")
    await _fail(registry, MAIN["email"], 5)
    users = await registry.client.get(f"/v1/providers/{provider_id}/users", headers=kouvola)
    assert users.status_code == 403  # the company's user list is the main user's
    async with registry.runtime.db.transaction() as session:
        from seteli_registry import repository
        user = await repository.user_by_email(session, MAIN["email"])
    assert user is not None

    # Kouvola's admin finds the locked user in its list; Lahti's list does not show it
    listed = await registry.client.get("/v1/tenants/kouvola/locked-provider-users", headers=kouvola)
    assert listed.status_code == 200 and [u["email"] for u in listed.json()["items"]] == [MAIN["email"]]
    assert listed.json()["items"][0]["provider_name"] and listed.json()["items"][0]["locked_until"]
    elsewhere = await registry.client.get("/v1/tenants/lahti/locked-provider-users", headers=lahti)
    assert elsewhere.status_code == 200 and elsewhere.json()["items"] == []
    assert (await registry.client.get("/v1/tenants/kouvola/locked-provider-users",
                                      headers=lahti)).status_code in (403, 404)

    # Lahti has nothing to do with the company (Kouvola approved it): not Lahti's to unlock or to read
    refused = await registry.client.post(f"/v1/users/{user['id']}/unlock", headers=lahti)
    assert refused.status_code == 404 and MAIN["email"] not in refused.text
    assert await _locked_out(registry, MAIN["email"], MAIN["password"])
    unlocked = await registry.client.post(f"/v1/users/{user['id']}/unlock", headers=kouvola)
    assert unlocked.status_code == 200 and unlocked.json()["email"] == MAIN["email"]
    await registry.login(MAIN["email"], MAIN["password"])
    after = await registry.client.get("/v1/tenants/kouvola/locked-provider-users", headers=kouvola)
    assert after.json()["items"] == []

    # a tenant's own staff: its own admin unlocks them, another tenant's admin gets 404
    created = await registry.client.post("/v1/tenants/lahti/users", headers=await registry.admin(), json={
        "email": "virkailija@lahti.fi", "name": "Virkailija", "password": "Tenant-pass-12",
        "role": "tenant_officer"})
    assert created.status_code == 201, created.text
    await _fail(registry, "virkailija@lahti.fi", 5)
    officer_id = created.json()["id"]
    assert (await registry.client.post(f"/v1/users/{officer_id}/unlock", headers=kouvola)).status_code == 404
    assert await _locked_out(registry, "virkailija@lahti.fi", "Tenant-pass-12")
    assert (await registry.client.post(f"/v1/users/{officer_id}/unlock", headers=lahti)).status_code == 200
    await registry.login("virkailija@lahti.fi", "Tenant-pass-12")


async def test_password_change_is_no_way_around_the_lock_out(registry: Registry) -> None:
    await registry.registered_provider()
    for _ in range(5):
        assert await _change(registry, MAIN["email"], "Arvaus-sana-99", "Uusi-salasana-2") == 401
    assert await _change(registry, MAIN["email"], MAIN["password"], "Uusi-salasana-2") == 401  # locked now
    response = await registry.client.post("/v1/auth/token", json={"email": MAIN["email"], "password": MAIN["password"]})
    assert response.status_code == 401 and "locked" in response.json()["detail"]


async def test_a_failed_login_says_the_same_whoever_the_address_belongs_to(registry: Registry) -> None:
    from argon2 import PasswordHasher
    from seteli_registry import service

    class CountingHasher(PasswordHasher):  # the real hasher; it only counts how often a hash is checked
        verified = 0

        def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002
            CountingHasher.verified += 1
            return super().verify(hash, password)

    provider_id, main = await registry.registered_provider()
    passive = await _user(registry, provider_id, main)
    await registry.client.post(f"/v1/providers/{provider_id}/users/{passive['id']}/passivate", headers=main)
    locked = await _user(registry, provider_id, main, email="lukossa@paivansade.fi")
    await _fail(registry, locked["email"], 5)
    original = service._hasher[0]
    service._hasher[0] = CountingHasher(time_cost=original.time_cost, memory_cost=original.memory_cost)
    try:
        answers = {}
        for case, email, password in (("unknown", "ei-tilia@paivansade.fi", "Arvaus-sana-99"),
                                      ("wrong password", MAIN["email"], "Arvaus-sana-99"),
                                      ("locked, right password", locked["email"], "Alku-salasana-1"),
                                      ("passive", passive["email"], "Alku-salasana-1")):
            before = CountingHasher.verified
            response = await registry.client.post("/v1/auth/token", json={"email": email, "password": password})
            assert CountingHasher.verified == before + 1, f"{case}: a hash is checked, so it takes as long"
            answers[case] = (response.status_code, response.json()["detail"])
    finally:
        service._hasher[0] = original
    assert len(set(answers.values())) == 1, answers
    assert answers["unknown"][0] == 401 and "locked" in answers["unknown"][1]


async def test_reset_mails_to_one_address_stop_after_three_an_hour(registry: Registry) -> None:
    await registry.registered_provider()
    for _ in range(5):
        answer = await registry.client.post("/v1/auth/password-reset", json={"email": MAIN["email"]})
        assert answer.status_code == 202  # the same answer: the caller can't tell
    assert len(await registry.events("registry.password_reset.requested")) == 3
    registry.clock.advance(timedelta(minutes=61))
    await registry.client.post("/v1/auth/password-reset", json={"email": MAIN["email"]})
    assert len(await registry.events("registry.password_reset.requested")) == 4


async def test_a_completed_reset_ends_every_other_reset_link(registry: Registry) -> None:
    await registry.registered_provider()
    client = registry.client
    for _ in range(2):
        assert (await client.post("/v1/auth/password-reset", json={"email": MAIN["email"]})).status_code == 202
    first, second = await registry.events("registry.password_reset.requested")
    done = await client.post("/v1/auth/password-reset/complete", json={
        "token": token_of(second["link"]), "new_password": "Uusi-salasana-2"})
    assert done.status_code == 204
    stale = await client.post("/v1/auth/password-reset/complete", json={
        "token": token_of(first["link"]), "new_password": "Kolmas-salasana-3"})
    assert stale.status_code == 422 and stale.json()["errors"][0]["field"] == "token"
    await registry.login(MAIN["email"], "Uusi-salasana-2")


async def test_a_sent_reset_link_is_not_kept_readable_in_the_outbox(registry: Registry) -> None:
    from seteli_common.messaging.envelope import REMOVED_AFTER_SENDING

    await registry.registered_provider()
    await registry.client.post("/v1/auth/password-reset", json={"email": MAIN["email"]})
    [mailed] = await registry.events("registry.password_reset.requested")  # published: the mail gets the link
    assert "token=" in mailed["link"]
    [kept] = await registry.outbox_payloads("registry.password_reset.requested")
    assert kept["link"] == REMOVED_AFTER_SENDING and kept["email"] == MAIN["email"]
    # and the relay's schedule deletes sent rows after their retention
    assert await registry.runtime.relay.purge_sent(timedelta(seconds=0)) >= 1
    assert await registry.outbox_payloads("registry.password_reset.requested") == []


async def test_registering_with_an_address_that_has_an_account_answers_like_a_new_one(registry: Registry) -> None:
    await registry.registered_provider()  # MAIN["email"] has an account now
    taken = {**PROVIDER, "business_id": "2077474-0", "email": "info@toinen.fi",
             "main_user": {**MAIN, "name": "Joku Muu"}}
    fresh = {**PROVIDER, "business_id": "0112038-9", "email": "info@kolmas.fi",
             "main_user": {**MAIN, "email": "uusi@kolmas.fi", "name": "Joku Muu"}}
    answers = []
    for body in (taken, fresh):
        response = await registry.client.post("/v1/providers", json=body)
        answers.append(response)
    assert [a.status_code for a in answers] == [201, 201]
    shape = [{k: v for k, v in a.json().items() if k not in ("id", "created_at", "sites", "business_id", "email")}
             for a in answers]
    assert shape[0] == {**shape[1]}  # nothing in the answer tells the two apart
    # but only the new address got a company and a confirmation link
    assert [e["email"] for e in await registry.events("registry.registration.confirmation_requested")] == [
        MAIN["email"], "uusi@kolmas.fi"]
    admin = await registry.admin()
    assert (await registry.client.get(f"/v1/providers/{answers[0].json()['id']}", headers=admin)).status_code == 404


async def test_a_session_another_registry_replica_ended_is_refused_here_at_once(registry: Registry) -> None:
    await registry.registered_provider()
    tokens = (await registry.client.post("/v1/auth/token", json=MAIN)).json()
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    headers, card = bearer(tokens["access_token"]), f"/v1/providers/{claims['provider']}"
    assert (await registry.client.get(card, headers=headers)).status_code == 200
    # another replica logs the session out: its row says so, this process never heard of it
    sessions = registry.runtime.table("user_sessions")
    async with registry.runtime.db.system_transaction() as session:
        await session.execute(update(sessions).where(sessions.c.id == claims["sid"])
                              .values(revoked_at=registry.clock.now()))
    assert (await registry.client.get(card, headers=headers)).status_code == 401


async def test_a_tenant_admin_gives_and_takes_roles_and_passivates_a_member_of_staff(registry: Registry) -> None:
    client = registry.client
    admin = await registry.tenant_with_admin()
    me = (await client.get("/v1/tenants/kouvola/users", headers=admin)).json()["items"][0]
    made = await client.post("/v1/tenants/kouvola/users", headers=admin, json={
        "email": "virkailija@kouvola.fi", "name": "Ville Virkailija", "password": "Virka-salasana-1",
        "role": "tenant_officer"})
    assert made.status_code == 201, made.text
    officer = made.json()
    # a password the admin chose is the person's to change at the first sign-in
    first = await client.post("/v1/auth/token", json={"email": "virkailija@kouvola.fi", "password": "Virka-salasana-1"})
    assert first.status_code == 403 and first.json()["password_change_required"] is True
    assert await _change(registry, "virkailija@kouvola.fi", "Virka-salasana-1", "Oma-virka-salasana-2") == 204
    tokens = (await client.post("/v1/auth/token", json={"email": "virkailija@kouvola.fi",
                                                        "password": "Oma-virka-salasana-2"})).json()
    # promoted: the old session ends, so the new role holds at the next sign-in
    promoted = await client.put(f"/v1/tenants/kouvola/users/{officer['id']}/role", headers=admin,
                                json={"role": "tenant_admin"})
    assert promoted.status_code == 200 and promoted.json()["role"] == "tenant_admin"
    assert (await client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})).status_code == 401
    again = (await client.post("/v1/auth/token", json={"email": "virkailija@kouvola.fi",
                                                       "password": "Oma-virka-salasana-2"})).json()
    assert jwt.decode(again["access_token"], options={"verify_signature": False})["role"] == "tenant_admin"
    # the other services learn it (notifications mails the tenant's admins)
    [told] = await registry.events("registry.user.role_changed")
    assert (told["user_id"], told["role"], told["tenant_id"], told["email"]) == (
        officer["id"], "tenant_admin", "kouvola", "virkailija@kouvola.fi")
    # never one's own role, never a role outside the tenant's, never another tenant's user
    assert (await client.put(f"/v1/tenants/kouvola/users/{me['id']}/role", headers=admin,
                             json={"role": "tenant_officer"})).status_code == 409
    assert (await client.put(f"/v1/tenants/kouvola/users/{officer['id']}/role", headers=admin,
                             json={"role": "provider_admin"})).status_code == 422
    lahti = await registry.tenant_with_admin(OTHER_TENANT)
    assert (await client.post(f"/v1/tenants/lahti/users/{officer['id']}/passivate",
                              headers=lahti)).status_code == 404
    # left the municipality: passivated, out at once
    out = await client.post(f"/v1/tenants/kouvola/users/{officer['id']}/passivate", headers=admin)
    assert out.status_code == 200 and out.json()["status"] == "passive"
    assert (await client.post("/v1/auth/token", json={"email": "virkailija@kouvola.fi",
                                                      "password": "Oma-virka-salasana-2"})).status_code == 401


async def test_a_passivated_member_of_staff_is_activated_again_with_the_same_password(registry: Registry) -> None:
    """An officer back from a long leave (or passivated by mistake) keeps the account: the tenant admin
    activates it, the person signs in with the password they had, and the other services are told (a tenant
    admin gets the tenant's notices again). A company's main user does the same for the company's users; an
    active user is activated as a no-op; another tenant's admin finds no such user."""
    client = registry.client
    admin = await registry.tenant_with_admin()
    made = await client.post("/v1/tenants/kouvola/users", headers=admin, json={
        "email": "paluu@kouvola.fi", "name": "Paula Paluu", "password": "Virka-salasana-1", "role": "tenant_admin"})
    officer = made.json()
    assert await _change(registry, "paluu@kouvola.fi", "Virka-salasana-1", "Oma-virka-salasana-2") == 204
    url = f"/v1/tenants/kouvola/users/{officer['id']}"
    assert (await client.post(f"{url}/passivate", headers=admin)).status_code == 200
    lahti = await registry.tenant_with_admin(OTHER_TENANT)
    assert (await client.post(f"/v1/tenants/lahti/users/{officer['id']}/activate", headers=lahti)).status_code == 404
    back = await client.post(f"{url}/activate", headers=admin)
    assert back.status_code == 200 and back.json()["status"] == "active"
    signed_in = await client.post("/v1/auth/token", json={"email": "paluu@kouvola.fi",
                                                          "password": "Oma-virka-salasana-2"})
    assert signed_in.status_code == 200, signed_in.text
    [told] = await registry.events("registry.user.activated")
    assert (told["user_id"], told["role"], told["tenant_id"], told["email"]) == (
        officer["id"], "tenant_admin", "kouvola", "paluu@kouvola.fi")
    assert (await client.post(f"{url}/activate", headers=admin)).status_code == 200
    assert len(await registry.events("registry.user.activated")) == 1  # nothing changed: nothing told

    provider_id, main = await registry.registered_provider()
    user = await _user(registry, provider_id, main)
    provider_url = f"/v1/providers/{provider_id}/users/{user['id']}"
    assert (await client.post(f"{provider_url}/passivate", headers=main)).status_code == 200
    again = await client.post(f"{provider_url}/activate", headers=main)
    assert again.status_code == 200 and again.json()["status"] == "active"
    assert [e["provider_id"] for e in await registry.events("registry.user.activated")][-1] == provider_id

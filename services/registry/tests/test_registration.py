"""The registration request a tenant admin approves (with company register data), the first login
through strong company identity, and tenant isolation of both, through the HTTP API on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import jwt
from alembic import command
from seteli_common.migrations import alembic_config
from seteli_registry.adapters.company_register import CompanyInfo, CompanyRegisterUnavailable
from seteli_registry.adapters.identity import Person
from seteli_registry.adapters.mandates import OrganisationRoles
from seteli_registry.bootstrap import MIGRATIONS

from .conftest import OTHER_TENANT, Registry

REQUEST = {
    "company_name": "Kotipalvelu Aurinko Oy", "business_id": "7019376-8", "street_address": "Kauppalankatu 1",
    "postal_code": "45100", "city": "Kouvola", "country": "FI", "first_name": "Aino", "last_name": "Aurinko",
    "email": "aino@aurinko.fi", "phone": "0401234567", "password": "Hyva-salasana-1",
    "password_again": "Hyva-salasana-1",
}
COMPANY = CompanyInfo(business_id="7019376-8", name="Kotipalvelu Aurinko Oy", company_form="Osakeyhtiö",
                      street_address="Kauppalankatu 1", postal_code="45100", city="KOUVOLA",
                      registers={"trade_register": True, "prepayment_register": True})


async def test_request_is_approved_by_the_tenant_admin_who_sees_the_company_register(registry: Registry) -> None:
    client = registry.client
    registry.adapters.company_register.add(COMPANY)
    kouvola = await registry.tenant_with_admin()
    submitted = await client.post("/v1/tenants/kouvola/registration-requests", json=REQUEST)
    assert submitted.status_code == 201, submitted.text
    assert "password" not in submitted.json()["data"]
    early = await client.post("/v1/auth/token", json={"email": REQUEST["email"], "password": REQUEST["password"]})
    assert early.status_code == 401  # nobody can log in before the admin approves

    listed = (await client.get("/v1/tenants/kouvola/registration-requests?status=pending", headers=kouvola)).json()
    assert listed["total"] == 1
    request_id = listed["items"][0]["id"]
    view = (await client.get(f"/v1/tenants/kouvola/registration-requests/{request_id}", headers=kouvola)).json()
    assert view["company_register"]["name"] == "Kotipalvelu Aurinko Oy"
    assert view["company_register"]["registers"]["trade_register"] is True

    decided = await client.post(f"/v1/tenants/kouvola/registration-requests/{request_id}/decision",
                                headers=kouvola, json={"decision": "approved"})
    assert decided.status_code == 200, decided.text
    provider_id = decided.json()["provider_id"]
    main = await registry.login(REQUEST["email"], REQUEST["password"])
    provider = (await client.get(f"/v1/providers/{provider_id}", headers=main)).json()
    assert provider["status"] == "approved" and provider["phone"] == "0401234567"
    assert [e["provider_id"] for e in await registry.events("registry.provider.approved")] == [provider_id]
    [decision] = await registry.events("registry.registration.decided")
    assert decision["decision"] == "approved" and decision["_tenant_id"] == "kouvola"
    again = await client.post(f"/v1/tenants/kouvola/registration-requests/{request_id}/decision",
                              headers=kouvola, json={"decision": "rejected", "reason": "x"})
    assert again.status_code == 409


async def test_rejection_needs_a_reason_and_creates_no_company(registry: Registry) -> None:
    client = registry.client
    kouvola = await registry.tenant_with_admin()
    request_id = (await client.post("/v1/tenants/kouvola/registration-requests", json=REQUEST)).json()["id"]
    url = f"/v1/tenants/kouvola/registration-requests/{request_id}/decision"
    no_reason = await client.post(url, headers=kouvola, json={"decision": "rejected"})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    rejected = await client.post(url, headers=kouvola, json={"decision": "rejected",
                                                             "reason": "Ei kaupparekisterissä"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    [decision] = await registry.events("registry.registration.decided")
    assert decision == {**decision, "provider_id": None, "decision": "rejected", "reason": "Ei kaupparekisterissä"}
    assert await registry.events("registry.provider.registered") == []


async def test_bad_request_input_is_named_and_changes_nothing(registry: Registry) -> None:
    await registry.tenant_with_admin()
    bad = {**REQUEST, "business_id": "2077474-1", "password_again": "Toinen-sana-1", "email": "ei-sahkoposti"}
    response = await registry.client.post("/v1/tenants/kouvola/registration-requests", json=bad)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"email"}  # schema errors come first
    bad["email"] = REQUEST["email"]
    response = await registry.client.post("/v1/tenants/kouvola/registration-requests", json=bad)
    assert {e["field"] for e in response.json()["errors"]} == {"business_id", "password_again"}


async def test_another_tenants_admin_cannot_see_or_decide_a_request(registry: Registry) -> None:
    client = registry.client
    await registry.tenant_with_admin()
    lahti = await registry.tenant_with_admin(OTHER_TENANT)
    request_id = (await client.post("/v1/tenants/kouvola/registration-requests", json=REQUEST)).json()["id"]
    assert (await client.get("/v1/tenants/kouvola/registration-requests", headers=lahti)).status_code == 404
    assert (await client.get(f"/v1/tenants/kouvola/registration-requests/{request_id}",
                             headers=lahti)).status_code == 404
    assert (await client.post(f"/v1/tenants/lahti/registration-requests/{request_id}/decision", headers=lahti,
                              json={"decision": "approved"})).status_code == 404
    decision = await client.post(f"/v1/tenants/kouvola/registration-requests/{request_id}/decision",
                                 headers=lahti, json={"decision": "approved"})
    assert decision.status_code == 404
    assert await registry.events("registry.provider.approved") == []


async def _strong_login(registry: Registry, roles: list[str]) -> tuple[str, dict[str, Any]]:
    client = registry.client
    registry.adapters.company_register.add(COMPANY)
    registry.adapters.identity.add("code-1", Person("010180-9026", "Aino", "Aurinko"))
    registry.adapters.mandates.add("010180-9026", [
        OrganisationRoles("7019376-8", "Kotipalvelu Aurinko Oy", roles),
        OrganisationRoles("2077474-0", "Muu Yhtiö Oy", ["PJ"])])
    start = (await client.post("/v1/auth/strong/start", json={"language": "fi"})).json()
    state = start["state"]
    identified = await client.post("/v1/auth/strong/identified", json={"state": state, "code": "code-1"})
    assert identified.status_code == 200, identified.text
    authorized = await client.post("/v1/auth/strong/authorized", json={"state": state, "code": "mandate-code"})
    assert authorized.status_code == 200, authorized.text
    return state, authorized.json()


async def test_first_login_through_strong_identity_creates_the_company_from_the_register(registry: Registry) -> None:
    state, authorized = await _strong_login(registry, ["TJ"])
    assert authorized["organisations"] == [{"business_id": "7019376-8", "name": "Kotipalvelu Aurinko Oy",
                                            "account": False}]
    assert authorized["person_name"] == "Aino Aurinko"
    refused = await registry.client.post("/v1/auth/strong/first-login", json={
        "state": state, "business_id": "2077474-0", "email": "aino@aurinko.fi", "password": "Hyva-salasana-1"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "business_id"
    first = await registry.client.post("/v1/auth/strong/first-login", json={
        "state": state, "business_id": "7019376-8", "email": "aino@aurinko.fi", "password": "Hyva-salasana-1"})
    assert first.status_code == 200, first.text
    claims = jwt.decode(first.json()["access_token"], options={"verify_signature": False})
    assert claims["role"] == "provider_admin"
    [registered] = await registry.events("registry.provider.registered")
    assert registered["name"] == "Kotipalvelu Aurinko Oy" and registered["provider_id"] == claims["provider"]
    await registry.login("aino@aurinko.fi", "Hyva-salasana-1")  # the email is now the username
    replay = await registry.client.post("/v1/auth/strong/first-login", json={
        "state": state, "business_id": "7019376-8", "email": "x@aurinko.fi", "password": "Hyva-salasana-1"})
    assert replay.status_code == 422 and replay.json()["errors"][0]["field"] == "state"
    # the identity code never reaches an event or the database's strong-login rows
    async with registry.runtime.db.transaction() as session:
        from sqlalchemy import text
        dump = str((await session.execute(text("SELECT * FROM strong_logins"))).all())
        outbox = str((await session.execute(text("SELECT payload FROM outbox"))).all())
    assert "010180-9026" not in dump and "010180-9026" not in outbox


async def test_a_person_who_signed_up_with_strong_identity_signs_in_that_way_again(registry: Registry) -> None:
    state, _ = await _strong_login(registry, ["TJ"])
    first = await registry.client.post("/v1/auth/strong/first-login", json={
        "state": state, "business_id": "7019376-8", "email": "aino@aurinko.fi", "password": "Hyva-salasana-1"})
    assert first.status_code == 200, first.text
    user_id = jwt.decode(first.json()["access_token"], options={"verify_signature": False})["sub"]

    # the second time: the company is marked as hers and she signs in without a new password
    state, authorized = await _strong_login(registry, ["TJ"])
    assert authorized["organisations"][0]["account"] is True
    again = await registry.client.post("/v1/auth/strong/login", json={"state": state, "business_id": "7019376-8"})
    assert again.status_code == 200, again.text
    assert jwt.decode(again.json()["access_token"], options={"verify_signature": False})["sub"] == user_id

    # the sign-up form sent again (an old bookmark, a second tab) signs her in too: no 409, no second account
    state, _ = await _strong_login(registry, ["TJ"])
    resent = await registry.client.post("/v1/auth/strong/first-login", json={
        "state": state, "business_id": "7019376-8", "email": "aino2@aurinko.fi", "password": "Toinen-salasana-2"})
    assert resent.status_code == 200, resent.text
    assert jwt.decode(resent.json()["access_token"], options={"verify_signature": False})["sub"] == user_id
    async with registry.runtime.db.transaction() as session:
        from sqlalchemy import text
        count = (await session.execute(text("SELECT count(*) FROM users WHERE email LIKE 'aino%'"))).scalar()
        links = str((await session.execute(text("SELECT * FROM strong_identities"))).all())
    assert count == 1 and "010180-9026" not in links  # the person only as a pseudonym


async def test_strong_sign_in_without_an_account_in_the_company_asks_to_sign_up(registry: Registry) -> None:
    state, authorized = await _strong_login(registry, ["TJ"])
    assert authorized["organisations"][0]["account"] is False
    refused = await registry.client.post("/v1/auth/strong/login", json={"state": state, "business_id": "7019376-8"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "business_id"


async def test_a_person_without_tj_or_nimko_gets_no_company(registry: Registry) -> None:
    _, authorized = await _strong_login(registry, ["PJ", "HPJ"])
    assert authorized["organisations"] == []
    _, authorized = await _strong_login(registry, ["NIMKO"])
    assert [o["business_id"] for o in authorized["organisations"]] == ["7019376-8"]


async def test_a_request_with_an_address_that_has_an_account_is_taken_and_the_admin_sees_the_conflict(
        registry: Registry) -> None:
    client = registry.client
    kouvola = await registry.tenant_with_admin()
    first = await client.post("/v1/tenants/kouvola/registration-requests", json=REQUEST)
    await client.post(f"/v1/tenants/kouvola/registration-requests/{first.json()['id']}/decision",
                      headers=kouvola, json={"decision": "approved"})
    # the same address again, for another company: answered like any request (no account is revealed)
    second = await client.post("/v1/tenants/kouvola/registration-requests",
                               json={**REQUEST, "business_id": "0112038-9", "company_name": "Toinen Oy"})
    assert second.status_code == 201, second.text
    decided = await client.post(f"/v1/tenants/kouvola/registration-requests/{second.json()['id']}/decision",
                                headers=kouvola, json={"decision": "approved"})
    assert decided.status_code == 409 and decided.json()["field"] == "email"


async def test_a_company_new_through_strong_identity_shows_its_own_address_not_the_persons_login(
        registry: Registry) -> None:
    """Issue 20: the public card showed the main user's login e-mail; the company's address is asked for."""
    state, _ = await _strong_login(registry, ["TJ"])
    bad = await registry.client.post("/v1/auth/strong/first-login", json={
        "state": state, "business_id": "7019376-8", "email": "aino@aurinko.fi", "password": "Hyva-salasana-1",
        "company_email": "ei osoite"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "company_email"
    first = await registry.client.post("/v1/auth/strong/first-login", json={
        "state": state, "business_id": "7019376-8", "email": "aino@aurinko.fi", "password": "Hyva-salasana-1",
        "company_email": "info@aurinko.fi"})
    assert first.status_code == 200, first.text
    [registered] = await registry.events("registry.provider.registered")
    assert registered["email"] == "info@aurinko.fi"  # the card's and the notices' address
    await registry.login("aino@aurinko.fi", "Hyva-salasana-1")  # the person's login stays theirs


async def test_a_company_new_through_strong_identity_without_its_own_address_shows_none_on_its_card(
        registry: Registry) -> None:
    """Without the company's address the card showed the person's login address (their username) as the
    company's public one; now it shows none, like an approved request (her address gets the company's notices
    in notifications, as the company's main user, until it gives one)."""
    state, _ = await _strong_login(registry, ["TJ"])
    first = await registry.client.post("/v1/auth/strong/first-login", json={
        "state": state, "business_id": "7019376-8", "email": "aino@aurinko.fi", "password": "Hyva-salasana-1"})
    assert first.status_code == 200, first.text
    [registered] = await registry.events("registry.provider.registered")
    card = await registry.client.get(f"/v1/catalog/providers/{registered['provider_id']}")
    assert card.status_code == 200, card.text
    assert not card.json()["email"] and [s["email"] for s in card.json()["sites"]] == [""]
    assert "aino@aurinko.fi" not in card.text
    [main] = [u for u in await registry.events("registry.user.created")
              if u["provider_id"] == registered["provider_id"]]
    assert (main["email"], main["role"]) == ("aino@aurinko.fi", "provider_admin")  # notifications' fallback


async def test_a_passivated_person_is_told_so_at_the_strong_sign_in_and_gets_no_new_account(
        registry: Registry) -> None:
    """Passivated users cannot log in: signing in again with strong identity neither lets Aino in, nor
    invites her to sign up anew (which answered 500), nor makes her a second account in the company."""
    state, _ = await _strong_login(registry, ["TJ"])
    first = await registry.client.post("/v1/auth/strong/first-login", json={
        "state": state, "business_id": "7019376-8", "email": "aino@aurinko.fi", "password": "Hyva-salasana-1"})
    assert first.status_code == 200, first.text
    claims = jwt.decode(first.json()["access_token"], options={"verify_signature": False})
    passivated = await registry.client.post(f"/v1/providers/{claims['provider']}/users/{claims['sub']}/passivate",
                                            headers=await registry.admin())
    assert passivated.status_code == 200 and passivated.json()["status"] == "passive"

    state, _ = await _strong_login(registry, ["TJ"])
    again = await registry.client.post("/v1/auth/strong/login", json={"state": state, "business_id": "7019376-8"})
    assert again.status_code == 422
    assert again.json()["errors"] == [{"field": "business_id", "reason": "your account in this company is passive",
                                       "code": "account_passive"}]
    for email in ("aino2@aurinko.fi", "aino@aurinko.fi"):
        anew = await registry.client.post("/v1/auth/strong/first-login", json={
            "state": state, "business_id": "7019376-8", "email": email, "password": "Toinen-salasana-2"})
        assert anew.status_code == 422, anew.text
        assert anew.json()["errors"] == [{"field": "business_id", "reason": "your account in this company is passive",
                                           "code": "account_passive"}]
    async with registry.runtime.db.transaction() as session:
        from sqlalchemy import text
        count = (await session.execute(text("SELECT count(*) FROM users WHERE email LIKE 'aino%'"))).scalar()
    assert count == 1


class _RegisterDown:
    async def fetch(self, business_id: str) -> CompanyInfo | None:
        raise CompanyRegisterUnavailable("the company register answered 503")


async def test_strong_sign_up_goes_through_while_the_company_register_is_down(registry: Registry) -> None:
    """The company register is only where the new company's name and address are copied from: while it is down
    the person with a mandate still signs up, under the name the mandate service gave (a server error left them
    with nothing to do but wait)."""
    state, _ = await _strong_login(registry, ["TJ"])
    registry.adapters.company_register = _RegisterDown()
    first = await registry.client.post("/v1/auth/strong/first-login", json={
        "state": state, "business_id": "7019376-8", "email": "aino@aurinko.fi", "password": "Hyva-salasana-1"})
    assert first.status_code == 200, first.text
    [registered] = await registry.events("registry.provider.registered")
    assert registered["name"] == "Kotipalvelu Aurinko Oy" and registered["business_id"] == "7019376-8"


async def test_strong_sign_up_of_a_company_the_register_shows_ended_is_refused_and_makes_nothing(
        registry: Registry) -> None:
    """A mandate may outlive its company in the mandate service: a company the company register shows as ended
    (struck off, status 3) was created approved, ready to be booked and paid."""
    from dataclasses import replace

    state, _ = await _strong_login(registry, ["TJ"])
    register = registry.adapters.company_register
    info = await register.fetch("7019376-8")
    assert info is not None

    class _Ended:
        async def fetch(self, business_id: str) -> CompanyInfo | None:
            return replace(info, active=False)

    registry.adapters.company_register = _Ended()
    refused = await registry.client.post("/v1/auth/strong/first-login", json={
        "state": state, "business_id": "7019376-8", "email": "aino@aurinko.fi", "password": "Hyva-salasana-1"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "company_ended" and refused.json()["errors"][0]["field"] == "business_id"
    assert await registry.events("registry.provider.registered") == []


async def test_a_company_whose_self_registration_lapsed_unconfirmed_can_ask_the_municipality(
        registry: Registry) -> None:
    """A self-registration nobody confirmed within the link's 24 hours (a mistyped address) holds the business ID no
    longer: the company's registration request to the municipality is taken and approved (it was refused as
    "already registered", though a self-registration would have gone through)."""
    client = registry.client
    kouvola = await registry.tenant_with_admin()
    lapsed = {"business_id": REQUEST["business_id"], "name": "Kotipalvelu Aurinko Oy", "email": "info@aurinko.fi",
              "main_user": {"email": "vaara@aurinko.fi", "name": "Aino Aurinko", "password": "Hyva-salasana-1"}}
    assert (await client.post("/v1/providers", json=lapsed)).status_code == 201
    assert (await client.post("/v1/tenants/kouvola/registration-requests", json=REQUEST)).status_code == 409
    registry.clock.advance(timedelta(hours=25))
    sent = await client.post("/v1/tenants/kouvola/registration-requests", json=REQUEST)
    assert sent.status_code == 201, sent.text
    decided = await client.post(f"/v1/tenants/kouvola/registration-requests/{sent.json()['id']}/decision",
                                headers=kouvola, json={"decision": "approved"})
    assert decided.status_code == 200, decided.text
    await registry.login(REQUEST["email"], REQUEST["password"])


async def test_strong_sign_up_of_a_company_whose_self_registration_lapsed_starts_afresh(registry: Registry) -> None:
    """A self-registration nobody confirmed in time holds the business ID no longer: the person with a mandate
    signs the company up as if it were new, approved and named as in the company register (it inherited the lapsed
    registration's typed name and waited for a municipality's approval)."""
    client = registry.client
    lapsed = {"business_id": "7019376-8", "name": "Kotipalvelu Aurinko Oyy", "email": "info@aurinko.fi",
              "main_user": {"email": "vaara@aurinko.fi", "name": "Aino Aurinko", "password": "Hyva-salasana-1"}}
    assert (await client.post("/v1/providers", json=lapsed)).status_code == 201
    registry.clock.advance(timedelta(hours=25))
    state, _ = await _strong_login(registry, ["TJ"])
    first = await client.post("/v1/auth/strong/first-login", json={
        "state": state, "business_id": "7019376-8", "email": "aino@aurinko.fi", "password": "Hyva-salasana-1"})
    assert first.status_code == 200, first.text
    headers = {"Authorization": f"Bearer {first.json()['access_token']}"}
    provider_id = jwt.decode(first.json()["access_token"], options={"verify_signature": False})["provider"]
    company = (await client.get(f"/v1/providers/{provider_id}", headers=headers)).json()
    assert (company["status"], company["name"], company["city"]) == ("approved", "Kotipalvelu Aurinko Oy", "KOUVOLA")


async def test_an_approved_request_shows_the_companys_own_address_in_the_catalog_never_the_contact_persons(
        registry: Registry) -> None:
    """The request's `email` is the contact person's login: the public card and its site showed it. The card
    now shows the company's public address when the request gave one, and no address when it gave none."""
    client = registry.client
    kouvola = await registry.tenant_with_admin()
    with_own = await client.post("/v1/tenants/kouvola/registration-requests",
                                 json={**REQUEST, "company_email": "Info@Aurinko.fi"})
    without = await client.post("/v1/tenants/kouvola/registration-requests", json={
        **REQUEST, "business_id": "0112038-9", "company_name": "Toinen Oy", "email": "toini@toinen.fi"})
    bad = await client.post("/v1/tenants/kouvola/registration-requests",
                            json={**REQUEST, "business_id": "0201256-6", "company_email": "ei osoite"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "company_email"
    cards = []
    for submitted in (with_own, without):
        assert submitted.status_code == 201, submitted.text
        decided = await client.post(f"/v1/tenants/kouvola/registration-requests/{submitted.json()['id']}/decision",
                                    headers=kouvola, json={"decision": "approved"})
        assert decided.status_code == 200, decided.text
        card = await client.get(f"/v1/catalog/providers/{decided.json()['provider_id']}")
        assert card.status_code == 200, card.text
        cards.append(card.json())
    own, none = cards
    assert own["email"] == "info@aurinko.fi" and [s["email"] for s in own["sites"]] == ["info@aurinko.fi"]
    assert not none["email"] and [s["email"] for s in none["sites"]] == [""]
    found = (await client.get("/v1/catalog/providers", params={"q": "Toinen"})).json()["items"]
    assert "toini@toinen.fi" not in str(found) and "aino@aurinko.fi" not in str(cards)
    await registry.login("aino@aurinko.fi", REQUEST["password"])  # the contact person's login stays theirs


async def test_a_company_approved_without_an_address_gives_one_later_and_the_login_address_is_never_public(
        registry: Registry) -> None:
    """Approved without the company's own address, its notices go to the person who registered it (notifications
    hears of her as the company's main user): her login address is never on the card. The company gives its own
    address later: the card shows it and notifications is told, so its notices go there; removed, neither."""
    client = registry.client
    kouvola = await registry.tenant_with_admin()
    submitted = await client.post("/v1/tenants/kouvola/registration-requests", json=REQUEST)
    decided = await client.post(f"/v1/tenants/kouvola/registration-requests/{submitted.json()['id']}/decision",
                                headers=kouvola, json={"decision": "approved"})
    provider_id = decided.json()["provider_id"]
    [main] = [u for u in await registry.events("registry.user.created") if u["provider_id"] == provider_id]
    assert (main["email"], main["role"]) == ("aino@aurinko.fi", "provider_admin")
    card = await client.get(f"/v1/catalog/providers/{provider_id}")
    assert card.status_code == 200 and "aino@aurinko.fi" not in card.text and not card.json()["email"]

    headers = await registry.login(REQUEST["email"], REQUEST["password"])
    saved = await client.patch(f"/v1/providers/{provider_id}", headers=headers, json={"email": "Info@Aurinko.fi"})
    assert saved.status_code == 200, saved.text
    assert (await client.get(f"/v1/catalog/providers/{provider_id}")).json()["email"] == "info@aurinko.fi"
    again = await client.patch(f"/v1/providers/{provider_id}", headers=headers, json={"email": "info@aurinko.fi"})
    assert again.status_code == 200  # the same address again is no news
    bad = await client.patch(f"/v1/providers/{provider_id}", headers=headers, json={"email": "ei osoite"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "email"
    removed = await client.patch(f"/v1/providers/{provider_id}", headers=headers, json={"email": ""})
    assert removed.status_code == 200, removed.text
    card = await client.get(f"/v1/catalog/providers/{provider_id}")
    assert not card.json()["email"] and "aino@aurinko.fi" not in card.text
    told = [(e["provider_id"], e["email"]) for e in await registry.events("registry.provider.email_changed")]
    assert told == [(provider_id, "info@aurinko.fi"), (provider_id, "")]


async def test_the_company_users_there_were_are_told_once_by_the_migration(registry: Registry, pg_url: str) -> None:
    """Notifications sends the notices of a company without an address to its main user, but knew nothing of the
    company users created before it kept whose they are: the migration tells each active or passive company user
    once more as created, at the time they were created (the first main user stays first), and a passive one
    also as passivated; an unconfirmed self-registration and the tenant staff are not told."""
    client = registry.client
    kouvola = await registry.tenant_with_admin()
    submitted = await client.post("/v1/tenants/kouvola/registration-requests", json=REQUEST)
    decided = await client.post(f"/v1/tenants/kouvola/registration-requests/{submitted.json()['id']}/decision",
                                headers=kouvola, json={"decision": "approved"})
    provider_id = decided.json()["provider_id"]
    main = await registry.login(REQUEST["email"], REQUEST["password"])
    registry.clock.advance(timedelta(minutes=5))
    left = await client.post(f"/v1/providers/{provider_id}/users", headers=main, json={
        "email": "lahtija@aurinko.fi", "name": "Lea Lähtijä", "password": "Alku-salasana-1",
        "role": "provider_admin"})
    assert left.status_code == 201, left.text
    assert (await client.post(f"/v1/providers/{provider_id}/users/{left.json()['id']}/passivate",
                              headers=main)).status_code == 200
    unconfirmed = await client.post("/v1/providers", json={
        "name": "Vahvistamaton Oy", "business_id": "0112038-9", "language": "fi", "email": "info@vahvistamaton.fi",
        "main_user": {"email": "v@vahvistamaton.fi", "name": "Veli", "password": "Hyva-salasana-1"}})
    assert unconfirmed.status_code == 201, unconfirmed.text
    before = await registry.events("registry.user.created")
    config = alembic_config(MIGRATIONS, pg_url)
    await asyncio.to_thread(command.downgrade, config, "c4e8a2f6d1b9")
    await asyncio.to_thread(command.upgrade, config, "head")

    told = (await registry.events("registry.user.created"))[len(before):]
    assert sorted((e["email"], e["role"], e["provider_id"], e["_tenant_id"]) for e in told) == [
        ("aino@aurinko.fi", "provider_admin", provider_id, None),
        ("lahtija@aurinko.fi", "provider_admin", provider_id, None)]
    at = {e["email"]: e["_occurred_at"] for e in told}
    assert at["aino@aurinko.fi"] < at["lahtija@aurinko.fi"]  # as created: the one who registered it first
    assert at["aino@aurinko.fi"].date().isoformat() == "2016-03-15"
    passivated = [e["user_id"] for e in await registry.events("registry.user.passivated")]
    assert passivated == [left.json()["id"]] * 2  # when passivated, and again by the migration

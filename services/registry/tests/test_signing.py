"""Signing an application with strong identity: identification, the mandate check for the company, and
the signature assertion the applications service verifies; through the HTTP API on PostgreSQL."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from seteli_common.auth import StaticKeys, verified_claims
from seteli_registry.adapters.identity import Person
from seteli_registry.adapters.mandates import OrganisationRoles
from sqlalchemy import text

from .conftest import PROVIDER, Registry

IDENTITY_CODE = "010180-9026"
DIGEST = "ab" * 32


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


async def _person(registry: Registry, roles: list[str], code: str = "code-1") -> None:
    registry.adapters.identity.add(code, Person(IDENTITY_CODE, "Maija", "Meikäläinen"))
    registry.adapters.mandates.add(IDENTITY_CODE, [
        OrganisationRoles("2077474-0", "Muu Yhtiö Oy", ["TJ"]),  # a mandate for another company does not count
        OrganisationRoles(PROVIDER["business_id"], PROVIDER["name"], roles)])


async def _start(registry: Registry, headers: dict[str, str]) -> dict[str, Any]:
    response = await registry.client.post("/v1/signing/start", headers=headers, json={
        "tenant_id": "kouvola", "application_id": "app-1", "digest": DIGEST, "language": "fi"})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _sign(registry: Registry, headers: dict[str, str], code: str = "code-1") -> Any:
    """Start, come back from e-Identification, then from e-Authorizations; the last answer."""
    started = await _start(registry, headers)
    assert _query(started["redirect_url"])["state"] == started["state"]
    identified = await registry.client.post("/v1/signing/callback", headers=headers,
                                            json={"state": started["state"], "code": code})
    assert identified.status_code == 200, identified.text
    assert identified.json()["status"] == "identified"
    back = _query(identified.json()["redirect_url"])
    return await registry.client.post("/v1/signing/callback", headers=headers,
                                      json={"state": back["state"], "code": back["code"]})


async def test_a_managing_director_gets_a_signature_assertion_without_the_identity_code(
        registry: Registry, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    provider_id, headers = await registry.approved_provider()
    await _person(registry, ["TJ"])
    signed = await _sign(registry, headers)
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert body["status"] == "signed" and body["person_name"] == "Maija Meikäläinen"
    assert body["application_id"] == "app-1" and body["tenant_id"] == "kouvola"
    # verified as the applications service does: the registry's published keys, audience `applications`
    jwks = (await registry.client.get("/.well-known/jwks.json")).json()
    claims = await verified_claims(StaticKeys(lambda: jwks), body["assertion"], issuer="seteli-registry",
                                   audience="applications")
    assert claims["typ"] == "signature" and claims["digest"] == DIGEST
    assert claims["provider"] == provider_id and claims["business_id"] == PROVIDER["business_id"]
    assert claims["roles"] == ["TJ"] and claims["name"] == "Maija Meikäläinen"
    assert claims["loa"] == "substantial" and claims["jti"] and 0 < claims["exp"] - claims["iat"] <= 300
    user = json.loads(base64.urlsafe_b64decode(headers["authorization"].split()[1].split(".")[1] + "=="))
    assert claims["user"] == user["sub"]  # bound to who signed in; applications checks who sends
    assert len(claims["sub"]) == 64  # a pseudonym, the same for the same person next time
    payload = base64.urlsafe_b64decode(body["assertion"].split(".")[1] + "==").decode()
    assert IDENTITY_CODE not in payload and IDENTITY_CODE.replace("-", "") not in payload
    async with registry.runtime.db.transaction() as session:
        rows = str((await session.execute(text("SELECT * FROM signing_sessions"))).all())
        outbox = str((await session.execute(text("SELECT payload FROM outbox"))).all())
    assert IDENTITY_CODE not in rows and IDENTITY_CODE not in outbox and claims["sub"] in rows
    assert IDENTITY_CODE not in caplog.text
    await _person(registry, ["TJ"], code="code-2")
    again = json.loads(base64.urlsafe_b64decode((await _sign(registry, headers, "code-2")).json()["assertion"]
                                                .split(".")[1] + "=="))
    assert again["sub"] == claims["sub"] and again["jti"] != claims["jti"]


async def test_nimko_may_sign_but_other_roles_may_not(registry: Registry) -> None:
    _, headers = await registry.approved_provider()
    await _person(registry, ["NIMKO"])
    assert (await _sign(registry, headers)).json()["roles"] == ["NIMKO"]
    await _person(registry, ["PJ", "HPJ"], code="code-2")
    refused = await _sign(registry, headers, "code-2")
    assert refused.status_code == 403
    assert refused.json()["reason"] == "signer_not_authorised" and "assertion" not in refused.json()
    assert "Maija Meikäläinen" in refused.json()["detail"] and IDENTITY_CODE not in refused.text


async def test_a_signing_is_bound_to_its_user_and_used_once(registry: Registry) -> None:
    _, headers = await registry.approved_provider()
    await _person(registry, ["TJ"])
    started = await _start(registry, headers)
    officer = await registry.tenant_with_admin()
    assert (await registry.client.post("/v1/signing/start", headers=officer, json={
        "tenant_id": "kouvola", "application_id": "app-1", "digest": DIGEST})).status_code == 403
    other_user = await registry.client.post("/v1/signing/callback", headers=await registry.admin(),
                                            json={"state": started["state"], "code": "code-1"})
    assert other_user.status_code == 422 and other_user.json()["errors"][0]["field"] == "state"
    unknown = await registry.client.post("/v1/signing/callback", headers=headers,
                                         json={"state": started["state"], "code": "no-such-code"})
    assert unknown.status_code == 401
    identified = await registry.client.post("/v1/signing/callback", headers=headers,
                                            json={"state": started["state"], "code": "code-1"})
    back = _query(identified.json()["redirect_url"])
    assert (await registry.client.post("/v1/signing/callback", headers=headers, json=back)).status_code == 200
    replay = await registry.client.post("/v1/signing/callback", headers=headers, json=back)
    assert replay.status_code == 422 and replay.json()["errors"][0]["field"] == "state"
    bad = await registry.client.post("/v1/signing/start", headers=headers, json={
        "tenant_id": "kouvola", "application_id": "app-1", "digest": "not-a-digest"})
    assert bad.status_code == 422


async def test_the_fake_identity_page_identifies_a_test_person(registry: Registry) -> None:
    """Embedded mode and the demo: the test page stands in for Suomi.fi, then back to the callback."""
    _, headers = await registry.approved_provider()
    started = await _start(registry, headers)
    redirect_uri = registry.runtime.settings.signing_redirect_uri
    page = await registry.client.get("/v1/fake-identity", params={"state": started["state"],
                                                                   "redirect_uri": redirect_uri})
    assert page.status_code == 200 and PROVIDER["business_id"] in page.text
    elsewhere = await registry.client.get("/v1/fake-identity", params={"state": started["state"],
                                                                        "redirect_uri": "https://evil.example/"})
    assert elsewhere.status_code == 422
    form = {"state": started["state"], "redirect_uri": redirect_uri, "given_name": "Teppo", "surname": "Testaaja",
            "identity_code": "010170-999R", "business_id": PROVIDER["business_id"], "roles": "TJ"}
    identified = await registry.client.post("/v1/fake-identity", data=form)
    assert identified.status_code == 303 and identified.headers["location"].startswith(redirect_uri)
    back = _query(identified.headers["location"])
    step = await registry.client.post("/v1/signing/callback", headers=headers, json=back)
    assert step.status_code == 200, step.text
    signed = await registry.client.post("/v1/signing/callback", headers=headers,
                                        json=_query(step.json()["redirect_url"]))
    assert signed.status_code == 200 and signed.json()["person_name"] == "Teppo Testaaja"


async def test_the_fake_page_is_not_there_beside_the_real_identity_service(settings_factory: Any) -> None:
    from seteli_common.messaging.memory import InMemoryBroker
    from seteli_common.testing import running_app
    from seteli_registry.bootstrap import build_app, build_runtime

    runtime = build_runtime(settings_factory(identity_base_url="https://tunnistus.suomi.fi"), broker=InMemoryBroker())
    async with running_app(build_app(runtime)) as client:
        assert (await client.get("/v1/fake-identity", params={"state": "s", "redirect_uri": "r"})).status_code == 404
        assert (await client.post("/v1/signing/start", json={})).status_code == 401  # the signing itself is there


def test_the_level_of_assurance_is_one_word_whatever_the_provider_sends() -> None:
    from seteli_registry.signing import assurance

    assert assurance("http://eidas.europa.eu/LoA/substantial") == "substantial"
    assert assurance("http://ftn.ficora.fi/2017/loa3") == "high"
    assert assurance("substantial") == "substantial"
    assert assurance("http://eidas.europa.eu/LoA/low") == "low"  # refused by applications

"""Sending checks the registry's signature assertion: signed with the registry's key, for this
application's document, this company, user and tenant, fresh, and used once. On PostgreSQL."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from seteli_common.auth import Principal, Role, SigningKey, TokenIssuer

from .conftest import Api, Flow


async def _ready(flow: Flow) -> tuple[dict[str, Any], str]:
    """A complete draft and the digest of its document."""
    service = await flow.service()
    app = await flow.application(service["id"])
    await flow.price_list(app["id"], service["contents"][0]["id"], "40.00", "2016-04-01")
    document = await flow.signing_document(app["id"])
    assert document.status_code == 200, document.text
    assert list(document.json()["document"]["price_lists"][0]["prices"].values()) == ["40.00"]
    return app, document.json()["digest"]


async def _refused(flow: Flow, app_id: str, assertion: str) -> str:
    body = await flow.submit(app_id, expect=422, signature_assertion=assertion)
    assert (await flow.get(app_id))["state"] == "draft"  # a refusal changes nothing
    assert body["errors"][0]["field"] == "signature_assertion"
    return str(body["reason"])


async def test_a_good_assertion_sends_and_records_who_signed(api: Api, flow: Flow) -> None:
    app, digest = await _ready(flow)
    sent = await flow.submit(app["id"], signature_assertion=flow.assertion(digest))
    assert sent["state"] == "submitted"
    signature = sent["signature"]
    assert signature["signer"] == "Maija Meikäläinen" and signature["method"] == "suomi.fi"
    assert signature["digest"] == digest and signature["signed_at"].startswith("2016-03-15")
    assert signature["roles"] == ["TJ"] and signature["signer_ref"] == "pseudonym-maija"


async def test_forged_expired_and_other_tokens_are_refused(api: Api, flow: Flow) -> None:
    app, digest = await _ready(flow)
    claims = {"typ": "signature", "sub": "x", "name": "Maija", "loa": "substantial", "roles": ["TJ"],
              "digest": digest, "provider": api.provider_id, "tenant": "kouvola", "user": "user-p"}
    stranger = TokenIssuer(SigningKey.generate())
    assert await _refused(flow, app["id"], stranger.issue_claims(claims, audience="applications",
                                                                 ttl_seconds=300)) == "signature_invalid"
    # the registry's key id, someone else's key
    impostor = TokenIssuer(SigningKey(Ed25519PrivateKey.generate(), api.issuer.key.kid))
    assert await _refused(flow, app["id"], impostor.issue_claims(claims, audience="applications",
                                                                 ttl_seconds=300)) == "signature_invalid"
    tampered = flow.assertion(digest).split(".")
    tampered[1] = tampered[1][:-4] + ("AAAA" if not tampered[1].endswith("AAAA") else "BBBB")
    assert await _refused(flow, app["id"], ".".join(tampered)) == "signature_invalid"
    assert await _refused(flow, app["id"], flow.assertion(digest, ttl=-5)) == "signature_expired"
    # an access token of the same registry is not a signature
    access = api.issuer.issue(Principal("user-p", Role.PROVIDER_ADMIN, provider_id=api.provider_id))
    assert await _refused(flow, app["id"], access) == "signature_invalid"
    assert await _refused(flow, app["id"], flow.assertion(digest, typ="access")) == "signature_invalid"
    assert await _refused(flow, app["id"], flow.assertion(digest, loa="low")) == "signature_invalid"


async def test_a_signature_over_another_document_company_or_user_is_refused(api: Api, flow: Flow) -> None:
    app, digest = await _ready(flow)
    assert await _refused(flow, app["id"], flow.assertion("0" * 64)) == "signature_digest_mismatch"
    # the application changed after signing: the signature is over the old version
    service_id = app["service_id"]
    content = (await api.client.get(f"/v1/tenants/kouvola/services/{service_id}", headers=api.provider)
               ).json()["contents"][1]["id"]
    old = flow.assertion(digest)
    await flow.price_list(app["id"], content, "10.00", "2016-05-01")
    assert await _refused(flow, app["id"], old) == "signature_digest_mismatch"
    digest = (await flow.signing_document(app["id"])).json()["digest"]
    assert await _refused(flow, app["id"], flow.assertion(digest, provider="prov-other")) == "signer_not_authorised"
    assert await _refused(flow, app["id"], flow.assertion(digest, user="someone-else")) == "signer_not_authorised"
    assert await _refused(flow, app["id"], flow.assertion(digest, tenant="lahti")) == "signer_not_authorised"
    assert await _refused(flow, app["id"], flow.assertion(digest, roles=[])) == "signer_not_authorised"
    assert (await flow.submit(app["id"], signature_assertion=flow.assertion(digest)))["state"] == "submitted"


async def test_an_assertion_is_used_once(api: Api, flow: Flow) -> None:
    app, digest = await _ready(flow)
    assertion = flow.assertion(digest)
    await flow.submit(app["id"], signature_assertion=assertion)
    await flow.decide(app["id"], "return", reason="Liitteet puuttuvat", missing=["rescue_plan"])
    # the same document again (nothing was changed): the old signature does not send it a second time
    assert (await flow.signing_document(app["id"])).json()["digest"] == digest
    replay = await flow.submit(app["id"], expect=422, signature_assertion=assertion)
    assert replay["reason"] == "signature_replayed"
    assert (await flow.get(app["id"]))["state"] == "returned"
    assert (await flow.submit(app["id"], signature_assertion=flow.assertion(digest)))["state"] == "submitted"


async def test_an_incomplete_application_gets_no_document_to_sign(api: Api, flow: Flow) -> None:
    service = await flow.service()
    app = await flow.application(service["id"])
    response = await flow.signing_document(app["id"])
    assert response.status_code == 422 and response.json()["missing"][0]["code"] == "no_price_list"
    other = await flow.signing_document(app["id"], headers=api.other)
    assert other.status_code == 404  # another provider's application

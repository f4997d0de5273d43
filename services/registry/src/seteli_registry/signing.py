"""Signing an application with strong identity: a fresh Suomi.fi e-Identification of a person, then
e-Authorizations for their roles in the applying company (TJ or NIMKO by the configurable policy). The
result is a short-lived **signature assertion**: a JWT signed with the registry's token key for the
audience `applications`, over the application's document digest. The applications service verifies it
against the JWKS, uses it once and records who signed. Never commits.

The identity code only passes through memory: the session keeps a keyed pseudonym of it (HMAC), the
person's name and the mandate session id; the assertion carries the pseudonym, never the code.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from seteli_common.auth import PROVIDER_STAFF, Principal, TokenIssuer
from seteli_common.errors import ProblemError, forbidden, invalid, not_found, unauthorized
from seteli_common.pseudonym import person_pseudonym

from .adapters.mandates import MandatesFailed
from .domain import is_past
from .repository import providers as provider_queries
from .repository import signing as signing_queries
from .service import RegistryContext

ASSERTION_AUDIENCE = "applications"
ASSERTION_TYPE = "signature"


def pseudonym_key(issuer: TokenIssuer, configured: str) -> bytes:
    """The configured key, or one derived from the token signing key (stable while the key is)."""
    if configured:
        return configured.encode()
    raw = issuer.key.private_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                               serialization.NoEncryption())
    return hashlib.sha256(b"seteli-person-pseudonym\0" + raw).digest()


def person_ref(key: bytes, identity_code: str) -> str:
    """The same person gets the same id across signatures; the code cannot be read back from it."""
    return person_pseudonym(key, identity_code)


def assurance(acr: str) -> str:
    """The identity provider's level of assurance (an eIDAS or Ficora URI, or a word) as one word."""
    value = acr.lower().rstrip("/")
    if value.endswith(("high", "loa3")):
        return "high"
    if value.endswith(("substantial", "loa2")):
        return "substantial"
    return "low"


def not_authorised(detail: str) -> ProblemError:
    return ProblemError(403, "Not authorised to sign", detail, "https://seteli.fi/problems/signer-not-authorised",
                        extra={"reason": "signer_not_authorised"})


async def start(ctx: RegistryContext, principal: Principal, *, tenant_id: str, application_id: str, digest: str,
                language: str) -> dict[str, Any]:
    """A provider user asks to sign; the person is sent to the identity provider."""
    if principal.role not in PROVIDER_STAFF or not principal.provider_id:
        raise forbidden("Only a provider's user signs its application")
    provider = await provider_queries.get_provider(ctx.session, principal.provider_id)
    if provider is None:
        raise not_found("Provider")
    state = secrets.token_urlsafe(24)
    now = ctx.clock.now()
    await signing_queries.delete_expired_signing_sessions(ctx.session, now)  # keep it small
    await signing_queries.insert_signing_session(ctx.session, {
        "id": str(uuid.uuid4()), "state": state, "user_id": principal.subject, "provider_id": provider["id"],
        "business_id": provider["business_id"], "application_tenant": tenant_id, "application_id": application_id,
        "digest": digest, "status": "started", "created_at": now,
        "expires_at": now + timedelta(minutes=ctx.settings.signing_session_minutes)})
    url = ctx.ports.identity.login_url(state, ctx.settings.signing_redirect_uri, language)
    return {"state": state, "redirect_url": url}


async def _session_of(ctx: RegistryContext, principal: Principal, state: str) -> dict[str, Any]:
    row = await signing_queries.signing_session_by_state(ctx.session, state)
    # another user's state is "not found" like an unknown one: the signature is bound to who started it
    if (row is None or row["user_id"] != principal.subject or row["status"] == "signed"
            or is_past(row["expires_at"], ctx.clock.now())):
        raise invalid("state", "the signing has expired or is already done; start again", code="flow_expired")
    return row


async def advance(ctx: RegistryContext, issuer: TokenIssuer, principal: Principal, *, state: str, code: str,
                  language: str) -> dict[str, Any]:
    """The identity provider's callback, then the mandate service's: each brings the person back with a
    code. After the second, a person with a mandate for the company gets the signature assertion."""
    row = await _session_of(ctx, principal, state)
    redirect = ctx.settings.signing_redirect_uri
    if row["status"] == "started":
        try:
            person = await ctx.ports.identity.complete(code, redirect)
        except Exception as exc:  # noqa: BLE001 - any failure of the identity service is the same to the user
            raise unauthorized("Identification failed") from exc
        try:
            mandate = await ctx.ports.mandates.register(person.identity_code)
        except MandatesFailed as exc:
            raise unauthorized("The authorisation check failed; start again") from exc
        ref = person_ref(pseudonym_key(issuer, ctx.settings.person_pseudonym_key), person.identity_code)
        await signing_queries.set_signing_identified(
            ctx.session, row["id"], person_name=f"{person.given_name} {person.surname}".strip(), person_ref=ref,
            level_of_assurance=assurance(person.level_of_assurance), mandate_session=mandate.session_id)
        return {"status": "identified",
                "redirect_url": ctx.ports.mandates.authorize_url(mandate, redirect, state, language)}
    try:
        organisations = await ctx.ports.mandates.organisation_roles(row["mandate_session"], code, redirect)
    except MandatesFailed as exc:
        raise unauthorized("The authorisation check failed; start again") from exc
    allowed = set(ctx.settings.mandate_roles)
    roles = sorted({r for o in organisations if o.business_id == row["business_id"] and o.complete
                    for r in o.roles} & allowed)
    if not roles:  # the mandate session is used up: a retry of this state fails, the person starts again
        raise not_authorised(f"{row['person_name']} may not sign for the company {row['business_id']}: "
                             f"that needs one of the roles {', '.join(sorted(allowed))}")
    await signing_queries.set_signing_signed(ctx.session, row["id"])
    assertion = issuer.issue_claims({
        "typ": ASSERTION_TYPE, "sub": row["person_ref"], "name": row["person_name"],
        "loa": row["level_of_assurance"], "roles": roles, "digest": row["digest"],
        "provider": row["provider_id"], "business_id": row["business_id"], "tenant": row["application_tenant"],
        "application": row["application_id"], "user": row["user_id"],
    }, audience=ASSERTION_AUDIENCE, ttl_seconds=ctx.settings.signing_assertion_ttl_seconds)
    return {"status": "signed", "assertion": assertion, "tenant_id": row["application_tenant"],
            "application_id": row["application_id"], "person_name": row["person_name"], "roles": roles}

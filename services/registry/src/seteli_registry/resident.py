"""Resident (client) sign-in with strong identity: Suomi.fi e-Identification of a person, whom the
vouchers service registered as a client of one or more tenants (the read model `resident_clients`, by
person pseudonym). The result is a short-lived access token with role `client` and the `tenant` and
`client` claims; a client of several tenants first chooses the tenant.

The identity code only passes through memory: the registry keeps the pseudonym (seteli_common.pseudonym,
the key shared with vouchers), never the code. Never commits.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from seteli_common.auth import Principal, Role, TokenIssuer
from seteli_common.errors import ProblemError, invalid, unauthorized
from seteli_common.pseudonym import person_pseudonym
from sqlalchemy.ext.asyncio import AsyncSession

from .contracts import ClientDiedIn, ClientRegisteredIn
from .domain import is_past
from .repository import residents as resident_queries
from .service import RegistryContext

NOT_A_CLIENT = "https://seteli.fi/problems/not-a-client"


def not_a_client() -> ProblemError:
    return ProblemError(403, "Not a client", "No municipality has registered you as a client of its service "
                        "vouchers. Contact your municipality's service voucher office.", NOT_A_CLIENT,
                        extra={"reason": "not_a_client"})


def _key(ctx: RegistryContext) -> str:
    # Without the key shared with vouchers no pseudonym would match: say so rather than refuse everyone.
    if not ctx.settings.person_pseudonym_key:
        raise ProblemError(503, "Resident sign-in is not configured",
                           "REGISTRY_PERSON_PSEUDONYM_KEY is not set", "https://seteli.fi/problems/not-configured")
    return str(ctx.settings.person_pseudonym_key)


# --- Read model (vouchers.client.registered / vouchers.client.died) ---------------------------------------

async def client_registered(session: AsyncSession, tenant_id: str, p: ClientRegisteredIn) -> None:
    existing = await resident_queries.resident_client(session, tenant_id, p.client_id)
    if existing is None:
        await resident_queries.insert_resident_client(session, tenant_id, p.client_id, p.person)
    else:  # a redelivery, or after the death (even one heard first): the death stays
        await resident_queries.set_resident_client_person(session, tenant_id, p.client_id, p.person)


async def client_died(session: AsyncSession, tenant_id: str, p: ClientDiedIn) -> None:
    await resident_queries.mark_resident_client_deceased(session, tenant_id, p.client_id)


# --- Sign-in --------------------------------------------------------------------------------------------

async def start(ctx: RegistryContext, language: str) -> dict[str, Any]:
    _key(ctx)
    state, now = secrets.token_urlsafe(24), ctx.clock.now()
    await resident_queries.delete_expired_resident_sign_ins(ctx.session, now)
    await resident_queries.insert_resident_sign_in(ctx.session, {
        "state": state, "status": "started", "created_at": now,
        "expires_at": now + timedelta(minutes=ctx.settings.resident_sign_in_minutes)})
    return {"state": state,
            "redirect_url": ctx.ports.identity.login_url(state, ctx.settings.resident_redirect_uri, language)}


async def _sign_in(ctx: RegistryContext, state: str, status: str) -> dict[str, Any]:
    row = await resident_queries.resident_sign_in(ctx.session, state)
    if row is None or row["status"] != status or is_past(row["expires_at"], ctx.clock.now()):
        raise invalid("state", "the sign-in has expired or is already done; start again", code="flow_expired")
    return row


async def _clients_of(ctx: RegistryContext, person: str) -> list[dict[str, Any]]:
    return await resident_queries.living_clients_of_person(ctx.session, person)


def _token(ctx: RegistryContext, issuer: TokenIssuer, client: dict[str, Any], name: str,
           language: str) -> dict[str, Any]:
    ttl = ctx.settings.resident_token_ttl_seconds
    principal = Principal(subject=client["client_id"], role=Role.CLIENT, tenant_id=client["tenant_id"],
                          client_id=client["client_id"], name=name, language=language)
    return {"status": "signed_in", "access_token": issuer.issue(principal, ttl_seconds=ttl), "token_type": "bearer",
            "expires_in": ttl, "tenant_id": client["tenant_id"], "client_id": client["client_id"], "name": name}


async def complete(ctx: RegistryContext, issuer: TokenIssuer, *, state: str, code: str,
                   language: str) -> dict[str, Any]:
    """The identity provider's callback: a token for a client of one tenant, the tenants to choose from
    for a client of several, 403 `not_a_client` for a person no tenant knows."""
    key = _key(ctx)
    row = await _sign_in(ctx, state, "started")
    try:
        person = await ctx.ports.identity.complete(code, ctx.settings.resident_redirect_uri)
    except Exception as exc:  # noqa: BLE001 - any failure of the identity service is the same to the user
        raise unauthorized("Identification failed") from exc
    pseudonym = person_pseudonym(key, person.identity_code)
    name = f"{person.given_name} {person.surname}".strip()
    clients = await _clients_of(ctx, pseudonym)
    if not clients:
        await resident_queries.delete_resident_sign_in(ctx.session, state)
        raise not_a_client()
    if len(clients) == 1:
        await resident_queries.delete_resident_sign_in(ctx.session, state)
        return _token(ctx, issuer, clients[0], name, language)
    await resident_queries.set_resident_sign_in_identified(ctx.session, row["state"], pseudonym, name)
    return {"status": "choose_tenant", "state": state,
            "tenants": [{"id": c["tenant_id"], "name_fi": c["name_fi"], "name_sv": c["name_sv"]} for c in clients]}


async def choose(ctx: RegistryContext, issuer: TokenIssuer, *, state: str, tenant_id: str,
                 language: str) -> dict[str, Any]:
    row = await _sign_in(ctx, state, "identified")
    chosen = [c for c in await _clients_of(ctx, row["person"]) if c["tenant_id"] == tenant_id]
    if not chosen:
        raise invalid("tenant_id", "not a municipality you are a client of", code="not_a_client")
    await resident_queries.delete_resident_sign_in(ctx.session, state)
    return _token(ctx, issuer, chosen[0], row["person_name"], language)

"""The registry's queries on registration: a company's registration requests to a tenant, strong
(Suomi.fi) sign-up and sign-in, and self-registrations left unconfirmed. The caller owns the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    link_tokens,
    provider_tags,
    providers,
    registration_requests,
    sites,
    strong_identities,
    strong_logins,
    users,
)

Row = dict[str, Any]


async def _first(session: AsyncSession, query: Any) -> Row | None:
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


# --- Registration requests ---------------------------------------------------------------------------

async def insert_registration_request(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(registration_requests).values(**values))


async def registration_request(session: AsyncSession, tenant_id: str, request_id: str) -> Row | None:
    return await _first(session, select(registration_requests).where(
        registration_requests.c.tenant_id == tenant_id, registration_requests.c.id == request_id))


async def record_registration_decision(session: AsyncSession, tenant_id: str, request_id: str, *, status: str,
                                       reason: str | None, provider_id: str | None, decided_by: str) -> None:
    await session.execute(update(registration_requests).where(
        registration_requests.c.tenant_id == tenant_id, registration_requests.c.id == request_id).values(
        status=status, reason=reason, provider_id=provider_id, decided_by=decided_by))


async def registration_request_by_id(session: AsyncSession, request_id: str) -> Row | None:
    """A request found through the company's own link (system scope: the link names no tenant)."""
    return await _first(session, select(registration_requests).where(registration_requests.c.id == request_id))


async def ask_registration_more(session: AsyncSession, tenant_id: str, request_id: str, *,
                                history: list[Row]) -> None:
    await session.execute(update(registration_requests).where(
        registration_requests.c.tenant_id == tenant_id, registration_requests.c.id == request_id,
        registration_requests.c.status == "pending").values(status="more_requested", history=history,
                                                              answered_at=None))


async def answer_registration_request(session: AsyncSession, tenant_id: str, request_id: str, *, data: Row,
                                      history: list[Row], answered_at: datetime) -> None:
    await session.execute(update(registration_requests).where(
        registration_requests.c.tenant_id == tenant_id, registration_requests.c.id == request_id,
        registration_requests.c.status == "more_requested").values(status="pending", data=data, history=history,
                                                                     answered_at=answered_at))


# --- Strong identification (sign-up and sign-in for a company) ---------------------------------------

async def insert_strong_login(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(strong_logins).values(**values))


async def strong_login_by_state(session: AsyncSession, state: str) -> Row | None:
    return await _first(session, select(strong_logins).where(strong_logins.c.state == state))


async def set_strong_login_identified(session: AsyncSession, login_id: str, *, person_name: str, person: str,
                                      organisations: list[Row]) -> None:
    await session.execute(update(strong_logins).where(strong_logins.c.id == login_id).values(
        status="identified", person_name=person_name, person=person, organisations=organisations))


async def set_strong_login_authorized(session: AsyncSession, login_id: str, organisations: list[Row]) -> None:
    await session.execute(update(strong_logins).where(strong_logins.c.id == login_id).values(
        status="authorized", organisations=organisations))


async def finish_strong_login(session: AsyncSession, login_id: str) -> None:
    await session.execute(update(strong_logins).where(strong_logins.c.id == login_id).values(status="done"))


async def strong_identity(session: AsyncSession, person: str, provider_id: str) -> Row | None:
    """The account this person (pseudonym) made for this company with strong identity."""
    return await _first(session, select(strong_identities).where(strong_identities.c.person == person,
                                                                 strong_identities.c.provider_id == provider_id))


async def insert_strong_identity(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(strong_identities).values(**values))


# --- Unconfirmed self-registrations ------------------------------------------------------------------

async def stale_registration(session: AsyncSession, provider_id: str, now: datetime) -> bool:
    """An unconfirmed self-registration whose every confirmation link has expired unused."""
    user_ids = select(users.c.id).where(users.c.provider_id == provider_id)
    live = select(link_tokens.c.token_hash).where(
        link_tokens.c.subject_id.in_(user_ids), link_tokens.c.purpose == "confirm",
        link_tokens.c.used_at.is_(None), link_tokens.c.expires_at > now)
    return (await session.execute(live)).first() is None


async def discard_registration(session: AsyncSession, provider_id: str) -> None:
    user_ids = [r[0] for r in (await session.execute(select(users.c.id).where(
        users.c.provider_id == provider_id))).all()]
    await session.execute(delete(link_tokens).where(link_tokens.c.subject_id.in_(user_ids)))
    await session.execute(delete(users).where(users.c.provider_id == provider_id))
    await session.execute(delete(sites).where(sites.c.provider_id == provider_id))
    await session.execute(delete(provider_tags).where(provider_tags.c.provider_id == provider_id))
    await session.execute(delete(providers).where(providers.c.id == provider_id))

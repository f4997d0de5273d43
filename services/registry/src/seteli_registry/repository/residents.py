"""The registry's queries on residents: the clients read model (from vouchers) and the residents' sign-ins.
The caller owns the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import resident_clients, resident_sign_ins, tenants

Row = dict[str, Any]


# --- Clients (read model) ----------------------------------------------------------------------------

async def resident_client(session: AsyncSession, tenant_id: str, client_id: str) -> Row | None:
    query = select(resident_clients).where(resident_clients.c.tenant_id == tenant_id,
                                           resident_clients.c.client_id == client_id)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def insert_resident_client(session: AsyncSession, tenant_id: str, client_id: str, person: str) -> None:
    await session.execute(insert(resident_clients).values(tenant_id=tenant_id, client_id=client_id, person=person,
                                                          deceased=False))


async def set_resident_client_person(session: AsyncSession, tenant_id: str, client_id: str, person: str) -> None:
    await session.execute(update(resident_clients).where(
        resident_clients.c.tenant_id == tenant_id, resident_clients.c.client_id == client_id).values(person=person))


async def mark_resident_client_deceased(session: AsyncSession, tenant_id: str, client_id: str) -> None:
    """The client is deceased; one not known yet (its registration still on the way) is kept as deceased
    with no person, which its registration then fills in: the death stays."""
    result = await session.execute(update(resident_clients).where(
        resident_clients.c.tenant_id == tenant_id, resident_clients.c.client_id == client_id)
        .values(deceased=True))
    if not getattr(result, "rowcount", 0):
        await session.execute(insert(resident_clients).values(tenant_id=tenant_id, client_id=client_id, person="",
                                                              deceased=True))


async def living_clients_of_person(session: AsyncSession, person: str) -> list[Row]:
    """The living clients a person (pseudonym) is, one per tenant: tenant and client id and the tenant's names,
    by the tenant's Finnish name."""
    query = (select(resident_clients.c.tenant_id, resident_clients.c.client_id, tenants.c.name_fi, tenants.c.name_sv)
             .join(tenants, tenants.c.id == resident_clients.c.tenant_id)
             .where(resident_clients.c.person == person, resident_clients.c.deceased.is_(False))
             .order_by(tenants.c.name_fi))
    return [dict(r) for r in (await session.execute(query)).mappings()]


# --- Sign-ins ----------------------------------------------------------------------------------------

async def insert_resident_sign_in(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(resident_sign_ins).values(**values))


async def resident_sign_in(session: AsyncSession, state: str) -> Row | None:
    query = select(resident_sign_ins).where(resident_sign_ins.c.state == state)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def set_resident_sign_in_identified(session: AsyncSession, state: str, person: str, person_name: str
                                          ) -> None:
    await session.execute(update(resident_sign_ins).where(resident_sign_ins.c.state == state).values(
        status="identified", person=person, person_name=person_name))


async def delete_resident_sign_in(session: AsyncSession, state: str) -> None:
    await session.execute(delete(resident_sign_ins).where(resident_sign_ins.c.state == state))


async def delete_expired_resident_sign_ins(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(resident_sign_ins).where(resident_sign_ins.c.expires_at < now))

"""Every query of the vouchers service. Tenant-owned queries always take the tenant first."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime
from typing import Any

# Read models are rewritten by the newest fact (the consumers call repo.upsert).
from seteli_common.sql import upsert as upsert
from sqlalchemy import Table, and_, bindparam, false, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import (
    approvals,
    bookings,
    clients,
    price_lists,
    provider_employees,
    provider_units,
    providers,
    service_contents,
    services,
    sites,
    tenants,
    voucher_contents,
    vouchers,
)

Row = dict[str, Any]


def _one(row: Any) -> Row | None:
    return dict(row) if row else None


async def insert_row(session: AsyncSession, table: Table, values: Row) -> None:
    await session.execute(insert(table).values(**values))


# --- read models ------------------------------------------------------------------------------


async def tenant_exists(session: AsyncSession, tenant_id: str) -> bool:
    return (await session.execute(select(tenants.c.id).where(tenants.c.id == tenant_id))).first() is not None


async def get_tenant(session: AsyncSession, tenant_id: str) -> Row | None:
    return _one((await session.execute(select(tenants).where(tenants.c.id == tenant_id))).mappings().first())


async def get_service(session: AsyncSession, tenant_id: str, service_id: str) -> Row | None:
    q = select(services).where(services.c.tenant_id == tenant_id, services.c.id == service_id)
    return _one((await session.execute(q)).mappings().first())


async def newer_service_definition_kept(session: AsyncSession, tenant_id: str, service_id: str, at: datetime) -> bool:
    """Whether the service kept here was stated after `at`; the row is locked, so that two definitions handled
    side by side are applied one after the other."""
    at = at.astimezone(UTC)
    q = (select(services.c.defined_at.is_not(None) & (services.c.defined_at > at))
         .where(services.c.tenant_id == tenant_id, services.c.id == service_id).with_for_update())
    return bool((await session.execute(q)).scalar_one_or_none())


async def save_approval(session: AsyncSession, row: Row, approved_at: datetime) -> None:
    """A provider's approval in a service (every site approved so far) as stated at `approved_at`, unless a
    newer statement is kept already (an older one heard late changes nothing)."""
    at = approved_at.astimezone(UTC)
    await upsert(session, approvals, {**row, "approved_at": at}, ["tenant_id", "service_id", "provider_id"],
                 where=or_(approvals.c.approved_at.is_(None), approvals.c.approved_at <= at))


async def service_content_map(session: AsyncSession, tenant_id: str, service_id: str) -> dict[str, Row]:
    q = select(service_contents).where(
        service_contents.c.tenant_id == tenant_id, service_contents.c.service_id == service_id
    )
    return {r["content_id"]: dict(r) for r in (await session.execute(q)).mappings().all()}


async def get_approval(session: AsyncSession, tenant_id: str, service_id: str, provider_id: str) -> Row | None:
    q = select(approvals).where(
        approvals.c.tenant_id == tenant_id,
        approvals.c.service_id == service_id,
        approvals.c.provider_id == provider_id,
    )
    return _one((await session.execute(q)).mappings().first())


async def approvals_of(session: AsyncSession, tenant_id: str,
                       pairs: Collection[tuple[str, str]]) -> dict[tuple[str, str], Row]:
    """`get_approval` for many (service, provider) pairs at once."""
    q = select(approvals).where(
        approvals.c.tenant_id == tenant_id,
        approvals.c.service_id.in_(sorted({s for s, _ in pairs})),
        approvals.c.provider_id.in_(sorted({p for _, p in pairs})),
    )
    found = {(r["service_id"], r["provider_id"]): dict(r) for r in (await session.execute(q)).mappings().all()}
    return {pair: found[pair] for pair in pairs if pair in found}


async def works_with_tenant(session: AsyncSession, tenant_id: str, provider_id: str) -> bool:
    """Whether the company has an approved application for any of the tenant's services."""
    q = select(approvals.c.provider_id).where(approvals.c.tenant_id == tenant_id,
                                              approvals.c.provider_id == provider_id).limit(1)
    return (await session.execute(q)).first() is not None


async def price_lists_started(
    session: AsyncSession, tenant_id: str, service_id: str, provider_id: str, on: date
) -> list[Row]:
    q = (
        select(price_lists)
        .where(
            price_lists.c.tenant_id == tenant_id,
            price_lists.c.service_id == service_id,
            price_lists.c.provider_id == provider_id,
            price_lists.c.start <= on,
        )
        .order_by(price_lists.c.start.desc())
    )
    return [dict(r) for r in (await session.execute(q)).mappings().all()]


async def get_site(session: AsyncSession, site_id: str) -> Row | None:
    return _one((await session.execute(select(sites).where(sites.c.id == site_id))).mappings().first())


async def get_provider(session: AsyncSession, provider_id: str) -> Row | None:
    q = select(providers).where(providers.c.id == provider_id)
    return _one((await session.execute(q)).mappings().first())


async def replace_sites(session: AsyncSession, provider_id: str, rows: list[Row], named_at: datetime) -> None:
    """The sites as the registry stated them at `named_at`, unless a newer statement is kept already (a late
    or repeated one changes nothing)."""
    for row in rows:
        await upsert(session, sites, {**row, "provider_id": provider_id, "named_at": named_at}, ["id"],
                     where=or_(sites.c.named_at.is_(None), sites.c.named_at <= named_at))


async def provider_units_of(session: AsyncSession, provider_id: str) -> Row | None:
    """The company's units: `units` listed now, `ever` every name listed, `changed_at` the newest list's time."""
    return (await units_of_providers(session, [provider_id])).get(provider_id)


async def units_of_providers(session: AsyncSession, provider_ids: Sequence[str]) -> dict[str, Row]:
    """`provider_units_of` for many companies at once, by company."""
    q = select(provider_units).where(provider_units.c.provider_id.in_(list(provider_ids)))
    return {r["provider_id"]: dict(r) for r in (await session.execute(q)).mappings().all()}


async def save_provider_units(session: AsyncSession, provider_id: str, units: list[str], ever: list[str],
                              changed_at: datetime) -> None:
    """The names listed now, unless a newer list is already here; `ever` grows either way."""
    await upsert(session, provider_units, {"provider_id": provider_id, "units": units, "ever": ever,
                                           "changed_at": changed_at}, ["provider_id"],
                 where=provider_units.c.changed_at < changed_at)
    await session.execute(update(provider_units).where(provider_units.c.provider_id == provider_id)
                          .values(ever=ever))


async def save_employee(session: AsyncSession, row: Row) -> None:
    """An employee's name, address and site as of `named_at` (an older fact arriving late changes nothing); a
    removal is kept once heard, whatever arrives after it."""
    kept = ("id", "provider_id", "name", "email", "site_id", "named_at")
    await upsert(session, provider_employees, {k: row[k] for k in kept},
                 ["id"], where=provider_employees.c.named_at < row["named_at"])
    if row["removed_at"] is not None:
        await session.execute(update(provider_employees).where(provider_employees.c.id == row["id"],
                                                               provider_employees.c.removed_at.is_(None))
                              .values(removed_at=row["removed_at"]))


async def get_employee(session: AsyncSession, employee_id: str) -> Row | None:
    q = select(provider_employees).where(provider_employees.c.id == employee_id)
    return _one((await session.execute(q)).mappings().first())


async def employees_of_provider(session: AsyncSession, provider_id: str) -> list[Row]:
    """Every employee of the company heard of, removed ones too (`removed_at`), by name."""
    return await employees_of_providers(session, [provider_id])


async def employees_of_providers(session: AsyncSession, provider_ids: Sequence[str]) -> list[Row]:
    q = (select(provider_employees).where(provider_employees.c.provider_id.in_(list(provider_ids)))
         .order_by(provider_employees.c.name, provider_employees.c.id))
    return [dict(r) for r in (await session.execute(q)).mappings().all()]


async def sites_of_provider(session: AsyncSession, provider_id: str) -> list[Row]:
    return await sites_of_providers(session, [provider_id])


async def sites_of_providers(session: AsyncSession, provider_ids: Sequence[str]) -> list[Row]:
    q = select(sites).where(sites.c.provider_id.in_(list(provider_ids)))
    return [dict(r) for r in (await session.execute(q)).mappings().all()]


# --- clients ----------------------------------------------------------------------------------


async def get_client(session: AsyncSession, tenant_id: str, client_id: str) -> Row | None:
    q = select(clients).where(clients.c.tenant_id == tenant_id, clients.c.id == client_id)
    return _one((await session.execute(q)).mappings().first())


async def client_by_identity_code(session: AsyncSession, tenant_id: str, code: str) -> Row | None:
    q = select(clients).where(clients.c.tenant_id == tenant_id, clients.c.identity_code == code)
    return _one((await session.execute(q)).mappings().first())


async def list_clients(
    session: AsyncSession, tenant_id: str, name: str | None, limit: int, offset: int
) -> tuple[list[Row], int]:
    where = [clients.c.tenant_id == tenant_id]
    if name:
        where.append(name_matches(name))
    total = (await session.execute(select(func.count()).select_from(clients).where(*where))).scalar_one()
    q = (
        select(clients)
        .where(*where)
        .order_by(clients.c.last_name, clients.c.first_name, clients.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [dict(r) for r in (await session.execute(q)).mappings().all()], int(total)


def name_matches(name: str) -> Any:
    parts = [p for p in name.lower().split() if p]
    full = func.lower(clients.c.first_name + " " + clients.c.last_name)
    return and_(*(full.contains(p, autoescape=True) for p in parts))


async def set_date_of_death(session: AsyncSession, tenant_id: str, client_id: str, day: date) -> None:
    await session.execute(
        update(clients).where(clients.c.tenant_id == tenant_id, clients.c.id == client_id).values(date_of_death=day)
    )


# --- vouchers ---------------------------------------------------------------------------------


# a voucher by its id, built once (each charge heard reads its voucher locked)
_GET_VOUCHER = {lock: select(vouchers).where(vouchers.c.tenant_id == bindparam("v_tenant_id"),
                                             vouchers.c.id == bindparam("v_id"))
                for lock in (False, True)}
_GET_VOUCHER[True] = _GET_VOUCHER[True].with_for_update()


async def get_voucher(session: AsyncSession, tenant_id: str, voucher_id: str, *, lock: bool = False) -> Row | None:
    query = _GET_VOUCHER[lock]
    return _one((await session.execute(query, {"v_tenant_id": tenant_id, "v_id": voucher_id})).mappings().first())


async def voucher_by_number(session: AsyncSession, tenant_id: str, number: str) -> Row | None:
    q = select(vouchers).where(vouchers.c.tenant_id == tenant_id, vouchers.c.number == number)
    return _one((await session.execute(q)).mappings().first())


async def number_taken(session: AsyncSession, number: str) -> bool:
    return (await session.execute(select(vouchers.c.id).where(vouchers.c.number == number))).first() is not None


# A voucher's content with what its service says of it: `client_pays` (the tenant never pays those), its names and
# the day it is ended from (`ended_from`, None: it goes on).
_CONTENT_COLUMNS = (*voucher_contents.c, func.coalesce(service_contents.c.client_pays, false()).label("client_pays"),
                    service_contents.c.name_fi, service_contents.c.name_sv, service_contents.c.ended_from)
_CONTENT_OF_VOUCHER = and_(vouchers.c.tenant_id == voucher_contents.c.tenant_id,
                           vouchers.c.id == voucher_contents.c.voucher_id)
_CONTENT_IN_SERVICE = and_(service_contents.c.tenant_id == voucher_contents.c.tenant_id,
                           service_contents.c.service_id == vouchers.c.service_id,
                           service_contents.c.content_id == voucher_contents.c.content_id)

# built once (each charge heard reads its voucher's contents); the ids an expanding parameter
_VOUCHER_CONTENTS = (
    select(*_CONTENT_COLUMNS)
    .select_from(voucher_contents.join(vouchers, _CONTENT_OF_VOUCHER).outerjoin(service_contents, _CONTENT_IN_SERVICE))
    .where(voucher_contents.c.tenant_id == bindparam("vc_tenant_id"),
           voucher_contents.c.voucher_id.in_(bindparam("vc_voucher_ids", expanding=True)))
    .order_by(voucher_contents.c.content_id)
)

# a charge heard: its voucher locked (as `get_voucher`) and the voucher's contents, one row a content, in one statement
_LOCKED_WITH_CONTENTS = (
    select(vouchers, *(c.label(f"c_{c.name}") for c in _CONTENT_COLUMNS))
    .select_from(vouchers.outerjoin(voucher_contents, _CONTENT_OF_VOUCHER)
                 .outerjoin(service_contents, _CONTENT_IN_SERVICE))
    .where(vouchers.c.tenant_id == bindparam("v_tenant_id"), vouchers.c.id == bindparam("v_id"))
    .order_by(voucher_contents.c.content_id)
    .with_for_update(of=vouchers)
)


def _content(row: Any, prefix: str = "") -> Row:
    content = {c.name: row[f"{prefix}{c.name}"] for c in _CONTENT_COLUMNS}
    content["client_pays"] = bool(content["client_pays"])
    return content


async def locked_voucher_with_contents(session: AsyncSession, tenant_id: str, voucher_id: str
                                       ) -> tuple[Row | None, list[Row]]:
    """`get_voucher(lock=True)` and its `voucher_contents_of` in one statement (None, []: not known here)."""
    rows = (await session.execute(_LOCKED_WITH_CONTENTS, {"v_tenant_id": tenant_id, "v_id": voucher_id})).mappings()
    found = rows.all()
    if not found:
        return None, []
    voucher = {c.name: found[0][c.name] for c in vouchers.c}
    return voucher, [_content(r, "c_") for r in found if r["c_id"] is not None]


async def voucher_contents_of(session: AsyncSession, tenant_id: str, voucher_ids: Sequence[str]) -> list[Row]:
    """The contents of vouchers, each with `client_pays` (the tenant never pays those), its names and the day it
    is ended from (`ended_from`, None: it goes on) from its service."""
    if not voucher_ids:
        return []
    result = await session.execute(_VOUCHER_CONTENTS, {"vc_tenant_id": tenant_id, "vc_voucher_ids": list(voucher_ids)})
    return [_content(r) for r in result.mappings().all()]


async def vouchers_of_client(session: AsyncSession, tenant_id: str, client_id: str) -> list[Row]:
    q = (
        select(vouchers)
        .where(vouchers.c.tenant_id == tenant_id, vouchers.c.client_id == client_id)
        .order_by(vouchers.c.granted_on, vouchers.c.id)
    )
    return [dict(r) for r in (await session.execute(q)).mappings().all()]


def stated_no_later_than(table: Table, at: datetime) -> Any:
    """A row whose name was stated at `at` or earlier (or never dated): a fact stated at `at` may change it."""
    return table.c.named_at.is_(None) | (table.c.named_at <= at.astimezone(UTC))


async def rename_provider(session: AsyncSession, provider_id: str, name: str, at: datetime) -> bool:
    """The company's name as stated at `at`, unless a newer one is kept (a late older rename changes nothing).
    False when the provider is not known here yet."""
    result = await session.execute(
        update(providers).where(providers.c.id == provider_id, stated_no_later_than(providers, at))
        .values(name=name, named_at=at.astimezone(UTC))
    )
    if getattr(result, "rowcount", 0):
        return True
    return (await session.execute(select(providers.c.id).where(providers.c.id == provider_id))).first() is not None


async def providers_of_client(session: AsyncSession, tenant_id: str, client_id: str) -> list[Row]:
    """The providers the client has or had a booking with (`id`, `name`), by name: whom they may give feedback."""
    q = (
        select(bookings.c.provider_id.label("id"), func.coalesce(providers.c.name, "").label("name"))
        .select_from(bookings.outerjoin(providers, providers.c.id == bookings.c.provider_id))
        .where(bookings.c.tenant_id == tenant_id, bookings.c.client_id == client_id)
        .distinct()
        .order_by("name", "id")
    )
    return [dict(r) for r in (await session.execute(q)).mappings().all()]


async def list_vouchers(
    session: AsyncSession,
    tenant_id: str,
    state: str | None,
    service_id: str | None,
    name: str | None,
    limit: int,
    offset: int,
    ids: Sequence[str] | None = None,
    *,
    today: date,
) -> tuple[list[Row], int]:
    """A tenant's vouchers, newest grant first, each with its client's name and reference (no identity code).
    `state` is the state shown `today` (`domain.shown_state`): a voucher whose validity ended before today is
    closed, whatever its row says until the job closes it."""
    where = [vouchers.c.tenant_id == tenant_id]
    if ids:
        where.append(vouchers.c.id.in_(list(ids)))
    if state == "closed":
        where.append(or_(vouchers.c.state == state, vouchers.c.valid_until < today))
    elif state:
        where.append(and_(vouchers.c.state == state, vouchers.c.valid_until >= today))
    if service_id:
        where.append(vouchers.c.service_id == service_id)
    if name:
        where.append(name_matches(name))
    joined = vouchers.join(
        clients, and_(clients.c.tenant_id == vouchers.c.tenant_id, clients.c.id == vouchers.c.client_id)
    )
    total = (await session.execute(select(func.count()).select_from(joined).where(*where))).scalar_one()
    q = (
        select(
            vouchers.c.id, vouchers.c.number, vouchers.c.client_id, vouchers.c.service_id, vouchers.c.granted_on,
            vouchers.c.valid_from, vouchers.c.valid_until, vouchers.c.state, vouchers.c.closed_reason,
            clients.c.reference.label("client_reference"), clients.c.first_name.label("client_first_name"),
            clients.c.last_name.label("client_last_name"),
        )
        .select_from(joined)
        .where(*where)
        .order_by(vouchers.c.granted_on.desc(), vouchers.c.number)
        .limit(limit)
        .offset(offset)
    )
    return [dict(r) for r in (await session.execute(q)).mappings().all()], int(total)


async def update_voucher(session: AsyncSession, tenant_id: str, voucher_id: str, **values: Any) -> None:
    await session.execute(
        update(vouchers).where(vouchers.c.tenant_id == tenant_id, vouchers.c.id == voucher_id).values(**values)
    )


async def open_voucher(session: AsyncSession, tenant_id: str, voucher_id: str, at: datetime) -> bool:
    """Granted -> Open, only once (a conditional update, so concurrent first charges open it once)."""
    result = await session.execute(
        update(vouchers)
        .where(vouchers.c.tenant_id == tenant_id, vouchers.c.id == voucher_id, vouchers.c.state == "granted")
        .values(state="open", opened_at=at)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def expired_vouchers(session: AsyncSession, tenant_id: str, today: date) -> list[Row]:
    q = (
        select(vouchers)
        .where(vouchers.c.tenant_id == tenant_id, vouchers.c.state != "closed", vouchers.c.valid_until < today)
        .with_for_update(skip_locked=True)
    )
    return [dict(r) for r in (await session.execute(q)).mappings().all()]


# --- bookings ---------------------------------------------------------------------------------


async def bookings_of_vouchers(session: AsyncSession, tenant_id: str, voucher_ids: Sequence[str]) -> list[Row]:
    q = select(bookings).where(bookings.c.tenant_id == tenant_id, bookings.c.voucher_id.in_(list(voucher_ids)))
    return [dict(r) for r in (await session.execute(q)).mappings().all()]


async def get_booking(session: AsyncSession, tenant_id: str, booking_id: str) -> Row | None:
    q = select(bookings).where(bookings.c.tenant_id == tenant_id, bookings.c.id == booking_id)
    return _one((await session.execute(q)).mappings().first())


async def end_booking(session: AsyncSession, tenant_id: str, booking_id: str, day: date, reason: str,
                      today: date) -> bool:
    """Ends a booking on `day`: one going on, or one ended in advance on a later day not passed yet."""
    result = await session.execute(
        update(bookings)
        .where(bookings.c.tenant_id == tenant_id, bookings.c.id == booking_id,
               or_(bookings.c.ended_on.is_(None), and_(bookings.c.ended_on >= today, bookings.c.ended_on > day)))
        .values(ended_on=day, end_reason=reason)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def end_bookings(session: AsyncSession, tenant_id: str, voucher_id: str, day: date, reason: str) -> list[Row]:
    """The voucher's bookings still going on after `day` end on it: the open ones, and those ended in advance on a
    later day."""
    open_ones = [b for b in await bookings_of_vouchers(session, tenant_id, [voucher_id])
                 if b["ended_on"] is None or b["ended_on"] > day]
    if open_ones:
        await session.execute(
            update(bookings)
            .where(bookings.c.tenant_id == tenant_id, bookings.c.id.in_([b["id"] for b in open_ones]))
            .values(ended_on=day, end_reason=reason)
        )
    return open_ones


async def bookings_ended_by_close(session: AsyncSession, tenant_id: str, voucher_id: str, reason: str,
                                  closed_on: date) -> list[Row]:
    """The voucher's bookings that its closing for `reason` ended on `closed_on` (its last day), the latest of each
    content with no booking going on (a content has one active booking). The day tells them from a booking the
    provider ended itself with that word as its free-text reason."""
    rows = await bookings_of_vouchers(session, tenant_id, [voucher_id])
    busy = {b["voucher_content_id"] for b in rows if b["ended_on"] is None}
    latest: dict[str, Row] = {}  # content -> the latest booking its closing ended
    for b in sorted(rows, key=lambda b: b["created_at"], reverse=True):
        if (b["end_reason"], b["ended_on"]) == (reason, closed_on) and b["voucher_content_id"] not in busy:
            latest.setdefault(b["voucher_content_id"], b)
    return list(latest.values())


async def restore_bookings(session: AsyncSession, tenant_id: str, booking_ids: Sequence[str]) -> None:
    """The bookings go on again (no end)."""
    if booking_ids:
        await session.execute(update(bookings).where(bookings.c.tenant_id == tenant_id,
                                                     bookings.c.id.in_(list(booking_ids)))
                              .values(ended_on=None, end_reason=None))


async def list_bookings(
    session: AsyncSession,
    tenant_id: str,
    *,
    provider_id: str | None,
    voucher_id: str | None,
    limit: int,
    offset: int,
    services: frozenset[str] | None = None,
) -> tuple[list[Row], int]:
    """`services` narrows the list to a provider user's service teams (None: every service)."""
    where = [bookings.c.tenant_id == tenant_id]
    if provider_id is not None:
        where.append(bookings.c.provider_id == provider_id)
    if services is not None:
        where.append(bookings.c.service_id.in_(sorted(services)))
    if voucher_id is not None:
        where.append(bookings.c.voucher_id == voucher_id)
    total = (await session.execute(select(func.count()).select_from(bookings).where(*where))).scalar_one()
    # newest first: a page of a company's many bookings starts with the ones just made
    q = select(bookings).where(*where).order_by(bookings.c.created_at.desc(), bookings.c.id.desc())
    return [dict(r) for r in (await session.execute(q.limit(limit).offset(offset))).mappings().all()], int(total)


async def tenant_ids(session: AsyncSession) -> list[str]:
    return list((await session.execute(select(tenants.c.id).order_by(tenants.c.id))).scalars().all())

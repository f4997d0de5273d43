"""Queries about who may see whom and who read what: provider relationships, the events read model,
the access log and the look-up throttle."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from seteli_common import sql
from sqlalchemy import and_, bindparam, delete, exists, false, func, insert, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .models import (
    access_log,
    bookings,
    clients,
    early_event_facts,
    event_credits,
    idempotency_keys,
    lookup_attempts,
    provider_client_number_history,
    provider_client_numbers,
    recorded_events,
    vouchers,
)
from .repository import Row, _one, name_matches, upsert

# --- provider relationships -------------------------------------------------------------------


def visible_client_ids(
    tenant_id: str, provider_id: str, today: date, cutoff: date, services: frozenset[str] | None = None
) -> Any:
    """Clients a provider may see: an event with it that ended on or after the cutoff, or a valid booking.
    `services` narrows it to a provider user's service teams (None: all services)."""
    with_event = (
        select(vouchers.c.client_id)
        .join(
            recorded_events,
            and_(
                recorded_events.c.tenant_id == vouchers.c.tenant_id,
                recorded_events.c.voucher_id == vouchers.c.id,
            ),
        )
        .where(
            vouchers.c.tenant_id == tenant_id,
            recorded_events.c.provider_id == provider_id,
            # a stay that began before the cutoff but ended after it still counts
            func.coalesce(recorded_events.c.end, recorded_events.c.start) >= cutoff,
            recorded_events.c.status != "deleted",  # a deleted event (e.g. on the wrong voucher) is no relationship
        )
    )
    if services is not None:
        with_event = with_event.where(vouchers.c.service_id.in_(sorted(services)))
    with_booking = (
        select(bookings.c.client_id)
        .join(
            vouchers,
            and_(vouchers.c.tenant_id == bookings.c.tenant_id, vouchers.c.id == bookings.c.voucher_id),
        )
        .where(
            bookings.c.tenant_id == tenant_id,
            bookings.c.provider_id == provider_id,
            or_(bookings.c.ended_on.is_(None), bookings.c.ended_on >= today),  # ended in advance: valid until then
            vouchers.c.state != "closed",
            vouchers.c.valid_until >= today,
        )
    )
    if services is not None:
        with_booking = with_booking.where(bookings.c.service_id.in_(sorted(services)))
    return with_event.union(with_booking)


async def search_provider_clients(
    session: AsyncSession,
    tenant_id: str,
    provider_id: str,
    today: date,
    cutoff: date,
    *,
    name: str | None,
    identity_code: str | None,
    voucher_number: str | None,
    limit: int,
    offset: int,
    services: frozenset[str] | None = None,
) -> tuple[list[Row], int]:
    where: list[Any] = [
        clients.c.tenant_id == tenant_id,
        clients.c.id.in_(visible_client_ids(tenant_id, provider_id, today, cutoff, services)),
    ]
    if name:
        where.append(name_matches(name))
    if identity_code:
        where.append(clients.c.identity_code == identity_code)
    if voucher_number:
        where.append(
            clients.c.id.in_(
                select(vouchers.c.client_id).where(
                    vouchers.c.tenant_id == tenant_id, vouchers.c.number == voucher_number
                )
            )
        )
    total = (await session.execute(select(func.count()).select_from(clients).where(*where))).scalar_one()
    q = (
        select(clients, provider_client_numbers.c.client_number)
        .outerjoin(
            provider_client_numbers,
            and_(
                provider_client_numbers.c.tenant_id == clients.c.tenant_id,
                provider_client_numbers.c.client_id == clients.c.id,
                provider_client_numbers.c.provider_id == provider_id,
            ),
        )
        .where(*where)
        .order_by(clients.c.last_name, clients.c.first_name, clients.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [dict(r) for r in (await session.execute(q)).mappings().all()], int(total)


async def provider_sees_client(
    session: AsyncSession,
    tenant_id: str,
    provider_id: str,
    client_id: str,
    today: date,
    cutoff: date,
    services: frozenset[str] | None = None,
) -> bool:
    q = select(clients.c.id).where(
        clients.c.tenant_id == tenant_id,
        clients.c.id == client_id,
        clients.c.id.in_(visible_client_ids(tenant_id, provider_id, today, cutoff, services)),
    )
    return (await session.execute(q)).first() is not None


async def client_number(session: AsyncSession, tenant_id: str, provider_id: str, client_id: str) -> str | None:
    t = provider_client_numbers
    q = select(t.c.client_number).where(
        t.c.tenant_id == tenant_id, t.c.provider_id == provider_id, t.c.client_id == client_id
    )
    return (await session.execute(q)).scalar_one_or_none()


async def client_refs(session: AsyncSession, tenant_id: str,
                      pairs: Collection[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """How each (provider, client) pair's provider knows the client, as a booking shows it: the provider's client
    number, else the client's reference ("" for a client not here), in one statement."""
    t = provider_client_numbers
    q = (
        select(clients.c.id, clients.c.reference, t.c.provider_id, t.c.client_number)
        .outerjoin(t, and_(t.c.tenant_id == clients.c.tenant_id, t.c.client_id == clients.c.id,
                           t.c.provider_id.in_(sorted({p for p, _ in pairs}))))
        .where(clients.c.tenant_id == tenant_id, clients.c.id.in_(sorted({c for _, c in pairs})))
    )
    references: dict[str, str] = {}
    numbers: dict[tuple[str, str], str] = {}
    for client_id, reference, provider_id, number in (await session.execute(q)).all():
        references[client_id] = reference
        if provider_id is not None and number is not None:
            numbers[(provider_id, client_id)] = number
    return {(p, c): str(numbers.get((p, c), references.get(c) or "")) for p, c in pairs}


async def client_number_owner(session: AsyncSession, tenant_id: str, provider_id: str,
                              number: str) -> tuple[str, str] | None:
    """The client the provider gave `number` to, now or before (a number stays its first client's)."""
    t, h = provider_client_numbers, provider_client_number_history
    q = select(t.c.tenant_id, t.c.client_id).where(t.c.provider_id == provider_id, t.c.client_number == number)
    row = (await session.execute(q)).first()
    if row is None:
        q = select(h.c.tenant_id, h.c.client_id).where(
            h.c.tenant_id == tenant_id, h.c.provider_id == provider_id, h.c.client_number == number)
        row = (await session.execute(q)).first()
    return (row[0], row[1]) if row else None



async def put_client_number(
    session: AsyncSession, tenant_id: str, provider_id: str, client_id: str, number: str, now: datetime
) -> None:
    """The provider's number for the client replaces any earlier one (the number's uniqueness per provider is
    the database's: a number another client has raises IntegrityError)."""
    values = {
        "tenant_id": tenant_id,
        "provider_id": provider_id,
        "client_id": client_id,
        "client_number": number,
        "created_at": now,
    }
    await sql.upsert(session, provider_client_numbers, values, ["tenant_id", "provider_id", "client_id"])
    # the number stays the first client's it was given to (the caller refused it for any other client)
    given = {"tenant_id": tenant_id, "provider_id": provider_id, "client_number": number, "client_id": client_id,
             "created_at": now}
    await session.execute(sql.insert_for(session, provider_client_number_history).values(**given)
                          .on_conflict_do_nothing(index_elements=["tenant_id", "provider_id", "client_number"]))

# --- recorded events (read model) -------------------------------------------------------------


async def usages(session: AsyncSession, tenant_id: str, voucher_id: str) -> list[Row]:
    return await usages_of(session, tenant_id, [voucher_id])


async def usages_of(session: AsyncSession, tenant_id: str, voucher_ids: Sequence[str]) -> list[Row]:
    """What is charged now on each of the vouchers (`voucher_id` tells whose)."""
    q = select(recorded_events).where(
        recorded_events.c.tenant_id == tenant_id,
        recorded_events.c.voucher_id.in_(list(voucher_ids)),
        # a draft, a deleted event, an over-limit one waiting for the tenant's decision or rejected charges nothing
        recorded_events.c.status.not_in(("draft", "deleted", "awaiting_approval", "rejected")),
        recorded_events.c.credited.is_(False),  # the tenant took its whole value back
    )
    return [dict(r) for r in (await session.execute(q)).mappings().all()]


async def anything_charged(session: AsyncSession, tenant_id: str, voucher_id: str) -> bool:
    """Whether a charge stands on the voucher (an over-limit one waiting for the officer included): what keeps it
    open rather than granted (not used yet)."""
    q = select(recorded_events.c.event_id).where(
        recorded_events.c.tenant_id == tenant_id,
        recorded_events.c.voucher_id == voucher_id,
        recorded_events.c.status.not_in(("draft", "deleted", "rejected")),
        recorded_events.c.credited.is_(False),
    ).limit(1)
    return (await session.execute(q)).first() is not None


async def get_recorded_event(session: AsyncSession, tenant_id: str, event_id: str) -> Row | None:
    q = select(recorded_events).where(recorded_events.c.tenant_id == tenant_id, recorded_events.c.event_id == event_id)
    return _one((await session.execute(q)).mappings().first())


async def set_credited(session: AsyncSession, tenant_id: str, event_id: str, credited: bool) -> bool:
    """Mark an event credited (or its credit withdrawn): a credited event charges its voucher nothing. False: the
    event is not known here (yet)."""
    result = await session.execute(
        update(recorded_events)
        .where(recorded_events.c.tenant_id == tenant_id, recorded_events.c.event_id == event_id)
        .values(credited=credited)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def note_credit(session: AsyncSession, tenant_id: str, credit_id: str, event_id: str, *, withdrawn: bool) -> bool:
    """Keep a credit's request or withdrawal, heard in either order (a withdrawal heard first stays: the request
    after it changes nothing); return whether the event is credited now (one of its credits is not withdrawn)."""
    row = {"tenant_id": tenant_id, "credit_id": credit_id, "event_id": event_id, "withdrawn": withdrawn}
    stmt = sql.insert_for(session, event_credits).values(**row)
    keys = ["tenant_id", "credit_id"]
    await session.execute(stmt.on_conflict_do_update(index_elements=keys, set_={"withdrawn": True}) if withdrawn
                          else stmt.on_conflict_do_nothing(index_elements=keys))
    return await event_credited(session, tenant_id, event_id)


async def event_credited(session: AsyncSession, tenant_id: str, event_id: str) -> bool:
    query = select(func.count()).select_from(event_credits).where(
        event_credits.c.tenant_id == tenant_id, event_credits.c.event_id == event_id, ~event_credits.c.withdrawn)
    return bool((await session.execute(query)).scalar_one())


async def note_early_fact(session: AsyncSession, tenant_id: str, event_id: str, **fact: bool | str | int) -> None:
    """Keep `deleted=True`, `credited=...` or a `decision` (with its `decision_revision`) of an event not recorded
    here yet (`take_early_facts` applies it); of two decisions the one on the later revision is kept."""
    later = None
    if "decision_revision" in fact:
        kept = early_event_facts.c.decision_revision
        later = kept.is_(None) | (kept <= fact["decision_revision"])
    await upsert(session, early_event_facts, {"tenant_id": tenant_id, "event_id": event_id, **fact},
                 ["tenant_id", "event_id"], where=later)


# An event's recording, in one statement built once (the recorded-event consumer reads all three for each message):
# the row kept here, what reached here before it (early_event_facts) and whether one of its credits stands.
_EVENT_KEY: dict[str, Any] = {"tenant_id": bindparam("e_tenant_id"), "event_id": bindparam("e_event_id")}
_ONE_ROW = select(literal_column("1").label("one")).subquery("one_row")
_RECORDED_AND_EARLY = select(
    *(c.label(f"r_{c.name}") for c in recorded_events.c),
    *(c.label(f"f_{c.name}") for c in early_event_facts.c),
    exists().where(event_credits.c.tenant_id == _EVENT_KEY["tenant_id"],
                   event_credits.c.event_id == _EVENT_KEY["event_id"], ~event_credits.c.withdrawn).label("credited"),
).select_from(
    _ONE_ROW.outerjoin(recorded_events, and_(recorded_events.c.tenant_id == _EVENT_KEY["tenant_id"],
                                             recorded_events.c.event_id == _EVENT_KEY["event_id"]))
    .outerjoin(early_event_facts, and_(early_event_facts.c.tenant_id == _EVENT_KEY["tenant_id"],
                                       early_event_facts.c.event_id == _EVENT_KEY["event_id"]))
)
_DROP_EARLY = delete(early_event_facts).where(early_event_facts.c.tenant_id == _EVENT_KEY["tenant_id"],
                                              early_event_facts.c.event_id == _EVENT_KEY["event_id"])


async def recording_of(session: AsyncSession, tenant_id: str, event_id: str) -> tuple[Row | None, Row | None, bool]:
    """The event as recorded here (`get_recorded_event`), the facts that reached here before its recording (as
    `take_early_facts` returns them, but kept: `drop_early_facts` removes them once applied) and whether it is
    credited (`event_credited`), in one read."""
    key = {"e_tenant_id": tenant_id, "e_event_id": event_id}
    return _recording((await session.execute(_RECORDED_AND_EARLY, key)).mappings().one())


def _recording(row: Any) -> tuple[Row | None, Row | None, bool]:
    recorded = {c.name: row[f"r_{c.name}"] for c in recorded_events.c} if row["r_event_id"] is not None else None
    early = {c.name: row[f"f_{c.name}"] for c in early_event_facts.c} if row["f_event_id"] is not None else None
    return recorded, early, bool(row["credited"])


# `recording_of` that also inserts the recording when nothing is known of its event here (no row, no early fact, no
# credit), built once for each set of columns: PostgreSQL, a data-modifying CTE.
_RECORD_NEW: dict[tuple[str, ...], Any] = {}


def _record_new(columns: tuple[str, ...]) -> Any:
    known = _RECORDED_AND_EARLY.cte("known")
    unknown = select(*(bindparam(f"v_{c}", type_=recorded_events.c[c].type) for c in columns), false()).where(
        known.c.r_event_id.is_(None), known.c.f_event_id.is_(None), ~known.c.credited)
    saved = (pg_insert(recorded_events).from_select([*columns, "credited"], unknown)
             .on_conflict_do_nothing(index_elements=["tenant_id", "event_id"])
             .returning(recorded_events.c.event_id).cte("saved"))
    return select(known, exists(select(saved.c.event_id)).label("saved"))


async def record_if_new(session: AsyncSession, row: Row) -> tuple[Row | None, Row | None, bool, bool]:
    """`recording_of` the row's event and whether the row was saved with it (not credited), in one statement, when
    nothing is known of the event here: what the consumer would save then (each new charge). Otherwise, and on
    SQLite, nothing is saved (False): the caller decides from what is known and saves."""
    if not sql.is_postgres(session):
        return (*await recording_of(session, row["tenant_id"], row["event_id"]), False)
    statement = _RECORD_NEW.get(tuple(row))
    if statement is None:
        statement = _RECORD_NEW[tuple(row)] = _record_new(tuple(row))
    params = {"e_tenant_id": row["tenant_id"], "e_event_id": row["event_id"], **{f"v_{c}": v for c, v in row.items()}}
    found = (await session.execute(statement, params)).mappings().one()
    return (*_recording(found), bool(found["saved"]))


async def drop_early_facts(session: AsyncSession, tenant_id: str, event_id: str) -> None:
    await session.execute(_DROP_EARLY, {"e_tenant_id": tenant_id, "e_event_id": event_id})


# The recorded-event consumer's upsert of its row, built once for each dialect and set of columns (with `credited`
# for a new row or without).
_SAVE_RECORDED: dict[tuple[bool, tuple[str, ...]], Any] = {}


async def save_recorded_event(session: AsyncSession, row: Row) -> None:
    """Insert the event's row or, when it is here, update every column given (as `upsert` does)."""
    postgres = sql.is_postgres(session)
    columns = tuple(row)
    statement = _SAVE_RECORDED.get((postgres, columns))
    if statement is None:
        keys = ("tenant_id", "event_id")
        insert_ = (pg_insert if postgres else sqlite_insert)(recorded_events)
        statement = insert_.values({c: bindparam(f"v_{c}") for c in columns}).on_conflict_do_update(
            index_elements=list(keys), set_={c: insert_.excluded[c] for c in columns if c not in keys})
        _SAVE_RECORDED[(postgres, columns)] = statement
    await session.execute(statement, {f"v_{c}": v for c, v in row.items()})


async def take_early_facts(session: AsyncSession, tenant_id: str, event_id: str) -> Row | None:
    """What reached here about the event before its recording ({deleted, credited}), removed as it is applied."""
    where = (early_event_facts.c.tenant_id == tenant_id, early_event_facts.c.event_id == event_id)
    found = (await session.execute(select(early_event_facts).where(*where))).mappings().first()
    if found is None:
        return None
    await session.execute(delete(early_event_facts).where(*where))
    return dict(found)


# --- access log and look-up throttle ----------------------------------------------------------


async def log_access(session: AsyncSession, rows: list[Row]) -> None:
    if rows:
        await session.execute(insert(access_log), rows)


async def access_log_of(
    session: AsyncSession, tenant_id: str, client_id: str, limit: int, offset: int
) -> tuple[list[Row], int]:
    where = [access_log.c.tenant_id == tenant_id, access_log.c.client_id == client_id]
    total = (await session.execute(select(func.count()).select_from(access_log).where(*where))).scalar_one()
    # newest first: the person reading the log asks who read their data lately
    q = (
        select(access_log)
        .where(*where)
        .order_by(access_log.c.at.desc(), access_log.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [dict(r) for r in (await session.execute(q)).mappings().all()], int(total)


async def lookup_counts(
    session: AsyncSession, tenant_id: str, number: str, source: str, since: datetime
) -> tuple[int, int]:
    t = lookup_attempts
    failures = (
        await session.execute(
            select(func.count())
            .select_from(t)
            .where(t.c.tenant_id == tenant_id, t.c.number == number, t.c.success.is_(False), t.c.at >= since)
        )
    ).scalar_one()
    by_source = (
        await session.execute(select(func.count()).select_from(t).where(t.c.source == source, t.c.at >= since))
    ).scalar_one()
    return int(failures), int(by_source)


async def serialise_on(session: AsyncSession, key: str) -> None:
    """Serialise concurrent transactions on a key (seteli_common.sql.serialise_on)."""
    await sql.serialise_on(session, key, sqlite_table=provider_client_numbers)


async def client_with_number(session: AsyncSession, tenant_id: str, provider_id: str, client_id: str) -> Row | None:
    t = provider_client_numbers
    q = (
        select(clients, t.c.client_number)
        .outerjoin(
            t,
            and_(
                t.c.tenant_id == clients.c.tenant_id,
                t.c.client_id == clients.c.id,
                t.c.provider_id == provider_id,
            ),
        )
        .where(clients.c.tenant_id == tenant_id, clients.c.id == client_id)
    )
    return _one((await session.execute(q)).mappings().first())


def _names_given(tenant_id: str, refs: list[str]) -> tuple[Any, ...]:
    """(provider, name, client) rows for the names a provider gave its clients: its numbers, now and before (a
    number stays its first client's), and the client references its recorded events carry."""
    numbers, given = provider_client_numbers, provider_client_number_history
    recorded = select(recorded_events.c.provider_id, recorded_events.c.client_ref, vouchers.c.client_id).join(
        vouchers,
        and_(vouchers.c.tenant_id == recorded_events.c.tenant_id, vouchers.c.id == recorded_events.c.voucher_id),
    ).where(recorded_events.c.tenant_id == tenant_id, recorded_events.c.client_ref.in_(refs))
    return (
        select(numbers.c.provider_id, numbers.c.client_number, numbers.c.client_id).where(
            numbers.c.tenant_id == tenant_id, numbers.c.client_number.in_(refs)),
        select(given.c.provider_id, given.c.client_number, given.c.client_id).where(
            given.c.tenant_id == tenant_id, given.c.client_number.in_(refs)),
        recorded,
    )


def _internal_references(tenant_id: str, refs: list[str]) -> Any:
    """(provider, reference, client) rows: a client's internal reference names it only to a provider it has (or
    had) a booking with, as a booking without the provider's number carries it."""
    return select(bookings.c.provider_id, clients.c.reference, clients.c.id).distinct().join(
        bookings, and_(bookings.c.tenant_id == clients.c.tenant_id, bookings.c.client_id == clients.c.id),
    ).where(clients.c.tenant_id == tenant_id, clients.c.reference.in_(refs))


async def clients_by_refs(session: AsyncSession, tenant_id: str, refs: list[tuple[str, str]]) -> list[str]:
    """The clients behind (provider, client reference) pairs as other services know them (the reference a booking
    carries: the provider's own client number, or the client's internal reference). A pair names every client the
    provider knows by it; a client's internal reference counts only for a provider the client is booked with, so a
    provider's number that is by chance another client's reference never names that client."""
    named: dict[tuple[str, str], set[str]] = {}
    wanted = sorted({ref for _, ref in refs})
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        for q in (*_names_given(tenant_id, chunk), _internal_references(tenant_id, chunk)):
            for provider_id, ref, client_id in (await session.execute(q)).all():
                named.setdefault((provider_id, ref), set()).add(client_id)
    return list(dict.fromkeys(cid for pair in refs for cid in sorted(named.get(pair, ()))))


async def idempotent_answer(session: AsyncSession, tenant_id: str, scope: str, key: str) -> Row | None:
    """The stored first answer (request_hash, status_code, body) to a request with this Idempotency-Key."""
    t = idempotency_keys
    query = select(t).where(t.c.tenant_id == tenant_id, t.c.scope == scope, t.c.key == key)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def save_idempotent_answer(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(idempotency_keys).values(**values))

"""Settlement queries (the queue of open lines a run pays is in open_queue.py, the reports' in reports.py;
the use cases calling them are in service/). Tenant-owned queries always take the tenant; the caller owns
the transaction."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from seteli_common.sql import is_postgres, rows_by_key, serialise_on
from seteli_common.sql import upsert as _upsert
from sqlalchemy import BigInteger, Text, and_, any_, bindparam, distinct, exists, false, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    billing_facts,
    carryovers,
    client_refs,
    interruptions,
    ledger,
    metadata,
    open_lines,
    paid_lines,
    payments,
    previews,
    providers,
    run_jobs,
    runs,
    services,
    set_offs,
    sites,
    sources,
    tenants,
)
from . import open_queue

Row = dict[str, Any]


async def advisory_lock(session: AsyncSession, key: str) -> None:
    """Serialise work on one key (a tenant's run start, a provider's payment) across processes, and on
    SQLite across the embedded suite's concurrent tasks (seteli_common.sql.serialise_on)."""
    await serialise_on(session, key, sqlite_table=runs)


# The provider locks each transaction holds (weakly held: a new transaction locks again). Held to the
# transaction's end, a lock is taken once: a consumer's batch of one provider's events is one transaction.
_PROVIDERS_LOCKED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


async def lock_provider(session: AsyncSession, tenant_id: str, provider_id: str) -> None:
    """Held by a job paying a provider and by a ledger change of its lines: they never interleave."""
    key = f"settlement-provider:{tenant_id}:{provider_id}"
    transaction = session.sync_session.get_transaction()
    held = _PROVIDERS_LOCKED.setdefault(transaction, set()) if transaction is not None else set()
    if key not in held:
        await advisory_lock(session, key)
        held.add(key)


# --- read models -----------------------------------------------------------------------------


async def upsert_tenant(session: AsyncSession, values: Row) -> None:
    await _upsert(session, tenants, values, ["id"])


async def change_tenant(session: AsyncSession, tenant_id: str, values: Row, at: datetime) -> bool:
    """The tenant's settings as stated at `at`, unless a newer statement is kept already (an older change
    heard late changes nothing). False when the tenant is not known here (yet)."""
    at = at.astimezone(UTC)
    newer_kept = tenants.c.changed_at.is_not(None) & (tenants.c.changed_at > at)
    result = await session.execute(
        update(tenants).where(tenants.c.id == tenant_id, ~newer_kept).values(**values, changed_at=at)
    )
    return bool(getattr(result, "rowcount", 0)) or await get_tenant(session, tenant_id) is not None


async def get_tenant(session: AsyncSession, tenant_id: str) -> Row | None:
    row = (await session.execute(select(tenants).where(tenants.c.id == tenant_id))).mappings().first()
    return dict(row) if row else None


async def upsert_provider(session: AsyncSession, values: Row) -> None:
    await _upsert(session, providers, values, ["id"])


async def rename_provider(session: AsyncSession, provider_id: str, name: str, at: datetime) -> bool:
    """The company's name as stated at `at`, unless a newer name is kept already (an older rename heard late
    changes nothing). False when the provider is not known here (yet)."""
    at = at.astimezone(UTC)
    newer_kept = providers.c.named_at.is_not(None) & (providers.c.named_at > at)
    result = await session.execute(
        update(providers).where(providers.c.id == provider_id, ~newer_kept).values(name=name, named_at=at)
    )
    return bool(getattr(result, "rowcount", 0)) or await get_provider(session, provider_id) is not None


async def upsert_site(session: AsyncSession, values: Row, named_at: datetime) -> None:
    """A site as stated at `named_at`; its name and address stay as they are when a newer statement is kept."""
    at = named_at.astimezone(UTC)
    await _upsert(session, sites, {**values, "named_at": at}, ["id"],
                  where=sites.c.named_at.is_(None) | (sites.c.named_at <= at))


async def record_billing(
    session: AsyncSession, provider_id: str, site_id: str | None, billing: Row | None, at: datetime
) -> Row | None:
    """Keep a billing fact of a company (site_id None) or a site unless a newer one is known already;
    return the newest billing information known for that payee."""
    at = at.astimezone(UTC)
    key = {"provider_id": provider_id, "site_id": site_id or ""}
    await _upsert(
        session,
        billing_facts,
        {**key, "billing": billing, "occurred_at": at},
        list(key),
        where=billing_facts.c.occurred_at <= at,
    )
    query = select(billing_facts.c.billing).where(
        billing_facts.c.provider_id == key["provider_id"], billing_facts.c.site_id == key["site_id"]
    )
    newest: Row | None = (await session.execute(query)).scalar_one()
    return newest


async def set_provider_billing(session: AsyncSession, provider_id: str, billing: Row | None) -> int:
    result = await session.execute(update(providers).where(providers.c.id == provider_id).values(billing=billing))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def set_site_billing(session: AsyncSession, provider_id: str, site_id: str, billing: Row | None) -> int:
    result = await session.execute(
        update(sites).where(sites.c.id == site_id, sites.c.provider_id == provider_id).values(billing=billing)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def get_provider(session: AsyncSession, provider_id: str) -> Row | None:
    row = (await session.execute(select(providers).where(providers.c.id == provider_id))).mappings().first()
    return dict(row) if row else None


async def provider_sites(session: AsyncSession, provider_id: str) -> dict[str, Row]:
    rows = (await session.execute(select(sites).where(sites.c.provider_id == provider_id))).mappings().all()
    return {r["id"]: dict(r) for r in rows}


async def providers_and_sites(session: AsyncSession, provider_ids: Sequence[str]
                              ) -> tuple[dict[str, Row], dict[str, dict[str, Row]]]:
    """`get_provider` and `provider_sites` of many providers in two reads (a tenant's preview plans them all)."""
    ids = list(provider_ids)
    found = {r["id"]: dict(r) for r in
             (await session.execute(select(providers).where(providers.c.id.in_(ids)))).mappings().all()}
    by_provider: dict[str, dict[str, Row]] = {i: {} for i in ids}
    for r in (await session.execute(select(sites).where(sites.c.provider_id.in_(ids)))).mappings().all():
        by_provider[r["provider_id"]][r["id"]] = dict(r)
    return found, by_provider


async def upsert_service(session: AsyncSession, values: Row, defined_at: datetime) -> None:
    """A service as stated at `defined_at`, unless a newer definition is kept already."""
    at = defined_at.astimezone(UTC)
    await _upsert(session, services, {**values, "defined_at": at}, ["tenant_id", "id"],
                  where=services.c.defined_at.is_(None) | (services.c.defined_at <= at))


async def tenant_services(session: AsyncSession, tenant_id: str) -> list[Row]:
    rows = (await session.execute(select(services).where(services.c.tenant_id == tenant_id))).mappings().all()
    return [dict(r) for r in rows]


async def all_tenant_ids(session: AsyncSession) -> list[str]:
    return list((await session.execute(select(tenants.c.id).order_by(tenants.c.id))).scalars())


# --- ledger ------------------------------------------------------------------------------------


# The statements every recorded event's message runs (claim, lock, set its source; its lines), built once with
# bound parameters: building a new select()/insert()/update() and its cache key per message cost the consumer
# more CPU than running it (bench/README.md, P1: a quarter of the settlement consumer's CPU per event).
# (A bound parameter of an INSERT or UPDATE may not bear the name of a column: "s_" names them all.)
_OF_SOURCE = (sources.c.tenant_id == bindparam("s_tenant_id"), sources.c.kind == bindparam("s_kind"),
              sources.c.source_id == bindparam("s_source_id"))
_LOCK_SOURCE = {postgres: (select(sources).where(*_OF_SOURCE).with_for_update() if postgres
                           else select(sources).where(*_OF_SOURCE)) for postgres in (False, True)}
_CLAIM_SOURCE: dict[bool, Any] = {
    postgres: (pg_insert if postgres else sqlite_insert)(sources).values(
        tenant_id=bindparam("s_tenant_id"), kind=bindparam("s_kind"), source_id=bindparam("s_source_id"), revision=0,
        deleted=False, fingerprint="").on_conflict_do_nothing()
    for postgres in (False, True)
}
_CLAIM_SOURCE[True] = _CLAIM_SOURCE[True].returning(*sources.c)  # a new head comes back already locked
_INSERT_LINES = {postgres: (pg_insert if postgres else sqlite_insert)(ledger).on_conflict_do_nothing()
                 for postgres in (False, True)}
_SET_SOURCE: dict[tuple[str, ...], Any] = {}  # by the columns set


def _set_source_statement(columns: tuple[str, ...]) -> Any:
    statement = _SET_SOURCE.get(columns)
    if statement is None:
        statement = update(sources).where(*_OF_SOURCE).values({c: bindparam(f"new_{c}") for c in columns})
        _SET_SOURCE[columns] = statement
    return statement


def _source_key(tenant_id: str, kind: str, source_id: str) -> dict[str, str]:
    return {"s_tenant_id": tenant_id, "s_kind": kind, "s_source_id": source_id}


async def lock_source(session: AsyncSession, tenant_id: str, kind: str, source_id: str) -> Row | None:
    """The head row of a source, locked: every change of one event/interruption/credit is serialised."""
    query = _LOCK_SOURCE[is_postgres(session)]
    row = (await session.execute(query, _source_key(tenant_id, kind, source_id))).mappings().first()
    return dict(row) if row else None


async def claim_source(session: AsyncSession, tenant_id: str, kind: str, source_id: str) -> Row | None:
    """Create the head row if missing (racing creators meet the primary key), then lock it."""
    key = _source_key(tenant_id, kind, source_id)
    if is_postgres(session):
        # A source heard of for the first time (each new event): its head, inserted by this transaction, is
        # no one else's until it commits, so it needs no second statement to lock it.
        created = (await session.execute(_CLAIM_SOURCE[True], key)).mappings().first()
        if created is not None:
            return dict(created)
    else:
        await session.execute(_CLAIM_SOURCE[False], key)
    return await lock_source(session, tenant_id, kind, source_id)


async def set_source(session: AsyncSession, tenant_id: str, kind: str, source_id: str, **values: Any) -> None:
    columns = tuple(sorted(values))
    await session.execute(_set_source_statement(columns), {
        **_source_key(tenant_id, kind, source_id), **{f"new_{c}": values[c] for c in columns}})


def lines_in_one_statement(session: AsyncSession, new_source: bool) -> bool:
    """Whether `insert_lines` writes a new source's lines in the one statement that also sets its head and reads
    the client's current number (PostgreSQL): then the caller gives the number as recorded."""
    return new_source and is_postgres(session)


async def insert_lines(session: AsyncSession, rows: list[Row], *, new_source: bool = False,
                       head_revision: int | None = None) -> bool:
    """Ledger lines, the payable ones queued (open_lines). `new_source`: the lines' source (one) was never written
    under before (its head at revision 0); when `lines_in_one_statement`, their client_ref is the number as
    recorded, turned into the current one (`current_client_ref`) by the statement. `head_revision`: the new
    source's head is to take this revision; True when this did it (in the same statement), else the caller does."""
    if rows and lines_in_one_statement(session, new_source):
        await open_queue.insert_new_source_lines(session, rows[0]["tenant_id"], rows, head_revision, as_stated=True)
        return head_revision is not None
    if rows:
        await session.execute(_INSERT_LINES[is_postgres(session)], rows)
        sources_by_kind: dict[tuple[str, str], set[str]] = {}
        for row in rows:
            sources_by_kind.setdefault((row["tenant_id"], row["kind"]), set()).add(row["source_id"])
        for (tenant_id, kind), source_ids in sources_by_kind.items():
            await open_queue.open_payable(session, tenant_id, sources=(kind, sorted(source_ids)))
    return False


async def live_lines(session: AsyncSession, tenant_id: str, kind: str, source_id: str) -> list[Row]:
    """Lines of a source that still count: not superseded/rejected and not already reversed."""
    return await _live_lines(session, tenant_id, ledger.c.kind == kind, ledger.c.source_id == source_id)


async def live_credit_lines_of(session: AsyncSession, tenant_id: str, credited_id: str) -> list[Row]:
    """The lines that still count of the credits of one event or interruption (its id)."""
    return await _live_lines(session, tenant_id, ledger.c.kind == "credit", ledger.c.event_id == credited_id)


async def _live_lines(session: AsyncSession, tenant_id: str, *of_source: Any) -> list[Row]:
    reversal = ledger.alias("reversal")
    query = (
        select(ledger)
        .where(
            ledger.c.tenant_id == tenant_id,
            *of_source,
            ledger.c.entry == "line",
            ledger.c.status.in_(("payable", "awaiting_approval")),
            ~exists().where(reversal.c.tenant_id == tenant_id, reversal.c.reverses == ledger.c.id),
        )
        .order_by(ledger.c.id)
    )
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def paid_among(session: AsyncSession, tenant_id: str, line_ids: list[int]) -> set[int]:
    if not line_ids:
        return set()
    query = select(paid_lines.c.line_id).where(paid_lines.c.tenant_id == tenant_id, paid_lines.c.line_id.in_(line_ids))
    return set((await session.execute(query)).scalars())


async def payments_of_lines(session: AsyncSession, tenant_id: str, line_ids: list[int]) -> dict[int, int]:
    """The payment that paid each of the lines paid already."""
    if not line_ids:
        return {}
    query = select(paid_lines.c.line_id, paid_lines.c.payment_id).where(
        paid_lines.c.tenant_id == tenant_id, paid_lines.c.line_id.in_(line_ids))
    return {int(r[0]): int(r[1]) for r in await session.execute(query)}


async def unreversed_total(session: AsyncSession, tenant_id: str, payment_id: int) -> Decimal:
    """The sum of the payment's lines not reversed since (a reversal of a paid line is paid in a later run)."""
    reversal = ledger.alias("reversal")
    reversed_ = exists().where(reversal.c.tenant_id == ledger.c.tenant_id, reversal.c.reverses == ledger.c.id)
    query = (
        select(func.coalesce(func.sum(ledger.c.amount), 0))
        .select_from(ledger.join(paid_lines, and_(paid_lines.c.tenant_id == ledger.c.tenant_id,
                                                  paid_lines.c.line_id == ledger.c.id)))
        .where(paid_lines.c.tenant_id == tenant_id, paid_lines.c.payment_id == payment_id, ~reversed_)
    )
    return Decimal((await session.execute(query)).scalar_one())


async def set_line_status(session: AsyncSession, tenant_id: str, line_ids: list[int], status: str) -> None:
    """Change the status of unpaid lines, and keep open_lines in step: only payable lines are open."""
    if line_ids:
        await session.execute(
            update(ledger).where(ledger.c.tenant_id == tenant_id, ledger.c.id.in_(line_ids)).values(status=status)
        )
        if status == "payable":
            await open_queue.open_payable(session, tenant_id, ledger.c.id.in_(line_ids))
        else:
            await open_queue.close(session, tenant_id, line_ids)


async def lines_of_event(session: AsyncSession, tenant_id: str, event_id: str) -> list[Row]:
    query = (
        select(ledger, paid_lines.c.run_id, paid_lines.c.payment_id)
        .select_from(
            ledger.outerjoin(
                paid_lines,
                and_(paid_lines.c.tenant_id == ledger.c.tenant_id, paid_lines.c.line_id == ledger.c.id),
            )
        )
        .where(
            ledger.c.tenant_id == tenant_id,
            (ledger.c.event_id == event_id) | (ledger.c.source_id == event_id),
        )
        .order_by(ledger.c.id)
    )
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


_CURRENT_CLIENT_REF = select(client_refs.c.current_ref).where(
    client_refs.c.tenant_id == bindparam("tenant_id"), client_refs.c.provider_id == bindparam("provider_id"),
    client_refs.c.client_ref == bindparam("client_ref"))


async def current_client_ref(session: AsyncSession, tenant_id: str, provider_id: str, client_ref: str) -> str:
    """The provider's number stated last for the client known by `client_ref` (itself when none was stated)."""
    result = await session.execute(_CURRENT_CLIENT_REF, {
        "tenant_id": tenant_id, "provider_id": provider_id, "client_ref": client_ref})
    return result.scalar_one_or_none() or client_ref


async def rename_client(session: AsyncSession, tenant_id: str, provider_id: str, names: Sequence[str],
                        client_ref: str, at: datetime) -> None:
    """The client known by `names` is `client_ref` as stated at `at`: each name (and a name that stood for one of
    them) points to it unless a later statement named it already, and the ledger's lines and interruptions
    under the names pointing to it carry it. The lines stay as they are otherwise (amounts, payments)."""
    at = at.astimezone(UTC)
    t = client_refs
    for name in dict.fromkeys([*names, client_ref]):
        await _upsert(session, t, {"tenant_id": tenant_id, "provider_id": provider_id, "client_ref": name,
                                   "current_ref": client_ref, "stated_at": at},
                      ["tenant_id", "provider_id", "client_ref"], where=t.c.stated_at <= at)
    await session.execute(update(t).where(
        t.c.tenant_id == tenant_id, t.c.provider_id == provider_id, t.c.current_ref.in_(names),
        t.c.stated_at <= at).values(current_ref=client_ref, stated_at=at))
    renamed = select(t.c.client_ref).where(t.c.tenant_id == tenant_id, t.c.provider_id == provider_id,
                                           t.c.current_ref == client_ref, t.c.client_ref != client_ref)
    for table in (ledger, interruptions):
        await session.execute(update(table).where(
            table.c.tenant_id == tenant_id, table.c.provider_id == provider_id,
            table.c.client_ref.in_(renamed)).values(client_ref=client_ref))


async def upsert_interruption(session: AsyncSession, values: Row) -> None:
    await _upsert(session, interruptions, values, ["tenant_id", "id"])


async def delete_interruption(session: AsyncSession, tenant_id: str, interruption_id: str) -> None:
    await session.execute(
        interruptions.delete().where(interruptions.c.tenant_id == tenant_id, interruptions.c.id == interruption_id)
    )


# --- runs -----------------------------------------------------------------------------------------


async def insert_run(session: AsyncSession, values: Row) -> None:
    await session.execute(runs.insert().values(**values))


async def get_run(session: AsyncSession, tenant_id: str, run_id: str, *, lock: bool = False) -> Row | None:
    query = select(runs).where(runs.c.tenant_id == tenant_id, runs.c.id == run_id)
    if lock and is_postgres(session):
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def settled_news_of_run(session: AsyncSession, tenant_id: str, run_id: str, since: datetime) -> list[Row]:
    """The `settlement.events.settled` events the run's work wrote to the outbox (still kept there: the outbox
    keeps sent rows a while, longer than a consistency token lives): type, tenant, id and when."""
    outbox = metadata.tables["outbox"]
    query = select(outbox.c.event_id, outbox.c.type, outbox.c.tenant_id, outbox.c.occurred_at, outbox.c.payload).where(
        outbox.c.tenant_id == tenant_id, outbox.c.type == "settlement.events.settled", outbox.c.occurred_at >= since)
    rows = (await session.execute(query.order_by(outbox.c.id))).mappings().all()
    return [dict(r) for r in rows if (r["payload"] or {}).get("run_id") == run_id]


async def run_by_idempotency_key(session: AsyncSession, tenant_id: str, key: str) -> Row | None:
    query = select(runs).where(runs.c.tenant_id == tenant_id, runs.c.idempotency_key == key)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def list_runs(session: AsyncSession, tenant_id: str, limit: int, offset: int) -> tuple[list[Row], int]:
    where = runs.c.tenant_id == tenant_id
    total = (await session.execute(select(func.count()).select_from(runs).where(where))).scalar_one()
    rows = (
        (
            await session.execute(
                select(runs).where(where).order_by(runs.c.created_at.desc(), runs.c.id).limit(limit).offset(offset)
            )
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows], int(total)


async def runs_of_month(session: AsyncSession, tenant_id: str, month_first: date) -> list[Row]:
    rows = (
        (await session.execute(select(runs).where(runs.c.tenant_id == tenant_id, runs.c.month == month_first)))
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


async def running_run(session: AsyncSession, tenant_id: str) -> Row | None:
    """The tenant's oldest run still being paid, if any."""
    query = (
        select(runs)
        .where(runs.c.tenant_id == tenant_id, runs.c.state == "running")
        .order_by(runs.c.created_at, runs.c.id)
        .limit(1)
    )
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def complete_run(session: AsyncSession, tenant_id: str, run_id: str, total: Any, at: datetime) -> None:
    await session.execute(
        update(runs)
        .where(runs.c.tenant_id == tenant_id, runs.c.id == run_id)
        .values(state="completed", total=total, completed_at=at)
    )


# Work for the workers (payment jobs, pending specifications): announced to this process's workers by the
# commit (`Database.committed_with`) and to other processes' by a NOTIFY on WORK_CHANNEL, sent on commit.
WORK_WAITING = "settlement.work_waiting"
WORK_CHANNEL = "settlement_work"
_NOTIFY_WORK = text(f"SELECT pg_notify('{WORK_CHANNEL}', '')")


async def announce_work(session: AsyncSession) -> None:
    if not session.info.get(WORK_WAITING):
        session.info[WORK_WAITING] = True
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(_NOTIFY_WORK)  # delivered when (and only if) the transaction commits


async def insert_jobs(session: AsyncSession, rows: list[Row]) -> None:
    if rows:
        await session.execute(run_jobs.insert(), rows)
        await announce_work(session)


async def claim_job(session: AsyncSession, now: datetime, run_id: str | None = None) -> Row | None:
    """One pending job, or a running one whose lease ran out (its worker died), skipping locked rows."""
    claimable = (run_jobs.c.state == "pending") | ((run_jobs.c.state == "running") & (run_jobs.c.leased_until < now))
    # The IN repeats the partial index's predicate word for word, so the planner uses it.
    query = (
        select(run_jobs)
        .where(text("run_jobs.state IN ('pending', 'running')"), claimable)
        .order_by(run_jobs.c.leased_until.nulls_first())
        .limit(1)
    )
    if run_id is not None:
        query = query.where(run_jobs.c.run_id == run_id)
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def take_job(session: AsyncSession, job: Row, now: datetime, **values: Any) -> bool:
    """Takes the job ``claim_job`` found, if it is still claimable: one UPDATE that re-checks the state, so
    two workers that found the same job (SQLite has no SKIP LOCKED) never both take it, and a job another
    worker finished meanwhile is not taken again."""
    claimable = (run_jobs.c.state == "pending") | ((run_jobs.c.state == "running") & (run_jobs.c.leased_until < now))
    result = await session.execute(
        update(run_jobs)
        .where(
            run_jobs.c.tenant_id == job["tenant_id"],
            run_jobs.c.run_id == job["run_id"],
            run_jobs.c.provider_id == job["provider_id"],
            claimable,
        )
        .values(**values)
    )
    return bool(getattr(result, "rowcount", 0))


async def lock_job(session: AsyncSession, tenant_id: str, run_id: str, provider_id: str) -> Row | None:
    query = select(run_jobs).where(
        run_jobs.c.tenant_id == tenant_id, run_jobs.c.run_id == run_id, run_jobs.c.provider_id == provider_id
    )
    if is_postgres(session):
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def update_job(session: AsyncSession, tenant_id: str, run_id: str, provider_id: str, **values: Any) -> None:
    await session.execute(
        update(run_jobs)
        .where(
            run_jobs.c.tenant_id == tenant_id,
            run_jobs.c.run_id == run_id,
            run_jobs.c.provider_id == provider_id,
        )
        .values(**values)
    )


async def job_counts(session: AsyncSession, tenant_id: str, run_id: str) -> dict[str, int]:
    query = (
        select(run_jobs.c.state, func.count())
        .where(run_jobs.c.tenant_id == tenant_id, run_jobs.c.run_id == run_id)
        .group_by(run_jobs.c.state)
    )
    return {state: int(n) for state, n in (await session.execute(query)).all()}


async def count_job_finished(session: AsyncSession, tenant_id: str, run_id: str, *, failed: bool = False) -> Row:
    """Count one more finished job (paid, or parked as failed); the update locks the run row until the caller
    commits. Returns the run's counts, `jobs_finished` among them."""
    counted = {"jobs_failed": runs.c.jobs_failed + 1} if failed else {"jobs_done": runs.c.jobs_done + 1}
    stmt = (
        update(runs)
        .where(runs.c.tenant_id == tenant_id, runs.c.id == run_id)
        .values(**counted)
        .returning(runs.c.jobs_done, runs.c.jobs_failed, runs.c.jobs_total, runs.c.state, runs.c.month)
    )
    row = dict((await session.execute(stmt)).mappings().one())
    return {**row, "jobs_finished": row["jobs_done"] + row["jobs_failed"]}


async def run_progress(session: AsyncSession, run_id: str) -> tuple[int, int]:
    """(jobs finished, paid or parked as failed; jobs in all)."""
    query = select(runs.c.jobs_done + runs.c.jobs_failed, runs.c.jobs_total).where(runs.c.id == run_id)
    row = (await session.execute(query)).one()
    return int(row[0]), int(row[1])


async def failed_jobs(session: AsyncSession, tenant_id: str, run_ids: Sequence[str]) -> list[Row]:
    """The jobs parked as failed of these runs, with the provider's name (None if settlement does not know it)."""
    if not run_ids:
        return []
    query = (
        select(run_jobs.c.run_id, run_jobs.c.provider_id, providers.c.name.label("provider_name"),
               run_jobs.c.attempts, run_jobs.c.error, run_jobs.c.finished_at)
        .select_from(run_jobs.outerjoin(providers, providers.c.id == run_jobs.c.provider_id))
        .where(run_jobs.c.tenant_id == tenant_id, run_jobs.c.run_id.in_(list(run_ids)), run_jobs.c.state == "failed")
        .order_by(run_jobs.c.run_id, providers.c.name, run_jobs.c.provider_id)
    )
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def insert_payment(session: AsyncSession, values: Row) -> int:
    result = await session.execute(payments.insert().values(**values).returning(payments.c.id))
    if values.get("spec_state") == "pending":
        await announce_work(session)  # a specification to render
    return int(result.scalar_one())


async def insert_carryover(session: AsyncSession, values: Row) -> None:
    await session.execute(carryovers.insert().values(**values))


async def open_set_offs(session: AsyncSession, tenant_id: str, provider_id: str) -> list[Row]:
    """What was set off earlier of the provider's payees whose lines are still open, per producer part, as
    totals `domain.plan_provider_totals` adds to those parts ({producer_part, amount, line_count: 0})."""
    query = (
        select(set_offs.c.from_part.label("producer_part"), func.sum(set_offs.c.amount).label("amount"))
        .where(set_offs.c.tenant_id == tenant_id, set_offs.c.provider_id == provider_id,
               set_offs.c.settled_by.is_(None))
        .group_by(set_offs.c.from_part)
    )
    return [{**r, "line_count": 0} for r in (await session.execute(query)).mappings().all()]


async def open_set_offs_of(session: AsyncSession, tenant_id: str, provider_ids: Sequence[str]
                           ) -> dict[str, list[Row]]:
    """`open_set_offs` of many providers in one read."""
    query = (
        select(set_offs.c.provider_id, set_offs.c.from_part.label("producer_part"),
               func.sum(set_offs.c.amount).label("amount"))
        .where(set_offs.c.tenant_id == tenant_id, set_offs.c.provider_id.in_(list(provider_ids)),
               set_offs.c.settled_by.is_(None))
        .group_by(set_offs.c.provider_id, set_offs.c.from_part)
    )
    by_provider: dict[str, list[Row]] = {i: [] for i in provider_ids}
    for r in (await session.execute(query)).mappings().all():
        by_provider[r["provider_id"]].append({"producer_part": r["producer_part"], "amount": r["amount"],
                                              "line_count": 0})
    return by_provider


async def insert_set_offs(session: AsyncSession, rows: list[Row]) -> None:
    if rows:
        await session.execute(set_offs.insert(), rows)


async def settle_set_offs(session: AsyncSession, tenant_id: str, provider_id: str, parts: Sequence[str | None],
                          payment_id: int) -> None:
    """The debtor's lines of these producer parts are paid by `payment_id`: what was set off of them is settled."""
    named = [p for p in parts if p is not None]
    of_parts: Any = set_offs.c.from_part.in_(named) if named else false()
    if None in parts:
        of_parts = of_parts | set_offs.c.from_part.is_(None)
    await session.execute(
        update(set_offs)
        .where(set_offs.c.tenant_id == tenant_id, set_offs.c.provider_id == provider_id,
               set_offs.c.settled_by.is_(None), of_parts)
        .values(settled_by=payment_id)
    )


async def open_set_off_rows(session: AsyncSession, tenant_id: str, provider_id: str) -> list[Row]:
    """The provider's set-offs (of every kind) whose debtor is not paid yet, in the order they were made."""
    query = select(set_offs).where(set_offs.c.tenant_id == tenant_id, set_offs.c.provider_id == provider_id,
                                   set_offs.c.settled_by.is_(None))
    return [dict(r) for r in (await session.execute(query.order_by(set_offs.c.id))).mappings().all()]


async def set_offs_made_from(session: AsyncSession, tenant_id: str, provider_id: str, payment_ids: list[int]
                             ) -> list[Row]:
    """Every row of the deductions made from these payments (and of what was given back of them), oldest first."""
    query = select(set_offs).where(set_offs.c.tenant_id == tenant_id, set_offs.c.provider_id == provider_id,
                                   set_offs.c.payment_id.in_(payment_ids))
    return [dict(r) for r in (await session.execute(query.order_by(set_offs.c.id))).mappings().all()]


async def providers_with_open_set_offs(session: AsyncSession, tenant_id: str) -> list[str]:
    """Providers owed or owing a set-off not settled yet: a deduction given back is paid even with no line open."""
    query = (
        select(set_offs.c.provider_id)
        .where(set_offs.c.tenant_id == tenant_id, set_offs.c.settled_by.is_(None), set_offs.c.kind == "repaid")
        .distinct()
    )
    return list((await session.execute(query)).scalars())


async def open_credits(session: AsyncSession, tenant_id: str, provider_id: str) -> list[Row]:
    """A provider's open negative lines, oldest first ({line_id, producer_part, amount, kind, source_id, month,
    held_by_run}), less those reversed already (withdrawn while a run had locked them: that run pays them, the next
    their reversal)."""
    o = open_lines.c
    query = (
        select(o.line_id, o.producer_part, o.amount, o.kind, o.source_id, o.month, o.held_by_run)
        .where(o.tenant_id == tenant_id, o.provider_id == provider_id, o.amount < 0, ~_reversed(o.line_id))
        .order_by(o.month, o.line_id)
    )
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


def _reversed(line_id: Any) -> Any:
    return exists().where(ledger.c.tenant_id == open_lines.c.tenant_id, ledger.c.reverses == line_id)


async def open_credits_reversed(session: AsyncSession, tenant_id: str, run_id: str | None, month_first: date,
                                provider_id: str) -> list[Row]:
    """The provider's negative lines the run pays that were reversed after its lock ({line_id, producer_part}):
    credits withdrawn while the run was being paid. `run_id` None: a preview's, which pays every open line."""
    o = open_lines.c
    query = select(o.line_id, o.producer_part).where(
        o.tenant_id == tenant_id, o.provider_id == provider_id, o.month <= month_first, ~_held_for_later(run_id),
        o.amount < 0, _reversed(o.line_id))
    return [dict(r) for r in (await session.execute(query.order_by(o.line_id))).mappings().all()]


async def providers_with_open_credits_reversed(session: AsyncSession, tenant_id: str, month_first: date) -> set[str]:
    """The providers with a negative open line of the month or before that was reversed: those a preview asks
    `open_credits_reversed` of (one read for the tenant instead of one a provider)."""
    o = open_lines.c
    query = select(o.provider_id).distinct().where(
        o.tenant_id == tenant_id, o.month <= month_first, o.amount < 0, _reversed(o.line_id))
    return set((await session.execute(query)).scalars().all())


async def reversals_paid_with(session: AsyncSession, tenant_id: str, run_id: str | None, month_first: date,
                              line_ids: list[Any]) -> set[Any]:
    """Of the credit lines `line_ids`, those whose reversal the run (None: a preview) pays too (open, of its months,
    not held for a later run): a credit withdrawn while an earlier run held it, whose job there was parked unpaid."""
    if not line_ids:
        return set()
    o = open_lines.c
    query = select(ledger.c.reverses).join(
        open_lines, and_(o.tenant_id == ledger.c.tenant_id, o.line_id == ledger.c.id)
    ).where(ledger.c.tenant_id == tenant_id, ledger.c.reverses.in_(line_ids), o.month <= month_first,
            ~_held_for_later(run_id))
    return set((await session.execute(query)).scalars().all())


def _held_for_later(run_id: str | None) -> Any:
    """An open line the run (None: a preview) does not pay: opened while it was being paid."""
    if run_id is None:
        return false()
    return and_(open_lines.c.held_by_run.is_not(None), open_lines.c.held_by_run == run_id)


async def run_set_offs(session: AsyncSession, tenant_id: str, run_id: str) -> list[Row]:
    """The deductions the run made (not those given back later, which keep its run_id)."""
    query = select(set_offs).where(set_offs.c.tenant_id == tenant_id, set_offs.c.run_id == run_id,
                                   set_offs.c.kind == "set_off")
    return [dict(r) for r in (await session.execute(query.order_by(set_offs.c.id))).mappings().all()]


async def run_repayments(session: AsyncSession, tenant_id: str, run_id: str) -> list[Row]:
    """The deductions given back (`repaid`) that the run's payments pay: they keep the run_id of the run that
    made the deduction, so they are found by the payment that settles them."""
    of_run = select(payments.c.id).where(payments.c.tenant_id == tenant_id, payments.c.run_id == run_id)
    query = select(set_offs).where(set_offs.c.tenant_id == tenant_id, set_offs.c.kind == "repaid",
                                   set_offs.c.settled_by.in_(of_run.scalar_subquery()))
    return [dict(r) for r in (await session.execute(query.order_by(set_offs.c.id))).mappings().all()]


async def set_offs_of_payment(session: AsyncSession, tenant_id: str, payment_id: int) -> list[Row]:
    """What was deducted from the payment, and what of its payee's credits had been set off elsewhere (or given
    back since) that the payment settles. A deduction given back later never shows on the payment it was made from."""
    query = select(set_offs).where(
        set_offs.c.tenant_id == tenant_id,
        ((set_offs.c.payment_id == payment_id) & (set_offs.c.kind == "set_off")) | (set_offs.c.settled_by == payment_id)
    )
    return [dict(r) for r in (await session.execute(query.order_by(set_offs.c.id))).mappings().all()]


async def run_payments(session: AsyncSession, tenant_id: str, run_id: str) -> list[Row]:
    query = (
        select(payments)
        .where(payments.c.tenant_id == tenant_id, payments.c.run_id == run_id)
        .order_by(payments.c.provider_id, payments.c.payee_key)
    )
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def payments_page(
    session: AsyncSession, tenant_id: str, provider_id: str | None, limit: int, offset: int, *,
    months: list[date] | None = None,
) -> tuple[list[Row], int]:
    """A page of the tenant's payments (optionally one provider's, of the runs of the months beginning on
    `months`) with their run's
    month and state, and the number of all. Newest run first; within a run by payee name (its payments are
    written in whatever order its jobs ran)."""
    of_run = and_(runs.c.tenant_id == payments.c.tenant_id, runs.c.id == payments.c.run_id)
    where = [payments.c.tenant_id == tenant_id]
    if provider_id is not None:
        where.append(payments.c.provider_id == provider_id)
    if months:
        where.append(payments.c.run_id.in_(
            select(runs.c.id).where(runs.c.tenant_id == tenant_id, runs.c.month.in_(sorted(set(months))))))
    total = (await session.execute(select(func.count()).select_from(payments).where(*where))).scalar_one()
    query = (
        select(payments, runs.c.month, runs.c.state.label("run_state"))
        .select_from(payments.join(runs, of_run))
        .where(*where)
        .order_by(runs.c.created_at.desc(), runs.c.id, payments.c.payee_name, payments.c.id)
        .limit(limit)
        .offset(offset)
    )
    rows = (await session.execute(query)).mappings().all()
    return [dict(r) for r in rows], int(total)


async def claim_pending_specification(session: AsyncSession) -> Row | None:
    query = select(payments).where(payments.c.spec_state == "pending").order_by(payments.c.id).limit(1)
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def set_spec_state(session: AsyncSession, tenant_id: str, payment_id: int, state: str) -> None:
    await session.execute(
        update(payments).where(payments.c.tenant_id == tenant_id, payments.c.id == payment_id).values(spec_state=state)
    )


async def get_payment(session: AsyncSession, tenant_id: str, run_id: str, payment_id: int) -> Row | None:
    query = select(payments).where(
        payments.c.tenant_id == tenant_id, payments.c.run_id == run_id, payments.c.id == payment_id
    )
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def run_carryovers(session: AsyncSession, tenant_id: str, run_id: str) -> list[Row]:
    query = (
        select(carryovers)
        .where(carryovers.c.tenant_id == tenant_id, carryovers.c.run_id == run_id)
        .order_by(carryovers.c.provider_id, carryovers.c.site_id)
    )
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def run_total(session: AsyncSession, tenant_id: str, run_id: str) -> Any:
    query = select(func.coalesce(func.sum(payments.c.amount), 0)).where(
        payments.c.tenant_id == tenant_id, payments.c.run_id == run_id
    )
    return (await session.execute(query)).scalar_one()


async def paid_lines_of(
    session: AsyncSession, tenant_id: str, run_id: str, payment_ids: Sequence[int] | None = None
) -> list[Row]:
    query = (
        select(ledger, paid_lines.c.payment_id)
        .select_from(
            paid_lines.join(
                ledger,
                and_(ledger.c.tenant_id == paid_lines.c.tenant_id, ledger.c.id == paid_lines.c.line_id),
            )
        )
        .where(paid_lines.c.tenant_id == tenant_id, paid_lines.c.run_id == run_id)
    )
    if payment_ids is not None:
        query = query.where(paid_lines.c.payment_id.in_(list(payment_ids)))
    return [dict(r) for r in (await session.execute(query.order_by(ledger.c.id))).mappings().all()]


# The ledger columns a specification prints (`documents.specification_lines`).
_NUMBERS = ("units", "unit_price", "amount", "co_payment")
_SPECIFIED = ("id", "kind", "entry", "reverses", "client_ref", "content_id", "unit", "units", "unit_price", "amount",
              "co_payment", "start", "end")


async def specification_lines_of(session: AsyncSession, tenant_id: str, run_id: str, payment_id: int) -> Sequence[Any]:
    """One payment's paid lines, only what its specification prints, as read-only rows (no dict per line:
    a month's payment has thousands)."""
    columns = [ledger.c[name] for name in _SPECIFIED]
    if not is_postgres(session):
        query = (
            select(*columns)
            .select_from(paid_lines.join(
                ledger, and_(ledger.c.tenant_id == paid_lines.c.tenant_id, ledger.c.id == paid_lines.c.line_id)))
            .where(paid_lines.c.tenant_id == tenant_id, paid_lines.c.run_id == run_id,
                   paid_lines.c.payment_id == payment_id)
            .order_by(ledger.c.id)
        )
        return (await session.execute(query)).mappings().all()
    # The payment's line ids by its index, then the ledger rows by primary key. As one join, the planner took
    # the run's index with the statistics of before the run (a run adds a whole month of paid lines at once)
    # and filtered every line of the run for each payment, or hash-joined a scan of the whole ledger: a full
    # month's 200 specifications cost 35 s of PostgreSQL CPU.
    paid = select(paid_lines.c.line_id, paid_lines.c.run_id).where(
        paid_lines.c.tenant_id == tenant_id, paid_lines.c.payment_id == payment_id
    )
    ids = [line_id for line_id, paid_in in await rows_by_key(session, paid) if paid_in == run_id]
    # The numbers as their text (the exact digits and scale): `documents.specification_lines` makes one Decimal
    # per distinct value, whose hash (~3 µs for a new Decimal) the specification's formatting caches then reuse.
    as_read: list[Any] = [c.cast(Text).label(c.name) if c.name in _NUMBERS else c for c in columns]
    query = (
        select(*as_read)
        .where(ledger.c.tenant_id == tenant_id, ledger.c.id == any_(bindparam("ids", ids, type_=ARRAY(BigInteger))))
        .order_by(ledger.c.id)
    )
    return await rows_by_key(session, query)


# --- previews ------------------------------------------------------------------------------------


async def events_awaiting_approval(session: AsyncSession, tenant_id: str, month_first: date) -> int:
    """How many events of the month or earlier wait for the tenant's approval (over the voucher's limit): a run
    pays them only once approved (`ix_ledger_awaiting_approval` holds just these lines)."""
    query = select(func.count(distinct(ledger.c.event_id))).where(
        ledger.c.tenant_id == tenant_id, ledger.c.status == "awaiting_approval", ledger.c.month <= month_first
    )
    return int((await session.execute(query)).scalar_one())


async def last_preview(session: AsyncSession, tenant_id: str, month_first: date) -> Row | None:
    query = select(previews).where(previews.c.tenant_id == tenant_id, previews.c.month == month_first)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def save_preview(session: AsyncSession, tenant_id: str, month_first: date, at: datetime, snap: Row) -> None:
    # An upsert: with delete + insert two concurrent previews of the month both inserted, and the second
    # failed on the primary key as a 500 (found by the load test, issue #10).
    await _upsert(
        session,
        previews,
        {"tenant_id": tenant_id, "month": month_first, "created_at": at, "snapshot": snap, "note": None},
        ("tenant_id", "month"),
    )

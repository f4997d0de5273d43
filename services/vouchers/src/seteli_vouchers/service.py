"""Shared context of the use cases, the access log, and client use cases. Never commits."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from seteli_common.auth import PROVIDER_STAFF, TENANT_STAFF, Principal
from seteli_common.consistency import After
from seteli_common.context import ServiceContext
from seteli_common.db import write_after_read
from seteli_common.errors import conflict, invalid, not_found
from seteli_common.pseudonym import person_pseudonym
from seteli_common.validators import ValidationFailed, identity_code_birth_date, validate_identity_code
from sqlalchemy.exc import IntegrityError

from . import access_repository as access_repo
from . import repository as repo
from .config import VouchersSettings
from .domain import CloseReason, State, validity_end_after_death
from .events import BookingEnded, ClientDied, ClientRegistered, VoucherClosed
from .models import clients


@dataclass(kw_only=True)
class VouchersContext(ServiceContext):
    settings: VouchersSettings
    # The writes of other services the request says it follows (`Seteli-After`, seteli_common.consistency):
    # a use case that does not find what the request names asks `after.pending(...)` before saying so.
    after: After = field(default_factory=After)


@dataclass(frozen=True)
class Actor:
    """Who reads personal data, for the access log."""

    subject: str
    role: str
    org: str | None
    name: str = ""  # as the token gives it

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        org = principal.provider_id if principal.role in PROVIDER_STAFF else principal.tenant_id
        if principal.role not in TENANT_STAFF | PROVIDER_STAFF:
            org = principal.client_id or org
        return cls(principal.subject, principal.role.value, org, principal.name)


VOUCHER_HOLDER = Actor("voucher-holder", "anonymous", None)


async def log_reads(
    ctx: VouchersContext, tenant_id: str, client_ids: list[str], actor: Actor, what: str, why: str
) -> None:
    """One access-log row per client whose personal data is read: in the reading transaction, or (a read-only
    unit on SQLite) in a write of its own before the answer leaves (`write_after_read`)."""
    now = ctx.clock.now()
    rows = [
        {
            "tenant_id": tenant_id,
            "client_id": cid,
            "at": now,
            "actor": actor.subject,
            "actor_name": actor.name[:200] or None,
            "actor_role": actor.role,
            "actor_org": actor.org,
            "what": what,
            "why": why[:200],
        }
        for cid in dict.fromkeys(client_ids)
    ]
    if rows:
        await write_after_read(ctx.session, lambda session: access_repo.log_access(session, rows))


def _new_reference() -> str:
    # An internal client reference for documents where names and identity codes may not appear.
    return "A" + "".join(secrets.choice("0123456789") for _ in range(9))


async def register_client(ctx: VouchersContext, tenant_id: str, data: dict[str, Any]) -> dict[str, Any]:
    if not await repo.tenant_exists(ctx.session, tenant_id):
        raise not_found("Tenant")
    try:
        code = validate_identity_code(data["identity_code"])
    except ValidationFailed as exc:
        raise invalid("identity_code", exc.reason) from exc
    if await repo.client_by_identity_code(ctx.session, tenant_id, code) is not None:
        raise conflict("A client with this personal identity code is already registered", field="identity_code",
                       code="client_exists")
    row = {
        "tenant_id": tenant_id,
        "id": str(uuid.uuid4()),
        "reference": _new_reference(),
        "first_name": data["first_name"].strip(),
        "last_name": data["last_name"].strip(),
        "identity_code": code,
        "email": data.get("email"),
        "phone": data.get("phone"),
        "language": data["language"],
        "proxy": data.get("proxy"),
        "date_of_death": None,
        "created_at": ctx.clock.now(),
    }
    try:
        async with ctx.session.begin_nested():
            await repo.insert_row(ctx.session, clients, row)
    except IntegrityError as exc:  # a concurrent registration of the same person won the race
        raise conflict("A client with this personal identity code is already registered", field="identity_code",
                       code="client_exists") from exc
    if ctx.settings.person_pseudonym_key:
        await ctx.outbox.add(
            ctx.session,
            ClientRegistered(client_id=row["id"], person=person_pseudonym(ctx.settings.person_pseudonym_key, code)),
            tenant_id=tenant_id,
        )
    return row


async def client_details(
    ctx: VouchersContext, tenant_id: str, client_id: str, actor: Actor, why: str
) -> dict[str, Any]:
    client = await repo.get_client(ctx.session, tenant_id, client_id)
    if client is None:
        raise not_found("Client")
    await log_reads(ctx, tenant_id, [client_id], actor, "client.details", why)
    return client


async def list_clients(
    ctx: VouchersContext, tenant_id: str, name: str | None, limit: int, offset: int, actor: Actor, why: str
) -> tuple[list[dict[str, Any]], int]:
    rows, total = await repo.list_clients(ctx.session, tenant_id, name, limit, offset)
    await log_reads(ctx, tenant_id, [r["id"] for r in rows], actor, "client.list", why)
    return rows, total


async def find_client_by_identity_code(
    ctx: VouchersContext, tenant_id: str, code: str, actor: Actor, why: str
) -> dict[str, Any]:
    try:
        code = validate_identity_code(code)
    except ValidationFailed as exc:
        raise invalid("identity_code", exc.reason) from exc
    client = await repo.client_by_identity_code(ctx.session, tenant_id, code)
    if client is None:
        raise not_found("Client")
    await log_reads(ctx, tenant_id, [client["id"]], actor, "client.by_identity_code", why)
    return client


async def close_voucher(
    ctx: VouchersContext,
    tenant_id: str,
    voucher: dict[str, Any],
    reason: CloseReason,
    valid_until: date | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Any state -> Closed; publishes the close and the end of the voucher's bookings."""
    end = min(voucher["valid_until"], valid_until) if valid_until else voucher["valid_until"]
    values = {
        "state": State.CLOSED.value,
        "closed_reason": reason.value,
        "closed_note": note,
        "closed_at": ctx.clock.now(),
        "valid_until": end,
    }
    await repo.update_voucher(ctx.session, tenant_id, voucher["id"], **values)
    await ctx.outbox.add(
        ctx.session,
        VoucherClosed(voucher_id=voucher["id"], valid_until=end, reason=reason.value),
        tenant_id=tenant_id,
    )
    for booking in await repo.end_bookings(ctx.session, tenant_id, voucher["id"], end, reason.value):
        await publish_booking_ended(ctx, tenant_id, booking, end, reason.value, voucher_closed=True)
    return {**voucher, **values}


async def provider_client_ref(ctx: VouchersContext, tenant_id: str, provider_id: str, client_id: str) -> str:
    """How the provider knows the client: its own client number, else the client's reference (never the
    identity code)."""
    number = await access_repo.client_number(ctx.session, tenant_id, provider_id, client_id)
    if number:
        return str(number)
    client = await repo.get_client(ctx.session, tenant_id, client_id)
    assert client is not None
    return str(client["reference"])


async def publish_booking_ended(ctx: VouchersContext, tenant_id: str, booking: Mapping[str, Any], ended_on: date,
                                reason: str, *, voucher_closed: bool = False, by_tenant: bool = False) -> None:
    """The provider learns that its booking ends (the notifications service tells it, by its client number);
    `voucher_closed` tells the voucher's close made the end, so nobody reads a provider's free text as its cause."""
    await ctx.outbox.add(
        ctx.session,
        BookingEnded(
            booking_id=booking["id"],
            voucher_id=booking["voucher_id"],
            provider_id=booking["provider_id"],
            ended_on=ended_on,
            reason=reason,
            voucher_closed=voucher_closed,
            by_tenant=by_tenant,
            client_ref=await provider_client_ref(ctx, tenant_id, booking["provider_id"], booking["client_id"]),
            service_id=booking["service_id"],
            producer_part=booking["producer_part"],
        ),
        tenant_id=tenant_id,
    )


async def record_death(ctx: VouchersContext, tenant_id: str, client_id: str, date_of_death: date) -> dict[str, Any]:
    """Every voucher of the client ends the day after the death; the same date again changes nothing, an earlier
    one corrects a date entered too late (the vouchers end earlier)."""
    client = await repo.get_client(ctx.session, tenant_id, client_id)
    if client is None:
        raise not_found("Client")
    if date_of_death > ctx.today():
        raise invalid("date_of_death", "cannot be in the future")
    if date_of_death < identity_code_birth_date(client["identity_code"]):
        # a mistyped year would close every voucher back to it, and only an earlier day corrects a recorded death
        raise invalid("date_of_death", "cannot be before the client's date of birth", code="death_before_birth")
    recorded = client["date_of_death"]
    if recorded is not None and date_of_death > recorded:
        # the validity has ended the day after the recorded date and care after it has been refused or clipped:
        # an earlier day corrects it (below), a later one cannot give that back
        raise conflict(f"The date of death {recorded.isoformat()} is recorded: only an earlier day can correct it",
                       field="date_of_death", code="death_date_later")
    end = validity_end_after_death(date_of_death)
    await repo.set_date_of_death(ctx.session, tenant_id, client_id, date_of_death)
    closed = []
    for voucher in await repo.vouchers_of_client(ctx.session, tenant_id, client_id):
        if voucher["state"] == State.CLOSED and voucher["valid_until"] <= end:
            continue
        locked = await repo.get_voucher(ctx.session, tenant_id, voucher["id"], lock=True)
        assert locked is not None
        closed.append((await close_voucher(ctx, tenant_id, locked, CloseReason.DEATH, valid_until=end))["id"])
    if recorded != date_of_death:  # recorded, or corrected to an earlier day
        await ctx.outbox.add(
            ctx.session,
            ClientDied(client_id=client_id, date_of_death=date_of_death, valid_until=end),
            tenant_id=tenant_id,
        )
    return {
        "client_id": client_id,
        "date_of_death": date_of_death,
        "valid_until": end,
        "closed_vouchers": closed,
    }

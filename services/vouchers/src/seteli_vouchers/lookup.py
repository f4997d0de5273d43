"""A voucher looked up by whoever holds its number and verification code. Throttled; a wrong code
answers exactly like an unknown number, so nothing is learnt by guessing."""

from __future__ import annotations

import hmac
from datetime import timedelta
from enum import StrEnum
from typing import Any

from seteli_common.runtime import ServiceRuntime

from . import access_repository as access_repo
from . import repository as repo
from .domain import normalise_code, normalise_number
from .grants import load_view
from .models import lookup_attempts
from .service import VOUCHER_HOLDER, VouchersContext, log_reads


class Outcome(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    THROTTLED = "throttled"


async def lookup(
    ctx: VouchersContext, tenant_id: str, number: str, code: str, source: str
) -> tuple[Outcome, dict[str, Any] | None]:
    """Records the attempt whatever the outcome; the caller commits even when nothing is found."""
    number = normalise_number(number)[:20]
    s = ctx.settings
    now = ctx.clock.now()
    await access_repo.serialise_on(ctx.session, f"lookup:{tenant_id}:{number}")
    failures, attempts = await access_repo.lookup_counts(
        ctx.session, tenant_id, number, source, now - timedelta(seconds=s.lookup_window_seconds)
    )
    if failures >= s.lookup_max_failures_per_number or attempts >= s.lookup_max_attempts_per_source:
        return Outcome.THROTTLED, None
    voucher = await repo.voucher_by_number(ctx.session, tenant_id, number)
    ok = voucher is not None and hmac.compare_digest(
        normalise_code(code).encode(), str(voucher["verification_code"]).encode()
    )
    await repo.insert_row(
        ctx.session,
        lookup_attempts,
        {"tenant_id": tenant_id, "number": number, "source": source[:64], "at": now, "success": ok},
    )
    if not ok or voucher is None:
        return Outcome.NOT_FOUND, None
    view = await load_view(ctx, tenant_id, voucher)
    view.pop("client_id", None)
    await log_reads(
        ctx,
        tenant_id,
        [voucher["client_id"]],
        VOUCHER_HOLDER,
        "voucher.lookup",
        "look-up with number and verification code",
    )
    return Outcome.FOUND, view


def _provider_source(provider_id: str) -> str:
    return f"provider:{provider_id}"[:64]


async def provider_throttled(ctx: VouchersContext, tenant_id: str, provider_id: str) -> bool:
    """Too many unknown numbers entered by this provider lately: voucher numbers are not to be guessed."""
    since = ctx.clock.now() - timedelta(seconds=ctx.settings.lookup_window_seconds)
    _, misses = await access_repo.lookup_counts(ctx.session, tenant_id, "", _provider_source(provider_id), since)
    return misses >= ctx.settings.provider_max_unknown_numbers


async def record_provider_miss(runtime: ServiceRuntime, tenant_id: str, provider_id: str, number: str) -> None:
    """Kept in a transaction of its own: the request that found nothing is rolled back."""
    async with runtime.db.transaction(tenant_id=tenant_id) as session:
        await repo.insert_row(
            session,
            lookup_attempts,
            {
                "tenant_id": tenant_id,
                "number": normalise_number(number)[:20],
                "source": _provider_source(provider_id),
                "at": runtime.clock.now(),
                "success": False,
            },
        )

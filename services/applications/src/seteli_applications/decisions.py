"""Approval and rejection: what they do to the application, its change and its price lists."""

from __future__ import annotations

from typing import Any

from seteli_common.auth import Principal

from . import repository as repo
from .context import ApplicationsContext
from .events import ApplicationApproved, ApplicationRejected, PriceInfo, PriceListApproved
from .history import record


def _price_text(amount: Any) -> str:
    return f"{amount:.2f}"


async def approve(ctx: ApplicationsContext, app: dict[str, Any], principal: Principal) -> None:
    tenant_id, now = app["tenant_id"], ctx.clock.now()
    site_ids = list(app["steps"]["sites"]["ids"])
    await record(ctx, app, "approved", principal)
    await repo.update_application(ctx.session, tenant_id, app["id"], state="approved", decided_at=now,
                                  updated_at=now, approved_site_ids=site_ids, return_reason=None,
                                  return_missing=None)
    target_id = app["id"]
    if app["amends_id"]:
        # The change becomes what is approved; the approved application never left "approved". What the
        # provider accepted and signed in sending the change (the rulebook then in force) is now in force too.
        target_id = app["amends_id"]
        await repo.update_application(ctx.session, tenant_id, target_id, steps=app["steps"],
                                      approved_site_ids=site_ids, updated_at=now,
                                      **{k: app.get(k) for k in ("rulebook_version_id", "rulebook_version",
                                                                 "rulebook_accepted_at", "signature")})
    await ctx.outbox.add(ctx.session, ApplicationApproved(
        application_id=target_id, service_id=app["service_id"], provider_id=app["provider_id"], site_ids=site_ids,
        change_id=app["id"] if app["amends_id"] else None), tenant_id=tenant_id)
    lists = await repo.find_price_lists(ctx.session, tenant_id, application_id=app["id"], states=("pending",))
    await repo.update_price_lists(ctx.session, tenant_id, [pl["id"] for pl in lists], state="approved",
                                  approved_at=now)
    for pl in lists:
        await ctx.outbox.add(ctx.session, PriceListApproved(
            price_list_id=pl["id"], service_id=pl["service_id"], provider_id=pl["provider_id"],
            producer_part=pl["producer_part"], name=pl["name"], start=pl["start"].isoformat(),
            prices=[PriceInfo(content_id=cid, unit_price=_price_text(price)) for cid, price in pl["prices"].items()],
            additional_info=pl["additional_info"] or "",
        ), tenant_id=tenant_id)


async def reject(ctx: ApplicationsContext, app: dict[str, Any], principal: Principal, reason: str) -> None:
    tenant_id, now = app["tenant_id"], ctx.clock.now()
    await record(ctx, app, "rejected", principal, reason)
    await repo.update_application(ctx.session, tenant_id, app["id"], state="rejected", decided_at=now,
                                  updated_at=now, return_reason=reason)
    lists = await repo.find_price_lists(ctx.session, tenant_id, application_id=app["id"], states=("pending",))
    await repo.update_price_lists(ctx.session, tenant_id, [pl["id"] for pl in lists], state="rejected")
    await ctx.outbox.add(ctx.session, ApplicationRejected(
        application_id=app["id"], service_id=app["service_id"], provider_id=app["provider_id"], reason=reason,
        amends_id=app["amends_id"]), tenant_id=tenant_id)

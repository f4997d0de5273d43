"""Price-list use cases: adding to an application, free-text info, validity views and price look-up."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from seteli_common.auth import PROVIDER_STAFF, Principal
from seteli_common.errors import FieldError, conflict, invalid, invalid_many, not_found
from seteli_common.idempotency import key_reused
from seteli_common.money import parse_money

from . import repository as repo
from . import service as applications
from . import tenant_services
from .context import ApplicationsContext
from .domain import (
    STEP_OF_PART,
    content_ended,
    ended_on,
    parse_producer_part,
    price_problems,
    unit_price_on,
    valid_until,
)
from .events import PriceListInfoChanged


def _amount(value: Any) -> Decimal | None:
    try:
        if isinstance(value, float):  # a JSON number: take its shortest decimal spelling
            value = repr(value)
        return parse_money(value) if isinstance(value, str | int) and not isinstance(value, bool) else None
    except (ValueError, TypeError, InvalidOperation):
        return None


async def add(ctx: ApplicationsContext, tenant_id: str, principal: Principal, application_id: str,
              data: dict[str, Any], idempotency_key: str | None = None,
              fingerprint: str | None = None) -> dict[str, Any]:
    """`fingerprint`: of the request (idempotency.fingerprint); the key sent again with another one is refused."""
    # the application locked first: a retry arriving beside its first request waits and finds the list it made
    await applications.load(ctx, tenant_id, principal, application_id, for_update=True)
    if idempotency_key and principal.provider_id:
        again = await repo.find_price_lists(ctx.session, tenant_id, provider_id=principal.provider_id,
                                            idempotency_key=idempotency_key)
        if again:
            # (a list keyed before fingerprints were kept has none: taken as the retry it most likely is)
            if again[0].get("idempotency_fingerprint") not in (None, fingerprint):
                raise key_reused()
            return again[0]
    app = await applications.editable(ctx, tenant_id, principal, application_id)
    errors: list[FieldError] = []
    part = data.get("producer_part")
    try:
        parsed = parse_producer_part(part)
    except ValueError as exc:
        errors.append(FieldError("producer_part", str(exc)))
        parsed = None
    if parsed is not None:
        kind, ident = parsed
        step = STEP_OF_PART[kind]
        if ident not in app["steps"][step]["ids"]:
            errors.append(FieldError("producer_part", f"choose this {kind} in the application's {step} step first",
                                     code="producer_part_not_chosen"))
    # the contents the service has and those a scheduled change adds later: the providers are told of a coming
    # content at once and price it before its date (one added from 1 April, in a list from 1 April)
    coming = await tenant_services.get_service(ctx, tenant_id, app["service_id"], date.max)
    prices = [{"content_id": p["content_id"], "unit_price": _amount(p["unit_price"])} for p in data["prices"]]
    errors += price_problems(prices, {c["id"] for c in coming["contents"]})
    start: date = data["start"]
    on_start = await tenant_services.get_service(ctx, tenant_id, app["service_id"], max(start, ctx.today()))
    ended = {c["id"]: ended_on(c) for c in on_start["contents"] if content_ended(c, max(start, ctx.today()))}
    for i, price in enumerate(prices):
        if price["content_id"] in ended:
            errors.append(FieldError(f"prices.{i}.content_id", "the content is ended from "
                                     f"{ended[price['content_id']].isoformat()}: "  # type: ignore[union-attr]
                                     "a price list starting then or later cannot price it",
                                     code="content_ended_for_price_list"))
    same_part = [pl for pl in await repo.find_price_lists(ctx.session, tenant_id, provider_id=app["provider_id"],
                                                          service_id=app["service_id"],
                                                          states=("approved", "pending"))
                 if pl["producer_part"] == part]
    approved = [pl for pl in same_part if pl["state"] == "approved"]
    if approved:
        latest = max(pl["start"] for pl in approved)
        if start <= latest:
            errors.append(FieldError("start", f"must be after the start of the approved price list of this "
                                              f"producer part ({latest.isoformat()}); approved lists are never "
                                              "changed, a new one starts later", code="price_list_start_too_early"))
    if any(pl["start"] == start and pl["application_id"] == app["id"] for pl in same_part
           if pl["state"] == "pending"):
        errors.append(FieldError("start", "this application already has a price list of this producer part "
                                          "starting that day", code="price_list_start_taken"))
    if errors:
        raise invalid_many(errors)
    row = {"tenant_id": tenant_id, "id": str(uuid.uuid4()), "application_id": app["id"],
           "service_id": app["service_id"], "provider_id": app["provider_id"], "producer_part": part,
           "name": data["name"], "start": start, "state": "pending",
           "additional_info": data.get("additional_info") or "", "idempotency_key": idempotency_key,
           "idempotency_fingerprint": fingerprint if idempotency_key else None,
           "created_at": ctx.clock.now()}
    await repo.insert_price_list(ctx.session, row, [
        {"tenant_id": tenant_id, "price_list_id": row["id"], "content_id": p["content_id"],
         "unit_price": p["unit_price"]} for p in prices])
    await repo.update_application(ctx.session, tenant_id, app["id"], updated_at=ctx.clock.now())
    return {**row, "prices": {p["content_id"]: p["unit_price"] for p in prices}}


async def _own_list(ctx: ApplicationsContext, tenant_id: str, principal: Principal,
                    price_list_id: str) -> dict[str, Any]:
    found = await repo.find_price_lists(ctx.session, tenant_id, price_list_id=price_list_id)
    if not found or not applications.reaches(principal, tenant_id, found[0]["provider_id"], found[0]["service_id"]):
        raise not_found("Price list")
    return found[0]


async def remove(ctx: ApplicationsContext, tenant_id: str, principal: Principal, application_id: str,
                 price_list_id: str) -> None:
    app = await applications.editable(ctx, tenant_id, principal, application_id)
    pl = await _own_list(ctx, tenant_id, principal, price_list_id)
    if pl["application_id"] != app["id"] or pl["state"] != "pending":
        raise conflict("Only a price list not yet approved is removed, from its own application",
                       code="price_list_not_removable")
    await repo.delete_price_list(ctx.session, tenant_id, price_list_id)


async def set_info(ctx: ApplicationsContext, tenant_id: str, principal: Principal, price_list_id: str,
                   text: str) -> dict[str, Any]:
    """The free-text additional information changes any time, approved or not, without approval."""
    pl = await _own_list(ctx, tenant_id, principal, price_list_id)
    # its application locked, then the list read again: a decision being made on it is made first, so a text
    # written meanwhile is told as a change of an approved list, not left out of the approval already sent
    await repo.get_application(ctx.session, tenant_id, pl["application_id"], for_update=True)
    pl = await _own_list(ctx, tenant_id, principal, price_list_id)
    if principal.role not in PROVIDER_STAFF:
        raise invalid("additional_info", "only the provider writes its price list information")
    await repo.set_additional_info(ctx.session, tenant_id, price_list_id, text)
    if pl["state"] == "approved" and text != pl["additional_info"]:  # the catalog shows it at once
        await ctx.outbox.add(ctx.session, PriceListInfoChanged(
            price_list_id=pl["id"], service_id=pl["service_id"], provider_id=pl["provider_id"],
            additional_info=text, changed_at=ctx.clock.now().isoformat()), tenant_id=tenant_id)
    return {**pl, "additional_info": text}


def with_validity(lists: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each approved list valid until the day before the next approved list of the same producer part of the same
    provider and service starts (the lists may be of several services and providers)."""
    out = []
    for pl in lists:
        starts = [o["start"] for o in lists if o["producer_part"] == pl["producer_part"]
                  and o["provider_id"] == pl["provider_id"] and o["service_id"] == pl["service_id"]
                  and o["state"] == "approved"]
        until = valid_until(starts, pl["start"]) if pl["state"] == "approved" else None
        out.append({**pl, "valid_from": pl["start"] if pl["state"] == "approved" else None, "valid_until": until})
    return out


async def list_for(ctx: ApplicationsContext, tenant_id: str, principal: Principal, provider_id: str | None,
                   service_id: str | None, states: tuple[str, ...]) -> list[dict[str, Any]]:
    if principal.role in PROVIDER_STAFF:
        provider_id = principal.provider_id
    lists = await repo.find_price_lists(ctx.session, tenant_id, provider_id=provider_id, service_id=service_id,
                                        states=states or None)
    teams = applications.team_services(principal, tenant_id)
    # whole services left out, so each list's validity (within its service) is the same as the main user sees
    return with_validity([pl for pl in lists if teams is None or pl["service_id"] in teams])


async def lookup(ctx: ApplicationsContext, tenant_id: str, principal: Principal, *, provider_id: str, service_id: str,
                 content_id: str, producer_part: str | None, day: date) -> dict[str, Any]:
    if not applications.reaches(principal, tenant_id, provider_id, service_id):
        raise not_found("Price")
    lists = await repo.find_price_lists(ctx.session, tenant_id, provider_id=provider_id, service_id=service_id,
                                        states=("approved",))
    found = unit_price_on(lists, content_id=content_id, producer_part=producer_part, day=day)
    if found is None:
        raise not_found("A valid price for this content, producer part and date")
    price, pl = found
    return {"unit_price": f"{price:.2f}", "price_list_id": pl["id"], "producer_part": pl["producer_part"],
            "start": pl["start"]}

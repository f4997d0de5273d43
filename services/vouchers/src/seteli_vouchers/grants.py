"""Granting, viewing, opening and closing vouchers. Never commits."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from seteli_common.errors import FieldError, ProblemError, conflict, invalid_many, not_found, not_yet_known
from sqlalchemy.exc import IntegrityError

from . import access_repository as access_repo
from . import repository as repo
from .bookings import restore_bookings
from .domain import (
    CloseReason,
    Period,
    State,
    Usage,
    amount_left,
    grant_validity_errors,
    new_verification_code,
    new_voucher_number,
    printable_number,
    shown_state,
    used_up,
)
from .events import GrantedContent, VoucherClosed, VoucherGranted, VoucherOpened
from .models import voucher_contents, vouchers
from .service import VouchersContext, close_voucher

NOTHING_LEFT = Decimal("0.00")
SERVICE_DEFINED = "applications.service.defined"  # what a grant waits for when the request names it
WHOLE_UNITS = ("day", "piece")  # recorded only whole (events); hours, months and m² may have fractions


def _validate_grant(
    data: dict[str, Any], service: dict[str, Any] | None, known: dict[str, dict[str, Any]], today: date
) -> list[FieldError]:
    """A new voucher grants only contents that go on: a content the tenant admin ended (from its end day, as
    the service of today has it) is refused. A voucher granted before the end keeps its row of that content,
    and the row ends with the content: events refuses an event of it on the end day or later, so the provider
    cannot record past it, while the events before the end are recorded and paid as usual."""
    errors: list[FieldError] = []
    if service is None:
        return [FieldError("service_id", "unknown service", code="service_unknown")]
    if data["valid_until"] < data["valid_from"]:
        errors.append(FieldError("valid_until", "must not be before valid_from"))
    seen: set[str] = set()
    for i, content in enumerate(data["contents"]):
        where = f"contents.{i}"
        client_pays = content["content_id"] in known and bool(known[content["content_id"]]["client_pays"])
        if content["content_id"] not in known:
            errors.append(FieldError(f"{where}.content_id", "not a content of this service",
                                     code="content_not_in_service"))
        elif (ended := known[content["content_id"]].get("ended_from")) is not None and ended <= today:
            errors.append(FieldError(f"{where}.content_id", f"the content has ended on {ended.isoformat()}",
                                     code="content_ended_before_grant"))
        if content["content_id"] in seen:
            errors.append(FieldError(f"{where}.content_id", "granted twice in one voucher",
                                     code="content_granted_twice"))
        seen.add(content["content_id"])
        if content["granted_amount"] <= 0:
            errors.append(FieldError(f"{where}.granted_amount", "must be positive"))
        elif (content["period"] != Period.BALANCE and content["content_id"] in known
              and known[content["content_id"]]["unit"] in WHOLE_UNITS
              and content["granted_amount"] != content["granted_amount"].to_integral_value()):
            # care is recorded in whole days and pieces: a limit of 30.5 days is a typo (a balance is euros)
            errors.append(FieldError(f"{where}.granted_amount", "days and pieces are granted whole"))
        value = content.get("voucher_value")
        if client_pays:
            # Listed on the voucher so that the provider records it, but the tenant never pays it.
            if value is not None:
                errors.append(FieldError(f"{where}.voucher_value", "the client pays this content: no voucher value",
                                         code="client_pays_no_value"))
            if content["period"] == Period.BALANCE:
                errors.append(FieldError(f"{where}.period", "the client pays this content: no euro balance",
                                         code="client_pays_no_balance"))
        elif service["kind"] == "voucher" and value is None:
            errors.append(FieldError(f"{where}.voucher_value", "required for a voucher service",
                                     code="voucher_value_required"))
        elif service["kind"] == "purchased" and value is not None:
            # The tenant pays the price (events never use a value here): none is printed on the decision.
            errors.append(FieldError(f"{where}.voucher_value", "a purchased service has no voucher value: "
                                                              "the municipality pays the price",
                                     code="purchased_no_value"))
        if value is not None and value < 0:
            errors.append(FieldError(f"{where}.voucher_value", "must not be negative"))
    return errors


async def grant(ctx: VouchersContext, tenant_id: str, data: dict[str, Any], granted_by: str) -> dict[str, Any]:
    client = await repo.get_client(ctx.session, tenant_id, data["client_id"])
    if client is None:
        raise invalid_many([FieldError("client_id", "unknown client", code="client_unknown")])
    if client["date_of_death"] is not None:
        raise invalid_many([FieldError("client_id", "the client's date of death is recorded", code="client_deceased")])
    coming = await ctx.after.pending(ctx.session, tenant_id, SERVICE_DEFINED)  # before the read: no gap
    service = await repo.get_service(ctx.session, tenant_id, data["service_id"])
    known = await repo.service_content_map(ctx.session, tenant_id, data["service_id"]) if service else {}
    unknown = service is None or any(c["content_id"] not in known for c in data["contents"])
    if unknown and coming:
        # the request follows a service (or a change of its contents) applications defined a moment ago
        raise not_yet_known("The service was defined a moment ago and has not reached vouchers yet",
                            reason="service_not_known_yet")
    errors = [
        FieldError(field, refused.reason, refused.code)
        for field, refused in grant_validity_errors(
            data["granted_on"], data["valid_from"], data["valid_until"], ctx.today()
        ).items()
    ] + _validate_grant(data, service, known, ctx.today())
    if errors:
        raise invalid_many(errors)
    assert service is not None
    voucher_id = str(uuid.uuid4())
    row = {
        "tenant_id": tenant_id,
        "id": voucher_id,
        "verification_code": new_verification_code(),
        "client_id": client["id"],
        "service_id": service["id"],
        "granted_on": data["granted_on"],
        "valid_from": data["valid_from"],
        "valid_until": data["valid_until"],
        "state": State.GRANTED.value,
        "closed_reason": None,
        "closed_note": None,
        "opened_at": None,
        "closed_at": None,
        "granted_by": granted_by,
        "created_at": ctx.clock.now(),
    }
    for _ in range(10):  # random numbers: retry on the rare collision
        row["number"] = new_voucher_number()
        if await repo.number_taken(ctx.session, row["number"]):
            continue
        try:
            async with ctx.session.begin_nested():
                await repo.insert_row(ctx.session, vouchers, row)
            break
        except IntegrityError:
            continue
    else:
        raise ProblemError(503, "Try again", "Could not allocate a voucher number")
    contents = []
    for content in data["contents"]:
        c = {
            "tenant_id": tenant_id,
            "id": str(uuid.uuid4()),
            "voucher_id": voucher_id,
            "content_id": content["content_id"],
            "unit": known[content["content_id"]]["unit"],
            "granted_amount": content["granted_amount"],
            "period": content["period"],
            "voucher_value": content.get("voucher_value"),
        }
        await repo.insert_row(ctx.session, voucher_contents, c)
        contents.append({**c, "client_pays": bool(known[content["content_id"]]["client_pays"])})
    await ctx.outbox.add(
        ctx.session,
        VoucherGranted(
            voucher_id=voucher_id,
            number=row["number"],
            service_id=service["id"],
            client_id=client["id"],
            valid_from=row["valid_from"],
            valid_until=row["valid_until"],
            kind=service["kind"],
            contents=[
                GrantedContent(
                    voucher_content_id=c["id"],
                    content_id=c["content_id"],
                    unit=c["unit"],
                    granted_amount=c["granted_amount"],
                    period=c["period"],
                    voucher_value=c["voucher_value"],
                )
                for c in contents
            ],
        ),
        tenant_id=tenant_id,
    )
    return await load_view(ctx, tenant_id, row, with_code=True)


def voucher_view(
    voucher: dict[str, Any],
    contents: list[dict[str, Any]],
    today: date,
    *,
    usages: list[dict[str, Any]] | None = None,
    with_code: bool = False,
) -> dict[str, Any]:
    def used(content: dict[str, Any]) -> list[Usage]:
        return [
            Usage.of(content["unit"], u["start"], Decimal(u["units"]), Decimal(u["amount_tenant"]))
            for u in usages or []
            if u["content_id"] == content["content_id"]
        ]

    # nothing of a voucher past its validity (closed on a death, by the officer, expired) can be used any more,
    # whatever its grant left unused; one closed in advance (valid until the month's end) is used until then
    closed = voucher["valid_until"] < today
    state, closed_reason = shown_state(voucher, today)
    view = {
        "id": voucher["id"],
        "number": voucher["number"],
        "printable_number": printable_number(voucher["number"]),
        "client_id": voucher["client_id"],
        "service_id": voucher["service_id"],
        "granted_on": voucher["granted_on"],
        "valid_from": voucher["valid_from"],
        "valid_until": voucher["valid_until"],
        "state": state,
        "closed_reason": closed_reason,
        "contents": [
            {
                "id": c["id"],
                "content_id": c["content_id"],
                "name_fi": c.get("name_fi"),
                "name_sv": c.get("name_sv"),
                "unit": c["unit"],
                "granted_amount": c["granted_amount"],
                "period": c["period"],
                "voucher_value": c["voucher_value"],
                "client_pays": bool(c.get("client_pays", False)),
                "amount_left": NOTHING_LEFT if closed else amount_left(
                    c["period"],
                    Decimal(c["granted_amount"]),
                    used(c),
                    today,
                    voucher["valid_from"],
                    voucher["valid_until"],
                ),
            }
            for c in contents
        ],
    }
    if with_code:
        view["verification_code"] = voucher["verification_code"]
    return view


async def load_view(
    ctx: VouchersContext, tenant_id: str, voucher: dict[str, Any], *, with_code: bool = False
) -> dict[str, Any]:
    return (await load_views(ctx, tenant_id, [voucher], with_code=with_code))[0]


async def load_views(
    ctx: VouchersContext, tenant_id: str, vouchers: list[dict[str, Any]], *, with_code: bool = False
) -> list[dict[str, Any]]:
    """`load_view` of many vouchers in two statements, whatever their number."""
    ids = [v["id"] for v in vouchers]
    contents = await repo.voucher_contents_of(ctx.session, tenant_id, ids)
    usages = await access_repo.usages_of(ctx.session, tenant_id, ids) if ids else []
    return [
        voucher_view(v, [c for c in contents if c["voucher_id"] == v["id"]], ctx.today(),
                     usages=[u for u in usages if u["voucher_id"] == v["id"]], with_code=with_code)
        for v in vouchers
    ]


async def get_voucher(ctx: VouchersContext, tenant_id: str, voucher_id: str) -> dict[str, Any]:
    voucher = await repo.get_voucher(ctx.session, tenant_id, voucher_id)
    if voucher is None:
        raise not_found("Voucher")
    return voucher


async def close_by_officer(
    ctx: VouchersContext, tenant_id: str, voucher_id: str, reason: str, valid_until: date | None
) -> dict[str, Any]:
    voucher = await repo.get_voucher(ctx.session, tenant_id, voucher_id, lock=True)
    if voucher is None:
        raise not_found("Voucher")
    # used up is a close a later fact may undo (a charge deleted or credited opens it again): the officer's is not
    if voucher["state"] == State.CLOSED and voucher["closed_reason"] != CloseReason.USED_UP:
        raise conflict("The voucher is already closed", code="voucher_already_closed")
    if voucher["valid_until"] < ctx.today():
        # shown closed as expired from midnight in Helsinki (`shown_state`), before the hourly job writes it so:
        # its validity has ended, there is nothing left to close, and the officer's reason would replace "expired"
        raise conflict("The voucher's validity has ended: it is closed as expired", code="voucher_expired")
    if valid_until is not None and valid_until < voucher["valid_from"]:
        raise invalid_many([FieldError("valid_until", "must not be before the voucher's valid_from",
                                       code="close_before_valid_from")])
    closed = await close_voucher(
        ctx, tenant_id, voucher, CloseReason.OFFICER, valid_until=valid_until or ctx.today(), note=reason
    )
    return await load_view(ctx, tenant_id, closed, with_code=True)


async def close_expired(ctx: VouchersContext, tenant_id: str) -> list[str]:
    """Closes every voucher whose validity has ended (run daily; safe to run again)."""
    closed = []
    for voucher in await repo.expired_vouchers(ctx.session, tenant_id, ctx.today()):
        await close_voucher(ctx, tenant_id, voucher, CloseReason.EXPIRED)
        closed.append(voucher["id"])
    return closed


async def on_event_recorded(ctx: VouchersContext, tenant_id: str, event: dict[str, Any]) -> None:
    """A charge against a voucher: Granted -> Open on the first; Closed when a balance is used up (or open again
    when a correction gives a used-up balance back)."""
    # locked with its contents in one statement: whether it is used up reads them (most charges: nothing more)
    voucher, contents = await repo.locked_voucher_with_contents(ctx.session, tenant_id, event["voucher_id"])
    if voucher is None or event["status"] in ("draft", "deleted", "rejected"):
        if voucher is not None and event["status"] in ("deleted", "rejected"):
            await recheck_used_up(ctx, tenant_id, voucher, contents=contents)
        return
    # the voucher is locked: only a granted one can be opened (most charges find it open: no statement)
    if voucher["state"] == State.GRANTED and await repo.open_voucher(ctx.session, tenant_id, voucher["id"],
                                                                     ctx.clock.now()):
        await ctx.outbox.add(
            ctx.session,
            VoucherOpened(voucher_id=voucher["id"], opened_by_event_id=event["event_id"]),
            tenant_id=tenant_id,
        )
        voucher["state"] = State.OPEN.value
    # this charge stands when it is known not credited (a new recording's row says so): nothing to read
    await recheck_used_up(ctx, tenant_id, voucher, charged=event.get("credited") is False or None, contents=contents)


async def on_charge_changed(ctx: VouchersContext, tenant_id: str, voucher_id: str) -> None:
    """A charge deleted, credited, rejected or its credit withdrawn: the voucher is used up or not as charged now."""
    voucher = await repo.get_voucher(ctx.session, tenant_id, voucher_id, lock=True)
    if voucher is not None:
        await recheck_used_up(ctx, tenant_id, voucher)


async def recheck_used_up(ctx: VouchersContext, tenant_id: str, voucher: dict[str, Any], *,
                          charged: bool | None = None, contents: list[dict[str, Any]] | None = None) -> None:
    """An open voucher whose balances are used up closes (reason used_up); one closed as used up that a later
    fact (a charge deleted, credited, rejected or shortened) gives a balance back to is open again, with the
    bookings its closing ended that could be made today (`restore_bookings`), so the client's provider goes on and
    the amount left can be used, unless its
    validity has ended meanwhile: then it is closed as expired (its bookings stay ended on its last day). With no charge
    standing at all it is granted again (004 §4.1: Granted is "not used yet"), and open once a charge stands again
    (a credit withdrawn). A voucher closed for any other reason (officer, expiry, death) stays closed.
    `voucher` is locked by the caller; `charged`: True when the caller knows a charge stands on it; `contents`: the
    voucher's (`voucher_contents_of`) when the caller has read them."""
    closed = voucher["state"] == State.CLOSED
    if closed and voucher["closed_reason"] != CloseReason.USED_UP:
        return
    if closed and voucher["valid_until"] < ctx.today():
        # its validity has ended since: a balance given back cannot be used any more, nor the bookings go on
        if not await _used_up(ctx, tenant_id, voucher, contents):
            await repo.update_voucher(ctx.session, tenant_id, voucher["id"], closed_reason=CloseReason.EXPIRED.value)
            await ctx.outbox.add(ctx.session, VoucherClosed(
                voucher_id=voucher["id"], valid_until=voucher["valid_until"], reason=CloseReason.EXPIRED.value),
                tenant_id=tenant_id)
        return
    if not charged and not await access_repo.anything_charged(ctx.session, tenant_id, voucher["id"]):
        if voucher["state"] != State.GRANTED:
            await repo.update_voucher(ctx.session, tenant_id, voucher["id"], state=State.GRANTED.value,
                                      opened_at=None, closed_reason=None, closed_note=None, closed_at=None)
            if closed:
                await restore_bookings(ctx, tenant_id, voucher, CloseReason.USED_UP.value)
        return
    if voucher["state"] == State.GRANTED:  # charged again after every charge was taken back (the first is announced)
        await repo.open_voucher(ctx.session, tenant_id, voucher["id"], ctx.clock.now())
        voucher["state"] = State.OPEN.value
    exhausted = await _used_up(ctx, tenant_id, voucher, contents)
    if exhausted and not closed:
        await close_voucher(ctx, tenant_id, voucher, CloseReason.USED_UP)
    elif closed and not exhausted:
        await repo.update_voucher(ctx.session, tenant_id, voucher["id"], state=State.OPEN.value, closed_reason=None,
                                  closed_note=None, closed_at=None)
        await restore_bookings(ctx, tenant_id, voucher, CloseReason.USED_UP.value)


async def _used_up(ctx: VouchersContext, tenant_id: str, voucher: dict[str, Any],
                   contents: list[dict[str, Any]] | None) -> bool:
    if contents is None:
        contents = await repo.voucher_contents_of(ctx.session, tenant_id, [voucher["id"]])
    # What the client pays is listed on the voucher but not drawn from it: only the tenant-paid
    # contents can use a voucher up, and only when each is granted as a balance or for the whole validity
    # (weekly and monthly grants renew): otherwise the voucher's charges need not be read at all.
    contents = [c for c in contents if not c["client_pays"]]
    if not contents or any(c["period"] not in (Period.BALANCE, Period.VALIDITY) for c in contents):
        return False
    usages = await access_repo.usages(ctx.session, tenant_id, voucher["id"])
    return all(
        used_up(
            c["period"],
            Decimal(c["granted_amount"]),
            [
                Usage.of(c["unit"], u["start"], Decimal(u["units"]), Decimal(u["amount_tenant"]))
                for u in usages
                if u["content_id"] == c["content_id"]
            ],
            voucher["valid_from"],
            voucher["valid_until"],
        )
        for c in contents
    )

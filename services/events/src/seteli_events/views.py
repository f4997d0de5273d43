"""Turning rows into API views and event payloads (canonical decimals: "150.00", "16", "2.25")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from seteli_common.money import to_cents

from .domain import PriceList, ValuationSegment
from .events import EventRecorded, Segment

CENT = Decimal("0.01")


def plain(value: Decimal | int | str) -> Decimal:
    """A decimal without exponent or trailing zeros: 100.0000 -> 100, 2.250000 -> 2.25."""
    return Decimal(format(Decimal(str(value)).normalize(), "f"))


def money(value: Decimal | int | str) -> Decimal:
    """An amount with exactly two decimals unless it needs more (a unit price of 32.555)."""
    d = Decimal(str(value))
    return d.quantize(CENT) if d == d.quantize(CENT) else plain(d)


UNITS_EXP = Decimal("0.000001")


def stored_units(units: Decimal) -> Decimal:
    return plain(units.quantize(UNITS_EXP))


def segment_row(s: ValuationSegment) -> dict[str, Any]:
    return {
        "start": s.start,
        "end": s.end,
        "units": stored_units(s.units),
        "unit_price": s.unit_price,
        "tenant_share_per_unit": s.tenant_share_per_unit,
        "co_payment_per_unit": s.co_payment_per_unit,
        "percentage": s.percentage,
        "amount_tenant": to_cents(s.amount_tenant),
        "amount_co_payment": to_cents(s.amount_co_payment),
    }


def segment_out(row: Mapping[str, Any]) -> Segment:
    return Segment(
        start=row["start"],
        end=row["end"],
        units=plain(row["units"]),
        unit_price=money(row["unit_price"]),
        tenant_share_per_unit=money(row["tenant_share_per_unit"]),
        co_payment_per_unit=money(row["co_payment_per_unit"]),
        percentage=plain(row["percentage"]),
        amount_tenant=money(row["amount_tenant"]),
        amount_co_payment=money(row["amount_co_payment"]),
    )


def price_list(row: Mapping[str, Any]) -> PriceList:
    return PriceList(
        row["id"],
        row["producer_part"],
        row["start"],
        {c: Decimal(str(p)) for c, p in (row["prices"] or {}).items()},
    )


def event_status(row: Mapping[str, Any]) -> str:
    """The status settlement needs: awaiting_approval, or payable (an approved event is payable)."""
    return "awaiting_approval" if row["approval"] == "awaiting_approval" else "payable"


def event_payload(
    row: Mapping[str, Any], segments: Sequence[Mapping[str, Any]], cls: type[EventRecorded], revision: int
) -> EventRecorded:
    return cls(
        event_id=row["id"],
        revision=revision,
        service_id=row["service_id"],
        provider_id=row["provider_id"],
        producer_part=row["producer_part"],
        booking_id=row["booking_id"],
        voucher_id=row["voucher_id"],
        client_ref=row["client_ref"],
        content_id=row["content_id"],
        unit=row["unit"],
        start=row["start"],
        end=row["end"],
        units=plain(row["units"]),
        status=event_status(row),  # type: ignore[arg-type]
        segments=[segment_out(s) for s in segments],
        amount_tenant=money(row["amount_tenant"]),
        amount_co_payment=money(row["amount_co_payment"]),
    )


def event_view(row: Mapping[str, Any], segments: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "booking_id": row["booking_id"],
        "voucher_id": row["voucher_id"],
        "service_id": row["service_id"],
        "provider_id": row["provider_id"],
        "producer_part": row["producer_part"],
        "client_ref": row["client_ref"],
        "content_id": row["content_id"],
        "unit": row["unit"],
        "start": row["start"],
        "end": row["end"],
        "start_time": row["start_time"],
        "end_time": row["end_time"],
        "units": plain(row["units"]),
        "performer": row["performer"],
        "recorder": row["recorder"],
        "text": row["text"],
        "status": row["status"],
        "approval": row["approval"],
        "decision_reason": row.get("decision_reason"),
        "revision": row["revision"],
        "settled": row["settled"],
        "credited": row["credited"],
        "auto_month": row["auto_month"],
        "amount_tenant": money(row["amount_tenant"]),
        "amount_co_payment": money(row["amount_co_payment"]),
        "segments": [segment_out(s).model_dump() for s in segments],
    }

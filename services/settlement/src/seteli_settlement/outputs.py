"""Documents of a run: the payment file for the tenant's bank and the provider's specification PDF."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, cast

from seteli_common.clock import Month

from .payment_file import Debtor, PainVersion, Payment, build_pain001
from .specification import Specification, SpecificationError, SpecificationLine, render_specification_pdf

log = logging.getLogger("seteli.settlement")

UNIT_LABELS = {
    "fi": {"day": "vrk", "hour": "h", "month": "kk", "m2_month": "m²/kk", "piece": "kpl"},
    "sv": {"day": "dygn", "hour": "h", "month": "mån", "m2_month": "m²/mån", "piece": "st"},
}


def end_to_end_id(payment_id: int) -> str:
    """Traces a bank transaction back to the payment, whose lines trace back to their events."""
    return f"SETELI-{payment_id}"


def payment_file(
    run: Mapping[str, Any],
    tenant: Mapping[str, Any],
    payments: Sequence[Mapping[str, Any]],
    *,
    created_at: datetime,
    execution_date: date,
    version: str,
) -> bytes:
    """pain.001 with one transaction per payee; zero payments (credits cancelled a month) are left out."""
    transfers = [
        Payment(
            end_to_end_id=end_to_end_id(p["id"]),
            payee_name=p["payee_name"],
            iban=p["iban"],
            bic=p["bic"],
            amount=Decimal(p["amount"]),
            reference=p["reference"],
            message=None if p["reference"] else f"Seteli {Month.of(run['month'])}",
        )
        for p in payments
        if Decimal(p["amount"]) > 0
    ]
    debtor = Debtor(
        name=tenant["name_fi"],
        iban=tenant["payer_iban"],
        bic=tenant["payer_bic"],
        business_id=tenant["business_id"],
    )
    return build_pain001(
        str(run["id"]).replace("-", ""),
        created_at,
        execution_date,
        debtor,
        transfers,
        cast(PainVersion, version),
    )


def _content_names(services: Sequence[Mapping[str, Any]], language: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for service in services:
        for content in service.get("contents") or []:
            names[content["content_id"]] = content.get(f"name_{language}") or content.get("name_fi") or ""
    return names


def specification_lines(
    lines: Sequence[Mapping[str, Any]], services: Sequence[Mapping[str, Any]], language: str
) -> list[SpecificationLine]:
    """The lines a provider reads: a line and its reversal paid together cancel and are not shown."""
    ids = {line["id"] for line in lines}
    cancelled = {line["reverses"] for line in lines if line["entry"] == "reversal" and line["reverses"] in ids}
    cancelled |= {line["id"] for line in lines if line["entry"] == "reversal" and line["reverses"] in cancelled}
    names = _content_names(services, language)
    labels = UNIT_LABELS.get(language, UNIT_LABELS["fi"])
    result = []
    for line in lines:
        if line["id"] in cancelled:
            continue
        kind: Literal["event", "interruption", "credit"] = line["kind"]
        if line["entry"] == "reversal" and kind == "event":
            kind = "credit"  # a correction of an already paid event shows as its credit
        result.append(
            SpecificationLine(
                client_ref=line["client_ref"] or "-",
                content_name=names.get(line["content_id"]) or line["content_id"],
                units=Decimal(line["units"]),
                unit_label=labels.get(line["unit"], line["unit"]),
                unit_price=Decimal(line["unit_price"]),
                tenant_share=Decimal(line["amount"]),
                co_payment=Decimal(line["co_payment"]),
                period_start=line["start"],
                period_end=line["end"],
                kind=kind,
            )
        )
    return result


def specification_pdf(
    tenant: Mapping[str, Any] | None,
    provider: Mapping[str, Any] | None,
    payment: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    services: Sequence[Mapping[str, Any]],
    month: Month,
    created_at: datetime,
) -> bytes | None:
    """The PDF, or None when it cannot be printed safely (logged; the payment itself stands)."""
    language: Literal["fi", "sv"] = "sv" if payment["language"] == "sv" else "fi"
    tenant_name = (tenant or {}).get(f"name_{language}") or (tenant or {}).get("name_fi") or "-"
    spec = Specification(
        tenant_name=tenant_name,
        provider_name=payment["payee_name"],
        provider_business_id=(provider or {}).get("business_id") or "",
        payee_iban=payment["iban"],
        reference=payment["reference"],
        period=str(month),
        lines=specification_lines(lines, services, language),
        total=Decimal(payment["amount"]),
        carried_over_note=None,
        language=language,
    )
    try:
        return render_specification_pdf(spec, created_at=created_at)
    except SpecificationError as exc:
        log.warning("payment specification not rendered for payment %s: %s", payment["id"], exc)
        return None

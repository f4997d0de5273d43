"""Documents of a run, built from its rows (pure: no I/O): the payment file for the tenant's bank and the
provider's specification PDF."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, cast

from seteli_common.clock import Month

from .payment_file import Debtor, PainVersion, Payment, build_pain001
from .settling import NEGATIVE_BALANCE, NO_BILLING, SITE_NOT_KNOWN
from .specification_pdf import (
    Specification,
    SpecificationError,
    SpecificationLine,
    format_money,
    render_specification_pdf,
)

log = logging.getLogger("seteli.settlement")

UNIT_LABELS = {
    "fi": {"day": "vrk", "hour": "h", "month": "kk", "m2_month": "m²/kk", "piece": "kpl"},
    "sv": {"day": "dygn", "hour": "h", "month": "mån", "m2_month": "m²/mån", "piece": "st"},
}


# What moved to the next run, and why, as a specification says it (domain.REASON_TEXT in fi and sv).
CARRIED_OVER = {
    "fi": (
        "Siirtyy seuraavaan tilitykseen",
        {
            NO_BILLING: "laskutustiedot puuttuvat",
            NEGATIVE_BALANCE: "hyvitykset ylittävät maksettavan määrän, erotus vähennetään seuraavasta tilityksestä",
            SITE_NOT_KNOWN: "toimipaikan tiedot eivät ole vielä tilityksen tiedossa",
            "invalid_payee_name": "maksunsaajan nimi ei kelpaa maksuaineistoon",
            "invalid_iban": "tilinumero (IBAN) ei ole kelvollinen",
            "invalid_bic": "BIC-tunnus ei ole kelvollinen",
            "invalid_reference": "viitenumero ei ole kelvollinen",
        },
    ),
    "sv": (
        "Överförs till nästa redovisning",
        {
            NO_BILLING: "faktureringsuppgifterna saknas",
            NEGATIVE_BALANCE: "gottgörelserna överstiger beloppet att betala, skillnaden dras av i nästa redovisning",
            SITE_NOT_KNOWN: "verksamhetsställets uppgifter är ännu inte kända för redovisningen",
            "invalid_payee_name": "betalningsmottagarens namn kan inte tas med i betalningsmaterialet",
            "invalid_iban": "kontonumret (IBAN) är inte giltigt",
            "invalid_bic": "BIC-koden är inte giltig",
            "invalid_reference": "referensnumret är inte giltigt",
        },
    ),
}


def carried_over_note(carried: Sequence[Mapping[str, Any]], language: Literal["fi", "sv"]) -> str | None:
    """One sentence per payee of the provider carried over in the run: who, how much, and why."""
    heading, reasons = CARRIED_OVER[language]
    notes = [
        f"{heading}: {c['payee_name']} {format_money(Decimal(c['amount']))} ({reasons.get(c['reason'], c['reason'])})."
        for c in carried
    ]
    return " ".join(notes) or None


# What of one payee's credits was set off against another payee of the same provider (`settling.set_off`), and a
# deduction given back because the credit it recovered was withdrawn (`ledger.withdraw_credit`).
SET_OFF = {
    "fi": ("Kuitattu tästä maksusta: {name}, hyvitykset {amount}.",
           "Hyvityksistä kuitattu maksunsaajan {name} maksusta: {amount}."),
    "sv": ("Kvittat mot denna betalning: {name}, gottgörelser {amount}.",
           "Av gottgörelserna har kvittats mot betalningen till {name}: {amount}."),
}
GIVEN_BACK = {
    "fi": ("Hyvitys on peruttu: maksunsaajan {name} maksusta kuitattu {amount} palautetaan sille.",
           "Palautetaan aiemmin tästä maksunsaajasta kuitattu: {name}, hyvitys peruttu, {amount}."),
    "sv": ("Gottgörelsen har återkallats: {amount} som kvittats mot betalningen till {name} återbetalas dit.",
           "Återbetalas det som tidigare kvittats mot denna betalningsmottagare: {name}, gottgörelsen återkallad, "
           "{amount}."),
}


def _deducted_here(payment: Mapping[str, Any], s: Mapping[str, Any]) -> bool:
    # A deduction given back later keeps the payment it was made from, but is settled by a later payment.
    return bool(s["payment_id"] == payment["id"] and s.get("kind", "set_off") == "set_off")


def set_off_of(payment: Mapping[str, Any], set_offs: Sequence[Mapping[str, Any]]) -> Decimal:
    """What set-offs add to the payment's lines: credits of others deducted (-), its own recovered elsewhere (+),
    a deduction given back (- of the debtor, + of the payee that bore it)."""
    return sum((Decimal(s["amount"]) if s["settled_by"] == payment["id"] else -Decimal(s["amount"])
                for s in set_offs if s["settled_by"] == payment["id"] or _deducted_here(payment, s)), Decimal(0))


def set_off_note(payment: Mapping[str, Any], set_offs: Sequence[Mapping[str, Any]],
                 language: Literal["fi", "sv"]) -> str | None:
    deducted, recovered = SET_OFF[language]
    withdrawn, repaid = GIVEN_BACK[language]
    notes = []
    for s in set_offs:
        amount = Decimal(s["amount"])
        if _deducted_here(payment, s):
            notes.append(deducted.format(name=s["from_name"], amount=format_money(-amount)))
        elif s["settled_by"] == payment["id"]:
            text = {"withdrawn": withdrawn, "repaid": repaid}.get(s.get("kind", "set_off"), recovered)
            notes.append(text.format(name=s["to_name"], amount=format_money(abs(amount))))
    return " ".join(notes) or None


# A run's id as its payment file's MsgId: the 32 hex digits, with a-f written as g-l. Plain hex now and
# then reads as an identity code (DDMMYY, a century sign among A-F, NNN, check), which the payment file
# refuses to carry, and then the run's file could not be written at all.
_HEX_WITHOUT_CENTURY_SIGNS = str.maketrans("abcdef", "ghijkl")


def message_id(run_id: str) -> str:
    return run_id.replace("-", "").lower().translate(_HEX_WITHOUT_CENTURY_SIGNS)


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
        message_id(str(run["id"])),
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
    reversals = [line for line in lines if line["entry"] == "reversal"]
    cancelled: set[Any] = set()
    if reversals:  # most months have none: no pass over the lines for their ids
        ids = {line["id"] for line in lines}
        cancelled = {line["reverses"] for line in reversals if line["reverses"] in ids}
        cancelled |= {line["id"] for line in reversals if line["reverses"] in cancelled}
    names = _content_names(services, language)
    labels = UNIT_LABELS.get(language, UNIT_LABELS["fi"])
    # One Decimal per distinct number read as text (PostgreSQL: `repository.specification_lines_of`; a month's
    # lines repeat their prices, units and amounts): its hash, which the formatting's caches take (~3 µs for a
    # new Decimal), is worked out once. The text is the exact digits, so each keeps its scale.
    numbers: dict[str, Decimal] = {}

    def number(value: Any) -> Decimal:
        if not isinstance(value, str):  # a Decimal (SQLite, callers' own rows)
            return Decimal(value)
        found = numbers.get(value)
        if found is None:
            found = numbers[value] = Decimal(value)
        return found

    result = []
    for line in lines:  # positional arguments, fields in their order: a month's payment has thousands of lines
        if cancelled and line["id"] in cancelled:
            continue
        kind: Literal["event", "interruption", "credit"] = line["kind"]
        if kind == "event" and line["entry"] == "reversal":
            kind = "credit"  # a correction of an already paid event shows as its credit
        unit = line["unit"]
        result.append(
            SpecificationLine(
                line["client_ref"] or "-",  # client_ref
                names.get(line["content_id"]) or line["content_id"],  # content_name
                number(line["units"]),
                labels.get(unit, unit),  # unit_label
                number(line["unit_price"]),
                number(line["amount"]),  # tenant_share
                number(line["co_payment"]),
                line["start"],  # period_start
                line["end"],  # period_end
                kind,
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
    carried: Sequence[Mapping[str, Any]] = (),
    set_offs: Sequence[Mapping[str, Any]] = (),
) -> bytes | None:
    """The PDF, or None when it cannot be printed safely (logged; the payment itself stands). `carried`:
    the run's carry-overs; those of this payment's provider are noted (another payee of the same
    provider, e.g. the company without billing information while a site with its own is paid). `set_offs`: those
    of this payment (`repository.set_offs_of_payment`), noted, and the difference between its lines and its total."""
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
        set_off=set_off_of(payment, set_offs),
        carried_over_note=" ".join(filter(None, [
            set_off_note(payment, set_offs, language),
            carried_over_note([c for c in carried if c["provider_id"] == payment["provider_id"]], language),
        ])) or None,
        language=language,
    )
    try:
        return render_specification_pdf(spec, created_at=created_at)
    except SpecificationError as exc:
        log.warning("payment specification not rendered for payment %s: %s", payment["id"], exc)
        return None

"""Canonical decimals of amounts and units, as stored, published and shown: "150.00", "16", "2.25" (pure)."""

from __future__ import annotations

from decimal import Decimal

CENT = Decimal("0.01")


def _decimal(value: Decimal | int | str) -> Decimal:
    # a Decimal as it is (what str() and back would give): the values read from the database, 9 an event listed
    return value if type(value) is Decimal else Decimal(str(value))


def plain(value: Decimal | int | str) -> Decimal:
    """A decimal without exponent or trailing zeros: 100.0000 -> 100, 2.250000 -> 2.25."""
    return Decimal(format(_decimal(value).normalize(), "f"))


def money(value: Decimal | int | str) -> Decimal:
    """An amount with exactly two decimals unless it needs more (a unit price of 32.555)."""
    d = _decimal(value)
    cents = d.quantize(CENT)
    return cents if cents == d else plain(d)


UNITS_EXP = Decimal("0.000001")


def stored_units(units: Decimal) -> Decimal:
    return plain(units.quantize(UNITS_EXP))

"""Canonical decimals of amounts and units, as stored, published and shown: "150.00", "16", "2.25" (pure)."""

from __future__ import annotations

import functools
from decimal import Decimal

CENT = Decimal("0.01")


def plain(value: Decimal | int | str) -> Decimal:
    """A decimal without exponent or trailing zeros: 100.0000 -> 100, 2.250000 -> 2.25."""
    return _plain(value) if value else _plain_of(value)


def money(value: Decimal | int | str) -> Decimal:
    """An amount with exactly two decimals unless it needs more (a unit price of 32.555)."""
    return _money(value) if value else _money_of(value)


def _plain_of(value: Decimal | int | str) -> Decimal:
    return Decimal(format(Decimal(str(value)).normalize(), "f"))


def _money_of(value: Decimal | int | str) -> Decimal:
    d = Decimal(str(value))
    return d.quantize(CENT) if d == d.quantize(CENT) else _plain_of(d)


# A list of events shows the same few prices and amounts hundreds of times. Equal values give equal results (the
# forms are canonical), so a value is worked out once; zero is not cached, as 0 and -0 are equal keys but print
# apart.
_plain = functools.lru_cache(maxsize=4096)(_plain_of)
_money = functools.lru_cache(maxsize=4096)(_money_of)


UNITS_EXP = Decimal("0.000001")


def stored_units(units: Decimal) -> Decimal:
    return plain(units.quantize(UNITS_EXP))

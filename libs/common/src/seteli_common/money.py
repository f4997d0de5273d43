"""Money: euros as ``Decimal`` (or integer cents), and the one rounding rule of Seteli.

The rule: round half away from zero to whole cents (``ROUND_HALF_UP``, which is also what
PostgreSQL's ``round(numeric, 2)`` does; Python's default half-even is not), exactly once per
settlement line. Totals are sums of rounded lines, never rounded sums, so every document adds up
to the cent. Agreement with PostgreSQL is tested where a database is available.

Floats never enter money code: every function here refuses them with ``TypeError``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from typing import Final, Literal

__all__ = ["CENT", "cents_int", "format_eur", "from_cents", "parse_money", "to_cents", "total_of_lines"]

CENT: Final = Decimal("0.01")

# A private context, so that neither the thread's decimal context (precision 28 by default, and
# changeable by any library) nor its rounding mode can alter money results. Traps make
# any inexact-by-overflow operation fail loudly instead of silently rounding.
_CTX: Final = Context(prec=60, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow])


def _check_decimal(amount: object) -> Decimal:
    # bool is an int subclass; True as an amount is always a bug.
    if isinstance(amount, float | bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"money must be Decimal or int, not {type(amount).__name__}")
    value = Decimal(amount)
    if not value.is_finite():
        raise ValueError("money must be a finite number")
    return value


def to_cents(amount: Decimal | int) -> Decimal:
    """Round to whole cents, half away from zero: 0.125 -> 0.13, -0.125 -> -0.13.

    The result always has exactly two decimals; a negative zero becomes ``0.00``.
    """
    value = _check_decimal(amount)
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP, context=_CTX)
    # -0.001 rounds to -0.00; print and compare it as plain zero.
    return rounded.copy_abs() if rounded.is_zero() else rounded


def cents_int(amount: Decimal | int) -> int:
    """The amount in integer cents, after rounding with the rule: ``Decimal("1.235")`` -> ``124``."""
    return int(to_cents(amount).scaleb(2, context=_CTX))


def from_cents(cents: int) -> Decimal:
    """Integer cents back to euros with two decimals: ``123`` -> ``Decimal("1.23")``."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"cents must be int, not {type(cents).__name__}")
    return Decimal(cents).scaleb(-2, context=_CTX)


def total_of_lines(lines: Iterable[Decimal | int]) -> Decimal:
    """Total of settlement lines: each line rounded with the rule, then summed exactly.

    Summing integer cents makes the total independent of line order and of decimal precision. Each distinct
    amount is rounded once and counted (a month's thousands of lines have few distinct prices).
    """
    values = list(lines)
    for kind in set(map(type, values)) - {Decimal, int}:  # a float or bool equal to a Decimal would be counted as it
        _check_decimal(next(v for v in values if type(v) is kind))
    try:
        counted = Counter(values)
    except TypeError:  # a signalling NaN cannot be hashed: refused as any NaN is
        for value in values:
            _check_decimal(value)
        raise
    return from_cents(sum(cents_int(amount) * times for amount, times in counted.items()))


# Plain decimal notation only: optional sign, digits, optional decimal part with "." or ",".
# No exponents, thousands separators, NaN or Infinity: an amount typed by a person or sent in
# JSON should look like an amount.
_AMOUNT_RE: Final = re.compile(r"^[+-]?[0-9]+(?:[.,][0-9]+)?$")


def parse_money(value: str | int | Decimal) -> Decimal:
    """Parse an amount exactly, without rounding (rounding happens once, per settlement line).

    Accepts ``"12.50"``, ``"12,50"`` (Finnish decimal comma), ``"-3"``, ints and finite Decimals.
    Refuses floats (``TypeError``), and NaN, infinities, exponents and garbage (``ValueError``).
    """
    if isinstance(value, str):
        text = value.strip()
        if not _AMOUNT_RE.fullmatch(text):
            raise ValueError("not a money amount")
        return Decimal(text.replace(",", "."))
    return _check_decimal(value)


_GROUP_SEP: Final = "\u00a0"  # no-break space: thousands must not wrap onto a new line


def format_eur(amount: Decimal | int, lang: Literal["fi", "sv"] = "fi") -> str:
    """Format euros for people: ``Decimal("1234.5")`` -> ``"1 234,50 €"`` (spaces are U+00A0).

    Finnish and Finland-Swedish share the format: no-break space between thousands, decimal
    comma, euro sign after a no-break space. Negative amounts use an ASCII hyphen-minus, which
    survives every e-mail client and PDF font. The amount is rounded with the rule first.
    """
    if lang not in ("fi", "sv"):
        raise ValueError(f"unsupported language: {lang!r}")
    value = to_cents(amount)
    sign = "-" if value < 0 else ""
    whole, _, fraction = f"{abs(value):f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{sign}{_GROUP_SEP.join(groups)},{fraction}{_GROUP_SEP}€"

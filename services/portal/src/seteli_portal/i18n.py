"""Every UI string in Finnish and Swedish. A missing key shows the key itself (tests check none is
missing), and `default=` lets a template fall back to the API's own text for codes we do not know."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from .catalog import CATALOG

LANGUAGES = ("fi", "sv")
NBSP = "\u00a0"


class Translator:
    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else "fi"
        self.index = 0 if self.lang == "fi" else 1

    def __call__(self, key: str, default: str | None = None, **kwargs: Any) -> str:
        # Finnish and Swedish have one plural rule: one, and everything else. A text with a {count} may
        # have a `<key>.one` beside it ("1 toimipaikka", not "1 toimipaikkaa").
        if kwargs.get("count") == 1 and f"{key}.one" in CATALOG:
            key = f"{key}.one"
        entry = CATALOG.get(key)
        text = entry[self.index] if entry else (default if default is not None else key)
        if kwargs:
            try:
                return text.format(**kwargs)
            except (KeyError, IndexError, ValueError):
                return text
        return text


def units_fmt(value: Any) -> str:
    """Units as Finnish and Swedish write them: 8.5 -> '8,5', 10.000 -> '10', 1.416667 -> '1,42'."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return str(value)
    text = f"{amount:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",").replace("-", "−")


def money_fmt(value: Any) -> str:
    """1234.5 -> '1 234,50 €' (Finnish and Finland-Swedish use the same form)."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return str(value)
    sign = "−" if amount < 0 else ""
    whole, _, cents = f"{abs(amount):.2f}".partition(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{NBSP.join(groups)},{cents}{NBSP}€"


def date_fmt(value: Any) -> str:
    """ISO date or timestamp -> '15.3.2016'."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):  # a moment: its calendar day in Finland (a naive one is taken as UTC)
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(ZoneInfo("Europe/Helsinki")).date()
    if isinstance(value, date):
        return f"{value.day}.{value.month}.{value.year}"
    return str(value)


def month_fmt(value: Any) -> str:
    """A settlement month '2016-03' -> '3/2016', as Finnish and Swedish write it."""
    text = str(value or "")
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    return f"{int(match.group(2))}/{match.group(1)}" if match else text


def datetime_fmt(value: Any) -> str:
    """ISO timestamp -> '15.3.2016 10.30' on Helsinki's clock (a naive one is taken as UTC)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(ZoneInfo("Europe/Helsinki"))
    return f"{local.day}.{local.month}.{local.year} {local.hour}.{local.minute:02d}"

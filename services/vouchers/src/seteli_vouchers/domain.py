"""Pure rules of vouchers, bookings and client visibility. No I/O."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Any

from seteli_common.clock import iso_week_bounds, month_end, month_start
from seteli_common.validators import finnish_reference, format_finnish_reference

# Verification codes avoid look-alike characters (0/O, 1/I/L) so that a printed code reads back right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
NUMBER_BASE_DIGITS = 10


class State(StrEnum):
    GRANTED = "granted"
    OPEN = "open"
    CLOSED = "closed"


class CloseReason(StrEnum):
    USED_UP = "used_up"
    EXPIRED = "expired"
    OFFICER = "officer"
    DEATH = "death"


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    BALANCE = "balance"  # a euro balance drawn down by what the tenant pays
    VALIDITY = "validity"  # units over the whole validity


class Refusal(StrEnum):
    """Why a booking is refused; the API returns the code and a sentence."""

    VOUCHER_UNKNOWN = "voucher_unknown"
    VOUCHER_CLOSED = "voucher_closed"
    NO_APPROVED_APPLICATION = "no_approved_application"
    NOT_APPROVED_BY_TENANT = "not_approved_by_tenant"
    NO_VALID_PRICE_LIST = "no_valid_price_list"
    CONTENT_ALREADY_BOOKED = "content_already_booked"
    CONTENT_ENDED = "content_ended"
    CONTENT_NOT_IN_VOUCHER = "content_not_in_voucher"
    PRODUCER_PART_UNKNOWN = "producer_part_unknown"
    TERMS_NOT_ACCEPTED = "terms_not_accepted"
    NOT_IN_SERVICE_TEAM = "not_in_service_team"
    PURCHASED_SERVICE = "purchased_service"


REFUSAL_TEXT = {
    Refusal.VOUCHER_UNKNOWN: "No voucher has this number",
    Refusal.VOUCHER_CLOSED: "The voucher is closed",
    Refusal.NO_APPROVED_APPLICATION: "Your company has no approved application for the voucher's service",
    Refusal.NOT_APPROVED_BY_TENANT: "Your company has no approved application with this municipality",
    Refusal.NO_VALID_PRICE_LIST: "Your company has no valid price list for this content",
    Refusal.CONTENT_ALREADY_BOOKED: "This content of the voucher is already booked",
    Refusal.CONTENT_ENDED: "The municipality has ended this content of the service: no care of it is recorded",
    Refusal.CONTENT_NOT_IN_VOUCHER: "The voucher has no such content",
    Refusal.PRODUCER_PART_UNKNOWN: "The producer part is not one of your approved sites, units or employees "
                                   "for this service",
    Refusal.TERMS_NOT_ACCEPTED: "The contract terms must be accepted",
    Refusal.NOT_IN_SERVICE_TEAM: "You are not in the service team of the voucher's service",
    Refusal.PURCHASED_SERVICE: "This is a purchased-service commitment: the municipality books it",
}


def new_voucher_number() -> str:
    """Random (not guessable from a neighbour) 10-digit base plus the 7-3-1 check digit."""
    base = str(10 ** (NUMBER_BASE_DIGITS - 1) + secrets.randbelow(9 * 10 ** (NUMBER_BASE_DIGITS - 1)))
    return finnish_reference(base)


def printable_number(number: str) -> str:
    return format_finnish_reference(number)


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return code.replace(" ", "").replace("-", "").upper()


def normalise_number(number: str) -> str:
    return number.replace(" ", "").replace("\u00a0", "").lstrip("0")


def validity_end_after_death(date_of_death: date) -> date:
    """The validity ends on the day after the date of death: that day is still valid, later ones not."""
    return date_of_death + timedelta(days=1)


# Validity of a grant (a municipality's decision covers a sane, bounded period):
GRANT_BACKDATING_YEARS = 1  # valid_from at most 1 year before the granting date (a late decision)
GRANT_LEAD_YEARS = 1  # valid_from at most 1 year after the granting date
GRANT_LONGEST_YEARS = 10  # valid_until at most 10 years after valid_from ("until further notice")
EARLIEST_GRANT = date(1900, 1, 1)  # the first month a settlement run takes (seteli_common.clock.MONTH_PATTERN)


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (or earlier); 29 February becomes 28 February. Past the calendar's ends
    (before year 1, after 9999) the first or last day there is."""
    year = day.year + years
    if not MINYEAR <= year <= MAXYEAR:
        return date.min if year < MINYEAR else date.max
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


@dataclass(frozen=True)
class DateRefusal:
    """A grant's date outside the rule: the reason in English and the rule's code (problem+json `errors[].code`)."""

    reason: str
    code: str


def grant_validity_errors(granted_on: date, valid_from: date, valid_until: date,
                          today: date) -> dict[str, DateRefusal]:
    """Field -> refusal for a grant's dates outside the rule: granted on or before today; valid from at
    most 1 year before and at most 1 year after the granting date; valid until at most 10 years after
    valid from."""
    errors: dict[str, DateRefusal] = {}
    if granted_on > today:
        errors["granted_on"] = DateRefusal(f"a voucher is granted on or before today ({today.isoformat()})",
                                           code="granted_in_future")
    elif granted_on < EARLIEST_GRANT:  # no settlement run (months of 1900-2099) could ever pay it
        errors["granted_on"] = DateRefusal(f"a voucher is granted on {EARLIEST_GRANT.isoformat()} or later",
                                           code="granted_too_early")
    earliest, latest = add_years(granted_on, -GRANT_BACKDATING_YEARS), add_years(granted_on, GRANT_LEAD_YEARS)
    if valid_from < earliest:
        errors["valid_from"] = DateRefusal(
            f"at most {GRANT_BACKDATING_YEARS} year before the granting date (from {earliest.isoformat()})",
            code="valid_from_too_early")
    elif valid_from > latest:
        errors["valid_from"] = DateRefusal(
            f"at most {GRANT_LEAD_YEARS} year after the granting date (until {latest.isoformat()})",
            code="valid_from_too_late")
    longest = add_years(valid_from, GRANT_LONGEST_YEARS)
    if valid_until > longest:  # (one before valid_from is refused with the grant's other checks)
        errors["valid_until"] = DateRefusal(
            f"a voucher is valid at most {GRANT_LONGEST_YEARS} years (until {longest.isoformat()}); grant it again",
            code="validity_too_long")
    return errors


def is_closed(state: str, valid_until: date, today: date) -> bool:
    return state == State.CLOSED or valid_until < today


def shown_state(voucher: Mapping[str, Any], today: date) -> tuple[str, str | None]:
    """The voucher's state and close reason as of `today` (Helsinki): one whose validity ended before today is
    closed as expired from midnight in Finland, before the hourly job (`close_expired`) writes it so."""
    if voucher["state"] != State.CLOSED and voucher["valid_until"] < today:
        return State.CLOSED.value, CloseReason.EXPIRED.value
    return str(voucher["state"]), voucher["closed_reason"]


def visibility_cutoff(today: date, years: int = 3) -> date:
    """The earliest event date that still makes a client visible to a provider (same day N years ago)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def period_bounds(period: str, today: date, valid_from: date, valid_until: date) -> tuple[date, date]:
    if period == Period.WEEK:
        return iso_week_bounds(today)
    if period == Period.MONTH:
        return month_start(today), month_end(today)
    return valid_from, valid_until


@dataclass(frozen=True)
class Usage:
    start: date
    units: Decimal
    amount_tenant: Decimal
    # A day-unit event's last day: each of its days counts in its own week or month, as the events
    # service counts it against the grant. None: the event counts in the period of its start.
    end: date | None = None

    @classmethod
    def of(cls, unit: str, start: date, units: Decimal, amount_tenant: Decimal) -> Usage:
        """A charge as the events service reports it: a day-unit event's units are its days from the start."""
        end = start + timedelta(days=int(units) - 1) if unit == "day" and units >= 1 else None
        return cls(start, units, amount_tenant, end)

    def units_in(self, first: date, last: date) -> Decimal:
        if self.end is None:
            return self.units if first <= self.start <= last else Decimal(0)
        return Decimal(max(0, (min(self.end, last) - max(self.start, first)).days + 1))


SECONDS = 3600  # parts of a unit that care is counted in: an hour's seconds (a day or piece is whole anyway)
UNITS_EXP = Decimal("0.000001")  # units to 6 decimals, as the events service stores and publishes them


def _seconds(units: Decimal) -> int:
    """Units in whole seconds. Hours arrive rounded (20 min = 0.333333 h, kept here as 0.3333): summed as they are,
    three 20-minute visits would be 0.9999 h and never use up an hour. Care is recorded in minutes, so each part
    rounded to whole seconds is its exact length and the sum is exact (as the events service counts the grant)."""
    return int((units * SECONDS).to_integral_value(rounding=ROUND_HALF_EVEN))


def amount_left(
    period: str, granted: Decimal, usages: Iterable[Usage], today: date, valid_from: date, valid_until: date
) -> Decimal:
    """What is left of a content in the current period: balance vouchers count euros, others units."""
    first, last = period_bounds(period, today, valid_from, valid_until)
    if period == Period.BALANCE:
        used = sum((u.amount_tenant for u in usages if first <= u.start <= last), Decimal(0))
        left = max(Decimal(0), granted - used)
    else:
        used_seconds = sum(_seconds(u.units_in(first, last)) for u in usages)
        left = (Decimal(max(0, _seconds(granted) - used_seconds)) / SECONDS).quantize(UNITS_EXP).normalize()
    cents = left.quantize(Decimal("0.01"))
    return cents if cents == left else left  # two decimals unless a fraction of a unit needs more


def used_up(period: str, granted: Decimal, usages: Iterable[Usage], valid_from: date, valid_until: date) -> bool:
    """Only balance and whole-validity grants can be used up; weekly and monthly ones renew."""
    if period not in (Period.BALANCE, Period.VALIDITY):
        return False
    return amount_left(period, granted, usages, valid_from, valid_from, valid_until) <= 0

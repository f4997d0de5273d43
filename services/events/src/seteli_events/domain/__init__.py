"""Money-deciding rules of service events, as pure functions and frozen value objects (no I/O).

Sources: ``shared/domain.md`` ("Tenant services" price lists, "Service events", "Settlement").

Rounding (one rule, libs/common ``to_cents``: half away from zero): every amount is computed
exactly per :class:`ValuationSegment` (one segment = one settlement line) and rounded once; the
total of a valuation is the sum of its rounded segments, so documents add up to the cent.

Choices made here where ``domain.md`` leaves room (also in the docstrings below):

* The interruption percentage scales the whole price of the day: the tenant's share *and* the
  client's co-payment (a day paid at 0 % costs nobody anything).
* The return day of an ended interruption belongs to the interruption (it is paid at the rule's
  return-day percentage). A presence event still *starts* on that day (domain.md), but its
  valuation excludes the day: pass it in ``value_event(..., exclude_days=...)``. ``payable_days``
  applies the same rule to a whole period.
* Ids (contents, producer parts, users) are strings; an event id in the over-limit rule may be
  anything hashable.

The rules live in this package's modules: pricing.py (money, price lists, valuation),
interruption_days.py (interruption rules, day splits, payable days), grant_limits.py (over-limit events:
grants per period), content_grant.py (a voucher content's events against its grant), auto_record_drafts.py
(the month's draft events), event_days.py (the days an event or interruption takes, the last valid day) and
decimals.py (canonical decimals); this module re-exports the valuation rules as the one public surface.
"""

from __future__ import annotations

from .auto_record_drafts import AutoRecordInput, DraftEvent, RecordedEvent, auto_record_candidates
from .grant_limits import Grant, GrantPeriod, over_limit_events, period_key, remaining_grant, spread_days
from .interruption_days import (
    DayBand,
    InterruptionDay,
    InterruptionReason,
    InterruptionRule,
    PayableDay,
    ReasonRule,
    overlapping_days,
    payable_days,
    rule_on,
    split_interruption,
    value_interruption,
)
from .pricing import (
    ContentTerms,
    DomainError,
    PriceList,
    Unit,
    Valuation,
    ValuationSegment,
    co_payment_per_unit,
    credit_for,
    helsinki_instant,
    hours_between,
    keep_paid_days,
    line_amount,
    price_lists_validity,
    split_by_month,
    tenant_share_per_unit,
    unit_price_on,
    value_days,
    value_event,
)

__all__ = [
    "AutoRecordInput", "ContentTerms", "DayBand", "DomainError", "DraftEvent", "Grant", "GrantPeriod",
    "InterruptionDay", "InterruptionReason", "InterruptionRule", "PayableDay", "PriceList",
    "ReasonRule", "RecordedEvent", "Unit", "Valuation", "ValuationSegment", "auto_record_candidates",
    "co_payment_per_unit", "credit_for", "helsinki_instant", "hours_between", "keep_paid_days", "line_amount",
    "over_limit_events",
    "overlapping_days", "payable_days", "period_key", "price_lists_validity", "remaining_grant", "rule_on",
    "split_by_month", "split_interruption", "spread_days", "tenant_share_per_unit", "unit_price_on",
    "value_days", "value_event", "value_interruption",
]

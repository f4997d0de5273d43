"""Contractor liability: the Reliable Partner (Luotettava Kumppani) report of Vastuu Group.

The API is paid and not public: this is the interface and a fake. The real client waits for the
specification (see shared/integrations.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

CHECKS = ("prepayment_register", "vat_register", "employer_register", "trade_register", "tax_debt",
          "pension_insurance", "accident_insurance", "collective_agreement", "liability_insurance",
          "occupational_health_care")
STATES = ("ok", "attention", "investigate", "unavailable")


@dataclass(frozen=True)
class LiabilityCheck:
    check: str
    state: str
    evidence_date: date | None = None
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "state": self.state, "source": self.source,
                "evidence_date": self.evidence_date.isoformat() if self.evidence_date else None}


@dataclass(frozen=True)
class LiabilityReport:
    business_id: str
    overall_state: str
    fetched_on: date
    checks: list[LiabilityCheck] = field(default_factory=list)


class LiabilityChecker(Protocol):
    async def report(self, business_id: str, today: date) -> LiabilityReport: ...


class FakeLiabilityChecker:
    """Every check OK unless told otherwise with `set_state(business_id, check, state)`."""

    def __init__(self) -> None:
        self.overrides: dict[str, dict[str, str]] = {}

    def set_state(self, business_id: str, check: str, state: str) -> None:
        self.overrides.setdefault(business_id, {})[check] = state

    async def report(self, business_id: str, today: date) -> LiabilityReport:
        states = {c: self.overrides.get(business_id, {}).get(c, "ok") for c in CHECKS}
        checks = [LiabilityCheck(c, s, today, "fake") for c, s in states.items()]
        worst = max(states.values(), key=STATES.index)
        return LiabilityReport(business_id, worst, today, checks)


class UnconnectedLiabilityChecker:
    """Production until the real client exists: every check `unavailable` (never a fake `ok`), so an
    officer sees that the Reliable Partner report was not fetched and checks it by hand."""

    async def report(self, business_id: str, today: date) -> LiabilityReport:
        checks = [LiabilityCheck(c, "unavailable", None, "not connected") for c in CHECKS]
        return LiabilityReport(business_id, "unavailable", today, checks)

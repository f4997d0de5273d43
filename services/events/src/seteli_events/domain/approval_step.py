"""Whether an interruption waits for the officer (the tenant's approval step, 004 §4.3.5.2), decided by the
statements of the step in the order they were made, not the order they were heard in.

The registry states the step "on" or "off" at an instant; events hears the statements late and in any order. An
interruption finalised at `finalised_at` waits when the latest statement before it is "on" (none: the step is
off). The first "off" stated after that releases it, unless the officer decided before that "off" was stated: a
decision made after it was made on an interruption no longer waiting (void: in the true order it would have been
refused), and one made before it stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Outcome = Literal["not_held", "pending", "approved", "rejected", "released"]


@dataclass(frozen=True)
class Statement:
    stated_at: datetime
    need_approval: bool


@dataclass(frozen=True)
class ApprovalOutcome:
    outcome: Outcome
    released_at: datetime | None = None  # "released": when the "off" that released it was stated

    @property
    def paid(self) -> bool:
        """Sent to settlement (paid in a run) rather than held back."""
        return self.outcome in ("not_held", "approved", "released")


def approval_outcome(statements: Sequence[Statement], finalised_at: datetime,
                     decision: Literal["approve", "reject"] | None = None,
                     decided_at: datetime | None = None) -> ApprovalOutcome:
    """What became of an interruption finalised at `finalised_at` (and decided by the officer at `decided_at`),
    had every statement been heard when it was made. "not_held": the step was off when it was finalised, the
    "off" in force named as released_at (None if no statement was made)."""
    ordered = sorted(statements, key=lambda s: s.stated_at)
    before = [s for s in ordered if s.stated_at <= finalised_at]
    if not before or not before[-1].need_approval:
        return ApprovalOutcome("not_held", before[-1].stated_at if before else None)
    off = next((s.stated_at for s in ordered if s.stated_at > finalised_at and not s.need_approval), None)
    if decision is not None and decided_at is not None and (off is None or decided_at < off):
        return ApprovalOutcome("approved" if decision == "approve" else "rejected")
    if off is not None:
        return ApprovalOutcome("released", off)
    return ApprovalOutcome("pending")

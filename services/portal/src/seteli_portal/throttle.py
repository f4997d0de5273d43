"""Per-source throttles for the public forms that cost someone else something: a failed sign-in (five lock
an account), a contact request and a registration (each mails organisations), a password-reset request
(mails the account's owner). The source is the browser's address; behind the ingress the portal takes it
from X-Forwarded-For (uvicorn's proxy headers, trusted through FORWARDED_ALLOW_IPS: only the ingress
controller can reach the portal, see deploy/k8s).

Counts live in this process's memory: with N portal replicas one address gets at most N × the limit, still
a handful a minute. That is enough to stop one source from locking accounts in bulk or using the platform
as a mail cannon; the registry's own per-account limits (the lock-out, three reset mails an hour) stay."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    attempts: int
    window_seconds: float


LIMITS: dict[str, Limit] = {
    # failed sign-ins only: one source locks at most two accounts in a quarter of an hour
    "login": Limit(10, 15 * 60),
    "contact": Limit(10, 60 * 60),
    "reset": Limit(5, 60 * 60),
    "register": Limit(10, 60 * 60),
}
MAX_SOURCES = 50_000  # beyond this, sources with nothing recent are forgotten first


class TooManyAttempts(Exception):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"retry after {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


class Throttle:
    def __init__(self, limits: dict[str, Limit] | None = None, now: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or LIMITS
        self.now = now
        self._attempts: dict[tuple[str, str], deque[float]] = {}

    def _recent(self, action: str, source: str) -> deque[float]:
        window = self.limits[action].window_seconds
        seen = self._attempts.get((action, source), deque())
        while seen and seen[0] <= self.now() - window:
            seen.popleft()
        return seen

    def check(self, action: str, source: str) -> None:
        """Raises TooManyAttempts when this source has used up its attempts for the action."""
        limit = self.limits[action]
        seen = self._recent(action, source)
        if len(seen) >= limit.attempts:
            raise TooManyAttempts(max(1, math.ceil(seen[0] + limit.window_seconds - self.now())))

    def record(self, action: str, source: str) -> None:
        if len(self._attempts) >= MAX_SOURCES:
            self._forget_idle()
        self._attempts.setdefault((action, source), self._recent(action, source)).append(self.now())

    def _forget_idle(self) -> None:
        for key in list(self._attempts):
            if not self._recent(*key):
                del self._attempts[key]

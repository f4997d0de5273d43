"""Registry rules as pure functions: password policy and lock-out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

# A short list of the most common passwords; the policy refuses these whatever their length.
COMMON_PASSWORDS = frozenset({
    "password", "password1", "password123", "12345678", "123456789", "1234567890", "qwerty123",
    "salasana", "salasana1", "salasana123", "lösenord", "losenord1", "qwertyui", "11111111",
    "iloveyou", "sunshine1", "abc12345", "welcome1", "letmein1", "admin123", "kissa123", "koira123",
})

MAX_FAILED_LOGINS = 5
LOCK_DURATION = timedelta(minutes=30)


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 8
    require_character_classes: bool = False  # the seed's rule: a digit, an upper and a lower case letter
    max_age_days: int | None = None  # the seed's 30-day expiry, when switched on

    def problems(self, password: str) -> list[str]:
        found: list[str] = []
        if len(password) < self.min_length:
            found.append(f"must be at least {self.min_length} characters")
        if password.lower() in COMMON_PASSWORDS:
            found.append("is too common")
        if self.require_character_classes:
            if not re.search(r"\d", password):
                found.append("must contain a digit")
            if not re.search(r"[a-zåäö]", password):
                found.append("must contain a lower-case letter")
            if not re.search(r"[A-ZÅÄÖ]", password):
                found.append("must contain an upper-case letter")
        return found


def after_failed_login(failed_logins: int, now: datetime) -> tuple[int, datetime | None]:
    """Count a failure; the fifth in a row locks the account for LOCK_DURATION."""
    failed = failed_logins + 1
    return failed, (now + LOCK_DURATION if failed >= MAX_FAILED_LOGINS else None)


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now

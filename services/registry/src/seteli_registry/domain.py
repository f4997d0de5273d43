"""Registry rules as pure functions: password policy, lock-out, links, attachments, search."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from seteli_common.attachment_types import ATTACHMENT_TYPES as PLATFORM_ATTACHMENT_TYPES

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
    require_character_classes: bool = True  # the seed's rule: a digit, an upper and a lower case letter
    max_age_days: int | None = 30  # the seed's 30-day expiry (None or 0: no expiry)

    def problems(self, password: str) -> list[str]:
        found: list[str] = []
        if len(password) < self.min_length:
            found.append(f"must be at least {self.min_length} characters")
        if password.lower() in COMMON_PASSWORDS:
            found.append("is too common")
        if self.require_character_classes:
            if not re.search(r"\d", password):
                found.append("must contain a digit")
            if not any(c.islower() for c in password):  # any alphabet's: é and ß count as lower-case letters
                found.append("must contain a lower-case letter")
            if not any(c.isupper() for c in password):
                found.append("must contain an upper-case letter")
        return found


def after_failed_login(failed_logins: int, now: datetime, locked_until: datetime | None = None
                       ) -> tuple[int, datetime | None]:
    """Count a failure; the fifth in a row locks the account for LOCK_DURATION. A lock that has run out
    starts the count again: the user again has five tries, as the answer to a failed login says."""
    lapsed = locked_until is not None and not is_locked(locked_until, now)
    failed = (0 if lapsed else failed_logins) + 1
    return failed, (now + LOCK_DURATION if failed >= MAX_FAILED_LOGINS else None)


def as_utc(moment: datetime) -> datetime:
    """Every stored instant is UTC, but SQLite (embedded mode) keeps no zone and gives back naive
    datetimes; comparing those with the aware clock would raise TypeError."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def is_past(moment: datetime, now: datetime) -> bool:
    """Whether a stored deadline (link, session, strong login) has passed: expired at the instant itself."""
    return as_utc(moment) <= now


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and as_utc(locked_until) > now


def link_hash(secret: str) -> str:
    """Emailed links and refresh tokens are stored only as a hash: a database leak opens no account."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def password_expired(changed_at: datetime | None, policy: PasswordPolicy, now: datetime) -> bool:
    days = policy.max_age_days
    return bool(days) and changed_at is not None and now - as_utc(changed_at) > timedelta(days=days or 0)


ATTACHMENT_TYPES = frozenset(PLATFORM_ATTACHMENT_TYPES)  # the kernel's one list

# Which contractor-liability check speaks for which attachment type.
CHECK_FOR_ATTACHMENT = {
    "trade_register_extract": "trade_register",
    "prepayment_register": "prepayment_register",
    "tyel_certificate": "pension_insurance",
    "tax_payment_certificate": "tax_debt",
    "liability_insurance": "liability_insurance",
    "accident_insurance": "accident_insurance",
    "collective_agreement": "collective_agreement",
    "occupational_health_care": "occupational_health_care",
}


def search_prefix(stem: str) -> str:
    """The prefix to match a Finnish search word with.

    Snowball's Finnish stemmer does not undo consonant gradation (kotihoito -> "kotihoit" but
    kotihoidon -> "kotihoido"), so a word matches any lexeme that starts with its stem minus the last
    two letters, where gradation happens; short stems are kept whole so that "apu" stays precise.
    """
    return stem if len(stem) <= 5 else stem[:max(5, len(stem) - 2)]


def course_entry_open(window: tuple[date, date] | None, today: date) -> bool:
    return window is not None and window[0] <= today <= window[1]


class RevokedSessions:
    """Session ids ended in this process (logout, passivation, lock). An access token lives at most
    `horizon` seconds, so an entry is forgotten after that: the set cannot grow without bound."""

    def __init__(self, horizon: float, now: Callable[[], float] = time.monotonic) -> None:
        self.horizon = horizon
        self._now = now
        self._ended: dict[str, float] = {}

    def add(self, session_id: str) -> None:
        self._prune()
        self._ended[session_id] = self._now()

    def update(self, session_ids: Iterable[str]) -> None:
        for session_id in session_ids:
            self.add(session_id)

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._ended

    def _prune(self) -> None:
        cutoff = self._now() - self.horizon
        while self._ended:
            oldest, at = next(iter(self._ended.items()))  # insertion order = time order
            if at >= cutoff:
                break
            del self._ended[oldest]


# --- a site's phone number ------------------------------------------------------------------------
# Neither the kernel nor the lock file has a phone number validator (python-stdnum checks identifiers, not
# phone numbers), so the rule is simple and written here: a Finnish number in national form starts with 0
# ("05 123 4567", "040-123 4567", "(05) 123 4567"), an international one with + ("+358 40 123 4567"); digits
# with single spaces, hyphens or brackets between them; 6 to 15 digits in all (E.164 allows 15).
PHONE_CHARACTERS = re.compile(r"\+?[0-9 ()-]+")
PHONE_RULE = ("must be a phone number: a Finnish one starting with 0 or an international one starting with +, "
              "6 to 15 digits with spaces, hyphens or brackets between them")


def normalise_phone(value: str) -> str | None:
    """The phone number as shown (spaces tidied), None when empty; ValueError(PHONE_RULE) when it breaks the
    rule above."""
    text = " ".join(value.split())
    if not text:
        return None
    digits = re.sub(r"[^0-9]", "", text)
    if (not PHONE_CHARACTERS.fullmatch(text) or not text[-1].isdigit() or re.search(r"[ -]{2}|\(\)", text)
            or text.count("(") != text.count(")") or text.count("(") > 1 or text.find("(") > text.find(")")
            or not 6 <= len(digits) <= 15 or (not text.startswith("+") and not digits.startswith("0"))):
        raise ValueError(PHONE_RULE)
    return text

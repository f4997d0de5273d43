"""Pure registry rules: password policy and expiry, lock-out, search prefixes, revoked sessions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from seteli_registry.domain import (
    PasswordPolicy,
    RevokedSessions,
    after_failed_login,
    course_entry_open,
    is_locked,
    password_expired,
    search_prefix,
)

NOW = datetime(2016, 3, 15, 10, 0, tzinfo=UTC)


def test_the_default_policy_is_the_seeds_a_digit_an_upper_and_a_lower_case_letter() -> None:
    policy = PasswordPolicy()
    assert policy.problems("Kissakala1") == []
    assert policy.problems("Salasana1") == ["is too common"]  # case does not save a common password
    assert policy.problems("Lyhyt1a") == ["must be at least 8 characters"]
    assert policy.problems("kissakala") == ["must contain a digit", "must contain an upper-case letter"]
    assert policy.problems("KISSAKALA1") == ["must contain a lower-case letter"]
    assert policy.problems("ÉTÉ-été-2026") == []  # letters of any alphabet count, not only a-z and åäö
    assert policy.problems("ÄÖÅ12345678") == ["must contain a lower-case letter"]
    relaxed = PasswordPolicy(require_character_classes=False)  # a platform may switch the classes off
    assert relaxed.problems("kissakala") == []
    assert relaxed.problems("salasana") == ["is too common"]


def test_a_password_expires_after_thirty_days_unless_switched_off() -> None:
    changed = NOW - timedelta(days=30, seconds=1)
    assert password_expired(changed, PasswordPolicy(), NOW)
    assert not password_expired(NOW - timedelta(days=30), PasswordPolicy(), NOW)  # the 30th day itself is valid
    assert not password_expired(NOW - timedelta(days=29), PasswordPolicy(), NOW)
    for off in (None, 0):
        assert not password_expired(changed, PasswordPolicy(max_age_days=off), NOW)


def test_the_fifth_failure_locks_for_thirty_minutes() -> None:
    failed, until = 0, None
    for _ in range(4):
        failed, until = after_failed_login(failed, NOW)
        assert until is None
    failed, until = after_failed_login(failed, NOW)
    assert until == NOW + timedelta(minutes=30)
    assert is_locked(until, NOW + timedelta(minutes=29)) and not is_locked(until, NOW + timedelta(minutes=30))


def test_search_prefix_bridges_consonant_gradation() -> None:
    assert "kotihoido".startswith(search_prefix("kotihoit"))  # kotihoito ~ kotihoidon
    assert "tuva".startswith(search_prefix("tupa")) is False  # short stems stay whole (precision)
    assert search_prefix("apu") == "apu"


def test_course_window_is_inclusive() -> None:
    window = (date(2016, 9, 1), date(2016, 10, 31))
    assert course_entry_open(window, date(2016, 9, 1)) and course_entry_open(window, date(2016, 10, 31))
    assert not course_entry_open(window, date(2016, 11, 1)) and not course_entry_open(None, date(2016, 9, 1))


def test_revoked_sessions_are_forgotten_after_the_access_token_lifetime() -> None:
    clock = [0.0]
    revoked = RevokedSessions(horizon=360, now=lambda: clock[0])
    revoked.add("a")
    clock[0] = 100
    revoked.update(["b"])
    assert "a" in revoked and "b" in revoked
    clock[0] = 400
    revoked.add("c")  # pruning happens on write
    assert "a" not in revoked and "b" in revoked and "c" in revoked

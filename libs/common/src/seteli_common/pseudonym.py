"""The person pseudonym: one keyed hash of a personal identity code, the same in every service that
holds the key (the registry and vouchers). It lets the registry recognise a resident signing in as a
client registered in vouchers without the identity code ever leaving vouchers; the code cannot be read
back from it, and without the key nobody can test a guessed code against it."""

from __future__ import annotations

import hashlib
import hmac


def person_pseudonym(key: bytes | str, identity_code: str) -> str:
    """HMAC-SHA256 of the normalised (upper-case, trimmed) identity code, as 64 hex digits."""
    raw_key = key.encode() if isinstance(key, str) else key
    return hmac.new(raw_key, identity_code.strip().upper().encode(), hashlib.sha256).hexdigest()

"""The session lives in one HttpOnly, SameSite=Lax cookie, encrypted and authenticated with Fernet,
so the portal stays stateless (any replica can serve any request) and the access token never reaches
page scripts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from cryptography.fernet import Fernet, InvalidToken


class SessionCodec:
    def __init__(self, secret: str, max_age_seconds: int) -> None:
        key = base64.urlsafe_b64encode(hashlib.sha256(f"seteli-portal-session:{secret}".encode()).digest())
        self._fernet = Fernet(key)
        self._max_age = max_age_seconds

    def encode(self, data: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(data, separators=(",", ":")).encode()).decode()

    def decode(self, value: str | None) -> dict[str, Any]:
        if not value:
            return {}
        try:
            data = json.loads(self._fernet.decrypt(value.encode(), ttl=self._max_age))
        except (InvalidToken, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def csrf_ok(session: dict[str, Any], submitted: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and submitted and hmac.compare_digest(str(expected), submitted))


def token_claims(token: str) -> dict[str, Any]:
    """The claims of our own access token, for choosing pages only: every API call verifies it."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}

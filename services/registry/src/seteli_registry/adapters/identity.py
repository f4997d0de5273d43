"""Identity: Suomi.fi e-Identification. The real client speaks its OpenID Connect interface
(authorization code flow). Endpoint paths and claim names follow the Suomi.fi documentation and are
(unverified): confirm them with the operator before production use.

The person's identity code only passes through memory here: never logged, never stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode

import httpx

# httpx logs every request URL at INFO; keep request lines of identity traffic out of the logs.
logging.getLogger("httpx").setLevel(logging.WARNING)

HETU_CLAIM = "urn:oid:1.2.246.21"
GIVEN_NAME_CLAIM = "urn:oid:2.5.4.42"
SURNAME_CLAIM = "urn:oid:2.5.4.4"


@dataclass(frozen=True)
class Person:
    identity_code: str
    given_name: str
    surname: str
    level_of_assurance: str = "substantial"

    def __repr__(self) -> str:  # an accidental log line never shows the identity code
        return f"Person(given_name={self.given_name!r}, surname={self.surname!r})"


class IdentificationFailed(Exception):
    pass


class IdentityProvider(Protocol):
    def login_url(self, state: str, redirect_uri: str, language: str) -> str: ...
    async def complete(self, code: str, redirect_uri: str) -> Person: ...


class FakeIdentity:
    """Codes are registered by tests, or through the registry's test identification page
    (`fake_identity_page.py`): the login URL points there when `page_url` is set and the flow's redirect
    URI is one of `page_for` (the signing flow; the portal's strong login has a fake page of its own)."""

    def __init__(self, page_url: str = "", page_for: frozenset[str] = frozenset()) -> None:
        self.people: dict[str, Person] = {}
        self.page_url, self.page_for = page_url, page_for

    def add(self, code: str, person: Person) -> None:
        self.people[code] = person

    def login_url(self, state: str, redirect_uri: str, language: str) -> str:
        if self.page_url and redirect_uri in self.page_for:
            return f"{self.page_url}?{urlencode({'state': state, 'redirect_uri': redirect_uri, 'lang': language})}"
        return f"{redirect_uri}?{urlencode({'state': state, 'fake_identity': '1', 'lang': language})}"

    async def complete(self, code: str, redirect_uri: str) -> Person:
        person = self.people.get(code)
        if person is None:
            raise IdentificationFailed("unknown authorization code")
        return person


class SuomiFiIdentity:
    def __init__(self, base_url: str, client_id: str, client_secret: str, *, timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        self.transport = transport

    def login_url(self, state: str, redirect_uri: str, language: str) -> str:
        query = urlencode({"client_id": self.client_id, "response_type": "code",
                           "scope": "openid personal_identity_code",
                           "redirect_uri": redirect_uri, "state": state, "ui_locales": language})
        return f"{self.base_url}/oauth/authorize?{query}"

    async def complete(self, code: str, redirect_uri: str) -> Person:
        async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as client:
            token = await client.post(f"{self.base_url}/oauth/token", auth=(self.client_id, self.client_secret),
                                      data={"grant_type": "authorization_code", "code": code,
                                            "redirect_uri": redirect_uri})
            if token.status_code != 200:
                raise IdentificationFailed(f"token endpoint answered {token.status_code}")
            access = token.json()["access_token"]
            info = await client.get(f"{self.base_url}/oauth/userinfo",
                                    headers={"Authorization": f"Bearer {access}"})
            if info.status_code != 200:
                raise IdentificationFailed(f"userinfo endpoint answered {info.status_code}")
        claims = info.json()
        if HETU_CLAIM not in claims:
            raise IdentificationFailed("no personal identity code in the answer")
        return Person(claims[HETU_CLAIM], claims.get(GIVEN_NAME_CLAIM, ""), claims.get(SURNAME_CLAIM, ""),
                      claims.get("acr", "substantial"))

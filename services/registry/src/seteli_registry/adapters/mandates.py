"""Mandates: Suomi.fi e-Authorizations web API, interface YPA (a person's roles in organisations).

Flow: register the person -> redirect to /oauth/authorize -> exchange the code -> organizationRoles ->
unregister. Every call carries the request signature header `X-AsiointivaltuudetAuthorization`.
The register path contains the identity code (the API demands it): it is never logged here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlencode

import httpx

logging.getLogger("httpx").setLevel(logging.WARNING)  # request lines would carry the identity code

SIGNATURE_HEADER = "X-AsiointivaltuudetAuthorization"


@dataclass(frozen=True)
class MandateSession:
    session_id: str
    user_id: str


@dataclass(frozen=True)
class OrganisationRoles:
    business_id: str
    name: str
    roles: list[str] = field(default_factory=list)
    complete: bool = True


class MandatesFailed(Exception):
    pass


class MandateProvider(Protocol):
    async def register(self, identity_code: str) -> MandateSession: ...
    def authorize_url(self, session: MandateSession, redirect_uri: str, state: str, language: str) -> str: ...
    async def organisation_roles(self, session_id: str, code: str, redirect_uri: str) -> list[OrganisationRoles]: ...


def signature(client_id: str, api_key: str, path_with_query: str, moment: datetime) -> str:
    """`{clientId} {ISO-8601 time} {base64(HMAC-SHA256(api key, path_with_query + " " + time))}`."""
    timestamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    digest = hmac.new(api_key.encode(), f"{path_with_query} {timestamp}".encode(), hashlib.sha256).digest()
    return f"{client_id} {timestamp} {base64.b64encode(digest).decode()}"


class FakeMandates:
    """Roles per identity code, set by tests or the embedded demo."""

    def __init__(self) -> None:
        self.roles: dict[str, list[OrganisationRoles]] = {}
        self._sessions: dict[str, str] = {}

    def add(self, identity_code: str, organisations: list[OrganisationRoles]) -> None:
        self.roles[identity_code] = organisations

    async def register(self, identity_code: str) -> MandateSession:
        session = MandateSession(uuid.uuid4().hex, uuid.uuid4().hex)
        self._sessions[session.session_id] = identity_code
        return session

    def authorize_url(self, session: MandateSession, redirect_uri: str, state: str, language: str) -> str:
        # like the real service: back with a code (which the fake does not need) and the state
        return f"{redirect_uri}?{urlencode({'state': state, 'code': 'fake', 'fake_mandates': session.user_id})}"

    async def organisation_roles(self, session_id: str, code: str, redirect_uri: str) -> list[OrganisationRoles]:
        identity_code = self._sessions.pop(session_id, None)
        if identity_code is None:
            raise MandatesFailed("unknown session")
        return self.roles.get(identity_code, [])


class SuomiFiMandates:
    def __init__(self, base_url: str, client_id: str, api_key: str, oauth_password: str, *,
                 timeout: float = 10.0, transport: httpx.AsyncBaseTransport | None = None,
                 now: type[datetime] = datetime) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.api_key = api_key
        self.oauth_password = oauth_password
        self.timeout = timeout
        self.transport = transport
        self._now = now

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self.timeout, transport=self.transport)

    def _signed(self, path_with_query: str) -> dict[str, str]:
        return {SIGNATURE_HEADER: signature(self.client_id, self.api_key, path_with_query, self._now.now(UTC))}

    async def _get(self, client: httpx.AsyncClient, path_with_query: str,
                   extra: dict[str, str] | None = None) -> httpx.Response:
        headers = {**self._signed(path_with_query), **(extra or {})}
        response = await client.get(self.base_url + path_with_query, headers=headers)
        if response.status_code != 200:
            # the status only: the URL may contain the identity code
            raise MandatesFailed(f"e-Authorizations answered {response.status_code}")
        return response

    async def register(self, identity_code: str) -> MandateSession:
        path = f"/service/ypa/user/register/{self.client_id}/{identity_code}?requestId={uuid.uuid4()}"
        async with self._client() as client:
            data = (await self._get(client, path)).json()
        return MandateSession(str(data["sessionId"]), str(data["userId"]))

    def authorize_url(self, session: MandateSession, redirect_uri: str, state: str, language: str) -> str:
        query = urlencode({"client_id": self.client_id, "response_type": "code", "redirect_uri": redirect_uri,
                           "user": session.user_id, "lang": language, "state": state})
        return f"{self.base_url}/oauth/authorize?{query}"

    async def organisation_roles(self, session_id: str, code: str, redirect_uri: str) -> list[OrganisationRoles]:
        async with self._client() as client:
            token_path = "/oauth/token?" + urlencode({"code": code, "grant_type": "authorization_code",
                                                      "redirect_uri": redirect_uri})
            token = await client.post(self.base_url + token_path, auth=(self.client_id, self.oauth_password),
                                      headers=self._signed(token_path))
            if token.status_code != 200:
                raise MandatesFailed(f"e-Authorizations token endpoint answered {token.status_code}")
            access = token.json()["access_token"]
            try:
                path = f"/service/ypa/api/organizationRoles/{session_id}?requestId={uuid.uuid4()}"
                data = (await self._get(client, path, {"Authorization": f"Bearer {access}"})).json()
            finally:
                unregister = f"/service/ypa/user/unregister/{session_id}?requestId={uuid.uuid4()}"
                try:
                    await client.get(self.base_url + unregister, headers=self._signed(unregister))
                except httpx.HTTPError:
                    pass  # the session expires on its own
        return [OrganisationRoles(str(o.get("identifier", "")), str(o.get("name", "")),
                                  [str(r) for r in o.get("roles") or []], bool(o.get("complete", True)))
                for o in data]

"""Tokens: the registry signs JWTs with an asymmetric key (EdDSA/Ed25519) and publishes a JWKS;
every other service only verifies. Roles and the tenant guard live here too.
"""

from __future__ import annotations

import inspect
import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import Depends, Request
from jwt import PyJWK

from .errors import forbidden, not_found, unauthorized

ALGORITHM = "EdDSA"


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    TENANT_ADMIN = "tenant_admin"
    TENANT_OFFICER = "tenant_officer"
    PROVIDER_ADMIN = "provider_admin"
    PROVIDER_USER = "provider_user"
    CLIENT = "client"
    SERVICE = "service"  # machine-to-machine (e.g. the portal's public calls); no personal data


TENANT_STAFF = frozenset({Role.TENANT_ADMIN, Role.TENANT_OFFICER})
PROVIDER_STAFF = frozenset({Role.PROVIDER_ADMIN, Role.PROVIDER_USER})
ONE_TENANT_ROLES = TENANT_STAFF | {Role.CLIENT}  # a token of these names its one tenant


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    tenant_id: str | None = None  # tenant staff: their tenant
    provider_id: str | None = None  # provider staff: their company
    teams: frozenset[str] = field(default_factory=frozenset)  # "<tenant>:<service>" service teams
    client_id: str | None = None
    name: str = ""
    language: str = "fi"
    session_id: str | None = None

    def is_tenant_staff_of(self, tenant_id: str) -> bool:
        return self.role in TENANT_STAFF and self.tenant_id == tenant_id

    def in_team(self, tenant_id: str, service_id: str) -> bool:
        return self.role == Role.PROVIDER_ADMIN or f"{tenant_id}:{service_id}" in self.teams

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        return cls(
            subject=str(claims["sub"]),
            role=Role(claims["role"]),
            tenant_id=claims.get("tenant"),
            provider_id=claims.get("provider"),
            teams=frozenset(claims.get("teams", [])),
            client_id=claims.get("client"),
            name=claims.get("name", ""),
            language=claims.get("lang", "fi"),
            session_id=claims.get("sid"),
        )

    def claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": self.subject, "role": self.role.value, "lang": self.language}
        for key, value in (("tenant", self.tenant_id), ("provider", self.provider_id),
                           ("client", self.client_id), ("sid", self.session_id)):
            if value:
                claims[key] = value
        if self.teams:
            claims["teams"] = sorted(self.teams)
        if self.name:
            claims["name"] = self.name
        return claims


class SigningKey:
    """An Ed25519 key with a key id; the registry keeps the private half, the JWKS shows the public."""

    def __init__(self, private_key: Ed25519PrivateKey, kid: str) -> None:
        self.private_key = private_key
        self.kid = kid

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate(), uuid.uuid4().hex[:16])

    @classmethod
    def load_or_create(cls, path: Path) -> SigningKey:
        if path.exists():
            data = json.loads(path.read_text())
            loaded = serialization.load_pem_private_key(data["pem"].encode(), password=None)
            assert isinstance(loaded, Ed25519PrivateKey)
            return cls(loaded, data["kid"])
        key = cls.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = key.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        # created readable by the owner only: a private key is never world-readable, even for a moment
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(json.dumps({"kid": key.kid, "pem": pem}))
        return key

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update(kid=self.kid, use="sig", alg=ALGORITHM)
        return jwk


class TokenIssuer:
    def __init__(self, key: SigningKey, issuer: str = "seteli-registry", audience: str = "seteli",
                 clock: Callable[[], float] = time.time) -> None:
        self.key = key
        self.issuer = issuer
        self.audience = audience
        self.clock = clock

    def issue(self, principal: Principal, ttl_seconds: int = 300, **extra: Any) -> str:
        now = int(self.clock())
        claims = {**principal.claims(), **extra, "iss": self.issuer, "aud": self.audience,
                  "iat": now, "nbf": now, "exp": now + ttl_seconds, "jti": uuid.uuid4().hex}
        return jwt.encode(claims, self.key.private_key, algorithm=ALGORITHM, headers={"kid": self.key.kid})

    def issue_claims(self, claims: dict[str, Any], *, audience: str, ttl_seconds: int) -> str:
        """A token that is not a session: e.g. the signature assertion for another service's audience."""
        now = int(self.clock())
        body = {"jti": uuid.uuid4().hex, **claims, "iss": self.issuer, "aud": audience,
                "iat": now, "nbf": now, "exp": now + ttl_seconds}
        return jwt.encode(body, self.key.private_key, algorithm=ALGORITHM, headers={"kid": self.key.kid})

    def jwks(self, extra_keys: Iterable[SigningKey] = ()) -> dict[str, Any]:
        return {"keys": [self.key.public_jwk(), *(k.public_jwk() for k in extra_keys)]}


class KeySource(Protocol):
    async def get(self, kid: str) -> Ed25519PublicKey | None: ...


class StaticKeys:
    """Embedded mode and tests: the registry's keys handed over in-process."""

    def __init__(self, jwks: Callable[[], dict[str, Any]]) -> None:
        self._jwks = jwks
        # Parsed keys by their JWK (kid and key material): parsing one costs more than checking a signature.
        # The JWKS is still asked on every call, so a rotated or withdrawn key counts at once.
        self._parsed: dict[tuple[str, str, str], Ed25519PublicKey | None] = {}

    async def get(self, kid: str) -> Ed25519PublicKey | None:
        for jwk in self._jwks()["keys"]:
            if jwk.get("kid") == kid:
                cache_key = (str(kid), str(jwk.get("kty")), str(jwk.get("x")))
                if cache_key not in self._parsed:
                    key = PyJWK(jwk).key
                    if len(self._parsed) > 64:
                        self._parsed.clear()
                    self._parsed[cache_key] = key if isinstance(key, Ed25519PublicKey) else None
                return self._parsed[cache_key]
        return None


class JwksClient:
    """Fetches the registry's JWKS over HTTP and caches it; an unknown kid triggers one refetch
    (at most every `min_refresh` seconds), which is how key rotation reaches the verifiers."""

    def __init__(self, url: str, ttl: float = 300.0, min_refresh: float = 10.0) -> None:
        self.url = url
        self.ttl = ttl
        self.min_refresh = min_refresh
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._fetched_at = 0.0

    async def _refresh(self) -> None:
        async with httpx.AsyncClient(timeout=5.0) as client:
            response = await client.get(self.url)
            response.raise_for_status()
        keys: dict[str, Ed25519PublicKey] = {}
        for jwk in response.json().get("keys", []):
            key = PyJWK(jwk).key
            if isinstance(key, Ed25519PublicKey):
                keys[jwk["kid"]] = key
        self._keys = keys
        self._fetched_at = time.monotonic()

    async def get(self, kid: str) -> Ed25519PublicKey | None:
        age = time.monotonic() - self._fetched_at
        if age > self.ttl or (kid not in self._keys and age > self.min_refresh):
            try:
                await self._refresh()
            except httpx.HTTPError:
                if not self._keys:
                    raise
        return self._keys.get(kid)


class TokenRejected(Exception):
    """Why a token was refused: `reason` is a short code (malformed, algorithm, unknown_key, expired,
    invalid), `detail` the text a client sees."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


async def verified_claims(keys: KeySource, token: str, *, issuer: str, audience: str,
                          require: Iterable[str] = ("exp", "iat", "sub", "aud", "iss")) -> dict[str, Any]:
    """The claims of a token signed with one of `keys`, or TokenRejected."""
    claims, _, _ = await _verified(keys, token, issuer=issuer, audience=audience, require=require)
    return claims


async def _verified(keys: KeySource, token: str, *, issuer: str, audience: str,
                    require: Iterable[str] = ("exp", "iat", "sub", "aud", "iss"),
                    ) -> tuple[dict[str, Any], str, Ed25519PublicKey]:
    """`verified_claims`, with the kid and the key that verified them."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenRejected("malformed", "Malformed token") from exc
    # Only our algorithm: refuses `alg: none` and algorithm-confusion tokens outright.
    if header.get("alg") != ALGORITHM or not header.get("kid"):
        raise TokenRejected("algorithm", "Unsupported token algorithm")
    key = await keys.get(str(header["kid"]))
    if key is None:
        raise TokenRejected("unknown_key", "Unknown signing key")
    try:
        claims: dict[str, Any] = jwt.decode(token, key, algorithms=[ALGORITHM], audience=audience, issuer=issuer,
                                            options={"require": list(require)})
    except jwt.ExpiredSignatureError as exc:
        raise TokenRejected("expired", f"Invalid token: {exc}") from exc
    except jwt.PyJWTError as exc:
        raise TokenRejected("invalid", f"Invalid token: {exc}") from exc
    return claims, str(header["kid"]), key


class TokenVerifier:
    """Verifies access tokens. A token verified once is remembered (its claims and the key that verified
    it, at most `remembered` tokens) so that the next request with the same token skips parsing and the
    signature check (issue 21: PyJWT took ~0.4 ms of a request's ~3 ms CPU): a remembered token still counts
    only while its signing key is the one the key source gives for its kid (a re-keyed or withdrawn key
    counts at once) and until it expires, and its session's revocation is asked on every request. The key is
    the whole token, signature included: a token differing in any byte is verified in full."""

    def __init__(self, keys: KeySource, issuer: str = "seteli-registry", audience: str = "seteli",
                 is_revoked: Callable[[dict[str, Any]], bool | Awaitable[bool]] | None = None,
                 remembered: int = 4096) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.is_revoked = is_revoked
        self.remembered = remembered
        self._verified: dict[str, tuple[dict[str, Any], str, Ed25519PublicKey]] = {}

    async def _claims(self, token: str) -> dict[str, Any]:
        known = self._verified.get(token)
        if known is not None:
            claims, kid, key = known
            # PyJWT's own rule: expired when exp <= now (no leeway); nbf and iat held when first verified.
            if await self.keys.get(kid) is key and claims["exp"] > time.time():
                return claims
            del self._verified[token]  # verified in full again: the same answer as for a token never seen
        claims, kid, key = await _verified(self.keys, token, issuer=self.issuer, audience=self.audience)
        if len(self._verified) >= self.remembered:
            del self._verified[next(iter(self._verified))]  # the oldest remembered
        self._verified[token] = (claims, kid, key)
        return claims

    async def verify(self, token: str) -> Principal:
        try:
            claims = await self._claims(token)
        except TokenRejected as exc:
            raise unauthorized(exc.detail) from exc
        if claims.get("typ", "access") != "access":
            raise unauthorized("Not an access token")
        if self.is_revoked is not None:
            revoked = self.is_revoked(claims)
            if inspect.isawaitable(revoked):
                revoked = await revoked  # e.g. a look-up in the service's own revocation table
            if revoked:
                raise unauthorized("Session ended")
        try:
            return Principal.from_claims(claims)
        except (KeyError, ValueError) as exc:
            raise unauthorized("Token lacks required claims") from exc


def _verifier(request: Request) -> TokenVerifier:
    verifier = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise RuntimeError("app.state.token_verifier is not configured")
    return verifier  # type: ignore[no-any-return]


async def current_principal(request: Request) -> Principal:
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):  # verified once per request (seteli_common.web.principal_first)
        return cached
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise unauthorized()
    principal = await _verifier(request).verify(token.strip())
    request.state.principal = principal
    return principal


async def optional_principal(request: Request) -> Principal | None:
    if not request.headers.get("authorization"):
        return None
    return await current_principal(request)


def require_roles(*roles: Role) -> Callable[..., Any]:
    allowed = frozenset(roles)

    async def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        if principal.role not in allowed and principal.role != Role.PLATFORM_ADMIN:
            raise forbidden(f"Requires one of: {', '.join(sorted(r.value for r in allowed))}")
        return principal

    return dependency


def guard_tenant(principal: Principal, tenant_id: str) -> None:
    """Tenant staff and clients only ever reach the one tenant their token names; we answer 404, not 403,
    so that ids of other tenants' records cannot even be confirmed to exist. A client id is not trusted to
    be unique across tenants: a client of another tenant is refused here, not only by the repositories'
    client filter. Providers work across tenants, filtered by their own relationships in the repositories."""
    if principal.role in ONE_TENANT_ROLES and principal.tenant_id != tenant_id:
        raise not_found("Tenant")

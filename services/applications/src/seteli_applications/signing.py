"""Strong-identity signing of an application, verified here.

The registry runs the identification (Suomi.fi e-Identification, then e-Authorizations: the signer must
be a person who may act for the applying company, roles TJ/NIMKO) and hands the portal a **signature
assertion**: a JWT signed with the registry's token key for the audience `applications`, over the
application's document digest (registry `signing.py`). Here the assertion is checked against the
registry's JWKS (the same keys as access tokens), against the document being sent, the provider and the
user sending it, and used once: its `jti` is stored, and a replay is refused.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from seteli_common.auth import KeySource, TokenRejected, verified_claims
from seteli_common.errors import FieldError, ProblemError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository as repo

ASSERTION_AUDIENCE = "applications"
ASSERTION_TYPE = "signature"
ACCEPTED_ASSURANCE = frozenset({"substantial", "high"})


@dataclass(frozen=True)
class SignatureResult:
    method: str
    signer: str  # the person's name, as identified
    signer_ref: str  # the registry's pseudonymous person id (never the identity code)
    roles: list[str]
    level_of_assurance: str
    signed_at: datetime
    digest: str
    assertion_id: str

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "signer": self.signer, "signer_ref": self.signer_ref, "roles": self.roles,
                "level_of_assurance": self.level_of_assurance, "signed_at": self.signed_at.isoformat(),
                "digest": self.digest, "assertion_id": self.assertion_id}


def refused(reason: str, detail: str) -> ProblemError:
    """422 problem+json naming the reason: signature_missing, signature_invalid, signature_expired,
    signature_digest_mismatch, signature_replayed, signer_not_authorised."""
    return ProblemError(422, "Signature refused", detail, "https://seteli.fi/problems/signature-refused",
                        [FieldError("signature_assertion", f"{reason}: {detail}")], extra={"reason": reason})


class Signer(Protocol):
    async def sign(self, session: AsyncSession, *, tenant_id: str, application_id: str, user: str,
                   provider_id: str, digest: str, evidence: str | None, now: datetime) -> SignatureResult: ...


@dataclass
class RegistrySigner:
    """Verifies the registry's signature assertion; `keys` are the registry's (JWKS or in-process)."""

    keys: KeySource | None
    issuer: str = "seteli-registry"
    max_age_seconds: int = 600
    wall_clock: Callable[[], float] = time.time  # token times are wall-clock, like access tokens

    async def _claims(self, evidence: str) -> dict[str, Any]:
        if self.keys is None:
            raise refused("signature_invalid", "the registry's signing keys are not configured")
        try:
            return await verified_claims(self.keys, evidence, issuer=self.issuer, audience=ASSERTION_AUDIENCE,
                                         require=("exp", "iat", "sub", "aud", "iss", "jti"))
        except TokenRejected as exc:
            if exc.reason == "expired":
                raise refused("signature_expired", "the signature has expired; sign again") from exc
            raise refused("signature_invalid", "the signature is not a valid assertion of the registry") from exc

    async def sign(self, session: AsyncSession, *, tenant_id: str, application_id: str, user: str,
                   provider_id: str, digest: str, evidence: str | None, now: datetime) -> SignatureResult:
        if not evidence:
            raise refused("signature_missing", "sign the application with strong identification first")
        claims = await self._claims(evidence)
        if claims.get("typ") != ASSERTION_TYPE:
            raise refused("signature_invalid", "not a signature assertion")
        if self.wall_clock() - float(claims["iat"]) > self.max_age_seconds:
            raise refused("signature_expired", "the signature is too old; sign again")
        if claims.get("digest") != digest:
            raise refused("signature_digest_mismatch",
                          "the signature is over another version of the application; sign again")
        if claims.get("provider") != provider_id or claims.get("user") != user or claims.get("tenant") != tenant_id:
            raise refused("signer_not_authorised", "the signature was made for another company, user or tenant")
        if not claims.get("roles"):
            raise refused("signer_not_authorised", "the signer has no mandate for the company")
        if claims.get("loa") not in ACCEPTED_ASSURANCE:
            raise refused("signature_invalid", "the identification is not strong enough")
        try:  # the key refuses a second use, also of two sends racing; the failed request changes nothing
            await repo.insert_used_signature(session, str(claims["jti"]), tenant_id, application_id, now)
        except IntegrityError as exc:
            raise refused("signature_replayed", "this signature has already been used") from exc
        return SignatureResult("suomi.fi", str(claims.get("name", "")), str(claims["sub"]),
                               [str(r) for r in claims["roles"]], str(claims["loa"]), now, digest,
                               str(claims["jti"]))


def document_digest(document: dict[str, Any]) -> str:
    """SHA-256 of the application as sent: what the signature is over."""
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()

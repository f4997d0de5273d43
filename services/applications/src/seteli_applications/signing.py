"""Strong-identity signing of an application, through an adapter.

The real implementation goes through the registry's identity adapter (Suomi.fi e-Identification plus
e-Authorizations: the signer must be a person who may act for the applying company, roles TJ/NIMKO).
That flow is a browser redirect; the portal completes it and hands us the evidence (an assertion id).
Until that client exists, embedded mode and tests use the fake, which accepts any evidence except the
ones it is told to refuse.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class SignatureResult:
    ok: bool
    method: str
    signer: str
    signed_at: datetime
    digest: str
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "signer": self.signer, "signed_at": self.signed_at.isoformat(),
                "digest": self.digest}


class Signer(Protocol):
    async def sign(self, *, person: str, provider_id: str, digest: str, evidence: str | None,
                   now: datetime) -> SignatureResult: ...


@dataclass
class FakeSigner:
    refused_evidence: set[str] = field(default_factory=lambda: {"refuse"})

    async def sign(self, *, person: str, provider_id: str, digest: str, evidence: str | None,
                   now: datetime) -> SignatureResult:
        if evidence in self.refused_evidence:
            return SignatureResult(False, "fake", person, now, digest, "strong identification failed")
        return SignatureResult(True, "fake", person, now, digest)


def document_digest(document: dict[str, Any]) -> str:
    """SHA-256 of the application as sent: what the signature is over."""
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()

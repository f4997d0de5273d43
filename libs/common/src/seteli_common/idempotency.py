"""The Idempotency-Key request header: one name and one length limit for every POST that takes it.

A retried request with the same key gets the first answer instead of a second record. Where the
answer is kept differs by service (on the record made, or in a table of answers), but the header is
read the same way everywhere: ``idempotency_key: IdempotencyKey = None``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Final

from fastapi import Header
from pydantic import BaseModel

from .errors import ProblemError, invalid

__all__ = ["IDEMPOTENCY_KEY_MAX_LENGTH", "IdempotencyKey", "fingerprint", "key_reused"]

# The columns that keep a key are String(100).
IDEMPOTENCY_KEY_MAX_LENGTH: Final = 100

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        description="a retried request with the same key gets the first answer instead of a second record",
    ),
]


def fingerprint(body: BaseModel, *context: Any) -> str:
    """The request a key was first used for (its body as validated, and what the path adds, such as the
    application id), as 64 hex digits: a retry has the same one, another request with the same key does not."""
    document = [body.model_dump(mode="json"), [str(part) for part in context]]
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def key_reused() -> ProblemError:
    """The answer to a key sent again with another request: a client's mistake, not a retry, so neither the
    first answer (the client would take it for the second record) nor a second record."""
    return invalid("Idempotency-Key", "already used for a different request")

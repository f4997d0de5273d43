"""The Idempotency-Key request header: one name and one length limit for every POST that takes it.

A retried request with the same key gets the first answer instead of a second record. Where the
answer is kept differs by service (on the record made, or in a table of answers), but the header is
read the same way everywhere: ``idempotency_key: IdempotencyKey = None``.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Header

__all__ = ["IDEMPOTENCY_KEY_MAX_LENGTH", "IdempotencyKey"]

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

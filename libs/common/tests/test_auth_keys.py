"""Verifying a token with the keys handed over in-process (`StaticKeys`, embedded mode and tests): a parsed
key is kept between requests (issue 21: parsing it cost more than checking the signature), yet a key the
registry re-keys or withdraws counts from the very next request."""

from __future__ import annotations

from typing import Any

import pytest
from seteli_common.auth import Principal, Role, SigningKey, StaticKeys, TokenIssuer, TokenVerifier
from seteli_common.errors import ProblemError

MAIJA = Principal(subject="u-maija", role=Role.PROVIDER_USER, provider_id="p-1", teams=frozenset({"t:s"}),
                  name="Maija Hoitaja")


def _verifier(jwks: dict[str, Any]) -> TokenVerifier:
    return TokenVerifier(StaticKeys(lambda: jwks))


async def test_a_token_verifies_again_and_again_with_the_kept_key() -> None:
    issuer = TokenIssuer(SigningKey.generate())
    jwks = issuer.jwks()
    verifier = _verifier(jwks)
    for _ in range(3):
        assert (await verifier.verify(issuer.issue(MAIJA))).subject == "u-maija"


async def test_a_key_re_keyed_under_the_same_kid_counts_at_once() -> None:
    old = SigningKey.generate()
    new = SigningKey(SigningKey.generate().private_key, old.kid)  # same kid, other key material
    jwks = TokenIssuer(old).jwks()
    verifier = _verifier(jwks)
    old_token = TokenIssuer(old).issue(MAIJA)
    assert (await verifier.verify(old_token)).subject == "u-maija"
    jwks["keys"] = TokenIssuer(new).jwks()["keys"]
    with pytest.raises(ProblemError) as refused:
        await verifier.verify(old_token)
    assert refused.value.status == 401
    assert (await verifier.verify(TokenIssuer(new).issue(MAIJA))).subject == "u-maija"


async def test_a_withdrawn_key_no_longer_verifies_and_a_second_key_still_does() -> None:
    first, second = SigningKey.generate(), SigningKey.generate()
    jwks = TokenIssuer(first).jwks(extra_keys=[second])
    verifier = _verifier(jwks)
    by_first, by_second = TokenIssuer(first).issue(MAIJA), TokenIssuer(second).issue(MAIJA)
    assert (await verifier.verify(by_first)).subject == (await verifier.verify(by_second)).subject == "u-maija"
    jwks["keys"] = [k for k in jwks["keys"] if k["kid"] == second.kid]
    with pytest.raises(ProblemError) as refused:
        await verifier.verify(by_first)
    assert refused.value.status == 401 and "Unknown signing key" in str(refused.value.detail)
    assert (await verifier.verify(by_second)).subject == "u-maija"

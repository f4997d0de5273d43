"""Verifying a token with the keys handed over in-process (`StaticKeys`, embedded mode and tests): a parsed
key is kept between requests (issue 21: parsing it cost more than checking the signature), yet a key the
registry re-keys or withdraws counts from the very next request. A token verified once is remembered (issue 21:
PyJWT's parsing and the signature check were an eighth of a request's CPU), with the same neighbours: its key
re-keyed or withdrawn, its expiry, its session ended, a token altered in any byte."""

from __future__ import annotations

import asyncio
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


async def test_a_remembered_token_is_refused_once_it_expires_as_one_never_seen() -> None:
    """A token verified before is not verified in full again (issue 21), yet it stops counting when it expires,
    with the same answer as a token of the same age verified the first time."""
    import time

    issued_at = time.time()
    issuer = TokenIssuer(SigningKey.generate(), clock=lambda: issued_at - 100)
    jwks = issuer.jwks()
    remembering, fresh = _verifier(jwks), _verifier(jwks)
    token = issuer.issue(MAIJA, ttl_seconds=101)  # expires a second from now
    assert (await remembering.verify(token)).subject == "u-maija"
    assert (await remembering.verify(token)).subject == "u-maija"
    await asyncio.sleep(issued_at + 1.05 - time.time())  # past its expiry (PyJWT reads the real time)
    answers = []
    for verifier in (remembering, fresh):
        with pytest.raises(ProblemError) as refused:
            await verifier.verify(token)
        answers.append((refused.value.status, refused.value.detail))
    assert answers[0] == answers[1] and answers[0][0] == 401 and "expired" in str(answers[0][1])


async def test_a_remembered_tokens_session_ended_is_refused_at_the_next_request() -> None:
    ended: set[str] = set()
    issuer = TokenIssuer(SigningKey.generate())
    verifier = TokenVerifier(StaticKeys(issuer.jwks), is_revoked=lambda claims: claims["sid"] in ended)
    token = issuer.issue(MAIJA, sid="s-1")
    assert (await verifier.verify(token)).subject == "u-maija"
    ended.add("s-1")
    with pytest.raises(ProblemError) as refused:
        await verifier.verify(token)
    assert refused.value.status == 401 and refused.value.detail == "Session ended"


async def test_a_token_altered_after_one_was_remembered_is_refused() -> None:
    issuer = TokenIssuer(SigningKey.generate())
    verifier = _verifier(issuer.jwks())
    token = issuer.issue(MAIJA)
    assert (await verifier.verify(token)).subject == "u-maija"
    header, payload, signature = token.split(".")
    forged = issuer.issue(Principal(subject="u-other", role=Role.PLATFORM_ADMIN)).split(".")[1]
    # One character inside the signature changed (the last ones carry padding bits: changing them may not
    # change the signature's bytes at all, and did not once in a few hundred runs).
    other = "B" if signature[10] == "A" else "A"
    for altered in (f"{header}.{forged}.{signature}", f"{header}.{payload}.{signature[:10]}{other}{signature[11:]}"):
        with pytest.raises(ProblemError) as refused:
            await verifier.verify(altered)
        assert refused.value.status == 401


async def test_at_most_the_given_number_of_tokens_are_remembered() -> None:
    issuer = TokenIssuer(SigningKey.generate())
    verifier = TokenVerifier(StaticKeys(issuer.jwks), remembered=3)
    tokens = [issuer.issue(MAIJA) for _ in range(5)]
    for token in tokens + tokens:
        assert (await verifier.verify(token)).subject == "u-maija"
    assert len(verifier._verified) == 3

"""Issue #10, item 11: authentication against the registry app in-process (PostgreSQL, in-memory bus).
Repeated wrong passwords lock the account; forged or stale tokens get 401."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from seteli_common.auth import SigningKey
from seteli_common.clock import FixedClock
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.testing import bearer, running_app
from seteli_registry.bootstrap import build_app, build_runtime
from seteli_registry.config import RegistrySettings

pytestmark = pytest.mark.integration

ADMIN = {"email": "admin@seteli.fi", "password": "Admin-pass-123"}
PROTECTED = "/v1/providers"  # any authenticated endpoint: the platform admin may list providers


@pytest.fixture
async def registry(pg_url: str, tmp_path: Path, clock: FixedClock) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    settings = RegistrySettings(
        database_url=pg_url, data_dir=tmp_path, signing_key_path=tmp_path / "key.json",
        bootstrap_admin_email=ADMIN["email"], bootstrap_admin_password=ADMIN["password"], log_json=False,
        argon2_time_cost=1, argon2_memory_kib=1024)
    runtime = build_runtime(settings, broker=InMemoryBroker(), clock=clock)
    async with running_app(build_app(runtime)) as client:
        yield client, runtime


async def _login(client: httpx.AsyncClient, password: str) -> httpx.Response:
    return await client.post("/v1/auth/token", json={"email": ADMIN["email"], "password": password})


async def test_repeated_wrong_passwords_lock_the_account(registry: tuple[httpx.AsyncClient, Any]) -> None:
    client, _ = registry
    assert (await _login(client, ADMIN["password"])).status_code == 200
    for _ in range(5):
        assert (await _login(client, "Vaara-sana-99")).status_code == 401
    locked = await _login(client, ADMIN["password"])  # the right password no longer helps
    assert locked.status_code == 401
    assert "lock" in locked.json()["detail"].lower()
    assert "access_token" not in locked.json()


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _forgeries(valid: str, key: SigningKey) -> dict[str, str]:
    claims: dict[str, Any] = jwt.decode(valid, options={"verify_signature": False})
    now = int(time.time())
    other = SigningKey.generate()

    def signed(changes: dict[str, Any], signer: SigningKey = key, kid: str | None = None) -> str:
        return jwt.encode({**claims, **changes}, signer.private_key, algorithm="EdDSA",
                          headers={"kid": kid or signer.kid})

    head, _, signature = valid.split(".")
    public_raw = key.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    no_exp = {k: v for k, v in claims.items() if k != "exp"}
    return {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': key.kid})}.{_b64(claims)}.",
        "alg none, no kid": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "wrong audience": signed({"aud": "not-seteli"}),
        "wrong issuer": signed({"iss": "https://evil.example"}),
        "expired": signed({"iat": now - 3600, "nbf": now - 3600, "exp": now - 60}),
        "no expiry": jwt.encode(no_exp, key.private_key, algorithm="EdDSA", headers={"kid": key.kid}),
        "another key, its own kid": signed({}, signer=other),
        "another key, the registry's kid": signed({}, signer=other, kid=key.kid),
        "HS256 keyed with the public key": jwt.encode(claims, public_raw, algorithm="HS256", headers={"kid": key.kid}),
        "payload tampered": f"{head}.{_b64({**claims, 'sub': 'someone-else'})}.{signature}",
        "garbage": "not.a.token",
    }


async def test_forged_and_stale_tokens_get_401(registry: tuple[httpx.AsyncClient, Any]) -> None:
    client, runtime = registry
    login = await _login(client, ADMIN["password"])
    valid = login.json()["access_token"]
    assert (await client.get(PROTECTED, headers=bearer(valid))).status_code == 200  # the control
    key: SigningKey = runtime.extras["issuer"].key
    answers: dict[str, int] = {}
    for name, token in _forgeries(valid, key).items():
        answers[name] = (await client.get(PROTECTED, headers=bearer(token))).status_code
    assert answers == dict.fromkeys(answers, 401)
    assert (await client.get(PROTECTED)).status_code == 401
